// SPDX-License-Identifier: MIT
// Little-endian packing of message payloads exchanged by kernels, agents and
// process managers. Messages are bytes in node memory, so every structure that
// crosses a message is written field by field.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <type_traits>
#include <vector>

namespace shadowsel::drv {

class WireWriter {
 public:
  template <class T>
  WireWriter& put(T v) {
    static_assert(std::is_trivially_copyable_v<T>);
    const auto* p = reinterpret_cast<const uint8_t*>(&v);
    b_.insert(b_.end(), p, p + sizeof v);
    return *this;
  }
  WireWriter& bytes(std::span<const uint8_t> d) {
    put<uint32_t>(static_cast<uint32_t>(d.size()));
    b_.insert(b_.end(), d.begin(), d.end());
    return *this;
  }
  const std::vector<uint8_t>& data() const { return b_; }

 private:
  std::vector<uint8_t> b_;
};

class WireReader {
 public:
  explicit WireReader(std::span<const uint8_t> d) : d_(d) {}
  template <class T>
  T get() {
    static_assert(std::is_trivially_copyable_v<T>);
    need(sizeof(T));
    T v;
    std::memcpy(&v, d_.data() + off_, sizeof v);
    off_ += sizeof v;
    return v;
  }
  std::span<const uint8_t> bytes() {
    const uint32_t n = get<uint32_t>();
    need(n);
    auto s = d_.subspan(off_, n);
    off_ += n;
    return s;
  }
  /// Every field read: an optional trailing field is absent.
  bool done() const { return off_ == d_.size(); }

 private:
  void need(size_t n) const {
    if (off_ + n > d_.size()) throw std::logic_error("truncated kernel message");
  }
  std::span<const uint8_t> d_;
  size_t off_ = 0;
};

}  // namespace shadowsel::drv
