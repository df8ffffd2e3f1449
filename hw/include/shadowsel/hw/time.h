// SPDX-License-Identifier: MIT
// The cycle is the unit of all simulated time. SystemC's time resolution is set
// so that one resolution step is one cycle; the clock frequency only converts
// cycles to nanoseconds in reports. No clock signal exists: models wait for the
// exact cycle of their next event.
#pragma once

#include <systemc>

#include <cstdint>

namespace shadowsel::hw {

/// Must run before any sc_time is built (sc_main does it first).
void init_time_resolution();

/// A duration of `n` cycles.
inline sc_core::sc_time cycles(uint64_t n) {
  return sc_core::sc_time::from_value(n);
}

/// The current cycle.
inline uint64_t now_cycles() { return sc_core::sc_time_stamp().value(); }

}  // namespace shadowsel::hw
