// SPDX-License-Identifier: MIT
// Shared by the twin's blocks (one class per RTL module of rtl/ne/): widths and the
// generated layouts. Every block keeps its registers as members, evaluates its
// combinational outputs from them and the cycle's inputs, then commits at the edge.
// Before the first reset every register is 0, as in the Verilated RTL (--x-initial fast),
// so that the two agree even on cycles before reset; the reset values are in commit().
#pragma once

#include <cstdint>

#include "shadowsel/gen/ipb.h"
#include "shadowsel/gen/ne.h"
#include "shadowsel/ne/core.h"

namespace shadowsel::ne::twin {

namespace regs = shadowsel::gen::ne;
namespace ipb = shadowsel::gen::ipb;

// Node masks are uint64_t: the RTL's MAX_NODES (ipb.yaml) must be 64.
static_assert(ipb::kMaxNodes == 64, "node masks are held in uint64_t");
static_assert(regs::kRecordBytes == sizeof(Bytes32), "a ready record is one Bytes32 DMA write");
inline constexpr unsigned kNodeBits = 6;  // $clog2(MAX_NODES)
inline constexpr uint32_t kNodeMask = ipb::kMaxNodes - 1;
inline constexpr uint64_t kTimeMask = kNoDeadline;  // 48-bit times, all ones = none

inline constexpr uint64_t node_bit(uint32_t n) { return uint64_t{1} << (n & kNodeMask); }

// $clog2 of a table size (index width of ne_lit / ne_rit).
inline constexpr uint32_t clog2(uint32_t n) {
  uint32_t w = 0;
  while ((uint64_t{1} << w) < n) ++w;
  return w;
}

}  // namespace shadowsel::ne::twin
