// SPDX-License-Identifier: MIT
#include "shadowsel/hw/notify_engine.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

#include "shadowsel/gen/ipb.h"
#include "shadowsel/gen/ne.h"
#include "shadowsel/hw/node.h"
#include "shadowsel/hw/time.h"
#include "shadowsel/sim/failure.h"
#include "shadowsel/sim/waves.h"

namespace shadowsel::hw {

NotifyEngine::NotifyEngine(sc_core::sc_module_name name, Node& node,
                           std::unique_ptr<ne::Core> core, sim::Recorder& rec)
    : sc_module(name), node_(node), core_(std::move(core)), rec_(rec) {
  if (!core_) throw std::invalid_argument("notify engine without a core");
  SC_THREAD(run);
}

NotifyEngine::~NotifyEngine() = default;

uint32_t NotifyEngine::mmio_read(uint32_t addr) { return access(false, addr, 0); }

void NotifyEngine::mmio_write(uint32_t addr, uint32_t data) { access(true, addr, data); }

uint32_t NotifyEngine::access(bool write, uint32_t addr, uint32_t data) {
  if (addr >= gen::ne::kMmioBytes) {
    throw std::out_of_range(fmt::format("notify engine MMIO address 0x{:x} beyond its {}-byte window",
                                        addr, gen::ne::kMmioBytes));
  }
  sc_core::sc_event done;
  Access a{write, addr, data, 0, false, &done};
  const uint64_t start = now_cycles();
  requests_.push_back(&a);
  kick();
  // The calling CPU stalls here: no other code of its runs until the response.
  while (!a.done) sc_core::wait(done);
  c_.mmio_stall_cycles += now_cycles() - start;
  return a.rdata;
}

void NotifyEngine::hang() {
  hung_ = true;
  node_.biu().engine_hung();
  kick();  // an idle engine notices at once
}

void NotifyEngine::run() {
  sim::guarded("cpu " + std::to_string(node_.id()) + " notify engine", [this] {
    try {
      loop();
    } catch (const ne::LockstepMismatch& e) {
      mismatch_ = e.what();
      throw;  // guarded() reports it and stops the run
    }
  });
}

bool NotifyEngine::work_waiting() const {
  return !requests_.empty() || !responses_.empty() || !node_.biu().engine_rx_empty();
}

void NotifyEngine::loop() {
  // Power-on reset for the first kResetCycles cycles (as the RTL testbench does). No
  // request can be taken during them, so they are clocked back to back without waiting.
  constexpr uint64_t kResetCycles = 4;
  const uint64_t t0 = now_cycles();
  if (sim::Waves* w = rec_.waves()) w->engine_clocked(node_.id(), true, t0);
  for (uint64_t i = 0; i < kResetCycles; ++i) {
    ne::Inputs in;
    in.rst_n = false;
    in.now = (t0 + i) & ne::kNoDeadline;
    core_->cycle(in);
    ++c_.cycles_clocked;
  }
  next_cycle_ = t0 + kResetCycles;
  out_.wake_at = ne::kNoDeadline;  // after reset: nothing to do until work arrives
  bool busy = false;
  for (;;) {
    while (hung_) sc_core::wait(never_);
    if (!busy) {
      // Idle: the core's state does not change until an input does or `now` reaches
      // wake_at, so stop clocking it (BRIEF §4: idle time costs nothing).
      if (busy_since_ < next_cycle_ && c_.wakeups) rec_.engine_busy(node_.id(), busy_since_, next_cycle_);
      if (sim::Waves* w = rec_.waves()) w->engine_clocked(node_.id(), false, next_cycle_);
      const uint64_t wake_at = out_.wake_at;
      while (wake_at > next_cycle_ && !work_waiting()) {
        const uint64_t now = now_cycles();
        if (now >= wake_at) break;
        if (wake_at >= ne::kNoDeadline) {
          sc_core::wait(work_);
        } else {
          sc_core::wait(cycles(wake_at - now), work_);
        }
        ++c_.activations;
        while (hung_) sc_core::wait(never_);
      }
      ++c_.wakeups;
      busy_since_ = std::max(now_cycles(), next_cycle_);
      if (sim::Waves* w = rec_.waves()) w->engine_clocked(node_.id(), true, busy_since_);
    }
    if (now_cycles() < next_cycle_) {
      sc_core::wait(cycles(next_cycle_ - now_cycles()));
      ++c_.activations;
    }
    busy = step();
  }
}

bool NotifyEngine::step() {
  const uint64_t now = now_cycles();
  BusInterface& biu = node_.biu();
  ne::Inputs in;
  in.now = now & ne::kNoDeadline;
  if (!requests_.empty()) {
    const Access& a = *requests_.front();
    in.mmio_req_valid = true;
    in.mmio_req_write = a.write;
    in.mmio_req_addr = a.addr;
    in.mmio_req_wdata = a.wdata;
  }
  in.tx_ready = biu.engine_tx_ready();
  if (!biu.engine_rx_empty()) {
    const Frame& f = *biu.engine_rx_front();
    const auto payload = f.payload();
    in.rx_valid = true;
    in.rx_type = static_cast<uint8_t>(f.type());
    in.rx_src = static_cast<uint8_t>(f.src() & 0x3f);
    in.rx_len = static_cast<uint8_t>(std::min<size_t>(payload.size(), 255));
    std::copy_n(payload.begin(), std::min(payload.size(), in.rx_payload.size()),
                in.rx_payload.begin());
  }
  in.dma_ready = true;  // node memory takes a record write in the cycle it is offered (kDmaCyclesPerRecord)

  out_ = core_->cycle(in);
  ++c_.cycles_clocked;
  next_cycle_ = now + 1;

  if (in.mmio_req_valid && out_.mmio_req_ready) {
    Access* a = requests_.front();
    requests_.pop_front();
    responses_.push_back(a);
    ++(a->write ? c_.mmio_writes : c_.mmio_reads);
    if (a->write) show_ring_write(a->addr, a->wdata, now);
    if (a->write && a->addr == gen::ne::kRegCmd && cmd_flow_) {
      flow_ = std::exchange(cmd_flow_, 0);
      rec_.engine_step(node_.id(), "command", now, fmt::format(R"J("cmd":{})J", a->wdata), flow_, true);
    }
  }
  if (out_.mmio_rsp_valid) {
    if (responses_.empty()) throw std::logic_error("notify engine answered an MMIO request nobody made");
    Access* a = responses_.front();
    responses_.pop_front();
    a->rdata = out_.mmio_rsp_rdata;
    a->done = true;
    // The response is taken at the clock edge ending this cycle: the CPU goes on in the next.
    a->done_ev->notify(cycles(1));
  }
  if (out_.tx_valid) {
    if (in.tx_ready) {
      transmit();
    } else {
      ++c_.tx_stall_cycles;
    }
  }
  if (in.rx_valid && out_.rx_ready) {
    const Frame& f = *biu.engine_rx_front();
    if (f.flow) flow_ = f.flow;
    if (rec_.tracing()) {
      rec_.engine_step(node_.id(), "rx", now,
                       fmt::format(R"J("type":"{}","src":{})J", ipb::to_string(f.type()), f.src()), f.flow, true);
    }
    biu.engine_rx_pop();
    ++c_.rx_packets;
  }
  if (out_.dma_valid && in.dma_ready) {
    const size_t n = std::min<size_t>(out_.dma_bytes, out_.dma_data.size());
    node_.memory().write(out_.dma_addr, {out_.dma_data.data(), n});
    ++c_.dma_writes;
    if (sim::Waves* w = rec_.waves()) w->engine_head(node_.id(), ++ring_head_, now);
    if (rec_.tracing()) {
      rec_.engine_step(node_.id(), "record", now,
                       fmt::format(R"J("addr":"0x{:x}","kind":"{}")J", out_.dma_addr,
                                   gen::ne::to_string(static_cast<gen::ne::RecordKind>(out_.dma_data[0]))),
                       flow_, true);
      rec_.ring_record_flow(node_.id(), out_.dma_addr, flow_);
      rec_.ring_records(node_.id(), +1, now);
    }
  }
  if (out_.irq != irq_) {
    irq_ = out_.irq;
    if (irq_) {
      node_.irq().raise(IrqLine::kNotifyEngine);
      ++c_.irq_raised;
    } else {
      node_.irq().lower(IrqLine::kNotifyEngine);
    }
    rec_.engine_event(node_.id(), irq_ ? "irq raised" : "irq lowered", now);
    if (sim::Waves* w = rec_.waves()) w->engine_irq(node_.id(), irq_, now);
  }
  // Keep clocking while the core works or a handshake of this cycle may change its
  // state at the edge (idle describes the state before the edge).
  return !out_.idle || in.mmio_req_valid || in.rx_valid || out_.tx_valid || out_.dma_valid ||
         out_.mmio_rsp_valid || work_waiting();
}

void NotifyEngine::show_ring_write(uint32_t addr, uint32_t data, uint64_t now) {
  sim::Waves* w = rec_.waves();
  if (!w) return;
  // RING_HEAD counts the records written since RING_BASE or RING_SIZE was written, which
  // also clear RING_TAIL (ne.yaml).
  if (addr == gen::ne::kRegRingBase || addr == gen::ne::kRegRingSize) {
    ring_head_ = 0;
    w->engine_head(node_.id(), 0, now);
    w->engine_tail(node_.id(), 0, now);
  } else if (addr == gen::ne::kRegRingTail) {
    w->engine_tail(node_.id(), data, now);
  }
}

void NotifyEngine::transmit() {
  const uint64_t now = now_cycles();
  BusInterface& biu = node_.biu();
  // Only nodes that exist: a frame to a missing node would be retried forever.
  const uint32_t nodes = node_.bus_nodes();
  const uint64_t present = nodes >= 64 ? ~uint64_t{0} : (uint64_t{1} << nodes) - 1;
  TxRequest r;
  r.type = static_cast<PacketType>(out_.tx_type);
  r.dst_mask = out_.tx_dst_mask & present;
  r.prefix_len = std::min<uint8_t>(out_.tx_len, static_cast<uint8_t>(out_.tx_payload.size()));
  std::copy_n(out_.tx_payload.begin(), r.prefix_len, r.prefix.begin());
  r.engine = true;
  // Liveness packets belong to no chain.
  if (r.type == PacketType::kNeSubscribe || r.type == PacketType::kNeUnsubscribe || r.type == PacketType::kNeNotify)
    r.flow = flow_;
  if (rec_.tracing()) {
    rec_.engine_step(node_.id(), "tx", now,
                     fmt::format(R"J("type":"{}","dst_mask":"0x{:x}")J", ipb::to_string(r.type), out_.tx_dst_mask),
                     r.flow, true);
  }
  if (r.dst_mask == 0) {
    ++c_.tx_unroutable;
    return;
  }
  biu.post(r);
  ++c_.tx_packets;
  if (r.type == PacketType::kNeNotify) {
    const bool notify = gen::ipb::ne_notify::get_kind(out_.tx_payload.data()) ==
                        static_cast<uint8_t>(gen::ipb::NeNotifyKind::kNotify);
    ++(notify ? c_.tx_notifies : c_.tx_answers);
  }
}

void NotifyEngine::register_stats(sim::Stats& s, const std::string& prefix) const {
  const std::string p = prefix + ".";
  s.counter(p + "cycles_clocked", &c_.cycles_clocked, "cycles", "cycles the engine's core was clocked");
  s.counter(p + "wakeups", &c_.wakeups, "events", "times the engine's clock restarted after idling");
  s.counter(p + "mmio_reads", &c_.mmio_reads, "accesses", "register reads by the CPU");
  s.counter(p + "mmio_writes", &c_.mmio_writes, "accesses", "register writes by the CPU");
  s.counter(p + "mmio_stall_cycles", &c_.mmio_stall_cycles, "cycles",
            "cycles the CPU waited for register accesses");
  s.counter(p + "tx_packets", &c_.tx_packets, "packets", "packets handed to the bus interface");
  s.counter(p + "tx_answers", &c_.tx_answers, "packets",
            "NE_NOTIFY packets of kind ANSWER sent (ANSWER commands and the engine's own answers)");
  s.counter(p + "tx_notifies", &c_.tx_notifies, "packets",
            "NE_NOTIFY packets of kind NOTIFY sent (NOTIFY commands and PUBLISH), one per multicast");
  s.counter(p + "tx_stall_cycles", &c_.tx_stall_cycles, "cycles",
            "cycles a packet waited for the bus interface (its engine window full)");
  s.counter(p + "tx_unroutable", &c_.tx_unroutable, "packets",
            "packets addressed to no existing node, not sent");
  s.counter(p + "rx_packets", &c_.rx_packets, "packets", "packets taken from the bus interface");
  s.counter(p + "dma_writes", &c_.dma_writes, "records", "ready records written to node memory");
  s.counter(p + "irq_raised", &c_.irq_raised, "interrupts", "rising edges of the interrupt line");
}

}  // namespace shadowsel::hw
