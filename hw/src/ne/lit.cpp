// SPDX-License-Identifier: MIT
// ne_lit (see lit.h).
#include "lit.h"

#include <algorithm>

namespace shadowsel::ne::twin {

namespace {
constexpr uint32_t kKindAnswer = static_cast<uint32_t>(regs::RecordKind::kAnswer);
constexpr uint32_t kKindNotify = static_cast<uint32_t>(regs::RecordKind::kNotify);
constexpr uint8_t result(regs::ArmResult r) { return static_cast<uint8_t>(r); }
}  // namespace

Lit::Lit(uint32_t entries)
    : n_(entries),
      valid_q_(entries),
      subd_q_(entries),
      owner_q_(entries),
      object_q_(entries),
      event_q_(entries),
      version_q_(entries),
      lstate_q_(entries) {}

void Lit::eval(const In& in) {
  // accept: a packet first, then an ARM
  op_load_ = (in.pkt_valid && pkt_ready()) || (in.arm_valid && arm_ready(in.pkt_valid));
  if (op_load_) {
    op_pkt_d_ = in.pkt_valid;
    op_cancel_d_ = !in.pkt_valid && in.arm_cancel;
    op_owner_d_ = in.pkt_valid ? in.pkt_src : in.arm_owner;
    op_object_d_ = in.pkt_valid ? in.pkt_object : in.arm_object;
    op_event_d_ = in.pkt_valid ? in.pkt_event : in.arm_event;
    op_version_d_ = in.pkt_valid ? in.pkt_version : in.arm_version;
    op_state_d_ = in.pkt_state;
    op_notify_d_ = in.pkt_notify;
    op_is_ready_d_ = in.pkt_is_ready;
    op_stamp_d_ = in.pkt_valid ? in.pkt_stamp : 0;  // an ARM's record has stamp 0
  }

  // match: at most one entry holds a key, so its index is the OR of the matching ones
  // (as the RTL encodes it); the free entry is the lowest
  match_ = st_q_ == kMatch;
  if (match_) {
    hit_d_ = free_d_ = false;
    hit_idx_d_ = free_idx_d_ = 0;
    for (uint32_t i = 0; i < n_; ++i) {
      if (!valid_q_[i]) {
        if (!free_d_) free_idx_d_ = i;
        free_d_ = true;
      } else if (owner_q_[i] == op_owner_q_ && object_q_[i] == op_object_q_ &&
                 event_q_[i] == op_event_q_ && version_q_[i] == op_version_q_) {
        hit_d_ = true;
        hit_idx_d_ |= i;
      }
    }
  }

  // act
  const bool hit_subd = hit_q_ && hit_idx_q_ < n_ && subd_q_[hit_idx_q_];
  const bool need_rec = op_pkt_q_ || (!op_cancel_q_ && hit_subd);  // a packet always gives a record
  commit_ = st_q_ == kAct && (!need_rec || !rec_valid_q_ || in.rec_ready);
  alloc_we_ = state_we_ = rec_load_ = false;
  free_entry_ = settle_entry_ = alloc_entry_ = -1;
  rec_kind_d_ = kKindAnswer;
  rec_state_d_ = op_state_q_;
  rec_is_ready_d_ = false;
  inc_sent_ = inc_supp_ = inc_stray_ = inc_full_ = false;
  arm_result_ = result(regs::ArmResult::kNone);
  arm_full_ = false;
  if (commit_ && op_pkt_q_) {
    rec_load_ = true;
    rec_kind_d_ = op_notify_q_ ? kKindNotify : kKindAnswer;
    rec_is_ready_d_ = op_notify_q_ || op_is_ready_q_;
    if (!hit_q_) {
      inc_stray_ = true;
    } else if (op_notify_q_ || op_is_ready_q_) {
      free_entry_ = static_cast<int>(hit_idx_q_);  // NOTIFY, or ANSWER ready: freed
    } else {
      settle_entry_ = static_cast<int>(hit_idx_q_);  // ANSWER not ready: SUBSCRIBED
      state_we_ = true;
    }
  } else if (commit_ && op_cancel_q_) {
    if (hit_q_) free_entry_ = static_cast<int>(hit_idx_q_);  // forgotten, whatever its status
  } else if (commit_) {
    if (hit_q_) {
      inc_supp_ = true;
      if (hit_subd) {
        arm_result_ = result(regs::ArmResult::kSuppressedSubscribed);
        rec_load_ = true;
        rec_state_d_ = lstate_q_[hit_idx_q_];
      } else {
        arm_result_ = result(regs::ArmResult::kSuppressedInFlight);
      }
    } else if (free_q_) {
      arm_result_ = result(regs::ArmResult::kSent);
      inc_sent_ = true;
      alloc_we_ = true;
      alloc_entry_ = static_cast<int>(free_idx_q_);
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
  // registers without reset, from this cycle's values
  if (alloc_we_) {
    owner_q_[free_idx_q_] = op_owner_q_;
    object_q_[free_idx_q_] = op_object_q_;
    event_q_[free_idx_q_] = op_event_q_;
    version_q_[free_idx_q_] = op_version_q_;
    sub_owner_q_ = op_owner_q_;
    sub_object_q_ = op_object_q_;
    sub_event_q_ = op_event_q_;
    sub_version_q_ = op_version_q_;
  }
  if (state_we_ && hit_idx_q_ < n_) lstate_q_[hit_idx_q_] = op_state_q_;
  if (rec_load_) {
    rec_kind_q_ = rec_kind_d_;
    rec_src_q_ = op_owner_q_;
    rec_object_q_ = op_object_q_;
    rec_event_q_ = op_event_q_;
    rec_version_q_ = op_version_q_;
    rec_state_q_ = rec_state_d_;
    rec_is_ready_q_ = rec_is_ready_d_;
    rec_stamp_q_ = op_stamp_q_;
    rec_tag_q_ = !op_pkt_q_;  // the immediate answer of an ARM belongs to the command
  }
  if (match_) {
    hit_q_ = hit_d_;
    hit_idx_q_ = hit_idx_d_;
    free_q_ = free_d_;
    free_idx_q_ = free_idx_d_;
  }
  if (op_load_) {
    op_pkt_q_ = op_pkt_d_;
    op_cancel_q_ = op_cancel_d_;
    op_owner_q_ = op_owner_d_;
    op_object_q_ = op_object_d_;
    op_event_q_ = op_event_d_;
    op_version_q_ = op_version_d_;
    op_state_q_ = op_state_d_;
    op_notify_q_ = op_notify_d_;
    op_is_ready_q_ = op_is_ready_d_;
    op_stamp_q_ = op_stamp_d_;
  }

  if (!rst_n) {
    st_q_ = kIdle;
    std::fill(valid_q_.begin(), valid_q_.end(), 0);
    std::fill(subd_q_.begin(), subd_q_.end(), 0);
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
  if (free_entry_ >= 0 && static_cast<uint32_t>(free_entry_) < n_) valid_q_[free_entry_] = 0;
  if (settle_entry_ >= 0 && static_cast<uint32_t>(settle_entry_) < n_) subd_q_[settle_entry_] = 1;
  if (alloc_entry_ >= 0) valid_q_[alloc_entry_] = 1, subd_q_[alloc_entry_] = 0;
  sub_valid_q_ = (sub_valid_q_ && !sub_ready_) || alloc_we_;
  rec_valid_q_ = (rec_valid_q_ && !rec_ready_) || rec_load_;
  cnt_sent_q_ += inc_sent_;
  cnt_supp_q_ += inc_supp_;
  cnt_stray_q_ += inc_stray_;
  cnt_full_q_ += inc_full_;
}

}  // namespace shadowsel::ne::twin
