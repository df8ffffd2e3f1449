// SPDX-License-Identifier: MIT
#include "shadowsel/hw/memory.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

namespace shadowsel::hw {

void Memory::check(uint64_t addr, uint64_t len) const {
  if (addr > size_ || len > size_ - addr) {
    throw std::out_of_range("memory access [" + std::to_string(addr) + ", +" +
                            std::to_string(len) + ") outside " + std::to_string(size_) +
                            " bytes");
  }
}

template <class F>
void Memory::for_each_page(uint64_t addr, uint64_t len, F&& f) const {
  check(addr, len);
  for (uint64_t done = 0; done < len;) {
    const uint64_t a = addr + done;
    const uint64_t offset = a % kPageBytes;
    const uint64_t n = std::min(len - done, kPageBytes - offset);
    f(a / kPageBytes, offset, done, n);
    done += n;
  }
}

void Memory::read(uint64_t addr, std::span<uint8_t> out) const {
  for_each_page(addr, out.size(), [&](uint64_t page, uint64_t offset, uint64_t at, uint64_t n) {
    auto it = pages_.find(page);
    if (it == pages_.end()) {
      std::memset(out.data() + at, 0, n);
    } else {
      std::memcpy(out.data() + at, it->second.get() + offset, n);
    }
  });
}

void Memory::write(uint64_t addr, std::span<const uint8_t> in) {
  for_each_page(addr, in.size(), [&](uint64_t page, uint64_t offset, uint64_t at, uint64_t n) {
    Page& p = pages_[page];
    if (!p) p = std::make_unique<uint8_t[]>(kPageBytes);  // zero-filled
    std::memcpy(p.get() + offset, in.data() + at, n);
  });
}

}  // namespace shadowsel::hw
