// SPDX-License-Identifier: MIT
// The kernel's allocator of a node's private memory: first fit over a free list
// ordered by address, neighbours merged on free. Message buffers, and later
// pipe and socket buffers, live here as real bytes.
#pragma once

#include <cstdint>
#include <map>
#include <optional>

namespace shadowsel::drv {

class Heap {
 public:
  static constexpr uint64_t kAlign = 16;

  Heap(uint64_t base, uint64_t size);
  /// An address of at least `bytes` bytes, or nullopt when no free block fits.
  std::optional<uint64_t> alloc(uint64_t bytes);
  void free(uint64_t addr);
  uint64_t used() const { return used_; }
  uint64_t peak() const { return peak_; }

 private:
  std::map<uint64_t, uint64_t> free_;   // addr -> size
  std::map<uint64_t, uint64_t> taken_;  // addr -> size
  uint64_t used_ = 0;
  uint64_t peak_ = 0;
};

}  // namespace shadowsel::drv
