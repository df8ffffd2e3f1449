// SPDX-License-Identifier: MIT
// What a lockstep core (ne::make_lockstep) has compared so far, for reports and benchmarks.
#pragma once

#include <cstdint>

#include "shadowsel/ne/core.h"

namespace shadowsel::ne {

struct LockstepCounts {
  uint64_t cycles = 0;      ///< cycles whose outputs were compared
  uint64_t operations = 0;  ///< MMIO requests and rx packets the reference accepted
};

/// The counts of a core made by make_lockstep; null for any other core.
const LockstepCounts* lockstep_counts(const Core& core);

}  // namespace shadowsel::ne
