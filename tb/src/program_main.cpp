// SPDX-License-Identifier: MIT
// The runner of a program built against the POSIX layer: the program's main
// (renamed shadowsel_program_main by shadowsel/posix/posix.h) runs as a
// process on CPU 0 of a simulated machine. The program's own output goes to
// stdout untouched; the runner writes only to stderr, and exits with the
// program's exit status, or dies of the signal that ended the program.
// Exit 125: the simulation failed or stalled, or --out or --trace could not be
// written; 2: bad options (one line, before simulating).
#include <systemc>

#include <sys/wait.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "shadowsel/tb/options.h"
#include "shadowsel/tb/report.h"
#include "shadowsel/tb/scenario.h"
#include "shadowsel/tb/simulation.h"

extern "C" int shadowsel_program_main(void);

using namespace shadowsel;

namespace {
const bool kQuietBanner = setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1) == 0;
}  // namespace

int sc_main(int argc, char* argv[]) {
  tb::CommandLine cl;
  tb::Scenario s;
  try {
    cl = tb::parse_command_line(std::vector<std::string>(argv + 1, argv + argc), tb::kProgramOptions);
    if (cl.help) {
      std::cout << tb::usage_text(argv[0],
                                  "Runs this program on CPU 0 of the simulated machine (the shadowsel POSIX "
                                  "layer); a --scenario gives the machine's parameters, its workload is ignored.",
                                  tb::kProgramOptions);
      return 0;
    }
    s = tb::scenario_for(cl);
    tb::check_distinct_files(cl, s, cl.out.value_or(""));
  } catch (const tb::ScenarioError& e) {
    return tb::bad_input(e.what());
  }

  tb::Simulation sim(s);
  try {
    if (cl.trace) sim.open_trace(*cl.trace);
  } catch (const std::exception& e) {
    return tb::bad_input(std::string("--trace: ") + e.what());
  }
  try {
    if (cl.out) tb::prepare_output_dir(*cl.out);
  } catch (const std::exception& e) {
    if (cl.trace) {  // bad input leaves no trace file behind
      sim.recorder().close_trace();
      tb::discard_output_file(*cl.trace);
    }
    return tb::bad_input(std::string("--out: ") + e.what());
  }
  drv::Process& main = sim.posix(0).start_program("main", [] { return shadowsel_program_main(); });
  const uint32_t pid = main.pid();
  const tb::RunResult r = sim.run(cl.max_cycles.value_or(0));
  std::fflush(stdout);
  // An output that could not be written fails the run as the simulation would (125).
  bool outputs_ok = true;
  if (cl.out) {
    try {
      tb::write_config(sim.scenario(), cl.max_cycles.value_or(0), *cl.out);  // as shadowsel's (docs/outputs.md)
      tb::write_outputs(sim, r, *cl.out);
    } catch (const std::exception& e) {
      std::cerr << argv[0] << ": --out: " << e.what() << "\n";
      outputs_ok = false;
    }
  }
  if (!sim.recorder().trace_error().empty()) {
    std::cerr << argv[0] << ": --trace: " << sim.recorder().trace_error() << "\n";
    outputs_ok = false;
  }
  if (!outputs_ok) return 125;
  const auto status = sim.posix(0).program_status(pid);
  if (r.end != tb::RunResult::End::kFinished || !status) {
    std::cerr << tb::summary(sim, r);
    std::cerr << argv[0] << ": the simulated run did not finish: " << r.detail << "\n";
    return 125;
  }
  if (WIFSIGNALED(*status)) {
    // Die of the same signal, so a caller sees what it would see natively.
    std::fflush(nullptr);
    std::signal(WTERMSIG(*status), SIG_DFL);
    std::raise(WTERMSIG(*status));
    return 128 + WTERMSIG(*status);
  }
  return WEXITSTATUS(*status);
}
