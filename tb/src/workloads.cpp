// SPDX-License-Identifier: MIT
// Traffic generators: the simulated processes each workload kind spawns
// (docs/scenarios.md describes them). Randomness comes from one generator per
// CPU seeded from the scenario's seed, so a run is reproducible.
#include <cstdint>
#include <memory>
#include <random>
#include <stdexcept>
#include <vector>

#include "shadowsel/driver/kernel.h"
#include "shadowsel/tb/posix_workloads.h"
#include "shadowsel/tb/simulation.h"

namespace shadowsel::tb {
namespace {

using drv::Address;
using drv::Process;

class Rng {
 public:
  Rng(uint64_t seed, uint32_t cpu) : g_(seed * 0x9E3779B97F4A7C15ull + cpu + 1) {}
  /// Uniform in [lo, hi]; modulo bias is irrelevant at these ranges.
  uint64_t between(uint64_t lo, uint64_t hi) { return hi <= lo ? lo : lo + g_() % (hi - lo + 1); }

 private:
  std::mt19937_64 g_;
};

struct Traffic {
  explicit Traffic(const WorkloadParams& w, uint64_t seed, uint32_t cpu) : w(w), rng(seed, cpu) {}
  std::vector<uint8_t> payload(uint32_t cpu, uint32_t n) {
    const uint32_t len = static_cast<uint32_t>(rng.between(w.bytes, std::max(w.bytes, w.bytes_max)));
    std::vector<uint8_t> d(len);
    for (uint32_t i = 0; i < len; ++i) d[i] = static_cast<uint8_t>(cpu * 31 + n * 7 + i);
    return d;
  }
  uint64_t think() {
    const uint64_t j = w.think_jitter_cycles;
    return rng.between(w.think_cycles - j, w.think_cycles + j);
  }
  WorkloadParams w;
  Rng rng;
};

/// Answers every request with reply_bytes bytes; runs forever.
void server(Process& self, uint32_t reply_bytes) {
  const std::vector<uint8_t> answer(reply_bytes, 0xA5);
  for (;;) {
    drv::Message m = self.receive();
    if (m.kind == gen::ipb::MsgKind::kRequest) self.reply(m, answer);
  }
}

/// Takes `count` messages.
void sink(Process& self, uint64_t count) {
  for (uint64_t n = 0; n < count; ++n) self.receive();
}

void install_ring(Simulation& sim) {
  const WorkloadParams& w = sim.scenario().workload;
  const uint32_t n = sim.cpus();
  std::vector<Address> servers;
  for (uint32_t c = 0; c < n; ++c) {
    servers.push_back(sim.kernel(c).spawn("server", [w](Process& p) { server(p, w.reply_bytes); },
                                          /*daemon=*/true).address());
  }
  for (uint32_t c = 0; c < n; ++c) {
    auto t = std::make_shared<Traffic>(w, sim.scenario().machine.seed, c);
    const Address ring = servers[(c + 1) % n];
    const Address across = servers[(c + n / 2) % n];
    sim.kernel(c).spawn("client", [t, ring, across, c](Process& p) {
      for (uint32_t i = 0; i < t->w.messages; ++i) {
        p.compute(t->think());
        const auto request = t->payload(c, i);
        const auto reply = p.call(i % 2 ? across : ring, request);
        if (reply.size() != t->w.reply_bytes) throw std::runtime_error("short reply");
      }
    });
  }
}

// Senders post back to back; when done, each sends a "done" request to every
// other CPU's sink. Packets between two nodes stay in order, so a sink that
// has every sender's "done" has taken everything: the run ends on delivery.
void install_saturate(Simulation& sim) {
  const WorkloadParams& w = sim.scenario().workload;
  const uint32_t n = sim.cpus();
  std::vector<Address> sinks;
  for (uint32_t c = 0; c < n; ++c) {
    sinks.push_back(sim.kernel(c).spawn("sink", [n](Process& p) {
      for (uint32_t done = 0; done < n - 1;) {
        drv::Message m = p.receive();
        if (m.kind == gen::ipb::MsgKind::kRequest) {
          p.reply(m, {});
          ++done;
        }
      }
    }).address());
  }
  for (uint32_t c = 0; c < n; ++c) {
    auto t = std::make_shared<Traffic>(w, sim.scenario().machine.seed, c);
    sim.kernel(c).spawn("sender", [t, sinks, c, n](Process& p) {
      for (uint32_t i = 0; i < t->w.messages; ++i) {
        if (t->w.think_cycles) p.compute(t->think());
        const uint32_t to = static_cast<uint32_t>((c + 1 + t->rng.between(0, n - 2)) % n);
        p.post(sinks[to], t->payload(c, i));
      }
      for (uint32_t k = 1; k < n; ++k) p.call(sinks[(c + k) % n], {});
    });
  }
}

void install_idle_gap(Simulation& sim) {
  const WorkloadParams& w = sim.scenario().workload;
  const Address receiver =
      sim.kernel(1).spawn("receiver", [](Process& p) { sink(p, 2); }).address();
  auto t = std::make_shared<Traffic>(w, sim.scenario().machine.seed, 0);
  sim.kernel(0).spawn("sender", [t, receiver](Process& p) {
    p.post(receiver, t->payload(0, 0));
    p.sleep(t->w.gap_cycles);
    p.post(receiver, t->payload(0, 1));
  });
}

}  // namespace

void install_workload(Simulation& sim) {
  const std::string& kind = sim.scenario().workload.kind;
  if (kind == "ring") {
    install_ring(sim);
  } else if (kind == "saturate") {
    install_saturate(sim);
  } else if (kind == "idle_gap") {
    install_idle_gap(sim);
  } else if (kind == "dedup") {
    install_dedup(sim);
  } else if (kind == "pipeline") {
    install_pipeline(sim);
  } else if (kind == "socket_server") {
    install_socket_server(sim);
  } else if (kind == "net_server") {
    install_net_server(sim);
  } else if (kind == "net_echo") {
    install_net_echo(sim);
  } else if (kind == "tty_echo") {
    install_tty_echo(sim);
  } else {
    throw std::invalid_argument("unknown workload kind " + kind);
  }
}

}  // namespace shadowsel::tb
