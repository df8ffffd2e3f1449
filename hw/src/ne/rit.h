// SPDX-License-Identifier: MIT
// ne_rit: the owner side — remote interest table and readiness table. Operations one at
// a time (an arriving subscribe first, then a command; accepted only while the output
// and record registers are empty, so the commit never waits): accept, match (registered),
// act = commit; a PUBLISH whose object has interests then scans them, lowest index first,
// one per cycle. Packets go into one output register, offered on the answer or the
// notify port; a subscribe to an unpublished object into the record register.
#pragma once

#include <cstdint>
#include <vector>

#include "common.h"

namespace shadowsel::ne::twin {

class Rit {
 public:
  struct In {
    bool cmd_valid;
    uint32_t cmd_code, cmd_object, cmd_event, cmd_version, cmd_dst, cmd_state;
    bool cmd_is_ready;
    uint32_t cmd_rdy;
    bool sub_valid;
    uint32_t sub_src, sub_object, sub_event, sub_version;
    bool ans_ready, ntf_ready, rec_ready;
    uint32_t cmd_stamp;
  };

  Rit(uint32_t entries, uint32_t rdt_entries);

  bool can_take() const { return st_q_ == kIdle && !out_valid_q_ && !rec_v_q_; }
  bool sub_ready() const { return can_take(); }
  bool cmd_ready(bool sub_valid) const { return can_take() && !sub_valid; }
  bool ans_valid() const { return out_valid_q_ && !out_notify_q_; }
  bool ntf_valid() const { return out_valid_q_ && out_notify_q_; }
  uint64_t pkt_dst_mask() const { return out_mask_q_; }
  uint32_t pkt_object() const { return out_object_q_; }
  uint32_t pkt_event() const { return out_event_q_; }
  uint32_t pkt_version() const { return out_version_q_; }
  uint32_t pkt_state() const { return out_state_q_; }
  bool pkt_is_ready() const { return out_is_ready_q_; }
  uint32_t pkt_stamp() const { return out_stamp_q_; }
  bool pkt_cmd() const { return out_cmd_q_; }
  bool rec_valid() const { return rec_v_q_; }
  uint32_t rec_src() const { return op_dst_q_; }
  uint32_t rec_object() const { return op_object_q_; }
  uint32_t rec_event() const { return op_event_q_; }
  uint32_t rec_version() const { return op_version_q_; }

  uint32_t answers_sent() const { return cnt_ans_q_; }
  uint32_t rit_full_count() const { return cnt_full_q_; }
  uint32_t notifies_sent() const { return cnt_ntf_q_; }
  uint32_t notify_dropped() const { return cnt_drop_q_; }
  uint32_t subscribes_answered() const { return cnt_suba_q_; }
  uint32_t rdt_full_count() const { return cnt_rfull_q_; }
  bool busy() const { return st_q_ != kIdle || out_valid_q_ || rec_v_q_; }

  /// Evaluates the cycle: done(), done_tx(), full(), rdt_full() are valid after it.
  void eval(const In& in);
  bool done() const { return done_; }
  bool done_tx() const { return done_tx_; }
  bool full() const { return full_; }
  bool rdt_full() const { return rdt_full_; }

  void commit(bool rst_n);

 private:
  enum State : uint8_t { kIdle, kMatch, kAct, kScan };
  enum Op : uint8_t { kOpAnswer, kOpNotify, kOpPublish, kOpUnpublish, kOpSub };

  // RDY_STATE's ready bit for a key of event `event` (bit 0 of it) and kind same/diff
  static bool rdy_ready(uint32_t rdy, bool same, uint32_t event) {
    return (rdy >> ((same ? 16 : 18) + (event & 1))) & 1;
  }
  static uint32_t rdy_state(uint32_t rdy, bool same) { return same ? rdy & 0xff : (rdy >> 8) & 0xff; }

  uint32_t n_, rn_;
  State st_q_ = kIdle;

  // the operation in progress (no reset)
  Op op_q_ = kOpAnswer;
  bool op_is_ready_q_ = false;
  uint32_t op_object_q_ = 0, op_event_q_ = 0, op_version_q_ = 0, op_dst_q_ = 0, op_state_q_ = 0,
           op_rdy_q_ = 0, op_stamp_q_ = 0;

  bool hit_q_ = false, free_q_ = false, rhit_q_ = false, rfree_q_ = false;
  uint32_t hit_idx_q_ = 0, free_idx_q_ = 0, ridx_q_ = 0, rfree_idx_q_ = 0;

  std::vector<uint8_t> valid_q_;
  std::vector<uint32_t> object_q_, event_q_, version_q_;
  std::vector<uint64_t> mask_q_;
  std::vector<uint8_t> rvalid_q_;
  std::vector<uint32_t> robject_q_, rversion_q_, rrdy_q_, rstamp_q_;
  std::vector<uint8_t> scan_q_;  // the scan's entries still to look at (no reset)

  bool out_valid_q_ = false, out_notify_q_ = false, out_cmd_q_ = false, out_is_ready_q_ = false;
  uint64_t out_mask_q_ = 0;
  uint32_t out_object_q_ = 0, out_event_q_ = 0, out_version_q_ = 0, out_state_q_ = 0,
           out_stamp_q_ = 0;
  bool rec_v_q_ = false;

  uint32_t cnt_ans_q_ = 0, cnt_full_q_ = 0, cnt_ntf_q_ = 0, cnt_drop_q_ = 0, cnt_suba_q_ = 0,
           cnt_rfull_q_ = 0;

  // this cycle
  bool op_load_ = false;
  In op_in_{};
  bool match_ = false, hit_d_ = false, free_d_ = false, rhit_d_ = false, rfree_d_ = false;
  uint32_t hit_idx_d_ = 0, free_idx_d_ = 0, ridx_d_ = 0, rfree_idx_d_ = 0;
  State st_d_ = kIdle;
  bool alloc_we_ = false, or_we_ = false, rdt_we_ = false, out_load_ = false, rec_load_ = false;
  uint32_t rdt_widx_ = 0;
  int free_entry_ = -1, alloc_entry_ = -1, rfree_entry_ = -1, ralloc_entry_ = -1;
  bool scan_set_ = false;      // the act loads the scan with its object's entries
  int scan_clear_ = -1;        // the scan is done with this entry
  bool out_notify_d_ = false, out_cmd_d_ = false, out_is_ready_d_ = false;
  uint64_t out_mask_d_ = 0;
  uint32_t out_event_d_ = 0, out_version_d_ = 0, out_state_d_ = 0, out_stamp_d_ = 0;
  bool inc_ans_ = false, inc_full_ = false, inc_ntf_ = false, inc_drop_ = false, inc_suba_ = false,
       inc_rfull_ = false;
  bool out_taken_ = false, rec_ready_in_ = false;
  bool done_ = false, done_tx_ = false, full_ = false, rdt_full_ = false;
};

}  // namespace shadowsel::ne::twin
