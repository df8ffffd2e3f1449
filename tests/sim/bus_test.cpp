// SPDX-License-Identifier: MIT
// The interprocessor bus: exact packet timing, round-robin fairness, flow
// control behind a slow receiver, multicast, and failover of either lane.
#include <gtest/gtest.h>

#include <map>

#include "bus_harness.h"

namespace shadowsel::test {
namespace {

using hw::now_cycles;

hw::MachineParams machine(uint32_t cpus) {
  hw::MachineParams p;
  p.cpus = cpus;
  return p;
}

/// Payload tagged with (src, n) so receivers can check order and identity.
std::vector<uint8_t> tagged(uint32_t src, uint32_t n, uint32_t len = 8) {
  std::vector<uint8_t> v = pattern(len, n);
  v[0] = static_cast<uint8_t>(src);
  std::memcpy(&v[1], &n, sizeof n);
  return v;
}
uint32_t tag_n(const hw::FramePtr& f) {
  uint32_t n;
  std::memcpy(&n, f->payload().data() + 1, sizeof n);
  return n;
}

// One packet on an idle lane takes arb_cycles + ceil(frame / width) from the
// request to its delivery, where frame = 8 (header) [+ 8 multicast] + L + 4.
struct TimingCase {
  uint32_t width, arb, len;
  uint64_t dst_mask;
  uint64_t expected;  // written out by hand from the formula in docs/bus.md
};

class PacketTiming : public ::testing::TestWithParam<TimingCase> {};

TEST_P(PacketTiming, ExactCyclesFromRequestToDelivery) {
  const TimingCase c = GetParam();
  hw::MachineParams p = machine(4);
  p.bus.width_bytes = c.width;
  p.bus.arb_cycles = c.arb;
  BusHarness h("h", p);
  const uint64_t t0 = 1000;
  h.traffic([&] {
    sc_core::wait(hw::cycles(t0));
    h.send(0, c.dst_mask, pattern(c.len, 3));
  });
  sc_core::sc_start();
  for (uint32_t d = 1; d < 4; ++d) {
    if (!(c.dst_mask >> d & 1)) {
      EXPECT_TRUE(h.arrivals[d].empty());
      continue;
    }
    ASSERT_EQ(h.arrivals[d].size(), 1u) << "node " << d;
    EXPECT_EQ(h.arrivals[d][0].cycle - t0, c.expected) << "node " << d;
    EXPECT_EQ(h.arrivals[d][0].cycle - t0, hw::packet_cycles(p.bus, c.len, c.dst_mask & (c.dst_mask - 1)));
    EXPECT_TRUE(h.arrivals[d][0].frame->check_ok());
    EXPECT_EQ(std::vector<uint8_t>(h.arrivals[d][0].frame->payload().begin(),
                                   h.arrivals[d][0].frame->payload().end()),
              pattern(c.len, 3));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Lengths, PacketTiming,
    ::testing::Values(TimingCase{4, 1, 0, 0b10, 1 + 3},       // 12 bytes
                      TimingCase{4, 1, 1, 0b10, 1 + 4},       // 13 bytes
                      TimingCase{4, 1, 4, 0b10, 1 + 4},       // 16 bytes
                      TimingCase{4, 1, 5, 0b10, 1 + 5},       // 17 bytes
                      TimingCase{4, 1, 64, 0b10, 1 + 19},     // 76 bytes
                      TimingCase{8, 1, 64, 0b10, 1 + 10},     // 76 bytes, 8 per cycle
                      TimingCase{4, 3, 48, 0b10, 3 + 15},     // 60 bytes, slower arbiter
                      TimingCase{2, 0, 10, 0b10, 0 + 11},     // 22 bytes, no arbitration
                      TimingCase{4, 1, 64, 0b1110, 1 + 21}),  // multicast: 84 bytes
    [](const auto& info) {
      const TimingCase& c = info.param;
      return "w" + std::to_string(c.width) + "_arb" + std::to_string(c.arb) + "_len" +
             std::to_string(c.len) + (c.dst_mask & (c.dst_mask - 1) ? "_mcast" : "");
    });

// Saturated lane: every node always has a packet ready; grants go round robin,
// so at any moment no node is more than one grant ahead of another.
TEST(Arbitration, RoundRobinIsFairUnderSaturation) {
  hw::MachineParams p = machine(8);
  p.bus.y_down_at_cycle = 0;  // one lane, so the order is visible
  BusHarness h("h", p);
  h.traffic([&] {
    // More than the 20 samples below can drain, so the lane stays saturated.
    for (uint32_t n = 0; n < 2000; ++n) {
      for (uint32_t s = 0; s < 8; ++s) h.send(s, 1ull << ((s + 1) % 8), tagged(s, n), 0x1000 + n * 64);
    }
  });
  const auto& grants = h.platform->bus().grants(0);
  for (int step = 1; step <= 20; ++step) {
    sc_core::sc_start(hw::cycles(997));  // sample at odd moments
    const auto [lo, hi] = std::minmax_element(grants.begin(), grants.end());
    ASSERT_LE(*hi - *lo, 1u) << "at cycle " << now_cycles();
    ASSERT_GT(*lo, 0u);
  }
  // The lane never idled while work was waiting: every cycle so far belongs to
  // a finished transfer or to the one in progress.
  const auto& c = h.platform->bus().counters(0);
  EXPECT_GE(c.busy_cycles + c.arb_cycles, now_cycles() - hw::packet_cycles(p.bus, 8, false));
}

TEST(Arbitration, BothLanesShareWorkFairly) {
  BusHarness h("h", machine(8));
  h.traffic([&] {
    for (uint32_t n = 0; n < 300; ++n) {
      for (uint32_t s = 0; s < 8; ++s) h.send(s, 1ull << ((s + 3) % 8), tagged(s, n), 0x1000 + n * 64);
    }
  });
  sc_core::sc_start(hw::cycles(20000));
  const auto& gx = h.platform->bus().grants(0);
  const auto& gy = h.platform->bus().grants(1);
  uint64_t lo = UINT64_MAX, hi = 0;
  for (int i = 0; i < 8; ++i) {
    lo = std::min(lo, gx[i] + gy[i]);
    hi = std::max(hi, gx[i] + gy[i]);
  }
  EXPECT_LE(hi - lo, 2u);
  EXPECT_GT(h.platform->bus().counters(0).transfers, 100u);
  EXPECT_GT(h.platform->bus().counters(1).transfers, 100u);
}

// A receiver that takes 400 cycles per frame, fed by three senders: its buffer
// fills, frames are refused and retried, and still every frame arrives exactly
// once, in order per sender.
TEST(FlowControl, SlowReceiverLosesNothingAndKeepsOrder) {
  hw::MachineParams p = machine(4);
  p.bus.rx_buffer_packets = 2;
  BusHarness h("h", p);
  h.drain_cycles[1] = 400;
  constexpr uint32_t kPerSender = 60;
  h.traffic([&] {
    for (uint32_t n = 0; n < kPerSender; ++n) {
      for (uint32_t s : {0u, 2u, 3u}) h.send(s, 0b10, tagged(s, n, 40), 0x1000 + n * 64);
    }
  });
  sc_core::sc_start();
  std::map<uint32_t, std::vector<uint32_t>> seen;
  for (const Arrival& a : h.arrivals[1]) seen[a.frame->src()].push_back(tag_n(a.frame));
  for (uint32_t s : {0u, 2u, 3u}) {
    ASSERT_EQ(seen[s].size(), kPerSender) << "sender " << s;
    for (uint32_t n = 0; n < kPerSender; ++n) EXPECT_EQ(seen[s][n], n) << "sender " << s;
  }
  const auto& rc = h.platform->node(1).biu().counters();
  EXPECT_GT(rc.rx_refused, 0u) << "the receiver was never full: the test proves nothing";
  EXPECT_LE(rc.rx_buffer_peak, 2u);
  EXPECT_EQ(rc.rx_seq_errors, 0u);
  uint64_t retries = 0;
  for (uint32_t s : {0u, 2u, 3u}) retries += h.platform->node(s).biu().counters().tx_retries;
  EXPECT_EQ(retries, rc.rx_refused);
}

TEST(FlowControl, BackoffKeepsTheBaseWaitThenDoublesUpToTheCap) {
  hw::BusParams b;
  b.retry_backoff_cycles = 16;
  b.retry_backoff_flat = 3;
  b.retry_backoff_max_cycles = 100;
  const std::vector<uint64_t> expected = {16, 16, 16, 32, 64, 100, 100};
  for (uint32_t n = 1; n <= expected.size(); ++n) EXPECT_EQ(b.retry_delay(n), expected[n - 1]) << n;
  EXPECT_EQ(b.retry_delay(1000000), 100u) << "no overflow far past the cap";
  b.retry_backoff_max_cycles = UINT64_MAX;
  EXPECT_EQ(b.retry_delay(3 + 59), 16ull << 59);
  EXPECT_EQ(b.retry_delay(3 + 60), UINT64_MAX) << "a shift that would overflow gives the cap";
}

// A receiver busy for 10^9 cycles (as in an interrupt handler that long): the
// sender's packet is refused a bounded number of times, about flat + log2(busy
// / base) with a cap above the busy time, not busy / base (62 M) as with a
// fixed wait; and it still gets through within twice the busy time.
// The kernel's messages and the notify engine's packets are two virtual channels: an
// engine packet enters the window and leaves while the kernel's window is full of
// messages a receiver keeps refusing (docs/bus.md, "Two virtual channels").
TEST(VirtualChannels, AnEnginePacketPassesMessagesAReceiverKeepsRefusing) {
  hw::MachineParams p = machine(4);
  p.bus.rx_buffer_packets = 1;
  BusHarness h("h", p);
  constexpr uint64_t kSlowDrain = 1000000;  // node 1 takes one frame per 10^6 cycles
  h.drain_cycles[1] = kSlowDrain;
  const uint32_t kMessages = p.bus.tx_window_packets + 4;  // the kernel's window full, more behind
  h.traffic([&] {
    for (uint32_t n = 0; n < kMessages; ++n) h.send(0, 0b10, tagged(0, n, 40), 0x1000 + n * 64);
    h.send(0, 0b100, tagged(0, 99, 16), 0x9000, 0, hw::PacketType::kNeNotify);
  });
  sc_core::sc_start();
  ASSERT_EQ(h.arrivals[2].size(), 1u);
  EXPECT_EQ(h.arrivals[2][0].frame->type(), hw::PacketType::kNeNotify);
  // It arrived while node 1 was still refusing the messages queued before it.
  EXPECT_LT(h.arrivals[2][0].cycle, kSlowDrain);
  EXPECT_GT(h.platform->node(1).biu().counters().rx_refused, 0u) << "node 1 never refused: the test proves nothing";
  ASSERT_EQ(h.arrivals[1].size(), kMessages);
  for (uint32_t n = 0; n < kMessages; ++n) EXPECT_EQ(tag_n(h.arrivals[1][n].frame), n);
  EXPECT_EQ(h.platform->node(1).biu().counters().rx_seq_errors, 0u);
  EXPECT_EQ(h.platform->node(2).biu().counters().rx_seq_errors, 0u);
}

class LongBusyReceiver : public ::testing::TestWithParam<uint64_t> {};

TEST_P(LongBusyReceiver, RefusalsGrowWithTheLogOfTheBusyTime) {
  constexpr uint64_t kBusy = 1'000'000'000;
  hw::MachineParams p = machine(2);
  p.bus.rx_buffer_packets = 1;
  p.bus.retry_backoff_max_cycles = GetParam();
  BusHarness h("h", p);
  h.drain_cycles[1] = kBusy;  // holds the first frame kBusy cycles, so the second is refused
  h.traffic([&] {
    for (uint32_t n = 0; n < 2; ++n) h.send(0, 0b10, tagged(0, n), 0x1000 + n * 64);
  });
  sc_core::sc_start();
  ASSERT_EQ(h.arrivals[1].size(), 2u);
  const uint64_t refused = h.platform->node(1).biu().counters().rx_refused;
  const hw::BusParams& b = p.bus;
  const uint64_t log_bound = b.retry_backoff_flat + 64 - __builtin_clzll(kBusy / b.retry_backoff_cycles);
  const uint64_t cap_bound = log_bound + kBusy / b.retry_backoff_max_cycles;
  EXPECT_GT(refused, b.retry_backoff_flat) << "the receiver was not busy long: the test proves nothing";
  EXPECT_LE(refused, cap_bound + 1);
  if (b.retry_backoff_max_cycles >= kBusy) {
    EXPECT_LE(refused, log_bound + 1);
  }
  // Accepted at most one back-off after the buffer freed at kBusy; popped kBusy later.
  EXPECT_LE(h.arrivals[1][1].cycle, 2 * kBusy + std::min(kBusy, b.retry_backoff_max_cycles) + 100);
}

INSTANTIATE_TEST_SUITE_P(Caps, LongBusyReceiver,
                         ::testing::Values(hw::BusParams{}.retry_backoff_max_cycles, 1ull << 40),
                         [](const auto& info) { return "cap" + std::to_string(info.param); });

TEST(Multicast, OneTransferReachesEveryAddressedNodeAndNoOther) {
  BusHarness h("h", machine(6));
  h.traffic([&] { h.send(0, 0b101110, pattern(40, 9)); });
  sc_core::sc_start();
  const auto& x = h.platform->bus().counters(0);
  const auto& y = h.platform->bus().counters(1);
  EXPECT_EQ(x.transfers + y.transfers, 1u);
  for (uint32_t d = 1; d < 6; ++d) {
    EXPECT_EQ(h.arrivals[d].size(), (0b101110u >> d & 1) ? 1u : 0u) << "node " << d;
  }
}

// One full receiver makes the multicast retry, addressed to that receiver
// only: each node takes the frame exactly once.
TEST(Multicast, RetryGoesOnlyToTheReceiverThatRefused) {
  hw::MachineParams p = machine(4);
  p.bus.rx_buffer_packets = 1;
  BusHarness h("h", p);
  h.drain_cycles[2] = 300;
  h.traffic([&] {
    h.send(3, 0b0100, pattern(8, 1), 0x1000);  // fills node 2's one-frame buffer
    sc_core::wait(hw::cycles(50));
    h.send(0, 0b1110, pattern(8, 2), 0x2000);
  });
  sc_core::sc_start();
  ASSERT_EQ(h.arrivals[1].size(), 1u);
  ASSERT_EQ(h.arrivals[2].size(), 2u);
  ASSERT_EQ(h.arrivals[3].size(), 1u);
  EXPECT_EQ(h.arrivals[1][0].frame->dst_mask(), 0b1110u);
  const hw::FramePtr& retried = h.arrivals[2][1].frame;
  EXPECT_EQ(retried->dst_mask(), 0b0100u);
  EXPECT_TRUE(retried->multicast());
  EXPECT_TRUE(retried->check_ok());
  EXPECT_EQ(retried->seq(), h.arrivals[1][0].frame->seq());
  EXPECT_EQ(std::vector<uint8_t>(retried->payload().begin(), retried->payload().end()), pattern(8, 2));
  EXPECT_GE(h.platform->node(2).biu().counters().rx_refused, 1u);
  EXPECT_EQ(h.platform->node(0).biu().counters().tx_retries,
            h.platform->node(2).biu().counters().rx_refused);
  for (uint32_t d = 1; d < 4; ++d) EXPECT_EQ(h.platform->node(d).biu().counters().rx_seq_errors, 0u);
}

// Sequence numbers are per (sender, receiver): a long stream to one node, past
// the 16-bit wrap, does not make the next frame to another node look stale.
TEST(Sequence, LongStreamToOneNodeDoesNotHideTheNextFrameToAnother) {
  hw::MachineParams p = machine(3);
  BusHarness h("h", p);
  constexpr uint32_t kStream = 70000;
  h.traffic([&] {
    h.send(0, 0b010, tagged(0, 0), 0x1000);
    for (uint32_t n = 0; n < kStream; ++n) h.send(0, 0b100, tagged(0, n), 0x2000);
    h.send(0, 0b010, tagged(0, 1), 0x3000);
  });
  sc_core::sc_start();
  ASSERT_EQ(h.arrivals[1].size(), 2u);
  EXPECT_EQ(tag_n(h.arrivals[1][1].frame), 1u);
  ASSERT_EQ(h.arrivals[2].size(), kStream);
  EXPECT_EQ(tag_n(h.arrivals[2].back().frame), kStream - 1);
  EXPECT_EQ(h.platform->node(1).biu().counters().rx_seq_errors, 0u);
  EXPECT_EQ(h.platform->node(2).biu().counters().rx_seq_errors, 0u);
}

// Taking a lane down mid-transfer aborts that transfer; the packet goes out on
// the other lane and nothing is lost, duplicated or reordered.
class Failover : public ::testing::TestWithParam<int> {};

TEST_P(Failover, LaneDownMidStreamLosesNothing) {
  const int lane = GetParam();
  hw::MachineParams p = machine(4);
  // Mid-transfer: transfers of this traffic last 1 + 11 cycles, back to back from cycle 0.
  (lane == 0 ? p.bus.x_down_at_cycle : p.bus.y_down_at_cycle) = 1000 + 6;
  BusHarness h("h", p);
  constexpr uint32_t kPerSender = 150;
  h.traffic([&] {
    for (uint32_t n = 0; n < kPerSender; ++n) {
      for (uint32_t s = 0; s < 4; ++s) h.send(s, 1ull << ((s + 1) % 4), tagged(s, n, 32), 0x1000 + n * 64);
    }
  });
  sc_core::sc_start();
  for (uint32_t d = 0; d < 4; ++d) {
    const uint32_t s = (d + 3) % 4;
    ASSERT_EQ(h.arrivals[d].size(), kPerSender) << "node " << d;
    for (uint32_t n = 0; n < kPerSender; ++n) {
      ASSERT_EQ(tag_n(h.arrivals[d][n].frame), n) << "node " << d;
      ASSERT_EQ(h.arrivals[d][n].frame->src(), s);
    }
    EXPECT_EQ(h.platform->node(d).biu().counters().rx_seq_errors, 0u);
  }
  const auto& down = h.platform->bus().counters(lane);
  const auto& up = h.platform->bus().counters(1 - lane);
  EXPECT_FALSE(h.platform->bus().lane_up(lane));
  EXPECT_EQ(down.aborted, 1u);
  EXPECT_GT(up.transfers, down.transfers) << "the surviving lane carried the rest";
  EXPECT_EQ(down.transfers + up.transfers, 4u * kPerSender);
}

INSTANTIATE_TEST_SUITE_P(Lanes, Failover, ::testing::Values(0, 1),
                         [](const auto& info) { return info.param == 0 ? "X" : "Y"; });

TEST(Frame, CheckDetectsACorruptedBit) {
  auto f = hw::build_frame(hw::PacketType::kMsg, 0, 0b10, 5, pattern(20, 1), false);
  EXPECT_TRUE(f->check_ok());
  auto bad = std::make_shared<hw::Frame>(*f);
  bad->bytes[12] ^= 0x10;
  EXPECT_FALSE(bad->check_ok());
  EXPECT_EQ(bad->dst_mask(), 0b10u);
  EXPECT_EQ(f->payload().size(), 20u);
}

}  // namespace
}  // namespace shadowsel::test
