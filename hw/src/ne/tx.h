// SPDX-License-Identifier: MIT
// ne_tx: four packet sources (subscribe, answer, notify, alive) into one output register,
// round robin; the packet is formatted when loaded and held on the tx port until taken.
// A subscribe, and an answer or notify the RIT marks (pkt_cmd), belongs to the command in
// progress (cmd_done at its handshake); ALIVE and the engine's own packets do not.
#pragma once

#include <cstdint>

#include "common.h"
#include "rr_arb.h"

namespace shadowsel::ne::twin {

class Tx {
 public:
  // source bits of a request set (ne_tx: subscribe 0, answer 1, notify 2, alive 3)
  static constexpr uint32_t kSub = 1, kAns = 2, kNtf = 4, kAlive = 8;
  /// Fields of the sources, read only when a packet is loaded.
  struct Fields {
    uint32_t sub_owner, sub_object, sub_event, sub_version;
    bool sub_unsub;  // NE_UNSUBSCRIBE (the same payload)
    uint64_t pkt_dst_mask;
    uint32_t pkt_object, pkt_event, pkt_version, pkt_state;
    bool pkt_is_ready, pkt_cmd;
    uint64_t alive_mask;
    uint32_t pkt_stamp;
  };

  /// drop_after: multicast NOTIFY packets that stay correct before each later one loses
  /// the lowest node of its mask (TwinFault kNotifyMaskDropsLowest); UINT64_MAX: never.
  explicit Tx(uint64_t drop_after) : drop_after_(drop_after) {}

  /// The grant of this cycle: `req` is a set of Source bits.
  void arbitrate(uint32_t req, bool tx_ready) {
    tx_ready_ = tx_ready;
    load_ = req != 0 && (!out_valid_q_ || tx_ready);
    gnt_ = load_ ? arb_.grant(req) : 0;
  }
  bool ready(uint32_t s) const { return (gnt_ & s) != 0; }

  bool tx_valid() const { return out_valid_q_; }
  uint8_t tx_type() const { return type_q_; }
  uint64_t tx_dst_mask() const { return mask_q_; }
  uint8_t tx_len() const { return len_q_; }
  const Bytes16& tx_payload() const { return payload_q_; }
  bool cmd_done() const { return out_valid_q_ && tx_ready_ && out_cmd_q_; }
  bool busy() const { return out_valid_q_; }

  void commit(bool rst_n, const Fields& f);

 private:
  RrArb arb_{4};
  bool tx_ready_ = false, load_ = false;
  uint32_t gnt_ = 0;

  bool out_valid_q_ = false, out_cmd_q_ = false;
  uint8_t type_q_ = 0, len_q_ = 0;
  uint64_t mask_q_ = 0;
  Bytes16 payload_q_{};

  uint64_t drop_after_;
  uint64_t multicasts_ = 0;
};

}  // namespace shadowsel::ne::twin
