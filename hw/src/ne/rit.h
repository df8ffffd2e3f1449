// SPDX-License-Identifier: MIT
// ne_rit: the remote interest table (owner side). ANSWER and NOTIFY commands one at a
// time (accept only while the output register is empty, so the commit never waits):
// accept, match (registered), act = commit. The packet goes into one output register,
// offered on the answer or the notify port.
#pragma once

#include <cstdint>
#include <vector>

#include "common.h"

namespace shadowsel::ne::twin {

class Rit {
 public:
  struct In {
    bool cmd_valid, cmd_notify;
    uint32_t cmd_object, cmd_event, cmd_version, cmd_dst, cmd_state;
    bool cmd_is_ready;
    bool ans_ready, ntf_ready;
  };

  explicit Rit(uint32_t entries);

  bool cmd_ready() const { return st_q_ == kIdle && !out_valid_q_; }
  bool ans_valid() const { return out_valid_q_ && !out_notify_q_; }
  bool ntf_valid() const { return out_valid_q_ && out_notify_q_; }
  uint64_t pkt_dst_mask() const { return out_mask_q_; }
  uint32_t pkt_object() const { return out_object_q_; }
  uint32_t pkt_event() const { return out_event_q_; }
  uint32_t pkt_version() const { return out_version_q_; }
  uint32_t pkt_state() const { return out_state_q_; }
  bool pkt_is_ready() const { return out_is_ready_q_; }

  uint32_t answers_sent() const { return cnt_ans_q_; }
  uint32_t rit_full_count() const { return cnt_full_q_; }
  uint32_t notifies_sent() const { return cnt_ntf_q_; }
  uint32_t notify_dropped() const { return cnt_drop_q_; }
  bool busy() const { return st_q_ != kIdle || out_valid_q_; }

  // Pulses of the commit (state only: the act state always commits).
  bool done() const { return st_q_ == kAct; }
  /// Evaluates the commit: done_tx(), full() are valid after it.
  void eval(const In& in);
  bool done_tx() const { return out_load_; }
  bool full() const { return full_; }

  void commit(bool rst_n);

 private:
  enum State : uint8_t { kIdle, kMatch, kAct };

  uint32_t n_;
  State st_q_ = kIdle;

  // the command in progress (no reset)
  bool op_notify_q_ = false, op_is_ready_q_ = false;
  uint32_t op_object_q_ = 0, op_event_q_ = 0, op_version_q_ = 0, op_dst_q_ = 0, op_state_q_ = 0;

  bool hit_q_ = false, free_q_ = false;
  uint32_t hit_idx_q_ = 0, free_idx_q_ = 0;

  std::vector<uint8_t> valid_q_;
  std::vector<uint32_t> object_q_, event_q_, version_q_;
  std::vector<uint64_t> mask_q_;

  bool out_valid_q_ = false, out_notify_q_ = false, out_is_ready_q_ = false;
  uint64_t out_mask_q_ = 0;
  uint32_t out_object_q_ = 0, out_event_q_ = 0, out_version_q_ = 0, out_state_q_ = 0;

  uint32_t cnt_ans_q_ = 0, cnt_full_q_ = 0, cnt_ntf_q_ = 0, cnt_drop_q_ = 0;

  // this cycle
  bool op_load_ = false;
  In op_in_{};
  bool match_ = false, hit_d_ = false, free_d_ = false;
  uint32_t hit_idx_d_ = 0, free_idx_d_ = 0;
  bool alloc_we_ = false, or_we_ = false, out_load_ = false, full_ = false;
  int free_entry_ = -1;
  uint32_t alloc_entry_ = 0;
  uint64_t out_mask_d_ = 0;
  bool out_is_ready_d_ = false;
  bool inc_ans_ = false, inc_full_ = false, inc_ntf_ = false, inc_drop_ = false;
  bool out_taken_ = false;
};

}  // namespace shadowsel::ne::twin
