// SPDX-License-Identifier: MIT
// ne_regs (see regs.h). Offsets, fields and reset values are the generated ones.
#include "regs.h"

namespace shadowsel::ne::twin {

void Regs::eval_request(bool restart_ready, bool ring_busy) {
  a_ = req_addr_q_ & (regs::kRegWindowBytes - 4);  // bits [1:0] ignored
  bool hold = false;
  if (req_we_q_) {
    switch (a_) {
      // a command's operands and CMD itself wait for the command in progress
      case regs::kRegKeyOwner:
      case regs::kRegKeyObject:
      case regs::kRegKeyEvent:
      case regs::kRegKeyVersion:
      case regs::kRegAnsDst:
      case regs::kRegAnsState:
      case regs::kRegAnsReady:
      case regs::kRegRdyState:
      case regs::kRegStamp:
      case regs::kRegCmd:
        hold = cst_q_ != kIdle;
        break;
      // writes that restart the liveness watch wait for the previous restart
      case regs::kRegNodeId:
      case regs::kRegCtrl:
      case regs::kRegAliveMaskLo:
      case regs::kRegAliveMaskHi:
      case regs::kRegNodesDownLo:
      case regs::kRegNodesDownHi:
        hold = !restart_ready;
        break;
      // a new ring waits for the pending record's write (none lands in the wrong ring)
      case regs::kRegRingBase:
      case regs::kRegRingSize:
        hold = ring_busy;
        break;
      default:
        break;
    }
  }
  exec_ = req_v_q_ && !hold;
  wr_ = exec_ && req_we_q_;

  st_ = Strobes{};
  mask_new_ = alive_mask_q_;
  st_.restart_nodes = alive_mask_q_;
  if (!wr_) return;
  const uint32_t w = req_wdata_q_;
  switch (a_) {
    case regs::kRegNodeId:
      st_.cfg_chg = st_.restart_valid = true;
      break;
    case regs::kRegCtrl:
      st_.cfg_chg = true;
      st_.restart_valid = !enable_q_ && regs::get_ctrl_enable(w);  // ENABLE 0 -> 1
      break;
    case regs::kRegAliveTimeout:
      st_.cfg_chg = true;
      break;
    case regs::kRegAliveMaskLo:
    case regs::kRegAliveMaskHi:
      mask_new_ = a_ == regs::kRegAliveMaskLo ? (alive_mask_q_ & ~uint64_t{0xffffffff}) | w
                                              : (alive_mask_q_ & 0xffffffff) | uint64_t{w} << 32;
      st_.cfg_chg = st_.restart_valid = true;
      st_.restart_nodes = mask_new_ & ~alive_mask_q_;  // only the nodes it adds
      break;
    case regs::kRegNodesDownLo:
      st_.down_clr = w;
      break;
    case regs::kRegNodesDownHi:
      st_.down_clr = uint64_t{w} << 32;
      break;
    case regs::kRegAlivePeriod:
      st_.period_wr = true;
      break;
    case regs::kRegIrqStatus:
      st_.irq_ack = regs::get_irq_status_cause(w);
      break;
    case regs::kRegRingBase:
    case regs::kRegRingSize:
      st_.ring_clr = true;
      break;
    default:
      break;
  }
}

void Regs::eval_commands(const Events& ev, const ReadSources* rs) {
  const uint32_t wcode = regs::get_cmd_code(req_wdata_q_);
  cmd_start_ = wr_ && a_ == regs::kRegCmd && enable_q_ &&
               (wcode == kCmdArm || wcode == kCmdAnswer || wcode == kCmdNotify || wcode == kCmdPublish ||
                wcode == kCmdUnpublish || wcode == kCmdCancel);

  cst_d_ = cst_q_;
  exp_tx_d_ = exp_tx_q_ && !ev.tx_cmd_done;
  exp_rec_d_ = exp_rec_q_ && !ev.rec_cmd_done;
  arm_result_we_ = false;
  arm_result_in_ = ev.arm_result;
  switch (cst_q_) {
    case kIdle:
      if (cmd_start_) cst_d_ = kIssue;
      break;
    case kIssue:
      if ((arm_valid() && ev.arm_ready) || (rit_valid() && ev.rit_ready)) cst_d_ = kWait;
      break;
    case kWait:
      // the command ends when its packet has left and its record is written (if any)
      if (ev.arm_done) {
        arm_result_we_ = cmd_q_ == kCmdArm;  // CANCEL leaves ARM_RESULT as it was
        exp_tx_d_ = ev.arm_result == static_cast<uint8_t>(regs::ArmResult::kSent);
        exp_rec_d_ = ev.arm_result == static_cast<uint8_t>(regs::ArmResult::kSuppressedSubscribed);
      } else if (ev.rit_done) {
        exp_tx_d_ = ev.rit_done_tx;
        exp_rec_d_ = false;
      }
      if ((ev.arm_done || ev.rit_done) && (exp_tx_d_ || exp_rec_d_)) cst_d_ = kDrain;
      else if (ev.arm_done || ev.rit_done) cst_d_ = kIdle;
      break;
    case kDrain:
      if (!exp_tx_d_ && !exp_rec_d_) cst_d_ = kIdle;
      break;
  }
  lit_full_ = ev.arm_full;
  rit_full_ = ev.rit_full;
  rdt_full_ = ev.rdt_full;
  overflow_ = ev.overflow;
  rdata_ = (reads() && rs) ? read_data(*rs) : 0;
}

uint32_t Regs::read_data(const ReadSources& rs) const {
  switch (a_) {
    case regs::kRegId: return regs::kIdReset;
    case regs::kRegNodeId: return regs::set_node_id_node(0, node_id_q_);
    case regs::kRegCtrl: return regs::set_ctrl_enable(0, enable_q_);
    case regs::kRegStatus: {
      uint32_t r = regs::set_status_lit_full(0, st_lit_full_q_);
      r = regs::set_status_rit_full(r, st_rit_full_q_);
      r = regs::set_status_overflow(r, st_overflow_q_);
      r = regs::set_status_rdt_full(r, st_rdt_full_q_);
      return regs::set_status_busy(r, cst_q_ != kIdle);
    }
    case regs::kRegKeyOwner: return regs::set_key_owner_owner(0, key_owner_q_);
    case regs::kRegKeyObject: return key_object_q_;
    case regs::kRegKeyEvent: return regs::set_key_event_event(0, key_event_q_);
    case regs::kRegKeyVersion: return key_version_q_;
    case regs::kRegAnsDst: return regs::set_ans_dst_dst(0, ans_dst_q_);
    case regs::kRegAnsState: return regs::set_ans_state_state(0, ans_state_q_);
    case regs::kRegAnsReady: return regs::set_ans_ready_ready(0, ans_ready_q_);
    case regs::kRegRdyState: return rdy_state_q_;
    case regs::kRegStamp: return stamp_q_;
    case regs::kRegArmResult: return regs::set_arm_result_code(0, arm_result_q_);
    case regs::kRegRingBase: return ring_base_q_;
    case regs::kRegRingSize: return regs::set_ring_size_records(0, ring_size_q_);
    case regs::kRegRingHead: return rs.ring_head;
    case regs::kRegRingTail: return ring_tail_q_;
    case regs::kRegIrqStatus: return regs::set_irq_status_cause(0, rs.irq_status);
    case regs::kRegIrqEnable: return regs::set_irq_enable_cause(0, irq_enable_q_);
    case regs::kRegCoalesceCount: return regs::set_coalesce_count_count(0, coalesce_count_q_);
    case regs::kRegCoalesceCycles: return coalesce_cycles_q_;
    case regs::kRegAlivePeriod: return alive_period_q_;
    case regs::kRegAliveTimeout: return alive_timeout_q_;
    case regs::kRegAliveMaskLo: return static_cast<uint32_t>(alive_mask_q_);
    case regs::kRegAliveMaskHi: return static_cast<uint32_t>(alive_mask_q_ >> 32);
    case regs::kRegNodesDownLo: return static_cast<uint32_t>(rs.nodes_down);
    case regs::kRegNodesDownHi: return static_cast<uint32_t>(rs.nodes_down >> 32);
    case regs::kRegSubscribesSent: return rs.subscribes_sent;
    case regs::kRegSuppressed: return rs.suppressed;
    case regs::kRegStray: return rs.stray;
    case regs::kRegLitFullCount: return rs.lit_full_count;
    case regs::kRegAnswersSent: return rs.answers_sent;
    case regs::kRegRitFullCount: return rs.rit_full_count;
    case regs::kRegNotifiesSent: return rs.notifies_sent;
    case regs::kRegNotifyDropped: return rs.notify_dropped;
    case regs::kRegRecordsWritten: return rs.records_written;
    case regs::kRegRingOverflowCount: return rs.ring_overflow_count;
    case regs::kRegSubscribesAnswered: return rs.subscribes_answered;
    case regs::kRegRdtFullCount: return rs.rdt_full_count;
    default: return 0;  // unmapped offsets (and CMD) read 0
  }
}

void Regs::commit(bool rst_n, const Request& rq) {
  const bool hs = rq.valid && !req_v_q_;
  const uint32_t w = req_wdata_q_;
  if (cmd_start_) cmd_q_ = regs::get_cmd_code(w);  // no reset

  if (!rst_n) {
    req_v_q_ = false;
    node_id_q_ = regs::get_node_id_node(regs::kNodeIdReset);
    enable_q_ = regs::get_ctrl_enable(regs::kCtrlReset);
    st_lit_full_q_ = regs::get_status_lit_full(regs::kStatusReset);
    st_rit_full_q_ = regs::get_status_rit_full(regs::kStatusReset);
    st_overflow_q_ = regs::get_status_overflow(regs::kStatusReset);
    st_rdt_full_q_ = regs::get_status_rdt_full(regs::kStatusReset);
    rdy_state_q_ = regs::kRdyStateReset & kRdyBits;
    stamp_q_ = regs::kStampReset;
    key_owner_q_ = regs::get_key_owner_owner(regs::kKeyOwnerReset);
    key_object_q_ = regs::kKeyObjectReset;
    key_event_q_ = regs::get_key_event_event(regs::kKeyEventReset);
    key_version_q_ = regs::kKeyVersionReset;
    ans_dst_q_ = regs::get_ans_dst_dst(regs::kAnsDstReset);
    ans_state_q_ = regs::get_ans_state_state(regs::kAnsStateReset);
    ans_ready_q_ = regs::get_ans_ready_ready(regs::kAnsReadyReset);
    ring_base_q_ = regs::kRingBaseReset;
    ring_size_q_ = regs::get_ring_size_records(regs::kRingSizeReset);
    ring_tail_q_ = regs::kRingTailReset;
    irq_enable_q_ = regs::get_irq_enable_cause(regs::kIrqEnableReset);
    coalesce_count_q_ = regs::get_coalesce_count_count(regs::kCoalesceCountReset);
    coalesce_cycles_q_ = regs::kCoalesceCyclesReset;
    alive_period_q_ = regs::kAlivePeriodReset;
    alive_timeout_q_ = regs::kAliveTimeoutReset;
    alive_mask_q_ = uint64_t{regs::kAliveMaskHiReset} << 32 | regs::kAliveMaskLoReset;
    cst_q_ = kIdle;
    exp_tx_q_ = exp_rec_q_ = false;
    arm_result_q_ = regs::get_arm_result_code(regs::kArmResultReset);
    rsp_v_q_ = false;
    rsp_rdata_q_ = 0;
  } else {
    if (hs) req_v_q_ = true;
    else if (exec_) req_v_q_ = false;
    // sticky: a new event in the same cycle as the W1C wins
    const bool w_status = wr_ && a_ == regs::kRegStatus;
    st_lit_full_q_ = lit_full_ || (st_lit_full_q_ && !(w_status && regs::get_status_lit_full(w)));
    st_rit_full_q_ = rit_full_ || (st_rit_full_q_ && !(w_status && regs::get_status_rit_full(w)));
    st_overflow_q_ = overflow_ || (st_overflow_q_ && !(w_status && regs::get_status_overflow(w)));
    st_rdt_full_q_ = rdt_full_ || (st_rdt_full_q_ && !(w_status && regs::get_status_rdt_full(w)));
    alive_mask_q_ = mask_new_;
    if (wr_) {
      switch (a_) {
        case regs::kRegNodeId: node_id_q_ = regs::get_node_id_node(w); break;
        case regs::kRegCtrl: enable_q_ = regs::get_ctrl_enable(w); break;
        case regs::kRegKeyOwner: key_owner_q_ = regs::get_key_owner_owner(w); break;
        case regs::kRegKeyObject: key_object_q_ = w; break;
        case regs::kRegKeyEvent: key_event_q_ = regs::get_key_event_event(w); break;
        case regs::kRegKeyVersion: key_version_q_ = w; break;
        case regs::kRegAnsDst: ans_dst_q_ = regs::get_ans_dst_dst(w); break;
        case regs::kRegAnsState: ans_state_q_ = regs::get_ans_state_state(w); break;
        case regs::kRegAnsReady: ans_ready_q_ = regs::get_ans_ready_ready(w); break;
        case regs::kRegRdyState: rdy_state_q_ = w & kRdyBits; break;
        case regs::kRegStamp: stamp_q_ = w; break;
        case regs::kRegRingBase: ring_base_q_ = w, ring_tail_q_ = 0; break;
        case regs::kRegRingSize: ring_size_q_ = regs::get_ring_size_records(w), ring_tail_q_ = 0; break;
        case regs::kRegRingTail: ring_tail_q_ = w; break;
        case regs::kRegIrqEnable: irq_enable_q_ = regs::get_irq_enable_cause(w); break;
        case regs::kRegCoalesceCount: coalesce_count_q_ = regs::get_coalesce_count_count(w); break;
        case regs::kRegCoalesceCycles: coalesce_cycles_q_ = w; break;
        case regs::kRegAlivePeriod: alive_period_q_ = w; break;
        case regs::kRegAliveTimeout: alive_timeout_q_ = w; break;
        default: break;
      }
    }
    cst_q_ = cst_d_;
    exp_tx_q_ = exp_tx_d_;
    exp_rec_q_ = exp_rec_d_;
    if (arm_result_we_) arm_result_q_ = arm_result_in_;
    rsp_v_q_ = exec_;
    uint32_t r = 0;
    if (reads()) {
      r = rdata_;
      if (reads_++ >= flip_after_) r ^= 1;  // test-only fault
    }
    rsp_rdata_q_ = r;
  }
  // the request payload has no reset: it is captured at every handshake
  if (hs) {
    req_we_q_ = rq.write;
    req_addr_q_ = rq.addr;
    req_wdata_q_ = rq.wdata;
  }
}

}  // namespace shadowsel::ne::twin
