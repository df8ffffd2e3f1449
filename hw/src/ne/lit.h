// SPDX-License-Identifier: MIT
// ne_lit: the local interest table (requesting side). One operation at a time, an
// arriving NE_NOTIFY before an ARM (an ARM only while the subscribe output is empty);
// each takes accept, match (registered), act = commit (waits only for the record output).
#pragma once

#include <cstdint>
#include <vector>

#include "common.h"

namespace shadowsel::ne::twin {

class Lit {
 public:
  struct In {
    bool arm_valid;
    uint32_t arm_owner, arm_object, arm_event, arm_version;
    bool arm_cancel;
    bool pkt_valid;
    uint32_t pkt_src, pkt_object, pkt_event, pkt_version, pkt_state;
    bool pkt_notify, pkt_is_ready;
    bool sub_ready, rec_ready;
    uint32_t pkt_stamp;
  };

  explicit Lit(uint32_t entries);

  bool pkt_ready() const { return st_q_ == kIdle; }
  bool arm_ready(bool pkt_valid) const { return st_q_ == kIdle && !pkt_valid && !sub_valid_q_; }

  bool sub_valid() const { return sub_valid_q_; }
  uint32_t sub_owner() const { return sub_owner_q_; }
  uint32_t sub_object() const { return sub_object_q_; }
  uint32_t sub_event() const { return sub_event_q_; }
  uint32_t sub_version() const { return sub_version_q_; }

  bool rec_valid() const { return rec_valid_q_; }
  uint32_t rec_kind() const { return rec_kind_q_; }
  uint32_t rec_src() const { return rec_src_q_; }
  uint32_t rec_object() const { return rec_object_q_; }
  uint32_t rec_event() const { return rec_event_q_; }
  uint32_t rec_version() const { return rec_version_q_; }
  uint32_t rec_state() const { return rec_state_q_; }
  bool rec_is_ready() const { return rec_is_ready_q_; }
  uint32_t rec_stamp() const { return rec_stamp_q_; }
  bool rec_tag() const { return rec_tag_q_; }

  uint32_t subscribes_sent() const { return cnt_sent_q_; }
  uint32_t suppressed() const { return cnt_supp_q_; }
  uint32_t stray() const { return cnt_stray_q_; }
  uint32_t lit_full_count() const { return cnt_full_q_; }
  bool busy() const { return st_q_ != kIdle || sub_valid_q_ || rec_valid_q_; }

  void eval(const In& in);
  // with eval: an ARM committed, its ARM_RESULT, and whether it found the table full
  bool arm_done() const { return arm_done_; }
  uint8_t arm_result() const { return arm_result_; }
  bool arm_full() const { return arm_full_; }

  void commit(bool rst_n);

 private:
  enum State : uint8_t { kIdle, kMatch, kAct };

  uint32_t n_;
  State st_q_ = kIdle;

  // the operation in progress (no reset)
  bool op_pkt_q_ = false, op_cancel_q_ = false;
  uint32_t op_owner_q_ = 0, op_object_q_ = 0, op_event_q_ = 0, op_version_q_ = 0, op_state_q_ = 0;
  bool op_notify_q_ = false, op_is_ready_q_ = false;
  uint32_t op_stamp_q_ = 0, op_stamp_d_ = 0;

  // the match result (no reset)
  bool hit_q_ = false, free_q_ = false;
  uint32_t hit_idx_q_ = 0, free_idx_q_ = 0;

  // the table: valid and status reset, contents not (guarded by valid)
  std::vector<uint8_t> valid_q_, subd_q_;
  std::vector<uint32_t> owner_q_, object_q_, event_q_, version_q_, lstate_q_;

  bool sub_valid_q_ = false;
  uint32_t sub_owner_q_ = 0, sub_object_q_ = 0, sub_event_q_ = 0, sub_version_q_ = 0;

  bool rec_valid_q_ = false;
  uint32_t rec_kind_q_ = 0, rec_src_q_ = 0, rec_object_q_ = 0, rec_event_q_ = 0,
           rec_version_q_ = 0, rec_state_q_ = 0;
  bool rec_is_ready_q_ = false, rec_tag_q_ = false;
  uint32_t rec_stamp_q_ = 0;

  uint32_t cnt_sent_q_ = 0, cnt_supp_q_ = 0, cnt_stray_q_ = 0, cnt_full_q_ = 0;

  // this cycle
  bool op_load_ = false;
  bool op_pkt_d_ = false, op_cancel_d_ = false;
  uint32_t op_owner_d_ = 0, op_object_d_ = 0, op_event_d_ = 0, op_version_d_ = 0, op_state_d_ = 0;
  bool op_notify_d_ = false, op_is_ready_d_ = false;
  bool match_ = false, hit_d_ = false, free_d_ = false;
  uint32_t hit_idx_d_ = 0, free_idx_d_ = 0;
  bool commit_ = false;
  int free_entry_ = -1, settle_entry_ = -1, alloc_entry_ = -1;  // table changes at commit
  bool alloc_we_ = false, state_we_ = false, rec_load_ = false;
  uint32_t rec_kind_d_ = 0, rec_state_d_ = 0;
  bool rec_is_ready_d_ = false;
  bool inc_sent_ = false, inc_supp_ = false, inc_stray_ = false, inc_full_ = false;
  bool sub_ready_ = false, rec_ready_ = false;
  bool arm_done_ = false, arm_full_ = false;
  uint8_t arm_result_ = 0;
};

}  // namespace shadowsel::ne::twin
