// SPDX-License-Identifier: MIT
// What a run leaves behind: the summary printed on the terminal, stats.json
// (simulated figures only, byte-identical for the same scenario and seed) and
// run.json (host figures: wall time, simulation speed).
#pragma once

#include <string>

#include "shadowsel/tb/simulation.h"

namespace shadowsel::tb {

std::string summary(Simulation& sim, const RunResult& r);
/// Writes DIR/stats.json and DIR/run.json; throws std::runtime_error on I/O failure.
void write_outputs(Simulation& sim, const RunResult& r, const std::string& dir);

}  // namespace shadowsel::tb
