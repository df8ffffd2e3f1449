// SPDX-License-Identifier: MIT
// The data part of a Linux pipe (struct pipe_inode_info, fs/pipe.c, Linux
// 6.x), byte for byte: a ring of at most `slots` page buffers, each holding
// `len` bytes from `offset` within its 4096-byte page. It decides how many
// bytes a write accepts, which reads see which bytes, and when the pipe is
// readable (POLLIN) or writable (POLLOUT) exactly as Linux does, so that a
// simulated program's non-blocking pipe I/O returns what it would on Linux.
// Waiting, wake-ups, readers/writers counts and signals belong to the caller.
// tests/unit/pipe_buffer_test.cpp checks it against a real Linux pipe.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace shadowsel::drv {

class PipeBuffer {
 public:
  static constexpr uint32_t kPageBytes = 4096;   // also PIPE_BUF
  static constexpr uint32_t kDefaultSlots = 16;  // 65536 bytes, Linux's default capacity

  /// `slots` is pipe->max_usage (F_SETPIPE_SZ / 4096); at least 1.
  explicit PipeBuffer(uint32_t slots = kDefaultSlots);

  bool empty() const { return head_ == tail_; }                 // pipe_empty: POLLIN is clear
  bool full() const { return head_ - tail_ >= slots_; }         // pipe_full: POLLOUT is clear
  uint64_t bytes() const { return bytes_; }                     // unread bytes
  uint32_t slots_used() const { return head_ - tail_; }
  uint32_t slots() const { return slots_; }
  /// Bytes the pipe holds when every slot holds a full page. Fewer bytes can
  /// make it full: each write that does not merge takes a page of its own.
  uint64_t capacity() const { return uint64_t{slots_} * kPageBytes; }

  /// What one non-blocking pipe_write() call accepts now, exactly as Linux:
  /// first, if the pipe is not empty and chars = len % 4096 is non-zero, try to
  /// merge those first `chars` bytes into the last buffer (only if they all
  /// fit in its page); then fill new pages of up to 4096 bytes while a slot is
  /// free. Returns bytes accepted (0 means the call would give EAGAIN). A
  /// write of <= 4096 bytes is therefore all or nothing. `merge_first=false`
  /// skips the merge attempt (a blocking write continuing after a wait).
  /// An empty `data` returns 0 and, unlike Linux's write(fd, p, 0) == 0, is
  /// indistinguishable from EAGAIN here: callers must treat it first.
  uint64_t write(std::span<const uint8_t> data, bool merge_first = true);

  /// pipe_read(): copies from the oldest buffers up to out.size() bytes,
  /// releasing each buffer it empties. Returns bytes read (0 if empty; an
  /// empty `out` also returns 0, as Linux's read(fd, p, 0) does).
  uint64_t read(std::span<uint8_t> out);

 private:
  struct Buf {
    uint32_t offset = 0;  // first unread byte within page
    uint32_t len = 0;     // unread bytes from offset
    std::vector<uint8_t> page;
  };

  // The ring is a power of two long, as Linux's ring_size, so that masking a
  // free-running index stays right when the index wraps past 2^32.
  Buf& at(uint32_t index) { return ring_[index & (ring_.size() - 1)]; }
  // Free-running indices as Linux's pipe->head / pipe->tail: head - tail is
  // the number of buffers in use, even across wrap-around of uint32_t.
  uint32_t slots_;
  uint32_t head_ = 0;
  uint32_t tail_ = 0;
  uint64_t bytes_ = 0;
  std::vector<Buf> ring_;
};

}  // namespace shadowsel::drv
