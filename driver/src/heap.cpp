// SPDX-License-Identifier: MIT
#include "shadowsel/driver/heap.h"

#include <algorithm>
#include <stdexcept>

namespace shadowsel::drv {

Heap::Heap(uint64_t base, uint64_t size) {
  if (size) free_.emplace(base, size);
}

std::optional<uint64_t> Heap::alloc(uint64_t bytes) {
  const uint64_t need = std::max<uint64_t>(kAlign, (bytes + kAlign - 1) / kAlign * kAlign);
  for (auto it = free_.begin(); it != free_.end(); ++it) {
    if (it->second < need) continue;
    const uint64_t addr = it->first;
    const uint64_t rest = it->second - need;
    free_.erase(it);
    if (rest) free_.emplace(addr + need, rest);
    taken_.emplace(addr, need);
    used_ += need;
    peak_ = std::max(peak_, used_);
    return addr;
  }
  return std::nullopt;
}

void Heap::free(uint64_t addr) {
  auto t = taken_.find(addr);
  if (t == taken_.end()) throw std::logic_error("heap: free of an address not allocated");
  uint64_t start = addr;
  uint64_t size = t->second;
  used_ -= size;
  taken_.erase(t);
  auto next = free_.lower_bound(start);
  if (next != free_.end() && start + size == next->first) {
    size += next->second;
    next = free_.erase(next);
  }
  if (next != free_.begin()) {
    auto prev = std::prev(next);
    if (prev->first + prev->second == start) {
      start = prev->first;
      size += prev->second;
      free_.erase(prev);
    }
  }
  free_.emplace(start, size);
}

}  // namespace shadowsel::drv
