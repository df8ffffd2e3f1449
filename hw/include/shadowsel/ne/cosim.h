// SPDX-License-Identifier: MIT
// Constrained-random stimulus for any ne::Core (twin, RTL, lockstep): MMIO to every
// register, ARM/ANSWER/NOTIFY commands on a small key space so the tables fill and hit,
// received NE_SUBSCRIBE/NE_NOTIFY/ALIVE packets (and junk), a ring that is set up and
// consumed, tx/dma back-pressure in bursts, `now` jumping while the engine is idle (as
// the wrapper that stops the clock does) and occasional resets. The stimulus depends
// only on the seed and on the core's outputs, so two runs of cores that agree see the
// same inputs cycle for cycle.
#pragma once

#include <cstdint>
#include <functional>

#include "shadowsel/ne/core.h"

namespace shadowsel::ne {

struct CosimOptions {
  uint64_t seed = 1;
  uint64_t operations = 20000;  ///< MMIO requests + rx packets accepted, then drain
  uint32_t lit_entries = 16;    ///< the core's table sizes: the key space is sized to overfill them
  uint32_t rit_entries = 16;
  double resets_per_operation = 1e-4;  ///< 0: only the reset at the start
  /// Called after every cycle with its inputs and outputs (tests look for transactions).
  std::function<void(uint64_t cycle, const Inputs&, const Outputs&)> observe;
};

struct CosimResult {
  uint64_t operations = 0;  ///< MMIO requests + rx packets accepted
  uint64_t cycles = 0;      ///< Core::cycle calls
  uint64_t resets = 0;
  uint64_t tx_packets = 0, dma_writes = 0, mmio_responses = 0;
  bool drained = false;  ///< the core was idle with nothing outstanding at the end
  double wall_s = 0;
};

/// Drives `core` until `opt.operations` operations were accepted, then stops the traffic
/// and runs until it is idle (at most 200000 cycles). Exceptions of the core (a
/// LockstepMismatch) pass through.
CosimResult run_cosim(Core& core, const CosimOptions& opt);

}  // namespace shadowsel::ne
