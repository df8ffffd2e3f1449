// SPDX-License-Identifier: MIT
#include "shadowsel/hw/interconnect.h"

#include <algorithm>

#include "shadowsel/hw/time.h"
#include "shadowsel/sim/failure.h"
#include "shadowsel/sim/waves.h"

namespace shadowsel::hw {

Interconnect::Interconnect(sc_core::sc_module_name name, const BusParams& params,
                           std::vector<BusInterface*> nodes, sim::Recorder& rec)
    : sc_module(name), p_(params), nodes_(std::move(nodes)), rec_(rec) {
  lanes_[0].name = 'X';
  lanes_[1].name = 'Y';
  // The bus keys are the same mechanism as a [[faults]] lane_down (docs/faults.md).
  if (params.x_down_at_cycle >= 0) schedule_lane(0, static_cast<uint64_t>(params.x_down_at_cycle), false);
  if (params.y_down_at_cycle >= 0) schedule_lane(1, static_cast<uint64_t>(params.y_down_at_cycle), false);
  for (Lane& l : lanes_) l.grants.assign(nodes_.size(), 0);
  for (BusInterface* n : nodes_) n->attach(this);
  SC_THREAD(run);
}

void Interconnect::schedule_lane(int lane, uint64_t cycle, bool up) {
  lanes_.at(static_cast<size_t>(lane)).events.emplace(cycle, up);
}

int64_t Interconnect::next_down(const Lane& l) {
  for (const auto& [cycle, up] : l.events) {
    if (!up) return static_cast<int64_t>(cycle);
  }
  return -1;
}

int64_t Interconnect::next_up(const Lane& l) {
  for (const auto& [cycle, up] : l.events) {
    if (up) return static_cast<int64_t>(cycle);
  }
  return -1;
}

void Interconnect::apply_lane_events(Lane& l, uint64_t now) {
  const int lane = static_cast<int>(&l - lanes_.data());
  while (!l.events.empty() && l.events.begin()->first <= now) {
    const auto [cycle, up] = *l.events.begin();
    l.events.erase(l.events.begin());
    // A scheduled change applied late (the bus was idle) keeps its cycle.
    if (up) {
      if (!l.up) set_up(lane, cycle);
    } else if (l.up) {
      set_down(lane, cycle);
    }
  }
}

void Interconnect::take_down(int lane) {
  if (lanes_[lane].up) set_down(lane, now_cycles());
}

void Interconnect::bring_up(int lane) {
  if (!lanes_[lane].up) set_up(lane, now_cycles());
}

void Interconnect::set_down(int lane, uint64_t at) {
  Lane& l = lanes_[lane];
  l.up = false;
  l.down_at = static_cast<int64_t>(at);
  if (l.busy) abort_transfer(l, now_cycles());
  if (!lanes_[1 - lane].up && no_lane_from_ < 0) {
    no_lane_from_ = static_cast<int64_t>(at);
    for (BusInterface* n : nodes_) n->no_lane(true, at);
  }
  rec_.lane_down(l.name, at);
  if (sim::Waves* w = rec_.waves()) w->lane_up(lane, false, at);
  if (lane_hook_) lane_hook_(l.name, false, at);
  kick();
}

void Interconnect::set_up(int lane, uint64_t at) {
  Lane& l = lanes_[lane];
  l.up = true;
  l.down_at = -1;
  if (no_lane_from_ >= 0) {
    ++no_lane_periods_;
    no_lane_cycles_ += at - static_cast<uint64_t>(no_lane_from_);
    no_lane_from_ = -1;
    for (BusInterface* n : nodes_) n->no_lane(false, at);
  }
  rec_.lane_up(l.name, at);
  if (sim::Waves* w = rec_.waves()) w->lane_up(lane, true, at);
  if (lane_hook_) lane_hook_(l.name, true, at);
  kick();
}

int64_t Interconnect::down_since(int lane) const {
  // The state the scheduled changes due by now give, applied or not yet.
  const Lane& l = lanes_[lane];
  bool up = l.up;
  int64_t since = l.down_at;
  const uint64_t now = now_cycles();
  for (const auto& [cycle, to_up] : l.events) {
    if (cycle > now) break;
    if (to_up) {
      up = true;
    } else if (up) {
      up = false;
      since = static_cast<int64_t>(cycle);
    }
  }
  return up ? -1 : since;
}

int64_t Interconnect::no_lane_since() const {
  const int64_t x = down_since(0), y = down_since(1);
  return x >= 0 && y >= 0 ? std::max(x, y) : -1;
}

bool Interconnect::lane_return_awaited() const {
  if (no_lane_since() < 0) return false;
  const bool waiting = std::any_of(nodes_.begin(), nodes_.end(),
                                   [](const BusInterface* n) { return n->busy_besides_liveness(); });
  return waiting && (next_up(lanes_[0]) >= 0 || next_up(lanes_[1]) >= 0);
}

void Interconnect::start_transfer(Lane& l, uint64_t now) {
  const uint32_t n = static_cast<uint32_t>(nodes_.size());
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t node = (l.next_rr + i) % n;
    BusInterface::Slot* s = nodes_[node]->offer(now, static_cast<int>(&l - lanes_.data()));
    if (!s) continue;
    s->lane = &l - lanes_.data();
    l.busy = true;
    l.slot = s;
    l.owner = node;
    l.start = now;
    l.end = now + p_.arb_cycles + transfer_cycles(p_, s->frame->bytes.size());
    l.next_rr = (node + 1) % n;
    ++l.grants[node];
    if (sim::Waves* w = rec_.waves()) {
      w->lane_transfer(static_cast<int>(&l - lanes_.data()), node, s->pending, ipb::to_string(s->frame->type()),
                       static_cast<uint32_t>(s->frame->bytes.size()), now);
    }
    return;
  }
}

void Interconnect::finish_transfer(Lane& l, uint64_t now) {
  BusInterface::Slot* s = l.slot;
  const FramePtr& f = s->frame;
  const uint64_t xfer = l.end - l.start - p_.arb_cycles;
  l.busy = false;
  l.slot = nullptr;
  s->lane = -1;
  ++l.c.transfers;
  ++l.c.by_type[static_cast<uint8_t>(f->type())];
  l.c.busy_cycles += xfer;
  l.c.busy_over_time.add(l.end - xfer, l.end);
  l.c.busy_by_type[static_cast<uint8_t>(f->type())] += xfer;
  l.c.arb_cycles += p_.arb_cycles;
  l.c.bytes += f->bytes.size();

  uint64_t refused = 0;
  const Fate fate = fate_ ? fate_(l.name, now) : Fate::kDeliver;
  const uint64_t addressed = s->pending;
  if (fate == Fate::kDrop) {
    // Lost on the wire: no receiver sees it and no acknowledgement comes back, which
    // the sender's BIU takes as a refusal by all of them: it sends it again.
    ++l.c.dropped_by_fault;
    refused = s->pending;
  } else {
    FramePtr wire = f;
    if (fate == Fate::kCorrupt) {
      // One byte damaged on the wire; the receivers' CRC check catches it and refuses
      // the frame, and the sender's intact copy goes again (docs/faults.md).
      ++l.c.corrupted_by_fault;
      auto bad = std::make_shared<Frame>(*f);
      bad->bytes[bad->bytes.size() / 2] ^= 0x5a;
      wire = std::move(bad);
    }
    for (uint64_t m = s->pending; m; m &= m - 1) {
      const uint32_t d = __builtin_ctzll(m);
      if (d >= nodes_.size() || nodes_[d]->receive(wire, static_cast<int>(&l - lanes_.data())) == BusInterface::Accept::kRefused) {
        refused |= 1ull << d;
      }
    }
    if (fate == Fate::kDropAck) {
      // The receivers acted on the frame but the sender hears nothing back: to it, all
      // refused. Those that took it will discard the copy by sequence number (and ack).
      ++l.c.acks_dropped_by_fault;
      refused = addressed;
    }
  }
  rec_.bus_transfer(l.name, l.owner, s->pending, ipb::to_string(f->type()),
                    static_cast<uint32_t>(f->bytes.size()), l.start, now,
                    refused ? sim::TransferOutcome::kRefused : sim::TransferOutcome::kDelivered, f->flow);
  if (sim::Waves* w = rec_.waves()) w->lane_idle(static_cast<int>(&l - lanes_.data()), now);
  if (refused) {
    ++l.c.refused;
    nodes_[l.owner]->retry(s, refused, now);
  } else {
    nodes_[l.owner]->complete(s);  // invalidates s
  }
}

void Interconnect::abort_transfer(Lane& l, uint64_t now) {
  BusInterface::Slot* s = l.slot;
  rec_.bus_transfer(l.name, l.owner, s->pending, ipb::to_string(s->frame->type()),
                    static_cast<uint32_t>(s->frame->bytes.size()), l.start, now,
                    sim::TransferOutcome::kAborted, s->frame->flow);
  if (sim::Waves* w = rec_.waves()) w->lane_idle(static_cast<int>(&l - lanes_.data()), now);
  s->lane = -1;
  l.busy = false;
  l.slot = nullptr;
  ++l.c.aborted;
}

void Interconnect::run() {
  sim::guarded("bus", [this] { loop(); });
}

void Interconnect::loop() {
  for (;;) {
    const uint64_t now = now_cycles();
    for (Lane& l : lanes_) apply_lane_events(l, now);
    for (Lane& l : lanes_) {
      if (l.busy && l.end == now) finish_transfer(l, now);
    }
    bool idle_lane = false;
    for (Lane& l : lanes_) {
      if (l.up && !l.busy) {
        start_transfer(l, now);
        idle_lane |= !l.busy;
      }
    }

    uint64_t next = UINT64_MAX;
    for (const Lane& l : lanes_) {
      if (l.busy) next = std::min(next, l.end);
      // Wake for a fault only when it cuts this transfer (see the header).
      const int64_t down = next_down(l);
      if (l.busy && down > static_cast<int64_t>(now) && static_cast<uint64_t>(down) < l.end) {
        next = std::min(next, static_cast<uint64_t>(down));
      }
    }
    if (idle_lane) {
      for (const BusInterface* n : nodes_) next = std::min(next, n->next_retry(now));
    }
    if (!lanes_[0].up && !lanes_[1].up) {
      // Both lanes down: senders keep their packets and wait. The lane's return is
      // applied lazily like any change, so wake for it when someone is waiting;
      // otherwise nobody may ever kick the bus again and the packets would never go.
      bool waiting = false;
      for (const BusInterface* n : nodes_) waiting |= n->tx_waiting();
      for (const Lane& l : lanes_) {
        const int64_t up = next_up(l);
        if (waiting && up >= 0) next = std::min(next, static_cast<uint64_t>(up));  // > now: due ones are applied
      }
    }
    if (next == UINT64_MAX) {
      wait(kick_);
    } else {
      wait(cycles(next - now), kick_);
    }
  }
}

void Interconnect::register_stats(sim::Stats& s, const std::string& prefix) const {
  s.counter(prefix + ".no_lane_periods", &no_lane_periods_, "periods",
            "times both lanes were down, ended by one coming back (senders waited meanwhile)");
  s.counter(prefix + ".no_lane_cycles", &no_lane_cycles_, "cycles",
            "cycles with both lanes down (the no_lane_periods together)");
  for (const Lane& l : lanes_) {
    const std::string p = prefix + "." + l.name + ".";
    s.counter(p + "transfers", &l.c.transfers, "packets", "frames moved; a multicast counts once");
    s.counter(p + "refused", &l.c.refused, "packets", "transfers refused by a full receiver");
    s.counter(p + "aborted", &l.c.aborted, "packets", "transfers cut by the lane going down");
    s.counter(p + "busy_cycles", &l.c.busy_cycles, "cycles", "cycles moving frames");
    s.counter(p + "arb_cycles", &l.c.arb_cycles, "cycles", "cycles arbitrating");
    s.counter(p + "bytes", &l.c.bytes, "bytes", "frame bytes moved");
    s.counter(p + "packets_dropped_by_fault", &l.c.dropped_by_fault, "packets",
              "transfers lost on the wire by a drop_packet fault, sent again");
    s.counter(p + "packets_corrupted_by_fault", &l.c.corrupted_by_fault, "packets",
              "transfers damaged on the wire by a corrupt_packet fault (receivers' CRC refuses them)");
    s.counter(p + "acks_dropped_by_fault", &l.c.acks_dropped_by_fault, "packets",
              "transfers whose acknowledgement a drop_ack fault lost: sent again, the copy discarded");
    for (auto t : ipb::kAllPacketType) {
      s.counter(p + "by_type." + ipb::to_string(t), &l.c.by_type[static_cast<uint8_t>(t)],
                "packets", "transfers of this packet type");
      s.counter(p + "busy_cycles_by_type." + ipb::to_string(t), &l.c.busy_by_type[static_cast<uint8_t>(t)],
                "cycles", "busy_cycles moving frames of this packet type");
    }
    s.series(p + "busy_cycles_over_time", &l.c.busy_over_time, "cycles",
             "busy_cycles in each window of window_cycles simulated cycles, from cycle 0");
    const LaneCounters* c = &l.c;
    s.formula(p + "utilisation", [c] {
      const uint64_t now = now_cycles();
      return now ? static_cast<double>(c->busy_cycles) / now : 0.0;
    }, "fraction", "busy_cycles / simulated cycles");
  }
}

}  // namespace shadowsel::hw
