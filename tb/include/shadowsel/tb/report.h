// SPDX-License-Identifier: MIT
// What a run leaves behind: the summary printed on the terminal, stats.json
// (simulated figures only, byte-identical for the same scenario and seed) and
// run.json (host figures: wall time, simulation speed).
#pragma once

#include <string>

#include "shadowsel/tb/simulation.h"

namespace shadowsel::tb {

std::string summary(Simulation& sim, const RunResult& r);
/// Creates DIR if needed and checks that a file can be written in it, so a bad
/// --out is found before the run; throws std::runtime_error("DIR: what is wrong").
void prepare_output_dir(const std::string& dir);
/// Writes DIR/stats.json and DIR/run.json; throws std::runtime_error on I/O failure.
void write_outputs(Simulation& sim, const RunResult& r, const std::string& dir);

}  // namespace shadowsel::tb
