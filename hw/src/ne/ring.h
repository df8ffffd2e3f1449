// SPDX-License-Identifier: MIT
// ne_ring: ready records into the ring in node memory by DMA. A record is accepted when
// no DMA write is outstanding; then it is dropped (ring full, counted and signalled) or
// formatted (seq = RING_HEAD mod 2^24) and offered on the DMA port. RING_HEAD moves when
// the write is taken; a write of RING_BASE or RING_SIZE sets it to 0 (a write pending
// then, which ne_regs prevents, is stale and not counted).
#pragma once

#include <cstdint>

#include "common.h"

namespace shadowsel::ne::twin {

class Ring {
 public:
  struct Record {
    uint32_t kind, src, event, state, object, version;
    bool is_ready, tag;
    uint32_t stamp;
  };
  struct In {
    uint32_t base, size, tail;
    bool ring_clr;
    bool rec_valid;
    const Record* rec;  // read only when rec_valid
    bool dma_ready;
  };

  /// No record is taken while a write is pending, nor in the cycle the ring is cleared.
  bool rec_ready(bool ring_clr) const { return !dma_valid_q_ && !ring_clr; }
  bool dma_valid() const { return dma_valid_q_; }
  uint32_t dma_addr() const { return dma_addr_q_; }
  const Bytes32& dma_data() const { return dma_data_q_; }
  static constexpr uint8_t dma_bytes() { return regs::kRecordBytes; }
  uint32_t head() const { return head_q_; }
  uint32_t records_written() const { return cnt_wr_q_; }
  uint32_t overflow_count() const { return cnt_ovf_q_; }
  bool busy() const { return dma_valid_q_; }

  void eval(const In& in);
  // pulses of this cycle, after eval
  bool written() const { return taken_; }
  bool dropped() const { return accept_ && full_; }
  bool tag_done() const { return tag_done_; }
  bool nd_done() const { return nd_done_; }

  void commit(bool rst_n);

 private:
  bool dma_valid_q_ = false, dma_tag_q_ = false, dma_nd_q_ = false;
  bool stale_q_ = false;  ///< the pending write was formatted before a clear: HEAD does not count it
  uint32_t dma_addr_q_ = 0;
  Bytes32 dma_data_q_{};
  uint32_t head_q_ = 0, cnt_wr_q_ = 0, cnt_ovf_q_ = 0;

  // this cycle
  bool accept_ = false, taken_ = false, full_ = false, tag_done_ = false, nd_done_ = false;
  bool ring_clr_ = false, dma_ready_ = false;
  bool load_ = false, tag_d_ = false, nd_d_ = false;
  uint32_t addr_d_ = 0;
  Bytes32 rec_d_{};
};

}  // namespace shadowsel::ne::twin
