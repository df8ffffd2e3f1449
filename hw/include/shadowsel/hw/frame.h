// SPDX-License-Identifier: MIT
// A bus frame: header, optional multicast extension, payload and CRC-32, laid
// out exactly as rtl/data/ipb.yaml says (the generated shadowsel/gen/ipb.h holds
// every field position). Also the bus timing formulas that follow from it.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "shadowsel/gen/ipb.h"
#include "shadowsel/hw/params.h"

namespace shadowsel::hw {

namespace ipb = shadowsel::gen::ipb;
using PacketType = ipb::PacketType;
static_assert(kMaxCpus == ipb::kMaxNodes, "the destination mask must name every CPU");

/// The bytes of one frame as they cross a lane. Immutable once built, shared by
/// every receiver of a multicast.
struct Frame {
  std::vector<uint8_t> bytes;
  /// The timeline's flow (sim::Recorder::new_flow), 0 none. Not part of the bytes:
  /// tracing changes no frame size, timing or result.
  uint64_t flow = 0;

  PacketType type() const { return static_cast<PacketType>(ipb::header::get_type(bytes.data())); }
  uint32_t src() const { return static_cast<uint32_t>(ipb::header::get_src(bytes.data())); }
  uint16_t seq() const { return static_cast<uint16_t>(ipb::header::get_seq(bytes.data())); }
  bool multicast() const;
  /// Nodes addressed by the frame (one bit for unicast).
  uint64_t dst_mask() const;
  std::span<const uint8_t> payload() const;
  /// True when the trailing CRC-32 matches the rest of the frame.
  bool check_ok() const;
};

using FramePtr = std::shared_ptr<const Frame>;

/// Frame size for a payload: header + (extension if multicast) + payload + check.
uint32_t frame_bytes(uint32_t payload_bytes, bool multicast);
/// Cycles a lane is occupied moving a frame: ceil(frame / width).
uint64_t transfer_cycles(const BusParams& p, uint32_t frame_bytes);
/// Request-to-delivery cycles of one packet on an idle lane: arbitration + transfer.
uint64_t packet_cycles(const BusParams& p, uint32_t payload_bytes, bool multicast);

/// Builds a frame; multicast format when `multicast` is set (a multicast
/// retried for a single receiver keeps its format and sequence stream).
FramePtr build_frame(PacketType type, uint32_t src, uint64_t dst_mask, uint16_t seq,
                     std::span<const uint8_t> payload, bool multicast, uint64_t flow = 0);

inline int popcount(uint64_t m) { return __builtin_popcountll(m); }

}  // namespace shadowsel::hw
