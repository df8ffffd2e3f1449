// SPDX-License-Identifier: MIT
// Nothing acknowledged is lost (issue 11, point 4; docs/faults.md): every message the
// bus acknowledged to its sender arrives exactly once, intact and in order per
// (sender, receiver), across lane failures and returns (both lanes down at times),
// corrupted packets (CRC), packets lost on the wire and lost acknowledgements. Each
// test also checks that its faults really happened.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>

#include "bus_harness.h"
#include "shadowsel/driver/msg.h"
#include "shadowsel/hw/time.h"
#include "shadowsel/tb/delivery.h"
#include "shadowsel/tb/faults.h"
#include "shadowsel/tb/simulation.h"

namespace shadowsel::test {
namespace {

uint64_t stat(tb::Simulation& sim, const std::string& path) {
  return static_cast<uint64_t>(sim.stats().value(path));
}

uint64_t node_sum(tb::Simulation& sim, uint64_t hw::BiuCounters::*field) {
  uint64_t n = 0;
  for (uint32_t i = 0; i < sim.cpus(); ++i) n += sim.platform().node(i).biu().counters().*field;
  return n;
}

uint64_t both_lanes(tb::Simulation& sim, const std::string& what) {
  return stat(sim, "bus.X." + what) + stat(sim, "bus.Y." + what);
}

void expect_nothing_lost(const tb::DeliveryResult& d, uint64_t messages) {
  EXPECT_EQ(d.sent, messages);
  EXPECT_EQ(d.acknowledged, messages);
  EXPECT_EQ(d.in_order, messages);
  EXPECT_EQ(d.duplicates, 0u);
  EXPECT_EQ(d.gaps, 0u);
  EXPECT_EQ(d.damaged, 0u);
  EXPECT_EQ(d.lost(), 0u);
}

// 10^5 messages between random pairs of 4 CPUs, while X and Y flap independently
// (lane_flap faults; both down at times), 1 % of transfers are corrupted, 0.5 % lost on the wire and
// 0.5 % lose their acknowledgement.
TEST(Delivery, HundredThousandMessagesUnderLaneFlapsCorruptionAndDrops) {
  constexpr uint64_t kMessages = 100000;
  tb::Scenario s;
  s.machine.cpus = 4;
  s.machine.seed = 7;
  tb::add_delivery_faults(s);
  tb::Simulation sim(s);
  tb::DeliveryCheck check(sim, {.messages = kMessages, .seed = 7});
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  const tb::DeliveryResult d = check.result();
  expect_nothing_lost(d, kMessages);
  uint64_t msg_sent = 0;
  for (uint32_t c = 0; c < sim.cpus(); ++c) msg_sent += sim.kernel(c).msg().counters().sent;
  EXPECT_EQ(msg_sent, kMessages);  // no other traffic to blur the acknowledged count
  EXPECT_EQ(node_sum(sim, &hw::BiuCounters::rx_seq_errors), 0u);

  // The faults happened, and each recovery path was taken.
  EXPECT_GT(stat(sim, "faults.lane_down"), 20u);
  EXPECT_EQ(stat(sim, "faults.lane_flap"), stat(sim, "faults.lane_down"));  // every down was a flap's
  EXPECT_GT(stat(sim, "bus.no_lane_periods"), 0u);  // both lanes down at once
  EXPECT_GT(node_sum(sim, &hw::BiuCounters::tx_no_lane_cycles), 0u);
  EXPECT_GT(both_lanes(sim, "aborted"), 0u);  // transfers cut by a lane going down
  EXPECT_GT(both_lanes(sim, "packets_corrupted_by_fault"), 0u);
  EXPECT_GT(node_sum(sim, &hw::BiuCounters::rx_check_errors), 0u);
  EXPECT_GT(both_lanes(sim, "packets_dropped_by_fault"), 0u);
  EXPECT_GT(both_lanes(sim, "acks_dropped_by_fault"), 0u);
  EXPECT_GT(node_sum(sim, &hw::BiuCounters::rx_duplicates), 0u);  // copies discarded by number
  EXPECT_GT(node_sum(sim, &hw::BiuCounters::tx_retries), 0u);
  std::printf("delivery: %llu cycles, lane downs %llu, both down %llu times for %llu cycles, aborted %llu, "
              "corrupted %llu, dropped %llu, acks dropped %llu, duplicates discarded %llu, retries %llu\n",
              static_cast<unsigned long long>(hw::now_cycles()),
              static_cast<unsigned long long>(stat(sim, "faults.lane_down")),
              static_cast<unsigned long long>(stat(sim, "bus.no_lane_periods")),
              static_cast<unsigned long long>(stat(sim, "bus.no_lane_cycles")),
              static_cast<unsigned long long>(both_lanes(sim, "aborted")),
              static_cast<unsigned long long>(both_lanes(sim, "packets_corrupted_by_fault")),
              static_cast<unsigned long long>(both_lanes(sim, "packets_dropped_by_fault")),
              static_cast<unsigned long long>(both_lanes(sim, "acks_dropped_by_fault")),
              static_cast<unsigned long long>(node_sum(sim, &hw::BiuCounters::rx_duplicates)),
              static_cast<unsigned long long>(node_sum(sim, &hw::BiuCounters::tx_retries)));
}

// The bus alone: every third transfer loses its acknowledgement, so the sender sends
// frames its receivers already took. Each receiver discards the copy by its sequence
// number and acknowledges it: every node gets each frame once, in order, unicasts and
// multicasts alike, even when a slow receiver also refuses part of a multicast.
TEST(LostAcknowledgement, ReceiversDiscardTheCopyAndAcknowledgeIt) {
  hw::MachineParams p;
  p.cpus = 4;
  BusHarness h("h", p);
  h.drain_cycles[2] = 200;  // node 2 refuses some multicasts: they go again to it only
  uint64_t transfers = 0;
  h.platform->bus().set_packet_fate([&](char, uint64_t) {
    return ++transfers % 3 == 0 ? hw::Interconnect::Fate::kDropAck : hw::Interconnect::Fate::kDeliver;
  });
  constexpr uint32_t kEach = 200;
  auto tag = [](uint32_t n) {
    std::vector<uint8_t> v = pattern(24, n);
    std::memcpy(v.data(), &n, sizeof n);
    return v;
  };
  h.traffic([&] {
    for (uint32_t n = 0; n < kEach; ++n) {
      h.send(0, 0b0010, tag(n), 0x1000 + 2 * n * 64);                  // unicast to 1
      h.send(0, 0b1110, tag(1000 + n), 0x1000 + (2 * n + 1) * 64);     // multicast to 1, 2, 3
    }
  });
  sc_core::sc_start();
  auto n_of = [](const Arrival& a) {
    uint32_t n;
    std::memcpy(&n, a.frame->payload().data(), sizeof n);
    return n;
  };
  ASSERT_EQ(h.arrivals[1].size(), 2 * kEach);
  for (uint32_t i = 0; i < 2 * kEach; ++i) {
    ASSERT_EQ(n_of(h.arrivals[1][i]), i % 2 ? 1000 + i / 2 : i / 2) << "node 1, frame " << i;
  }
  for (uint32_t d : {2u, 3u}) {
    ASSERT_EQ(h.arrivals[d].size(), kEach) << "node " << d;
    for (uint32_t i = 0; i < kEach; ++i) ASSERT_EQ(n_of(h.arrivals[d][i]), 1000 + i) << "node " << d;
  }
  uint64_t duplicates = 0;
  for (uint32_t d = 0; d < 4; ++d) {
    EXPECT_EQ(h.platform->node(d).biu().counters().rx_seq_errors, 0u) << "node " << d;
    duplicates += h.platform->node(d).biu().counters().rx_duplicates;
  }
  const uint64_t lost_acks = h.platform->bus().counters(0).acks_dropped_by_fault +
                             h.platform->bus().counters(1).acks_dropped_by_fault;
  EXPECT_GT(lost_acks, kEach / 2);
  EXPECT_GE(duplicates, lost_acks / 2);  // at least every copy of a frame someone took
  EXPECT_GT(h.platform->node(2).biu().counters().rx_refused, 0u);  // the slow receiver refused
  EXPECT_EQ(h.platform->node(0).biu().counters().tx_packets, 2u * kEach);
}

// The bus alone, multicasts and unicasts from every node while both lanes flap (both
// down at times, transfers cut), 2 % of transfers corrupted, 2 % dropped, 2 % losing
// their acknowledgement, and two slow receivers refusing parts of multicasts: every
// node gets each frame addressed to it exactly once, in order per sender.
TEST(MulticastUnderFaults, EveryNodeGetsEachFrameOnceInOrder) {
  hw::MachineParams p;
  p.cpus = 4;
  p.seed = 5;
  BusHarness h("h", p);
  h.drain_cycles[1] = 60;
  h.drain_cycles[3] = 90;
  std::mt19937_64 rng(5);
  hw::Interconnect& bus = h.platform->bus();
  for (int lane = 0; lane < 2; ++lane) {
    tb::Fault flap;
    flap.kind = tb::FaultKind::kLaneFlap;
    flap.lane = lane ? 'Y' : 'X';
    flap.until_cycle = 3'000'000;
    flap.mean_up_cycles = 3000;
    flap.mean_down_cycles = 2000;
    for (const tb::Fault& c : tb::lane_flap_schedule(flap, 11 + lane)) {
      bus.schedule_lane(lane, c.at_cycle, c.kind == tb::FaultKind::kLaneUp);
    }
  }
  bus.set_packet_fate([&](char, uint64_t) {
    const uint64_t r = rng() % 100;
    return r < 2 ? hw::Interconnect::Fate::kCorrupt
           : r < 4 ? hw::Interconnect::Fate::kDrop
           : r < 6 ? hw::Interconnect::Fate::kDropAck
                   : hw::Interconnect::Fate::kDeliver;
  });
  constexpr uint32_t kEach = 300;  // frames per sender
  // Frame (s, n) goes to a mask drawn from (s, n): any non-empty set of the other nodes.
  auto mask_of = [](uint32_t s, uint32_t n) {
    const uint64_t others = 0b1111 & ~(1ull << s);
    uint64_t m = 0;
    for (uint64_t x = (s * 7919 + n * 104729) % 7 + 1, bit = 0; bit < 4; ++bit) {
      if (!(others >> bit & 1)) continue;
      if (x & 1) m |= 1ull << bit;
      x >>= 1;
    }
    return m ? m : others & -others;
  };
  for (uint32_t s = 0; s < 4; ++s) {
    h.traffic([&, s] {
      for (uint32_t n = 0; n < kEach; ++n) {
        std::vector<uint8_t> v = pattern(20, n);
        v[0] = static_cast<uint8_t>(s);
        std::memcpy(&v[1], &n, sizeof n);
        h.send(s, mask_of(s, n), v, 0x1000 + n * 64);
      }
    });
  }
  sc_core::sc_start();
  for (uint32_t d = 0; d < 4; ++d) {
    std::vector<uint32_t> next(4, 0);
    for (const Arrival& a : h.arrivals[d]) {
      const uint32_t s = a.frame->payload()[0];
      uint32_t n;
      std::memcpy(&n, a.frame->payload().data() + 1, sizeof n);
      while (next[s] < kEach && !(mask_of(s, next[s]) >> d & 1)) ++next[s];  // frames not for d
      ASSERT_EQ(n, next[s]) << "node " << d << " from " << s;
      ++next[s];
    }
    for (uint32_t s = 0; s < 4; ++s) {
      while (next[s] < kEach && !(mask_of(s, next[s]) >> d & 1)) ++next[s];
      EXPECT_EQ(next[s], kEach) << "node " << d << " missed frames from " << s;
    }
    EXPECT_EQ(h.platform->node(d).biu().counters().rx_seq_errors, 0u) << "node " << d;
  }
  uint64_t duplicates = 0, crc = 0;
  for (uint32_t d = 0; d < 4; ++d) {
    duplicates += h.platform->node(d).biu().counters().rx_duplicates;
    crc += h.platform->node(d).biu().counters().rx_check_errors;
  }
  EXPECT_GT(duplicates, 0u);
  EXPECT_GT(crc, 0u);
  EXPECT_GT(bus.no_lane_periods(), 0u);
  EXPECT_GT(bus.counters(0).aborted + bus.counters(1).aborted, 0u);
  EXPECT_GT(bus.counters(0).dropped_by_fault + bus.counters(1).dropped_by_fault, 0u);
  EXPECT_GT(h.platform->node(1).biu().counters().rx_refused + h.platform->node(3).biu().counters().rx_refused, 0u);
}

// Both lanes down for 2 million cycles: senders wait (their packets stay in their
// windows, nothing is dropped, nothing moves), and everything goes, in order, once X
// returns. The waiting is visible to a liveness monitor (Interconnect::no_lane_since)
// and counted (bus.no_lane_*, node.N.biu.tx_no_lane_cycles).
TEST(BothLanesDown, SendersWaitAndEverythingGoesWhenALaneReturns) {
  constexpr uint64_t kDown = 20000, kUp = 2'000'000, kMessages = 2000;
  tb::Scenario s;
  s.machine.cpus = 4;
  for (char lane : {'X', 'Y'}) {
    tb::Fault f;
    f.kind = tb::FaultKind::kLaneDown;
    f.at_cycle = kDown;
    f.lane = lane;
    f.where = "test";
    s.faults.push_back(f);
  }
  tb::Fault up;
  up.kind = tb::FaultKind::kLaneUp;
  up.at_cycle = kUp;
  up.lane = 'X';
  up.where = "test";
  s.faults.push_back(up);
  tb::Simulation sim(s);
  tb::DeliveryCheck check(sim, {.messages = kMessages, .seed = 3});
  uint64_t transfers_at_down = 0, transfers_before_up = 0, y_at_down = 0;
  int64_t no_lane_since = -2;
  sc_core::sc_spawn([&] {
    sc_core::wait(hw::cycles(kDown + 1));
    y_at_down = sim.platform().bus().counters(1).transfers;
    transfers_at_down = sim.platform().bus().counters(0).transfers + y_at_down;
    sc_core::wait(hw::cycles(kUp - 1 - (kDown + 1)));
    transfers_before_up = sim.platform().bus().counters(0).transfers + sim.platform().bus().counters(1).transfers;
    no_lane_since = sim.platform().bus().no_lane_since();
  });
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  expect_nothing_lost(check.result(), kMessages);
  EXPECT_GT(transfers_at_down, 0u);  // traffic was flowing when the lanes went
  EXPECT_EQ(transfers_before_up, transfers_at_down);  // nothing moved while both were down
  EXPECT_EQ(no_lane_since, static_cast<int64_t>(kDown));
  EXPECT_GT(hw::now_cycles(), kUp);  // the rest went after X returned
  EXPECT_EQ(stat(sim, "bus.no_lane_periods"), 1u);
  EXPECT_EQ(stat(sim, "bus.no_lane_cycles"), kUp - kDown);
  EXPECT_GT(node_sum(sim, &hw::BiuCounters::tx_no_lane_cycles), 3 * (kUp - kDown));  // 4 senders, most waiting
  EXPECT_LE(node_sum(sim, &hw::BiuCounters::tx_no_lane_cycles), 4 * (kUp - kDown));
  EXPECT_EQ(sim.platform().bus().counters(1).transfers, y_at_down);  // Y never returned
  EXPECT_EQ(stat(sim, "faults.lane_down"), 2u);
  EXPECT_EQ(stat(sim, "faults.lane_up"), 1u);
}

}  // namespace
}  // namespace shadowsel::test
