// SPDX-License-Identifier: MIT
#include "shadowsel/hw/interconnect.h"

#include <algorithm>

#include "shadowsel/hw/time.h"
#include "shadowsel/sim/failure.h"

namespace shadowsel::hw {

Interconnect::Interconnect(sc_core::sc_module_name name, const BusParams& params,
                           std::vector<BusInterface*> nodes, sim::Recorder& rec)
    : sc_module(name), p_(params), nodes_(std::move(nodes)), rec_(rec) {
  lanes_[0].name = 'X';
  lanes_[0].down_at = params.x_down_at_cycle;
  lanes_[1].name = 'Y';
  lanes_[1].down_at = params.y_down_at_cycle;
  for (Lane& l : lanes_) l.grants.assign(nodes_.size(), 0);
  for (BusInterface* n : nodes_) n->attach(this);
  SC_THREAD(run);
}

void Interconnect::take_down(int lane) {
  Lane& l = lanes_[lane];
  if (!l.up) return;
  const int64_t now = static_cast<int64_t>(now_cycles());
  l.up = false;
  // A scheduled fault applied late (the bus was idle) keeps its cycle.
  if (l.down_at < 0 || l.down_at > now) l.down_at = now;
  if (l.busy) abort_transfer(l, now_cycles());
  rec_.lane_down(l.name, static_cast<uint64_t>(l.down_at));
  kick();
}

int64_t Interconnect::down_since(int lane) const {
  const Lane& l = lanes_[lane];
  if (!l.up) return l.down_at;
  return l.down_at >= 0 && static_cast<uint64_t>(l.down_at) <= now_cycles() ? l.down_at : -1;
}

void Interconnect::start_transfer(Lane& l, uint64_t now) {
  const uint32_t n = static_cast<uint32_t>(nodes_.size());
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t node = (l.next_rr + i) % n;
    BusInterface::Slot* s = nodes_[node]->offer(now);
    if (!s) continue;
    s->lane = &l - lanes_.data();
    l.busy = true;
    l.slot = s;
    l.owner = node;
    l.start = now;
    l.end = now + p_.arb_cycles + transfer_cycles(p_, s->frame->bytes.size());
    l.next_rr = (node + 1) % n;
    ++l.grants[node];
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
  l.c.arb_cycles += p_.arb_cycles;
  l.c.bytes += f->bytes.size();

  uint64_t refused = 0;
  for (uint64_t m = s->pending; m; m &= m - 1) {
    const uint32_t d = __builtin_ctzll(m);
    if (d >= nodes_.size() || nodes_[d]->receive(f) == BusInterface::Accept::kRefused) {
      refused |= 1ull << d;
    }
  }
  rec_.bus_transfer(l.name, l.owner, s->pending, ipb::to_string(f->type()),
                    static_cast<uint32_t>(f->bytes.size()), l.start, now,
                    refused ? sim::TransferOutcome::kRefused : sim::TransferOutcome::kDelivered);
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
                    sim::TransferOutcome::kAborted);
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
    for (Lane& l : lanes_) {
      if (l.up && l.down_at >= 0 && now >= static_cast<uint64_t>(l.down_at)) {
        take_down(&l - lanes_.data());
      }
    }
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
      if (l.busy && l.down_at > static_cast<int64_t>(now) && static_cast<uint64_t>(l.down_at) < l.end) {
        next = std::min(next, static_cast<uint64_t>(l.down_at));
      }
    }
    if (idle_lane) {
      for (const BusInterface* n : nodes_) next = std::min(next, n->next_retry(now));
    }
    if (next == UINT64_MAX) {
      wait(kick_);
    } else {
      wait(cycles(next - now), kick_);
    }
  }
}

void Interconnect::register_stats(sim::Stats& s, const std::string& prefix) const {
  for (const Lane& l : lanes_) {
    const std::string p = prefix + "." + l.name + ".";
    s.counter(p + "transfers", &l.c.transfers, "packets", "frames moved; a multicast counts once");
    s.counter(p + "refused", &l.c.refused, "packets", "transfers refused by a full receiver");
    s.counter(p + "aborted", &l.c.aborted, "packets", "transfers cut by the lane going down");
    s.counter(p + "busy_cycles", &l.c.busy_cycles, "cycles", "cycles moving frames");
    s.counter(p + "arb_cycles", &l.c.arb_cycles, "cycles", "cycles arbitrating");
    s.counter(p + "bytes", &l.c.bytes, "bytes", "frame bytes moved");
    for (auto t : ipb::kAllPacketType) {
      s.counter(p + "by_type." + ipb::to_string(t), &l.c.by_type[static_cast<uint8_t>(t)],
                "packets", "transfers of this packet type");
    }
    const LaneCounters* c = &l.c;
    s.formula(p + "utilisation", [c] {
      const uint64_t now = now_cycles();
      return now ? static_cast<double>(c->busy_cycles) / now : 0.0;
    }, "fraction", "busy_cycles / simulated cycles");
  }
}

}  // namespace shadowsel::hw
