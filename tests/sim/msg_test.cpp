// SPDX-License-Identifier: MIT
// Message-level flow control (docs/messages.md): a message the receiver cannot
// buffer yet is delayed, never dropped; two nodes full of each other's
// messages still deliver everything; a reply gets through a receive pool full
// of posts; a message that could never be buffered fails the run with its size.
#include <gtest/gtest.h>

#include <csignal>

#include "shadowsel/driver/kernel.h"
#include "shadowsel/driver/msg.h"
#include "shadowsel/hw/time.h"
#include "shadowsel/tb/simulation.h"

namespace shadowsel::test {
namespace {

using drv::MessageSystem;
using drv::Process;

constexpr uint64_t kMemory = 64 * 1024;  // the smallest node: 24 KiB pools, 18 KiB for requests and posts
constexpr uint32_t kMsgBytes = 4096;

tb::Scenario small_nodes(uint32_t cpus) {
  tb::Scenario s;
  s.machine.cpus = cpus;
  s.machine.memory_bytes = kMemory;
  return s;
}

std::vector<uint8_t> body(uint32_t from, uint32_t n) {
  std::vector<uint8_t> v(kMsgBytes);
  for (uint32_t i = 0; i < v.size(); ++i) v[i] = static_cast<uint8_t>(from * 101 + n * 7 + i);
  return v;
}

// Takes `count` messages from `from` after `delay` cycles, checking each is the
// next one, intact.
Process::Body sink(uint32_t from, uint32_t count, uint64_t delay, uint32_t* taken) {
  return [=](Process& p) {
    p.sleep(delay);
    for (uint32_t n = 0; n < count; ++n) {
      const drv::Message m = p.receive();
      EXPECT_EQ(m.from.cpu, from);
      EXPECT_TRUE(m.data == body(from, n)) << "message " << n << " from cpu " << from;
      ++*taken;
    }
  };
}

TEST(MessageFlow, PoolsAreCarvedFromKernelMemory) {
  EXPECT_EQ(MessageSystem::pool_bytes(kMemory), 24u * 1024);
  EXPECT_EQ(MessageSystem::max_request_bytes(kMemory), 18u * 1024);
  EXPECT_EQ(MessageSystem::max_reply_bytes(kMemory), 24u * 1024);
}

// Each node posts 12 x 4 KiB (48 KiB, twice a pool) to a sink on the other that
// starts taking them only later: both receive pools fill with the other's
// messages and both send pools with their own. Everything arrives, in order.
TEST(MessageFlow, TwoNodesFullOfEachOthersMessagesDeliverEverything) {
  tb::Simulation sim(small_nodes(2));
  constexpr uint32_t kCount = 12;
  uint32_t taken[2] = {0, 0};
  drv::Address sinks[2];
  for (uint32_t c = 0; c < 2; ++c) {
    sinks[c] = sim.kernel(c).spawn("sink", sink(1 - c, kCount, 300000, &taken[c])).address();
  }
  for (uint32_t c = 0; c < 2; ++c) {
    const drv::Address to = sinks[1 - c];
    sim.kernel(c).spawn("poster", [to, c](Process& p) {
      for (uint32_t n = 0; n < kCount; ++n) p.post(to, body(c, n));
    });
  }
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  for (uint32_t c = 0; c < 2; ++c) {
    EXPECT_EQ(taken[c], kCount) << "cpu " << c;
    const auto& m = sim.kernel(c).msg().counters();
    EXPECT_GT(m.rx_deferred, 0u) << "cpu " << c << "'s receive pool never filled: the test proves nothing";
    EXPECT_GT(m.sender_blocked, 0u) << "cpu " << c << "'s send pool never filled";
    EXPECT_LE(m.rx_pool_peak, MessageSystem::max_request_bytes(kMemory));
    EXPECT_EQ(m.undeliverable, 0u);
    EXPECT_EQ(sim.platform().node(c).biu().counters().rx_seq_errors, 0u);
  }
}

// Node 2 fills node 0's receive pool with posts nobody takes yet; node 0 then
// calls node 1, whose 4 KiB reply is admitted into the reply reserve. The
// caller has its reply long before the posts are taken.
TEST(MessageFlow, AReplyGetsThroughAReceivePoolFullOfPosts) {
  tb::Simulation sim(small_nodes(3));
  constexpr uint64_t kSinkDelay = 2'000'000;
  uint32_t taken = 0;
  const drv::Address to_sink = sim.kernel(0).spawn("sink", sink(2, 8, kSinkDelay, &taken)).address();
  const drv::Address server = sim.kernel(1)
                                  .spawn("server", [](Process& p) {
                                    const drv::Message m = p.receive();
                                    p.reply(m, std::vector<uint8_t>(kMsgBytes, 0x5A));
                                  })
                                  .address();
  sim.kernel(2).spawn("poster", [to_sink](Process& p) {
    for (uint32_t n = 0; n < 8; ++n) p.post(to_sink, body(2, n));
  });
  uint64_t replied_at = 0, deferred_before_call = 0;
  tb::Simulation* s = &sim;
  sim.kernel(0).spawn("caller", [&, server, s](Process& p) {
    p.sleep(200000);  // the posts have filled the pool by now
    deferred_before_call = s->kernel(0).msg().counters().rx_deferred;
    const auto reply = p.call(server, std::vector<uint8_t>(100, 1));
    EXPECT_EQ(reply, std::vector<uint8_t>(kMsgBytes, 0x5A));
    replied_at = hw::now_cycles();
  });
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  EXPECT_GT(deferred_before_call, 0u) << "the pool was not full when the call was made: the test proves nothing";
  EXPECT_GT(replied_at, 0u);
  EXPECT_LT(replied_at, kSinkDelay) << "the reply waited for the posts to be taken";
  EXPECT_EQ(taken, 8u);
}

// Same node: the sender waits while the receive pool is full, then goes on.
TEST(MessageFlow, ALocalSenderWaitsForTheReceivePool) {
  tb::Simulation sim(small_nodes(2));
  uint32_t taken = 0;
  const drv::Address to = sim.kernel(0).spawn("sink", sink(0, 10, 100000, &taken)).address();
  sim.kernel(0).spawn("poster", [to](Process& p) {
    for (uint32_t n = 0; n < 10; ++n) p.post(to, body(0, n));
  });
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  EXPECT_EQ(taken, 10u);
  EXPECT_GT(sim.kernel(0).msg().counters().sender_blocked, 0u);
}

TEST(MessageFlow, AMessageThatCouldNeverBeBufferedFailsTheRunWithItsSize) {
  tb::Simulation sim(small_nodes(2));
  const drv::Address to = sim.kernel(1).spawn("sink", [](Process& p) { p.receive(); }).address();
  sim.kernel(0).spawn("poster", [to](Process& p) {
    p.post(to, std::vector<uint8_t>(MessageSystem::max_request_bytes(kMemory) + 1));
  });
  const tb::RunResult r = sim.run();
  EXPECT_EQ(r.end, tb::RunResult::End::kFailed);
  EXPECT_NE(r.detail.find("message of 18433 bytes can never be buffered"), std::string::npos) << r.detail;
  EXPECT_NE(r.detail.find("at most 18432 bytes"), std::string::npos) << r.detail;
}

// A process killed while it waits in a call (call_unless_down, which every agent call
// uses, and call_cancellable, the FIFO open's) leaves nothing behind: its reply waiter
// goes with it, and the reply that arrives afterwards is dropped as undeliverable, its
// receive buffer freed, instead of being kept for a caller that is gone.
enum class CallKind { kUnlessDown, kCancellable };

class KilledCaller : public ::testing::TestWithParam<CallKind> {};

TEST_P(KilledCaller, LeavesNoWaiterAndItsLateReplyIsDroppedAsStray) {
  tb::Simulation sim(small_nodes(2));
  constexpr uint64_t kKillAt = 100'000, kReplyAt = 300'000;
  static bool returned, replied;
  static uint32_t cancels;
  returned = replied = false;
  cancels = 0;
  const drv::Address server = sim.kernel(1)
                                  .spawn("server", [](Process& p) {
                                    const drv::Message m = p.receive();
                                    p.sleep(kReplyAt);  // the caller is killed meanwhile
                                    p.reply(m, std::vector<uint8_t>(kMsgBytes, 0x5A));
                                    replied = true;
                                    p.sleep(kReplyAt);  // the run goes on until the reply has arrived
                                  })
                                  .address();
  const CallKind kind = GetParam();
  Process& caller = sim.kernel(0).spawn("caller", [server, kind](Process& p) {
    const std::vector<uint8_t> req(100, 1);
    if (kind == CallKind::kUnlessDown) {
      p.call_unless_down(server, req);
    } else {
      p.call_cancellable(server, req, [] { ++cancels; });
    }
    returned = true;
  });
  static size_t calls_at_kill;
  calls_at_kill = 0;
  tb::Simulation* s = &sim;
  sim.kernel(0).spawn("killer", [s, &caller](Process& p) {
    p.sleep(kKillAt);
    calls_at_kill = s->kernel(0).msg().calls_in_progress();
    EXPECT_TRUE(s->kernel(0).kill(caller, SIGKILL));
  });
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  EXPECT_FALSE(returned);
  EXPECT_TRUE(replied);
  EXPECT_EQ(calls_at_kill, 1u) << "the caller was not waiting in its call when killed: the test proves nothing";
  EXPECT_EQ(cancels, kind == CallKind::kCancellable ? 1u : 0u) << "a killed cancellable call asks the server to give up";
  const MessageSystem& m = sim.kernel(0).msg();
  EXPECT_EQ(m.calls_in_progress(), 0u) << "the killed caller's reply waiter or its reply was left behind";
  EXPECT_EQ(m.counters().undeliverable, 1u) << "the late reply was not handled as a stray";
  EXPECT_EQ(m.rx_pool_used(), 0u) << "the late reply's receive buffer was never freed";
}

INSTANTIATE_TEST_SUITE_P(Calls, KilledCaller, ::testing::Values(CallKind::kUnlessDown, CallKind::kCancellable),
                         [](const auto& info) {
                           return std::string(info.param == CallKind::kUnlessDown ? "CallUnlessDown"
                                                                                   : "CallCancellable");
                         });

}  // namespace
}  // namespace shadowsel::test
