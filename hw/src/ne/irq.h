// SPDX-License-Identifier: MIT
// ne_irq: interrupt causes and record coalescing. RECORDS rises one cycle after
// COALESCE_COUNT records are pending (0 acts as 1) or `now` reaches the deadline set by the
// first of them; OVERFLOW and NODE_DOWN rise on their pulses; IRQ_STATUS is W1C and the
// line is high while IRQ_STATUS & IRQ_ENABLE is not 0.
#pragma once

#include <cstdint>

#include "common.h"

namespace shadowsel::ne::twin {

class Irq {
 public:
  struct In {
    uint64_t now;
    uint32_t count, cycles, ack;
    bool written, overflow, node_down;
  };

  uint32_t status() const { return status_q_; }
  bool irq(uint32_t enable) const { return (status_q_ & enable) != 0; }
  uint64_t wake_at() const { return (pend_q_ != 0 && !(status_q_ & kRec)) ? dl_q_ : kTimeMask; }
  // the same as the RTL's two outputs: the deadline counts while on
  bool wake_on() const { return pend_q_ != 0 && !(status_q_ & kRec); }
  uint64_t deadline() const { return dl_q_; }
  /// RECORDS rises at the next edge.
  bool busy(uint64_t now, uint32_t count) const { return fire(now, count) && !(status_q_ & kRec); }

  void eval(const In& in);
  void commit(bool rst_n);

 private:
  static constexpr uint32_t kRec = regs::IrqCause::kRecords;
  static constexpr uint32_t kOvf = regs::IrqCause::kOverflow;
  static constexpr uint32_t kNd = regs::IrqCause::kNodeDown;
  static constexpr uint32_t kPendMax = regs::kCoalesceCountCountMask >> regs::kCoalesceCountCountLsb;

  bool fire(uint64_t now, uint32_t count) const {
    const uint32_t eff = count == 0 ? 1 : count;
    return pend_q_ != 0 && (pend_q_ >= eff || now >= dl_q_);
  }

  uint32_t pend_q_ = 0, status_q_ = 0;
  uint64_t dl_q_ = 0;
  uint32_t pend_d_ = 0, status_d_ = 0;
  uint64_t dl_d_ = kTimeMask;
};

}  // namespace shadowsel::ne::twin
