// SPDX-License-Identifier: MIT
#include "shadowsel/hw/node.h"

#include "shadowsel/hw/notify_engine.h"
#include "shadowsel/hw/time.h"

namespace shadowsel::hw {

Node::Node(sc_core::sc_module_name name, uint32_t id, const MachineParams& params)
    : sc_module(name),
      id_(id),
      bus_nodes_(params.cpus),
      memory_(params.memory_bytes),
      biu_(id, params.bus, memory_, irq_) {
  SC_METHOD(timer_fire);
  sensitive << timer_ev_;
  dont_initialize();
}

Node::~Node() = default;

void Node::attach_engine(std::unique_ptr<NotifyEngine> e) {
  engine_ = std::move(e);
  biu_.attach_engine(engine_.get());
}

NetPort& Node::add_net_port() {
  if (!net_port_) net_port_ = std::make_unique<NetPort>(irq_);
  return *net_port_;
}

void Node::timer_arm(uint64_t cycle) {
  timer_ev_.cancel();
  const uint64_t now = now_cycles();
  timer_ev_.notify(cycles(cycle > now ? cycle - now : 0));
}

void Node::timer_disarm() { timer_ev_.cancel(); }

void Node::timer_fire() { irq_.raise(IrqLine::kTimer); }

}  // namespace shadowsel::hw
