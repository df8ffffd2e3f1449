// SPDX-License-Identifier: MIT
// The fault injector (docs/faults.md): each kind of fault really happens in the
// model, is counted, and the run ends. What survivors do about it is tested in
// survivor_test.cpp, liveness in liveness_test.cpp.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <csignal>
#include <cstdint>
#include <memory>
#include <optional>

#include "shadowsel/driver/membership.h"
#include "shadowsel/hw/time.h"
#include "shadowsel/tb/simulation.h"
#include "on_each_path.h"

// Last, and without its renaming macros (Process::sleep is not sleep()).
#define SHADOWSEL_POSIX_NO_RENAME 1
#include "shadowsel/posix/posix.h"

namespace shadowsel::test {
namespace {

tb::Fault fault(tb::FaultKind k, uint64_t at) {
  tb::Fault f;
  f.kind = k;
  f.at_cycle = at;
  f.where = "test";
  return f;
}

tb::Scenario scenario(uint32_t cpus) {
  tb::Scenario s;
  s.machine.cpus = cpus;
  s.notify = g_path;
  return s;
}

uint64_t crc_errors(tb::Simulation& sim) {
  uint64_t n = 0;
  for (uint32_t i = 0; i < sim.cpus(); ++i) n += sim.platform().node(i).biu().counters().rx_check_errors;
  return n;
}

uint64_t seq_errors(tb::Simulation& sim) {
  uint64_t n = 0;
  for (uint32_t i = 0; i < sim.cpus(); ++i) n += sim.platform().node(i).biu().counters().rx_seq_errors;
  return n;
}

using FaultOnEachPath = OnEachPath;

// A halted CPU's process stops making progress at the halt; the other CPU's
// process finishes all its work, and the run ends without waiting for the dead one.
TEST_P(FaultOnEachPath, CpuHaltStopsItsProcessesWhileOthersFinish) {
  constexpr uint64_t kSteps = 1000, kStep = 100, kHaltAt = 50000;
  tb::Scenario s = scenario(3);
  tb::Fault f = fault(tb::FaultKind::kCpuHalt, kHaltAt);
  f.cpu = 1;
  s.faults.push_back(f);
  tb::Simulation sim(s);
  uint64_t done[2] = {0, 0};
  uint64_t last_step_at = 0;
  for (uint32_t cpu : {0u, 1u}) {
    sim.kernel(cpu).spawn("counter", [&, cpu](drv::Process& self) {
      for (uint64_t i = 0; i < kSteps; ++i) {
        self.compute(kStep);
        ++done[cpu];
        if (cpu == 1) last_step_at = hw::now_cycles();
      }
    });
  }
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  EXPECT_EQ(done[0], kSteps);
  EXPECT_LT(done[1], kSteps);
  EXPECT_GT(done[1], kHaltAt / kStep / 2);  // it did run until the halt
  EXPECT_LE(last_step_at, kHaltAt);
  EXPECT_TRUE(sim.kernel(1).halted());
  EXPECT_TRUE(sim.platform().node(1).biu().halted());
  EXPECT_EQ(stat(sim, "faults.cpu_halt"), 1u);
  EXPECT_EQ(stat(sim, "faults.applied"), 1u);
  if (hw::NotifyEngine* e = sim.engine(1)) {
    EXPECT_TRUE(e->hung());
  }
}

// Frames addressed to a halted CPU are lost at its bus interface and counted; the
// caller waiting for a reply that never comes is released when liveness declares the
// CPU down.
TEST_P(FaultOnEachPath, MessagesToAHaltedCpuAreLostAndTheCallEndsAtTheDeclaration) {
  tb::Scenario s = scenario(2);
  tb::Fault f = fault(tb::FaultKind::kCpuHalt, 1000);
  f.cpu = 1;
  s.faults.push_back(f);
  tb::Simulation sim(s);
  static bool answered;
  static uint64_t returned_at;
  answered = true;
  returned_at = 0;
  sim.kernel(0).spawn("caller", [](drv::Process& self) {
    self.sleep(5000);
    const uint8_t req[4] = {1, 2, 3, 4};
    // Nobody will answer: the call ends when CPU 1 is declared down.
    answered = self.call_unless_down(drv::Address{1, drv::Kernel::kFirstUserPid}, req).has_value();
    returned_at = hw::now_cycles();
  });
  const tb::RunResult r = sim.run(10'000'000);
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  EXPECT_FALSE(answered);
  const uint64_t declared = sim.kernel(0).membership().declared_at(1);
  EXPECT_GT(declared, 1000u);
  EXPECT_GE(returned_at, declared);
  EXPECT_LT(returned_at, declared + 10000);  // the liveness service's turn, then the caller's
  EXPECT_GE(sim.platform().node(1).biu().counters().rx_discarded_dead, 1u);
}

// Without liveness nobody learns of the death: the caller waits for ever and the run
// ends naming the halted CPU.
TEST_P(FaultOnEachPath, WithoutLivenessACallToAHaltedCpuEndsTheRunNamingIt) {
  tb::Scenario s = scenario(2);
  s.machine.liveness.enabled = false;
  tb::Fault f = fault(tb::FaultKind::kCpuHalt, 1000);
  f.cpu = 1;
  s.faults.push_back(f);
  tb::Simulation sim(s);
  sim.kernel(0).spawn("caller", [](drv::Process& self) {
    self.sleep(5000);
    const uint8_t req[4] = {1, 2, 3, 4};
    self.call_unless_down(drv::Address{1, drv::Kernel::kFirstUserPid}, req);
  });
  const tb::RunResult r = sim.run(10'000'000);
  ASSERT_NE(r.end, tb::RunResult::End::kFinished) << r.detail;
  EXPECT_NE(r.detail.find("cpu 1 halted at cycle 1000 (fault)"), std::string::npos) << r.detail;
}

// SIGKILL of a child on another CPU: its parent's waitpid reports WIFSIGNALED, SIGKILL.
TEST_P(FaultOnEachPath, ProcessKillIsReapedAsSignalled) {
  tb::Scenario s = scenario(2);
  tb::Fault f = fault(tb::FaultKind::kProcessKill, 200000);
  f.cpu = 1;
  f.process = "child";
  s.faults.push_back(f);
  tb::Simulation sim(s);
  static int g_status;
  static int g_loops;
  g_status = -1;
  g_loops = 0;
  drv::Process& parent = sim.posix(0).start_program("parent", [] {
    const pid_t pid = shadowsel_spawn(
        1,
        [](void*) {
          for (;;) {  // would run for ever
            ++g_loops;
            shadowsel_usleep(10);
          }
          return 0;
        },
        nullptr);
    if (pid <= 0) return 1;
    if (shadowsel_waitpid(pid, &g_status, 0) != pid) return 2;
    return 0;
  });
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  EXPECT_EQ(sim.posix(0).program_status(parent.pid()), std::optional<int>(0));
  EXPECT_TRUE(WIFSIGNALED(g_status)) << g_status;
  EXPECT_EQ(WTERMSIG(g_status), SIGKILL);
  EXPECT_GT(g_loops, 10);
  EXPECT_EQ(stat(sim, "faults.process_kill"), 1u);
  EXPECT_EQ(stat(sim, "faults.missed"), 0u);
}

// One lane goes down in the middle of the pipeline workload (pipes between CPUs, select
// on every path): the other lane carries everything from then on and the workload's
// byte counts come out right.
void lane_down_mid_run(char lane) {
  constexpr uint64_t kDownAt = 50000;
  tb::Scenario s = scenario(4);
  s.workload.kind = "pipeline";
  tb::Fault f = fault(tb::FaultKind::kLaneDown, kDownAt);
  f.lane = lane;
  s.faults.push_back(f);
  tb::Simulation sim(s);
  tb::install_workload(sim);
  const int down = lane == 'X' ? 0 : 1;
  uint64_t at_down = 0;
  sc_core::sc_spawn([&] {
    sc_core::wait(hw::cycles(kDownAt + 1));
    at_down = sim.platform().bus().counters(down).transfers;
  });
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  EXPECT_GT(r.cycles, 2 * kDownAt);  // the fault came early in the run
  EXPECT_FALSE(sim.platform().bus().lane_up(down));
  EXPECT_EQ(sim.platform().bus().counters(down).transfers, at_down);  // nothing after
  EXPECT_GT(sim.platform().bus().counters(1 - down).transfers, 0u);
  EXPECT_EQ(stat(sim, "faults.lane_down"), 1u);
  EXPECT_EQ(seq_errors(sim), 0u);
}

TEST_P(FaultOnEachPath, LaneXDownMidRunLosesNothing) { lane_down_mid_run('X'); }
TEST_P(FaultOnEachPath, LaneYDownMidRunLosesNothing) { lane_down_mid_run('Y'); }

INSTANTIATE_TEST_SUITE_P(Paths, FaultOnEachPath, kPaths, path_name);

// The ring workload over the bus, with a few faults added.
class FaultOnBus : public testing::Test {
 protected:
  void SetUp() override { use_path(tb::NotifyPath::kSw); }
  static tb::Scenario ring() {
    tb::Scenario s;
    s.machine.cpus = 4;
    return s;
  }
  // The pipeline workload on the model engine with CPU 1's engine hung at cycle 1000.
  tb::RunResult run_with_hung_engine(bool liveness) {
    use_path(tb::NotifyPath::kModel);
    tb::Scenario s = ring();
    s.notify = tb::NotifyPath::kModel;
    s.workload.kind = "pipeline";
    s.machine.liveness.enabled = liveness;
    tb::Fault f = fault(tb::FaultKind::kEngineHang, 1000);
    f.cpu = 1;
    s.faults.push_back(f);
    sim_ = std::make_unique<tb::Simulation>(s);
    tb::install_workload(*sim_);
    return sim_->run(10'000'000);
  }
  std::unique_ptr<tb::Simulation> sim_;
};

// Lane X down from cycle 0 and up again at kUp: nothing crosses X before, traffic
// returns to it after, and both changes are counted.
TEST_F(FaultOnBus, LaneDownMovesTrafficToTheOtherLaneUntilItComesBack) {
  constexpr uint64_t kUp = 300000;
  tb::Scenario s = ring();
  tb::Fault down = fault(tb::FaultKind::kLaneDown, 0);
  down.lane = 'X';
  tb::Fault up = fault(tb::FaultKind::kLaneUp, kUp);
  up.lane = 'X';
  s.faults = {down, up};
  tb::Simulation sim(s);
  tb::install_workload(sim);
  uint64_t x_before = UINT64_MAX, y_before = 0;
  // A bare SystemC thread, not a process: it must look at kUp - 1 exactly.
  sc_core::sc_spawn([&] {
    sc_core::wait(hw::cycles(kUp - 1));
    x_before = sim.platform().bus().counters(0).transfers;
    y_before = sim.platform().bus().counters(1).transfers;
  });
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  EXPECT_EQ(x_before, 0u);
  EXPECT_GT(y_before, 0u);
  EXPECT_GT(sim.platform().bus().counters(0).transfers, 0u);
  EXPECT_TRUE(sim.platform().bus().lane_up(0));
  EXPECT_EQ(stat(sim, "faults.lane_down"), 1u);
  EXPECT_EQ(stat(sim, "faults.lane_up"), 1u);
}

// The bus key is the same mechanism: counted as a lane_down fault.
TEST_F(FaultOnBus, BusDownKeyIsALaneDownFault) {
  tb::Scenario s = ring();
  s.machine.bus.y_down_at_cycle = 0;
  tb::Simulation sim(s);
  tb::install_workload(sim);
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  EXPECT_EQ(sim.platform().bus().counters(1).transfers, 0u);
  EXPECT_EQ(stat(sim, "faults.lane_down"), 1u);
}

// Corrupted transfers are caught by the receivers' CRC and sent again: every message
// still arrives in order (the workload finishes, no sequence error).
TEST_F(FaultOnBus, CorruptPacketIsCaughtByCrcAndSentAgain) {
  tb::Scenario s = ring();
  tb::Fault f = fault(tb::FaultKind::kCorruptPacket, 10000);
  f.lane = 'X';
  f.count = 3;
  s.faults.push_back(f);
  tb::Simulation sim(s);
  tb::install_workload(sim);
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  EXPECT_EQ(stat(sim, "faults.corrupt_packet"), 3u);
  EXPECT_EQ(stat(sim, "bus.X.packets_corrupted_by_fault"), 3u);
  EXPECT_GE(crc_errors(sim), 3u);  // a multicast's receivers each catch it
  EXPECT_EQ(seq_errors(sim), 0u);
}

// A rate: each transfer hit with that probability, from the scenario's seed.
TEST_F(FaultOnBus, DropPacketAtARateIsCountedAndNothingIsLost) {
  tb::Scenario s = ring();
  tb::Fault f = fault(tb::FaultKind::kDropPacket, 0);
  f.rate = 0.05;
  s.faults.push_back(f);
  tb::Simulation sim(s);
  tb::install_workload(sim);
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  const uint64_t dropped = stat(sim, "bus.X.packets_dropped_by_fault") + stat(sim, "bus.Y.packets_dropped_by_fault");
  const uint64_t transfers = stat(sim, "bus.X.transfers") + stat(sim, "bus.Y.transfers");
  EXPECT_EQ(stat(sim, "faults.drop_packet"), dropped);
  EXPECT_GT(dropped, transfers / 40);  // about 5 % of all transfers
  EXPECT_LT(dropped, transfers / 10);
  EXPECT_EQ(crc_errors(sim), 0u);
  EXPECT_EQ(seq_errors(sim), 0u);
}

// A hung engine answers nothing: its CPU stalls on its next register access and the
// workload never finishes. With liveness off nobody notices: the run ends (stalled or
// at its cycle limit) naming the hang.
TEST_F(FaultOnBus, EngineHangStallsTheRunWithAClearReason) {
  const tb::RunResult r = run_with_hung_engine(false);
  tb::Simulation* sim = sim_.get();
  ASSERT_NE(r.end, tb::RunResult::End::kFinished) << r.detail;
  EXPECT_NE(r.detail.find("cpu 1's notify engine hung at cycle 1000 (fault)"), std::string::npos) << r.detail;
  EXPECT_TRUE(sim->engine(1)->hung());
  EXPECT_EQ(stat(*sim, "faults.engine_hang"), 1u);
}

// With liveness on (the default), the hung engine no longer sends its node's I'm-alive:
// every other CPU declares CPU 1 down, and the pipeline's stages on the survivors see
// its pipe ends gone (the workload's byte count check fails) instead of waiting for ever.
TEST_F(FaultOnBus, EngineHangGetsItsNodeDeclaredDown) {
  const tb::RunResult r = run_with_hung_engine(true);
  tb::Simulation* sim = sim_.get();
  ASSERT_EQ(r.end, tb::RunResult::End::kFailed) << r.detail;
  EXPECT_NE(r.detail.find("wrong byte count"), std::string::npos) << r.detail;
  EXPECT_TRUE(sim->engine(1)->hung());
  EXPECT_EQ(stat(*sim, "faults.engine_hang"), 1u);
  for (uint32_t c = 0; c < sim->cpus(); ++c) {
    if (c == 1) continue;
    EXPECT_FALSE(sim->kernel(c).membership().up(1)) << "cpu " << c;
    EXPECT_GT(sim->kernel(c).membership().declared_at(1), 1000u) << "cpu " << c;
  }
}

}  // namespace
}  // namespace shadowsel::test
