// SPDX-License-Identifier: MIT
// "tty_echo" (docs/scenarios.md, docs/ttys.md): readers on CPUs 1..K open /dev/tty0,
// select() on it, read a line each time it is readable and write a reply to the same
// line ("cpuN: " and the line). The terminal model of the scenario ([[tty.input]])
// types the lines; every reader selecting the line wakes when one arrives, one of
// them reads it (the others' reads find nothing: EAGAIN), and the line's output
// (out/tty0.txt) holds the echo and the replies. Written as POSIX programs against
// the layer's C API. A reader ends after a quiet millisecond past the last typed
// input; the last one checks that every typed line was read exactly once.
#define SHADOWSEL_POSIX_NO_RENAME
#include "shadowsel/posix/posix.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "shadowsel/hw/time.h"
#include "shadowsel/tb/posix_workloads.h"

namespace shadowsel::tb {
namespace {

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("tty_echo: " + what + ": " + std::string(strerror(errno)));
}

// What the run did, registered as workload.* in stats.json (static: the processes are
// coroutines of one host thread, and Stats keeps pointers).
struct Figures {
  uint64_t lines = 0;        // lines read by the readers
  uint64_t bytes = 0;        // their bytes
  uint64_t replies = 0;      // replies written
  uint64_t empty_reads = 0;  // woken, but another reader had taken the line (EAGAIN)
};
Figures g_fig;

struct Setup {
  uint32_t readers = 0;
  uint64_t quiet_after = 0;    // cycle after which a select timeout ends a reader
  uint64_t expected = 0;       // lines typed on line 0
  uint32_t exited = 0;
};
Setup g_setup;

constexpr long kQuietUs = 1000;  // a reader's select timeout

int reader_main(uint32_t cpu) {
  const int fd = shadowsel_open("/dev/tty0", O_RDWR | O_NONBLOCK);
  if (fd < 0) fail("open /dev/tty0");
  for (;;) {
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(fd, &rd);
    timeval tv{0, kQuietUs};
    const int n = shadowsel_select(fd + 1, &rd, nullptr, nullptr, &tv);
    if (n < 0) fail("select");
    if (n == 0) {
      if (hw::now_cycles() > g_setup.quiet_after) break;
      continue;
    }
    char buf[4096];
    const ssize_t r = shadowsel_read(fd, buf, sizeof buf);
    if (r < 0 && errno == EAGAIN) {
      ++g_fig.empty_reads;  // a reader on another CPU read the line first
      continue;
    }
    if (r <= 0) fail("read /dev/tty0");
    ++g_fig.lines;
    g_fig.bytes += static_cast<uint64_t>(r);
    const std::string reply = fmt::format("cpu{}: ", cpu) + std::string(buf, static_cast<size_t>(r));
    if (shadowsel_write(fd, reply.data(), reply.size()) != static_cast<ssize_t>(reply.size())) fail("write reply");
    ++g_fig.replies;
  }
  shadowsel_close(fd);
  if (++g_setup.exited == g_setup.readers && g_fig.lines != g_setup.expected)
    throw std::runtime_error(
        fmt::format("tty_echo: {} lines read, {} typed on /dev/tty0", g_fig.lines, g_setup.expected));
  return 0;
}

}  // namespace

void install_tty_echo(Simulation& sim) {
  const Scenario& s = sim.scenario();
  const uint32_t cpus = sim.cpus();
  if (s.workload.readers >= cpus)
    throw std::invalid_argument(fmt::format(
        "tty_echo: readers ({}) must be below cpus ({}): readers run on CPUs 1..readers", s.workload.readers, cpus));
  if (!sim.telnet()) throw std::invalid_argument("tty_echo: needs tty.lines >= 1 (its readers use /dev/tty0)");
  g_fig = Figures{};
  g_setup = Setup{};
  g_setup.readers = s.workload.readers;
  uint64_t last = 0;
  for (const TtyInput& in : s.tty.input) {
    if (in.line != 0) continue;
    last = std::max(last, in.at_cycle);
    g_setup.expected += static_cast<uint64_t>(std::count(in.text.begin(), in.text.end(), '\n'));
  }
  g_setup.quiet_after = last + static_cast<uint64_t>(s.machine.freq_mhz * kQuietUs);
  sim::Stats& st = sim.stats();
  st.counter("workload.lines", &g_fig.lines, "lines", "lines the readers read from /dev/tty0");
  st.counter("workload.line_bytes", &g_fig.bytes, "bytes", "bytes of those lines");
  st.counter("workload.replies", &g_fig.replies, "replies", "replies written to /dev/tty0");
  st.counter("workload.empty_reads", &g_fig.empty_reads, "reads",
             "reads after a wake that found the line taken by a reader on another CPU (EAGAIN)");
  for (uint32_t k = 0; k < s.workload.readers; ++k) {
    const uint32_t cpu = k + 1;
    sim.posix(cpu).start_program(fmt::format("tty-reader{}", k), [cpu] { return reader_main(cpu); });
  }
}

}  // namespace shadowsel::tb
