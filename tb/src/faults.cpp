// SPDX-License-Identifier: MIT
#include "shadowsel/tb/faults.h"

#include <algorithm>
#include <csignal>

#include <fmt/format.h>

#include "shadowsel/hw/notify_engine.h"
#include "shadowsel/hw/time.h"
#include "shadowsel/sim/failure.h"

namespace shadowsel::tb {

FaultInjector::FaultInjector(sc_core::sc_module_name name, const std::vector<Fault>& faults,
                             hw::Platform& platform, std::vector<drv::Kernel*> kernels, sim::Recorder& rec,
                             uint64_t seed)
    : sc_module(name), platform_(platform), kernels_(std::move(kernels)), rec_(rec) {
  hw::Interconnect& bus = platform_.bus();
  uint64_t index = 0;
  for (const Fault& f : faults) {
    ++index;
    switch (f.kind) {
      case FaultKind::kLaneDown:
      case FaultKind::kLaneUp:
        bus.schedule_lane(f.lane == 'X' ? 0 : 1, f.at_cycle, f.kind == FaultKind::kLaneUp);
        break;
      case FaultKind::kLaneFlap:
        // Drawn now, applied lazily by the bus like any lane change: none beyond the run's end matters.
        for (const Fault& c : lane_flap_schedule(f, seed * 0x9e3779b97f4a7c15ull + index)) {
          const bool up = c.kind == FaultKind::kLaneUp;
          bus.schedule_lane(f.lane == 'X' ? 0 : 1, c.at_cycle, up);
          if (!up) flap_downs_[f.lane == 'X' ? 0 : 1].insert(c.at_cycle);
        }
        break;
      case FaultKind::kCorruptPacket:
      case FaultKind::kDropPacket:
      case FaultKind::kDropAck:
        // Each packet fault draws from its own stream: adding one does not move another's hits.
        packet_.push_back({f, f.count, std::mt19937_64(seed * 0x9e3779b97f4a7c15ull + index)});
        break;
      default:
        timed_.push_back(f);
    }
  }
  // Every lane change counts, the bus keys' included: they are lane_down faults too.
  bus.on_lane_change([this](char lane, bool up, uint64_t at) {
    // A lane_flap's downs count as lane_down faults and, besides, as its own.
    if (!up && flap_downs_[lane == 'X' ? 0 : 1].count(at)) ++c_.by_kind[static_cast<size_t>(FaultKind::kLaneFlap)];
    applied(up ? FaultKind::kLaneUp : FaultKind::kLaneDown, up ? "lane_up" : "lane_down", -1, lane, at);
  });
  if (!packet_.empty()) bus.set_packet_fate([this](char lane, uint64_t now) { return fate(lane, now); });
  std::stable_sort(timed_.begin(), timed_.end(),
                   [](const Fault& a, const Fault& b) { return a.at_cycle < b.at_cycle; });
  if (!timed_.empty()) SC_THREAD(run);
}

void FaultInjector::run() {
  sim::guarded("fault injector", [this] {
    for (const Fault& f : timed_) {
      const uint64_t now = hw::now_cycles();
      if (f.at_cycle > now) wait(hw::cycles(f.at_cycle - now));
      apply(f);
      ++applied_timed_;
    }
  });
}

void FaultInjector::apply(const Fault& f) {
  const uint64_t now = hw::now_cycles();
  drv::Kernel& k = *kernels_.at(f.cpu);
  const int cpu = static_cast<int>(f.cpu);
  switch (f.kind) {
    case FaultKind::kCpuHalt:
      if (k.halted()) {
        missed(f, fmt::format("cpu {} was already halted", f.cpu), now);
        return;
      }
      k.halt();
      stuck_.push_back(fmt::format("cpu {} halted at cycle {} (fault)", f.cpu, now));
      applied(f.kind, "cpu_halt", cpu, 0, now);
      return;
    case FaultKind::kEngineHang: {
      hw::NotifyEngine* e = platform_.node(f.cpu).engine();
      if (e == nullptr || e->hung()) {
        missed(f, fmt::format("cpu {}'s notify engine was already hung", f.cpu), now);
        return;
      }
      e->hang();
      stuck_.push_back(fmt::format("cpu {}'s notify engine hung at cycle {} (fault)", f.cpu, now));
      applied(f.kind, "engine_hang", cpu, 0, now);
      return;
    }
    case FaultKind::kProcessKill: {
      // The first process of that name (or pid) still alive: names repeat (children).
      const auto named = [&](const drv::Process& p) { return f.pid ? p.pid() == f.pid : p.name() == f.process; };
      for (const auto& p : k.processes()) {
        if (p->daemon() || p->exited() || p->lost() || !named(*p)) continue;
        if (k.kill(*p, SIGKILL)) {
          applied(f.kind, fmt::format("process_kill {} (pid {})", p->name(), p->pid()), cpu, 0, now);
          return;
        }
      }
      const std::string who = f.pid ? fmt::format("pid {}", f.pid) : fmt::format("'{}'", f.process);
      // Workload servers are left alone: a request to an ended process's port gets no reply.
      const bool server = std::any_of(k.processes().begin(), k.processes().end(), [&](const auto& p) {
        return p->daemon() && !p->exited() && named(*p);
      });
      missed(f,
             server ? fmt::format("{} on cpu {} is a workload server, not a user process", who, f.cpu)
                    : fmt::format("no live user process {} on cpu {}", who, f.cpu),
             now);
      return;
    }
    default:
      return;  // lanes and packets: the bus applies them
  }
}

hw::Interconnect::Fate FaultInjector::fate(char lane, uint64_t now) {
  for (PacketFault& p : packet_) {
    if (now < p.f.at_cycle || (p.f.lane != 0 && p.f.lane != lane)) continue;
    bool hit;
    if (p.f.rate > 0) {
      hit = std::uniform_real_distribution<double>(0.0, 1.0)(p.rng) < p.f.rate;
    } else {
      hit = p.left > 0;
      if (hit) --p.left;
    }
    if (!hit) continue;
    applied(p.f.kind, to_string(p.f.kind), -1, lane, now);
    switch (p.f.kind) {
      case FaultKind::kDropPacket: return hw::Interconnect::Fate::kDrop;
      case FaultKind::kDropAck: return hw::Interconnect::Fate::kDropAck;
      default: return hw::Interconnect::Fate::kCorrupt;
    }
  }
  return hw::Interconnect::Fate::kDeliver;
}

void FaultInjector::applied(FaultKind k, const std::string& what, int cpu, char lane, uint64_t at) {
  ++c_.applied;
  ++c_.by_kind[static_cast<size_t>(k)];
  // Lane changes are drawn by the bus itself (lane X down / up).
  if (cpu >= 0) {
    rec_.fault_on_cpu(static_cast<uint32_t>(cpu), what, at);
  } else if (k != FaultKind::kLaneDown && k != FaultKind::kLaneUp) {
    rec_.fault_on_lane(lane, what, at);
  }
}

void FaultInjector::missed(const Fault& f, const std::string& why, uint64_t at) {
  ++c_.missed;
  missed_.push_back(fmt::format("{} at cycle {}: {}", to_string(f.kind), at, why));
  rec_.fault_on_cpu(f.cpu, fmt::format("{} missed: {}", to_string(f.kind), why), at);
}

void FaultInjector::register_stats(sim::Stats& s) const {
  s.counter("faults.applied", &c_.applied, "faults", "injected faults that happened (docs/faults.md)");
  s.counter("faults.missed", &c_.missed, "faults",
            "injected faults that found no target (a CPU already halted, no such live user process)");
  for (FaultKind k : kAllFaultKinds) {
    s.counter(std::string("faults.") + to_string(k), &c_.by_kind[static_cast<size_t>(k)], "faults",
              std::string(to_string(k)) + " faults applied (packet faults: packets hit)");
  }
}

std::string FaultInjector::summary() const {
  if (c_.applied == 0 && c_.missed == 0) return "";
  std::string parts;
  for (FaultKind k : kAllFaultKinds) {
    if (const uint64_t n = count(k)) parts += fmt::format("{}{} {}", parts.empty() ? "" : ", ", to_string(k), n);
  }
  std::string out = fmt::format("{} applied", c_.applied);
  if (!parts.empty()) out += " (" + parts + ")";
  if (c_.missed) {
    constexpr size_t kShown = 3;  // the summary line stays short; the trace has every one
    std::string why;
    for (size_t i = 0; i < std::min(kShown, missed_.size()); ++i) why += (i ? "; " : "") + missed_[i];
    if (missed_.size() > kShown) why += fmt::format("; {} more", missed_.size() - kShown);
    out += fmt::format(", {} missed ({})", c_.missed, why);
  }
  return out;
}

std::string FaultInjector::stall_cause() const {
  std::string out;
  for (const std::string& s : stuck_) out += s + "; ";
  return out;
}

std::vector<Fault> lane_flap_schedule(const Fault& flap, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::exponential_distribution<double> up_for(1.0 / static_cast<double>(flap.mean_up_cycles));
  std::exponential_distribution<double> down_for(1.0 / static_cast<double>(flap.mean_down_cycles));
  std::vector<Fault> out;
  auto at = [&](FaultKind k, uint64_t cycle) {
    Fault f = flap;
    f.kind = k;
    f.at_cycle = cycle;
    out.push_back(f);
  };
  // At least one cycle each way, so changes never share a cycle.
  for (uint64_t t = flap.at_cycle;;) {
    t += 1 + static_cast<uint64_t>(up_for(rng));
    if (t >= flap.until_cycle) break;
    at(FaultKind::kLaneDown, t);
    t += 1 + static_cast<uint64_t>(down_for(rng));
    at(FaultKind::kLaneUp, std::min(t, flap.until_cycle));
    if (t >= flap.until_cycle) break;
  }
  return out;
}

}  // namespace shadowsel::tb
