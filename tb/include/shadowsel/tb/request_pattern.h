// SPDX-License-Identifier: MIT
// What a client sends the request-reply servers (socket_server, net_server) and what
// it expects back, computed alike by the clients, the remote hosts and the servers
// so that every byte can be checked at both ends without carrying lengths.
#pragma once

#include <cstdint>

namespace shadowsel::tb {

/// Byte i of request r of client c; its reply is every byte of the request inverted.
inline uint8_t request_byte(uint32_t c, uint32_t r, uint32_t i) {
  uint32_t x = (c * 0x9E3779B1u) ^ (r * 0x85EBCA77u) ^ (i * 0xC2B2AE3Du);
  x ^= x >> 15;
  return static_cast<uint8_t>(x ^ (x >> 8));
}

/// Size of request r of client c: `bytes`, or uniform in [bytes, bytes_max] drawn
/// from the run's seed (splitmix64 of seed, client and request).
inline uint32_t request_size(uint64_t seed, uint32_t c, uint32_t r, uint32_t bytes, uint32_t bytes_max) {
  if (bytes_max <= bytes) return bytes;
  uint64_t z = seed + 0x9E3779B97F4A7C15ull * ((uint64_t{c} << 32 | r) + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return bytes + static_cast<uint32_t>(z % (uint64_t{bytes_max} - bytes + 1));
}

}  // namespace shadowsel::tb
