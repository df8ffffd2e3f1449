// SPDX-License-Identifier: MIT
// The bare hardware platform with a notify engine per node and no kernels: test threads
// play the CPUs, reaching the engines by MMIO and waiting on their interrupt lines.
#pragma once

#include <systemc>

#include <functional>
#include <memory>
#include <vector>

#include "shadowsel/hw/notify_engine.h"
#include "shadowsel/hw/platform.h"
#include "shadowsel/hw/time.h"
#include "shadowsel/sim/failure.h"

namespace shadowsel::test {

class EngineHarness {
 public:
  EngineHarness(const hw::MachineParams& p, const hw::CoreFactory& make_core)
      : params(p), rec(p.freq_mhz) {
    hw::init_time_resolution();
    platform = std::make_unique<hw::Platform>(params, rec, make_core);
  }
  // The engines' threads and the test's CPU threads unwind while the platform exists.
  ~EngineHarness() { sim::release_processes(); }

  hw::Node& node(uint32_t i) { return platform->node(i); }
  hw::NotifyEngine& engine(uint32_t i) { return *platform->node(i).engine(); }

  /// Runs `body` as a SystemC thread (a CPU's kernel code).
  void cpu(std::function<void()> body) { sc_core::sc_spawn(std::move(body)); }

  /// Waits (in a CPU thread) until node `i`'s notify engine interrupt is raised.
  void wait_irq(uint32_t i) {
    while (!node(i).irq().is_pending(hw::IrqLine::kNotifyEngine)) {
      sc_core::wait(node(i).irq().attention());
    }
  }

  hw::MachineParams params;
  sim::Recorder rec;
  std::unique_ptr<hw::Platform> platform;
};

}  // namespace shadowsel::test
