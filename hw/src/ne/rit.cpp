// SPDX-License-Identifier: MIT
// ne_rit (see rit.h).
#include "rit.h"

#include <algorithm>

namespace shadowsel::ne::twin {

Rit::Rit(uint32_t entries, uint32_t rdt_entries)
    : n_(entries), rn_(rdt_entries), valid_q_(entries), object_q_(entries), event_q_(entries),
      version_q_(entries), mask_q_(entries), rvalid_q_(rdt_entries), robject_q_(rdt_entries),
      rversion_q_(rdt_entries), rrdy_q_(rdt_entries), rstamp_q_(rdt_entries), scan_q_(entries) {}

void Rit::eval(const In& in) {
  op_load_ = can_take() && (in.sub_valid || in.cmd_valid);
  if (op_load_) op_in_ = in;

  // match: one-hot, encoded by OR (as the RTL); a free entry is the lowest
  match_ = st_q_ == kMatch;
  if (match_) {
    hit_d_ = free_d_ = rhit_d_ = rfree_d_ = false;
    hit_idx_d_ = free_idx_d_ = ridx_d_ = rfree_idx_d_ = 0;
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
    for (uint32_t i = 0; i < rn_; ++i) {
      if (!rvalid_q_[i]) {
        if (!rfree_d_) rfree_idx_d_ = i;
        rfree_d_ = true;
      } else if (robject_q_[i] == op_object_q_) {
        rhit_d_ = true;
        ridx_d_ |= i;
      }
    }
  }

  // the answer of the operation in act: the command's, or the readiness table's
  const uint32_t rdy = ridx_q_ < rn_ ? rrdy_q_[ridx_q_] : 0;
  const bool same = op_version_q_ == (ridx_q_ < rn_ ? rversion_q_[ridx_q_] : 0);
  const uint32_t ans_state = op_q_ == kOpSub ? rdy_state(rdy, same) : op_state_q_;
  const bool ans_ready = op_q_ == kOpSub ? rdy_ready(rdy, same, op_event_q_) : op_is_ready_q_;
  const uint32_t ans_stamp = op_q_ == kOpSub ? (ridx_q_ < rn_ ? rstamp_q_[ridx_q_] : 0) : op_stamp_q_;

  const bool commit = st_q_ == kAct;
  switch (st_q_) {
    case kIdle: st_d_ = op_load_ ? kMatch : kIdle; break;
    case kMatch: st_d_ = kAct; break;
    case kAct: st_d_ = kIdle; break;
    case kScan: st_d_ = kScan; break;
  }
  alloc_we_ = or_we_ = rdt_we_ = out_load_ = rec_load_ = false;
  rdt_widx_ = ridx_q_;
  free_entry_ = alloc_entry_ = rfree_entry_ = ralloc_entry_ = scan_clear_ = -1;
  scan_set_ = false;
  out_notify_d_ = false;
  out_cmd_d_ = true;
  out_mask_d_ = 0;
  out_event_d_ = op_event_q_;
  out_version_d_ = op_version_q_;
  out_state_d_ = ans_state;
  out_is_ready_d_ = true;
  out_stamp_d_ = op_stamp_q_;
  inc_ans_ = inc_full_ = inc_ntf_ = inc_drop_ = inc_suba_ = inc_rfull_ = false;
  done_ = full_ = rdt_full_ = false;
  out_taken_ = out_notify_q_ ? in.ntf_ready : in.ans_ready;
  rec_ready_in_ = in.rec_ready;

  if (commit && (op_q_ == kOpAnswer || (op_q_ == kOpSub && rhit_q_))) {
    // an answer: one unicast; remember the interest if not ready
    inc_ans_ = op_q_ == kOpAnswer;
    inc_suba_ = op_q_ == kOpSub;
    out_load_ = true;
    out_cmd_d_ = op_q_ == kOpAnswer;
    out_mask_d_ = node_bit(op_dst_q_);
    out_is_ready_d_ = ans_ready;
    out_stamp_d_ = ans_stamp;
    if (!ans_ready) {
      if (hit_q_) {
        or_we_ = true;
      } else if (free_q_) {
        alloc_we_ = true;
        alloc_entry_ = static_cast<int>(free_idx_q_);
      } else {
        inc_full_ = full_ = true;
        out_is_ready_d_ = true;  // the requester re-asks rather than waits forever
      }
    }
    done_ = op_q_ == kOpAnswer;
  } else if (commit && op_q_ == kOpSub) {
    rec_load_ = true;  // not published: software answers
  } else if (commit && op_q_ == kOpNotify) {
    // NOTIFY: one multicast to the interested nodes, then forget them
    const uint64_t m = hit_q_ && hit_idx_q_ < n_ ? mask_q_[hit_idx_q_] : 0;
    if (hit_q_ && m != 0) {
      inc_ntf_ = true;
      out_load_ = true;
      out_notify_d_ = true;
      out_mask_d_ = m;
      out_state_d_ = op_state_q_;
      free_entry_ = static_cast<int>(hit_idx_q_);
    } else {
      inc_drop_ = true;
    }
    done_ = true;
  } else if (commit && op_q_ == kOpPublish) {
    // keep the readiness, then notify the interests it makes ready
    if (rhit_q_) {
      rdt_we_ = true;
    } else if (rfree_q_) {
      rdt_we_ = true;
      rdt_widx_ = rfree_idx_q_;
      ralloc_entry_ = static_cast<int>(rfree_idx_q_);
    } else {
      inc_rfull_ = rdt_full_ = true;
    }
    scan_set_ = true;
    bool any = false;
    for (uint32_t i = 0; i < n_; ++i) any = any || (valid_q_[i] && object_q_[i] == op_object_q_);
    if (any) st_d_ = kScan;
    else done_ = true;
  } else if (commit) {
    // UNPUBLISH
    if (rhit_q_) rfree_entry_ = static_cast<int>(ridx_q_);
    done_ = true;
  }

  if (st_q_ == kScan) {
    const auto first = std::find(scan_q_.begin(), scan_q_.end(), 1);
    const uint32_t idx = first == scan_q_.end() ? 0 : static_cast<uint32_t>(first - scan_q_.begin());
    const bool s_same = version_q_[idx] == op_version_q_;
    const bool s_ready = rdy_ready(op_rdy_q_, s_same, event_q_[idx]);
    if (!s_ready) {
      scan_clear_ = static_cast<int>(idx);
    } else if (!out_valid_q_ || out_taken_) {
      out_load_ = true;
      out_notify_d_ = true;
      out_cmd_d_ = false;
      out_mask_d_ = mask_q_[idx];
      out_event_d_ = event_q_[idx];
      out_version_d_ = version_q_[idx];
      out_state_d_ = rdy_state(op_rdy_q_, s_same);
      free_entry_ = static_cast<int>(idx);
      inc_ntf_ = true;
      scan_clear_ = static_cast<int>(idx);
    }
    bool left = false;
    for (uint32_t i = 0; i < n_; ++i) left = left || (scan_q_[i] && static_cast<int>(i) != scan_clear_);
    if (!left) {
      st_d_ = kIdle;
      done_ = true;
    }
  }
  done_tx_ = commit && out_load_ && (op_q_ == kOpAnswer || op_q_ == kOpNotify);
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
  if (rdt_we_ && rdt_widx_ < rn_) {
    robject_q_[rdt_widx_] = op_object_q_;
    rversion_q_[rdt_widx_] = op_version_q_;
    rrdy_q_[rdt_widx_] = op_rdy_q_;
    rstamp_q_[rdt_widx_] = op_stamp_q_;
  }
  if (scan_set_) {
    for (uint32_t i = 0; i < n_; ++i) scan_q_[i] = valid_q_[i] && object_q_[i] == op_object_q_;
  }
  if (scan_clear_ >= 0) scan_q_[scan_clear_] = 0;
  if (out_load_) {
    out_notify_q_ = out_notify_d_;
    out_cmd_q_ = out_cmd_d_;
    out_mask_q_ = out_mask_d_;
    out_object_q_ = op_object_q_;
    out_event_q_ = out_event_d_;
    out_version_q_ = out_version_d_;
    out_state_q_ = out_state_d_;
    out_is_ready_q_ = out_is_ready_d_;
    out_stamp_q_ = out_stamp_d_;
  }
  if (match_) {
    hit_q_ = hit_d_;
    hit_idx_q_ = hit_idx_d_;
    free_q_ = free_d_;
    free_idx_q_ = free_idx_d_;
    rhit_q_ = rhit_d_;
    ridx_q_ = ridx_d_;
    rfree_q_ = rfree_d_;
    rfree_idx_q_ = rfree_idx_d_;
  }
  if (op_load_ && op_in_.sub_valid) {
    op_q_ = kOpSub;
    op_object_q_ = op_in_.sub_object;
    op_event_q_ = op_in_.sub_event;
    op_version_q_ = op_in_.sub_version;
    op_dst_q_ = op_in_.sub_src & kNodeMask;
  } else if (op_load_) {
    switch (op_in_.cmd_code) {
      case static_cast<uint32_t>(regs::Cmd::kNotify): op_q_ = kOpNotify; break;
      case static_cast<uint32_t>(regs::Cmd::kPublish): op_q_ = kOpPublish; break;
      case static_cast<uint32_t>(regs::Cmd::kUnpublish): op_q_ = kOpUnpublish; break;
      default: op_q_ = kOpAnswer; break;
    }
    op_object_q_ = op_in_.cmd_object;
    op_event_q_ = op_in_.cmd_event;
    op_version_q_ = op_in_.cmd_version;
    op_dst_q_ = op_in_.cmd_dst & kNodeMask;
    op_state_q_ = op_in_.cmd_state;
    op_is_ready_q_ = op_in_.cmd_is_ready;
    op_rdy_q_ = op_in_.cmd_rdy;
    op_stamp_q_ = op_in_.cmd_stamp;
  }

  if (!rst_n) {
    st_q_ = kIdle;
    std::fill(valid_q_.begin(), valid_q_.end(), 0);
    std::fill(rvalid_q_.begin(), rvalid_q_.end(), 0);
    out_valid_q_ = rec_v_q_ = false;
    cnt_ans_q_ = cnt_full_q_ = cnt_ntf_q_ = cnt_drop_q_ = cnt_suba_q_ = cnt_rfull_q_ = 0;
    return;
  }
  st_q_ = st_d_;
  if (alloc_entry_ >= 0) valid_q_[alloc_entry_] = 1;
  if (free_entry_ >= 0) valid_q_[free_entry_] = 0;
  if (ralloc_entry_ >= 0) rvalid_q_[ralloc_entry_] = 1;
  if (rfree_entry_ >= 0) rvalid_q_[rfree_entry_] = 0;
  out_valid_q_ = (out_valid_q_ && !out_taken_) || out_load_;
  rec_v_q_ = (rec_v_q_ && !rec_ready_in_) || rec_load_;
  cnt_ans_q_ += inc_ans_;
  cnt_full_q_ += inc_full_;
  cnt_ntf_q_ += inc_ntf_;
  cnt_drop_q_ += inc_drop_;
  cnt_suba_q_ += inc_suba_;
  cnt_rfull_q_ += inc_rfull_;
}

}  // namespace shadowsel::ne::twin
