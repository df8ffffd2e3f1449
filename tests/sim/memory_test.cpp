// SPDX-License-Identifier: MIT
// A node's private memory and the kernel heap that carves it up.
#include <gtest/gtest.h>

#include <numeric>

#include "shadowsel/driver/heap.h"
#include "shadowsel/hw/memory.h"

namespace shadowsel::test {
namespace {

TEST(Memory, BytesWrittenAcrossPagesReadBackAndUntouchedBytesAreZero) {
  hw::Memory m(1 << 20);
  std::vector<uint8_t> data(10000);
  std::iota(data.begin(), data.end(), 0);
  m.write(4000, data);  // spans four pages
  std::vector<uint8_t> back(data.size());
  m.read(4000, back);
  EXPECT_EQ(back, data);
  EXPECT_EQ(m.touched_pages(), 4u);
  std::vector<uint8_t> zeros(100, 0xFF);
  m.read(500000, zeros);
  EXPECT_EQ(zeros, std::vector<uint8_t>(100, 0));
  EXPECT_EQ(m.touched_pages(), 4u) << "reading must not allocate";
}

TEST(Memory, AccessOutsideTheMemoryThrows) {
  hw::Memory m(8192);
  std::vector<uint8_t> b(16);
  EXPECT_THROW(m.write(8190, b), std::out_of_range);
  EXPECT_THROW(m.read(UINT64_MAX - 4, b), std::out_of_range);
  EXPECT_NO_THROW(m.write(8176, b));
}

TEST(Heap, AllocatesAlignedBlocksAndMergesFreedNeighbours) {
  drv::Heap h(0, 1024);
  const auto a = h.alloc(100), b = h.alloc(100), c = h.alloc(100);
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(*a % drv::Heap::kAlign, 0u);
  EXPECT_EQ(*b, *a + 112);
  EXPECT_FALSE(h.alloc(1024)) << "only 1024 - 336 bytes are free";
  h.free(*b);
  h.free(*a);
  h.free(*c);
  EXPECT_EQ(h.used(), 0u);
  EXPECT_EQ(h.peak(), 336u);
  const auto all = h.alloc(1024);
  ASSERT_TRUE(all) << "freed blocks must merge back into one";
  EXPECT_EQ(*all, 0u);
  EXPECT_THROW(h.free(12345), std::logic_error);
}

}  // namespace
}  // namespace shadowsel::test
