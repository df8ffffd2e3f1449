// SPDX-License-Identifier: MIT
// ne_rit (see rit.h).
#include "rit.h"

#include <algorithm>

namespace shadowsel::ne::twin {

Rit::Rit(uint32_t entries)
    : n_(entries), valid_q_(entries), object_q_(entries), event_q_(entries), version_q_(entries),
      mask_q_(entries) {}

void Rit::eval(const In& in) {
  op_load_ = in.cmd_valid && cmd_ready();
  if (op_load_) op_in_ = in;

  // match: one-hot, encoded by OR (as the RTL); the free entry is the lowest
  match_ = st_q_ == kMatch;
  if (match_) {
    hit_d_ = free_d_ = false;
    hit_idx_d_ = free_idx_d_ = 0;
    for (uint32_t i = 0; i < n_; ++i) {
      if (!valid_q_[i]) {
        if (!free_d_) free_idx_d_ = i;
        free_d_ = true;
      } else if (object_q_[i] == op_object_q_ && event_q_[i] == op_event_q_ &&
                 version_q_[i] == op_version_q_) {
        hit_d_ = true;
        hit_idx_d_ |= i;
      }
    }
  }

  // act
  const bool commit = st_q_ == kAct;
  alloc_we_ = or_we_ = out_load_ = full_ = false;
  free_entry_ = -1;
  out_mask_d_ = 0;
  out_is_ready_d_ = true;
  inc_ans_ = inc_full_ = inc_ntf_ = inc_drop_ = false;
  if (commit && !op_notify_q_) {
    // ANSWER: one unicast; remember the interest if not ready
    inc_ans_ = true;
    out_load_ = true;
    out_mask_d_ = node_bit(op_dst_q_);
    out_is_ready_d_ = op_is_ready_q_;
    if (!op_is_ready_q_) {
      if (hit_q_) {
        or_we_ = true;
      } else if (free_q_) {
        alloc_we_ = true;
        alloc_entry_ = free_idx_q_;
      } else {
        inc_full_ = full_ = true;
        out_is_ready_d_ = true;  // the requester re-asks rather than waits forever
      }
    }
  } else if (commit) {
    // NOTIFY: one multicast to the interested nodes, then forget them
    const uint64_t m = hit_q_ && hit_idx_q_ < n_ ? mask_q_[hit_idx_q_] : 0;
    if (hit_q_ && m != 0) {
      inc_ntf_ = true;
      out_load_ = true;
      out_mask_d_ = m;
      free_entry_ = static_cast<int>(hit_idx_q_);
    } else {
      inc_drop_ = true;
    }
  }
  out_taken_ = out_notify_q_ ? in.ntf_ready : in.ans_ready;
}

void Rit::commit(bool rst_n) {
  // registers without reset, from this cycle's values
  if (alloc_we_) {
    object_q_[free_idx_q_] = op_object_q_;
    event_q_[free_idx_q_] = op_event_q_;
    version_q_[free_idx_q_] = op_version_q_;
    mask_q_[free_idx_q_] = node_bit(op_dst_q_);
  }
  if (or_we_ && hit_idx_q_ < n_) mask_q_[hit_idx_q_] |= node_bit(op_dst_q_);
  if (out_load_) {
    out_notify_q_ = op_notify_q_;
    out_mask_q_ = out_mask_d_;
    out_object_q_ = op_object_q_;
    out_event_q_ = op_event_q_;
    out_version_q_ = op_version_q_;
    out_state_q_ = op_state_q_;
    out_is_ready_q_ = out_is_ready_d_;
  }
  if (match_) {
    hit_q_ = hit_d_;
    hit_idx_q_ = hit_idx_d_;
    free_q_ = free_d_;
    free_idx_q_ = free_idx_d_;
  }
  if (op_load_) {
    op_notify_q_ = op_in_.cmd_notify;
    op_object_q_ = op_in_.cmd_object;
    op_event_q_ = op_in_.cmd_event;
    op_version_q_ = op_in_.cmd_version;
    op_dst_q_ = op_in_.cmd_dst & kNodeMask;
    op_state_q_ = op_in_.cmd_state;
    op_is_ready_q_ = op_in_.cmd_is_ready;
  }

  if (!rst_n) {
    st_q_ = kIdle;
    std::fill(valid_q_.begin(), valid_q_.end(), 0);
    out_valid_q_ = false;
    cnt_ans_q_ = cnt_full_q_ = cnt_ntf_q_ = cnt_drop_q_ = 0;
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
      st_q_ = kIdle;
      break;
  }
  if (alloc_we_) valid_q_[alloc_entry_] = 1;
  if (free_entry_ >= 0) valid_q_[free_entry_] = 0;
  out_valid_q_ = (out_valid_q_ && !out_taken_) || out_load_;
  cnt_ans_q_ += inc_ans_;
  cnt_full_q_ += inc_full_;
  cnt_ntf_q_ += inc_ntf_;
  cnt_drop_q_ += inc_drop_;
}

}  // namespace shadowsel::ne::twin
