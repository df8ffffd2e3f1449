// SPDX-License-Identifier: MIT
// ne_rx: one packet register. A packet is taken whenever it is empty; at the handshake an
// engine packet is reported as an arrival (ne_alive) and, if it needs work, decoded and
// kept: NE_NOTIFY for the LIT, NE_SUBSCRIBE and NE_UNSUBSCRIBE for the RIT. Anything else (or any
// packet while disabled, or a short / badly kinded one) is taken and dropped.
#pragma once

#include <cstdint>

#include "common.h"

namespace shadowsel::ne::twin {

class Rx {
 public:
  struct In {
    bool enable;
    bool rx_valid;
    uint8_t rx_type, rx_src, rx_len;
    const Bytes16* rx_payload;
    bool pkt_ready, sub_ready;
  };

  bool rx_ready() const { return !v_q_; }
  bool pkt_valid() const { return v_q_ && !sub_q_; }
  bool sub_valid() const { return v_q_ && sub_q_; }
  uint32_t pkt_src() const { return src_q_; }
  uint32_t pkt_object() const { return object_q_; }
  uint32_t pkt_event() const { return event_q_; }
  uint32_t pkt_version() const { return version_q_; }
  uint32_t pkt_state() const { return state_q_; }
  bool pkt_notify() const { return notify_q_; }
  bool pkt_is_ready() const { return is_ready_q_; }
  uint32_t pkt_stamp() const { return stamp_q_; }
  bool pkt_unsub() const { return unsub_q_; }
  bool busy() const { return v_q_; }

  /// The handshake and its decode; seen_valid()/seen_src() are valid after it.
  void eval(const In& in);
  bool seen_valid() const { return seen_valid_; }
  uint32_t seen_src() const { return seen_src_; }

  void commit(bool rst_n);

 private:
  bool v_q_ = false, sub_q_ = false, unsub_q_ = false;
  uint32_t src_q_ = 0, object_q_ = 0, event_q_ = 0, version_q_ = 0, state_q_ = 0;
  bool notify_q_ = false, is_ready_q_ = false;
  uint32_t stamp_q_ = 0;

  // this cycle
  bool seen_valid_ = false;
  uint32_t seen_src_ = 0;
  bool v_d_ = false, load_ = false;
  bool sub_d_ = false, unsub_d_ = false, notify_d_ = false, is_ready_d_ = false;
  uint32_t object_d_ = 0, event_d_ = 0, version_d_ = 0, state_d_ = 0, stamp_d_ = 0;
};

}  // namespace shadowsel::ne::twin
