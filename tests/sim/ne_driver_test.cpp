// SPDX-License-Identifier: MIT
// The notify engine's driver (driver/src/ne_driver.cpp) in the whole machine:
//  - many local waiters of one remote (pipe, event) arm it many times: one NE_SUBSCRIBE
//    and one NE_NOTIFY on the bus, every waiter woken;
//  - an engine with small tables (4 local entries): arms beyond them fall back to the
//    agents and the select still reports every descriptor right;
//  - a node that falls silent is declared down: its waiters wake with POLLHUP.
// The wake-up race (a write between arm and sleep) is SelectRace in select_test.cpp,
// run on every path.
#include <gtest/gtest.h>

#define SHADOWSEL_POSIX_NO_RENAME
#include "shadowsel/posix/posix.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "shadowsel/driver/ne_driver.h"
#include "shadowsel/gen/ipb.h"
#include "shadowsel/gen/ne.h"
#include "shadowsel/hw/time.h"
#include "shadowsel/tb/simulation.h"

namespace shadowsel::test {
namespace {

namespace ipb = gen::ipb;

class NeDriverPaths : public testing::TestWithParam<tb::NotifyPath> {
 protected:
  void SetUp() override { drv::NeDriver::default_options() = drv::NeDriverOptions{}; }
  tb::Scenario scenario(uint32_t cpus) {
    tb::Scenario s;
    s.machine.cpus = cpus;
    s.notify = GetParam();
    return s;
  }
};

uint64_t stat(tb::Simulation& sim, const std::string& path) {
  return static_cast<uint64_t>(sim.stats().value(path));
}

uint64_t transfers(tb::Simulation& sim, ipb::PacketType t) {
  const auto i = static_cast<uint8_t>(t);
  return sim.platform().bus().counters(0).by_type[i] + sim.platform().bus().counters(1).by_type[i];
}

// --- duplicate arms: one subscribe --------------------------------------------------------

struct Dedup {
  int data[2] = {-1, -1};
  int ok = 0;
  uint64_t subscribes_before_write = 0;
};
Dedup g_dd;
tb::Simulation* g_sim = nullptr;

int dd_child(void*) {
  fd_set r;
  FD_ZERO(&r);
  FD_SET(g_dd.data[0], &r);
  const int n = shadowsel_select(g_dd.data[0] + 1, &r, nullptr, nullptr, nullptr);
  g_dd.ok += n == 1 && FD_ISSET(g_dd.data[0], &r);
  return 0;
}

TEST_P(NeDriverPaths, SixteenLocalWaitersOfOneRemotePipeCostOneSubscribeAndOneNotify) {
  g_dd = Dedup{};
  tb::Simulation sim(scenario(2));
  g_sim = &sim;
  drv::Process& parent = sim.posix(1).start_program("parent", [] {
    if (shadowsel_pipe(g_dd.data) != 0) return 1;
    pid_t pids[16];
    for (pid_t& p : pids) {
      p = shadowsel_spawn(0, &dd_child, nullptr);
      if (p <= 0) return 2;
    }
    shadowsel_usleep(2000);
    g_dd.subscribes_before_write = transfers(*g_sim, ipb::PacketType::kNeSubscribe);
    if (shadowsel_write(g_dd.data[1], "!", 1) != 1) return 3;
    for (pid_t p : pids) {
      int st = -1;
      if (shadowsel_waitpid(p, &st, 0) != p) return 4;
    }
    return 0;
  });
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  ASSERT_EQ(sim.posix(1).program_status(parent.pid()), std::optional<int>(0));
  EXPECT_EQ(g_dd.ok, 16);
  EXPECT_EQ(g_dd.subscribes_before_write, 1u);
  EXPECT_EQ(transfers(sim, ipb::PacketType::kNeSubscribe), 1u);
  EXPECT_EQ(transfers(sim, ipb::PacketType::kNeNotify), 2u);  // the answer, the notification
  EXPECT_EQ(stat(sim, "cpu.0.ne_driver.arms"), 16u);
  EXPECT_EQ(stat(sim, "cpu.0.ne_driver.requests_sent"), 1u);
  EXPECT_EQ(stat(sim, "cpu.0.ne_driver.requests_suppressed"), 15u);
  EXPECT_EQ(stat(sim, "cpu.0.ne_driver.waiters_woken"), 16u);
  EXPECT_EQ(stat(sim, "cpu.1.ne_driver.answers_sent"), 1u);
  // The first subscribe reached the owner's software (a SUBSCRIBE record, one interrupt),
  // which answered and published the pipe; the engine sent the notification itself.
  EXPECT_EQ(stat(sim, "cpu.1.ne_driver.notifications_sent"), 0u);
  EXPECT_EQ(stat(sim, "cpu.1.ne.tx_notifies"), 1u);
  EXPECT_GE(stat(sim, "cpu.1.ne_driver.publishes"), 1u);
  EXPECT_EQ(stat(sim, "cpu.1.ne_driver.interrupts"), 1u);
  EXPECT_EQ(stat(sim, "select.requests_sent"), 0u);  // the agents sent nothing
  EXPECT_EQ(stat(sim, "cpu.0.posix.rescans"), 0u);
}

// --- a full local interest table falls back to the agents ---------------------------------

struct Full {
  int p[8][2];
  int first = -2, second = -2;
  bool first_bits[8] = {}, second_bits[8] = {};
};
Full g_full;

int select_all(bool* bits) {
  fd_set r;
  FD_ZERO(&r);
  int maxfd = 0;
  for (auto& pp : g_full.p) {
    FD_SET(pp[0], &r);
    maxfd = std::max(maxfd, pp[0]);
  }
  const int n = shadowsel_select(maxfd + 1, &r, nullptr, nullptr, nullptr);
  for (int i = 0; i < 8; ++i) bits[i] = FD_ISSET(g_full.p[i][0], &r);
  return n;
}

int full_waiter(void*) {  // CPU 0: every read end, eight remote pipes
  g_full.first = select_all(g_full.first_bits);
  char c;
  if (shadowsel_read(g_full.p[7][0], &c, 1) != 1) return 1;
  g_full.second = select_all(g_full.second_bits);
  return 0;
}

int full_cpu3(void*) {  // CPU 3: makes pipes 4 to 7, starts the waiter, writes
  for (int i = 4; i < 8; ++i)
    if (shadowsel_pipe(g_full.p[i]) != 0) return 1;
  const pid_t w = shadowsel_spawn(0, &full_waiter, nullptr);
  if (w <= 0) return 2;
  shadowsel_usleep(2000);
  if (shadowsel_write(g_full.p[7][1], "a", 1) != 1) return 3;  // an agent-path item
  shadowsel_usleep(2000);
  if (shadowsel_write(g_full.p[1][1], "b", 1) != 1) return 4;  // an engine-path item
  int st = -1;
  return shadowsel_waitpid(w, &st, 0) == w && st == 0 ? 0 : 5;
}

int full_cpu2(void*) {
  if (shadowsel_pipe(g_full.p[2]) != 0 || shadowsel_pipe(g_full.p[3]) != 0) return 1;
  const pid_t c = shadowsel_spawn(3, &full_cpu3, nullptr);
  int st = -1;
  return c > 0 && shadowsel_waitpid(c, &st, 0) == c && st == 0 ? 0 : 2;
}

// Issue 13: once the owner's driver has published the pipe, its engine answers every later
// subscribe and sends every notification itself: the owner's CPU takes one interrupt (the
// first subscribe) however many rounds follow.
constexpr int kRounds = 10;
int rounds_child(void*) {
  for (int i = 0; i < kRounds; ++i) {
    fd_set r;
    FD_ZERO(&r);
    FD_SET(g_dd.data[0], &r);
    if (shadowsel_select(g_dd.data[0] + 1, &r, nullptr, nullptr, nullptr) != 1) return 1;
    char c;
    if (shadowsel_read(g_dd.data[0], &c, 1) != 1) return 2;
    ++g_dd.ok;
  }
  return 0;
}

TEST_P(NeDriverPaths, APublishedPipeCostsItsOwnerNoInterruptPerSubscribe) {
  g_dd = Dedup{};
  tb::Simulation sim(scenario(2));
  drv::Process& parent = sim.posix(1).start_program("parent", [] {
    if (shadowsel_pipe(g_dd.data) != 0) return 1;
    const pid_t p = shadowsel_spawn(0, &rounds_child, nullptr);
    if (p <= 0) return 2;
    for (int i = 0; i < kRounds; ++i) {
      shadowsel_usleep(200);  // the child is blocked in select again
      if (shadowsel_write(g_dd.data[1], "!", 1) != 1) return 3;
    }
    int st = -1;
    if (shadowsel_waitpid(p, &st, 0) != p || st != 0) return 4;
    return 0;
  });
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  ASSERT_EQ(sim.posix(1).program_status(parent.pid()), std::optional<int>(0));
  EXPECT_EQ(g_dd.ok, kRounds);
  EXPECT_EQ(stat(sim, "cpu.1.ne_driver.interrupts"), 1u);
  EXPECT_EQ(stat(sim, "cpu.1.ne_driver.answers_sent"), 1u);  // the first subscribe only
  EXPECT_EQ(stat(sim, "cpu.1.ne.tx_answers"), static_cast<uint64_t>(kRounds));
  EXPECT_EQ(stat(sim, "cpu.1.ne.tx_notifies"), static_cast<uint64_t>(kRounds));
  EXPECT_EQ(stat(sim, "cpu.1.ne_driver.notifications_sent"), 0u);
  EXPECT_EQ(stat(sim, "cpu.1.ne_driver.publish_full"), 0u);
}

TEST_P(NeDriverPaths, ArmsBeyondASmallTableFallBackToTheAgents) {
  g_full = Full{};
  const tb::NotifyPath path = GetParam();
  // Engines with 4 local slots (and LIT_VICTIMS victims) and 2 remote interest entries (a
  // size the Verilated RTL has).
  const ne::Params small{4, 2, {}};
  hw::CoreFactory cores = [path, small](uint32_t) -> std::unique_ptr<ne::Core> {
    if (path == tb::NotifyPath::kRtl) return ne::make_rtl(small);
    if (path == tb::NotifyPath::kModel) return ne::make_twin(small);
    return ne::make_lockstep(ne::make_rtl(small), ne::make_twin(small));
  };
  tb::Simulation sim(scenario(4), cores);
  drv::Process& parent = sim.posix(1).start_program("parent", [] {
    if (shadowsel_pipe(g_full.p[0]) != 0 || shadowsel_pipe(g_full.p[1]) != 0) return 1;
    const pid_t c = shadowsel_spawn(2, &full_cpu2, nullptr);
    int st = -1;
    return c > 0 && shadowsel_waitpid(c, &st, 0) == c && st == 0 ? 0 : 2;
  });
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  ASSERT_EQ(sim.posix(1).program_status(parent.pid()), std::optional<int>(0));
  EXPECT_EQ(g_full.first, 1);
  EXPECT_EQ(g_full.second, 1);
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(g_full.first_bits[i], i == 7) << i;
    EXPECT_EQ(g_full.second_bits[i], i == 1) << i;
  }
  // Eight keys for 4 + LIT_VICTIMS places (4 slots in block RAM, the victims): each select
  // arms as many as there are places and hands the rest to the agents. The second select
  // finds its keys still subscribed, or re-arms some whose place changed hands (with one
  // victim: 2 of 5), never more than a select's worth.
  const uint64_t places = 4 + gen::ne::kLitVictims;
  EXPECT_EQ(stat(sim, "cpu.0.ne_driver.full_fallbacks"), 2 * (8 - places));
  EXPECT_GE(stat(sim, "cpu.0.ne_driver.requests_sent"), places);
  EXPECT_LE(stat(sim, "cpu.0.ne_driver.requests_sent"), 2 * places);
  EXPECT_GE(stat(sim, "cpu.0.agent.pipe.requests_sent"), 8 - places);
  // The write, then the last writers closing at exit (end of file) for the others.
  EXPECT_GE(stat(sim, "cpu.0.ne_driver.notifications_received"), 1u);
}

// Issue 13: entries nobody waits on any more do not fill the table. A poll with a timeout
// on 16 remote pipes of CPU 1 fills the 16-entry local table and times out, leaving its
// entries SUBSCRIBED; a poll on 4 pipes of CPU 2 then finds the table full, cancels those
// stale entries and is armed after all, with no fallback to the agents.
constexpr int kStaleFirst = static_cast<int>(gen::ne::kLitEntries);
struct Stale {
  int p[kStaleFirst + 4][2];
  int first = -2, second = -2;
};
Stale g_stale;

int stale_poll(int from, int n) {
  std::vector<struct pollfd> fds;
  for (int i = from; i < from + n; ++i) fds.push_back({g_stale.p[i][0], POLLIN, 0});
  return shadowsel_poll(fds.data(), fds.size(), 2);  // 2 ms; nothing is written
}

int stale_poller(void*) {
  g_stale.first = stale_poll(0, kStaleFirst);
  g_stale.second = stale_poll(kStaleFirst, 4);
  return 0;
}

int stale_cpu2(void*) {
  for (int i = kStaleFirst; i < kStaleFirst + 4; ++i) {
    if (shadowsel_pipe(g_stale.p[i]) != 0) return 1;
  }
  const pid_t c = shadowsel_spawn(0, &stale_poller, nullptr);
  int st = -1;
  return c > 0 && shadowsel_waitpid(c, &st, 0) == c && st == 0 ? 0 : 2;
}

TEST_P(NeDriverPaths, EntriesNobodyWaitsOnAreCancelledWhenTheTableIsFull) {
  g_stale = Stale{};
  tb::Simulation sim(scenario(3));
  drv::Process& parent = sim.posix(1).start_program("parent", [] {
    for (int i = 0; i < kStaleFirst; ++i) {
      if (shadowsel_pipe(g_stale.p[i]) != 0) return 1;
    }
    const pid_t c = shadowsel_spawn(2, &stale_cpu2, nullptr);
    int st = -1;
    return c > 0 && shadowsel_waitpid(c, &st, 0) == c && st == 0 ? 0 : 2;
  });
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  ASSERT_EQ(sim.posix(1).program_status(parent.pid()), std::optional<int>(0));
  EXPECT_EQ(g_stale.first, 0);
  EXPECT_EQ(g_stale.second, 0);
  EXPECT_EQ(stat(sim, "cpu.0.ne_driver.requests_sent"), static_cast<uint64_t>(kStaleFirst + 4));
  EXPECT_EQ(stat(sim, "cpu.0.ne_driver.cancels"), static_cast<uint64_t>(kStaleFirst));
  EXPECT_EQ(stat(sim, "cpu.0.ne_driver.full_fallbacks"), 0u);
  EXPECT_EQ(stat(sim, "cpu.0.agent.pipe.requests_sent"), 0u);
}

// Issue 13: a full ring is recovered, not fatal. 1-record rings; a poll on CPU 0 on 8
// remote pipes of CPU 1: their 8 subscribes reach CPU 1's software at once, and later the
// 8 pipes are written at once, so more notifications reach CPU 0 during its interrupt
// entry than its ring holds. Both drivers resynchronise and the calls still see every
// pipe readable.
struct Burst {
  int p[8][2];
  int polls = 0, seen = 0;
};
Burst g_burst;

int burst_poller(void*) {
  bool seen[8] = {};
  while (g_burst.seen < 8 && g_burst.polls < 20) {
    struct pollfd fds[8];
    for (int i = 0; i < 8; ++i) fds[i] = {g_burst.p[i][0], POLLIN, 0};
    ++g_burst.polls;
    if (shadowsel_poll(fds, 8, -1) < 1) return 1;
    for (int i = 0; i < 8; ++i) {
      if ((fds[i].revents & POLLIN) && !seen[i]) seen[i] = true, ++g_burst.seen;
    }
  }
  return g_burst.seen == 8 ? 0 : 2;
}

TEST_P(NeDriverPaths, AFullRingIsResynchronisedAndNothingIsLost) {
  g_burst = Burst{};
  drv::NeDriverOptions& o = drv::NeDriver::default_options();
  const drv::NeDriverOptions saved = o;
  o.ring_records = 1;
  tb::Simulation sim(scenario(2));
  o = saved;
  drv::Process& parent = sim.posix(1).start_program("parent", [] {
    for (auto& pp : g_burst.p) {
      if (shadowsel_pipe(pp) != 0) return 1;
    }
    const pid_t c = shadowsel_spawn(0, &burst_poller, nullptr);
    shadowsel_usleep(100000);  // the poller's keys are subscribed (asked again) and it is blocked
    for (auto& pp : g_burst.p) {
      if (shadowsel_write(pp[1], "!", 1) != 1) return 2;
    }
    int st = -1;
    return c > 0 && shadowsel_waitpid(c, &st, 0) == c && st == 0 ? 0 : 3;
  });
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  EXPECT_EQ(sim.posix(1).program_status(parent.pid()), std::optional<int>(0));
  EXPECT_EQ(g_burst.seen, 8);
  // The fault happened: the engine dropped records and the driver resynchronised.
  // The faults happened and were recovered: the owner's ring dropped subscribes (its
  // driver resynchronised, the poller asked again after its longest nap), then the
  // poller's ring dropped notifications (its driver resynchronised, the calls armed again).
  EXPECT_GE(stat(sim, "cpu.1.ne_driver.ring_overflows"), 1u);
  EXPECT_GE(stat(sim, "cpu.0.ne_driver.answers_asked_again"), 1u);
  EXPECT_GE(stat(sim, "cpu.0.ne_driver.ring_overflows"), 1u);
  EXPECT_GE(stat(sim, "cpu.0.ne_driver.cancels"), 1u);
}

// Issue 13: a burst of readiness events towards one CPU costs it one interrupt. Four
// processes on CPU 0 each select a pipe of CPU 1; the four pipes are written at once. The
// notifications that arrive while the handler runs are consumed by it, and it clears the
// interrupt after its last look at the ring, so none raises a second interrupt.
struct OneSelectEach {
  int p[4][2];
  int ok = 0;                // children whose select returned 1
  uint64_t irqs_before = 0;  // CPU 0's engine interrupts before the writes
};
OneSelectEach g_each;

// Selects pipe `arg` of g_each for reading, once.
int select_child(void* arg) {
  const int i = static_cast<int>(reinterpret_cast<intptr_t>(arg));
  fd_set r;
  FD_ZERO(&r);
  FD_SET(g_each.p[i][0], &r);
  g_each.ok += shadowsel_select(g_each.p[i][0] + 1, &r, nullptr, nullptr, nullptr) == 1;
  return 0;
}

TEST_P(NeDriverPaths, ABurstOfNotificationsCostsOneInterrupt) {
  g_each = OneSelectEach{};
  tb::Simulation sim(scenario(2));
  drv::Process& parent = sim.posix(1).start_program("parent", [] {
    for (auto& pp : g_each.p) {
      if (shadowsel_pipe(pp) != 0) return 1;
    }
    pid_t pids[4];
    for (intptr_t i = 0; i < 4; ++i) {
      pids[i] = shadowsel_spawn(0, &select_child, reinterpret_cast<void*>(i));
      if (pids[i] <= 0) return 2;
    }
    shadowsel_usleep(2000);  // every child is blocked
    g_each.irqs_before = stat(*g_sim, "cpu.0.ne_driver.interrupts");
    for (auto& pp : g_each.p) {
      if (shadowsel_write(pp[1], "!", 1) != 1) return 3;
    }
    for (pid_t pid : pids) {
      int st = -1;
      if (shadowsel_waitpid(pid, &st, 0) != pid) return 4;
    }
    return 0;
  });
  g_sim = &sim;
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  ASSERT_EQ(sim.posix(1).program_status(parent.pid()), std::optional<int>(0));
  EXPECT_EQ(g_each.ok, 4);
  EXPECT_EQ(stat(sim, "cpu.0.ne_driver.notifications_received"), 4u);
  EXPECT_EQ(stat(sim, "cpu.0.ne_driver.interrupts") - g_each.irqs_before, 1u);
}

// A long handler (32 waiters of pipe 0 woken by one notification) during which the
// notification of pipe 1 arrives: the handler consumes it too, and clears the interrupt it
// raised after its last look at the ring, so the burst still costs one interrupt.

TEST_P(NeDriverPaths, ANotificationDuringALongHandlerCostsNoSecondInterrupt) {
  g_each = OneSelectEach{};
  tb::Simulation sim(scenario(2));
  drv::Process& parent = sim.posix(1).start_program("parent", [] {
    for (auto& pp : g_each.p) {
      if (shadowsel_pipe(pp) != 0) return 1;
    }
    std::vector<pid_t> pids;  // 32 children on pipe 0, one on pipe 1
    for (int i = 0; i < 33; ++i) {
      pids.push_back(shadowsel_spawn(0, &select_child, reinterpret_cast<void*>(intptr_t{i == 32})));
      if (pids.back() <= 0) return 2;
    }
    shadowsel_usleep(4000);  // every child is blocked
    g_each.irqs_before = stat(*g_sim, "cpu.0.ne_driver.interrupts");
    if (shadowsel_write(g_each.p[0][1], "!", 1) != 1) return 3;
    shadowsel_usleep(2);  // the second notification arrives while the first handler wakes the 32
    if (shadowsel_write(g_each.p[1][1], "!", 1) != 1) return 3;
    for (pid_t pid : pids) {
      int st = -1;
      if (shadowsel_waitpid(pid, &st, 0) != pid) return 4;
    }
    return 0;
  });
  g_sim = &sim;
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  ASSERT_EQ(sim.posix(1).program_status(parent.pid()), std::optional<int>(0));
  EXPECT_EQ(g_each.ok, 33);
  EXPECT_EQ(stat(sim, "cpu.0.ne_driver.notifications_received"), 2u);
  EXPECT_EQ(stat(sim, "cpu.0.ne_driver.interrupts") - g_each.irqs_before, 1u);
}

// --- node down --------------------------------------------------------------------------

struct Down {
  int data[2] = {-1, -1};
  int ret = -2;
  short revents = 0;
  uint64_t silent_at = 0, returned_at = 0;
};
Down g_down;

int down_waiter(void*) {
  struct pollfd p = {g_down.data[0], POLLIN, 0};
  g_down.ret = shadowsel_poll(&p, 1, -1);
  g_down.revents = p.revents;
  g_down.returned_at = hw::now_cycles();
  return 0;
}

TEST_P(NeDriverPaths, WaitersOfANodeDeclaredDownWakeWithPollHup) {
  g_down = Down{};
  drv::NeDriver::default_options().alive_period = 2000;
  drv::NeDriver::default_options().alive_timeout = 10000;
  tb::Simulation sim(scenario(2));
  g_sim = &sim;
  drv::Process& parent = sim.posix(1).start_program("parent", [] {
    if (shadowsel_pipe(g_down.data) != 0) return 1;
    if (shadowsel_spawn(0, &down_waiter, nullptr) <= 0) return 2;
    shadowsel_usleep(200);  // the waiter is armed
    // Fault injection: CPU 1's engine falls silent (as if the node died).
    g_sim->engine(1)->mmio_write(gen::ne::kRegAlivePeriod, 0);
    g_sim->engine(1)->mmio_write(gen::ne::kRegCtrl, 0);
    g_down.silent_at = hw::now_cycles();
    return 0;
  });
  const tb::RunResult r = sim.run(2'000'000);
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  ASSERT_EQ(sim.posix(1).program_status(parent.pid()), std::optional<int>(0));
  EXPECT_EQ(g_down.ret, 1);
  EXPECT_EQ(g_down.revents, POLLHUP);
  EXPECT_GT(g_down.returned_at, g_down.silent_at + 8000);
  EXPECT_LT(g_down.returned_at, g_down.silent_at + 20000);
  EXPECT_EQ(stat(sim, "cpu.0.ne_driver.node_down_records"), 1u);
  EXPECT_EQ(stat(sim, "cpu.0.ne_driver.node_down_wakes"), 1u);
}

INSTANTIATE_TEST_SUITE_P(Paths, NeDriverPaths,
                         testing::Values(tb::NotifyPath::kModel, tb::NotifyPath::kRtl,
                                         tb::NotifyPath::kLockstep),
                         [](const auto& i) { return std::string(tb::to_string(i.param)); });

}  // namespace
}  // namespace shadowsel::test
