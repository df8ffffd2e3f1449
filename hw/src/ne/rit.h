// SPDX-License-Identifier: MIT
// ne_rit: the owner side — remote interest table and readiness table, each direct-mapped
// slots in a block RAM (registered read port: a slot read in one cycle is seen the next)
// with valid bits and a few victim entries (RAM words above the slots in the RTL; their
// keys in flip-flops, compared in one cycle). Operations one at a time (an
// arriving subscribe first, then a command; accepted only while the output and record
// registers are empty, so the commit never waits): accept (both RAMs read at the
// operands' slots, table_hash), match (slot and victims compared, registered), act =
// commit; a PUBLISH then scans every valid slot, lowest first, one read per cycle (the
// first issued at the commit), then every valid victim, and notifies the entries of its
// object it makes ready, and the persistent entries (WATCH_FLAG) of its object whose wake
// bit it sets, to their whole mask unless that is its skip node alone, without freeing them. An NE_UNSUBSCRIBE
// clears its source's bit, freeing an entry left with none. Packets go into one output register, offered on the answer or
// the notify port; a subscribe to an unpublished object into the record register.
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
    bool sub_unsub;  // the arriving packet is NE_UNSUBSCRIBE
    bool ans_ready, ntf_ready, rec_ready;
    uint32_t cmd_stamp;
  };

  /// entries, rdt_entries: powers of two, 2 to 256 (ne_hash); victims as ne_pkg.
  Rit(uint32_t entries, uint32_t rdt_entries, uint32_t victims = regs::kRitVictims,
      uint32_t rdt_victims = regs::kRdtVictims);

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
  enum Op : uint8_t { kOpAnswer, kOpNotify, kOpPublish, kOpUnpublish, kOpSub, kOpUnsub };

  struct Entry {  // an interest entry (a RAM word or a victim)
    uint32_t object = 0, event = 0, version = 0;
    uint64_t mask = 0;
  };
  struct REntry {  // a readiness entry
    uint32_t object = 0, version = 0, rdy = 0, stamp = 0;
  };

  // RDY_STATE's ready bit for a key of event `event` (bit 0 of it) and kind same/diff
  static bool rdy_ready(uint32_t rdy, bool same, uint32_t event) {
    return (rdy >> ((same ? 16 : 18) + (event & 1))) & 1;
  }
  static uint32_t rdy_state(uint32_t rdy, bool same) { return same ? rdy & 0xff : (rdy >> 8) & 0xff; }
  // RDY_STATE's wake bit for a persistent key, and the node it skips (0: none)
  static bool rdy_wake(uint32_t rdy, bool same, uint32_t event) {
    return (rdy >> ((same ? 20 : 22) + (event & 1))) & 1;
  }
  static uint64_t rdy_skip(uint32_t rdy) { return (rdy >> 30) & 1 ? node_bit((rdy >> 24) & 0x3f) : 0; }
  static bool watch(uint32_t event) { return event & regs::kWatchFlag; }
  static constexpr uint32_t kRdtRdyBits = 0xfffff;  // the part of RDY_STATE the table keeps

  uint32_t n_, rn_, nv_, rnv_, iw_, dw_;
  State st_q_ = kIdle;

  // the operation in progress and its slots (no reset); slot_q_ is the scan's slot in kScan
  Op op_q_ = kOpAnswer;
  bool op_is_ready_q_ = false;
  uint32_t op_object_q_ = 0, op_event_q_ = 0, op_version_q_ = 0, op_dst_q_ = 0, op_state_q_ = 0,
           op_rdy_q_ = 0, op_stamp_q_ = 0, slot_q_ = 0, rslot_q_ = 0;

  // the match (no reset)
  bool hit_q_ = false, hit_vic_q_ = false, free_q_ = false, free_vic_q_ = false;
  bool rhit_q_ = false, rhit_vic_q_ = false, rfree_q_ = false, rfree_vic_q_ = false;
  uint32_t hit_v_q_ = 0, free_v_q_ = 0, rhit_v_q_ = 0, rfree_v_q_ = 0;

  // the tables: valid bits, RAM contents and read register, victims
  std::vector<uint8_t> valid_q_, vvalid_q_, rvalid_q_, rvvalid_q_;
  std::vector<Entry> ram_, vent_q_;
  std::vector<REntry> rram_, rvent_q_;
  Entry rdata_q_;
  REntry rrdata_q_;

  // the scan: the RAM's output holds slot slot_q_ (vscan_q_ no reset)
  bool rd_v_q_ = false;
  std::vector<uint8_t> vscan_q_;

  bool out_valid_q_ = false, out_notify_q_ = false, out_cmd_q_ = false, out_is_ready_q_ = false;
  uint64_t out_mask_q_ = 0;
  uint32_t out_object_q_ = 0, out_event_q_ = 0, out_version_q_ = 0, out_state_q_ = 0, out_stamp_q_ = 0;
  bool rec_v_q_ = false;

  uint32_t cnt_ans_q_ = 0, cnt_full_q_ = 0, cnt_ntf_q_ = 0, cnt_drop_q_ = 0, cnt_suba_q_ = 0,
           cnt_rfull_q_ = 0;

  // this cycle
  bool op_load_ = false;
  In op_in_{};
  uint32_t acc_slot_ = 0, acc_rslot_ = 0;
  bool match_ = false;
  bool m_hit_ = false, m_hit_vic_ = false, m_free_ = false, m_free_vic_ = false;
  bool m_rhit_ = false, m_rhit_vic_ = false, m_rfree_ = false, m_rfree_vic_ = false;
  uint32_t m_hit_v_ = 0, m_free_v_ = 0, m_rhit_v_ = 0, m_rfree_v_ = 0;
  State st_d_ = kIdle;
  // table updates: -1 none
  int valid_set_ = -1, valid_clr_ = -1, vvalid_set_ = -1, vvalid_clr_ = -1;
  int rvalid_set_ = -1, rvalid_clr_ = -1, rvvalid_set_ = -1, rvvalid_clr_ = -1;
  int vent_w_ = -1, rvent_w_ = -1, vscan_clr_ = -1;
  Entry vent_wdata_;
  bool vscan_load_ = false;
  bool rit_re_ = false, rit_we_ = false, rdt_re_ = false, rdt_we_ = false;
  uint32_t rit_raddr_ = 0;
  Entry rit_wdata_;
  uint32_t slot_d_ = 0;
  bool rd_v_d_ = false;
  bool out_load_ = false, rec_load_ = false;
  bool out_notify_d_ = false, out_cmd_d_ = false, out_is_ready_d_ = false;
  uint64_t out_mask_d_ = 0;
  uint32_t out_event_d_ = 0, out_version_d_ = 0, out_state_d_ = 0, out_stamp_d_ = 0;
  bool inc_ans_ = false, inc_full_ = false, inc_ntf_ = false, inc_drop_ = false, inc_suba_ = false,
       inc_rfull_ = false;
  bool out_taken_ = false, rec_ready_in_ = false;
  bool done_ = false, done_tx_ = false, full_ = false, rdt_full_ = false;
};

}  // namespace shadowsel::ne::twin
