// SPDX-License-Identifier: MIT
// A node's interrupt lines. Lines are level-sensitive: a source holds its line
// raised until the handler has drained it. The CPU side waits on attention().
#pragma once

#include <systemc>

#include <cstdint>

namespace shadowsel::hw {

enum class IrqLine : uint32_t {
  kBusRx = 0,         ///< the bus interface's receive buffer holds frames
  kTimer = 1,         ///< the node timer expired
  kBusTx = 2,         ///< transmit completions are pending (when enabled)
  kNotifyEngine = 3,  ///< reserved for the notify engine
  kNetPort = 4,       ///< the network port's receive ring holds frames (I/O nodes)
};
constexpr uint32_t kIrqLines = 5;

/// The line's name in stats.json (cpu.N.interrupts_by_line.NAME).
constexpr const char* irq_line_name(uint32_t line) {
  constexpr const char* kNames[kIrqLines] = {"bus_rx", "timer", "bus_tx", "notify_engine", "net_port"};
  return line < kIrqLines ? kNames[line] : "unknown";
}

class InterruptController {
 public:
  void raise(IrqLine l) {
    const uint32_t bit = 1u << static_cast<uint32_t>(l);
    if (!(pending_ & bit)) {
      pending_ |= bit;
      attention_.notify(sc_core::SC_ZERO_TIME);
    }
  }
  void lower(IrqLine l) { pending_ &= ~(1u << static_cast<uint32_t>(l)); }
  uint32_t pending() const { return pending_; }
  bool is_pending(IrqLine l) const { return pending_ & (1u << static_cast<uint32_t>(l)); }
  const sc_core::sc_event& attention() const { return attention_; }
  /// Wakes whatever waits on attention() without raising a line: the CPU must look at
  /// its state (a fault halted it or killed its process; docs/faults.md).
  void poke() { attention_.notify(sc_core::SC_ZERO_TIME); }

 private:
  uint32_t pending_ = 0;
  sc_core::sc_event attention_;
};

}  // namespace shadowsel::hw
