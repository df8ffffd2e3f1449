// SPDX-License-Identifier: MIT
// A small ne::Core for the wrapper's own tests (hw::NotifyEngine): just enough behaviour
// to exercise each port with a known timing, independent of the twin and the RTL.
//  * MMIO: a request is taken when no response is pending; its response comes in the next
//    cycle. 0x000 reads kIdReset; other addresses are plain registers.
//  * A write to 0x030 (CMD) queues a 12-byte NE_NOTIFY to the mask in 0x068 whose
//    object is 0x014; with kBurst as the value, kBurstPackets of them.
//  * An rx packet becomes a 16-byte record at 0x040 + 16 * head (kind NOTIFY, src, the
//    payload's object); then cause RECORDS is raised (0x050, w1c; line = 0x050 & 0x054).
//  * 0x008 bit 1 set: rx_ready stays low (a slow engine, for flow control).
//  * 0x060 (ALIVE_PERIOD) non-zero: an ALIVE to the mask every period (a timer: wake_at).
#pragma once

#include <cstring>
#include <deque>
#include <map>

#include "shadowsel/gen/ipb.h"
#include "shadowsel/gen/ne.h"
#include "shadowsel/ne/core.h"

namespace shadowsel::test {

class FakeCore : public ne::Core {
 public:
  static constexpr uint32_t kBurst = 0xB;
  static constexpr uint32_t kBurstPackets = 12;

  std::string name() const override { return "fake"; }

  const ne::Outputs& cycle(const ne::Inputs& in) override {
    namespace ipb = gen::ipb;
    ++cycles;
    o_ = ne::Outputs{};
    if (!in.rst_n) {
      regs_.clear();
      tx_.clear();
      rsp_pending_ = dma_pending_ = false;
      head_ = 0;
      o_.idle = true;
      return o_;
    }
    // Outputs during the cycle, from the state before the edge.
    o_.mmio_req_ready = !rsp_pending_;
    o_.mmio_rsp_valid = rsp_pending_;
    o_.mmio_rsp_rdata = rsp_data_;
    if (!tx_.empty()) {
      o_.tx_valid = true;
      o_.tx_type = tx_.front().first;
      o_.tx_dst_mask = reg(0x068);
      o_.tx_len = tx_.front().first == static_cast<uint8_t>(ipb::PacketType::kAlive)
                      ? 0
                      : ipb::ne_notify::kBytes;
      std::memcpy(o_.tx_payload.data(), &tx_.front().second, 4);
    }
    o_.rx_ready = !dma_pending_ && !(reg(0x008) & 2);
    o_.dma_valid = dma_pending_;
    o_.dma_addr = reg(0x040) + gen::ne::kRecordBytes * head_;
    o_.dma_data = record_;
    o_.dma_bytes = gen::ne::kRecordBytes;
    o_.irq = (reg(0x050) & reg(0x054)) != 0;
    o_.wake_at = reg(0x060) ? next_alive_ : ne::kNoDeadline;
    o_.idle = !rsp_pending_ && tx_.empty() && !dma_pending_;

    // The edge.
    if (rsp_pending_) rsp_pending_ = false;
    if (in.mmio_req_valid && o_.mmio_req_ready) {
      rsp_pending_ = true;
      rsp_data_ = in.mmio_req_addr == 0 ? gen::ne::kIdReset : reg(in.mmio_req_addr);
      if (in.mmio_req_write) {
        if (in.mmio_req_addr == 0x050) {
          regs_[0x050] &= ~in.mmio_req_wdata;
        } else if (in.mmio_req_addr == 0x030) {
          const int n = in.mmio_req_wdata == kBurst ? kBurstPackets : 1;
          for (int i = 0; i < n; ++i) {
            tx_.push_back({static_cast<uint8_t>(ipb::PacketType::kNeNotify), reg(0x014) + i});
          }
        } else {
          regs_[in.mmio_req_addr] = in.mmio_req_wdata;
          if (in.mmio_req_addr == 0x060) next_alive_ = in.now + in.mmio_req_wdata;
        }
        rsp_data_ = 0;
      }
    }
    if (o_.tx_valid && in.tx_ready) tx_.pop_front();
    if (o_.dma_valid && in.dma_ready) {
      dma_pending_ = false;
      ++head_;
      regs_[0x050] |= 1;
    }
    if (in.rx_valid && o_.rx_ready) {
      record_ = {};
      record_[0] = 2;
      record_[1] = in.rx_src;
      std::memcpy(&record_[4], in.rx_payload.data(), 4);
      dma_pending_ = true;
      ++rx_taken;
    }
    if (reg(0x060) && in.now >= next_alive_) {
      tx_.push_back({static_cast<uint8_t>(ipb::PacketType::kAlive), 0});
      next_alive_ = in.now + reg(0x060);
    }
    return o_;
  }

  uint64_t cycles = 0;
  uint64_t rx_taken = 0;

 private:
  uint32_t reg(uint32_t a) const {
    auto it = regs_.find(a);
    return it == regs_.end() ? 0 : it->second;
  }
  ne::Outputs o_;
  std::map<uint32_t, uint32_t> regs_;
  bool rsp_pending_ = false;
  uint32_t rsp_data_ = 0;
  std::deque<std::pair<uint8_t, uint32_t>> tx_;
  bool dma_pending_ = false;
  ne::Bytes32 record_{};
  uint32_t head_ = 0;
  uint64_t next_alive_ = 0;
};

}  // namespace shadowsel::test
