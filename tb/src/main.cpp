// SPDX-License-Identifier: MIT
// The `shadowsel` command: reads a scenario (or uses the built-in default),
// applies command-line overrides, runs the simulation, prints a summary and
// writes config.json, stats.json and run.json into the output folder
// (docs/outputs.md), with a progress line on stderr when it is a terminal.
// Exit status: 0 finished, 1 the run failed or stalled, 2 bad input, 3 the lockstep
// notify engine's RTL and twin disagreed (the report is printed).
#include <systemc>

#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "shadowsel/tb/config.h"
#include "shadowsel/tb/options.h"
#include "shadowsel/tb/progress.h"
#include "shadowsel/tb/report.h"
#include "shadowsel/tb/scenario.h"
#include "shadowsel/tb/simulation.h"
#include "shadowsel/tb/version.h"

using namespace shadowsel;

namespace {

// SystemC prints its banner when its kernel starts, before sc_main: silence it
// during static initialisation.
const bool kQuietBanner = setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1) == 0;


}  // namespace

// `shadowsel sweep ...` and `shadowsel report ...` run scripts/sweep.py and
// scripts/report.py with Debian's Python (docs/sweep.md, docs/report.md); the
// scripts find this binary in SHADOWSEL_BIN. Returns only when exec failed.
static int run_subcommand(const std::string& name, int argc, char* argv[]) {
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    self[n] = '\0';
    setenv("SHADOWSEL_BIN", self, 1);
  }
  const std::string script = std::string(SHADOWSEL_SCRIPTS_DIR) + "/" + name + ".py";
  std::vector<char*> args{const_cast<char*>(SHADOWSEL_PYTHON), const_cast<char*>(script.c_str())};
  for (int i = 2; i < argc; ++i) args.push_back(argv[i]);
  args.push_back(nullptr);
  execv(SHADOWSEL_PYTHON, args.data());
  std::cerr << "shadowsel " << name << ": cannot run " << SHADOWSEL_PYTHON << ": " << std::strerror(errno) << "\n";
  return 2;
}

int sc_main(int argc, char* argv[]) {
  // A write to a pipe or FIFO whose reader left (--trace to a FIFO, stdout into `head`)
  // fails with EPIPE and is reported like any other failed write, instead of the
  // process dying of SIGPIPE without a word.
  std::signal(SIGPIPE, SIG_IGN);
  if (argc > 1 && (std::string(argv[1]) == "sweep" || std::string(argv[1]) == "report"))
    return run_subcommand(argv[1], argc, argv);
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
                                  "default scenario; --out defaults to out.\n`shadowsel sweep GRID.toml --out DIR` runs "
                                  "a grid of scenarios (docs/sweep.md); `shadowsel report DIR` plots an output "
                                  "folder (docs/report.md); each has --help.",
                                  tb::kShadowselOptions);
      return 0;
    }
    if (cl.version) {
      std::cout << "shadowsel " << tb::version() << "\n";
      return 0;
    }
    s = tb::scenario_for(cl);
    tb::check_distinct_files(cl, s, cl.out.value_or("out"));
  } catch (const tb::ScenarioError& e) {
    return tb::bad_input(e.what());
  }
  const std::string out_dir = cl.out.value_or("out");

  // With --waves the RTL engines are the models built with tracing (docs/waves.md).
  tb::Simulation sim(s, cl.waves ? tb::notify_cores(s.notify, true) : hw::CoreFactory{});
  try {
    if (cl.trace) sim.open_trace(*cl.trace);
  } catch (const std::exception& e) {
    return tb::bad_input(std::string("--trace: ") + e.what());
  }
  // Bad input found after the trace or wave files were opened leaves none behind;
  // so does an output folder that takes no config.json.
  std::vector<std::string> wave_files;
  auto drop_trace = [&] {
    if (cl.trace) {
      sim.recorder().close_trace();
      tb::discard_output_file(*cl.trace);
    }
    for (const std::string& f : wave_files) tb::discard_output_file(f);
  };
  auto refuse = [&](const std::string& line) {
    drop_trace();
    return tb::bad_input(line);
  };
  if (cl.waves) {
    sim::WaveWindow window;
    window.from = cl.waves_from.value_or(0);
    window.to = cl.waves_to.value_or(hw::kLastCycle);
    window.hz = hw::hz_from_mhz(s.machine.freq_mhz).value_or(window.hz);  // checked with the scenario
    try {
      wave_files = sim.open_waves(*cl.waves, window);
    } catch (const std::exception& e) {
      return refuse(std::string("--waves: ") + e.what());
    }
  }
  try {
    tb::install_workload(sim);
  } catch (const std::invalid_argument& e) {
    return refuse(s.source + ": " + e.what());
  }
  if (cl.list_stats) {
    for (const auto& d : sim.stats().describe())
      std::cout << d.path << '\t' << d.unit << '\t' << d.kind << '\t' << d.text << '\n';
    return 0;
  }
  try {
    tb::prepare_output_dir(out_dir);
  } catch (const std::exception& e) {
    return refuse(std::string("--out: ") + e.what());
  }
  // config.json before the run: a run that never ends still says what it was.
  try {
    tb::write_config(s, cl.max_cycles.value_or(0), out_dir);
  } catch (const std::exception& e) {
    drop_trace();
    std::cerr << "shadowsel: --out: " << e.what() << "\n";
    return 1;
  }
  std::optional<tb::Progress> progress;
  if (!cl.quiet && tb::Progress::wanted(STDERR_FILENO)) progress.emplace(stderr, cl.max_cycles.value_or(0));
  std::function<void(uint64_t)> between;
  if (progress) between = [&](uint64_t cycles) { progress->update(cycles); };
  const tb::RunResult r = sim.run(cl.max_cycles.value_or(0), between);
  if (progress) progress->finish(r.cycles);
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
  // Known only now: a run that ended before the waveform window left files without a cycle.
  if (cl.waves_from && *cl.waves_from > r.cycles)
    std::cerr << "shadowsel: --waves-from: the run ended at cycle " << r.cycles << ", before the window starting at "
              << *cl.waves_from << ": " << *cl.waves << " holds no cycle\n";
  std::string ttys;
  for (const std::string& name : tb::tty_outputs(sim)) ttys += ", " + out_dir + "/" + name;
  for (const std::string& f : wave_files) ttys += ", " + f;
  std::cout << "outputs     " << out_dir << "/config.json, " << out_dir << "/stats.json, " << out_dir << "/run.json"
            << ttys << (cl.trace ? ", " + *cl.trace : "") << "\n";
  if (r.end == tb::RunResult::End::kLockstepMismatch) return 3;
  const bool ok = r.end == tb::RunResult::End::kFinished ||
                  r.end == tb::RunResult::End::kCycleLimit;
  return ok ? 0 : 1;
}
