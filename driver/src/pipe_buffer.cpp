// SPDX-License-Identifier: MIT
// See pipe_buffer.h. Each step names the fs/pipe.c code it mirrors.
#include "shadowsel/driver/pipe_buffer.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <stdexcept>

namespace shadowsel::drv {

PipeBuffer::PipeBuffer(uint32_t slots) : slots_(slots) {
  if (slots == 0 || slots > (1u << 31)) throw std::invalid_argument("PipeBuffer: slots must be in 1..2^31");
  ring_.resize(std::bit_ceil(slots));
}

uint64_t PipeBuffer::write(std::span<const uint8_t> data, bool merge_first) {
  // pipe_write(): "Null write succeeds" before anything else.
  if (data.empty()) return 0;
  uint64_t done = 0;

  // Merge the sub-page remainder of the write into the last buffer, if the
  // pipe is not empty and the whole remainder fits after that buffer's data.
  // Only the first len % 4096 bytes are merged, never a part of them and never
  // a whole page, so the rest of a large write lands page-aligned. Note the
  // test is against the page end, not against free bytes in the ring: a
  // write that merges can succeed while the pipe is full (no POLLOUT).
  const uint64_t chars = data.size() & (kPageBytes - 1);
  if (merge_first && chars != 0 && !empty()) {
    Buf& last = at(head_ - 1);
    const uint64_t offset = uint64_t{last.offset} + last.len;
    if (offset + chars <= kPageBytes) {
      std::memcpy(last.page.data() + offset, data.data(), chars);
      last.len += static_cast<uint32_t>(chars);
      bytes_ += chars;
      done = chars;
      if (done == data.size()) return done;
    }
  }

  // Then one fresh page per free slot, each filled with up to a page. A
  // non-blocking write stops when the ring is full and returns what it took,
  // or EAGAIN (0 here) if it took nothing.
  while (!full()) {
    Buf& buf = at(head_);
    ++head_;
    if (buf.page.empty()) buf.page.resize(kPageBytes);  // slot's page kept for reuse
    const uint64_t n = std::min<uint64_t>(kPageBytes, data.size() - done);
    std::memcpy(buf.page.data(), data.data() + done, n);
    buf.offset = 0;
    buf.len = static_cast<uint32_t>(n);
    bytes_ += n;
    done += n;
    if (done == data.size()) break;
  }
  return done;
}

uint64_t PipeBuffer::read(std::span<uint8_t> out) {
  uint64_t done = 0;
  // pipe_read(): take from the oldest buffer; release it (advance tail) as
  // soon as it is empty, even if it is the last one, so a write that follows
  // finds the pipe empty and starts a new page instead of merging.
  while (done < out.size() && !empty()) {
    Buf& buf = at(tail_);
    const uint64_t n = std::min<uint64_t>(buf.len, out.size() - done);
    std::memcpy(out.data() + done, buf.page.data() + buf.offset, n);
    buf.offset += static_cast<uint32_t>(n);
    buf.len -= static_cast<uint32_t>(n);
    bytes_ -= n;
    done += n;
    if (buf.len == 0) ++tail_;
  }
  return done;
}

}  // namespace shadowsel::drv
