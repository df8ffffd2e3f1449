// SPDX-License-Identifier: MIT
// Simulated software on the machine: cycle charging, interrupt preemption,
// message integrity across nodes, and how runs end.
#include <gtest/gtest.h>

#include "shadowsel/driver/msg.h"
#include "shadowsel/hw/time.h"
#include "shadowsel/sim/failure.h"
#include "shadowsel/tb/simulation.h"

namespace shadowsel::test {
namespace {

using drv::Process;

// A service port no firmware process takes (driver/posix_kernel.h lists theirs).
constexpr uint32_t kTestPort = drv::Kernel::kFirstUserPid - 1;

tb::Scenario scenario(uint32_t cpus) {
  tb::Scenario s;
  s.machine.cpus = cpus;
  // These tests account every cycle of the CPU; the liveness tick's interrupt every
  // period would add its own (tests/sim/liveness_test.cpp covers it).
  s.machine.liveness.enabled = false;
  return s;
}

TEST(Kernel, ComputeChargesExactlyItsCyclesAfterTheFirstDispatch) {
  tb::Simulation sim(scenario(2));
  uint64_t end = 0;
  sim.kernel(0).spawn("worker", [&](Process& p) {
    p.compute(1000);
    end = hw::now_cycles();
  });
  ASSERT_EQ(sim.run().end, tb::RunResult::End::kFinished);
  EXPECT_EQ(end, sim.scenario().machine.costs.context_switch + 1000);
}

TEST(Kernel, CostTableOverridesApply) {
  tb::Scenario s = scenario(2);
  s.machine.costs.context_switch = 7;
  tb::Simulation sim(s);
  uint64_t end = 0;
  sim.kernel(1).spawn("worker", [&](Process& p) {
    p.compute(100);
    end = hw::now_cycles();
  });
  sim.run();
  EXPECT_EQ(end, 107u);
}

// An interrupt preempts a computing process at once; the process finishes
// later by exactly the time spent in the handler.
TEST(Kernel, InterruptPreemptsComputeAndDelaysItByHandlerTime) {
  tb::Simulation sim(scenario(2));
  const auto& costs = sim.scenario().machine.costs;
  uint64_t end = 0;
  Process& rx = sim.kernel(1).spawn("receiver", [](Process& p) { p.receive(); });
  sim.kernel(1).spawn("cruncher", [&](Process& p) {
    p.compute(100000);
    end = hw::now_cycles();
  });
  const drv::Address to = rx.address();
  sim.kernel(0).spawn("sender", [to](Process& p) {
    p.compute(5000);
    p.post(to, std::vector<uint8_t>(100, 1));
  });
  ASSERT_EQ(sim.run().end, tb::RunResult::End::kFinished);
  const auto& k1 = sim.kernel(1).counters();
  EXPECT_GT(k1.interrupts, 0u);
  // The receiver ran first (dispatch + receive's syscall) and blocked; the
  // cruncher holds the CPU until done: run-to-block, so the woken receiver waits.
  const uint64_t receiver_part = costs.context_switch + costs.syscall_entry;
  EXPECT_EQ(end, receiver_part + costs.context_switch + 100000 + k1.irq_cycles);
}

// A system process (an agent, an I/O process: spawn_service) that becomes ready
// preempts a computing user process at once (docs/scenarios.md, "Scheduling"), and the user process then
// resumes the rest of its slice.
TEST(Kernel, AReadySystemProcessPreemptsAUserProcessAtOnce) {
  tb::Simulation sim(scenario(2));
  const auto& costs = sim.scenario().machine.costs;
  uint64_t got_at = 0, end = 0;
  Process& agent = sim.kernel(1).spawn_service(kTestPort, "agent", [&](Process& p) {
    p.receive();
    got_at = hw::now_cycles();
    p.receive();  // blocks for good: a service runs forever
  });
  sim.kernel(1).spawn("cruncher", [&](Process& p) {
    p.compute(1'000'000);
    end = hw::now_cycles();
  });
  const drv::Address to = agent.address();
  uint64_t posted_at = 0;
  sim.kernel(0).spawn("sender", [&, to](Process& p) {
    p.compute(5000);
    posted_at = hw::now_cycles();
    p.post(to, std::vector<uint8_t>(100, 1));
  });
  ASSERT_EQ(sim.run().end, tb::RunResult::End::kFinished);
  const auto& k1 = sim.kernel(1).counters();
  ASSERT_GT(got_at, posted_at);
  // The message's way and one switch into the agent, not the cruncher's million cycles.
  EXPECT_LT(got_at - posted_at, 20000u) << "the agent waited for the cruncher";
  EXPECT_LT(got_at, end);
  EXPECT_EQ(k1.preemptions, 1u);
  // The cruncher's end: its first switch-in, its million cycles, the switch back in
  // after the agent, and the time the CPU gave the handlers and the agent (whose
  // cpu_cycles hold its own switch-ins and calls), nothing else.
  EXPECT_EQ(end, 2 * costs.context_switch + 1'000'000 + k1.irq_cycles + agent.cpu_cycles())
      << "agent " << agent.cpu_cycles() << " irq " << k1.irq_cycles;
}

// A user process whose slice had run out when a system process preempted it does
// not get the CPU back before a user process the system process woke: it goes
// behind it.
TEST(Kernel, APreemptedProcessPastItsSliceGoesBehindTheOneTheAgentWoke) {
  tb::Simulation sim(scenario(2));
  const uint64_t slice = sim.scenario().machine.timeslice_cycles;
  uint64_t woken_at = 0, agent_at = 0;
  Process& sleeper = sim.kernel(1).spawn("sleeper", [&](Process& p) {
    p.receive();
    woken_at = hw::now_cycles();
  });
  const drv::Address to_sleeper = sleeper.address();
  Process& agent = sim.kernel(1).spawn_service(kTestPort, "agent", [&, to_sleeper](Process& p) {
    p.receive();
    agent_at = hw::now_cycles();
    p.post(to_sleeper, std::vector<uint8_t>(8, 2));
    p.receive();  // blocks for good: a service runs forever
  });
  // Alone after the sleeper blocks, the hog runs far past its slice.
  sim.kernel(1).spawn("hog", [&](Process& p) { p.compute(4 * slice); });
  const drv::Address to_agent = agent.address();
  sim.kernel(0).spawn("sender", [to_agent, slice](Process& p) {
    p.sleep(2 * slice);
    p.post(to_agent, std::vector<uint8_t>(8, 1));
  });
  ASSERT_EQ(sim.run().end, tb::RunResult::End::kFinished);
  ASSERT_GT(agent_at, 2 * slice);
  ASSERT_GT(woken_at, agent_at);
  // The agent's post and block, then one switch into the sleeper: the hog is not
  // switched in (only to yield at once) in between.
  const uint64_t cs = sim.scenario().machine.costs.context_switch;
  EXPECT_LT(woken_at - agent_at, 2 * cs) << "the hog ran between the agent and the sleeper";
}

// Interrupts are counted per line: a message raises the receiver's bus_rx line,
// a sleep the sleeper's timer line, and the lines add up to the total.
TEST(Kernel, InterruptsAreCountedPerLine) {
  tb::Simulation sim(scenario(2));
  Process& rx = sim.kernel(1).spawn("receiver", [](Process& p) { p.receive(); });
  const drv::Address to = rx.address();
  sim.kernel(0).spawn("sender", [to](Process& p) {
    p.sleep(5000);
    p.post(to, std::vector<uint8_t>(100, 1));
  });
  ASSERT_EQ(sim.run().end, tb::RunResult::End::kFinished);
  const auto line = [](hw::IrqLine l) { return static_cast<uint32_t>(l); };
  for (uint32_t cpu : {0u, 1u}) {
    const auto& k = sim.kernel(cpu).counters();
    uint64_t sum = 0;
    for (uint64_t n : k.interrupts_by_line) sum += n;
    EXPECT_EQ(sum, k.interrupts) << "cpu " << cpu;
  }
  const auto& k0 = sim.kernel(0).counters();
  const auto& k1 = sim.kernel(1).counters();
  EXPECT_EQ(k0.interrupts_by_line[line(hw::IrqLine::kTimer)], 1u) << "the sender's one sleep";
  EXPECT_EQ(k1.interrupts_by_line[line(hw::IrqLine::kTimer)], 0u);
  EXPECT_GE(k1.interrupts_by_line[line(hw::IrqLine::kBusRx)], 1u) << "the message's arrival";
  EXPECT_EQ(k1.interrupts_by_line[line(hw::IrqLine::kNotifyEngine)], 0u) << "no engine on --notify sw";
}

// Two compute-bound processes on one CPU share it in time slices.
TEST(Kernel, TimeSlicesShareTheCpuBetweenReadyProcesses) {
  tb::Scenario s = scenario(2);
  s.machine.timeslice_cycles = 100000;
  tb::Simulation sim(s);
  uint64_t end_a = 0, end_b = 0;
  sim.kernel(0).spawn("a", [&](Process& p) { p.compute(1'000'000); end_a = hw::now_cycles(); });
  sim.kernel(0).spawn("b", [&](Process& p) { p.compute(1'000'000); end_b = hw::now_cycles(); });
  ASSERT_EQ(sim.run().end, tb::RunResult::End::kFinished);
  const uint64_t cs = s.machine.costs.context_switch;
  // Each slice is 100000 cycles of work after its dispatch; they alternate.
  EXPECT_GE(sim.kernel(0).counters().preemptions, 18u);
  EXPECT_LT(end_a, end_b);
  EXPECT_GT(end_a, 1'800'000u) << "a should have waited for b's slices";
  EXPECT_EQ(end_b, 2'000'000u + cs * sim.kernel(0).counters().context_switches);
}

// Slices at and below the context-switch cost: the switch-in is paid before
// the slice starts, so every slice still does `slice` cycles of work (no
// livelock), and a preemption returns to the loop that charges, never nests
// (20 000 one-cycle slices would overflow a 256 KiB stack if it recursed).
class KernelShortSlice : public testing::TestWithParam<uint64_t> {};

TEST_P(KernelShortSlice, EverySliceMakesProgress) {
  tb::Scenario s = scenario(2);
  s.machine.costs.context_switch = 100;
  s.machine.timeslice_cycles = GetParam();
  constexpr uint64_t kWork = 20'000;
  tb::Simulation sim(s);
  uint64_t end_a = 0, end_b = 0;
  sim.kernel(0).spawn("a", [&](Process& p) { p.compute(kWork); end_a = hw::now_cycles(); });
  sim.kernel(0).spawn("b", [&](Process& p) { p.compute(kWork); end_b = hw::now_cycles(); });
  ASSERT_EQ(sim.run().end, tb::RunResult::End::kFinished);
  // Strict alternation a1 b1 a2 b2 ... : each of the two runs kWork/slice slices.
  const uint64_t slices = 2 * kWork / GetParam();
  const auto& k = sim.kernel(0).counters();
  EXPECT_EQ(k.context_switches, slices);
  EXPECT_EQ(k.preemptions, slices - 2);
  EXPECT_EQ(end_b, 2 * kWork + slices * s.machine.costs.context_switch);
  EXPECT_EQ(end_a, end_b - GetParam() - s.machine.costs.context_switch);
}

// 1, below, equal to and just above the 100-cycle context switch.
INSTANTIATE_TEST_SUITE_P(Slices, KernelShortSlice, testing::Values(1u, 50u, 100u, 200u),
                         [](const testing::TestParamInfo<uint64_t>& info) {
                           return "Slice" + std::to_string(info.param);
                         });

// The largest context switch the scenario allows only takes simulated time.
TEST(Kernel, HugeContextSwitchOnlyTakesSimulatedTime) {
  tb::Scenario s = scenario(2);
  s.machine.costs.context_switch = 1'000'000'000;
  s.machine.timeslice_cycles = 1000;
  tb::Simulation sim(s);
  uint64_t end_b = 0;
  sim.kernel(0).spawn("a", [&](Process& p) { p.compute(3000); });
  sim.kernel(0).spawn("b", [&](Process& p) { p.compute(3000); end_b = hw::now_cycles(); });
  ASSERT_EQ(sim.run().end, tb::RunResult::End::kFinished);
  EXPECT_EQ(sim.kernel(0).counters().context_switches, 6u);
  EXPECT_EQ(end_b, 6000 + 6 * 1'000'000'000ull);
}

TEST(Kernel, ZeroTimesliceRunsEachProcessToCompletion) {
  tb::Scenario s = scenario(2);
  s.machine.timeslice_cycles = 0;
  tb::Simulation sim(s);
  uint64_t end_a = 0;
  sim.kernel(0).spawn("a", [&](Process& p) { p.compute(1'000'000); end_a = hw::now_cycles(); });
  sim.kernel(0).spawn("b", [&](Process& p) { p.compute(1'000'000); });
  ASSERT_EQ(sim.run().end, tb::RunResult::End::kFinished);
  EXPECT_EQ(end_a, s.machine.costs.context_switch + 1'000'000);
  EXPECT_EQ(sim.kernel(0).counters().preemptions, 0u);
}

TEST(Messages, BytesCrossMemoriesIntactInBothDirections) {
  tb::Simulation sim(scenario(3));
  std::vector<uint8_t> sent(10000), echoed;
  for (size_t i = 0; i < sent.size(); ++i) sent[i] = static_cast<uint8_t>(i * 2654435761u >> 13);
  Process& echo = sim.kernel(2).spawn("echo", [](Process& p) {
    drv::Message m = p.receive();
    p.reply(m, m.data);
  });
  const drv::Address to = echo.address();
  sim.kernel(0).spawn("client", [&, to](Process& p) { echoed = p.call(to, sent); });
  ASSERT_EQ(sim.run().end, tb::RunResult::End::kFinished);
  EXPECT_EQ(echoed, sent);
  const uint32_t chunk = sim.scenario().machine.bus.max_payload_bytes - 16;
  const uint64_t fragments = (sent.size() + chunk - 1) / chunk;
  EXPECT_EQ(sim.kernel(0).msg().counters().tx_fragments, fragments);
  EXPECT_EQ(sim.kernel(2).msg().counters().rx_fragments, fragments);
  EXPECT_EQ(sim.kernel(2).msg().counters().tx_fragments, fragments);
  // The bytes were really written into both nodes' memories.
  EXPECT_GT(sim.platform().node(0).memory().touched_pages(), 0u);
  EXPECT_GT(sim.platform().node(2).memory().touched_pages(), 0u);
  EXPECT_EQ(sim.platform().node(1).memory().touched_pages(), 0u);
  EXPECT_EQ(sim.recorder().message_latency().count(), 2u);
}

TEST(Messages, LocalMessagesDoNotUseTheBus) {
  tb::Simulation sim(scenario(2));
  Process& rx = sim.kernel(0).spawn("rx", [](Process& p) { EXPECT_EQ(p.receive().data.size(), 300u); });
  const drv::Address to = rx.address();
  sim.kernel(0).spawn("tx", [to](Process& p) { p.post(to, std::vector<uint8_t>(300, 7)); });
  ASSERT_EQ(sim.run().end, tb::RunResult::End::kFinished);
  EXPECT_EQ(sim.platform().bus().counters(0).transfers + sim.platform().bus().counters(1).transfers, 0u);
}

TEST(Run, ABlockedProcessWithNothingLeftToHappenIsReportedAsStalled) {
  tb::Simulation sim(scenario(2));
  sim.kernel(1).spawn("lonely", [](Process& p) { p.receive(); });
  const tb::RunResult r = sim.run();
  EXPECT_EQ(r.end, tb::RunResult::End::kStalled);
  EXPECT_NE(r.detail.find("lonely on cpu 1"), std::string::npos) << r.detail;
}

TEST(Run, AnExceptionInSimulatedCodeEndsTheRunWithItsMessage) {
  tb::Simulation sim(scenario(2));
  sim.kernel(0).spawn("faulty", [](Process& p) {
    p.compute(10);
    p.post(drv::Address{9, 16}, std::vector<uint8_t>(4));  // CPU 9 does not exist
  });
  const tb::RunResult r = sim.run();
  EXPECT_EQ(r.end, tb::RunResult::End::kFailed);
  EXPECT_NE(r.detail.find("cpu 0 faulty"), std::string::npos) << r.detail;
  EXPECT_NE(r.detail.find("does not exist"), std::string::npos) << r.detail;
}

TEST(Run, CycleLimitStopsARunThatWouldGoOn) {
  tb::Simulation sim(scenario(2));
  sim.kernel(0).spawn("long", [](Process& p) { p.compute(1'000'000); });
  const tb::RunResult r = sim.run(5000);
  EXPECT_EQ(r.end, tb::RunResult::End::kCycleLimit);
  EXPECT_EQ(r.cycles, 5000u);
}

// However a run ends, the threads still suspended in it (agents, daemons, blocked
// processes, idle contexts, bus, engines) are unwound when the Simulation goes:
// the objects on their stacks are destroyed (LeakSanitizer reports them otherwise).
struct Sentinel {
  int* destroyed;
  ~Sentinel() { ++*destroyed; }
};

enum class Ending { kFinished, kStalled, kCycleLimit, kFailed };

class RunEnd : public testing::TestWithParam<Ending> {};

TEST_P(RunEnd, SuspendedThreadsAreUnwoundWhenTheSimulationGoes) {
  int destroyed = 0;  // outlives the Simulation
  {
    tb::Simulation sim(scenario(2));
    // A daemon waiting for a message, one asleep on a timer at the end (or, when the
    // run stalls, blocked again after it): never resumed.
    sim.kernel(1).spawn("holder", [&](Process& p) {
      Sentinel s{&destroyed};
      p.receive();
    }, /*daemon=*/true);
    sim.kernel(0).spawn("sleeper", [&](Process& p) {
      Sentinel s{&destroyed};
      p.sleep(1'000'000);
      p.receive();
    }, /*daemon=*/true);
    const Ending how = GetParam();
    sim.kernel(0).spawn("worker", [&, how](Process& p) {
      Sentinel s{&destroyed};
      p.compute(1000);
      if (how == Ending::kStalled) p.receive();
      if (how == Ending::kCycleLimit) p.compute(1'000'000);
      if (how == Ending::kFailed) throw std::runtime_error("worker fails");
    });
    const tb::RunResult r = sim.run(how == Ending::kCycleLimit ? 5000 : 0);
    const tb::RunResult::End expected[] = {tb::RunResult::End::kFinished, tb::RunResult::End::kStalled,
                                           tb::RunResult::End::kCycleLimit, tb::RunResult::End::kFailed};
    ASSERT_EQ(r.end, expected[static_cast<int>(how)]) << r.detail;
    // The worker unwound by itself only if it finished or failed.
    const bool worker_done = how == Ending::kFinished || how == Ending::kFailed;
    EXPECT_EQ(destroyed, worker_done ? 1 : 0);
    EXPECT_GT(sim::live_threads(), 0u);
  }
  EXPECT_EQ(destroyed, 3);
  EXPECT_EQ(sim::live_threads(), 0u);
}

const char* const kEndingNames[] = {"Finished", "Stalled", "CycleLimit", "Failed"};
void PrintTo(Ending e, std::ostream* os) { *os << kEndingNames[static_cast<int>(e)]; }
std::string ending_name(const testing::TestParamInfo<Ending>& i) {
  return kEndingNames[static_cast<int>(i.param)];
}

INSTANTIATE_TEST_SUITE_P(Run, RunEnd,
                         testing::Values(Ending::kFinished, Ending::kStalled, Ending::kCycleLimit,
                                         Ending::kFailed),
                         ending_name);

}  // namespace
}  // namespace shadowsel::test
