// SPDX-License-Identifier: MIT
// ne_ring (see ring.h). The record through the generated ready_record layout.
#include "ring.h"

#include <bit>

namespace shadowsel::ne::twin {

namespace {
constexpr uint32_t kSizeMask = regs::kRingSizeRecordsMask >> regs::kRingSizeRecordsLsb;
constexpr uint32_t kRecShift = std::countr_zero(regs::kRecordBytes);
static_assert((1u << kRecShift) == regs::kRecordBytes, "records are a power of two bytes");
constexpr uint32_t kKindNodeDown = static_cast<uint32_t>(regs::RecordKind::kNodeDown);
constexpr uint32_t kSeqMask = (1u << regs::ready_record::kSeqWidth) - 1;
}  // namespace

void Ring::eval(const In& in) {
  accept_ = in.rec_valid && rec_ready(in.ring_clr);
  taken_ = dma_valid_q_ && in.dma_ready;
  ring_clr_ = in.ring_clr;
  dma_ready_ = in.dma_ready;
  // full: HEAD - TAIL >= SIZE (mod 2^32); SIZE 0 drops every record
  full_ = head_q_ - in.tail >= in.size;
  const bool is_nd = accept_ && in.rec->kind == kKindNodeDown;
  const bool tag = accept_ && in.rec->tag;
  load_ = accept_ && !full_;
  if (load_) {
    const uint32_t slot = head_q_ & kSizeMask & ((in.size - 1) & kSizeMask);
    addr_d_ = (in.base & ~(regs::kRecordBytes - 1)) + (slot << kRecShift);
    rec_d_ = Bytes32{};
    uint8_t* p = rec_d_.data();
    const Record& r = *in.rec;
    regs::ready_record::set_kind(p, r.kind);
    regs::ready_record::set_src(p, r.src);
    regs::ready_record::set_event(p, r.event);
    regs::ready_record::set_state(p, r.state);
    regs::ready_record::set_object(p, r.object);
    regs::ready_record::set_version(p, r.version);
    regs::ready_record::set_ready(p, r.is_ready);
    regs::ready_record::set_seq(p, head_q_ & kSeqMask);
    regs::ready_record::set_stamp(p, r.stamp);
    tag_d_ = r.tag;
    nd_d_ = is_nd;
  }
  tag_done_ = (accept_ && full_ && tag) || (taken_ && dma_tag_q_);
  nd_done_ = (accept_ && full_ && is_nd) || (taken_ && dma_nd_q_);
}

void Ring::commit(bool rst_n) {
  if (load_) {  // no reset
    dma_addr_q_ = addr_d_;
    dma_data_q_ = rec_d_;
    dma_tag_q_ = tag_d_;
    dma_nd_q_ = nd_d_;
  }
  if (!rst_n) {
    dma_valid_q_ = stale_q_ = false;
    head_q_ = cnt_wr_q_ = cnt_ovf_q_ = 0;
    return;
  }
  const bool dropped = accept_ && full_;
  const bool counted = taken_ && !stale_q_;
  stale_q_ = (stale_q_ || ring_clr_) && dma_valid_q_ && !dma_ready_;
  dma_valid_q_ = (dma_valid_q_ && !dma_ready_) || load_;
  head_q_ = ring_clr_ ? 0 : head_q_ + counted;
  cnt_wr_q_ += taken_;
  cnt_ovf_q_ += dropped;
}

}  // namespace shadowsel::ne::twin
