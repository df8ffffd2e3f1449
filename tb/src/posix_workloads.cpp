// SPDX-License-Identifier: MIT
// Workloads written as POSIX programs against the layer's C API: the
// distributed-select scenarios of docs/scenarios.md ("dedup", "pipeline").
#define SHADOWSEL_POSIX_NO_RENAME
#include "shadowsel/posix/posix.h"

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "shadowsel/driver/kernel.h"
#include "shadowsel/hw/clock.h"
#include "shadowsel/tb/posix_workloads.h"

namespace shadowsel::tb {
namespace {

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(what + ": " + std::string(strerror(errno)));
}

// Times in ns are 128-bit (hw::Nanos): at a low clock frequency a long run
// passes 2^63 ns long before its cycles do.
using hw::Nanos;
using hw::kNsPerSecond;

Nanos now_ns() {
  struct timespec ts;
  shadowsel_clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<Nanos>(ts.tv_sec) * kNsPerSecond + static_cast<Nanos>(ts.tv_nsec);
}

void sleep_until_ns(Nanos t) {
  const Nanos now = now_ns();
  if (t <= now) return;
  const Nanos d = t - now;
  // d < 2^63 s: t is at most the run's end, which the scenario bounds in cycles.
  const struct timespec ts = {static_cast<time_t>(d / kNsPerSecond), static_cast<long>(d % kNsPerSecond)};
  shadowsel_nanosleep(&ts, nullptr);
}

// --- dedup: W waiters on one CPU select one FIFO held by another -------------

struct Dedup {
  int fd = -1;
  uint32_t rounds = 0;
  Nanos start_ns = 0;
  Nanos period_ns = 0;
};
Dedup g_dedup;

// Round r: the owner writes one byte at start + (r + 1/2) period and drains it
// at (r + 3/4) period; each waiter selects from the start of the round, so
// every event finds all W waiters blocked on the same (FIFO, read) interest.
int dedup_waiter(void*) {
  const Dedup& d = g_dedup;
  for (uint32_t r = 0; r < d.rounds; ++r) {
    sleep_until_ns(d.start_ns + r * d.period_ns);
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(d.fd, &rd);
    const int n = shadowsel_select(d.fd + 1, &rd, nullptr, nullptr, nullptr);
    if (n != 1 || !FD_ISSET(d.fd, &rd)) fail("dedup waiter: select");
  }
  return 0;
}

// A CPU-bound process: user computation, in chunks, until the last round has
// ended; it loads the CPU the waiters or the owner run on (bench: latency under load).
int dedup_hog(void*) {
  const Dedup& d = g_dedup;
  const Nanos end = d.start_ns + d.rounds * d.period_ns;
  constexpr uint64_t kChunkCycles = 100000;
  drv::Process* self = drv::Kernel::current_process();
  while (now_ns() < end) self->compute(kChunkCycles);
  return 0;
}

int dedup_owner(const WorkloadParams& w, uint64_t hz) {
  const std::string path = "/tmp/dedup";
  if (shadowsel_mkfifo(path.c_str(), 0600) != 0) fail("mkfifo");
  // O_RDWR: the owner is reader and writer, so opening never waits and it can
  // drain what it wrote.
  const int fd = shadowsel_open(path.c_str(), O_RDWR | O_NONBLOCK);
  if (fd < 0) fail("open");
  // The waiters inherit (share) one read-only description, as children of fork() would.
  const int rd = shadowsel_open(path.c_str(), O_RDONLY | O_NONBLOCK);
  if (rd < 0) fail("open");
  g_dedup.fd = rd;
  g_dedup.rounds = w.rounds;
  g_dedup.period_ns = hw::ns_at(w.period_cycles, hz);
  g_dedup.start_ns = now_ns() + g_dedup.period_ns;
  for (uint32_t i = 0; i < w.waiters; ++i) {
    if (shadowsel_spawn(static_cast<int>(w.waiter_cpu), dedup_waiter, nullptr) < 0) fail("spawn");
  }
  uint32_t children = w.waiters;
  for (const uint32_t cpu : {w.owner_cpu, w.waiter_cpu}) {
    for (uint32_t i = 0; i < w.hogs; ++i, ++children) {
      if (shadowsel_spawn(static_cast<int>(cpu), dedup_hog, nullptr) < 0) fail("spawn");
    }
    if (w.owner_cpu == w.waiter_cpu) break;
  }
  shadowsel_close(rd);
  char byte = 'x';
  for (uint32_t r = 0; r < w.rounds; ++r) {
    sleep_until_ns(g_dedup.start_ns + r * g_dedup.period_ns + g_dedup.period_ns / 2);
    if (shadowsel_write(fd, &byte, 1) != 1) fail("write");
    sleep_until_ns(g_dedup.start_ns + r * g_dedup.period_ns + 3 * g_dedup.period_ns / 4);
    if (shadowsel_read(fd, &byte, 1) != 1) fail("drain");
  }
  for (uint32_t i = 0; i < children; ++i) {
    int status = 0;
    if (shadowsel_waitpid(-1, &status, 0) < 0 || status != 0) fail("waiter or hog");
  }
  shadowsel_close(fd);
  shadowsel_unlink(path.c_str());
  return 0;
}

// --- pipeline: a producer on CPU 0 feeds a filter on every other CPU ---------

struct Filter {
  std::vector<int> inputs;  // read ends
  uint64_t expect_bytes = 0;
  uint32_t record_bytes = 0;
};
std::vector<Filter> g_filters;
std::vector<std::vector<int>> g_writers;

// Selects on all its inputs until each reaches EOF; checks what it got.
int pipeline_filter(void* arg) {
  const uintptr_t me = reinterpret_cast<uintptr_t>(arg);
  const Filter& f = g_filters.at(me);
  // Inherited: every pipe's both ends. Keep only this filter's read ends, or
  // the write ends held here would keep EOF from ever coming.
  for (const auto& ws : g_writers) {
    for (int fd : ws) shadowsel_close(fd);
  }
  for (uintptr_t k = 0; k < g_filters.size(); ++k) {
    if (k == me) continue;
    for (int fd : g_filters[k].inputs) shadowsel_close(fd);
  }
  std::vector<int> open = f.inputs;
  std::vector<uint8_t> buf(8192);
  uint64_t total = 0;
  while (!open.empty()) {
    fd_set rd;
    FD_ZERO(&rd);
    int maxfd = -1;
    for (int fd : open) {
      FD_SET(fd, &rd);
      maxfd = std::max(maxfd, fd);
    }
    if (shadowsel_select(maxfd + 1, &rd, nullptr, nullptr, nullptr) <= 0) fail("filter: select");
    for (auto it = open.begin(); it != open.end();) {
      if (!FD_ISSET(*it, &rd)) {
        ++it;
        continue;
      }
      const ssize_t n = shadowsel_read(*it, buf.data(), buf.size());
      if (n < 0) fail("filter: read");
      total += static_cast<uint64_t>(n);
      if (n == 0) {
        shadowsel_close(*it);
        it = open.erase(it);
      } else {
        ++it;
      }
    }
  }
  return total == f.expect_bytes ? 0 : 1;
}

int pipeline_producer(const WorkloadParams& w, uint32_t cpus) {
  const uint32_t filters = cpus - 1;
  g_filters.assign(filters, Filter{});
  g_writers.assign(filters, {});
  auto& writers = g_writers;
  for (uint32_t k = 0; k < filters; ++k) {
    for (uint32_t i = 0; i < w.inputs; ++i) {
      int p[2];
      if (shadowsel_pipe(p) != 0) fail("pipe");
      g_filters[k].inputs.push_back(p[0]);
      writers[k].push_back(p[1]);
    }
  }
  // Records go round-robin over every pipe; each filter knows its share.
  const uint32_t pipes = filters * w.inputs;
  for (uint32_t m = 0; m < w.messages; ++m) g_filters[(m % pipes) / w.inputs].expect_bytes += w.bytes;
  for (uint32_t k = 0; k < filters; ++k) {
    if (shadowsel_spawn(static_cast<int>(k + 1), pipeline_filter, reinterpret_cast<void*>(uintptr_t{k})) < 0)
      fail("spawn");
  }
  for (auto& f : g_filters) {
    for (int fd : f.inputs) shadowsel_close(fd);
  }
  std::vector<uint8_t> record(w.bytes);
  for (uint32_t m = 0; m < w.messages; ++m) {
    for (uint32_t i = 0; i < w.bytes; ++i) record[i] = static_cast<uint8_t>(m + i);
    const uint32_t pipe = m % pipes;
    const int fd = writers[pipe / w.inputs][pipe % w.inputs];
    if (shadowsel_write(fd, record.data(), record.size()) != static_cast<ssize_t>(record.size())) fail("write");
  }
  for (auto& ws : writers) {
    for (int fd : ws) shadowsel_close(fd);
  }
  int bad = 0;
  for (uint32_t k = 0; k < filters; ++k) {
    int status = 0;
    if (shadowsel_waitpid(-1, &status, 0) < 0) fail("waitpid");
    bad += status != 0;
  }
  if (bad) throw std::runtime_error("pipeline: " + std::to_string(bad) + " filters got the wrong byte count");
  return 0;
}

}  // namespace

void install_dedup(Simulation& sim) {
  const WorkloadParams w = sim.scenario().workload;
  if (w.owner_cpu >= sim.cpus() || w.waiter_cpu >= sim.cpus()) {
    throw std::invalid_argument("dedup: owner_cpu and waiter_cpu must be below cpus");
  }
  const auto hz = hw::hz_from_mhz(sim.scenario().machine.freq_mhz);
  if (!hz) throw std::invalid_argument("dedup: the clock frequency is not a whole number of Hz");
  sim.posix(w.owner_cpu).start_program("fifo-owner", [w, hz] { return dedup_owner(w, *hz); });
}

void install_pipeline(Simulation& sim) {
  const WorkloadParams w = sim.scenario().workload;
  const uint32_t cpus = sim.cpus();
  sim.posix(0).start_program("producer", [w, cpus] { return pipeline_producer(w, cpus); });
}

}  // namespace shadowsel::tb
