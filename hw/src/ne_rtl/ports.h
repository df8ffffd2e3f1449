// SPDX-License-Identifier: MIT
// ne::Inputs and ne::Outputs to and from the ports of a Verilated ne_top (or ne_top_sim,
// same ports): one mapping for ne::make_rtl (rtl_core.cpp) and the RTL testbench's
// harness (tests/rtl/ne_harness.cpp). Wide ports are Verilator's 32-bit words, least
// significant first, and the byte arrays are little-endian.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

#include "shadowsel/ne/core.h"

namespace shadowsel::ne::ports {

template <typename W, size_t N>
void to_bytes(std::array<uint8_t, N>& b, const W& w) {
  static_assert(sizeof(w.m_storage) == sizeof(b));
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(b.data(), w.data(), sizeof(b));
  } else {
    for (size_t i = 0; i < N; ++i) b[i] = static_cast<uint8_t>(w[i / 4] >> (8 * (i % 4)));
  }
}

template <typename W, size_t N>
void from_bytes(W& w, const std::array<uint8_t, N>& b) {
  static_assert(sizeof(w.m_storage) == sizeof(b));
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(w.data(), b.data(), sizeof(b));
  } else {
    for (size_t i = 0; i < N / 4; ++i)
      w[i] = uint32_t{b[4 * i]} | uint32_t{b[4 * i + 1]} << 8 | uint32_t{b[4 * i + 2]} << 16 |
             uint32_t{b[4 * i + 3]} << 24;
  }
}

/// Every input port but the clock, from `in` (addresses to 12 bits, sources to 6, time to 48).
template <typename Top>
void drive(Top& top, const Inputs& in) {
  top.rst_n = in.rst_n;
  top.mmio_req_valid = in.mmio_req_valid;
  top.mmio_req_write = in.mmio_req_write;
  top.mmio_req_addr = in.mmio_req_addr & 0xfff;
  top.mmio_req_wdata = in.mmio_req_wdata;
  top.tx_ready = in.tx_ready;
  top.rx_valid = in.rx_valid;
  top.rx_type = in.rx_type;
  top.rx_src = in.rx_src & 63;
  top.rx_len = in.rx_len;
  from_bytes(top.rx_payload, in.rx_payload);
  top.dma_ready = in.dma_ready;
  top.now = in.now & kNoDeadline;
}

/// Every output port into `out`.
template <typename Top>
void read(const Top& top, Outputs& out) {
  out.mmio_req_ready = top.mmio_req_ready;
  out.mmio_rsp_valid = top.mmio_rsp_valid;
  out.mmio_rsp_rdata = top.mmio_rsp_rdata;
  out.tx_valid = top.tx_valid;
  out.tx_type = top.tx_type;
  out.tx_dst_mask = top.tx_dst_mask;
  out.tx_len = top.tx_len;
  to_bytes(out.tx_payload, top.tx_payload);
  out.rx_ready = top.rx_ready;
  out.dma_valid = top.dma_valid;
  out.dma_addr = top.dma_addr;
  to_bytes(out.dma_data, top.dma_data);
  out.dma_bytes = top.dma_bytes;
  out.irq = top.irq;
  out.idle = top.idle;
  out.wake_at = top.wake_at;
}

}  // namespace shadowsel::ne::ports
