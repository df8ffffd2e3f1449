// SPDX-License-Identifier: MIT
// ne_rr_arb: round-robin arbiter. The grant is combinational from the requests and the
// search start; the start moves past the grant only when the grant is taken.
#pragma once

#include <cstdint>

namespace shadowsel::ne::twin {

class RrArb {
 public:
  explicit RrArb(unsigned n) : all_((1u << n) - 1) {}

  /// One-hot grant (0 when no request): the lowest request at or after the search start,
  /// else the lowest request.
  uint32_t grant(uint32_t req) const {
    const uint32_t masked = req & mask_q_;
    const uint32_t v = masked ? masked : req;
    return v & (~v + 1);
  }

  /// Rising edge. `gnt` is this cycle's grant.
  void commit(bool rst_n, bool advance, uint32_t gnt) {
    // N-bit arithmetic: a grant of the top bit leaves an empty mask (start from 0)
    if (!rst_n) mask_q_ = 0;
    else if (advance) mask_q_ = ~((gnt << 1) - 1) & all_;
  }

 private:
  uint32_t all_;
  uint32_t mask_q_ = 0;
};

}  // namespace shadowsel::ne::twin
