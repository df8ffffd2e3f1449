// SPDX-License-Identifier: MIT
// ne_lit (see lit.h).
#include "lit.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "hash.h"

namespace shadowsel::ne::twin {

namespace {
constexpr uint32_t kKindAnswer = static_cast<uint32_t>(regs::RecordKind::kAnswer);
constexpr uint32_t kKindNotify = static_cast<uint32_t>(regs::RecordKind::kNotify);
constexpr uint8_t result(regs::ArmResult r) { return static_cast<uint8_t>(r); }

uint32_t checked_slots(uint32_t n) {
  if (n < 2 || n > 256 || (n & (n - 1)) != 0)
    throw std::invalid_argument("ne::make_twin: lit_entries must be a power of two, 2..256, not " +
                                std::to_string(n));
  return n;
}
}  // namespace

Lit::Lit(uint32_t entries, uint32_t victims)
    : n_(checked_slots(entries)),
      v_(victims),
      bits_(clog2(entries)),
      valid_q_(entries),
      subd_q_(entries),
      ram_(entries),
      vvalid_q_(victims),
      vsubd_q_(victims),
      vic_q_(victims) {
  if (victims < 1) throw std::invalid_argument("ne::make_twin: LIT_VICTIMS must be at least 1");
}

void Lit::eval(const In& in) {
  // accept: a packet first, then an ARM; the block RAM reads the accepted key's slot
  op_load_ = (in.pkt_valid && pkt_ready()) || (in.arm_valid && arm_ready(in.pkt_valid));
  if (op_load_) {
    op_pkt_d_ = in.pkt_valid;
    op_cancel_d_ = !in.pkt_valid && in.arm_cancel;
    op_d_.owner = in.pkt_valid ? in.pkt_src : in.arm_owner;
    op_d_.object = in.pkt_valid ? in.pkt_object : in.arm_object;
    op_d_.event = in.pkt_valid ? in.pkt_event : in.arm_event;
    op_d_.version = in.pkt_valid ? in.pkt_version : in.arm_version;
    op_d_.lstate = in.pkt_state;
    op_notify_d_ = in.pkt_notify;
    op_is_ready_d_ = in.pkt_is_ready;
    op_stamp_d_ = in.pkt_valid ? in.pkt_stamp : 0;  // an ARM's record has stamp 0
    acc_slot_ = table_hash(op_d_.object, op_d_.event, op_d_.version, op_d_.owner, bits_);
  }

  // match: the key's slot (its word is the RAM's read register) and every victim; a key
  // is held once, so the victim's index is the OR of the matching ones (as the RTL
  // encodes it); the free victim is the lowest
  match_ = st_q_ == kMatch;
  if (match_) {
    const bool slot_hit = valid_q_[slot_q_] && rdata_q_.same_key(op_q_);
    const bool slot_free = !valid_q_[slot_q_];
    bool vhit = false, vfree = false;
    hit_idx_d_ = free_idx_d_ = 0;
    for (uint32_t i = 0; i < v_; ++i) {
      if (!vvalid_q_[i]) {
        if (!vfree) free_idx_d_ = i;
        vfree = true;
      } else if (vic_q_[i].same_key(op_q_)) {
        vhit = true;
        hit_idx_d_ |= i;
      }
    }
    hit_d_ = slot_hit || vhit;
    hit_vic_d_ = !slot_hit;
    free_d_ = slot_free || vfree;
    free_vic_d_ = !slot_free;
  }

  // act
  const bool hit_subd = hit_q_ && (hit_vic_q_ ? vsubd_q_[hit_idx_q_] != 0 : subd_q_[slot_q_] != 0);
  const bool need_rec = op_pkt_q_ || (!op_cancel_q_ && hit_subd);  // a packet always gives a record
  commit_ = st_q_ == kAct && (!need_rec || !rec_valid_q_ || in.rec_ready);
  ram_we_ = alloc_we_ = unsub_load_ = rec_load_ = vic_key_we_ = vic_state_we_ = false;
  slot_valid_ = slot_subd_ = vic_ = vic_valid_ = vic_subd_ = -1;
  rec_kind_d_ = kKindAnswer;
  rec_state_d_ = op_q_.lstate;
  rec_is_ready_d_ = false;
  inc_sent_ = inc_supp_ = inc_stray_ = inc_full_ = false;
  arm_result_ = result(regs::ArmResult::kNone);
  arm_full_ = false;
  // the entry found is freed
  auto free_hit = [&] {
    if (hit_vic_q_) vic_ = static_cast<int>(hit_idx_q_), vic_valid_ = 0;
    else slot_valid_ = 0;
  };
  if (commit_ && op_pkt_q_) {
    rec_load_ = true;
    rec_kind_d_ = op_notify_q_ ? kKindNotify : kKindAnswer;
    rec_is_ready_d_ = op_notify_q_ || op_is_ready_q_;
    if (!hit_q_) {
      inc_stray_ = true;
    } else if ((op_notify_q_ || op_is_ready_q_) && !(op_notify_q_ && (op_q_.event & regs::kWatchFlag))) {
      free_hit();  // NOTIFY (but a persistent key's), or ANSWER ready: freed
    } else if (hit_vic_q_) {  // else SUBSCRIBED, with the packet's state
      vic_ = static_cast<int>(hit_idx_q_), vic_subd_ = 1, vic_state_we_ = true;
    } else {
      slot_subd_ = 1, ram_we_ = true;
    }
  } else if (commit_ && op_cancel_q_) {
    if (hit_q_) {  // forgotten, whatever its status; the owner told (the command's packet)
      free_hit();
      unsub_load_ = true;
      arm_result_ = result(regs::ArmResult::kSent);
    }
  } else if (commit_) {
    if (hit_q_) {
      inc_supp_ = true;
      if (hit_subd) {
        arm_result_ = result(regs::ArmResult::kSuppressedSubscribed);
        rec_load_ = true;
        rec_state_d_ = hit_vic_q_ ? vic_q_[hit_idx_q_].lstate : rdata_q_.lstate;
      } else {
        arm_result_ = result(regs::ArmResult::kSuppressedInFlight);
      }
    } else if (free_q_) {
      arm_result_ = result(regs::ArmResult::kSent);
      inc_sent_ = true;
      alloc_we_ = true;
      if (free_vic_q_) vic_ = static_cast<int>(free_idx_q_), vic_valid_ = 1, vic_subd_ = 0, vic_key_we_ = true;
      else slot_valid_ = 1, slot_subd_ = 0, ram_we_ = true;
    } else {
      arm_result_ = result(regs::ArmResult::kFull);
      arm_full_ = true;
      inc_full_ = true;
    }
  }
  arm_done_ = commit_ && !op_pkt_q_;
  sub_ready_ = in.sub_ready;
  rec_ready_ = in.rec_ready;
}

void Lit::commit(bool rst_n) {
  // registers without reset, from this cycle's values; the RAM reads before it is
  // written (never both in one cycle)
  const uint32_t slot = slot_q_;
  if (op_load_) rdata_q_ = ram_[acc_slot_];
  if (ram_we_) ram_[slot] = op_q_;
  if (vic_ >= 0 && vic_key_we_) {
    const uint32_t keep = vic_q_[vic_].lstate;
    vic_q_[vic_] = op_q_;
    vic_q_[vic_].lstate = keep;
  }
  if (vic_ >= 0 && vic_state_we_) vic_q_[vic_].lstate = op_q_.lstate;
  if (alloc_we_ || unsub_load_) {
    sub_owner_q_ = op_q_.owner;
    sub_object_q_ = op_q_.object;
    sub_event_q_ = op_q_.event;
    sub_version_q_ = op_q_.version;
    sub_unsub_q_ = unsub_load_;
  }
  if (rec_load_) {
    rec_kind_q_ = rec_kind_d_;
    rec_src_q_ = op_q_.owner;
    rec_object_q_ = op_q_.object;
    rec_event_q_ = op_q_.event;
    rec_version_q_ = op_q_.version;
    rec_state_q_ = rec_state_d_;
    rec_is_ready_q_ = rec_is_ready_d_;
    rec_stamp_q_ = op_stamp_q_;
    rec_tag_q_ = !op_pkt_q_;  // the immediate answer of an ARM belongs to the command
  }
  if (match_) {
    hit_q_ = hit_d_;
    hit_vic_q_ = hit_vic_d_;
    hit_idx_q_ = hit_idx_d_;
    free_q_ = free_d_;
    free_vic_q_ = free_vic_d_;
    free_idx_q_ = free_idx_d_;
  }
  if (op_load_) {
    op_pkt_q_ = op_pkt_d_;
    op_cancel_q_ = op_cancel_d_;
    op_q_ = op_d_;
    op_notify_q_ = op_notify_d_;
    op_is_ready_q_ = op_is_ready_d_;
    op_stamp_q_ = op_stamp_d_;
    slot_q_ = acc_slot_;
  }

  if (!rst_n) {
    st_q_ = kIdle;
    std::fill(valid_q_.begin(), valid_q_.end(), 0);
    std::fill(subd_q_.begin(), subd_q_.end(), 0);
    std::fill(vvalid_q_.begin(), vvalid_q_.end(), 0);
    std::fill(vsubd_q_.begin(), vsubd_q_.end(), 0);
    sub_valid_q_ = rec_valid_q_ = false;
    cnt_sent_q_ = cnt_supp_q_ = cnt_stray_q_ = cnt_full_q_ = 0;
    return;
  }
  switch (st_q_) {
    case kIdle:
      if (op_load_) st_q_ = kMatch;
      break;
    case kMatch:
      st_q_ = kAct;
      break;
    case kAct:
      if (commit_) st_q_ = kIdle;
      break;
  }
  if (slot_valid_ >= 0) valid_q_[slot] = static_cast<uint8_t>(slot_valid_);
  if (slot_subd_ >= 0) subd_q_[slot] = static_cast<uint8_t>(slot_subd_);
  if (vic_ >= 0 && vic_valid_ >= 0) vvalid_q_[vic_] = static_cast<uint8_t>(vic_valid_);
  if (vic_ >= 0 && vic_subd_ >= 0) vsubd_q_[vic_] = static_cast<uint8_t>(vic_subd_);
  sub_valid_q_ = (sub_valid_q_ && !sub_ready_) || alloc_we_ || unsub_load_;
  rec_valid_q_ = (rec_valid_q_ && !rec_ready_) || rec_load_;
  cnt_sent_q_ += inc_sent_;
  cnt_supp_q_ += inc_supp_;
  cnt_stray_q_ += inc_stray_;
  cnt_full_q_ += inc_full_;
}

}  // namespace shadowsel::ne::twin
