// SPDX-License-Identifier: MIT
#include "shadowsel/tb/simulation.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <utility>
#include <vector>

#include "shadowsel/driver/membership.h"
#include "shadowsel/driver/msg.h"
#include "shadowsel/hw/time.h"
#include "shadowsel/sim/failure.h"

namespace shadowsel::tb {
namespace {
std::string g_failure;  // first error reported by simulated code
}  // namespace

hw::CoreFactory notify_cores(NotifyPath p, bool waves) {
  ne::Params params;  // the table sizes of ne.yaml, as built into the RTL
  params.traced = waves;
  switch (p) {
    case NotifyPath::kSw:
      return {};
    case NotifyPath::kModel:
      return [params](uint32_t) { return ne::make_twin(params); };
    case NotifyPath::kRtl:
      return [params](uint32_t cpu) { return ne::make_rtl(params, "cpu" + std::to_string(cpu)); };
    case NotifyPath::kLockstep:
      return [params](uint32_t cpu) {
        return ne::make_lockstep(ne::make_rtl(params, "cpu" + std::to_string(cpu)), ne::make_twin(params));
      };
  }
  return {};
}

Simulation::Simulation(const Scenario& s, const hw::CoreFactory& cores)
    : s_(s), rec_(s.machine.freq_mhz) {
  hw::init_time_resolution();
  sim::set_failure_handler([](const std::string& why) {
    if (g_failure.empty()) g_failure = why;
  });
  platform_ = std::make_unique<hw::Platform>(s_.machine, rec_,
                                             cores ? cores : notify_cores(s_.notify));
  for (uint32_t i = 0; i < s_.machine.cpus; ++i) {
    kernels_.push_back(std::make_unique<drv::Kernel>(("cpu" + std::to_string(i)).c_str(),
                                                     platform_->node(i), s_.machine, rec_));
    kernels_.back()->on_start([this](drv::Process&) { ++live_; });
    kernels_.back()->on_exit([this](drv::Process&) {
      if (--live_ == 0) sim::end_run();
    });
  }
  // Each I/O CPU carries a network port; hosts, if any, are on the first one's link.
  for (uint32_t cpu : s_.network.io_cpus) platform_->node(cpu).add_net_port();
  // A process pair: the first I/O CPU's controller is dual-ported to the backup's CPU.
  const auto backup = s_.network.io_backup_cpu;
  if (backup) platform_->node(*backup).share_net_port(*platform_->node(s_.network.io_cpus.front()).net_port());
  if (s_.hosts.count > 0) {
    const HostService service = s_.workload.kind == "net_echo" ? HostService::kEcho : HostService::kInverted;
    network_ = std::make_unique<Network>(
        "network", s_, *platform_->node(s_.network.io_cpus.front()).net_port(), service,
        [this](int delta) {
          if (delta > 0) {
            ++live_;
          } else if (--live_ == 0) {
            sim::end_run();
          }
        },
        [](const std::string& what) { sim::report_failure(what); });
  }
  // Every CPU runs its POSIX layer, a pipe agent, a FIFO agent, a socket agent, a TTY
  // agent and a process manager, each I/O CPU a network I/O process, and the first I/O
  // CPU the telnet I/O process; they sit blocked in receive() until there is work.
  for (const auto& k : kernels_) {
    posix_.push_back(std::make_unique<drv::PosixKernel>(*k, fs_));
    const uint32_t cpu = static_cast<uint32_t>(posix_.size() - 1);
    posix_.back()->set_network_io_cpu(s_.network.io_cpus.front());
    posix_.back()->set_network_io_backup(backup);
    // With a process pair every CPU can be asked to run the backup (or become the
    // primary), so every CPU runs a network I/O process, idle until then.
    const bool io = backup || std::find(s_.network.io_cpus.begin(), s_.network.io_cpus.end(), cpu) != s_.network.io_cpus.end();
    const uint32_t tty_lines = cpu == s_.network.io_cpus.front() ? s_.tty.lines : 0;
    services_.push_back(std::make_unique<fw::CpuServices>(*posix_.back(), io, tty_lines));
    // The terminal model: what each line's terminal types, and when (docs/ttys.md).
    if (fw::TelnetIo* t = services_.back()->telnet.get()) {
      for (const TtyInput& in : s_.tty.input) {
        if (in.after.empty()) {
          t->type_at(in.line, in.at_cycle, in.text);
        } else {
          t->type_after(in.line, in.after, in.delay_cycles, in.text);
        }
      }
    }
    services_.back()->start();
  }
  std::vector<drv::Kernel*> ks;
  for (const auto& k : kernels_) ks.push_back(k.get());
  faults_ = std::make_unique<FaultInjector>("faults", s_.faults, *platform_, std::move(ks), rec_, s_.machine.seed);
  stats_.formula("sim.cycles", [] { return static_cast<double>(hw::now_cycles()); }, "cycles",
                 "simulated cycles at the end of the run");
  const double mhz = s_.machine.freq_mhz;
  stats_.formula("sim.ns", [mhz] { return hw::report_ns(static_cast<double>(hw::now_cycles()), mhz); }, "ns",
                 "simulated time at freq_mhz");
  stats_.formula("sim.freq_mhz", [mhz] { return mhz; }, "MHz", "clock frequency");
  const hw::LivenessParams lv = s_.machine.liveness;
  stats_.formula("liveness.period_cycles", [lv] { return lv.enabled ? static_cast<double>(lv.period_cycles) : 0.0; },
                 "cycles", "the run's I'm-alive period, 0 liveness off ([liveness])");
  stats_.formula("liveness.missed_periods", [lv] { return static_cast<double>(lv.missed_periods); }, "periods",
                 "silent periods after which a CPU is suspected");
  platform_->register_stats(stats_);
  for (const auto& k : kernels_) {
    k->register_stats(stats_);
    k->msg().register_stats(stats_);
    k->membership().register_stats(stats_);
  }
  for (uint32_t i = 0; i < cpus(); ++i) {
    posix_[i]->register_stats(stats_);
    services_[i]->pipes.register_stats(stats_);
    services_[i]->fifos.register_stats(stats_);
    services_[i]->sockets.register_stats(stats_);
    services_[i]->ttys.register_stats(stats_);
    if (services_[i]->net) services_[i]->net->register_stats(stats_);
    if (services_[i]->telnet) services_[i]->telnet->register_stats(stats_);
  }
  for (uint32_t cpu : s_.network.io_cpus) {
    platform_->node(cpu).net_port()->register_stats(stats_, "cpu." + std::to_string(cpu) + ".net_port.");
  }
  for (uint32_t i = 0; i < cpus(); ++i) services_[i]->liveness.register_stats(stats_);
  if (network_) network_->register_stats(stats_);
  faults_->register_stats(stats_);
  if (s_.machine.liveness.enabled) {
    sc_core::sc_spawn([this] { sim::guarded("liveness watch", [this] { watch_liveness(); }); }, "liveness_watch");
  }
  register_select_totals();
  rec_.register_stats(stats_);
}

// Before any member goes: the threads still suspended (agents, servers, blocked
// processes, the idle contexts, the bus, the engines) unwind through code that
// uses them.
Simulation::~Simulation() { sim::release_processes(); }

std::vector<std::string> Simulation::open_waves(const std::string& path, const sim::WaveWindow& window) {
  const bool engines = s_.notify != NotifyPath::kSw;
  auto machine = std::make_unique<sim::Waves>(path, window, cpus(), engines);
  std::vector<std::string> files{path};
  if (engines) {
    std::unique_ptr<ne::RtlWaves> rtl;
    try {
      rtl = std::make_unique<ne::RtlWaves>(sim::rtl_waves_path(path), window);
    } catch (...) {
      machine.reset();
      std::remove(path.c_str());  // none of the files is left
      throw;
    }
    for (uint32_t i = 0; i < cpus(); ++i) {
      if (hw::NotifyEngine* e = engine(i)) e->core().attach_waves(*rtl);
    }
    if (rtl->cores() > 0) {
      rtl->start();
      files.push_back(rtl->path());
      rtl_waves_ = std::move(rtl);
    } else {
      std::remove(rtl->path().c_str());  // twins only: no RTL
    }
  }
  waves_ = std::move(machine);
  rec_.set_waves(waves_.get());
  return files;
}

void Simulation::register_select_totals() {
  // Machine-wide sums of the agents' figures: what a notification costs.
  auto sum = [this](auto field) {
    return [this, field] {
      double t = 0;
      for (const auto& s : services_) t += field(s->pipes) + field(s->fifos) + field(s->sockets) + field(s->ttys);
      return t;
    };
  };
  auto sent = sum([](const fw::Agent& a) { return double(a.counters().requests_sent); });
  auto suppressed = sum([](const fw::Agent& a) { return double(a.counters().requests_suppressed); });
  auto notes = sum([](const fw::Agent& a) { return double(a.counters().notifications_received); });
  auto cycles = sum([](const fw::Agent& a) { return double(a.cpu_cycles()); });
  stats_.formula("select.requests_sent", sent, "messages", "subscribe requests sent by all agents");
  stats_.formula("select.requests_suppressed", suppressed, "requests",
                 "select items answered from an agent's database without a message");
  stats_.formula("select.notifications", notes, "messages", "notifications received by all agents");
  stats_.formula("select.agent_cpu_cycles", cycles, "cycles", "cycles all agents held their CPUs");
  for (uint32_t i = 0; i < cpus(); ++i) {
    const fw::CpuServices* sv = services_[i].get();
    stats_.formula("cpu." + std::to_string(i) + ".agent.cycles_per_notification",
                   [sv, notes] {
                     const double n = notes();
                     return n ? (sv->pipes.cpu_cycles() + sv->fifos.cpu_cycles() + sv->sockets.cpu_cycles() +
                                 sv->ttys.cpu_cycles()) / n
                              : 0.0;
                   },
                   "cycles", "this CPU's agents' cycles per notification received machine-wide");
  }
  stats_.formula("select.agent_cycles_per_notification",
                 [cycles, notes] { return notes() ? cycles() / notes() : 0.0; }, "cycles",
                 "agent CPU cycles (both ends, all work) per notification received");
}

// The user processes that have not exited, in a few words however many there
// are: all of them when few, else counts per CPU and per name and the first few.
std::string Simulation::unfinished() const {
  const std::string procs = unfinished_processes();
  const std::string hosts = network_ ? network_->unfinished() : "";
  return procs.empty() ? hosts : hosts.empty() ? procs : procs + "; " + hosts;
}

std::string Simulation::unfinished_processes() const {
  constexpr size_t kListAll = 8, kShown = 3, kGroups = 6;
  std::vector<std::pair<std::string, uint32_t>> left;  // (name, cpu)
  for (const auto& k : kernels_) {
    for (const auto& p : k->processes()) {
      if (!p->daemon() && !p->exited() && !p->lost()) left.emplace_back(p->name(), k->cpu());
    }
  }
  auto one = [](const std::pair<std::string, uint32_t>& p) { return p.first + " on cpu " + std::to_string(p.second); };
  auto list = [&](size_t n) {
    std::string out;
    for (size_t i = 0; i < n && i < left.size(); ++i) out += (i ? ", " : "") + one(left[i]);
    return out;
  };
  if (left.size() <= kListAll) return list(left.size());
  // Both groupings keep first-seen order, so the text is deterministic.
  auto groups = [&](auto key) {
    std::vector<std::pair<std::string, size_t>> g;
    for (const auto& p : left) {
      const std::string k = key(p);
      auto it = std::find_if(g.begin(), g.end(), [&](const auto& x) { return x.first == k; });
      if (it == g.end()) {
        g.emplace_back(k, 1);
      } else {
        ++it->second;
      }
    }
    std::string out;
    for (size_t i = 0; i < g.size() && i < kGroups; ++i) {
      out += (i ? ", " : "") + g[i].first + ": " + std::to_string(g[i].second);
    }
    if (g.size() > kGroups) out += ", ... (" + std::to_string(g.size()) + " in all)";
    return out;
  };
  return std::to_string(left.size()) + " processes (" +
         groups([](const auto& p) { return "cpu " + std::to_string(p.second); }) + "; " +
         groups([](const auto& p) { return p.first; }) + "), first " + list(kShown) + ", ...";
}

// What the machine itself is stuck on, when it can tell, ending in "; "; else "".
std::string Simulation::stall_cause() const {
  const hw::Interconnect& bus = platform_->bus();
  const std::string faults = faults_->stall_cause();
  if (bus.lane_up(0) || bus.lane_up(1)) return faults;
  uint64_t waiting = 0;
  for (uint32_t i = 0; i < cpus(); ++i) waiting += platform_->node(i).biu().tx_outstanding();
  return "both bus lanes down (X since cycle " + std::to_string(bus.down_since(0)) + ", Y since cycle " +
         std::to_string(bus.down_since(1)) + "), " + std::to_string(waiting) +
         " packets waiting to be sent; " + faults;
}

void Simulation::watch_liveness() {
  const uint64_t p = s_.machine.liveness.period_cycles;
  // Half a period off the ticks, when no tick's interrupt is pending.
  sc_core::wait(hw::cycles(p / 2));
  // progress() at the last check that found only liveness (a flag and a value, not a
  // std::optional: GCC 12 takes its compare for a read of an uninitialised value)
  bool quiet = false;
  uint64_t quiet_at = 0;
  for (;;) {
    sc_core::wait(hw::cycles(p));
    const uint64_t now = progress();
    if (!only_liveness_left()) {
      quiet = false;
    } else if (quiet && quiet_at == now) {
      sim::end_run();  // a whole period of nothing but liveness: stalled
      return;
    } else {
      quiet = true;
      quiet_at = now;
    }
  }
}

uint64_t Simulation::progress() const {
  uint64_t n = 0;
  for (const auto& k : kernels_) n += k->counters().context_switches;
  for (int lane = 0; lane < 2; ++lane) {
    const hw::LaneCounters& c = platform_->bus().counters(lane);
    n += c.transfers - c.by_type[static_cast<uint8_t>(hw::PacketType::kAlive)] -
         c.by_type[static_cast<uint8_t>(hw::PacketType::kRegroup)];
  }
  return n;
}

bool Simulation::only_liveness_left() const {
  if (faults_->pending() || (network_ && !network_->idle())) return false;
  const hw::Interconnect& bus = platform_->bus();
  const bool lanes = bus.lane_up(0) || bus.lane_up(1);
  const bool engines = s_.notify != NotifyPath::kSw;
  for (uint32_t i = 0; i < cpus(); ++i) {
    const drv::Kernel& k = *kernels_[i];
    if (!k.quiet()) return false;
    // Packets that can still move (with both lanes down none can: the run stalls, as without liveness).
    if (lanes && platform_->node(i).biu().busy_besides_liveness()) return false;
    if (k.halted()) continue;
    const fw::Liveness& lv = services_[i]->liveness;
    if (lv.in_round()) return false;
    // A dead CPU this one still holds up will be declared down, which wakes its waiters.
    const hw::NotifyEngine* e = platform_->node(i).engine();
    if (!lanes || (e && e->hung())) continue;  // this one cannot detect anything
    for (uint32_t d = 0; d < cpus(); ++d) {
      const hw::NotifyEngine* de = platform_->node(d).engine();
      const bool dead = kernels_[d]->halted() || (engines && de && de->hung());
      if (d != i && dead && kernels_[i]->membership().up(d)) return false;
    }
  }
  return true;
}

namespace {

// The run of one sc_start() (no limit) or sc_start(max_cycles), cut into steps.
// A step stops at its end time before running that time's events (the next step
// runs them, in the same order), so the results are the same. Without a limit a
// step also stops when nothing is left to happen before its end, time at the last
// event (as sc_start() leaves it at the end), and the next step reaches at least
// the next event. With a limit, when nothing is left to happen, time jumps to the
// limit, as sc_start(max_cycles) does. Steps adapt to last 10..50 ms of wall time:
// `between` runs often enough for a line redrawn 10 times a second, and the steps
// cost nothing measurable.
void run_in_steps(uint64_t max_cycles, const std::function<void(uint64_t)>& between) {
  using Clock = std::chrono::steady_clock;
  constexpr uint64_t kMaxStep = uint64_t{1} << 40;
  uint64_t step = 100000;
  for (;;) {
    const uint64_t now = hw::now_cycles();
    if (max_cycles && now >= max_cycles) return;
    uint64_t len = step;
    if (max_cycles) {
      len = std::min(step, max_cycles - now);
    } else {
      len = std::max<uint64_t>(step, sc_core::sc_time_to_pending_activity().value());  // resolution: 1 cycle
    }
    const auto t0 = Clock::now();
    sc_core::sc_start(hw::cycles(len), max_cycles ? sc_core::SC_RUN_TO_TIME : sc_core::SC_EXIT_ON_STARVATION);
    const auto dt = Clock::now() - t0;
    if (sim::run_ended()) return;
    if (!sc_core::sc_pending_activity()) {
      if (max_cycles && hw::now_cycles() < max_cycles) sc_core::sc_start(hw::cycles(max_cycles - hw::now_cycles()));
      return;
    }
    between(hw::now_cycles());
    if (dt < std::chrono::milliseconds(10) && step < kMaxStep) step *= 2;
    if (dt > std::chrono::milliseconds(50) && step > 1000) step /= 2;
  }
}

}  // namespace

RunResult Simulation::run(uint64_t max_cycles, const std::function<void(uint64_t)>& between) {
  RunResult r;
  const auto t0 = std::chrono::steady_clock::now();
  if (live_ > 0) {
    if (between) {
      run_in_steps(max_cycles, between);
    } else if (max_cycles) {
      sc_core::sc_start(hw::cycles(max_cycles));
    } else {
      sc_core::sc_start();
    }
    sim::main_stack_returned();
  }
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.cycles = hw::now_cycles();
  for (const auto& k : kernels_) r.activations += k->counters().activations;
  std::string mismatch;
  for (uint32_t i = 0; i < cpus(); ++i) {
    if (const hw::NotifyEngine* e = engine(i)) {
      r.activations += e->counters().activations;
      if (mismatch.empty() && !e->mismatch().empty()) {
        mismatch = "cpu " + std::to_string(i) + " notify engine: " + e->mismatch();
      }
    }
  }
  if (!mismatch.empty()) {
    r.end = RunResult::End::kLockstepMismatch;
    r.detail = mismatch;
  } else if (!g_failure.empty()) {
    r.end = RunResult::End::kFailed;
    r.detail = g_failure;
  } else if (live_ > 0) {
    const bool limit = max_cycles && r.cycles >= max_cycles;
    r.end = limit ? RunResult::End::kCycleLimit : RunResult::End::kStalled;
    r.detail = limit ? "cycle limit reached; " + faults_->stall_cause() + "still running: " + unfinished()
                     : "nothing left to happen; " + stall_cause() + "blocked forever: " + unfinished();
  } else if (std::all_of(kernels_.begin(), kernels_.end(), [](const auto& k) { return k->halted(); })) {
    // No process is left because no CPU is: the workload was lost, not finished (a
    // halted CPU's processes end with it).
    r.end = RunResult::End::kFailed;
    r.detail = "every CPU halted, none is left to run the workload; " + stall_cause();
  }
  rec_.close_trace();
  if (waves_) waves_->close(r.cycles);
  if (rtl_waves_) rtl_waves_->close(r.cycles);
  rec_.set_waves(nullptr);  // nothing after the run is drawn
  return r;
}

}  // namespace shadowsel::tb
