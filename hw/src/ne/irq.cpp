// SPDX-License-Identifier: MIT
// ne_irq (see irq.h).
#include "irq.h"

namespace shadowsel::ne::twin {

void Irq::eval(const In& in) {
  const bool ack_rec = in.ack & kRec;
  // a clear of RECORDS in the same cycle as its condition wins; a record written then is
  // the first pending one after it; the count saturates
  if (ack_rec) pend_d_ = in.written ? 1 : 0;
  else if (in.written && pend_q_ != kPendMax) pend_d_ = pend_q_ + 1;
  else pend_d_ = pend_q_;

  if (in.written && (ack_rec || pend_q_ == 0)) {
    const uint64_t sum = in.now + in.cycles;  // 49 bits; saturates at all ones
    dl_d_ = sum > kTimeMask ? kTimeMask : sum;
  } else {
    dl_d_ = dl_q_;
  }

  status_d_ = status_q_ & ~in.ack;
  const bool rec = !ack_rec && ((status_q_ & kRec) || fire(in.now, in.count));
  status_d_ = (status_d_ & ~kRec) | (rec ? kRec : 0);
  if (in.overflow) status_d_ |= kOvf;  // a new event beats its clear
  if (in.node_down) status_d_ |= kNd;
}

void Irq::commit(bool rst_n) {
  if (!rst_n) {
    pend_q_ = status_q_ = 0;
    dl_q_ = kTimeMask;
    return;
  }
  pend_q_ = pend_d_;
  dl_q_ = dl_d_;
  status_q_ = status_d_;
}

}  // namespace shadowsel::ne::twin
