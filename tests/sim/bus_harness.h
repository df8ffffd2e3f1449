// SPDX-License-Identifier: MIT
// Drives the bare hardware platform (no kernels) for bus tests: a traffic
// thread per test and a receiver per node that drains its buffer, optionally
// slowly, recording every frame with its arrival cycle.
#pragma once

#include <systemc>

#include <cstring>
#include <functional>
#include <memory>
#include <vector>

#include "shadowsel/hw/platform.h"
#include "shadowsel/hw/time.h"
#include "shadowsel/sim/failure.h"

namespace shadowsel::test {

struct Arrival {
  uint64_t cycle;
  hw::FramePtr frame;
};

class BusHarness : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(BusHarness);
  BusHarness(sc_core::sc_module_name n, const hw::MachineParams& p)
      : sc_module(n), params(p), rec(p.freq_mhz) {
    hw::init_time_resolution();
    platform = std::make_unique<hw::Platform>(params, rec);
    arrivals.resize(p.cpus);
    drain_cycles.assign(p.cpus, 0);
    for (uint32_t i = 0; i < p.cpus; ++i) {
      sc_core::sc_spawn([this, i] { drain(i); });
    }
  }
  // The bus thread, the drains and the traffic threads unwind while the platform exists.
  ~BusHarness() override { sim::release_processes(); }

  /// Sends `payload` from `src` to `dst_mask` now, via node memory at `addr`.
  void send(uint32_t src, uint64_t dst_mask, const std::vector<uint8_t>& payload,
            uint64_t addr = 0x1000, uint64_t cookie = 0, hw::PacketType type = hw::PacketType::kMsg) {
    hw::Node& n = platform->node(src);
    hw::TxRequest r;
    r.type = type;
    r.dst_mask = dst_mask;
    r.addr = addr;
    r.len = static_cast<uint32_t>(payload.size());
    r.cookie = cookie;
    n.memory().write(addr, payload);
    n.biu().post(r);
  }

  /// Runs `body` as a SystemC thread.
  void traffic(std::function<void()> body) { sc_core::sc_spawn(std::move(body)); }

  hw::MachineParams params;
  sim::Recorder rec;
  std::unique_ptr<hw::Platform> platform;
  std::vector<std::vector<Arrival>> arrivals;
  std::vector<uint64_t> drain_cycles;  ///< per node: cycles to take one frame (0: at once)

 private:
  void drain(uint32_t i) {
    hw::Node& n = platform->node(i);
    for (;;) {
      while (!n.biu().rx_empty()) {
        if (drain_cycles[i]) sc_core::wait(hw::cycles(drain_cycles[i]));
        arrivals[i].push_back({hw::now_cycles(), n.biu().rx_pop()});
      }
      sc_core::wait(n.irq().attention());
    }
  }
};

inline std::vector<uint8_t> pattern(uint32_t len, uint32_t salt) {
  std::vector<uint8_t> v(len);
  for (uint32_t i = 0; i < len; ++i) v[i] = static_cast<uint8_t>(salt * 131 + i * 7);
  return v;
}

}  // namespace shadowsel::test
