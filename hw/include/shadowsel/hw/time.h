// SPDX-License-Identifier: MIT
// The cycle is the unit of all simulated time. SystemC's time resolution is set
// so that one resolution step is one cycle; the clock frequency only converts
// cycles to nanoseconds (clock.h). No clock signal exists: models wait for the
// exact cycle of their next event.
#pragma once

#include <systemc>

#include <cstdint>
#include <stdexcept>
#include <string>

#include "shadowsel/hw/clock.h"

namespace shadowsel::hw {

/// Must run before any sc_time is built (sc_main does it first).
void init_time_resolution();

/// The current cycle.
inline uint64_t now_cycles() { return sc_core::sc_time_stamp().value(); }

/// Simulated time would pass kLastCycle. Thrown in a simulated context, it
/// ends the run as a failure with this message (sim::guarded).
class TimeOverflow : public std::overflow_error {
 public:
  /// `n` more cycles were asked for at cycle `now`.
  TimeOverflow(uint64_t now, uint64_t n);
  /// `asked` says what was asked for ("a wait of 1e+20 s").
  TimeOverflow(uint64_t now, const std::string& asked);
};

/// The cycle `n` cycles from now; throws TimeOverflow past kLastCycle.
inline uint64_t cycle_after(uint64_t n) {
  const uint64_t now = now_cycles();
  if (n > kLastCycle - now) throw TimeOverflow(now, n);
  return now + n;
}

/// A duration of `n` cycles from now. Every wait and timed notification goes
/// through here, so none can wrap SystemC's 64-bit time.
inline sc_core::sc_time cycles(uint64_t n) {
  cycle_after(n);
  return sc_core::sc_time::from_value(n);
}

}  // namespace shadowsel::hw
