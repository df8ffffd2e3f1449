// SPDX-License-Identifier: MIT
// fault_detect_cycles_cpu_halt (issue 11, point 7; docs/faults.md): from a CPU's halt
// to the last survivor process waiting on it woken, at the run's own [liveness]
// parameters (the defaults). CPU 3 owns a pipe read by a child on each of CPUs 0, 1
// and 2 (their blocked reads wait in select items at the dead owner), and holds the
// only write end of a pipe owned by CPU 0, read there (the owner must release the dead
// CPU's end). Each waiter records when its read returned end of file.
//
//   detect_bench [--notify sw|model|rtl|lockstep]
//
// prints one JSON object on stdout, as bench/socket_bench.cpp does:
//   {"figures": {name: {"value", "unit"}}, "counters": {...}, "notes": [...], "errors": [...]}
// with the parts of the figure: the silence liveness waits for (missed_periods x
// period), the spread of the survivors' declarations, and the wake-ups after them.
// Exit status 0 when every waiter woke with end of file, 1 otherwise, 2 on a usage error.
#include <systemc>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "shadowsel/driver/membership.h"
#include "shadowsel/hw/time.h"
#include "shadowsel/tb/simulation.h"

#define SHADOWSEL_POSIX_NO_RENAME
#include "shadowsel/posix/posix.h"
#include "shadowsel/posix/spawn.h"

namespace {
const bool kQuietBanner = setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1) == 0;

using namespace shadowsel;

constexpr uint32_t kDead = 3;
constexpr uint64_t kHaltAt = 1'000'000;  // well after every waiter is blocked
constexpr int kRemoteWaiters = 3;

// One per waiter: when its read returned, and what it returned.
struct Woke {
  uint64_t at = 0;
  long ret = -2;
};
Woke g_woke[kRemoteWaiters + 1];
int g_remote[2];

int remote_waiter(void* arg) {
  const auto i = reinterpret_cast<intptr_t>(arg);
  shadowsel_close(g_remote[1]);
  char c;
  g_woke[i].ret = static_cast<long>(shadowsel_read(g_remote[0], &c, 1));  // the owner dies first
  g_woke[i].at = hw::now_cycles();
  return 0;
}

int dead_writer(void* arg) {
  const int* p = static_cast<const int*>(arg);
  shadowsel_close(p[0]);
  for (;;) shadowsel_usleep(1000);  // holds the write end until its CPU halts
  return 0;
}
}  // namespace

int sc_main(int argc, char* argv[]) {
  using nlohmann::json;
  tb::NotifyPath path = tb::NotifyPath::kSw;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--notify" && i + 1 < argc) {
      try {
        path = tb::parse_notify_path(argv[++i], "--notify");
      } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 2;
      }
    } else {
      std::fprintf(stderr, "usage: detect_bench [--notify sw|model|rtl|lockstep]\n");
      return 2;
    }
  }
  json out = {{"figures", json::object()}, {"counters", json::object()}, {"notes", json::array()},
              {"errors", json::array()}};
  auto error = [&](const std::string& e) { out["errors"].push_back(e); };
  try {
    tb::Scenario s;
    s.machine.cpus = 4;
    s.notify = path;
    tb::Fault f;
    f.kind = tb::FaultKind::kCpuHalt;
    f.at_cycle = kHaltAt;
    f.cpu = kDead;
    f.where = "detect_bench";
    s.faults.push_back(f);
    tb::Simulation sim(s);
    sim.posix(kDead).start_program("owner", [] {
      if (shadowsel_pipe(g_remote) != 0) return 1;
      for (intptr_t i = 0; i < kRemoteWaiters; ++i) {
        shadowsel_spawn(static_cast<int>(i), &remote_waiter, reinterpret_cast<void*>(i));
      }
      for (;;) shadowsel_usleep(1000);
      return 0;
    });
    sim.posix(0).start_program("local", [] {
      static int p[2];
      if (shadowsel_pipe(p) != 0) return 1;
      shadowsel_spawn(static_cast<int>(kDead), &dead_writer, p);
      shadowsel_close(p[1]);
      char c;
      g_woke[kRemoteWaiters].ret = static_cast<long>(shadowsel_read(p[0], &c, 1));
      g_woke[kRemoteWaiters].at = hw::now_cycles();
      return 0;
    });
    const tb::RunResult r = sim.run();
    if (r.end != tb::RunResult::End::kFinished) error("run did not finish: " + r.detail);
    if (!sim.kernel(kDead).halted()) error("cpu 3 did not halt");
    uint64_t last_woken = 0;
    for (const Woke& w : g_woke) {
      if (w.ret != 0 || w.at <= kHaltAt) error("a waiter did not wake with end of file after the halt");
      last_woken = std::max(last_woken, w.at);
    }
    uint64_t first_decl = UINT64_MAX, last_decl = 0;
    for (uint32_t c = 0; c < sim.cpus(); ++c) {
      if (c == kDead) continue;
      const uint64_t at = sim.kernel(c).membership().declared_at(kDead);
      if (at == 0) error("cpu " + std::to_string(c) + " did not declare cpu 3 down");
      first_decl = std::min(first_decl, at);
      last_decl = std::max(last_decl, at);
    }
    const hw::LivenessParams& lp = s.machine.liveness;
    json& c = out["counters"];
    c["halt_cycle"] = kHaltAt;
    c["period_cycles"] = lp.period_cycles;
    c["missed_periods"] = lp.missed_periods;
    c["silence_cycles"] = lp.period_cycles * lp.missed_periods;
    c["first_declaration_after_halt"] = first_decl - kHaltAt;
    c["last_declaration_after_halt"] = last_decl - kHaltAt;
    c["last_wake_after_last_declaration"] = last_woken - last_decl;
    const std::string suffix = path == tb::NotifyPath::kSw ? "" : std::string("_") + tb::to_string(path);
    out["figures"]["fault_detect_cycles_cpu_halt" + suffix] = {{"value", last_woken - kHaltAt}, {"unit", "cycles"}};
    out["notes"].push_back("fault_detect_cycles_cpu_halt" + suffix + " = " + std::to_string(last_woken - kHaltAt) +
                           " cycles: liveness waits for " + std::to_string(lp.missed_periods) + " silent periods of " +
                           std::to_string(lp.period_cycles) + " cycles; survivors declared cpu 3 down " +
                           std::to_string(first_decl - kHaltAt) + ".." + std::to_string(last_decl - kHaltAt) +
                           " cycles after the halt; the last of 4 waiters woke " +
                           std::to_string(last_woken - last_decl) + " cycles after the last declaration");
  } catch (const std::exception& e) {
    error(std::string("exception: ") + e.what());
  }
  std::printf("%s\n", out.dump().c_str());
  std::fflush(stdout);
  return out["errors"].empty() ? 0 : 1;
}
