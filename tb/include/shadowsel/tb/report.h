// SPDX-License-Identifier: MIT
// What a run leaves behind (docs/outputs.md): the summary printed on the terminal,
// config.json (the fully resolved scenario, config.h), stats.json (simulated
// figures only, byte-identical for the same scenario and seed) and run.json (host
// figures: wall time, simulation speed), and ttyN.txt for each TTY line used (what
// its terminal received).
#pragma once

#include <string>
#include <vector>

#include "shadowsel/tb/simulation.h"

namespace shadowsel::tb {

/// Version of stats.json's layout (docs/outputs.md); raised when a figure is
/// renamed, removed or changes unit or meaning (new figures keep it).
inline constexpr int kStatsSchemaVersion = 1;

std::string summary(Simulation& sim, const RunResult& r);
/// Creates DIR if needed and checks that a file can be written in it, so a bad
/// --out is found before the run; throws std::runtime_error("DIR: what is wrong").
void prepare_output_dir(const std::string& dir);
/// Removes an output file a run refused after opening it (--trace, --waves) so that
/// bad input leaves none behind: only a regular file, never a device, a FIFO or a
/// symbolic link (`--trace /dev/null` with bad input once removed /dev/null).
void discard_output_file(const std::string& path);
/// Removes an earlier run's stats.json, run.json and ttyN.txt from DIR, then writes
/// DIR/config.json (config_json); throws std::runtime_error on I/O failure.
void write_config(const Scenario& s, uint64_t max_cycles, const std::string& dir);
/// Writes DIR/stats.json, DIR/run.json and the tty_outputs; throws std::runtime_error
/// on I/O failure.
void write_outputs(Simulation& sim, const RunResult& r, const std::string& dir);
/// The names of the ttyN.txt files write_outputs writes: one per TTY line whose
/// terminal typed something or received output.
std::vector<std::string> tty_outputs(Simulation& sim);

}  // namespace shadowsel::tb
