// SPDX-License-Identifier: MIT
// The slot of a key in a direct-mapped table of the notify engine: the same function as
// rtl/ne/ne_hash.sv (its header says why it is this one). Shared by the twin's tables
// and the testbench's reference model, because it is part of the engine's contract
// (which keys can share a slot decides when a table reports FULL).
#pragma once

#include <cstdint>

namespace shadowsel::ne {

inline constexpr uint32_t table_hash(uint32_t object, uint32_t event, uint32_t version, uint32_t node,
                                     unsigned bits) {
  const uint32_t mixed = object ^ ((version << 13) | (version >> 19)) ^ ((event & 0xffu) << 24) ^
                         ((node & 0x3fu) << 18);
  const uint32_t mask = (uint32_t{1} << bits) - 1;
  uint32_t h = 0;
  for (unsigned c = 0; c < 32; c += bits) h ^= (mixed >> c) & mask;
  return h;
}

}  // namespace shadowsel::ne
