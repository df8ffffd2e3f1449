// SPDX-License-Identifier: MIT
// One CPU node's hardware: private memory, interrupt lines, a one-shot timer
// and the bus interface. The CPU's execution (and its scheduler) is software
// and lives in the driver's Kernel, which runs on this node.
#pragma once

#include <systemc>

#include <cstdint>

#include "shadowsel/hw/bus_interface.h"
#include "shadowsel/hw/interrupt.h"
#include "shadowsel/hw/memory.h"
#include "shadowsel/hw/params.h"

namespace shadowsel::hw {

class Node : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Node);
  Node(sc_core::sc_module_name name, uint32_t id, const MachineParams& params);

  uint32_t id() const { return id_; }
  Memory& memory() { return memory_; }
  InterruptController& irq() { return irq_; }
  BusInterface& biu() { return biu_; }

  /// Raises IrqLine::kTimer at `cycle` (replacing any earlier setting).
  void timer_arm(uint64_t cycle);
  void timer_disarm();
  /// Acknowledges the timer interrupt.
  void timer_ack() { irq_.lower(IrqLine::kTimer); }

 private:
  void timer_fire();

  uint32_t id_;
  Memory memory_;
  InterruptController irq_;
  BusInterface biu_;
  sc_core::sc_event timer_ev_;
};

}  // namespace shadowsel::hw
