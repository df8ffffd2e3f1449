// SPDX-License-Identifier: MIT
// What a run leaves behind: the summary printed on the terminal, stats.json
// (simulated figures only, byte-identical for the same scenario and seed) and
// run.json (host figures: wall time, simulation speed), and ttyN.txt for each TTY
// line used (what its terminal received).
#pragma once

#include <string>
#include <vector>

#include "shadowsel/tb/simulation.h"

namespace shadowsel::tb {

std::string summary(Simulation& sim, const RunResult& r);
/// Creates DIR if needed and checks that a file can be written in it, so a bad
/// --out is found before the run; throws std::runtime_error("DIR: what is wrong").
void prepare_output_dir(const std::string& dir);
/// Writes DIR/stats.json, DIR/run.json and the tty_outputs; throws std::runtime_error
/// on I/O failure.
void write_outputs(Simulation& sim, const RunResult& r, const std::string& dir);
/// The names of the ttyN.txt files write_outputs writes: one per TTY line whose
/// terminal typed something or received output.
std::vector<std::string> tty_outputs(Simulation& sim);

}  // namespace shadowsel::tb
