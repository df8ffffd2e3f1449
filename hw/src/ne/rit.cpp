// SPDX-License-Identifier: MIT
// ne_rit (see rit.h).
#include "rit.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "hash.h"

namespace shadowsel::ne::twin {

namespace {

uint32_t checked_slots(uint32_t n, const char* what) {
  if (n < 2 || n > 256 || (n & (n - 1)) != 0)
    throw std::invalid_argument(std::string("ne::twin::Rit: ") + what + " must be a power of two, 2..256, not " +
                                std::to_string(n));
  return n;
}

uint32_t checked_victims(uint32_t n, const char* what) {
  if (n < 1 || n > 32)
    throw std::invalid_argument(std::string("ne::twin::Rit: ") + what + " must be 1..32, not " + std::to_string(n));
  return n;
}

}  // namespace

Rit::Rit(uint32_t entries, uint32_t rdt_entries, uint32_t victims, uint32_t rdt_victims)
    : n_(checked_slots(entries, "entries")), rn_(checked_slots(rdt_entries, "rdt_entries")),
      nv_(checked_victims(victims, "victims")), rnv_(checked_victims(rdt_victims, "rdt_victims")),
      iw_(clog2(entries)), dw_(clog2(rdt_entries)), valid_q_(n_), vvalid_q_(nv_), rvalid_q_(rn_),
      rvvalid_q_(rnv_), ram_(n_), vent_q_(nv_), rram_(rn_), rvent_q_(rnv_), vscan_q_(nv_) {}

void Rit::eval(const In& in) {
  op_load_ = can_take() && (in.sub_valid || in.cmd_valid);
  if (op_load_) op_in_ = in;
  {
    const uint32_t o = in.sub_valid ? in.sub_object : in.cmd_object;
    const uint32_t e = (in.sub_valid ? in.sub_event : in.cmd_event) & 0xff;
    const uint32_t v = in.sub_valid ? in.sub_version : in.cmd_version;
    acc_slot_ = table_hash(o, e, v, 0, iw_);
    acc_rslot_ = table_hash(o, 0, 0, 0, dw_);
  }

  // match (RMatch): the RAMs' outputs hold the operation's slots; a hit in the slot or a
  // victim (indices encoded by OR, as the RTL), room in the slot, else the lowest free victim
  match_ = st_q_ == kMatch;
  if (match_) {
    const bool slot_hit = valid_q_[slot_q_] && rdata_q_.object == op_object_q_ &&
                          rdata_q_.event == op_event_q_ && rdata_q_.version == op_version_q_;
    bool vhit = false, vfree = false;
    m_hit_v_ = m_free_v_ = 0;
    for (uint32_t v = 0; v < nv_; ++v) {
      if (vvalid_q_[v] && vent_q_[v].object == op_object_q_ && vent_q_[v].event == op_event_q_ &&
          vent_q_[v].version == op_version_q_) {
        vhit = true;
        m_hit_v_ |= v;
      }
      if (!vvalid_q_[v] && !vfree) {
        vfree = true;
        m_free_v_ = v;
      }
    }
    m_hit_ = slot_hit || vhit;
    m_hit_vic_ = !slot_hit;
    m_free_ = !valid_q_[slot_q_] || vfree;
    m_free_vic_ = valid_q_[slot_q_];

    const bool rslot_hit = rvalid_q_[rslot_q_] && rrdata_q_.object == op_object_q_;
    bool rvhit = false, rvfree = false;
    m_rhit_v_ = m_rfree_v_ = 0;
    for (uint32_t v = 0; v < rnv_; ++v) {
      if (rvvalid_q_[v] && rvent_q_[v].object == op_object_q_) {
        rvhit = true;
        m_rhit_v_ |= v;
      }
      if (!rvvalid_q_[v] && !rvfree) {
        rvfree = true;
        m_rfree_v_ = v;
      }
    }
    m_rhit_ = rslot_hit || rvhit;
    m_rhit_vic_ = !rslot_hit;
    m_rfree_ = !rvalid_q_[rslot_q_] || rvfree;
    m_rfree_vic_ = rvalid_q_[rslot_q_];
  }

  // the answer of the operation in act: the command's, or the readiness table's
  const uint64_t hit_mask = hit_vic_q_ ? (hit_v_q_ < nv_ ? vent_q_[hit_v_q_].mask : 0) : rdata_q_.mask;
  const REntry rhit_ent = rhit_vic_q_ ? (rhit_v_q_ < rnv_ ? rvent_q_[rhit_v_q_] : REntry{}) : rrdata_q_;
  const bool same = op_version_q_ == rhit_ent.version;
  const uint32_t ans_state = op_q_ == kOpSub ? rdy_state(rhit_ent.rdy, same) : op_state_q_;
  const bool ans_ready = op_q_ == kOpSub ? rdy_ready(rhit_ent.rdy, same, op_event_q_) : op_is_ready_q_;
  const uint32_t ans_stamp = op_q_ == kOpSub ? rhit_ent.stamp : op_stamp_q_;
  const uint64_t dst_bit = node_bit(op_dst_q_);
  const bool op_watch = watch(op_event_q_);

  // the scan: the lowest valid slot above slot_q in the scan, the lowest valid slot
  // else (the next to read), the entry looked at
  int cand = -1;
  bool valid_any = false;
  for (uint32_t i = 0; i < n_; ++i) {
    valid_any = valid_any || valid_q_[i];
    if (cand < 0 && valid_q_[i] && (st_q_ != kScan || i > slot_q_)) cand = static_cast<int>(i);
  }
  const uint32_t cand_idx = cand < 0 ? 0 : static_cast<uint32_t>(cand);
  int vscan = -1;
  bool vvalid_any = false;
  for (uint32_t v = 0; v < nv_; ++v) {
    vvalid_any = vvalid_any || vvalid_q_[v];
    if (vscan < 0 && vscan_q_[v]) vscan = static_cast<int>(v);
  }
  const uint32_t vscan_idx = vscan < 0 ? 0 : static_cast<uint32_t>(vscan);
  const Entry& scan_ent = rd_v_q_ ? rdata_q_ : vent_q_[vscan_idx];
  const bool scan_same = scan_ent.version == op_version_q_;
  const bool scan_watch = watch(scan_ent.event);
  const uint64_t skip = rdy_skip(op_rdy_q_);
  const bool scan_ready =
      scan_ent.object == op_object_q_ &&
      (scan_watch ? rdy_wake(op_rdy_q_, scan_same, scan_ent.event) && !(skip != 0 && scan_ent.mask == skip)
                  : rdy_ready(op_rdy_q_, scan_same, scan_ent.event));

  const bool commit = st_q_ == kAct;
  switch (st_q_) {
    case kIdle: st_d_ = op_load_ ? kMatch : kIdle; break;
    case kMatch: st_d_ = kAct; break;
    case kAct: st_d_ = kIdle; break;
    case kScan: st_d_ = kScan; break;
  }
  valid_set_ = valid_clr_ = vvalid_set_ = vvalid_clr_ = -1;
  rvalid_set_ = rvalid_clr_ = rvvalid_set_ = rvvalid_clr_ = -1;
  vent_w_ = rvent_w_ = vscan_clr_ = -1;
  vscan_load_ = false;
  slot_d_ = op_load_ ? acc_slot_ : slot_q_;
  rd_v_d_ = false;
  bool scan_issue = false, alloc_we = false, or_we = false, unsub_we = false, rdt_upd = false;
  out_load_ = rec_load_ = false;
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
    // an answer: one unicast; remember the interest if not ready or persistent (whose
    // answer says ready only when it could not be remembered)
    inc_ans_ = op_q_ == kOpAnswer;
    inc_suba_ = op_q_ == kOpSub;
    out_load_ = true;
    out_cmd_d_ = op_q_ == kOpAnswer;
    out_mask_d_ = dst_bit;
    out_is_ready_d_ = ans_ready && !op_watch;
    out_stamp_d_ = ans_stamp;
    if (!ans_ready || op_watch) {
      if (hit_q_) {
        or_we = true;
      } else if (free_q_) {
        alloc_we = true;
      } else {
        inc_full_ = full_ = true;
        out_is_ready_d_ = true;  // the requester re-asks rather than waits forever
      }
    }
    done_ = op_q_ == kOpAnswer;
  } else if (commit && op_q_ == kOpSub) {
    rec_load_ = true;  // not published: software answers
  } else if (commit && op_q_ == kOpUnsub) {
    // the source's bit cleared; the entry freed when no node is left
    if (hit_q_) {
      unsub_we = true;
      if (hit_mask == dst_bit) {  // the last node
        if (hit_vic_q_) vvalid_clr_ = static_cast<int>(hit_v_q_);
        else valid_clr_ = static_cast<int>(slot_q_);
      }
    }
  } else if (commit && op_q_ == kOpNotify) {
    // NOTIFY: one multicast to the interested nodes, then forget them
    if (hit_q_ && hit_mask != 0) {
      inc_ntf_ = true;
      out_load_ = true;
      out_notify_d_ = true;
      out_mask_d_ = hit_mask;
      out_state_d_ = op_state_q_;
      if (op_watch) {
        // persistent: kept
      } else if (hit_vic_q_) {
        vvalid_clr_ = static_cast<int>(hit_v_q_);
      } else {
        valid_clr_ = static_cast<int>(slot_q_);
      }
    } else {
      inc_drop_ = true;
    }
    done_ = true;
  } else if (commit && op_q_ == kOpPublish) {
    // keep the readiness, then scan the interests for those it makes ready
    if (rhit_q_ || rfree_q_) {
      rdt_upd = true;
    } else {
      inc_rfull_ = rdt_full_ = true;
    }
    if (!rhit_q_ && rfree_q_ && !rfree_vic_q_) rvalid_set_ = static_cast<int>(rslot_q_);
    if (!rhit_q_ && rfree_q_ && rfree_vic_q_) rvvalid_set_ = rvent_w_ = static_cast<int>(rfree_v_q_);
    if (rhit_q_ && rhit_vic_q_) rvent_w_ = static_cast<int>(rhit_v_q_);
    vscan_load_ = true;
    scan_issue = valid_any;
    if (valid_any || vvalid_any) st_d_ = kScan;
    else done_ = true;
  } else if (commit) {
    // UNPUBLISH
    if (rhit_q_ && !rhit_vic_q_) rvalid_clr_ = static_cast<int>(rslot_q_);
    if (rhit_q_ && rhit_vic_q_) rvvalid_clr_ = static_cast<int>(rhit_v_q_);
    done_ = true;
  }

  // the interest entry written by an answer: a new one, or the mask's read-modify-write
  const Entry written{op_object_q_, op_event_q_, op_version_q_,
                      unsub_we ? hit_mask & ~dst_bit : or_we ? hit_mask | dst_bit : dst_bit};
  if (alloc_we && !free_vic_q_) valid_set_ = static_cast<int>(slot_q_);
  if (alloc_we && free_vic_q_) vvalid_set_ = vent_w_ = static_cast<int>(free_v_q_);
  if ((or_we || unsub_we) && hit_vic_q_) vent_w_ = static_cast<int>(hit_v_q_);
  vent_wdata_ = written;

  if (st_q_ == kScan) {
    // the entry looked at: skipped unless its object's and made ready, else sent
    bool done_one = false;
    if (!scan_ready) {
      done_one = true;
    } else if (!out_valid_q_ || out_taken_) {
      done_one = true;
      out_load_ = true;
      out_notify_d_ = true;
      out_cmd_d_ = false;
      out_mask_d_ = scan_ent.mask;
      out_event_d_ = scan_ent.event;
      out_version_d_ = scan_ent.version;
      out_state_d_ = rdy_state(op_rdy_q_, scan_same);
      inc_ntf_ = true;
      if (scan_watch) {
        // persistent: kept
      } else if (rd_v_q_) {
        valid_clr_ = static_cast<int>(slot_q_);
      } else {
        vvalid_clr_ = static_cast<int>(vscan_idx);
      }
    }
    if (done_one && !rd_v_q_ && vscan >= 0) vscan_clr_ = vscan;
    rd_v_d_ = rd_v_q_ && !done_one;
    scan_issue = rd_v_q_ && done_one && cand >= 0;
  }
  if (scan_issue) {
    rd_v_d_ = true;
    slot_d_ = cand_idx;
  }
  if (st_q_ == kScan) {
    bool left = rd_v_d_;
    for (uint32_t v = 0; v < nv_ && !left; ++v) left = vscan_q_[v] && static_cast<int>(v) != vscan_clr_;
    if (!left) {
      st_d_ = kIdle;
      done_ = true;
    }
  }
  done_tx_ = commit && out_load_ && (op_q_ == kOpAnswer || op_q_ == kOpNotify);

  // the RAMs' ports
  rit_re_ = op_load_ || scan_issue;
  rit_raddr_ = op_load_ ? acc_slot_ : cand_idx;
  rit_we_ = (alloc_we && !free_vic_q_) || ((or_we || unsub_we) && !hit_vic_q_);
  rit_wdata_ = written;
  rdt_re_ = op_load_;
  rdt_we_ = rdt_upd && (rhit_q_ ? !rhit_vic_q_ : !rfree_vic_q_);
}

void Rit::commit(bool rst_n) {
  // memories and registers without reset, from this cycle's values (a read returns the
  // contents before this cycle's write)
  if (rit_re_) rdata_q_ = ram_[rit_raddr_];
  if (rdt_re_) rrdata_q_ = rram_[acc_rslot_];
  if (rit_we_) ram_[slot_q_] = rit_wdata_;
  if (rdt_we_) rram_[rslot_q_] = REntry{op_object_q_, op_version_q_, op_rdy_q_ & kRdtRdyBits, op_stamp_q_};
  if (vent_w_ >= 0) vent_q_[vent_w_] = vent_wdata_;
  if (rvent_w_ >= 0) rvent_q_[rvent_w_] = REntry{op_object_q_, op_version_q_, op_rdy_q_ & kRdtRdyBits, op_stamp_q_};
  if (vscan_load_) vscan_q_ = vvalid_q_;
  if (vscan_clr_ >= 0) vscan_q_[vscan_clr_] = 0;
  slot_q_ = slot_d_;
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
    hit_q_ = m_hit_;
    hit_vic_q_ = m_hit_vic_;
    hit_v_q_ = m_hit_v_;
    free_q_ = m_free_;
    free_vic_q_ = m_free_vic_;
    free_v_q_ = m_free_v_;
    rhit_q_ = m_rhit_;
    rhit_vic_q_ = m_rhit_vic_;
    rhit_v_q_ = m_rhit_v_;
    rfree_q_ = m_rfree_;
    rfree_vic_q_ = m_rfree_vic_;
    rfree_v_q_ = m_rfree_v_;
  }
  if (op_load_) {
    op_object_q_ = op_in_.sub_valid ? op_in_.sub_object : op_in_.cmd_object;
    op_event_q_ = (op_in_.sub_valid ? op_in_.sub_event : op_in_.cmd_event) & 0xff;
    op_version_q_ = op_in_.sub_valid ? op_in_.sub_version : op_in_.cmd_version;
    rslot_q_ = acc_rslot_;
  }
  if (op_load_ && op_in_.sub_valid) {
    op_q_ = op_in_.sub_unsub ? kOpUnsub : kOpSub;
    op_dst_q_ = op_in_.sub_src & kNodeMask;
  } else if (op_load_) {
    switch (op_in_.cmd_code) {
      case static_cast<uint32_t>(regs::Cmd::kNotify): op_q_ = kOpNotify; break;
      case static_cast<uint32_t>(regs::Cmd::kPublish): op_q_ = kOpPublish; break;
      case static_cast<uint32_t>(regs::Cmd::kUnpublish): op_q_ = kOpUnpublish; break;
      default: op_q_ = kOpAnswer; break;
    }
    op_dst_q_ = op_in_.cmd_dst & kNodeMask;
    op_state_q_ = op_in_.cmd_state;
    op_is_ready_q_ = op_in_.cmd_is_ready;
    op_rdy_q_ = op_in_.cmd_rdy;
    op_stamp_q_ = op_in_.cmd_stamp;
  }

  if (!rst_n) {
    st_q_ = kIdle;
    std::fill(valid_q_.begin(), valid_q_.end(), 0);
    std::fill(vvalid_q_.begin(), vvalid_q_.end(), 0);
    std::fill(rvalid_q_.begin(), rvalid_q_.end(), 0);
    std::fill(rvvalid_q_.begin(), rvvalid_q_.end(), 0);
    rd_v_q_ = out_valid_q_ = rec_v_q_ = false;
    cnt_ans_q_ = cnt_full_q_ = cnt_ntf_q_ = cnt_drop_q_ = cnt_suba_q_ = cnt_rfull_q_ = 0;
    return;
  }
  st_q_ = st_d_;
  rd_v_q_ = rd_v_d_;
  if (valid_set_ >= 0) valid_q_[valid_set_] = 1;
  if (valid_clr_ >= 0) valid_q_[valid_clr_] = 0;
  if (vvalid_set_ >= 0) vvalid_q_[vvalid_set_] = 1;
  if (vvalid_clr_ >= 0) vvalid_q_[vvalid_clr_] = 0;
  if (rvalid_set_ >= 0) rvalid_q_[rvalid_set_] = 1;
  if (rvalid_clr_ >= 0) rvalid_q_[rvalid_clr_] = 0;
  if (rvvalid_set_ >= 0) rvvalid_q_[rvvalid_set_] = 1;
  if (rvvalid_clr_ >= 0) rvvalid_q_[rvvalid_clr_] = 0;
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
