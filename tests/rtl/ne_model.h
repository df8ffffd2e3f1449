// SPDX-License-Identifier: MIT
// Reference model (scoreboard) of the notify engine: the contract of docs/notify-engine.md
// with the decisions of rtl/data/ne.yaml and of the rtl/ne/ module headers, at the level
// of transactions, stepped once per clock cycle.
//
// The engine orders its work internally (which of an ARM and an arriving packet the local
// interest table takes first, when the ring takes a record, when a node is declared
// down), so the model is told where the RTL committed each operation: CycleObs carries,
// besides what happened on the ports, a few internal "probe" pulses (ne_regs exec,
// ne_lit commit, ne_rit commit, ne_ring accept, ne_alive ALIVE load and declare). Given
// that order the model predicts everything else and checks it: every packet, DMA write,
// MMIO read value, the interrupt line each cycle, idle and wake_at, ARM results,
// counters, and that each probed decision was allowed (a declaration only after the
// timeout, an overflow only when the ring was full, ...).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ne_types.h"

namespace ne_tb {

// What the harness saw in one cycle, between two rising edges (after reset).
struct CycleObs {
  uint64_t cycle = 0;
  uint64_t now = 0;
  // handshakes (valid && ready this cycle) and outputs
  bool mmio_hs = false;
  MmioReq mmio;
  bool rx_hs = false;
  RxPkt rx;
  bool tx_hs = false;
  TxPkt tx;
  bool dma_hs = false;
  DmaWrite dma;
  bool rsp = false;
  uint32_t rdata = 0;
  bool irq = false;
  bool idle = false;
  uint64_t wake_at = 0;
  // probes
  bool exec = false;         // ne_regs executes the oldest accepted request
  bool lit_commit = false;   // ne_lit commits an operation...
  bool lit_pkt = false;      // ... an arriving NE_NOTIFY (else an ARM)
  bool rit_commit = false;   // ne_rit commits an operation...
  bool rit_sub = false;      // ... an arriving NE_SUBSCRIBE (else the command)
  bool rit_scan_load = false;  // a PUBLISH's scan loads a NOTIFY
  bool rit_scan_end = false;   // a PUBLISH's scan ends
  bool ring_accept = false;  // ne_ring takes a record...
  bool ring_full = false;    // ... and drops it
  bool ring_tag = false;     // ... the command's own record
  Bytes32 ring_rec{};        // ... its fields (seq not yet set)
  bool alive_load = false;   // ne_alive loads an ALIVE packet
  bool declare = false;      // ne_alive declares a node down...
  uint8_t declare_node = 0;  // ... this one
};

class Model {
 public:
  Model(int lit_entries, int rit_entries);

  // Checks one cycle and advances. Returns false (and sets error()) at the first mismatch.
  bool step(const CycleObs& o);
  const std::string& error() const { return error_; }

  // Nothing in flight that the model knows of (used at the end of a test).
  bool quiescent() const;
  // The earliest deadline the engine should report (kNoDeadline: none).
  uint64_t min_deadline() const;
  // Nodes whose watch deadline has passed at `now` (should have been declared).
  uint64_t overdue(uint64_t now) const;

  // --- state the random generator may look at -------------------------------------
  struct Key {
    uint8_t owner = 0;
    uint32_t object = 0;
    uint8_t event = 0;
    uint32_t version = 0;
    bool operator==(const Key&) const = default;
  };
  struct LitEntry {
    Key key;
    bool subscribed = false;
    uint8_t state = 0;
    int slot = -1;  // the block RAM slot that holds it (table_hash of the key), -1: a victim
  };
  const std::vector<LitEntry>& lit() const { return lit_; }
  uint32_t ring_head() const { return head_; }
  uint32_t ring_tail() const { return tail_; }
  uint32_t ring_size() const { return ring_size_; }
  bool cmd_busy() const { return cmd_busy_; }
  uint8_t node_id() const { return node_id_; }
  bool enabled() const { return enable_; }
  uint64_t nodes_down() const { return down_; }
  uint64_t alive_mask() const { return mask_; }

  // event counts, for coverage reporting
  struct Coverage {
    uint64_t arm_sent = 0, arm_in_flight = 0, arm_subscribed = 0, arm_full = 0;
    uint64_t pkt_answer = 0, pkt_notify = 0, pkt_stray = 0, rx_subscribe = 0;
    uint64_t ans_cmd = 0, rit_full = 0, notify_sent = 0, notify_dropped = 0, multicast = 0;
    uint64_t records = 0, overflows = 0, declares = 0, alive_sent = 0;
    uint64_t irq_records = 0, irq_rises = 0, reads = 0, writes = 0, idle_cycles = 0;
    uint64_t publish = 0, rdt_full = 0, sub_answered = 0, sub_recorded = 0, scan_notify = 0, unpublish = 0;
    uint64_t cancel_hit = 0;
    // persistent keys (WATCH_FLAG): a NOTIFY kept, an unsubscribe that cleared a bit, a
    // PUBLISH's notification of a persistent entry, one whose only node was skipped
    uint64_t watch_kept = 0, unsub_hit = 0, scan_watch = 0, scan_skipped = 0;
  };
  const Coverage& coverage() const { return cov_; }

 private:
  struct Rec {
    uint8_t kind = 0, src = 0, event = 0, state = 0;
    uint32_t object = 0, version = 0;
    bool ready = false;
    bool tag = false;
    uint32_t stamp = 0;
  };
  struct RitEntry {
    uint32_t object = 0;
    uint8_t event = 0;
    uint32_t version = 0;
    uint64_t mask = 0;
  };
  struct Pending {  // accepted by the ring, waiting for its DMA write
    Rec rec;
    DmaWrite dma;
  };

  bool fail(const CycleObs& o, const std::string& what);
  // The place of a key in the remote interest table (rit_: slots, then victims), or -1.
  int find_rit(uint32_t object, uint8_t event, uint32_t version) const;
  // The place of an object in the readiness table (rdt_: slots, then victims), or -1.
  int find_rdt(uint32_t object) const;
  // RDY_STATE's skip node as a mask (0: none): a PUBLISH does not notify its persistent keys
  uint64_t skip_mask() const { return (rdy_state_ >> 30) & 1 ? uint64_t{1} << ((rdy_state_ >> 24) & 63) : 0; }
  // An answer (command or the engine's own): remember dst's interest if not ready; returns
  // the ready bit sent (1 when the table is full).
  bool answer(uint32_t object, uint8_t event, uint32_t version, uint8_t dst, bool ready, bool& set_rit_full);
  uint32_t read_reg(uint32_t addr) const;
  // ne_lit's placement of a new key: its slot, -1 a victim, kLitFull none
  static constexpr int kLitFull = -2;
  int lit_place(const Key& k) const;
  bool watched(int n) const;
  static Bytes32 format(const Rec& r, uint32_t seq);
  static Rec unformat(const Bytes32& b);
  static std::string str(const Rec& r);

  int lit_entries_, rit_entries_;
  unsigned rit_bits_, rdt_bits_;  // slot index widths (table_hash)
  std::string error_;
  Coverage cov_;

  // registers
  uint8_t node_id_ = 0;
  bool enable_ = false;
  bool st_lit_full_ = false, st_rit_full_ = false, st_overflow_ = false, st_rdt_full_ = false;
  uint32_t rdy_state_ = 0;
  uint32_t stamp_ = 0;
  uint8_t key_owner_ = 0, key_event_ = 0, ans_dst_ = 0, ans_state_ = 0;
  uint32_t key_object_ = 0, key_version_ = 0;
  bool ans_ready_ = false;
  uint8_t arm_result_ = 0;
  uint32_t ring_base_ = 0, ring_size_ = 0, tail_ = 0, head_ = 0;
  uint8_t irq_enable_ = 0, irq_status_ = 0;
  uint16_t coal_count_ = 1;
  uint32_t coal_cycles_ = 0, period_ = 0, timeout_ = 0;
  uint64_t mask_ = 0, down_ = 0;
  // counters
  uint32_t c_sub_ = 0, c_supp_ = 0, c_stray_ = 0, c_lit_full_ = 0, c_ans_ = 0, c_rit_full_ = 0;
  uint32_t c_ntf_ = 0, c_drop_ = 0, c_written_ = 0, c_ovf_ = 0, c_suba_ = 0, c_rfull_ = 0;
  // command in progress
  bool cmd_busy_ = false, cmd_committed_ = false, exp_tx_ = false, exp_rec_ = false, exp_scan_ = false;
  uint8_t cmd_code_ = 0;
  std::optional<TxPkt> cmd_tx_;
  // tables
  std::vector<LitEntry> lit_;
  // RIT_ENTRIES direct-mapped slots (table_hash of the key), then RIT_VICTIMS victims: a
  // key takes its slot, else the lowest free victim (rtl/ne/ne_rit.sv)
  std::vector<std::optional<RitEntry>> rit_;
  struct Rdt {
    uint32_t object = 0, version = 0, rdy = 0, stamp = 0;
  };
  // published objects: RDT_ENTRIES slots (table_hash of the object), then RDT_VICTIMS
  std::vector<std::optional<Rdt>> rdt_;
  std::deque<int> scan_;            // a PUBLISH's ready entries: slots ascending, then victims
  std::deque<RxPkt> rx_sub_;        // arrived NE_SUBSCRIBE not yet committed by ne_rit
  std::deque<std::pair<TxPkt, bool>> rit_tx_;  // ne_rit's packets in order; true: the command's
  std::deque<RxPkt> rx_ntf_;  // arrived NE_NOTIFY not yet committed by ne_lit
  // records by source, then the ring
  std::deque<Rec> q_lit_, q_rx_, q_nd_;
  std::optional<Pending> dma_;
  // interrupt coalescing
  uint32_t pend_ = 0;
  uint64_t dl_ = kNoDeadline;
  // liveness
  uint64_t next_send_ = 0;
  std::deque<uint64_t> alive_q_;  // ALIVE packets loaded, not yet on the tx port
  std::array<uint64_t, kMaxNodes> eff_{};  // last arrival or restart time
  // MMIO
  std::deque<MmioReq> req_q_;
  std::deque<uint32_t> rsp_q_;
  bool prev_irq_ = false;
};

}  // namespace ne_tb
