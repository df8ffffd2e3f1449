// SPDX-License-Identifier: MIT
// Transactions on the ports of ne_top (docs/notify-engine.md §5), shared by the reference
// model, the Verilator harness and the stimulus files. No Verilator or SystemC here.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <string>

namespace ne_tb {

using Bytes16 = std::array<uint8_t, 16>;
using Bytes32 = std::array<uint8_t, 32>;  // a ready record (RECORD_BYTES)

inline constexpr uint64_t kNoDeadline = (uint64_t{1} << 48) - 1;  // wake_at: none
inline constexpr int kMaxNodes = 64;

struct MmioReq {
  bool write = false;
  uint32_t addr = 0;
  uint32_t wdata = 0;
};

struct RxPkt {
  uint8_t type = 0;
  uint8_t src = 0;
  uint8_t len = 0;
  Bytes16 payload{};
};

struct TxPkt {
  uint8_t type = 0;
  uint64_t mask = 0;
  uint8_t len = 0;
  Bytes16 payload{};
  bool operator==(const TxPkt&) const = default;
};

struct DmaWrite {
  uint32_t addr = 0;
  uint8_t bytes = 0;
  Bytes32 data{};
  bool operator==(const DmaWrite&) const = default;
};

template <size_t N>
std::string hex(const std::array<uint8_t, N>& b) {
  // most significant byte first, as Verilog prints a vector with %h
  std::string s;
  char buf[3];
  for (size_t i = N; i-- > 0;) {
    std::snprintf(buf, sizeof buf, "%02x", b[i]);
    s += buf;
  }
  return s;
}

template <size_t N>
bool parse_hex(const std::string& s, std::array<uint8_t, N>& b) {
  if (s.size() > 2 * N) return false;
  b.fill(0);
  const std::string p = std::string(2 * N - s.size(), '0') + s;
  for (size_t i = 0; i < N; ++i) {
    unsigned v = 0;
    if (std::sscanf(p.c_str() + 2 * (N - 1 - i), "%2x", &v) != 1) return false;
    b[i] = static_cast<uint8_t>(v);
  }
  return true;
}

inline std::string str(const TxPkt& p) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "type %u mask %016llx len %u payload ", p.type,
                static_cast<unsigned long long>(p.mask), p.len);
  return buf + hex(p.payload);
}

inline std::string str(const DmaWrite& d) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "addr %08x bytes %u data ", d.addr, d.bytes);
  return buf + hex(d.data);
}

}  // namespace ne_tb
