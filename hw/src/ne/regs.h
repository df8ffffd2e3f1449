// SPDX-License-Identifier: MIT
// ne_regs: MMIO register file and command decoder. One request register: a request is
// taken when it is empty, executes the cycle after unless held back (writes that would
// change a command's operands while STATUS.BUSY, or restart the liveness watch while a
// restart is still writing), and its response follows one cycle later. Commands go to
// the LIT (ARM) or the RIT (ANSWER, NOTIFY, PUBLISH, UNPUBLISH) and end when their packet
// and record are out.
#pragma once

#include <cstdint>

#include "common.h"

namespace shadowsel::ne::twin {

class Regs {
 public:
  struct Request {
    bool valid, write;
    uint32_t addr, wdata;
  };
  /// Pulses and values for the other blocks, decoded from the executing write.
  struct Strobes {
    bool period_wr = false;
    bool cfg_chg = false;
    bool restart_valid = false;
    bool ring_clr = false;
    uint32_t irq_ack = 0;
    uint64_t restart_nodes = 0;
    uint64_t down_clr = 0;
  };
  /// What the command decoder and the status bits see from the other blocks this cycle.
  struct Events {
    bool arm_ready, arm_done;
    uint8_t arm_result;
    bool arm_full;
    bool rit_ready, rit_done, rit_done_tx, rit_full, rdt_full;
    bool tx_cmd_done, rec_cmd_done, overflow;
  };
  /// Values only read through registers (RING_HEAD, IRQ_STATUS, NODES_DOWN, counters).
  struct ReadSources {
    uint32_t irq_status, ring_head;
    uint64_t nodes_down;
    uint32_t subscribes_sent, suppressed, stray, lit_full_count, answers_sent, rit_full_count,
        notifies_sent, notify_dropped, records_written, ring_overflow_count, subscribes_answered,
        rdt_full_count;
  };

  /// flip_reads_after: occurrences of a read that stay correct before bit 0 flips (the
  /// TwinFault kReadDataFlipsBit0); UINT64_MAX: never.
  explicit Regs(uint64_t flip_reads_after) : flip_after_(flip_reads_after) {}

  // registered outputs
  bool req_ready() const { return !req_v_q_; }
  bool rsp_valid() const { return rsp_v_q_; }
  uint32_t rsp_rdata() const { return rsp_rdata_q_; }
  uint32_t node_id() const { return node_id_q_; }
  bool enable() const { return enable_q_; }
  uint32_t key_owner() const { return key_owner_q_; }
  uint32_t key_object() const { return key_object_q_; }
  uint32_t key_event() const { return key_event_q_; }
  uint32_t key_version() const { return key_version_q_; }
  uint32_t ans_dst() const { return ans_dst_q_; }
  uint32_t ans_state() const { return ans_state_q_; }
  bool ans_ready() const { return ans_ready_q_; }
  uint32_t ring_base() const { return ring_base_q_; }
  uint32_t ring_size() const { return ring_size_q_; }
  uint32_t ring_tail() const { return ring_tail_q_; }
  uint32_t irq_enable() const { return irq_enable_q_; }
  uint32_t coalesce_count() const { return coalesce_count_q_; }
  uint32_t coalesce_cycles() const { return coalesce_cycles_q_; }
  uint32_t alive_period() const { return alive_period_q_; }
  uint32_t alive_timeout() const { return alive_timeout_q_; }
  uint64_t alive_mask() const { return alive_mask_q_; }
  bool arm_valid() const { return cst_q_ == kIssue && (cmd_q_ == kCmdArm || cmd_q_ == kCmdCancel); }
  bool arm_cancel() const { return cmd_q_ == kCmdCancel; }
  bool rit_valid() const { return cst_q_ == kIssue && cmd_q_ != kCmdArm && cmd_q_ != kCmdCancel; }
  uint32_t rit_code() const { return cmd_q_; }
  uint32_t rdy_state() const { return rdy_state_q_; }
  uint32_t stamp() const { return stamp_q_; }
  bool busy() const { return req_v_q_ || rsp_v_q_ || cst_q_ != kIdle; }

  /// First half of the cycle: which request executes and the pulses it gives.
  void eval_request(bool restart_ready, bool ring_busy);
  const Strobes& strobes() const { return st_; }
  uint32_t period_wdata() const { return req_wdata_q_; }
  /// The executing request is a read (its data must be sampled this cycle).
  bool reads() const { return exec_ && !req_we_q_; }

  /// Second half: the command state and the read data (`rs` needed only when reads()).
  void eval_commands(const Events& ev, const ReadSources* rs);

  void commit(bool rst_n, const Request& rq);

 private:
  enum CmdState : uint8_t { kIdle, kIssue, kWait, kDrain };
  static constexpr uint32_t kCmdArm = static_cast<uint32_t>(regs::Cmd::kArm);
  static constexpr uint32_t kCmdAnswer = static_cast<uint32_t>(regs::Cmd::kAnswer);
  static constexpr uint32_t kCmdNotify = static_cast<uint32_t>(regs::Cmd::kNotify);
  static constexpr uint32_t kCmdPublish = static_cast<uint32_t>(regs::Cmd::kPublish);
  static constexpr uint32_t kCmdUnpublish = static_cast<uint32_t>(regs::Cmd::kUnpublish);
  static constexpr uint32_t kCmdCancel = static_cast<uint32_t>(regs::Cmd::kCancel);
  static constexpr uint32_t kRdyBits = 0x7fffffffu;  // RDY_STATE's fields, bits [30:0]

  uint32_t read_data(const ReadSources& rs) const;

  // request register (its payload has no reset)
  bool req_v_q_ = false, req_we_q_ = false;
  uint32_t req_addr_q_ = 0, req_wdata_q_ = 0;
  bool rsp_v_q_ = false;
  uint32_t rsp_rdata_q_ = 0;

  // registers
  uint32_t node_id_q_ = 0;
  bool enable_q_ = false;
  bool st_lit_full_q_ = false, st_rit_full_q_ = false, st_overflow_q_ = false, st_rdt_full_q_ = false;
  uint32_t rdy_state_q_ = 0;
  uint32_t stamp_q_ = 0;
  uint32_t key_owner_q_ = 0, key_object_q_ = 0, key_event_q_ = 0, key_version_q_ = 0;
  uint32_t ans_dst_q_ = 0, ans_state_q_ = 0;
  bool ans_ready_q_ = false;
  uint32_t arm_result_q_ = 0;
  uint32_t ring_base_q_ = 0, ring_size_q_ = 0, ring_tail_q_ = 0;
  uint32_t irq_enable_q_ = 0, coalesce_count_q_ = 0, coalesce_cycles_q_ = 0;
  uint32_t alive_period_q_ = 0, alive_timeout_q_ = 0;
  uint64_t alive_mask_q_ = 0;

  // commands (cmd_q has no reset)
  CmdState cst_q_ = kIdle;
  uint32_t cmd_q_ = 0;
  bool exp_tx_q_ = false, exp_rec_q_ = false;

  // this cycle
  bool exec_ = false, wr_ = false;
  uint32_t a_ = 0;  // word-aligned offset of the request
  Strobes st_;
  uint64_t mask_new_ = 0;
  bool cmd_start_ = false;
  CmdState cst_d_ = kIdle;
  bool exp_tx_d_ = false, exp_rec_d_ = false, arm_result_we_ = false;
  uint8_t arm_result_in_ = 0;
  bool lit_full_ = false, rit_full_ = false, overflow_ = false, rdt_full_ = false;
  uint32_t rdata_ = 0;

  // test-only fault: reads executed so far
  uint64_t flip_after_;
  uint64_t reads_ = 0;
};

}  // namespace shadowsel::ne::twin
