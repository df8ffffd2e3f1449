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
  if (r.engine) ++engine_tx_outstanding_;
  backlog_[vc_of(r.type)].push_back(r);
  refill();
}

size_t BusInterface::in_window(Vc vc) const {
  return static_cast<size_t>(std::count_if(window_.begin(), window_.end(), [vc](const Slot& s) {
    return vc_of(s.frame->type()) == vc;
  }));
}

void BusInterface::refill() {
  bool added = false;
  for (const Vc vc : {kKernelVc, kEngineVc}) {
    auto& backlog = backlog_[vc];
    while (!backlog.empty() && in_window(vc) < p_.tx_window_packets) {
      const TxRequest& r = backlog.front();
      // DMA gather: prefix from the request, the rest from memory.
      std::vector<uint8_t> payload(r.prefix_len + r.len);
      std::copy_n(r.prefix.begin(), r.prefix_len, payload.begin());
      if (r.len) mem_.read(r.addr, {payload.data() + r.prefix_len, r.len});
      const bool mcast = popcount(r.dst_mask) > 1;
      const uint16_t seq = mcast ? next_mseq_[vc]++ : next_useq_[vc][__builtin_ctzll(r.dst_mask)]++;
      Slot s{build_frame(r.type, node_, r.dst_mask, seq, payload, mcast), r.dst_mask, mcast, 0, 0, -1,
             r.cookie, r.engine};
      window_.push_back(std::move(s));
      backlog.pop_front();
      added = true;
    }
  }
  if (added && ic_) ic_->kick();
}

BusInterface::Slot* BusInterface::offer(uint64_t now) {
  if (halted_) return nullptr;
  // Destinations older packets of the same channel in the window still have to reach.
  std::array<uint64_t, kVcs> older{};
  for (Slot& s : window_) {
    uint64_t& o = older[vc_of(s.frame->type())];
    if (s.lane < 0 && s.retry_at <= now && (s.pending & o) == 0) return &s;
    o |= s.pending;
  }
  return nullptr;
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
  if (!engine) tx_done_.push_back(s->cookie);
  window_.remove_if([s](const Slot& x) { return &x == s; });
  if (engine) {
    --engine_tx_outstanding_;
    if (engine_) engine_->kick();  // room again: it may hold a packet with tx_ready low
  } else if (tx_irq_enabled_) {
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
                           s->multicast);
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

BusInterface::Accept BusInterface::receive(const FramePtr& f) {
  if (halted_ || (engine_hung_ && engine_ && engine_type(f->type()))) {
    ++c_.rx_discarded_dead;
    return Accept::kDiscarded;
  }
  if (!f->check_ok()) {
    ++c_.rx_check_errors;
    return Accept::kRefused;  // the sender's copy is intact: have it sent again
  }
  const bool to_engine = engine_ && engine_type(f->type());
  if ((to_engine ? engine_rx_.size() : rx_.size()) >= p_.rx_buffer_packets) {
    ++c_.rx_refused;
    if (to_engine) ++c_.rx_engine_refused;
    return Accept::kRefused;
  }
  if (!to_engine && admit_ && !admit_(*f)) {
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

bool BusInterface::engine_type(PacketType t) {
  return t == PacketType::kNeSubscribe || t == PacketType::kNeNotify || t == PacketType::kAlive;
}

FramePtr BusInterface::rx_pop() {
  FramePtr f = rx_.front();
  rx_.pop_front();
  if (rx_.empty()) irq_.lower(IrqLine::kBusRx);
  return f;
}

}  // namespace shadowsel::hw
