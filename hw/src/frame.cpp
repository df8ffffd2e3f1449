// SPDX-License-Identifier: MIT
#include "shadowsel/hw/frame.h"

#include <cstring>
#include <stdexcept>

#include "shadowsel/hw/crc32.h"

namespace shadowsel::hw {

bool Frame::multicast() const {
  return ipb::header::get_flags(bytes.data()) & static_cast<uint64_t>(ipb::HeaderFlags::kMcast);
}

uint64_t Frame::dst_mask() const {
  if (multicast()) return ipb::mcast_ext::get_dst_mask(bytes.data() + ipb::header::kBytes);
  return 1ull << ipb::header::get_dst(bytes.data());
}

std::span<const uint8_t> Frame::payload() const {
  const size_t start = ipb::header::kBytes + (multicast() ? ipb::mcast_ext::kBytes : 0);
  const size_t len = ipb::header::get_length(bytes.data());
  return {bytes.data() + start, len};
}

bool Frame::check_ok() const {
  if (bytes.size() < ipb::header::kBytes + ipb::kCheckBytes) return false;
  const size_t body = bytes.size() - ipb::kCheckBytes;
  uint32_t stored;
  std::memcpy(&stored, bytes.data() + body, sizeof stored);  // little-endian host
  return stored == crc32({bytes.data(), body});
}

uint32_t frame_bytes(uint32_t payload_bytes, bool multicast) {
  return ipb::header::kBytes + (multicast ? ipb::mcast_ext::kBytes : 0) + payload_bytes +
         ipb::kCheckBytes;
}

uint64_t transfer_cycles(const BusParams& p, uint32_t frame) {
  return (frame + p.width_bytes - 1) / p.width_bytes;
}

uint64_t packet_cycles(const BusParams& p, uint32_t payload_bytes, bool multicast) {
  return p.arb_cycles + transfer_cycles(p, frame_bytes(payload_bytes, multicast));
}

FramePtr build_frame(PacketType type, uint32_t src, uint64_t dst_mask, uint16_t seq,
                     std::span<const uint8_t> payload, bool mcast, uint64_t flow) {
  if (dst_mask == 0) throw std::invalid_argument("frame without destination");
  if (payload.size() > 0xFFFF) throw std::invalid_argument("payload too long for a frame");
  auto f = std::make_shared<Frame>();
  f->flow = flow;
  f->bytes.assign(frame_bytes(static_cast<uint32_t>(payload.size()), mcast), 0);
  uint8_t* b = f->bytes.data();
  ipb::header::set_type(b, static_cast<uint64_t>(type));
  ipb::header::set_src(b, src);
  ipb::header::set_dst(b, mcast ? 0 : __builtin_ctzll(dst_mask));
  ipb::header::set_flags(b, mcast ? static_cast<uint64_t>(ipb::HeaderFlags::kMcast) : 0);
  ipb::header::set_length(b, payload.size());
  ipb::header::set_seq(b, seq);
  size_t at = ipb::header::kBytes;
  if (mcast) {
    ipb::mcast_ext::set_dst_mask(b + at, dst_mask);
    at += ipb::mcast_ext::kBytes;
  }
  if (!payload.empty()) std::memcpy(b + at, payload.data(), payload.size());
  at += payload.size();
  const uint32_t check = crc32({b, at});
  std::memcpy(b + at, &check, sizeof check);
  return f;
}

}  // namespace shadowsel::hw
