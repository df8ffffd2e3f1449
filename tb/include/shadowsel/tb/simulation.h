// SPDX-License-Identifier: MIT
// One simulation run: the hardware platform, a kernel per CPU, the statistics
// registry and the event recorder, built from a Scenario. SystemC allows one
// elaboration per host process, so build exactly one Simulation per process.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "shadowsel/driver/filesystem.h"
#include "shadowsel/driver/kernel.h"
#include "shadowsel/driver/posix_kernel.h"
#include "shadowsel/firmware/services.h"
#include "shadowsel/hw/notify_engine.h"
#include "shadowsel/hw/platform.h"
#include "shadowsel/ne/rtl_waves.h"
#include "shadowsel/sim/recorder.h"
#include "shadowsel/sim/stats.h"
#include "shadowsel/sim/waves.h"
#include "shadowsel/tb/faults.h"
#include "shadowsel/tb/network.h"
#include "shadowsel/tb/scenario.h"

namespace shadowsel::tb {

struct RunResult {
  /// kLockstepMismatch: the lockstep notify engine's RTL and twin disagreed (detail: its report).
  enum class End { kFinished, kCycleLimit, kStalled, kFailed, kLockstepMismatch };
  End end = End::kFinished;
  uint64_t cycles = 0;       ///< simulated cycles at the end
  std::string detail;        ///< why it did not finish
  double wall_s = 0;         ///< host seconds spent in the simulation kernel
  uint64_t activations = 0;  ///< resumptions of simulated contexts, all CPUs and notify engines
};

class Simulation {
 public:
  /// `cores` overrides the notify engine cores the scenario's notify path chooses
  /// (tests: a lockstep core with a deliberate twin fault).
  explicit Simulation(const Scenario& s, const hw::CoreFactory& cores = {});
  ~Simulation();

  const Scenario& scenario() const { return s_; }
  hw::Platform& platform() { return *platform_; }
  /// CPU `cpu`'s notify engine, nullptr on the software path (notify = sw).
  hw::NotifyEngine* engine(uint32_t cpu) { return platform_->node(cpu).engine(); }
  drv::Kernel& kernel(uint32_t cpu) { return *kernels_.at(cpu); }
  drv::PosixKernel& posix(uint32_t cpu) { return *posix_.at(cpu); }
  fw::CpuServices& services(uint32_t cpu) { return *services_.at(cpu); }
  /// The telnet I/O process (on the first I/O CPU), nullptr when tty.lines = 0.
  fw::TelnetIo* telnet() { return services_.at(s_.network.io_cpus.front())->telnet.get(); }
  uint32_t cpus() const { return static_cast<uint32_t>(kernels_.size()); }
  /// The testbench network on the first I/O CPU's port, or nullptr (no hosts).
  Network* network() { return network_.get(); }
  /// The fault injector (docs/faults.md); present in every run, idle without faults.
  FaultInjector& faults() { return *faults_; }
  sim::Stats& stats() { return stats_; }
  sim::Recorder& recorder() { return rec_; }

  /// Streams a Perfetto timeline to `path` (before run()).
  void open_trace(const std::string& path) { rec_.open_trace(path); }
  /// Writes waveforms of `window` (before run(), docs/waves.md): the machine's signals to
  /// `path` and, when the engines are Verilated with tracing (the cores of
  /// notify_cores(path, true)), their RTL to sim::rtl_waves_path(path).
  /// Returns the files; throws std::runtime_error("PATH: cannot write: why").
  std::vector<std::string> open_waves(const std::string& path, const sim::WaveWindow& window);
  /// Runs until every non-daemon process has exited, `max_cycles` pass (0: no
  /// limit), nothing is left to happen, or simulated code fails. Once only.
  /// With `between`, the run goes in steps of simulated time (tens of ms of wall
  /// time each) and `between(cycles)` is called after each one (the progress
  /// line); the run and its results are the same as without.
  RunResult run(uint64_t max_cycles = 0, const std::function<void(uint64_t)>& between = {});

 private:
  void register_select_totals();
  /// The user processes still alive, summarised for a stall or cycle-limit report.
  std::string unfinished() const;
  std::string unfinished_processes() const;
  /// Why the machine cannot move, when it knows (both lanes down), as "...; "; else "".
  std::string stall_cause() const;
  // The end-of-run rule with liveness on (docs/faults.md, Liveness): I'm-alive ticks
  // and packets never end, so SystemC never starves; instead, every liveness period,
  // a run in which nothing but liveness happened over a whole period, and nothing but
  // liveness is pending, is stalled.
  void watch_liveness();
  /// A count that moves whenever something other than liveness happens.
  uint64_t progress() const;
  /// Nothing but liveness is pending now (see watch_liveness).
  bool only_liveness_left() const;
  Scenario s_;
  sim::Recorder rec_;
  sim::Stats stats_;
  std::unique_ptr<hw::Platform> platform_;
  std::vector<std::unique_ptr<drv::Kernel>> kernels_;
  drv::FileSystem fs_;
  std::vector<std::unique_ptr<drv::PosixKernel>> posix_;
  std::vector<std::unique_ptr<fw::CpuServices>> services_;
  std::unique_ptr<Network> network_;
  std::unique_ptr<FaultInjector> faults_;
  // Closed at the end of run(), before the engines' cores go.
  std::unique_ptr<sim::Waves> waves_;
  std::unique_ptr<ne::RtlWaves> rtl_waves_;
  uint64_t live_ = 0;  ///< non-daemon processes not yet exited
  uint64_t sim_cycles_ = 0;
};

/// The notify engine cores of a path (empty for sw): the twin, the Verilated RTL, or both
/// in lockstep; `waves`: RTL models with FST tracing, for open_waves().
hw::CoreFactory notify_cores(NotifyPath p, bool waves = false);

/// Spawns the scenario's workload processes.
void install_workload(Simulation& sim);

}  // namespace shadowsel::tb
