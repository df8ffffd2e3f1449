// SPDX-License-Identifier: MIT
#include "ne_model.h"

#include <algorithm>
#include <cstdio>

#include "shadowsel/gen/ipb.h"
#include "shadowsel/gen/ne.h"
#include "shadowsel/ne/payloads.h"
#include "ne/hash.h"  // hw/src: table_hash, the slot of a key (as rtl/ne/ne_hash.sv)

namespace ne_tb {

namespace ne = shadowsel::gen::ne;
namespace ipb = shadowsel::gen::ipb;

namespace {

uint64_t bit(int n) { return uint64_t{1} << n; }

unsigned clog2(int n) {
  unsigned w = 0;
  while ((1 << w) < n) ++w;
  return w;
}

uint64_t sat48(uint64_t a, uint64_t b) {
  const uint64_t s = a + b;
  return s > kNoDeadline ? kNoDeadline : s;
}

bool is_engine_type(uint8_t t) {
  return t == static_cast<uint8_t>(ipb::PacketType::kNeSubscribe) ||
         t == static_cast<uint8_t>(ipb::PacketType::kNeUnsubscribe) ||
         t == static_cast<uint8_t>(ipb::PacketType::kNeNotify) ||
         t == static_cast<uint8_t>(ipb::PacketType::kAlive);
}

TxPkt notify_pkt(uint64_t mask, uint32_t object, uint8_t event, uint32_t version, uint8_t state,
                 ipb::NeNotifyKind kind, bool ready, uint32_t stamp) {
  TxPkt p;
  p.type = static_cast<uint8_t>(ipb::PacketType::kNeNotify);
  p.mask = mask;
  p.len = ipb::ne_notify::kBytes;
  p.payload = shadowsel::ne::notify_payload(object, event, version, state, kind, ready, stamp);
  return p;
}

// The packet a command of ne_lit sends for key k: NE_SUBSCRIBE (ARM) or NE_UNSUBSCRIBE
// (CANCEL), the ne_subscribe payload, to the owner.
TxPkt key_pkt(ipb::PacketType type, const Model::Key& k) {
  TxPkt p;
  p.type = static_cast<uint8_t>(type);
  p.mask = bit(k.owner);
  p.len = ipb::ne_subscribe::kBytes;
  p.payload = shadowsel::ne::subscribe_payload(k.object, k.event, k.version);
  return p;
}

}  // namespace

Bytes32 Model::format(const Rec& r, uint32_t seq) {
  Bytes32 b{};
  namespace rr = ne::ready_record;
  rr::set_kind(b.data(), r.kind);
  rr::set_src(b.data(), r.src);
  rr::set_event(b.data(), r.event);
  rr::set_state(b.data(), r.state);
  rr::set_object(b.data(), r.object);
  rr::set_version(b.data(), r.version);
  rr::set_ready(b.data(), r.ready);
  rr::set_seq(b.data(), seq & ((1u << rr::kSeqWidth) - 1));
  rr::set_stamp(b.data(), r.stamp);
  return b;
}

Model::Rec Model::unformat(const Bytes32& b) {
  namespace rr = ne::ready_record;
  Rec r;
  r.kind = static_cast<uint8_t>(rr::get_kind(b.data()));
  r.src = static_cast<uint8_t>(rr::get_src(b.data()));
  r.event = static_cast<uint8_t>(rr::get_event(b.data()));
  r.state = static_cast<uint8_t>(rr::get_state(b.data()));
  r.object = static_cast<uint32_t>(rr::get_object(b.data()));
  r.version = static_cast<uint32_t>(rr::get_version(b.data()));
  r.ready = rr::get_ready(b.data()) != 0;
  r.stamp = static_cast<uint32_t>(rr::get_stamp(b.data()));
  return r;
}

std::string Model::str(const Rec& r) {
  char buf[160];
  std::snprintf(buf, sizeof buf,
                "{kind %u src %u event %u state %02x object %08x version %08x ready %d tag %d stamp %08x}", r.kind,
                r.src, r.event, r.state, r.object, r.version, r.ready, r.tag, r.stamp);
  return buf;
}

bool Model::fail(const CycleObs& o, const std::string& what) {
  if (error_.empty()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "cycle %llu now %llu: ", static_cast<unsigned long long>(o.cycle),
                  static_cast<unsigned long long>(o.now));
    error_ = buf + what;
  }
  return false;
}

bool Model::watched(int n) const {
  return enable_ && (mask_ & bit(n)) && n != node_id_ && !(down_ & bit(n)) && timeout_ != 0;
}

uint64_t Model::min_deadline() const {
  uint64_t m = kNoDeadline;
  if (pend_ != 0 && !(irq_status_ & ne::IrqCause::kRecords)) m = std::min(m, dl_);
  const uint64_t targets = mask_ & ~bit(node_id_);
  if (enable_ && period_ != 0 && targets != 0) m = std::min(m, next_send_);
  for (int n = 0; n < kMaxNodes; ++n)
    if (watched(n)) m = std::min(m, sat48(eff_[n], timeout_));
  return m;
}

uint64_t Model::overdue(uint64_t now) const {
  uint64_t r = 0;
  for (int n = 0; n < kMaxNodes; ++n)
    if (watched(n) && now >= sat48(eff_[n], timeout_)) r |= bit(n);
  return r;
}

bool Model::quiescent() const {
  return !cmd_busy_ && !cmd_tx_ && rx_ntf_.empty() && rx_sub_.empty() && rit_tx_.empty() && scan_.empty() &&
         !exp_scan_ && q_lit_.empty() && q_rx_.empty() &&
         q_nd_.empty() && !dma_ && alive_q_.empty() && req_q_.empty() && rsp_q_.empty();
}

Model::Model(int lit_entries, int rit_entries)
    : lit_entries_(lit_entries), rit_entries_(rit_entries), rit_bits_(clog2(rit_entries)),
      rdt_bits_(clog2(static_cast<int>(ne::kRdtEntries))),
      rit_(static_cast<size_t>(rit_entries) + ne::kRitVictims), rdt_(ne::kRdtEntries + ne::kRdtVictims) {}

int Model::find_rit(uint32_t object, uint8_t event, uint32_t version) const {
  auto is = [&](int i) {
    return rit_[i] && rit_[i]->object == object && rit_[i]->event == event && rit_[i]->version == version;
  };
  const int slot = static_cast<int>(shadowsel::ne::table_hash(object, event, version, 0, rit_bits_));
  if (is(slot)) return slot;
  for (int i = rit_entries_; i < static_cast<int>(rit_.size()); ++i)
    if (is(i)) return i;
  return -1;
}

int Model::find_rdt(uint32_t object) const {
  const int slot = static_cast<int>(shadowsel::ne::table_hash(object, 0, 0, 0, rdt_bits_));
  if (rdt_[slot] && rdt_[slot]->object == object) return slot;
  for (int i = static_cast<int>(ne::kRdtEntries); i < static_cast<int>(rdt_.size()); ++i)
    if (rdt_[i] && rdt_[i]->object == object) return i;
  return -1;
}

// Where ne_lit puts a key it does not hold: its slot (table_hash, node = owner) when no
// entry holds that slot, else a victim (-1) when fewer than LIT_VICTIMS entries are
// victims, else nowhere (kLitFull): ARM_RESULT_FULL. Entries never move.
int Model::lit_place(const Key& k) const {
  unsigned bits = 0;
  while ((1 << bits) < lit_entries_) ++bits;
  const int slot = static_cast<int>(shadowsel::ne::table_hash(k.object, k.event, k.version, k.owner, bits));
  int victims = 0;
  bool taken = false;
  for (const LitEntry& e : lit_) {
    victims += e.slot < 0;
    taken = taken || e.slot == slot;
  }
  if (!taken) return slot;
  return victims < static_cast<int>(ne::kLitVictims) ? -1 : kLitFull;
}

// An answer's ready bit: a persistent key (WATCH_FLAG) is always remembered and answered
// ready 0, unless the table is full.
bool Model::answer(uint32_t object, uint8_t event, uint32_t version, uint8_t dst, bool ready, bool& set_rit_full) {
  if (ready && !(event & ne::kWatchFlag)) return true;
  const int i = find_rit(object, event, version);
  if (i >= 0) {
    rit_[i]->mask |= bit(dst);
    return false;
  }
  // its slot, else the lowest free victim
  const int slot = static_cast<int>(shadowsel::ne::table_hash(object, event, version, 0, rit_bits_));
  for (int j = -1; j < static_cast<int>(ne::kRitVictims); ++j) {
    auto& e = rit_[j < 0 ? slot : rit_entries_ + j];
    if (!e) {
      e = RitEntry{object, event, version, bit(dst)};
      return false;
    }
  }
  ++c_rit_full_;
  set_rit_full = true;
  ++cov_.rit_full;
  return true;  // the requester re-asks rather than waits forever
}

uint32_t Model::read_reg(uint32_t addr) const {
  switch (addr & ~3u) {
    case ne::kRegId: return ne::kIdReset;
    case ne::kRegNodeId: return node_id_;
    case ne::kRegCtrl: return enable_ ? ne::kCtrlEnableMask : 0;
    case ne::kRegStatus:
      return (st_lit_full_ ? ne::Status::kLitFull : 0) | (st_rit_full_ ? ne::Status::kRitFull : 0) |
             (st_overflow_ ? ne::Status::kOverflow : 0) | (cmd_busy_ ? ne::Status::kBusy : 0) |
             (st_rdt_full_ ? ne::Status::kRdtFull : 0);
    case ne::kRegKeyOwner: return key_owner_;
    case ne::kRegKeyObject: return key_object_;
    case ne::kRegKeyEvent: return key_event_;
    case ne::kRegKeyVersion: return key_version_;
    case ne::kRegAnsDst: return ans_dst_;
    case ne::kRegAnsState: return ans_state_;
    case ne::kRegAnsReady: return ans_ready_;
    case ne::kRegRdyState: return rdy_state_;
    case ne::kRegStamp: return stamp_;
    case ne::kRegCmd: return 0;
    case ne::kRegArmResult: return arm_result_;
    case ne::kRegRingBase: return ring_base_;
    case ne::kRegRingSize: return ring_size_;
    case ne::kRegRingHead: return head_;
    case ne::kRegRingTail: return tail_;
    case ne::kRegIrqStatus: return irq_status_;
    case ne::kRegIrqEnable: return irq_enable_;
    case ne::kRegCoalesceCount: return coal_count_;
    case ne::kRegCoalesceCycles: return coal_cycles_;
    case ne::kRegAlivePeriod: return period_;
    case ne::kRegAliveTimeout: return timeout_;
    case ne::kRegAliveMaskLo: return static_cast<uint32_t>(mask_);
    case ne::kRegAliveMaskHi: return static_cast<uint32_t>(mask_ >> 32);
    case ne::kRegNodesDownLo: return static_cast<uint32_t>(down_);
    case ne::kRegNodesDownHi: return static_cast<uint32_t>(down_ >> 32);
    case ne::kRegSubscribesSent: return c_sub_;
    case ne::kRegSuppressed: return c_supp_;
    case ne::kRegStray: return c_stray_;
    case ne::kRegLitFullCount: return c_lit_full_;
    case ne::kRegAnswersSent: return c_ans_;
    case ne::kRegRitFullCount: return c_rit_full_;
    case ne::kRegNotifiesSent: return c_ntf_;
    case ne::kRegNotifyDropped: return c_drop_;
    case ne::kRegRecordsWritten: return c_written_;
    case ne::kRegRingOverflowCount: return c_ovf_;
    case ne::kRegSubscribesAnswered: return c_suba_;
    case ne::kRegRdtFullCount: return c_rfull_;
    default: return 0;
  }
}

bool Model::step(const CycleObs& o) {
  if (!error_.empty()) return false;
  const uint64_t now = o.now;
  char buf[256];

  // ---- outputs that depend on the state at the start of the cycle ------------------
  if (o.irq != ((irq_status_ & irq_enable_) != 0))
    return fail(o, "irq is " + std::to_string(o.irq) + ", expected IRQ_STATUS & IRQ_ENABLE = " +
                       std::to_string(irq_status_ & irq_enable_));
  if (o.irq && !prev_irq_) ++cov_.irq_rises;
  prev_irq_ = o.irq;

  // ---- the executing MMIO request: reads see the start-of-cycle state --------------
  std::optional<MmioReq> w;  // a write taking effect at the end of this cycle
  if (o.exec) {
    if (req_q_.empty()) return fail(o, "ne_regs executed a request that was never accepted");
    const MmioReq r = req_q_.front();
    req_q_.pop_front();
    const uint32_t a = r.addr & ~3u;
    if (!r.write) {
      rsp_q_.push_back(read_reg(a));
      ++cov_.reads;
    } else {
      rsp_q_.push_back(0);
      ++cov_.writes;
      const bool cmd_operand = a == ne::kRegKeyOwner || a == ne::kRegKeyObject || a == ne::kRegKeyEvent ||
                               a == ne::kRegKeyVersion || a == ne::kRegAnsDst || a == ne::kRegAnsState ||
                               a == ne::kRegAnsReady || a == ne::kRegRdyState || a == ne::kRegStamp ||
                               a == ne::kRegCmd;
      if (cmd_operand && cmd_busy_)
        return fail(o, "a write to CMD, KEY_*, ANS_*, RDY_STATE or STAMP executed while STATUS.BUSY");
      w = r;
      w->addr = a;
    }
  }
  if (o.rsp) {
    if (rsp_q_.empty()) return fail(o, "MMIO response without a request");
    const uint32_t exp = rsp_q_.front();
    rsp_q_.pop_front();
    if (o.rdata != exp) {
      std::snprintf(buf, sizeof buf, "MMIO response %08x, expected %08x", o.rdata, exp);
      return fail(o, buf);
    }
  }
  const auto wr = [&](uint32_t a) { return w && w->addr == a; };

  // ---- idle and wake_at -------------------------------------------------------------
  if (o.idle) {
    ++cov_.idle_cycles;
    if (o.rsp || !quiescent()) return fail(o, "idle while work is pending in the model");
    const uint64_t m = min_deadline();
    if (o.wake_at != m) {
      std::snprintf(buf, sizeof buf, "idle with wake_at %llx, expected %llx", static_cast<unsigned long long>(o.wake_at),
                    static_cast<unsigned long long>(m));
      return fail(o, buf);
    }
    if (o.wake_at <= now) return fail(o, "idle with a deadline already reached");
  }

  // ---- liveness: sending ------------------------------------------------------------
  const uint64_t targets = mask_ & ~bit(node_id_);
  const bool al_on = enable_ && period_ != 0 && targets != 0;
  const bool al_due = al_on && now >= next_send_;
  if (o.alive_load) {
    if (!al_due) return fail(o, "ALIVE loaded before its deadline");
    alive_q_.push_back(targets);
  } else if (al_due && alive_q_.empty()) {
    return fail(o, "ALIVE due and not loaded");
  }
  if (wr(ne::kRegAlivePeriod)) next_send_ = now + w->wdata;
  else if (al_due) next_send_ = now + period_;

  // ---- liveness: watching -----------------------------------------------------------
  uint64_t declared = 0;
  if (o.declare) {
    const int n = o.declare_node;
    if (!watched(n)) return fail(o, "node " + std::to_string(n) + " declared down but not watched");
    if (now < sat48(eff_[n], timeout_)) {
      std::snprintf(buf, sizeof buf, "node %d declared down early (last arrival or restart %llu, timeout %u)", n,
                    static_cast<unsigned long long>(eff_[n]), timeout_);
      return fail(o, buf);
    }
    declared = bit(n);
    Rec r;
    r.kind = static_cast<uint8_t>(ne::RecordKind::kNodeDown);
    r.src = static_cast<uint8_t>(n);
    q_nd_.push_back(r);
    ++cov_.declares;
  }

  // ---- ring: a record taken --------------------------------------------------------
  bool dropped = false, nd_done = false;
  if (o.ring_accept) {
    Rec got = unformat(o.ring_rec);
    got.tag = o.ring_tag;
    std::deque<Rec>* q = &q_lit_;
    if (got.kind == static_cast<uint8_t>(ne::RecordKind::kNodeDown)) q = &q_nd_;
    else if (got.kind == static_cast<uint8_t>(ne::RecordKind::kSubscribe)) q = &q_rx_;
    if (q->empty()) return fail(o, "the ring took an unexpected record " + str(got));
    Rec exp = q->front();
    q->pop_front();
    if (q != &q_lit_) exp.stamp = static_cast<uint32_t>(now);  // stamped when the ring accepts it
    if (got.kind != exp.kind || got.src != exp.src || got.event != exp.event || got.state != exp.state ||
        got.object != exp.object || got.version != exp.version || got.ready != exp.ready || got.tag != exp.tag ||
        got.stamp != exp.stamp)
      return fail(o, "the ring took record " + str(got) + ", expected " + str(exp));
    const bool full = (head_ - tail_) >= ring_size_;
    if (o.ring_full != full) return fail(o, std::string("ring ") + (o.ring_full ? "dropped" : "wrote") +
                                                " a record, full is " + std::to_string(full));
    ++cov_.records;
    if (full) {
      dropped = true;
      ++cov_.overflows;
      ++c_ovf_;
      if (exp.tag) exp_rec_ = false;
      if (exp.kind == static_cast<uint8_t>(ne::RecordKind::kNodeDown)) nd_done = true;
    } else {
      Pending p;
      p.rec = exp;
      p.dma.addr = (ring_base_ & ~(ne::kRecordBytes - 1)) + ((head_ & (ring_size_ - 1)) * ne::kRecordBytes);
      p.dma.bytes = ne::kRecordBytes;
      p.dma.data = format(exp, head_);
      dma_ = p;
    }
  }

  // ---- ring: the DMA write taken ---------------------------------------------------
  if (o.dma_hs) {
    if (!dma_) return fail(o, "DMA write without a record");
    if (!(o.dma == dma_->dma)) return fail(o, "DMA " + ne_tb::str(o.dma) + ", expected " + ne_tb::str(dma_->dma));
    ++head_;
    ++c_written_;
    if (dma_->rec.tag) exp_rec_ = false;
    if (dma_->rec.kind == static_cast<uint8_t>(ne::RecordKind::kNodeDown)) nd_done = true;
    dma_.reset();
  }

  // ---- interrupt causes and coalescing ---------------------------------------------
  {
    const uint32_t eff_count = coal_count_ == 0 ? 1 : coal_count_;
    const bool fire = pend_ != 0 && (pend_ >= eff_count || now >= dl_);
    const uint8_t ack = wr(ne::kRegIrqStatus) ? (w->wdata & ne::kIrqStatusCauseMask) : 0;
    const bool ack_rec = ack & ne::IrqCause::kRecords;
    // a record that wakes nobody (an ANSWER saying "not ready") is not pending
    const bool written = o.dma_hs && !(ne::ready_record::get_kind(o.dma.data.data()) ==
                                           static_cast<uint8_t>(ne::RecordKind::kAnswer) &&
                                       !ne::ready_record::get_ready(o.dma.data.data()));
    const uint32_t pend0 = pend_;
    if (ack_rec) pend_ = written ? 1 : 0;
    else if (written && pend_ != 0xffff) ++pend_;
    if (written && (ack_rec || pend0 == 0)) dl_ = sat48(now, coal_cycles_);
    uint8_t st = irq_status_ & ~ack;
    if (!ack_rec && fire && !(irq_status_ & ne::IrqCause::kRecords)) ++cov_.irq_records;
    if (!ack_rec && (fire || (irq_status_ & ne::IrqCause::kRecords))) st |= ne::IrqCause::kRecords;
    else st &= ~ne::IrqCause::kRecords;
    if (dropped) st |= ne::IrqCause::kOverflow;
    if (nd_done) st |= ne::IrqCause::kNodeDown;
    irq_status_ = st;
  }

  // ---- local interest table ---------------------------------------------------------
  bool set_lit_full = false, set_rit_full = false, set_rdt_full = false;
  if (o.lit_commit && o.lit_pkt) {
    if (rx_ntf_.empty()) return fail(o, "ne_lit committed a packet that never arrived");
    const RxPkt p = rx_ntf_.front();
    rx_ntf_.pop_front();
    const uint8_t* pl = p.payload.data();
    Key k{p.src, static_cast<uint32_t>(ipb::ne_notify::get_object(pl)),
          static_cast<uint8_t>(ipb::ne_notify::get_event(pl)), static_cast<uint32_t>(ipb::ne_notify::get_version(pl))};
    const bool notify = ipb::ne_notify::get_kind(pl) == static_cast<uint8_t>(ipb::NeNotifyKind::kNotify);
    const bool ready = ipb::ne_notify::get_ready(pl) != 0;
    const uint8_t state = static_cast<uint8_t>(ipb::ne_notify::get_state(pl));
    const auto stamp = static_cast<uint32_t>(ipb::ne_notify::get_stamp(pl));
    auto it = std::find_if(lit_.begin(), lit_.end(), [&](const LitEntry& e) { return e.key == k; });
    if (it == lit_.end()) {
      ++c_stray_;
      ++cov_.pkt_stray;
    } else if ((notify || ready) && !(notify && (k.event & ne::kWatchFlag))) {
      lit_.erase(it);
    } else {
      if (notify) ++cov_.watch_kept;
      it->subscribed = true;
      it->state = state;
    }
    ++(notify ? cov_.pkt_notify : cov_.pkt_answer);
    Rec r;
    r.kind = static_cast<uint8_t>(notify ? ne::RecordKind::kNotify : ne::RecordKind::kAnswer);
    r.src = k.owner;
    r.event = k.event;
    r.state = state;
    r.object = k.object;
    r.version = k.version;
    r.ready = notify || ready;
    r.stamp = stamp;
    q_lit_.push_back(r);
  } else if (o.lit_commit && cmd_code_ == static_cast<uint8_t>(ne::Cmd::kCancel)) {
    if (!cmd_busy_ || cmd_committed_) return fail(o, "ne_lit committed a CANCEL that was not issued");
    cmd_committed_ = true;
    const Key k{key_owner_, key_object_, key_event_, key_version_};
    auto it = std::find_if(lit_.begin(), lit_.end(), [&](const LitEntry& e) { return e.key == k; });
    if (it != lit_.end()) {  // the owner told
      lit_.erase(it);
      ++cov_.cancel_hit;
      cmd_tx_ = key_pkt(ipb::PacketType::kNeUnsubscribe, k);
      exp_tx_ = true;
    }
  } else if (o.lit_commit) {
    if (!cmd_busy_ || cmd_committed_ || cmd_code_ != static_cast<uint8_t>(ne::Cmd::kArm))
      return fail(o, "ne_lit committed an ARM that was not issued");
    cmd_committed_ = true;
    const Key k{key_owner_, key_object_, key_event_, key_version_};
    auto it = std::find_if(lit_.begin(), lit_.end(), [&](const LitEntry& e) { return e.key == k; });
    if (it != lit_.end()) {
      ++c_supp_;
      if (it->subscribed) {
        arm_result_ = static_cast<uint8_t>(ne::ArmResult::kSuppressedSubscribed);
        Rec r;
        r.kind = static_cast<uint8_t>(ne::RecordKind::kAnswer);
        r.src = k.owner;
        r.event = k.event;
        r.state = it->state;
        r.object = k.object;
        r.version = k.version;
        r.ready = false;
        r.tag = true;
        q_lit_.push_back(r);
        exp_rec_ = true;
        ++cov_.arm_subscribed;
      } else {
        arm_result_ = static_cast<uint8_t>(ne::ArmResult::kSuppressedInFlight);
        ++cov_.arm_in_flight;
      }
    } else if (int slot = lit_place(k); slot != kLitFull) {
      lit_.push_back({k, false, 0, slot});
      arm_result_ = static_cast<uint8_t>(ne::ArmResult::kSent);
      ++c_sub_;
      cmd_tx_ = key_pkt(ipb::PacketType::kNeSubscribe, k);
      exp_tx_ = true;
      ++cov_.arm_sent;
    } else {
      arm_result_ = static_cast<uint8_t>(ne::ArmResult::kFull);
      ++c_lit_full_;
      set_lit_full = true;
      ++cov_.arm_full;
    }
  }

  // ---- remote interest and readiness tables ----------------------------------------
  if (o.rit_commit && o.rit_sub) {
    if (rx_sub_.empty()) return fail(o, "ne_rit committed a subscribe that never arrived");
    const RxPkt p = rx_sub_.front();
    rx_sub_.pop_front();
    const uint8_t* pl = p.payload.data();
    const uint8_t src = static_cast<uint8_t>(p.src & (kMaxNodes - 1));
    const auto object = static_cast<uint32_t>(ipb::ne_subscribe::get_object(pl));
    const auto event = static_cast<uint8_t>(ipb::ne_subscribe::get_event(pl));
    const auto version = static_cast<uint32_t>(ipb::ne_subscribe::get_version(pl));
    const int pub = find_rdt(object);
    if (p.type == static_cast<uint8_t>(ipb::PacketType::kNeUnsubscribe)) {
      // the source's bit cleared, the entry freed when no node is left
      if (const int i = find_rit(object, event, version); i >= 0) {
        ++cov_.unsub_hit;
        rit_[i]->mask &= ~bit(src);
        if (rit_[i]->mask == 0) rit_[i].reset();
      }
    } else if (pub >= 0) {  // published: the engine answers
      const bool same = version == rdt_[pub]->version;
      const uint32_t rdy = rdt_[pub]->rdy;
      const auto state = static_cast<uint8_t>(same ? rdy & 0xff : (rdy >> 8) & 0xff);
      const bool ready = (rdy >> ((same ? 16 : 18) + (event & 1))) & 1;
      const bool sent = answer(object, event, version, src, ready, set_rit_full);
      rit_tx_.push_back(
          {notify_pkt(bit(src), object, event, version, state, ipb::NeNotifyKind::kAnswer, sent, rdt_[pub]->stamp),
           false});
      ++c_suba_;
      ++cov_.sub_answered;
    } else {  // software answers
      Rec r;
      r.kind = static_cast<uint8_t>(ne::RecordKind::kSubscribe);
      r.src = src;
      r.event = event;
      r.object = object;
      r.version = version;
      q_rx_.push_back(r);
      ++cov_.sub_recorded;
    }
  } else if (o.rit_commit) {
    if (!cmd_busy_ || cmd_committed_ || cmd_code_ == static_cast<uint8_t>(ne::Cmd::kArm))
      return fail(o, "ne_rit committed a command that was not issued");
    cmd_committed_ = true;
    const int i = find_rit(key_object_, key_event_, key_version_);
    if (cmd_code_ == static_cast<uint8_t>(ne::Cmd::kAnswer)) {
      ++c_ans_;
      ++cov_.ans_cmd;
      const bool sent = answer(key_object_, key_event_, key_version_, ans_dst_, ans_ready_, set_rit_full);
      rit_tx_.push_back({notify_pkt(bit(ans_dst_), key_object_, key_event_, key_version_, ans_state_,
                                    ipb::NeNotifyKind::kAnswer, sent, stamp_),
                         true});
      exp_tx_ = true;
    } else if (cmd_code_ == static_cast<uint8_t>(ne::Cmd::kNotify)) {
      if (i >= 0 && rit_[i]->mask != 0) {
        ++c_ntf_;
        ++cov_.notify_sent;
        if (__builtin_popcountll(rit_[i]->mask) > 1) ++cov_.multicast;
        rit_tx_.push_back({notify_pkt(rit_[i]->mask, key_object_, key_event_, key_version_, ans_state_,
                                      ipb::NeNotifyKind::kNotify, true, stamp_),
                           true});
        exp_tx_ = true;
        if (!(key_event_ & ne::kWatchFlag)) rit_[i].reset();
      } else {
        ++c_drop_;
        ++cov_.notify_dropped;
      }
    } else if (cmd_code_ == static_cast<uint8_t>(ne::Cmd::kPublish)) {
      ++cov_.publish;
      // the object's place (its slot, else the lowest free victim), or full
      int at = find_rdt(key_object_);
      const int slot = static_cast<int>(shadowsel::ne::table_hash(key_object_, 0, 0, 0, rdt_bits_));
      for (int j = -1; at < 0 && j < static_cast<int>(ne::kRdtVictims); ++j) {
        const int i = j < 0 ? slot : static_cast<int>(ne::kRdtEntries) + j;
        if (!rdt_[i]) at = i;
      }
      if (at >= 0) {
        rdt_[at] = Rdt{key_object_, key_version_, rdy_state_, stamp_};
      } else {
        ++c_rfull_;
        set_rdt_full = true;
        ++cov_.rdt_full;
      }
      // the scan looks at every valid entry (slots ascending, then victims) and notifies
      // those of the object it makes ready; with no valid entry at all it ends at once
      bool any = false;
      for (int j = 0; j < static_cast<int>(rit_.size()); ++j) {
        if (!rit_[j]) continue;
        any = true;
        if (rit_[j]->object != key_object_) continue;
        const bool same = rit_[j]->version == key_version_;
        if (rit_[j]->event & ne::kWatchFlag) {
          // persistent: its wake bit, unless its only node is the skipped one
          const bool wake = (rdy_state_ >> ((same ? 20 : 22) + (rit_[j]->event & 1))) & 1;
          const bool skipped = skip_mask() != 0 && rit_[j]->mask == skip_mask();
          if (wake && !skipped) scan_.push_back(j);
          if (wake && skipped) ++cov_.scan_skipped;
        } else if ((rdy_state_ >> ((same ? 16 : 18) + (rit_[j]->event & 1))) & 1) {
          scan_.push_back(j);
        }
      }
      exp_scan_ = any;
    } else {
      ++cov_.unpublish;
      const int at = find_rdt(key_object_);
      if (at >= 0) rdt_[at].reset();
    }
  }
  if (o.rit_scan_load) {
    if (!exp_scan_ || scan_.empty()) return fail(o, "ne_rit's scan sent a NOTIFY the PUBLISH does not make ready");
    const int j = scan_.front();
    scan_.pop_front();
    const bool same = rit_[j]->version == key_version_;
    const auto state = static_cast<uint8_t>(same ? rdy_state_ & 0xff : (rdy_state_ >> 8) & 0xff);
    const bool watch = rit_[j]->event & ne::kWatchFlag;
    const uint64_t mask = rit_[j]->mask;
    rit_tx_.push_back({notify_pkt(mask, key_object_, rit_[j]->event, rit_[j]->version, state,
                                  ipb::NeNotifyKind::kNotify, true, stamp_),
                       false});
    if (__builtin_popcountll(mask) > 1) ++cov_.multicast;
    if (watch) ++cov_.scan_watch;
    else rit_[j].reset();
    ++c_ntf_;
    ++cov_.scan_notify;
  }
  if (o.rit_scan_end) {
    if (!exp_scan_ || !scan_.empty()) return fail(o, "ne_rit's scan ended with NOTIFYs not sent");
    exp_scan_ = false;
  }

  // ---- transmit ---------------------------------------------------------------------
  if (o.tx_hs) {
    if (o.tx.type == static_cast<uint8_t>(ipb::PacketType::kAlive)) {
      if (alive_q_.empty()) return fail(o, "ALIVE sent without a deadline: " + ne_tb::str(o.tx));
      TxPkt exp;
      exp.type = o.tx.type;
      exp.mask = alive_q_.front();
      alive_q_.pop_front();
      if (!(o.tx == exp)) return fail(o, "tx " + ne_tb::str(o.tx) + ", expected " + ne_tb::str(exp));
      ++cov_.alive_sent;
    } else if (o.tx.type == static_cast<uint8_t>(ipb::PacketType::kNeNotify)) {
      if (rit_tx_.empty()) return fail(o, "unexpected tx " + ne_tb::str(o.tx));
      const auto [exp, cmd] = rit_tx_.front();
      if (!(o.tx == exp)) return fail(o, "tx " + ne_tb::str(o.tx) + ", expected " + ne_tb::str(exp));
      rit_tx_.pop_front();
      if (cmd) exp_tx_ = false;
    } else {
      if (!cmd_tx_) return fail(o, "unexpected tx " + ne_tb::str(o.tx));
      if (!(o.tx == *cmd_tx_)) return fail(o, "tx " + ne_tb::str(o.tx) + ", expected " + ne_tb::str(*cmd_tx_));
      cmd_tx_.reset();
      exp_tx_ = false;
    }
  }

  // ---- receive ----------------------------------------------------------------------
  if (o.rx_hs && enable_ && is_engine_type(o.rx.type)) {
    const int src = o.rx.src & (kMaxNodes - 1);
    eff_[src] = now;
    const uint8_t* pl = o.rx.payload.data();
    if ((o.rx.type == static_cast<uint8_t>(ipb::PacketType::kNeSubscribe) ||
         o.rx.type == static_cast<uint8_t>(ipb::PacketType::kNeUnsubscribe)) &&
        o.rx.len >= ipb::ne_subscribe::kBytes) {
      rx_sub_.push_back(o.rx);
      ++cov_.rx_subscribe;
    } else if (o.rx.type == static_cast<uint8_t>(ipb::PacketType::kNeNotify) && o.rx.len >= ipb::ne_notify::kBytes) {
      const auto kind = ipb::ne_notify::get_kind(pl);
      if (kind == static_cast<uint8_t>(ipb::NeNotifyKind::kAnswer) ||
          kind == static_cast<uint8_t>(ipb::NeNotifyKind::kNotify))
        rx_ntf_.push_back(o.rx);
    }
  }

  // ---- register writes (end of cycle; sticky sets win over W1C) ----------------------
  uint64_t restart = 0;
  uint64_t down_clr = 0;
  if (w) {
    const uint32_t d = w->wdata;
    switch (w->addr) {
      case ne::kRegNodeId:
        node_id_ = static_cast<uint8_t>(ne::get_node_id_node(d));
        restart = ~uint64_t{0};
        break;
      case ne::kRegCtrl: {
        const bool en = ne::get_ctrl_enable(d) != 0;
        if (en && !enable_) restart = ~uint64_t{0};
        enable_ = en;
        break;
      }
      case ne::kRegStatus:
        if (ne::get_status_lit_full(d)) st_lit_full_ = false;
        if (ne::get_status_rit_full(d)) st_rit_full_ = false;
        if (ne::get_status_overflow(d)) st_overflow_ = false;
        if (ne::get_status_rdt_full(d)) st_rdt_full_ = false;
        break;
      case ne::kRegKeyOwner: key_owner_ = static_cast<uint8_t>(ne::get_key_owner_owner(d)); break;
      case ne::kRegKeyObject: key_object_ = d; break;
      case ne::kRegKeyEvent: key_event_ = static_cast<uint8_t>(ne::get_key_event_event(d)); break;
      case ne::kRegKeyVersion: key_version_ = d; break;
      case ne::kRegAnsDst: ans_dst_ = static_cast<uint8_t>(ne::get_ans_dst_dst(d)); break;
      case ne::kRegAnsState: ans_state_ = static_cast<uint8_t>(ne::get_ans_state_state(d)); break;
      case ne::kRegAnsReady: ans_ready_ = ne::get_ans_ready_ready(d) != 0; break;
      case ne::kRegRdyState: rdy_state_ = d & 0x7fffffffu; break;
      case ne::kRegStamp: stamp_ = d; break;
      case ne::kRegCmd: {
        const uint32_t c = ne::get_cmd_code(d);
        if (enable_ && (c == static_cast<uint8_t>(ne::Cmd::kArm) || c == static_cast<uint8_t>(ne::Cmd::kAnswer) ||
                        c == static_cast<uint8_t>(ne::Cmd::kNotify) || c == static_cast<uint8_t>(ne::Cmd::kPublish) ||
                        c == static_cast<uint8_t>(ne::Cmd::kUnpublish) || c == static_cast<uint8_t>(ne::Cmd::kCancel))) {
          cmd_busy_ = true;
          cmd_committed_ = false;
          exp_tx_ = exp_rec_ = exp_scan_ = false;
          cmd_code_ = static_cast<uint8_t>(c);
        }
        break;
      }
      case ne::kRegRingBase: ring_base_ = d; head_ = 0; tail_ = 0; break;
      case ne::kRegRingSize: ring_size_ = ne::get_ring_size_records(d); head_ = 0; tail_ = 0; break;
      case ne::kRegRingTail: tail_ = d; break;
      case ne::kRegIrqEnable: irq_enable_ = static_cast<uint8_t>(ne::get_irq_enable_cause(d)); break;
      case ne::kRegCoalesceCount: coal_count_ = static_cast<uint16_t>(ne::get_coalesce_count_count(d)); break;
      case ne::kRegCoalesceCycles: coal_cycles_ = d; break;
      case ne::kRegAlivePeriod: period_ = d; break;
      case ne::kRegAliveTimeout: timeout_ = d; break;
      case ne::kRegAliveMaskLo:
      case ne::kRegAliveMaskHi: {
        const uint64_t m = w->addr == ne::kRegAliveMaskLo ? ((mask_ & ~uint64_t{0xffffffff}) | d)
                                                            : ((mask_ & 0xffffffffu) | (uint64_t{d} << 32));
        restart = m & ~mask_;
        mask_ = m;
        break;
      }
      case ne::kRegNodesDownLo: down_clr = d; break;
      case ne::kRegNodesDownHi: down_clr = uint64_t{d} << 32; break;
      default: break;
    }
  }
  restart |= down_clr & down_;
  down_ = (down_ & ~down_clr) | declared;
  for (int n = 0; n < kMaxNodes; ++n)
    if (restart & bit(n)) eff_[n] = now;
  if (set_lit_full) st_lit_full_ = true;
  if (set_rit_full) st_rit_full_ = true;
  if (set_rdt_full) st_rdt_full_ = true;
  if (dropped) st_overflow_ = true;

  // ---- command end, MMIO acceptance -------------------------------------------------
  if (cmd_busy_ && cmd_committed_ && !exp_tx_ && !exp_rec_ && !exp_scan_ && !(w && w->addr == ne::kRegCmd))
    cmd_busy_ = false;
  if (o.mmio_hs) req_q_.push_back(o.mmio);
  return true;
}

}  // namespace ne_tb
