// SPDX-License-Identifier: MIT
// Message-level flow control (docs/messages.md): a message the receiver cannot
// buffer yet is delayed, never dropped; two nodes full of each other's
// messages still deliver everything; a reply gets through a receive pool full
// of posts; a message that could never be buffered fails the run with its size.
// A process killed in a call, in a cancellable call whose result came first, or in
// the copy of a message to it leaves no buffer or waiter behind.
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

// A caller killed while it waits in a cancellable call whose result came first (an
// accept the I/O process answered with a connection before the cancel reached it)
// waits for that reply and hands it to `abandoned`, so that what it holds is given back:
// the reply is taken, not dropped, and nothing stays behind.
TEST(KilledCancellableCaller, WhoseResultCameFirstHandsItToAbandoned) {
  tb::Simulation sim(small_nodes(2));
  constexpr uint64_t kKillAt = 100'000, kReplyAt = 300'000;
  static bool returned;
  static uint32_t cancels, abandoned_calls;
  static std::vector<uint8_t> given_back;
  returned = false;
  cancels = abandoned_calls = 0;
  given_back.clear();
  const std::vector<uint8_t> result(kMsgBytes, 0x3C);
  const drv::Address server = sim.kernel(1)
                                  .spawn("server", [result](Process& p) {
                                    const drv::Message m = p.receive();
                                    p.sleep(kReplyAt);  // answers with no regard for the cancel
                                    p.reply(m, result);
                                  })
                                  .address();
  Process& caller = sim.kernel(0).spawn("caller", [server](Process& p) {
    p.call_cancellable(server, std::vector<uint8_t>(100, 1), [] { ++cancels; },
                       [](std::span<const uint8_t> reply) {
                         ++abandoned_calls;
                         given_back.assign(reply.begin(), reply.end());
                       });
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
  EXPECT_EQ(calls_at_kill, 1u) << "the caller was not waiting in its call when killed: the test proves nothing";
  EXPECT_FALSE(returned);
  EXPECT_EQ(cancels, 1u) << "a killed cancellable call asks the server to give up";
  EXPECT_EQ(abandoned_calls, 1u) << "the result that came first was not handed back";
  EXPECT_TRUE(given_back == result) << "abandoned got another message than the reply";
  const MessageSystem& m = sim.kernel(0).msg();
  EXPECT_EQ(m.counters().undeliverable, 0u) << "the reply was dropped instead of handed back";
  EXPECT_EQ(m.calls_in_progress(), 0u) << "the killed caller's reply waiter or its reply was left behind";
  EXPECT_EQ(m.rx_pool_used(), 0u) << "the reply's receive buffer was never freed";
}

// A process killed while the kernel copies a message out to it (charged in cycles: a
// long copy here) has taken the message off its queue: the message's receive buffer
// goes back to the pool, counted as undeliverable, for a reply (the call's copy) as for
// a request or post (receive()).
enum class CopyKind { kReply, kReceive };

class KilledInCopy : public ::testing::TestWithParam<CopyKind> {};

TEST_P(KilledInCopy, FreesTheMessagesBuffer) {
  // One fragment of 16 bytes whose copy to the process takes 400 000 cycles. Every copy
  // is charged so (the sender's, the receive interrupt's): the run is only longer.
  constexpr uint32_t kBytes = 16;
  constexpr uint64_t kCopyCycles = 400'000, kKillInto = 100'000;
  tb::Scenario sc = small_nodes(2);
  sc.machine.costs.copy_per_kib = static_cast<uint32_t>(kCopyCycles * 1024 / kBytes);
  sc.machine.liveness.enabled = false;  // CPUs this slow would miss their I'm-alive periods
  ASSERT_EQ(sc.machine.costs.copy(kBytes), kCopyCycles);
  tb::Simulation sim(sc);
  static bool returned;
  returned = false;
  const CopyKind kind = GetParam();
  // The process to kill is on CPU 0; the message comes to it from CPU 1.
  Process* victim = nullptr;
  if (kind == CopyKind::kReply) {
    const drv::Address server = sim.kernel(1)
                                    .spawn("server", [](Process& p) {
                                      const drv::Message m = p.receive();
                                      p.reply(m, std::vector<uint8_t>(kBytes, 0x5A));
                                    })
                                    .address();
    victim = &sim.kernel(0).spawn("caller", [server](Process& p) {
      p.call(server, std::vector<uint8_t>(kBytes, 1));
      returned = true;
    });
  } else {
    victim = &sim.kernel(0).spawn("receiver", [](Process& p) {
      p.receive();
      returned = true;
    });
    const drv::Address to = victim->address();
    sim.kernel(1).spawn("poster", [to](Process& p) { p.post(to, std::vector<uint8_t>(kBytes, 0x5A)); });
  }
  // On CPU 1, so that it runs while the victim holds CPU 0. Once CPU 0's receive
  // interrupt has handled the message's fragment, the victim is woken and copies; the
  // kill comes kKillInto cycles after.
  static uint64_t pool_at_kill;
  static size_t calls_at_kill;
  pool_at_kill = 0;
  calls_at_kill = 0;
  tb::Simulation* s = &sim;
  sim.kernel(1).spawn("killer", [s, victim](Process& p) {
    const MessageSystem& m = s->kernel(0).msg();
    while (m.counters().rx_fragments == 0) p.sleep(1000);
    p.sleep(kKillInto);
    pool_at_kill = m.rx_pool_used();
    calls_at_kill = m.calls_in_progress();
    EXPECT_TRUE(s->kernel(0).kill(*victim, SIGKILL));
  });
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  EXPECT_FALSE(returned) << "the copy ended before the kill: the test proves nothing";
  EXPECT_GT(pool_at_kill, 0u) << "the message was no longer held when the kill came";
  // the call's waiter and its reply, still held while the copy is charged
  if (kind == CopyKind::kReply) {
    EXPECT_EQ(calls_at_kill, 2u) << "the reply had not arrived or was taken";
  }
  const MessageSystem& m = sim.kernel(0).msg();
  EXPECT_EQ(m.counters().rx_fragments, 1u);
  EXPECT_EQ(m.counters().undeliverable, 1u) << "the message cut off in its copy was not counted as dropped";
  EXPECT_EQ(m.counters().received, 0u);
  EXPECT_EQ(m.calls_in_progress(), 0u);
  EXPECT_EQ(m.rx_pool_used(), 0u) << "the message's receive buffer was never freed";
}

INSTANTIATE_TEST_SUITE_P(Copies, KilledInCopy, ::testing::Values(CopyKind::kReply, CopyKind::kReceive),
                         [](const auto& info) {
                           return std::string(info.param == CopyKind::kReply ? "Reply" : "Receive");
                         });

// A process that ends with messages still queued on its port (it took one of two
// posts) leaves nothing behind: the others are dropped as undeliverable, their receive
// buffers freed, as a message that comes after its end is.
TEST(EndedReceiver, DropsWhatItsPortStillHolds) {
  tb::Simulation sim(small_nodes(2));
  static uint64_t pool_before_end;
  pool_before_end = 0;
  tb::Simulation* s = &sim;
  Process& receiver = sim.kernel(0).spawn("receiver", [s](Process& p) {
    p.sleep(200'000);  // both posts are here by then
    p.receive();
    pool_before_end = s->kernel(0).msg().rx_pool_used();
  });
  const drv::Address to = receiver.address();
  sim.kernel(1).spawn("poster", [to](Process& p) {
    p.post(to, std::vector<uint8_t>(kMsgBytes, 1));
    p.post(to, std::vector<uint8_t>(kMsgBytes, 2));
  });
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  EXPECT_EQ(pool_before_end, kMsgBytes) << "the second post was not waiting on the port: the test proves nothing";
  const MessageSystem& m = sim.kernel(0).msg();
  EXPECT_EQ(m.counters().received, 1u);
  EXPECT_EQ(m.counters().undeliverable, 1u) << "the post left on the port was not counted as dropped";
  EXPECT_EQ(m.rx_pool_used(), 0u) << "the post left on the port kept its receive buffer";
}

}  // namespace
}  // namespace shadowsel::test
