// SPDX-License-Identifier: MIT
// The runner of a program built against the POSIX layer: the program's main
// (renamed shadowsel_program_main by shadowsel/posix/posix.h) runs as a
// process on CPU 0 of a simulated machine. The program's own output goes to
// stdout untouched; the runner writes only to stderr, and exits with the
// program's exit status, or dies of the signal that ended the program.
// Exit 125: the simulation failed or stalled; 2: bad options.
#include <systemc>

#include <sys/wait.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>

#include <CLI/CLI.hpp>

#include "shadowsel/tb/report.h"
#include "shadowsel/tb/scenario.h"
#include "shadowsel/tb/simulation.h"

extern "C" int shadowsel_program_main(void);

using namespace shadowsel;

namespace {
const bool kQuietBanner = setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1) == 0;
}  // namespace

int sc_main(int argc, char* argv[]) {
  CLI::App app{"runs this program on the simulated machine (the shadowsel POSIX layer)"};
  std::string scenario_path, notify, trace, out_dir;
  std::optional<int64_t> cpus;
  int64_t max_cycles = 0;
  app.add_option("--scenario", scenario_path, "machine parameters from a scenario file (its workload is ignored)");
  app.add_option("--cpus", cpus, "number of CPUs, 2..64 (default 4)");
  app.add_option("--notify", notify, "select hot path: sw, model, rtl or lockstep");
  app.add_option("--trace", trace, "write a Perfetto timeline to this file");
  app.add_option("--out", out_dir, "write stats.json and run.json to this folder");
  app.add_option("--max-cycles", max_cycles, "stop after this many cycles (0: no limit)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << argv[0] << ": " << e.what() << " (see --help)\n";
    return 2;
  }
  tb::Scenario s;
  try {
    if (!scenario_path.empty()) s = tb::load_scenario(scenario_path);
    if (cpus) {
      if (*cpus < hw::kMinCpus || *cpus > hw::kMaxCpus) {
        std::cerr << "--cpus: must be 2..64, got " << *cpus << "\n";
        return 2;
      }
      s.machine.cpus = static_cast<uint32_t>(*cpus);
    }
    if (!notify.empty()) s.notify = tb::parse_notify_path(notify, "--notify");
  } catch (const tb::ScenarioError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }

  tb::Simulation sim(s);
  if (!trace.empty()) sim.open_trace(trace);
  drv::Process& main = sim.posix(0).start_program("main", [] { return shadowsel_program_main(); });
  const uint32_t pid = main.pid();
  const tb::RunResult r = sim.run(static_cast<uint64_t>(max_cycles));
  std::fflush(stdout);
  if (!out_dir.empty()) tb::write_outputs(sim, r, out_dir);
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
