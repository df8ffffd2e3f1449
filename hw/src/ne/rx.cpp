// SPDX-License-Identifier: MIT
// ne_rx (see rx.h). Payload fields through the generated ipb.h layouts.
#include "rx.h"

namespace shadowsel::ne::twin {

namespace {
constexpr uint8_t kTypeSub = static_cast<uint8_t>(ipb::PacketType::kNeSubscribe);
constexpr uint8_t kTypeUnsub = static_cast<uint8_t>(ipb::PacketType::kNeUnsubscribe);
constexpr uint8_t kTypeNtf = static_cast<uint8_t>(ipb::PacketType::kNeNotify);
constexpr uint8_t kTypeAlive = static_cast<uint8_t>(ipb::PacketType::kAlive);
constexpr uint64_t kKindAnswer = static_cast<uint64_t>(ipb::NeNotifyKind::kAnswer);
constexpr uint64_t kKindNotify = static_cast<uint64_t>(ipb::NeNotifyKind::kNotify);
}  // namespace

void Rx::eval(const In& in) {
  const bool hs = in.rx_valid && !v_q_;
  seen_src_ = in.rx_src;
  seen_valid_ = false;
  load_ = false;
  if (hs) {
    const bool is_unsub = in.rx_type == kTypeUnsub;
    const bool is_sub = in.rx_type == kTypeSub || is_unsub;  // the same payload
    const bool is_ntf = in.rx_type == kTypeNtf;
    const bool is_alive = in.rx_type == kTypeAlive;
    const uint8_t* p = in.rx_payload->data();
    const uint64_t kind = ipb::ne_notify::get_kind(p);
    const bool kind_ok = kind == kKindAnswer || kind == kKindNotify;
    const bool take = in.enable && ((is_sub && in.rx_len >= ipb::ne_subscribe::kBytes) ||
                                    (is_ntf && in.rx_len >= ipb::ne_notify::kBytes && kind_ok));
    seen_valid_ = in.enable && (is_sub || is_ntf || is_alive);
    v_d_ = take;
    if (take) {
      load_ = true;
      sub_d_ = is_sub;
      unsub_d_ = is_unsub;
      if (is_sub) {
        object_d_ = static_cast<uint32_t>(ipb::ne_subscribe::get_object(p));
        event_d_ = static_cast<uint32_t>(ipb::ne_subscribe::get_event(p));
        version_d_ = static_cast<uint32_t>(ipb::ne_subscribe::get_version(p));
      } else {
        object_d_ = static_cast<uint32_t>(ipb::ne_notify::get_object(p));
        event_d_ = static_cast<uint32_t>(ipb::ne_notify::get_event(p));
        version_d_ = static_cast<uint32_t>(ipb::ne_notify::get_version(p));
      }
      // decoded as NE_NOTIFY whatever the type, as the RTL does (unused for a subscribe)
      state_d_ = static_cast<uint32_t>(ipb::ne_notify::get_state(p));
      notify_d_ = kind == kKindNotify;
      is_ready_d_ = ipb::ne_notify::get_ready(p);
      stamp_d_ = static_cast<uint32_t>(ipb::ne_notify::get_stamp(p));
    }
  } else {
    v_d_ = v_q_ && !(sub_q_ ? in.sub_ready : in.pkt_ready);
  }
}

void Rx::commit(bool rst_n) {
  v_q_ = rst_n && v_d_;
  if (load_) {  // no reset
    sub_q_ = sub_d_;
    unsub_q_ = unsub_d_;
    src_q_ = seen_src_;
    object_q_ = object_d_;
    event_q_ = event_d_;
    version_q_ = version_d_;
    state_q_ = state_d_;
    notify_q_ = notify_d_;
    is_ready_q_ = is_ready_d_;
    stamp_q_ = stamp_d_;
  }
}

}  // namespace shadowsel::ne::twin
