// SPDX-License-Identifier: MIT
// The unit conversions of hw/clock.h: exact at any whole-Hz frequency, with
// one rounding in the stated direction, and no overflow up to the last cycle.
#include <gtest/gtest.h>

#include <cmath>
#include <initializer_list>
#include <limits>

#include "shadowsel/hw/clock.h"

namespace shadowsel::hw {
namespace {

TEST(Clock, WholeHzFrequencies) {
  EXPECT_EQ(hz_from_mhz(500.0), 500'000'000u);
  EXPECT_EQ(hz_from_mhz(0.0015), 1500u);  // not truncated to whole kHz
  EXPECT_EQ(hz_from_mhz(0.0005), 500u);
  EXPECT_EQ(hz_from_mhz(0.000001), 1u);
  EXPECT_EQ(hz_from_mhz(750.5), 750'500'000u);
  EXPECT_EQ(hz_from_mhz(333.333333), 333'333'333u);
  EXPECT_EQ(hz_from_mhz(100000.0), 100'000'000'000u);
}

TEST(Clock, RefusesWhatIsNotAWholeNumberOfHz) {
  for (double bad : {0.0, -1.0, 0.0000015, 1e-7, 333.3333333, std::nan(""),
                     std::numeric_limits<double>::infinity(), 1e10})
    EXPECT_FALSE(hz_from_mhz(bad).has_value()) << bad;
}

TEST(Clock, ClockReadsRoundDownAndWaitsRoundUp) {
  // 3 Hz: a cycle is 333 333 333.3 ns.
  EXPECT_EQ(ns_at(1, 3), Nanos{333'333'333});
  EXPECT_EQ(ns_at(3, 3), Nanos{1'000'000'000});
  EXPECT_EQ(cycles_for(333'333'333, 3), 1u);  // 0.999999999 cycles: one
  EXPECT_EQ(cycles_for(333'333'334, 3), 2u);  // a hair more: never early
  EXPECT_EQ(cycles_for(0, 3), 0u);
  // 1.5 kHz, which whole-kHz arithmetic made 1 kHz.
  EXPECT_EQ(ns_at(1'000'000, 1500), Nanos{666'666'666'666});
  EXPECT_EQ(cycles_for(666'666'666'666, 1500), 1'000'000u);
  // 500 MHz: 2 ns per cycle, both ways exact.
  EXPECT_EQ(ns_at(1'000'000, 500'000'000), Nanos{2'000'000});
  EXPECT_EQ(cycles_for(2'000'000, 500'000'000), 1'000'000u);
}

// At most one cycle per ns (<= 1 GHz), a clock read converted back is the cycle.
TEST(Clock, ReadThenWaitIsTheSameCycle) {
  for (uint64_t hz : std::initializer_list<uint64_t>{1, 3, 1500, 7'919, 500'000'000, 1'000'000'000})
    for (uint64_t c : std::initializer_list<uint64_t>{0, 1, 2, 999, 123'456'789, kLastCycle / 2, kLastCycle})
      EXPECT_EQ(cycles_for(ns_at(c, hz), hz), c) << c << " cycles at " << hz << " Hz";
}

TEST(Clock, NoOverflowUpToTheLastCycle) {
  // At 1 Hz the last cycle is 9.2e27 ns: beyond 64 bits, within Nanos.
  EXPECT_EQ(ns_at(kLastCycle, 1), static_cast<Nanos>(kLastCycle) * kNsPerSecond);
  EXPECT_EQ(cycles_for(static_cast<Nanos>(kLastCycle) * kNsPerSecond, 1), kLastCycle);
  EXPECT_FALSE(cycles_for(static_cast<Nanos>(kLastCycle) * kNsPerSecond + 1, 1).has_value());
  // The longest timespec at the fastest clock.
  const Nanos longest = static_cast<Nanos>(std::numeric_limits<int64_t>::max()) * kNsPerSecond + 999'999'999;
  EXPECT_FALSE(cycles_for(longest, 100'000'000'000).has_value());
  EXPECT_EQ(cycles_product(9223, 1'000'000'000'000'000), 9'223'000'000'000'000'000u);
  EXPECT_FALSE(cycles_product(9224, 1'000'000'000'000'000).has_value());
  EXPECT_FALSE(cycles_product(std::numeric_limits<uint64_t>::max(), 2).has_value());
  EXPECT_EQ(cycles_product(kLastCycle, 1), kLastCycle);
}

}  // namespace
}  // namespace shadowsel::hw
