// SPDX-License-Identifier: MIT
// The one command-line parser of shadowsel and of the POSIX program runner
// (options.h). Hand-written rather than CLI11 so that every message has the
// form `--option: what is wrong`, empty and missing values are errors, and
// numbers are converted exactly (the whole 64-bit range, nothing clamped).
#include "shadowsel/tb/options.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <iostream>
#include <optional>
#include <vector>
#include <limits>
#include <system_error>

#include <fmt/format.h>

#include "shadowsel/hw/clock.h"
#include "shadowsel/sim/wave_window.h"

namespace shadowsel::tb {
namespace {

enum class Kind { kFlag, kPath, kCount, kU64, kNumber, kNotify, kFault, kSet, kWaveCycle };

struct Spec {
  Option bit;
  std::string_view name;
  Kind kind;
  std::string_view value;  // placeholder in --help
  std::string_view help;
};

constexpr Spec kSpecs[] = {
    {kOptScenario, "--scenario", Kind::kPath, "FILE", "scenario file (TOML, docs/scenarios.md)"},
    {kOptCpus, "--cpus", Kind::kCount, "N", "number of CPUs, 2..64 (overrides the scenario)"},
    {kOptSeed, "--seed", Kind::kU64, "S", "random seed, 0..2^64-1 (overrides the scenario)"},
    {kOptFreqMhz, "--freq-mhz", Kind::kNumber, "F", "clock frequency in MHz (overrides the scenario)"},
    {kOptOut, "--out", Kind::kPath, "DIR", "folder for config.json, stats.json and run.json (docs/outputs.md)"},
    {kOptNotify, "--notify", Kind::kNotify, "PATH", "select hot path: sw, model, rtl or lockstep"},
    {kOptTrace, "--trace", Kind::kPath, "FILE", "write a Perfetto / chrome://tracing timeline to this file"},
    {kOptWaves, "--waves", Kind::kPath, "FILE.fst",
     "write waveforms (GTKWave FST; the RTL engines' to FILE.rtl.fst; docs/waves.md)"},
    {kOptWavesFrom, "--waves-from", Kind::kWaveCycle, "N", "first cycle the waveforms hold (default 0)"},
    {kOptWavesTo, "--waves-to", Kind::kWaveCycle, "M", "last cycle the waveforms hold (default: the end)"},
    {kOptMaxCycles, "--max-cycles", Kind::kU64, "N", "stop after this many cycles, 0..2^63-1 (0: no limit)"},
    {kOptFault, "--fault", Kind::kFault, "KIND@CYCLE[:TARGET]",
     "inject a fault (repeatable; docs/faults.md), e.g. cpu_halt@50000:2, lane_down@0:X"},
    {kOptSet, "--set", Kind::kSet, "KEY=VALUE",
     "set a scenario key (repeatable; docs/scenarios.md), e.g. bus.width_bytes=8, notify=rtl"},
    {kOptQuiet, "--quiet", Kind::kFlag, "", "no progress line on stderr (drawn when it is a terminal)"},
    {kOptVersion, "--version", Kind::kFlag, "", "print the version"},
    {kOptListStats, "--list-stats", Kind::kFlag, "",
     "print the run's statistics, a line each: path, unit, kind, description (no run)"},
};

constexpr uint64_t kU64Max = std::numeric_limits<uint64_t>::max();
constexpr uint64_t kMaxFaultCycle = 1000000000000000ull;  // 10^15: far beyond any run

[[noreturn]] void bad(std::string_view option, std::string_view what) {
  throw ScenarioError(fmt::format("{}: {}", option, what));
}

// Decimal digits only, optionally after a '-': what a user types for a count.
bool is_integer_text(std::string_view v) {
  if (!v.empty() && v.front() == '-') v.remove_prefix(1);
  return !v.empty() && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Integers are written as in a scenario file (TOML): digits, no leading zero (010 is
// not 8 there, nor 10).
// `field` names the part of a compound value being read ("cpu_halt@CYCLE: "), empty for a
// whole option's value.
void check_integer_text(std::string_view option, std::string_view v, std::string_view field = "") {
  if (!is_integer_text(v)) bad(option, fmt::format("{}expected an integer, got '{}'", field, printable(v)));
  const std::string_view digits = v.front() == '-' ? v.substr(1) : v;
  if (digits.size() > 1 && digits.front() == '0')
    bad(option,
        fmt::format("{}an integer has no leading zero (as in a scenario file), got '{}'", field, printable(v)));
}

uint64_t to_u64(std::string_view option, std::string_view v, uint64_t max, std::string_view max_is = "",
                std::string_view field = "") {
  check_integer_text(option, v, field);
  uint64_t x = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (v.front() == '-' || ec != std::errc() || end != v.data() + v.size() || x > max)
    bad(option, fmt::format("{}must be 0..{}{}, got {}", field, max, max_is, printable(v)));
  return x;
}

int64_t to_cpus(std::string_view option, std::string_view v) {
  check_integer_text(option, v);
  int64_t x = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc() || end != v.data() + v.size() || x < hw::kMinCpus || x > hw::kMaxCpus)
    bad(option, fmt::format("must be {}..{}, got {}", hw::kMinCpus, hw::kMaxCpus, printable(v)));
  return x;
}

double to_number(std::string_view option, std::string_view v, std::string_view field = "") {
  double x = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  // An out-of-range literal (1e999) is a number, just not an acceptable one.
  if (ec == std::errc::result_out_of_range && end == v.data() + v.size())
    bad(option, fmt::format("{}not representable as a double, got {}", field, printable(v)));
  if (ec != std::errc() || end != v.data() + v.size())
    bad(option, fmt::format("{}expected a number, got '{}'", field, printable(v)));
  return x;
}

const Spec* find(std::string_view name, unsigned accepted) {
  for (const Spec& s : kSpecs)
    if (s.name == name && (accepted & s.bit)) return &s;
  return nullptr;
}

// The waveform window needs a waveform, and does not end before it starts.
void check_waves(const CommandLine& cl) {
  if (!cl.waves) {
    if (cl.waves_from) bad("--waves-from", "needs --waves FILE.fst");
    if (cl.waves_to) bad("--waves-to", "needs --waves FILE.fst");
  }
  if (cl.waves_from && cl.waves_to && *cl.waves_to < *cl.waves_from)
    bad("--waves-to", fmt::format("must not be before --waves-from ({}), got {}", *cl.waves_from, *cl.waves_to));
  // a window the run can never reach would leave waveform files with no cycle in them
  if (cl.waves_from && cl.max_cycles.value_or(0) != 0 && *cl.waves_from > *cl.max_cycles)
    bad("--waves-from", fmt::format("must not be after --max-cycles ({}): the run stops before the window, got {}",
                                    *cl.max_cycles, *cl.waves_from));
}

// --list-stats lists the statistics of the run the other options describe, and runs
// nothing: an option that only shapes the run's outputs or its end would be ignored.
void check_list_stats(const CommandLine& cl) {
  if (!cl.list_stats) return;
  const std::pair<bool, const char*> run_only[] = {{cl.trace.has_value(), "--trace"},
                                                    {cl.waves.has_value(), "--waves"},
                                                    {cl.max_cycles.has_value(), "--max-cycles"},
                                                    {cl.quiet, "--quiet"},
                                                    {cl.out.has_value(), "--out"}};
  for (const auto& [given, name] : run_only)
    if (given) bad(name, "does not go with --list-stats, which runs nothing");
}

}  // namespace

Fault parse_fault_spec(std::string_view option, std::string_view spec) {
  constexpr std::string_view kForm = "KIND@CYCLE[:TARGET]";
  Fault f;
  f.where = std::string(option);
  const size_t at = spec.find('@');
  if (at == std::string_view::npos)
    bad(option, fmt::format("expected {}, got '{}'", kForm, printable(spec)));
  const std::string_view kind = spec.substr(0, at);
  if (!parse_fault_kind(kind, f.kind))
    bad(option, fmt::format("unknown fault kind '{}' (cpu_halt, process_kill, lane_down, lane_up, lane_flap, "
                            "corrupt_packet, drop_packet, drop_ack, engine_hang)",
                            printable(kind)));
  std::string_view rest = spec.substr(at + 1);
  const size_t colon = rest.find(':');
  const bool has_target = colon != std::string_view::npos;
  const std::string_view target = has_target ? rest.substr(colon + 1) : std::string_view();
  rest = rest.substr(0, colon);
  const std::string k = to_string(f.kind);
  // each number's error names its field in the spec's syntax
  const auto field = [&](std::string_view name) { return fmt::format("{}@{}: ", k, name); };
  f.at_cycle = to_u64(option, rest, kMaxFaultCycle, "", field("CYCLE"));
  if (has_target && target.empty()) bad(option, fmt::format("{}: empty target after ':'", k));
  auto cpu_of = [&](std::string_view v) {
    if (!is_integer_text(v) || v.front() == '-')
      bad(option, fmt::format("{}: expected a CPU number, got '{}'", k, printable(v)));
    return static_cast<uint32_t>(to_u64(option, v, hw::kMaxCpus - 1, "", field("CYCLE:CPU")));
  };
  switch (f.kind) {
    case FaultKind::kCpuHalt:
    case FaultKind::kEngineHang:
      if (!has_target) bad(option, fmt::format("{} needs a CPU: {}@CYCLE:CPU", k, k));
      f.cpu = cpu_of(target);
      break;
    case FaultKind::kProcessKill: {
      const size_t slash = target.find('/');
      if (!has_target || slash == std::string_view::npos || slash + 1 == target.size())
        bad(option, "process_kill needs a CPU and a process: process_kill@CYCLE:CPU/NAME or CPU/PID");
      f.cpu = cpu_of(target.substr(0, slash));
      const std::string_view who = target.substr(slash + 1);
      if (is_integer_text(who)) {
        const uint64_t pid = to_u64(option, who, 65535, "", field("CYCLE:CPU/PID"));
        if (pid < 16) bad(option, fmt::format("process_kill: a pid is 16..65535 (below are services), got {}", pid));
        f.pid = static_cast<uint32_t>(pid);
      } else {
        f.process = std::string(who);
      }
      break;
    }
    case FaultKind::kLaneDown:
    case FaultKind::kLaneUp:
      if (target != "X" && target != "Y")
        bad(option, fmt::format("{} needs a lane: {}@CYCLE:X or :Y, got '{}'", k, k, printable(target)));
      f.lane = target[0];
      break;
    case FaultKind::kLaneFlap: {
      // lane_flap@CYCLE:LANE/UNTIL/MEAN_UP/MEAN_DOWN
      constexpr std::string_view kFlap = "lane_flap@CYCLE:X or Y/UNTIL/MEAN_UP/MEAN_DOWN (cycles)";
      std::vector<std::string_view> parts;
      for (std::string_view t = target;;) {
        const size_t slash = t.find('/');
        parts.push_back(t.substr(0, slash));
        if (slash == std::string_view::npos) break;
        t = t.substr(slash + 1);
      }
      if (parts.size() != 4 || (parts[0] != "X" && parts[0] != "Y"))
        bad(option, fmt::format("lane_flap needs {}, got '{}'", kFlap, printable(target)));
      f.lane = parts[0][0];
      f.until_cycle = to_u64(option, parts[1], kMaxFaultCycle, "", field("CYCLE:LANE/UNTIL"));
      f.mean_up_cycles = to_u64(option, parts[2], kMaxFaultCycle, "", field("CYCLE:LANE/UNTIL/MEAN_UP"));
      f.mean_down_cycles = to_u64(option, parts[3], kMaxFaultCycle, "", field("CYCLE:LANE/UNTIL/MEAN_UP/MEAN_DOWN"));
      if (f.until_cycle <= f.at_cycle)
        bad(option, fmt::format("lane_flap: UNTIL must be after the start cycle ({}), got {}", f.at_cycle,
                                f.until_cycle));
      if (f.mean_up_cycles == 0 || f.mean_down_cycles == 0)
        bad(option, "lane_flap: the mean up and down times must be at least 1 cycle");
      if (const std::string e = lane_flap_size_error(f); !e.empty()) bad(option, e);
      break;
    }
    case FaultKind::kCorruptPacket:
    case FaultKind::kDropPacket:
    case FaultKind::kDropAck: {
      if (!has_target) break;  // one packet, either lane
      const size_t slash = target.find('/');
      const std::string_view lane = target.substr(0, slash);
      if (lane != "X" && lane != "Y" && lane != "XY")
        bad(option, fmt::format("{}: lane must be X, Y or XY, got '{}' ({}@CYCLE[:LANE[/COUNT or /RATE]])", k,
                                printable(lane), k));
      f.lane = lane == "XY" ? 0 : lane[0];
      if (slash == std::string_view::npos) break;
      const std::string_view n = target.substr(slash + 1);
      if (n.find('.') != std::string_view::npos) {
        f.rate = to_number(option, n, field("CYCLE:LANE/RATE"));
        if (!(f.rate > 0 && f.rate <= 1))
          bad(option, fmt::format("{}: a rate must be above 0 and at most 1, got {}", k, printable(n)));
      } else {
        f.count = to_u64(option, n, 1000000000, "", field("CYCLE:LANE/COUNT"));
        if (f.count == 0) bad(option, fmt::format("{}: a count must be at least 1, got 0", k));
      }
      break;
    }
  }
  return f;
}

CommandLine parse_command_line(const std::vector<std::string>& args, unsigned accepted) {
  CommandLine cl;
  unsigned given = 0;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      cl.help = true;
      return cl;  // the rest does not matter
    }
    if (arg.size() < 2 || arg[0] != '-' || (arg[1] != '-' && !std::isalpha(static_cast<unsigned char>(arg[1]))))
      throw ScenarioError(
          fmt::format("unexpected argument '{}'; options are --name VALUE (see --help)", printable(arg)));
    const size_t eq = arg.find('=');
    const std::string_view name = arg.substr(0, eq);
    if (name == "--help") bad(name, "takes no value");
    const Spec* spec = find(name, accepted);
    if (spec == nullptr) bad(printable(name), "unknown option (see --help)");
    if ((given & spec->bit) && spec->kind != Kind::kFault && spec->kind != Kind::kSet) bad(name, "given twice");
    given |= spec->bit;

    if (spec->kind == Kind::kFlag) {
      if (eq != std::string_view::npos) bad(name, "takes no value");
      (spec->bit == kOptQuiet ? cl.quiet : spec->bit == kOptListStats ? cl.list_stats : cl.version) = true;
      continue;
    }
    std::string_view value;
    if (eq != std::string_view::npos) {
      value = arg.substr(eq + 1);
    } else {
      // The next argument is the value, unless it is the next option: `--cpus
      // --out x` misses the value of --cpus (`--scenario=--odd` names such a file).
      if (i + 1 == args.size() || (args[i + 1].size() > 2 && args[i + 1].rfind("--", 0) == 0))
        bad(name, fmt::format("missing value ({} {})", name, spec->value));
      value = args[++i];
    }
    if (value.empty()) bad(name, fmt::format("empty value ({} {})", name, spec->value));

    switch (spec->kind) {
      case Kind::kFlag: break;
      case Kind::kPath: {
        std::optional<std::string>& field =
            spec->bit == kOptScenario ? cl.scenario
            : spec->bit == kOptOut    ? cl.out
            : spec->bit == kOptWaves  ? cl.waves
                                      : cl.trace;
        field = std::string(value);
        break;
      }
      case Kind::kCount: cl.cpus = to_cpus(name, value); break;
      case Kind::kU64:
        if (spec->bit == kOptSeed) {
          cl.seed = to_u64(name, value, kU64Max);
        } else {
          // Simulated time ends at kLastCycle: a longer limit could never be reached.
          cl.max_cycles = to_u64(name, value, hw::kLastCycle, " (the last cycle)");
        }
        break;
      case Kind::kNumber: cl.freq_mhz = to_number(name, value); break;
      case Kind::kNotify: cl.notify = parse_notify_path(std::string(value), std::string(name)); break;
      case Kind::kFault: cl.faults.push_back(parse_fault_spec(name, value)); break;
      case Kind::kSet: {
        const size_t at = value.find('=');
        if (at == 0 || at == std::string_view::npos || at + 1 == value.size())
          bad(name, fmt::format("expected KEY=VALUE, got '{}'", printable(value)));
        cl.sets.push_back({std::string(value.substr(0, at)), std::string(value.substr(at + 1))});
        break;
      }
      case Kind::kWaveCycle:
        (spec->bit == kOptWavesFrom ? cl.waves_from : cl.waves_to) =
            to_u64(name, value, hw::kLastCycle, " (the last cycle)");
        break;
    }
  }
  check_waves(cl);
  check_list_stats(cl);
  return cl;
}

std::string usage_text(std::string_view program, std::string_view about, unsigned accepted) {
  std::string line = fmt::format("usage: {}", program);
  std::string list;
  for (const Spec& s : kSpecs) {
    if (!(accepted & s.bit)) continue;
    const std::string form = s.value.empty() ? std::string(s.name) : fmt::format("{} {}", s.name, s.value);
    if (s.kind != Kind::kFlag) line += fmt::format(" [{}]", form);
    list += fmt::format("  {:<18} {}\n", form, s.help);
  }
  list += fmt::format("  {:<18} {}\n", "--help", "print this help");
  return fmt::format("{}\n{}\n\noptions (--name VALUE or --name=VALUE):\n{}", line, about, list);
}

Scenario scenario_for(const CommandLine& cl, const ScenarioLoader& load) {
  const auto read = [&](const std::vector<Setting>& sets) {
    return cl.scenario ? load(*cl.scenario, sets) : load_scenario_text("", Scenario().source, sets);
  };
  Scenario s = cl.scenario || !cl.sets.empty() ? read(cl.sets) : Scenario();
  if (cl.cpus) {
    // --cpus applies after the file and the --set options. Read again with it last, so
    // that every rule of the file that depends on the CPU count (a CPU a key names, the
    // readers, the network I/O CPUs, pipeline's descriptors...) is checked with the new
    // count, once, where the file's rules are, and names the key's line.
    std::vector<Setting> sets = cl.sets;
    sets.push_back({"cpus", std::to_string(*cl.cpus)});
    try {
      s = read(sets);
    } catch (const ScenarioError& e) {
      bad("--cpus", e.what());
    }
  }
  if (cl.seed) s.machine.seed = *cl.seed;
  if (cl.freq_mhz) {
    s.machine.freq_mhz = *cl.freq_mhz;
    validate_machine(s.machine, "--freq-mhz");
  }
  if (cl.notify) {
    s.notify = *cl.notify;
    s.notify_where = fmt::format("--notify {}", to_string(*cl.notify));
  }
  s.faults.insert(s.faults.end(), cl.faults.begin(), cl.faults.end());
  validate_faults(s);
  return s;
}

void check_distinct_files(const CommandLine& cl, const Scenario& s, const std::string& out_dir) {
  namespace fs = std::filesystem;
  struct File {
    std::string role;  // how the user named it
    std::string path;
  };
  std::vector<File> files;  // the input first: an output that is it names it
  if (cl.scenario) files.push_back({"--scenario", *cl.scenario});
  if (cl.trace) files.push_back({"--trace", *cl.trace});
  if (cl.waves) {
    files.push_back({"--waves", *cl.waves});
    if (s.notify != NotifyPath::kSw) files.push_back({"--waves (its RTL file)", sim::rtl_waves_path(*cl.waves)});
  }
  if (!out_dir.empty()) {
    for (const char* name : {"config.json", "stats.json", "run.json"})
      files.push_back({fmt::format("--out's {}", name), (fs::path(out_dir) / name).string()});
  }
  // The file a path names: symbolic links and ".." resolved as far as the path exists.
  const auto identity = [](const std::string& path) -> std::optional<std::string> {
    std::error_code ec;
    const fs::file_status st = fs::status(path, ec);
    if (!ec && fs::exists(st) && !fs::is_regular_file(st)) return std::nullopt;
    const fs::path abs = fs::absolute(path, ec);
    if (ec) return std::nullopt;
    const fs::path canon = fs::weakly_canonical(abs, ec);
    return (ec ? abs.lexically_normal() : canon).string();
  };
  std::vector<std::optional<std::string>> ids;
  for (const File& f : files) ids.push_back(identity(f.path));
  for (size_t b = 1; b < files.size(); ++b) {
    for (size_t a = 0; a < b; ++a) {
      if (!ids[a] || ids[a] != ids[b]) continue;
      if (files[a].role == "--scenario")
        bad(files[b].role, fmt::format("{}: is the scenario file (--scenario {}), which the run would overwrite",
                                       files[b].path, files[a].path));
      bad(files[b].role, fmt::format("{}: the same file as {} ({}); the run writes both", files[b].path,
                                     files[a].role, files[a].path));
    }
  }
}

int bad_input(const std::string& line) {
  std::cerr << printable(line, std::string::npos) << "\n";
  return 2;
}

}  // namespace shadowsel::tb
