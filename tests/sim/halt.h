// SPDX-License-Identifier: MIT
// What the CPU-halt tests share (survivor_test.cpp, pair_test.cpp): a halt fault, a
// short liveness period so that detection comes early in a short run, and its bound.
#pragma once

#include <cstdint>

#include "shadowsel/tb/simulation.h"

namespace shadowsel::test {
namespace {

constexpr uint64_t kHaltAt = 300000;
constexpr uint32_t kAlivePeriod = 20000;
constexpr uint32_t kMissed = 2;
// Silence for kMissed periods, the period in which that is noticed, and the regroup
// round (one period) on `--notify sw`.
constexpr uint64_t kDetectBound = (kMissed + 2) * uint64_t{kAlivePeriod};

void add_halt(tb::Scenario& s, uint32_t cpu, uint64_t at) {
  tb::Fault f;
  f.kind = tb::FaultKind::kCpuHalt;
  f.at_cycle = at;
  f.cpu = cpu;
  f.where = "test";
  s.faults.push_back(f);
}

void use_fast_liveness(tb::Scenario& s) {
  s.machine.liveness.period_cycles = kAlivePeriod;
  s.machine.liveness.missed_periods = kMissed;
}

}  // namespace
}  // namespace shadowsel::test
