// SPDX-License-Identifier: MIT
#include "shadowsel/tb/simulation.h"

#include <algorithm>
#include <chrono>
#include <utility>
#include <vector>

#include "shadowsel/driver/msg.h"
#include "shadowsel/hw/time.h"
#include "shadowsel/sim/failure.h"

namespace shadowsel::tb {
namespace {
std::string g_failure;  // first error reported by simulated code
}  // namespace

hw::CoreFactory notify_cores(NotifyPath p) {
  const ne::Params params;  // the table sizes of ne.yaml, as built into the RTL
  switch (p) {
    case NotifyPath::kSw:
      return {};
    case NotifyPath::kModel:
      return [params](uint32_t) { return ne::make_twin(params); };
    case NotifyPath::kRtl:
      return [params](uint32_t) { return ne::make_rtl(params); };
    case NotifyPath::kLockstep:
      return [params](uint32_t) { return ne::make_lockstep(ne::make_rtl(params), ne::make_twin(params)); };
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
    const bool io = std::find(s_.network.io_cpus.begin(), s_.network.io_cpus.end(), cpu) != s_.network.io_cpus.end();
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
  platform_->register_stats(stats_);
  for (const auto& k : kernels_) {
    k->register_stats(stats_);
    k->msg().register_stats(stats_);
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
  if (network_) network_->register_stats(stats_);
  faults_->register_stats(stats_);
  register_select_totals();
  rec_.register_stats(stats_);
}

// Before any member goes: the threads still suspended (agents, servers, blocked
// processes, the idle contexts, the bus, the engines) unwind through code that
// uses them.
Simulation::~Simulation() { sim::release_processes(); }

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

RunResult Simulation::run(uint64_t max_cycles) {
  RunResult r;
  const auto t0 = std::chrono::steady_clock::now();
  if (live_ > 0) {
    if (max_cycles) {
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
  }
  rec_.close_trace();
  return r;
}

}  // namespace shadowsel::tb
