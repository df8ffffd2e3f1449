// SPDX-License-Identifier: MIT
// ne_lit: the local interest table (requesting side). One operation at a time, an
// arriving NE_NOTIFY before an ARM (an ARM only while the subscribe output is empty);
// each takes accept (the block RAM reads the key's slot), match (the slot's word and the
// victims, registered), act = commit (waits only for the record output). Entries live in
// `entries` direct-mapped slots (table_hash of the key, node = owner) and kLitVictims
// victims; an ARM that misses takes its slot if free, else the lowest free victim, else
// the table is FULL. A CANCEL that frees an entry loads an NE_UNSUBSCRIBE into the
// subscribe output; a NOTIFY of a persistent key (WATCH_FLAG) keeps it SUBSCRIBED.
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

  // entries: slots, a power of two (2 to 256, as ne_hash allows); victims: LIT_VICTIMS
  explicit Lit(uint32_t entries, uint32_t victims = regs::kLitVictims);

  bool pkt_ready() const { return st_q_ == kIdle; }
  bool arm_ready(bool pkt_valid) const { return st_q_ == kIdle && !pkt_valid && !sub_valid_q_; }

  bool sub_valid() const { return sub_valid_q_; }
  uint32_t sub_owner() const { return sub_owner_q_; }
  uint32_t sub_object() const { return sub_object_q_; }
  uint32_t sub_event() const { return sub_event_q_; }
  uint32_t sub_version() const { return sub_version_q_; }
  bool sub_unsub() const { return sub_unsub_q_; }

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

  // a slot's block RAM word, or a victim: key and last state
  struct Word {
    uint32_t owner = 0, object = 0, event = 0, version = 0, lstate = 0;
    bool same_key(const Word& o) const {
      return owner == o.owner && object == o.object && event == o.event && version == o.version;
    }
  };

  uint32_t n_, v_, bits_;
  State st_q_ = kIdle;

  // the operation in progress (no reset); op_q_.lstate is the packet's state
  bool op_pkt_q_ = false, op_cancel_q_ = false;
  Word op_q_;
  bool op_notify_q_ = false, op_is_ready_q_ = false;
  uint32_t op_stamp_q_ = 0, op_stamp_d_ = 0;
  uint32_t slot_q_ = 0;

  // the match result (no reset)
  bool hit_q_ = false, hit_vic_q_ = false, free_q_ = false, free_vic_q_ = false;
  uint32_t hit_idx_q_ = 0, free_idx_q_ = 0;

  // the slots: valid and status reset; the block RAM (no reset) and its read register
  std::vector<uint8_t> valid_q_, subd_q_;
  std::vector<Word> ram_;
  Word rdata_q_;
  // the victims: valid and status reset, contents not (guarded by valid)
  std::vector<uint8_t> vvalid_q_, vsubd_q_;
  std::vector<Word> vic_q_;

  bool sub_valid_q_ = false;
  uint32_t sub_owner_q_ = 0, sub_object_q_ = 0, sub_event_q_ = 0, sub_version_q_ = 0;
  bool sub_unsub_q_ = false;

  bool rec_valid_q_ = false;
  uint32_t rec_kind_q_ = 0, rec_src_q_ = 0, rec_object_q_ = 0, rec_event_q_ = 0,
           rec_version_q_ = 0, rec_state_q_ = 0;
  bool rec_is_ready_q_ = false, rec_tag_q_ = false;
  uint32_t rec_stamp_q_ = 0;

  uint32_t cnt_sent_q_ = 0, cnt_supp_q_ = 0, cnt_stray_q_ = 0, cnt_full_q_ = 0;

  // this cycle
  bool op_load_ = false;
  bool op_pkt_d_ = false, op_cancel_d_ = false;
  Word op_d_;
  bool op_notify_d_ = false, op_is_ready_d_ = false;
  uint32_t acc_slot_ = 0;
  bool match_ = false, hit_d_ = false, hit_vic_d_ = false, free_d_ = false, free_vic_d_ = false;
  uint32_t hit_idx_d_ = 0, free_idx_d_ = 0;
  bool commit_ = false;
  bool ram_we_ = false;                     // the slot's word := the operation's key and state
  int slot_valid_ = -1, slot_subd_ = -1;    // the slot's valid / status bit becomes 0 or 1
  int vic_ = -1;                            // the victim that changes...
  int vic_valid_ = -1, vic_subd_ = -1;      // ... its valid / status bit becomes 0 or 1
  bool vic_key_we_ = false, vic_state_we_ = false;
  bool alloc_we_ = false, unsub_load_ = false, rec_load_ = false;
  uint32_t rec_kind_d_ = 0, rec_state_d_ = 0;
  bool rec_is_ready_d_ = false;
  bool inc_sent_ = false, inc_supp_ = false, inc_stray_ = false, inc_full_ = false;
  bool sub_ready_ = false, rec_ready_ = false;
  bool arm_done_ = false, arm_full_ = false;
  uint8_t arm_result_ = 0;
};

}  // namespace shadowsel::ne::twin
