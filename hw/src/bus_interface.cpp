// SPDX-License-Identifier: MIT
#include "shadowsel/hw/bus_interface.h"

#include <algorithm>
#include <stdexcept>

#include "shadowsel/hw/interconnect.h"
#include "shadowsel/hw/notify_engine.h"
#include "shadowsel/hw/time.h"

namespace shadowsel::hw {

BusInterface::BusInterface(uint32_t node, const BusParams& params, Memory& memory,
                           InterruptController& irq)
    : node_(node), p_(params), mem_(memory), irq_(irq) {
  for (auto& l : last_mseq_) l.fill(-1);
}

void BusInterface::post(const TxRequest& r) {
  if (r.prefix_len + r.len > p_.max_payload_bytes) {
    throw std::invalid_argument("packet payload exceeds bus max_payload_bytes");
  }
  if (r.dst_mask == 0) throw std::invalid_argument("packet without destination");
  if (r.lane >= 0 && ic_ && !ic_->lane_up(r.lane)) {
    ++c_.tx_lane_down_lost;
    return;
  }
  if (r.engine) ++engine_tx_outstanding_;
  if (tx_outstanding() == 0) outstanding_since_ = now_cycles();
  backlog_[vc_of(r.type)].push_back(r);
  refill();
}

std::list<BusInterface::Slot>::iterator BusInterface::erase_slot(std::list<Slot>::iterator it) {
  --in_window_[vc_of(it->frame->type())];
  if (it->pin >= 0) --pinned_in_window_;
  return window_.erase(it);
}

void BusInterface::refill() {
  bool added = false;
  for (const Vc vc : {kKernelVc, kEngineVc}) {
    auto& backlog = backlog_[vc];
    while (!backlog.empty() && in_window_[vc] < p_.tx_window_packets) {
      const TxRequest& r = backlog.front();
      // DMA gather: prefix from the request, the rest from memory.
      std::vector<uint8_t> payload(r.prefix_len + r.len);
      std::copy_n(r.prefix.begin(), r.prefix_len, payload.begin());
      if (r.len) mem_.read(r.addr, {payload.data() + r.prefix_len, r.len});
      // Liveness packets are always in the multicast format, whose sequence check
      // allows gaps: a pinned one whose lane is down never goes (drop_pinned_to_down_lanes).
      const bool mcast = popcount(r.dst_mask) > 1 || liveness_type(r.type);
      const uint16_t seq = mcast ? next_mseq_[vc]++ : next_useq_[vc][__builtin_ctzll(r.dst_mask)]++;
      Slot s{build_frame(r.type, node_, r.dst_mask, seq, payload, mcast, r.flow), r.dst_mask, mcast, 0, 0, -1,
             r.cookie, r.engine, r.lane, r.quiet};
      window_.push_back(std::move(s));
      window_.back().self = std::prev(window_.end());
      ++in_window_[vc];
      if (r.lane >= 0) ++pinned_in_window_;
      backlog.pop_front();
      added = true;
    }
  }
  if (added && ic_) ic_->kick();
}

BusInterface::Slot* BusInterface::offer(uint64_t now, int lane) {
  if (halted_) return nullptr;
  if (drop_pinned_to_down_lanes()) refill();
  // Destinations older packets of the same channel in the window still have to reach.
  std::array<uint64_t, kVcs> older{};
  for (Slot& s : window_) {
    uint64_t& o = older[vc_of(s.frame->type())];
    if (s.lane < 0 && (s.pin < 0 || s.pin == lane) && s.retry_at <= now && (s.pending & o) == 0) return &s;
    o |= s.pending;
  }
  return nullptr;
}

bool BusInterface::drop_pinned_to_down_lanes() {
  if (pinned_in_window_ == 0) return false;
  bool dropped = false;
  for (auto it = window_.begin(); it != window_.end();) {
    if (it->pin >= 0 && it->lane < 0 && ic_ && !ic_->lane_up(it->pin)) {
      ++c_.tx_lane_down_lost;
      if (it->engine) --engine_tx_outstanding_;
      it = erase_slot(it);
      dropped = true;
    } else {
      ++it;
    }
  }
  return dropped;
}

bool BusInterface::both_lanes_down() const { return ic_ && !ic_->lane_up(0) && !ic_->lane_up(1); }

bool BusInterface::busy_besides_liveness() const {
  if (halted_) return false;  // it offers nothing ever again
  for (const Slot& s : window_) {
    if (!liveness_type(s.frame->type())) return true;
  }
  for (const auto& b : backlog_) {
    for (const TxRequest& r : b) {
      if (!liveness_type(r.type)) return true;
    }
  }
  return false;
}

uint64_t BusInterface::next_retry(uint64_t now) const {
  uint64_t t = UINT64_MAX;
  if (halted_) return t;
  for (const Slot& s : window_) {
    if (s.lane < 0 && s.retry_at > now) t = std::min(t, s.retry_at);
  }
  return t;
}

void BusInterface::complete(Slot* s) {
  ++c_.tx_packets;
  const bool engine = s->engine;
  const bool quiet = s->quiet;
  if (!engine && !quiet) tx_done_.push_back(s->cookie);
  erase_slot(s->self);
  if (engine) {
    --engine_tx_outstanding_;
    if (engine_) engine_->kick();  // room again: it may hold a packet with tx_ready low
  } else if (tx_irq_enabled_ && !quiet) {
    irq_.raise(IrqLine::kBusTx);
  }
  refill();
}

void BusInterface::retry(Slot* s, uint64_t refused, uint64_t now) {
  ++c_.tx_retries;
  const uint64_t delay = p_.retry_delay(++s->refusals);
  s->retry_at = delay > UINT64_MAX - now ? UINT64_MAX : now + delay;
  if (refused != s->pending) {  // re-address the frame to the refusers only
    s->pending = refused;
    s->frame = build_frame(s->frame->type(), node_, refused, s->frame->seq(), s->frame->payload(),
                           s->multicast, s->frame->flow);
  }
}

uint64_t BusInterface::tx_done_pop() {
  const uint64_t c = tx_done_.front();
  tx_done_.pop_front();
  if (tx_done_.empty()) irq_.lower(IrqLine::kBusTx);
  return c;
}

void BusInterface::set_tx_irq_enabled(bool on) {
  tx_irq_enabled_ = on;
  if (on && !tx_done_.empty()) {
    irq_.raise(IrqLine::kBusTx);
  } else if (!on) {
    irq_.lower(IrqLine::kBusTx);
  }
}

BusInterface::Accept BusInterface::receive(const FramePtr& f, int lane) {
  if (halted_ || (engine_hung_ && engine_ && engine_type(f->type()))) {
    ++c_.rx_discarded_dead;
    return Accept::kDiscarded;
  }
  if (!f->check_ok()) {
    ++c_.rx_check_errors;
    return Accept::kRefused;  // the sender's copy is intact: have it sent again
  }
  if (duplicate(*f)) {
    // Taken before, its acknowledgement lost: acknowledge it again, even with a full
    // buffer, or the sender would retry for ever; never hand it up twice.
    ++c_.rx_duplicates;
    return Accept::kDiscarded;
  }
  const bool to_engine = engine_ && engine_type(f->type());
  // Without an engine ALIVE goes to the interface's own last-heard table: no buffer,
  // no interrupt, never refused.
  const bool to_table = !engine_ && f->type() == PacketType::kAlive;
  if (!to_table && (to_engine ? engine_rx_.size() : rx_.size()) >= p_.rx_buffer_packets) {
    ++c_.rx_refused;
    if (to_engine) ++c_.rx_engine_refused;
    return Accept::kRefused;
  }
  if (!to_engine && !to_table && admit_ && !admit_(*f)) {
    ++c_.rx_refused;
    ++c_.rx_not_admitted;
    return Accept::kRefused;
  }
  const uint32_t src = f->src();
  const uint16_t seq = f->seq();
  const Vc vc = vc_of(f->type());
  if (f->multicast()) {
    // Multicasts to other nodes leave gaps: only "newer" can be checked.
    const int32_t last = last_mseq_[vc][src];
    if (last >= 0 && static_cast<int16_t>(static_cast<uint16_t>(seq - last)) <= 0)
      ++c_.rx_seq_errors;
    last_mseq_[vc][src] = seq;
  } else {
    if (seq != expect_useq_[vc][src]) ++c_.rx_seq_errors;
    expect_useq_[vc][src] = static_cast<uint16_t>(seq + 1);
  }
  ++c_.rx_packets;
  if (f->type() == PacketType::kAlive) ++c_.rx_alive[lane];
  if (to_table) {
    alive_heard_[src] = now_cycles();
    return Accept::kAccepted;
  }
  if (to_engine) {
    engine_rx_.push_back(f);
    ++c_.rx_engine_packets;
    engine_->kick();
    return Accept::kAccepted;
  }
  rx_.push_back(f);
  c_.rx_buffer_peak = std::max<uint64_t>(c_.rx_buffer_peak, rx_.size());
  irq_.raise(IrqLine::kBusRx);
  return Accept::kAccepted;
}

bool BusInterface::duplicate(const Frame& f) const {
  const Vc vc = vc_of(f.type());
  const uint32_t src = f.src();
  if (f.multicast()) {
    const int32_t last = last_mseq_[vc][src];
    return last >= 0 && static_cast<int16_t>(static_cast<uint16_t>(f.seq() - last)) <= 0;
  }
  // Behind the expected number by 1..32768 (modulo 2^16): already taken. A sender's
  // window is a few packets, so a copy is never further behind than that.
  const uint16_t behind = static_cast<uint16_t>(expect_useq_[vc][src] - f.seq());
  return behind >= 1 && behind <= 0x8000;
}

void BusInterface::no_lane(bool down, uint64_t at) {
  if (down) {
    no_lane_from_ = static_cast<int64_t>(at);
    return;
  }
  if (no_lane_from_ < 0) return;
  // Waiting counts from the later of the lanes' loss and this node's first packet.
  const uint64_t from = std::max<uint64_t>(static_cast<uint64_t>(no_lane_from_), outstanding_since_);
  if (tx_waiting() && from < at) c_.tx_no_lane_cycles += at - from;
  no_lane_from_ = -1;
}

bool BusInterface::engine_type(PacketType t) {
  return t == PacketType::kNeSubscribe || t == PacketType::kNeUnsubscribe || t == PacketType::kNeNotify ||
         t == PacketType::kAlive;
}

FramePtr BusInterface::rx_pop() {
  FramePtr f = rx_.front();
  rx_.pop_front();
  if (rx_.empty()) irq_.lower(IrqLine::kBusRx);
  return f;
}

}  // namespace shadowsel::hw
