// SPDX-License-Identifier: MIT
// Payloads of the engine's bus packets (NE_SUBSCRIBE, NE_NOTIFY), packed by the
// generated accessors of rtl/data/ipb.yaml: one place for the stimulus generators and
// scoreboards that build them (ne::run_cosim, tests/rtl).
#pragma once

#include <array>
#include <cstdint>

#include "shadowsel/gen/ipb.h"

namespace shadowsel::ne {

inline std::array<uint8_t, 16> notify_payload(uint32_t object, uint8_t event, uint32_t version, uint8_t state,
                                              gen::ipb::NeNotifyKind kind, bool ready, uint32_t stamp) {
  namespace n = gen::ipb::ne_notify;
  std::array<uint8_t, 16> b{};
  n::set_object(b.data(), object);
  n::set_version(b.data(), version);
  n::set_event(b.data(), event);
  n::set_state(b.data(), state);
  n::set_kind(b.data(), kind);
  n::set_ready(b.data(), ready);
  n::set_stamp(b.data(), stamp);
  return b;
}

inline std::array<uint8_t, 16> subscribe_payload(uint32_t object, uint8_t event, uint32_t version) {
  namespace s = gen::ipb::ne_subscribe;
  std::array<uint8_t, 16> b{};
  s::set_object(b.data(), object);
  s::set_version(b.data(), version);
  s::set_event(b.data(), event);
  return b;
}

}  // namespace shadowsel::ne
