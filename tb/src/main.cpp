// SPDX-License-Identifier: MIT
// The `shadowsel` command: reads a scenario (or uses the built-in default),
// applies command-line overrides, runs the simulation, prints a summary and
// writes stats.json and run.json into the output folder.
// Exit status: 0 finished, 1 the run failed or stalled, 2 bad input, 3 the lockstep
// notify engine's RTL and twin disagreed (the report is printed).
#include <systemc>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>

#include <CLI/CLI.hpp>

#include "shadowsel/tb/report.h"
#include "shadowsel/tb/scenario.h"
#include "shadowsel/tb/simulation.h"

using namespace shadowsel;

namespace {

// SystemC prints its banner when its kernel starts, before sc_main: silence it
// during static initialisation.
const bool kQuietBanner = setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1) == 0;

int bad_input(const std::string& line) {
  std::cerr << line << "\n";
  return 2;
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  CLI::App app{"shadowsel: virtual prototype of a multiprocessor without shared memory, "
               "with distributed select() over its interprocessor bus"};
  app.set_version_flag("--version", "shadowsel 0.1");
  std::string scenario_path, out_dir = "out", notify, trace;
  std::optional<int64_t> cpus;
  std::optional<int64_t> seed;
  std::optional<double> freq;
  int64_t max_cycles = 0;
  app.add_option("--scenario", scenario_path, "scenario file (TOML, docs/scenarios.md)");
  app.add_option("--cpus", cpus, "number of CPUs, 2..64 (overrides the scenario)");
  app.add_option("--seed", seed, "random seed (overrides the scenario)");
  app.add_option("--freq-mhz", freq, "clock frequency in MHz (overrides the scenario)");
  app.add_option("--out", out_dir, "folder for stats.json and run.json")->capture_default_str();
  app.add_option("--notify", notify, "select hot path: sw, model, rtl or lockstep");
  app.add_option("--trace", trace, "write a Perfetto / chrome://tracing timeline to this file");
  app.add_option("--max-cycles", max_cycles, "stop after this many cycles (0: no limit)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return bad_input(std::string("shadowsel: ") + e.what() + " (see --help)");
  }

  tb::Scenario s;
  try {
    if (!scenario_path.empty()) s = tb::load_scenario(scenario_path);
    if (cpus) {
      if (*cpus < hw::kMinCpus || *cpus > hw::kMaxCpus) {
        return bad_input("--cpus: must be 2..64, got " + std::to_string(*cpus));
      }
      s.machine.cpus = static_cast<uint32_t>(*cpus);
    }
    if (seed) {
      if (*seed < 0) return bad_input("--seed: must be >= 0, got " + std::to_string(*seed));
      s.machine.seed = static_cast<uint64_t>(*seed);
    }
    if (freq) {
      s.machine.freq_mhz = *freq;
      tb::validate_machine(s.machine, "--freq-mhz");
    }
    if (!notify.empty()) {
      s.notify = tb::parse_notify_path(notify, "--notify");
      s.notify_where = "--notify " + notify;
    }
    if (max_cycles < 0) {
      return bad_input("--max-cycles: must be >= 0, got " + std::to_string(max_cycles));
    }
  } catch (const tb::ScenarioError& e) {
    return bad_input(e.what());
  }

  tb::Simulation sim(s);
  try {
    if (!trace.empty()) sim.open_trace(trace);
  } catch (const std::exception& e) {
    return bad_input(e.what());
  }
  try {
    tb::install_workload(sim);
  } catch (const std::invalid_argument& e) {
    return bad_input(s.source + ": " + e.what());
  }
  const tb::RunResult r = sim.run(static_cast<uint64_t>(max_cycles));
  std::cout << tb::summary(sim, r);
  if (r.end == tb::RunResult::End::kLockstepMismatch) std::cerr << "shadowsel: " << r.detail << "\n";
  try {
    tb::write_outputs(sim, r, out_dir);
  } catch (const std::exception& e) {
    std::cerr << "shadowsel: " << e.what() << "\n";
    return 1;
  }
  std::cout << "outputs     " << out_dir << "/stats.json, " << out_dir << "/run.json"
            << (trace.empty() ? "" : ", " + trace) << "\n";
  if (r.end == tb::RunResult::End::kLockstepMismatch) return 3;
  const bool ok = r.end == tb::RunResult::End::kFinished ||
                  r.end == tb::RunResult::End::kCycleLimit;
  return ok ? 0 : 1;
}
