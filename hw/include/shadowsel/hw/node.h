// SPDX-License-Identifier: MIT
// One CPU node's hardware: private memory, interrupt lines, a one-shot timer
// and the bus interface. The CPU's execution (and its scheduler) is software
// and lives in the driver's Kernel, which runs on this node. A node may also
// have a notify engine (null on the software path, --notify sw) and, on I/O
// nodes, a network port.
#pragma once

#include <systemc>

#include <cstdint>
#include <memory>

#include "shadowsel/hw/bus_interface.h"
#include "shadowsel/hw/interrupt.h"
#include "shadowsel/hw/memory.h"
#include "shadowsel/hw/net_port.h"
#include "shadowsel/hw/params.h"

namespace shadowsel::hw {

class NotifyEngine;

class Node : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Node);
  Node(sc_core::sc_module_name name, uint32_t id, const MachineParams& params);
  ~Node() override;

  uint32_t id() const { return id_; }
  /// Nodes on the bus, this one included.
  uint32_t bus_nodes() const { return bus_nodes_; }
  Memory& memory() { return memory_; }
  InterruptController& irq() { return irq_; }
  BusInterface& biu() { return biu_; }
  /// This node's notify engine, or nullptr when it has none (--notify sw).
  NotifyEngine* engine() { return engine_.get(); }
  const NotifyEngine* engine() const { return engine_.get(); }
  /// Installs the engine (during elaboration); the BIU routes engine packets to it.
  void attach_engine(std::unique_ptr<NotifyEngine> e);
  /// This node's network port (I/O nodes, during elaboration), and it or nullptr.
  NetPort& add_net_port();
  NetPort* net_port() { return net_port_ ? net_port_.get() : shared_port_; }
  /// A dual-ported controller (docs/faults.md, "Process pair"): `p`, another node's
  /// port, is reachable from this node too; it interrupts this node once switched here.
  void share_net_port(NetPort& p) { shared_port_ = &p; }

  /// Raises IrqLine::kTimer at `cycle` (replacing any earlier setting).
  void timer_arm(uint64_t cycle);
  void timer_disarm();
  /// Acknowledges the timer interrupt.
  void timer_ack() { irq_.lower(IrqLine::kTimer); }

 private:
  void timer_fire();

  uint32_t id_;
  uint32_t bus_nodes_;
  Memory memory_;
  InterruptController irq_;
  BusInterface biu_;
  std::unique_ptr<NotifyEngine> engine_;
  std::unique_ptr<NetPort> net_port_;
  NetPort* shared_port_ = nullptr;
  sc_core::sc_event timer_ev_;
};

}  // namespace shadowsel::hw
