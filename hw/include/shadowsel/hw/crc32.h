// SPDX-License-Identifier: MIT
// CRC-32 (IEEE 802.3, reflected, as zlib computes it): the check field of a bus frame.
#pragma once

#include <cstdint>
#include <span>

namespace shadowsel::hw {

uint32_t crc32(std::span<const uint8_t> bytes);

}  // namespace shadowsel::hw
