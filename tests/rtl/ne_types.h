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
  Bytes16 data{};
  bool operator==(const DmaWrite&) const = default;
};

inline std::string hex(const Bytes16& b) {
  // most significant byte first, as Verilog prints a 128-bit vector with %h
  std::string s;
  char buf[3];
  for (int i = 15; i >= 0; --i) {
    std::snprintf(buf, sizeof buf, "%02x", b[i]);
    s += buf;
  }
  return s;
}

inline bool parse_hex(const std::string& s, Bytes16& b) {
  if (s.size() > 32) return false;
  b.fill(0);
  const std::string p = std::string(32 - s.size(), '0') + s;
  for (int i = 0; i < 16; ++i) {
    unsigned v = 0;
    if (std::sscanf(p.c_str() + 2 * (15 - i), "%2x", &v) != 1) return false;
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
