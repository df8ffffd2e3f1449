// SPDX-License-Identifier: MIT
// ne_tx (see tx.h). Payloads through the generated ipb.h layouts, unused bytes 0.
#include "tx.h"

#include <bit>

namespace shadowsel::ne::twin {

void Tx::commit(bool rst_n, const Fields& f) {
  if (load_) {  // the output register's contents have no reset
    out_cmd_q_ = (gnt_ & kSub) || ((gnt_ & (kAns | kNtf)) && f.pkt_cmd);
    payload_q_ = Bytes16{};
    uint8_t* p = payload_q_.data();
    if (gnt_ & kSub) {
      type_q_ = static_cast<uint8_t>(f.sub_unsub ? ipb::PacketType::kNeUnsubscribe : ipb::PacketType::kNeSubscribe);
      mask_q_ = node_bit(f.sub_owner);
      len_q_ = ipb::ne_subscribe::kBytes;
      ipb::ne_subscribe::set_object(p, f.sub_object);
      ipb::ne_subscribe::set_version(p, f.sub_version);
      ipb::ne_subscribe::set_event(p, f.sub_event);
    } else if (gnt_ & (kAns | kNtf)) {
      type_q_ = static_cast<uint8_t>(ipb::PacketType::kNeNotify);
      mask_q_ = f.pkt_dst_mask;
      len_q_ = ipb::ne_notify::kBytes;
      ipb::ne_notify::set_object(p, f.pkt_object);
      ipb::ne_notify::set_version(p, f.pkt_version);
      ipb::ne_notify::set_event(p, f.pkt_event);
      ipb::ne_notify::set_state(p, f.pkt_state);
      ipb::ne_notify::set_kind(p, (gnt_ & kNtf) ? ipb::NeNotifyKind::kNotify : ipb::NeNotifyKind::kAnswer);
      ipb::ne_notify::set_ready(p, f.pkt_is_ready);
      ipb::ne_notify::set_stamp(p, f.pkt_stamp);
      // test-only fault: from the chosen multicast NOTIFY on, the lowest node is lost
      if ((gnt_ & kNtf) && rst_n && std::popcount(mask_q_) > 1 && multicasts_++ >= drop_after_)
        mask_q_ &= mask_q_ - 1;
    } else {
      type_q_ = static_cast<uint8_t>(ipb::PacketType::kAlive);
      mask_q_ = f.alive_mask;
      len_q_ = 0;  // ALIVE has an empty payload
    }
  }
  arb_.commit(rst_n, load_, gnt_);
  out_valid_q_ = rst_n && ((out_valid_q_ && !tx_ready_) || load_);
}

}  // namespace shadowsel::ne::twin
