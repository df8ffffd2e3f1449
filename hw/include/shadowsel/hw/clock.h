// SPDX-License-Identifier: MIT
// The one place where simulated time changes unit: cycles, nanoseconds and the
// clock frequency. Without SystemC, so the scenario reader checks with the same
// rules the simulation converts with (time.h adds the SystemC side).
//
// The frequency is a whole number of Hz, so every conversion is exact integer
// arithmetic with one well-defined rounding at the end; nanoseconds are 128-bit
// because at 1 Hz the last cycle is 9.2e27 ns. A frequency that is not a whole
// number of Hz, or a time past kLastCycle, is rejected, never truncated.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>

namespace shadowsel::hw {

/// The last cycle simulated time may reach. Every cycle count is then also an
/// int64_t, so signed arithmetic on cycles (deadlines, remaining time, lane
/// fault cycles) cannot overflow either.
inline constexpr uint64_t kLastCycle = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

/// Nanoseconds, wide enough for any cycle at any frequency >= 1 Hz.
using Nanos = unsigned __int128;
inline constexpr uint64_t kNsPerSecond = 1'000'000'000;

/// `mhz` as a whole number of Hz, or nullopt if it is not one (a fraction of a
/// Hz, <= 0, NaN, infinite) or is above 10^15 Hz. A decimal with at most six
/// places parses to the double nearest it, as does hz / 1e6, so comparing the
/// two doubles is exact.
inline std::optional<uint64_t> hz_from_mhz(double mhz) {
  if (!(mhz > 0.0) || !(mhz <= 1e9)) return std::nullopt;
  const double hz = std::nearbyint(mhz * 1e6);
  if (hz < 1.0 || hz / 1e6 != mhz) return std::nullopt;
  return static_cast<uint64_t>(hz);
}

/// floor(cycles * 1e9 / hz): a clock read at `cycles`, never ahead of it.
inline Nanos ns_at(uint64_t cycles, uint64_t hz) {
  return static_cast<Nanos>(cycles) * kNsPerSecond / hz;
}

/// ceil(ns * hz / 1e9): the cycles a wait of `ns` takes, so that it never ends
/// early; nullopt when that is more than kLastCycle.
inline std::optional<uint64_t> cycles_for(Nanos ns, uint64_t hz) {
  // Split so that no product overflows: ns may be up to ~2^94, hz up to 2^50.
  const Nanos sec = ns / kNsPerSecond, rest = ns % kNsPerSecond;
  if (sec > kLastCycle) return std::nullopt;  // >= 1 Hz: at least sec cycles
  const Nanos c = sec * hz + (rest * hz + kNsPerSecond - 1) / kNsPerSecond;
  if (c > kLastCycle) return std::nullopt;
  return static_cast<uint64_t>(c);
}

/// `cycles` in ns (us) as a double, for reports and traces only (summary, stats.json,
/// Perfetto timestamps): never fed back into simulated time.
inline double report_ns(double cycles, double mhz) { return cycles * 1000.0 / mhz; }
inline double report_us(double cycles, double mhz) { return cycles / mhz; }

/// a * b if it is at most kLastCycle, else nullopt: for limits on products of
/// scenario values (rounds x period).
inline std::optional<uint64_t> cycles_product(uint64_t a, uint64_t b) {
  const unsigned __int128 p = static_cast<unsigned __int128>(a) * b;
  if (p > kLastCycle) return std::nullopt;
  return static_cast<uint64_t>(p);
}

}  // namespace shadowsel::hw
