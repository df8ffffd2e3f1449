// SPDX-License-Identifier: MIT
// The command line of `shadowsel` and of the runner of POSIX test programs: one
// parser for both, without SystemC (the fuzzer calls it). Options are
// `--name VALUE` or `--name=VALUE`; every mistake (unknown option, missing or
// empty value, a value that is not a number or out of range, an option given
// twice, a stray argument) is one `--option: what is wrong` line thrown as
// ScenarioError, so the caller prints it and exits 2 before simulating.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shadowsel/tb/scenario.h"

namespace shadowsel::tb {

/// The options a program accepts (a bit set of Option).
enum Option : unsigned {
  kOptScenario = 1u << 0,
  kOptCpus = 1u << 1,
  kOptSeed = 1u << 2,
  kOptFreqMhz = 1u << 3,
  kOptOut = 1u << 4,
  kOptNotify = 1u << 5,
  kOptTrace = 1u << 6,
  kOptMaxCycles = 1u << 7,
  kOptVersion = 1u << 8,  ///< --version
  kOptFault = 1u << 9,    ///< --fault, repeatable
  kOptQuiet = 1u << 10,   ///< --quiet: no progress line
  kOptListStats = 1u << 11,  ///< --list-stats: the statistics, no run
  kOptSet = 1u << 15,     ///< --set KEY=VALUE, repeatable
  // waveforms (docs/waves.md)
  kOptWaves = 1u << 16,
  kOptWavesFrom = 1u << 17,
  kOptWavesTo = 1u << 18,
};
inline constexpr unsigned kShadowselOptions = kOptScenario | kOptCpus | kOptSeed | kOptFreqMhz | kOptOut |
                                              kOptNotify | kOptTrace | kOptMaxCycles | kOptVersion | kOptFault |
                                              kOptSet | kOptQuiet | kOptListStats | kOptWaves | kOptWavesFrom |
                                              kOptWavesTo;
inline constexpr unsigned kProgramOptions =
    kOptScenario | kOptCpus | kOptOut | kOptNotify | kOptTrace | kOptMaxCycles | kOptFault | kOptSet;

/// What the command line said; an option not given stays empty. Values are
/// converted and checked for what does not depend on the scenario (numbers,
/// non-empty paths, notify names); ranges shared with the scenario file are
/// checked by apply_command_line.
struct CommandLine {
  bool help = false;
  bool version = false;
  bool quiet = false;  ///< --quiet
  bool list_stats = false;  ///< --list-stats
  std::optional<std::string> scenario;
  std::optional<int64_t> cpus;
  std::optional<uint64_t> seed;  ///< the full 64-bit range
  std::optional<double> freq_mhz;
  std::optional<std::string> out;
  std::optional<NotifyPath> notify;
  std::optional<std::string> trace;
  std::optional<uint64_t> max_cycles;  ///< 0: no limit
  std::vector<Fault> faults;           ///< --fault, in order, after the scenario's [[faults]]
  std::vector<Setting> sets;           ///< --set, in order, applied to the scenario file's keys
  std::optional<std::string> waves;    ///< --waves FILE.fst
  std::optional<uint64_t> waves_from;  ///< cycles; only with waves, waves_to not before it
  std::optional<uint64_t> waves_to;
};

/// One --fault value, KIND@CYCLE[:TARGET] (docs/faults.md); throws ScenarioError
/// naming `option`.
Fault parse_fault_spec(std::string_view option, std::string_view spec);

/// Parses `args` (without argv[0]) accepting the options in `accepted`; throws
/// ScenarioError on the first mistake.
CommandLine parse_command_line(const std::vector<std::string>& args, unsigned accepted);

/// The --help text: `usage` line, `about`, then each accepted option.
std::string usage_text(std::string_view program, std::string_view about, unsigned accepted);

/// Reads the scenario file `path` with `sets` applied on top (load_scenario_set).
using ScenarioLoader = std::function<Scenario(const std::string& path, const std::vector<Setting>& sets)>;

/// The scenario a run uses: `load` of --scenario if given (else the built-in
/// default) with the --set options, then the command line's overrides, each checked
/// with the file's rules and named by its option (--cpus: the file is read again
/// with it, so a rule it breaks names the option and the key's line). Throws
/// ScenarioError.
Scenario scenario_for(const CommandLine& cl, const ScenarioLoader& load = load_scenario_set);

/// Refuses (ScenarioError naming both options) a run whose files overlap: an output that
/// is the scenario file it reads, or two outputs that are the same file (--trace,
/// --waves and the RTL waves beside it, config.json, stats.json and run.json in
/// `out_dir`, none if empty). Checked before anything is opened, so nothing is
/// overwritten. Devices and FIFOs are left alone: writing one destroys no file.
void check_distinct_files(const CommandLine& cl, const Scenario& s, const std::string& out_dir);

/// Prints a bad-input line to stderr, its control characters escaped (a path with a
/// newline in it stays one line), and returns exit status 2.
int bad_input(const std::string& line);

}  // namespace shadowsel::tb
