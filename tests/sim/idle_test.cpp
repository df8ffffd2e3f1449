// SPDX-License-Identifier: MIT
// Idle time costs nothing: a run with 10^9 idle cycles between two messages
// performs exactly as many kernel activations as one with 10^3, and few.
#include <gtest/gtest.h>

#include <systemc>

#include <sstream>

#include "child.h"
#include "shadowsel/tb/simulation.h"

namespace shadowsel::test {
namespace {

struct IdleRun {
  uint64_t cycles, activations, deltas;
};

IdleRun idle_run(uint64_t gap) {
  const std::string out = run_in_child([gap] {
    tb::Scenario s;
    s.machine.cpus = 2;
    s.workload.kind = "idle_gap";
    s.workload.bytes = 48;
    s.workload.gap_cycles = gap;
    // Idle time costing nothing is the kernel's and the bus's property; liveness adds a
    // fixed cost per period by design (liveness_overhead_pct, docs/faults.md).
    s.machine.liveness.enabled = false;
    tb::Simulation sim(s);
    tb::install_workload(sim);
    const tb::RunResult r = sim.run();
    std::ostringstream o;
    o << (r.end == tb::RunResult::End::kFinished) << " " << r.cycles << " " << r.activations
      << " " << sc_core::sc_delta_count();
    return o.str();
  });
  std::istringstream in(out);
  int finished = 0;
  IdleRun r{};
  in >> finished >> r.cycles >> r.activations >> r.deltas;
  EXPECT_EQ(finished, 1) << out;
  return r;
}

TEST(IdleCost, ABillionIdleCyclesCostNoMoreActivationsThanAThousand) {
  const IdleRun shortgap = idle_run(1000);
  const IdleRun longgap = idle_run(1'000'000'000);
  EXPECT_GT(longgap.cycles, 1'000'000'000u);
  EXPECT_EQ(longgap.cycles - shortgap.cycles, 1'000'000'000u - 1000u);
  EXPECT_EQ(longgap.activations, shortgap.activations);
  EXPECT_EQ(longgap.deltas, shortgap.deltas);
  EXPECT_LT(longgap.activations, 100u);
  EXPECT_LT(longgap.deltas, 200u);
}

}  // namespace
}  // namespace shadowsel::test
