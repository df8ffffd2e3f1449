// SPDX-License-Identifier: MIT
// Tests of PipeBuffer, the model of Linux's pipe ring. Directed tests pin the
// cases that matter to a simulated program (capacity, PIPE_BUF atomicity,
// merging); the differential test runs the same seeded random operations on a
// real non-blocking Linux pipe and on the model and requires the same return
// values, the same bytes and the same poll() readiness after every operation.
// Linux is the oracle: a difference is a bug in the model.
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "shadowsel/driver/pipe_buffer.h"

namespace shadowsel::drv {
namespace {

constexpr uint64_t kPage = PipeBuffer::kPageBytes;

// `n` bytes numbered from `first` in a stream whose bytes are not periodic
// with the page size, so a byte read from the wrong place shows.
std::vector<uint8_t> stream(uint64_t first, uint64_t n) {
  std::vector<uint8_t> v(n);
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t k = first + i;
    v[i] = static_cast<uint8_t>((k * 2654435761u) >> 13 ^ k);
  }
  return v;
}

uint64_t write_n(PipeBuffer& p, uint64_t n, uint64_t first = 0) {
  const auto data = stream(first, n);
  return p.write(data);
}

std::vector<uint8_t> read_n(PipeBuffer& p, uint64_t n) {
  std::vector<uint8_t> out(n);
  out.resize(p.read(out));
  return out;
}

TEST(PipeBuffer, StartsEmptyAndWritable) {
  PipeBuffer p;
  EXPECT_TRUE(p.empty());
  EXPECT_FALSE(p.full());
  EXPECT_EQ(p.bytes(), 0u);
  EXPECT_EQ(p.slots_used(), 0u);
  EXPECT_EQ(p.capacity(), 65536u);
  std::vector<uint8_t> out(10);
  EXPECT_EQ(p.read(out), 0u);  // EAGAIN
}

TEST(PipeBuffer, ZeroLengthCallsReturnZero) {
  PipeBuffer p;
  EXPECT_EQ(p.write({}), 0u);
  EXPECT_EQ(p.read({}), 0u);
  EXPECT_TRUE(p.empty());
}

TEST(PipeBuffer, OneByteWritesFill65536) {
  PipeBuffer p;
  const uint8_t b = 7;
  for (int i = 0; i < 65536; ++i) {
    ASSERT_EQ(p.write({&b, 1}), 1u) << "write " << i;
    // Merged writes fill one page before taking the next slot.
    ASSERT_EQ(p.slots_used(), static_cast<uint32_t>(i / 4096 + 1));
  }
  EXPECT_TRUE(p.full());
  EXPECT_EQ(p.bytes(), 65536u);
  EXPECT_EQ(p.write({&b, 1}), 0u);
}

TEST(PipeBuffer, SixteenPageWrites) {
  PipeBuffer p;
  for (uint64_t i = 0; i < 16; ++i) ASSERT_EQ(write_n(p, kPage, i * kPage), kPage);
  EXPECT_TRUE(p.full());
  EXPECT_EQ(p.bytes(), 65536u);
  EXPECT_EQ(write_n(p, kPage), 0u);
  EXPECT_EQ(write_n(p, 1), 0u);  // the last page has no room to merge into
  EXPECT_EQ(read_n(p, 65536), stream(0, 65536));
  EXPECT_TRUE(p.empty());
  EXPECT_EQ(p.slots_used(), 0u);
}

TEST(PipeBuffer, ThousandByteWritesFill64000) {
  PipeBuffer p;
  // Four 1000-byte writes share a page; the fifth does not fit in the 96
  // bytes left, so it takes a new page: 16 pages of 4000 bytes.
  for (uint64_t i = 0; i < 64; ++i) ASSERT_EQ(write_n(p, 1000, i * 1000), 1000u) << "write " << i;
  EXPECT_TRUE(p.full());
  EXPECT_EQ(p.bytes(), 64000u);
  EXPECT_EQ(write_n(p, 1000), 0u);
  // Full (no POLLOUT), yet a write that fits the last page is accepted.
  EXPECT_EQ(write_n(p, 97, 64000), 0u);
  EXPECT_EQ(write_n(p, 96, 64000), 96u);
  EXPECT_EQ(p.bytes(), 64096u);
  EXPECT_TRUE(p.full());
  EXPECT_EQ(read_n(p, 70000), stream(0, 64096));
}

TEST(PipeBuffer, PipeBufWritesAreAllOrNothing) {
  PipeBuffer p;
  // 15 full pages and a last page holding 100 bytes: full.
  for (uint64_t i = 0; i < 15; ++i) ASSERT_EQ(write_n(p, kPage), kPage);
  ASSERT_EQ(write_n(p, 100), 100u);
  ASSERT_TRUE(p.full());
  EXPECT_EQ(write_n(p, 4096), 0u);  // no slot, and a whole page never merges
  EXPECT_EQ(write_n(p, 3997), 0u);  // does not fit after the 100 bytes: nothing
  EXPECT_EQ(p.bytes(), 15 * kPage + 100);
  EXPECT_EQ(write_n(p, 3996), 3996u);  // exactly fits
  EXPECT_EQ(p.bytes(), 65536u);
}

TEST(PipeBuffer, LargerWritesArePartial) {
  PipeBuffer p;
  EXPECT_EQ(write_n(p, 70000), 65536u);
  EXPECT_EQ(p.slots_used(), 16u);
  // With one slot free, 4097 bytes: the 1-byte remainder does not fit the
  // full last page, so one page takes the first 4096 bytes.
  std::vector<uint8_t> out(kPage);
  ASSERT_EQ(p.read(out), kPage);
  EXPECT_EQ(write_n(p, 4097), 4096u);
  EXPECT_TRUE(p.full());
}

TEST(PipeBuffer, MergeAfterPartialRead) {
  PipeBuffer p;
  ASSERT_EQ(write_n(p, 100, 0), 100u);
  ASSERT_EQ(read_n(p, 40), stream(0, 40));
  ASSERT_EQ(write_n(p, 50, 100), 50u);
  EXPECT_EQ(p.slots_used(), 1u);  // merged: offset 40 + len 60 + 50 <= 4096
  EXPECT_EQ(read_n(p, 1000), stream(40, 110));
  EXPECT_EQ(p.slots_used(), 0u);  // the emptied buffer is released

  // Bytes already read at the front of a page are not reused: room to merge
  // is after offset + len only.
  ASSERT_EQ(write_n(p, 4000, 0), 4000u);
  ASSERT_EQ(read_n(p, 3000), stream(0, 3000));
  ASSERT_EQ(write_n(p, 200, 4000), 200u);
  EXPECT_EQ(p.slots_used(), 2u);
  EXPECT_EQ(read_n(p, 5000), stream(3000, 1200));
}

TEST(PipeBuffer, WriteAfterDrainStartsANewPage) {
  PipeBuffer p;
  ASSERT_EQ(write_n(p, 10), 10u);
  ASSERT_EQ(read_n(p, 10).size(), 10u);
  EXPECT_TRUE(p.empty());
  EXPECT_EQ(p.slots_used(), 0u);
  ASSERT_EQ(write_n(p, 10), 10u);
  EXPECT_EQ(p.slots_used(), 1u);
}

TEST(PipeBuffer, ReadAcrossBuffers) {
  PipeBuffer p;
  for (uint64_t i = 0; i < 3; ++i) ASSERT_EQ(write_n(p, kPage, i * kPage), kPage);
  EXPECT_EQ(read_n(p, 10000), stream(0, 10000));
  EXPECT_EQ(p.slots_used(), 1u);
  EXPECT_EQ(p.bytes(), 3 * kPage - 10000);
  EXPECT_EQ(read_n(p, 10000), stream(10000, 3 * kPage - 10000));
  EXPECT_TRUE(p.empty());
}

TEST(PipeBuffer, Write5000Merges904First) {
  PipeBuffer p;
  ASSERT_EQ(write_n(p, 3192, 0), 3192u);
  // 5000 % 4096 = 904 = exactly the room left: merged, then one new page.
  ASSERT_EQ(write_n(p, 5000, 3192), 5000u);
  EXPECT_EQ(p.slots_used(), 2u);
  EXPECT_EQ(read_n(p, kPage), stream(0, kPage));
  EXPECT_EQ(p.slots_used(), 1u);
  EXPECT_EQ(p.bytes(), kPage);

  // One byte less room: nothing merges, the 5000 bytes take two new pages.
  PipeBuffer q;
  ASSERT_EQ(write_n(q, 3193), 3193u);
  ASSERT_EQ(write_n(q, 5000), 5000u);
  EXPECT_EQ(q.slots_used(), 3u);
}

TEST(PipeBuffer, MergeFirstFalseTakesANewPage) {
  PipeBuffer p;
  ASSERT_EQ(write_n(p, 10, 0), 10u);
  const auto more = stream(10, 10);
  ASSERT_EQ(p.write(more, false), 10u);
  EXPECT_EQ(p.slots_used(), 2u);
  EXPECT_EQ(read_n(p, 100), stream(0, 20));
}

TEST(PipeBuffer, OtherSlotCounts) {
  PipeBuffer one(1);
  EXPECT_EQ(write_n(one, 5000), 4096u);
  EXPECT_TRUE(one.full());
  PipeBuffer three(3);  // not a power of two: still three slots
  EXPECT_EQ(write_n(three, 20000), 3 * kPage);
  EXPECT_TRUE(three.full());
}

// --- Differential test against the running kernel -------------------------

class RealPipe {
 public:
  RealPipe() {
    if (pipe2(fd_, O_NONBLOCK | O_CLOEXEC) != 0) fd_[0] = fd_[1] = -1;
  }
  ~RealPipe() {
    for (int fd : fd_)
      if (fd >= 0) close(fd);
  }
  RealPipe(const RealPipe&) = delete;
  RealPipe& operator=(const RealPipe&) = delete;
  bool ok() const { return fd_[0] >= 0; }
  int rd() const { return fd_[0]; }
  int wr() const { return fd_[1]; }

 private:
  int fd_[2];
};

short revents(int fd, short events) {
  pollfd p{fd, events, 0};
  if (poll(&p, 1, 0) < 0) return -1;
  return p.revents;
}

struct Coverage {
  uint64_t ops = 0, partial_writes = 0, eagain_writes = 0, eagain_reads = 0, merges = 0,
           merges_while_full = 0, full_seen = 0, zero_length = 0;
};

// A size from `interesting` most of the time, else uniform in [1, max].
uint64_t pick(std::mt19937_64& rng, const std::vector<uint64_t>& interesting, uint64_t max) {
  if (rng() % 4 != 0) return interesting[rng() % interesting.size()];
  return 1 + rng() % max;
}

// Runs `ops` random operations on a real pipe of `slots` pages and on the
// model; stops at the first difference (ASSERT_*).
void differential(uint64_t seed, int ops, uint32_t slots, Coverage& cov) {
  SCOPED_TRACE("seed " + std::to_string(seed) + ", slots " + std::to_string(slots));
  RealPipe real;
  ASSERT_TRUE(real.ok()) << std::strerror(errno);
  const int want = static_cast<int>(slots * kPage);
  if (fcntl(real.wr(), F_GETPIPE_SZ) != want && fcntl(real.wr(), F_SETPIPE_SZ, want) != want)
    GTEST_SKIP() << "cannot get a " << want << "-byte pipe (F_GETPIPE_SZ "
                 << fcntl(real.wr(), F_GETPIPE_SZ) << ")";
  PipeBuffer model(slots);

  static const std::vector<uint64_t> kWrites = {1, 100, 1000, 4095, 4096, 4097, 5000, 8192, 65536, 70000};
  static const std::vector<uint64_t> kReads = {1, 100, 1000, 4095, 4096, 4097, 8192, 65536};
  std::mt19937_64 rng(seed);
  uint64_t wpos = 0;  // stream position of the next byte written
  uint64_t rpos = 0;  // stream position of the next byte read
  double p_write = 0.5;
  std::vector<uint8_t> from_linux, from_model;
  for (int i = 0; i < ops; ++i) {
    SCOPED_TRACE("op " + std::to_string(i));
    // Change the mix every 300 operations, so that runs spend time both near
    // full and near empty.
    if (i % 300 == 0) p_write = std::vector<double>{0.3, 0.5, 0.7, 0.85}[rng() % 4];
    const bool is_write = std::uniform_real_distribution<double>(0, 1)(rng) < p_write;
    const bool zero = rng() % 200 == 0;
    if (is_write) {
      const uint64_t n = zero ? 0 : pick(rng, kWrites, 70000);
      const auto data = stream(wpos, n);
      const bool was_full = model.full();
      const uint32_t used = model.slots_used();
      const ssize_t l = ::write(real.wr(), data.data(), n);
      const int err = errno;
      const uint64_t m = model.write(data);
      if (n == 0) {
        ASSERT_EQ(l, 0) << "write(0)";  // Linux: a null write succeeds
        ++cov.zero_length;
      } else if (l < 0) {
        ASSERT_EQ(err, EAGAIN) << std::strerror(err);
        ASSERT_EQ(m, 0u) << "write of " << n << ": Linux EAGAIN, model accepted";
        ++cov.eagain_writes;
      } else {
        ASSERT_EQ(static_cast<uint64_t>(l), m) << "write of " << n;
        if (m < n) ++cov.partial_writes;
        // A merge shows as bytes accepted without the last slot changing.
        if (m != 0 && n % kPage != 0 && model.slots_used() - used < (m + kPage - 1) / kPage) {
          ++cov.merges;
          if (was_full) ++cov.merges_while_full;
        }
      }
      wpos += m;
    } else {
      const uint64_t n = zero ? 0 : pick(rng, kReads, 70000);
      from_linux.assign(n, 0);
      from_model.assign(n, 0);
      const ssize_t l = ::read(real.rd(), from_linux.data(), n);
      const int err = errno;
      const uint64_t m = model.read(from_model);
      if (n == 0) {
        ASSERT_EQ(l, 0) << "read(0)";
        ++cov.zero_length;
      } else if (l < 0) {
        ASSERT_EQ(err, EAGAIN) << std::strerror(err);
        ASSERT_EQ(m, 0u) << "read of " << n << ": Linux EAGAIN, model read";
        ++cov.eagain_reads;
      } else {
        ASSERT_EQ(static_cast<uint64_t>(l), m) << "read of " << n;
        from_linux.resize(m);
        from_model.resize(m);
        ASSERT_EQ(from_linux, from_model) << "bytes read";
        ASSERT_EQ(from_model, stream(rpos, m)) << "bytes read are not the bytes written";
      }
      rpos += m;
    }
    // Readiness, and the byte count Linux reports (FIONREAD sums buffer lens).
    const short in = revents(real.rd(), POLLIN);
    const short out = revents(real.wr(), POLLOUT);
    ASSERT_EQ((in & POLLIN) != 0, !model.empty()) << "POLLIN, model holds " << model.bytes();
    ASSERT_EQ((out & POLLOUT) != 0, !model.full()) << "POLLOUT, model uses " << model.slots_used() << " slots";
    int avail = -1;
    ASSERT_EQ(ioctl(real.rd(), FIONREAD, &avail), 0);
    ASSERT_EQ(static_cast<uint64_t>(avail), model.bytes());
    if (model.full()) ++cov.full_seen;
    ++cov.ops;
  }
}

TEST(PipeBufferVsLinux, DefaultPipe) {
  {
    RealPipe probe;
    ASSERT_TRUE(probe.ok()) << std::strerror(errno);
    const int size = fcntl(probe.wr(), F_GETPIPE_SZ);
    if (size != 65536) GTEST_SKIP() << "F_GETPIPE_SZ is " << size << ", not 65536";
  }
  Coverage cov;
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    differential(seed, 6000, PipeBuffer::kDefaultSlots, cov);
    if (HasFatalFailure()) return;
  }
  std::cout << "ops " << cov.ops << ", partial writes " << cov.partial_writes << ", EAGAIN writes "
            << cov.eagain_writes << ", EAGAIN reads " << cov.eagain_reads << ", merges " << cov.merges
            << " (" << cov.merges_while_full << " while full), full after " << cov.full_seen
            << " ops, zero-length " << cov.zero_length << "\n";
  // The run is only worth something if it reached the cases that differ.
  EXPECT_GE(cov.ops, 20000u);
  EXPECT_GT(cov.partial_writes, 0u);
  EXPECT_GT(cov.eagain_writes, 0u);
  EXPECT_GT(cov.eagain_reads, 0u);
  EXPECT_GT(cov.merges, 0u);
  EXPECT_GT(cov.merges_while_full, 0u);
  EXPECT_GT(cov.full_seen, 0u);
  EXPECT_GT(cov.zero_length, 0u);
}

// F_SETPIPE_SZ rounds to a power of two pages; an unprivileged process may
// go up to /proc/sys/fs/pipe-max-size (1 MiB by default).
TEST(PipeBufferVsLinux, ResizedPipes) {
  Coverage cov;
  for (uint32_t slots : {1u, 2u, 4u, 64u}) {
    differential(100 + slots, 3000, slots, cov);
    if (HasFatalFailure() || IsSkipped()) return;
  }
  EXPECT_GT(cov.merges_while_full, 0u);
}

}  // namespace
}  // namespace shadowsel::drv
