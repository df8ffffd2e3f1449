// SPDX-License-Identifier: MIT
// A node's private memory: real bytes, allocated in pages on first write so that
// a large memory costs nothing until it is used. Other nodes cannot reach it:
// data crosses only as bus packets.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <unordered_map>

namespace shadowsel::hw {

class Memory {
 public:
  static constexpr uint64_t kPageBytes = 4096;

  explicit Memory(uint64_t size_bytes) : size_(size_bytes) {}

  uint64_t size() const { return size_; }
  /// Throws std::out_of_range when [addr, addr + out.size()) leaves the memory.
  void read(uint64_t addr, std::span<uint8_t> out) const;
  void write(uint64_t addr, std::span<const uint8_t> in);
  /// Pages actually backed by host memory.
  uint64_t touched_pages() const { return pages_.size(); }

 private:
  using Page = std::unique_ptr<uint8_t[]>;
  void check(uint64_t addr, uint64_t len) const;
  /// Calls f(page, offset in page, offset in buffer, bytes) for each page the range touches.
  template <class F>
  void for_each_page(uint64_t addr, uint64_t len, F&& f) const;

  uint64_t size_;
  std::unordered_map<uint64_t, Page> pages_;  // page number -> bytes; absent reads as zero
};

}  // namespace shadowsel::hw
