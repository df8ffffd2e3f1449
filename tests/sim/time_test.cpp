// SPDX-License-Identifier: MIT
// Simulated time at its edges: a wait that would pass the last cycle ends the
// run with a clear failure instead of wrapping SystemC's 64-bit time, and the
// POSIX clock reads exact nanoseconds at any whole-Hz frequency (below 1 kHz
// too, where whole-kHz arithmetic divided by zero).
#include <gtest/gtest.h>

#define SHADOWSEL_POSIX_NO_RENAME
#include "shadowsel/posix/posix.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "shadowsel/driver/posix_kernel.h"
#include "shadowsel/hw/time.h"
#include "shadowsel/tb/simulation.h"

namespace shadowsel::test {
namespace {

using drv::Process;

tb::Scenario scenario(double freq_mhz = 500.0) {
  tb::Scenario s;
  s.machine.cpus = 2;
  s.machine.freq_mhz = freq_mhz;
  // The failing call must be the process's own; a liveness tick or watch falling past
  // the last cycle first would fail the run in its place.
  s.machine.liveness.enabled = false;
  return s;
}

void expect_time_overflow(const tb::RunResult& r, const std::string& who) {
  EXPECT_EQ(r.end, tb::RunResult::End::kFailed) << r.detail;
  EXPECT_NE(r.detail.find(who + ": simulated time would pass its last cycle, 9223372036854775807"),
            std::string::npos)
      << r.detail;
}

TEST(TimeLimit, ComputePastTheLastCycleFailsTheRun) {
  tb::Simulation sim(scenario());
  uint64_t after_first = 0;
  sim.kernel(0).spawn("long", [&](Process& p) {
    p.compute(hw::kLastCycle - 1'000'000);  // reaches within a million cycles of the end
    after_first = hw::now_cycles();
    p.compute(2'000'000);
  });
  const tb::RunResult r = sim.run();
  expect_time_overflow(r, "cpu 0 long");
  EXPECT_EQ(after_first, hw::kLastCycle - 1'000'000 + sim.scenario().machine.costs.context_switch);
  EXPECT_EQ(r.cycles, after_first);  // failed when asked, not after wrapping
}

TEST(TimeLimit, SleepPastTheLastCycleFailsTheRun) {
  tb::Simulation sim(scenario());
  sim.kernel(1).spawn("sleeper", [](Process& p) { p.sleep(hw::kLastCycle); });
  expect_time_overflow(sim.run(), "cpu 1 sleeper");
}

TEST(TimeLimit, NanosleepOfTheLongestTimespecFailsTheRun) {
  tb::Simulation sim(scenario());
  sim.posix(0).start_program("napper", [] {
    const struct timespec ts = {std::numeric_limits<time_t>::max(), 999'999'999};
    shadowsel_nanosleep(&ts, nullptr);
    return 0;
  });
  const tb::RunResult r = sim.run();
  expect_time_overflow(r, "cpu 0 napper");
  EXPECT_NE(r.detail.find("a wait of 9223372036854775807 s asked for"), std::string::npos) << r.detail;
}

TEST(TimeLimit, SelectTimeoutPastTheLastCycleFailsTheRun) {
  tb::Simulation sim(scenario());
  sim.posix(0).start_program("waiter", [] {
    struct timeval tv = {std::numeric_limits<time_t>::max() / 1000, 0};  // 2.9e7 years: 4.6e24 cycles
    shadowsel_select(0, nullptr, nullptr, nullptr, &tv);
    return 0;
  });
  expect_time_overflow(sim.run(), "cpu 0 waiter");
}

// A select timeout that fits still expires, and reports what is left exactly.
TEST(TimeLimit, LongSelectTimeoutThatFitsExpires) {
  tb::Simulation sim(scenario());
  std::optional<int> ret;
  struct timeval left = {-1, -1};
  sim.posix(0).start_program("waiter", [&] {
    struct timeval tv = {3600, 0};  // 1.8e12 cycles
    ret = shadowsel_select(0, nullptr, nullptr, nullptr, &tv);
    left = tv;
    return 0;
  });
  ASSERT_EQ(sim.run().end, tb::RunResult::End::kFinished);
  EXPECT_EQ(ret, std::optional<int>(0));
  EXPECT_EQ(left.tv_sec, 0);
  EXPECT_EQ(left.tv_usec, 0);
  EXPECT_GE(hw::now_cycles(), 3600ull * 500'000'000);
}

class PosixClock : public testing::TestWithParam<double> {};

// clock_gettime at cycle c reads floor(c * 1e9 / hz) ns, and a nanosleep of
// d ns takes ceil(d * hz / 1e9) cycles, at 500 Hz, 1.5 kHz and 500 MHz.
TEST_P(PosixClock, ReadsAndSleepsAreExact) {
  const double mhz = GetParam();
  const uint64_t hz = *hw::hz_from_mhz(mhz);
  tb::Simulation sim(scenario(mhz));
  struct Read {
    uint64_t cycle;
    struct timespec ts;
  };
  std::vector<Read> reads;
  uint64_t slept_from = 0, slept_to = 0;
  sim.posix(0).start_program("clock", [&] {
    for (uint64_t step : {0ull, 1ull, 12'345ull, 7'777'777ull}) {
      drv::this_process().compute(step);
      Read r{hw::now_cycles(), {}};
      if (shadowsel_clock_gettime(CLOCK_MONOTONIC, &r.ts) != 0) return 1;
      reads.push_back(r);
    }
    // Costs of the call are charged before the sleep starts: measure the
    // timer's own wait through the kernel's wake-up cycle.
    const struct timespec d = {2, 1};  // 2 s + 1 ns
    slept_from = hw::now_cycles() + sim.scenario().machine.costs.syscall_entry;
    shadowsel_nanosleep(&d, nullptr);
    slept_to = hw::now_cycles();
    return 0;
  });
  ASSERT_EQ(sim.run().end, tb::RunResult::End::kFinished);
  ASSERT_EQ(reads.size(), 4u);
  for (const Read& r : reads) {
    const unsigned __int128 ns = static_cast<unsigned __int128>(r.cycle) * 1'000'000'000 / hz;
    EXPECT_EQ(static_cast<uint64_t>(r.ts.tv_sec), static_cast<uint64_t>(ns / 1'000'000'000)) << r.cycle;
    EXPECT_EQ(static_cast<uint64_t>(r.ts.tv_nsec), static_cast<uint64_t>(ns % 1'000'000'000)) << r.cycle;
  }
  // 2 s + 1 ns: 2 hz cycles plus the one that covers the last nanosecond.
  const uint64_t wait = 2 * hz + 1;
  EXPECT_GE(slept_to - slept_from, wait);
  // The rest is the wake-up path (timer interrupt, wake, switch back in).
  const auto& c = sim.scenario().machine.costs;
  EXPECT_LE(slept_to - slept_from, wait + c.irq_entry + c.wakeup + c.context_switch);
}

INSTANTIATE_TEST_SUITE_P(Frequencies, PosixClock, testing::Values(0.0005, 0.0015, 500.0),
                         [](const testing::TestParamInfo<double>& info) {
                           return info.param == 0.0005 ? std::string("Hz500")
                                  : info.param == 0.0015 ? std::string("Hz1500")
                                                         : std::string("MHz500");
                         });

}  // namespace
}  // namespace shadowsel::test
