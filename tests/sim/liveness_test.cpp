// SPDX-License-Identifier: MIT
// Liveness (docs/faults.md, Liveness): I'm-alive on both lanes, suspicion after
// missed_periods silent periods, the regroup round on --notify sw and the engine's own
// liveness on the engine paths, on by default; and the end of a run with only
// liveness left. Each fault test also checks that its fault happened.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "shadowsel/driver/membership.h"
#include "shadowsel/hw/time.h"
#include "shadowsel/tb/report.h"
#include "shadowsel/tb/simulation.h"
#include "on_each_path.h"

namespace shadowsel::test {
namespace {

tb::Scenario scenario(uint32_t cpus) {
  tb::Scenario s;
  s.machine.cpus = cpus;
  s.notify = g_path;
  return s;
}

tb::Fault halt(uint32_t cpu, uint64_t at) {
  tb::Fault f;
  f.kind = tb::FaultKind::kCpuHalt;
  f.at_cycle = at;
  f.cpu = cpu;
  f.where = "test";
  return f;
}

uint64_t lane_stat(tb::Simulation& sim, uint32_t cpu, const char* what) {
  return stat(sim, "node." + std::to_string(cpu) + ".biu." + what);
}

uint64_t liveness_stat(tb::Simulation& sim, uint32_t cpu, const char* what) {
  return stat(sim, "cpu." + std::to_string(cpu) + ".liveness." + what);
}

using LivenessOnEachPath = OnEachPath;

// A halted CPU is declared down by every survivor within missed_periods + 1 periods
// plus the regroup round (one period), all at nearly the same cycle, and nobody else is.
TEST_P(LivenessOnEachPath, HaltedCpuIsDeclaredDownByEverySurvivorWithinTheBound) {
  constexpr uint32_t kCpus = 4, kDead = 2;
  constexpr uint64_t kHaltAt = 250'123, kRunFor = 1'500'000;
  tb::Scenario s = scenario(kCpus);
  s.faults.push_back(halt(kDead, kHaltAt));
  const uint64_t p = s.machine.liveness.period_cycles;
  const uint64_t bound = (s.machine.liveness.missed_periods + 1) * p + p;
  tb::Simulation sim(s);
  for (uint32_t c = 0; c < kCpus; ++c) sim.kernel(c).spawn("sleeper", [](drv::Process& self) { self.sleep(kRunFor); });
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  // The fault happened.
  EXPECT_EQ(stat(sim, "faults.cpu_halt"), 1u);
  EXPECT_TRUE(sim.kernel(kDead).halted());
  const std::string by = g_path == tb::NotifyPath::kSw ? "regroup" : "engine";
  std::vector<uint64_t> at;
  for (uint32_t c = 0; c < kCpus; ++c) {
    if (c == kDead) continue;
    const drv::Membership& m = sim.kernel(c).membership();
    EXPECT_FALSE(m.up(kDead)) << "cpu " << c;
    EXPECT_EQ(m.down_mask(), uint64_t{1} << kDead) << "cpu " << c << ": only the dead CPU is down";
    EXPECT_EQ(m.declared_by(kDead), by) << "cpu " << c;
    EXPECT_GT(m.declared_at(kDead), kHaltAt) << "cpu " << c;
    EXPECT_LE(m.declared_at(kDead), kHaltAt + bound) << "cpu " << c;
    EXPECT_FALSE(sim.kernel(c).halted()) << "cpu " << c;
    at.push_back(m.declared_at(kDead));
  }
  // The same decision at nearly the same cycle: a round ends at one tick everywhere (sw);
  // the engines time out on the same ALIVE (engine paths). A tenth of a period at most.
  const auto [lo, hi] = std::minmax_element(at.begin(), at.end());
  EXPECT_LE(*hi - *lo, p / 10) << "declared at " << *lo << " .. " << *hi;
  // The summary's faults line says who was declared down, when and by whom.
  const std::string line = "cpu 2 declared down at cycle " + std::to_string(*lo) + " by 3 CPUs (" + by + ")";
  EXPECT_NE(tb::summary(sim, r).find(line), std::string::npos) << tb::summary(sim, r);
  if (g_path == tb::NotifyPath::kSw) {
    uint64_t suspicions = 0;
    for (uint32_t c = 0; c < kCpus; ++c) {
      if (c == kDead) continue;
      suspicions += liveness_stat(sim, c, "suspicions");
      EXPECT_EQ(liveness_stat(sim, c, "regroup_rounds"), 1u) << "cpu " << c;
      EXPECT_EQ(liveness_stat(sim, c, "self_halted"), 0u) << "cpu " << c;
    }
    EXPECT_GE(suspicions, 1u);
  }
}

// Runs `sim` with one process on CPU 1 that computes a while, then blocks for good:
// with nothing but liveness left, the run must end as stalled, with the same message
// as without liveness, within `periods` liveness periods.
void expect_stalled_within(tb::Simulation& sim, uint64_t periods) {
  constexpr uint64_t kBlockAt = 10'000;
  const uint64_t p = sim.scenario().machine.liveness.period_cycles;
  drv::Kernel& k = sim.kernel(1);
  k.spawn("stuck", [&k](drv::Process& self) {
    self.compute(kBlockAt);
    k.block(self);  // nobody wakes it
  });
  const tb::RunResult r = sim.run(1'000'000'000);
  ASSERT_EQ(r.end, tb::RunResult::End::kStalled) << r.detail;
  EXPECT_EQ(r.detail, "nothing left to happen; blocked forever: stuck on cpu 1");
  EXPECT_LE(r.cycles, kBlockAt + periods * p) << "not ended by the liveness rule";
}

// A run whose processes are blocked for good ends as stalled within a few periods.
TEST_P(LivenessOnEachPath, StalledRunEndsQuicklyAsStalled) {
  tb::Scenario s = scenario(2);
  ASSERT_TRUE(s.machine.liveness.enabled) << "liveness is on by default";
  tb::Simulation sim(s);
  expect_stalled_within(sim, 3);
  // Liveness did run meanwhile: the rule had something to ignore.
  const uint64_t alive = lane_stat(sim, 0, "rx_alive_x") + lane_stat(sim, 0, "rx_alive_y") +
                         stat(sim, "bus.X.by_type.ALIVE") + stat(sim, "bus.Y.by_type.ALIVE");
  EXPECT_GT(alive, 0u);
}

// With an interrupt entry longer than half the period, the tick's own timer interrupt
// is still being entered at every check of the end-of-run rule: the rule takes it for
// the tick it is (it ran for ever, the CPUs never found quiet).
TEST_P(LivenessOnEachPath, StalledRunWithALongInterruptEntryEndsAsStalled) {
  tb::Scenario s = scenario(2);
  s.machine.costs.irq_entry = static_cast<uint32_t>(s.machine.liveness.period_cycles * 6 / 10);
  tb::Simulation sim(s);
  expect_stalled_within(sim, 5);
}

// A finished run is not kept going by the ticks.
TEST_P(LivenessOnEachPath, FinishedRunEndsAtItsLastExit) {
  tb::Scenario s = scenario(2);
  tb::Simulation sim(s);
  uint64_t exit_at = 0;
  sim.kernel(0).spawn("short", [&exit_at](drv::Process& self) {
    self.sleep(450'000);
    exit_at = hw::now_cycles();
  });
  const tb::RunResult r = sim.run(1'000'000'000);
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  EXPECT_GE(stat(sim, "bus.X.by_type.ALIVE") + stat(sim, "bus.Y.by_type.ALIVE"), 4u);
  EXPECT_LT(r.cycles, exit_at + 2000);
}

INSTANTIATE_TEST_SUITE_P(Paths, LivenessOnEachPath, kPaths, path_name);

// --notify sw: both lanes carry I'm-alive, counted per lane on both sides.
TEST(Liveness, ImAliveGoesOnBothLanes) {
  use_path(tb::NotifyPath::kSw);
  tb::Scenario s = scenario(4);
  tb::Simulation sim(s);
  tb::install_workload(sim);
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  const uint64_t ticks = r.cycles / s.machine.liveness.period_cycles;
  ASSERT_GE(ticks, 5u) << "the run is too short to say anything";
  for (uint32_t c = 0; c < 4; ++c) {
    EXPECT_EQ(liveness_stat(sim, c, "alive_sent_x"), ticks) << "cpu " << c;
    EXPECT_EQ(liveness_stat(sim, c, "alive_sent_y"), ticks) << "cpu " << c;
    // From each of the 3 others, one per tick per lane (the last tick's may be in flight).
    EXPECT_GE(lane_stat(sim, c, "rx_alive_x"), 3 * (ticks - 1)) << "cpu " << c;
    EXPECT_GE(lane_stat(sim, c, "rx_alive_y"), 3 * (ticks - 1)) << "cpu " << c;
    EXPECT_EQ(liveness_stat(sim, c, "suspicions"), 0u) << "cpu " << c;
  }
  EXPECT_GE(stat(sim, "bus.X.by_type.ALIVE"), 4 * ticks);
  EXPECT_GE(stat(sim, "bus.Y.by_type.ALIVE"), 4 * ticks);
}

// --notify sw: a long run with heavy traffic and lane X down from the start: I'm-alive
// still gets through on Y, and nobody is suspected.
TEST(Liveness, NoFalseSuspicionUnderHeavyTrafficWithLaneXDown) {
  use_path(tb::NotifyPath::kSw);
  tb::Scenario s = scenario(4);
  s.workload.kind = "saturate";
  s.workload.messages = 6000;
  s.workload.think_cycles = 0;
  s.workload.think_jitter_cycles = 0;
  s.machine.bus.x_down_at_cycle = 0;
  tb::Simulation sim(s);
  tb::install_workload(sim);
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  const uint64_t p = s.machine.liveness.period_cycles;
  ASSERT_GE(r.cycles, 10 * p) << "a long run";
  // The fault happened: nothing on X, the X copies of I'm-alive were not sent.
  EXPECT_EQ(stat(sim, "bus.X.transfers"), 0u);
  EXPECT_GT(2 * sim.platform().bus().counters(1).busy_cycles, r.cycles) << "heavy traffic: Y busy over half the run";
  for (uint32_t c = 0; c < 4; ++c) {
    EXPECT_GT(lane_stat(sim, c, "tx_lane_down_lost"), 0u) << "cpu " << c;
    EXPECT_EQ(lane_stat(sim, c, "rx_alive_x"), 0u) << "cpu " << c;
    EXPECT_GE(lane_stat(sim, c, "rx_alive_y"), 3 * (r.cycles / p - 1)) << "cpu " << c;
    EXPECT_EQ(liveness_stat(sim, c, "suspicions"), 0u) << "cpu " << c;
    EXPECT_EQ(liveness_stat(sim, c, "regroup_rounds"), 0u) << "cpu " << c;
    EXPECT_EQ(sim.kernel(c).membership().down_mask(), 0u) << "cpu " << c;
  }
}

// --notify sw: three of four CPUs halt at once; the one left is less than half of its
// view and halts itself rather than go on alone.
TEST(Liveness, MinorityHaltsItself) {
  use_path(tb::NotifyPath::kSw);
  tb::Scenario s = scenario(4);
  for (uint32_t c = 1; c < 4; ++c) s.faults.push_back(halt(c, 100'000));
  tb::Simulation sim(s);
  sim.kernel(0).spawn("sleeper", [](drv::Process& self) { self.sleep(2'000'000); });
  const tb::RunResult r = sim.run(10'000'000);
  EXPECT_EQ(stat(sim, "faults.cpu_halt"), 3u);
  EXPECT_TRUE(sim.kernel(0).halted()) << tb::to_string(s.notify);
  EXPECT_EQ(liveness_stat(sim, 0, "self_halted"), 1u);
  EXPECT_EQ(sim.services(0).liveness.halt_reason(), "left in a group of 1 of 4 CPUs (regroup)");
  EXPECT_EQ(liveness_stat(sim, 0, "regroup_rounds"), 1u);
  EXPECT_LT(r.cycles, 2'000'000u) << "the sleeper did not outlive its CPU";
}

// Liveness off: no ALIVE on the bus, and a halted CPU is never declared down.
TEST(Liveness, OffSendsNothingAndDeclaresNothing) {
  use_path(tb::NotifyPath::kSw);
  tb::Scenario s = scenario(3);
  s.machine.liveness.enabled = false;
  s.faults.push_back(halt(2, 100'000));
  tb::Simulation sim(s);
  sim.kernel(0).spawn("sleeper", [](drv::Process& self) { self.sleep(1'000'000); });
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  EXPECT_TRUE(sim.kernel(2).halted());
  EXPECT_EQ(stat(sim, "bus.X.by_type.ALIVE") + stat(sim, "bus.Y.by_type.ALIVE"), 0u);
  EXPECT_TRUE(sim.kernel(0).membership().up(2));
}

}  // namespace
}  // namespace shadowsel::test
