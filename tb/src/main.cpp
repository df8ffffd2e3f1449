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
#include <string>
#include <vector>

#include "shadowsel/tb/options.h"
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
  // Everything the user gave is checked before the simulation is built: the
  // options, the scenario, the trace file, the workload, the output folder.
  tb::CommandLine cl;
  tb::Scenario s;
  try {
    cl = tb::parse_command_line(std::vector<std::string>(argv + 1, argv + argc), tb::kShadowselOptions);
    if (cl.help) {
      std::cout << tb::usage_text("shadowsel",
                                  "Virtual prototype of a multiprocessor without shared memory, with distributed "
                                  "select() over its interprocessor bus.\nWithout --scenario it runs the built-in "
                                  "default scenario; --out defaults to out.",
                                  tb::kShadowselOptions);
      return 0;
    }
    if (cl.version) {
      std::cout << "shadowsel 0.1\n";
      return 0;
    }
    s = tb::scenario_for(cl);
  } catch (const tb::ScenarioError& e) {
    return bad_input(e.what());
  }
  const std::string out_dir = cl.out.value_or("out");

  tb::Simulation sim(s);
  try {
    if (cl.trace) sim.open_trace(*cl.trace);
  } catch (const std::exception& e) {
    return bad_input(std::string("--trace: ") + e.what());
  }
  // Bad input found after the trace file was opened leaves no trace file behind.
  auto refuse = [&](const std::string& line) {
    if (cl.trace) {
      sim.recorder().close_trace();
      std::remove(cl.trace->c_str());
    }
    return bad_input(line);
  };
  try {
    tb::install_workload(sim);
  } catch (const std::invalid_argument& e) {
    return refuse(s.source + ": " + e.what());
  }
  try {
    tb::prepare_output_dir(out_dir);
  } catch (const std::exception& e) {
    return refuse(std::string("--out: ") + e.what());
  }
  const tb::RunResult r = sim.run(cl.max_cycles.value_or(0));
  std::cout << tb::summary(sim, r);
  if (r.end == tb::RunResult::End::kLockstepMismatch) std::cerr << "shadowsel: " << r.detail << "\n";
  // An output that could not be written after the run (a disk filling up): the
  // summary is out, but the run did not leave what was asked for, so it fails
  // (exit 1) with one line per output.
  bool outputs_ok = true;
  try {
    tb::write_outputs(sim, r, out_dir);
  } catch (const std::exception& e) {
    std::cerr << "shadowsel: --out: " << e.what() << "\n";
    outputs_ok = false;
  }
  if (!sim.recorder().trace_error().empty()) {
    std::cerr << "shadowsel: --trace: " << sim.recorder().trace_error() << "\n";
    outputs_ok = false;
  }
  if (!outputs_ok) return 1;
  std::string ttys;
  for (const std::string& name : tb::tty_outputs(sim)) ttys += ", " + out_dir + "/" + name;
  std::cout << "outputs     " << out_dir << "/stats.json, " << out_dir << "/run.json" << ttys
            << (cl.trace ? ", " + *cl.trace : "") << "\n";
  if (r.end == tb::RunResult::End::kLockstepMismatch) return 3;
  const bool ok = r.end == tb::RunResult::End::kFinished ||
                  r.end == tb::RunResult::End::kCycleLimit;
  return ok ? 0 : 1;
}
