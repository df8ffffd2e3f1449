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

void Memory::read(uint64_t addr, std::span<uint8_t> out) const {
  check(addr, out.size());
  size_t done = 0;
  while (done < out.size()) {
    const uint64_t a = addr + done;
    const uint64_t offset = a % kPageBytes;
    const size_t n = std::min<uint64_t>(out.size() - done, kPageBytes - offset);
    auto it = pages_.find(a / kPageBytes);
    if (it == pages_.end()) {
      std::memset(out.data() + done, 0, n);
    } else {
      std::memcpy(out.data() + done, it->second.get() + offset, n);
    }
    done += n;
  }
}

void Memory::write(uint64_t addr, std::span<const uint8_t> in) {
  check(addr, in.size());
  size_t done = 0;
  while (done < in.size()) {
    const uint64_t a = addr + done;
    const uint64_t offset = a % kPageBytes;
    const size_t n = std::min<uint64_t>(in.size() - done, kPageBytes - offset);
    Page& page = pages_[a / kPageBytes];
    if (!page) page = std::make_unique<uint8_t[]>(kPageBytes);  // zero-filled
    std::memcpy(page.get() + offset, in.data() + done, n);
    done += n;
  }
}

}  // namespace shadowsel::hw
