// SPDX-License-Identifier: MIT
// The one Verilator context of the process, shared by every Verilated core and by their
// waveform (rtl_core.cpp defines it).
#pragma once

#include <memory>

#include "verilated.h"

namespace shadowsel::ne {

std::shared_ptr<VerilatedContext> shared_context();

}  // namespace shadowsel::ne
