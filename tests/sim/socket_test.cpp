// SPDX-License-Identifier: MIT
// Mechanism tests of the sockets (docs/sockets.md), seen through the counters of the
// network I/O process (cpu.0.net_io.*), the socket agents (cpu.N.agent.socket.*), the
// POSIX layer and the notify engine's driver:
//  - data-forwarding mode: one bus message (a kSockPush) per arriving packet, none
//    per read; the window given back once per quarter of the window read;
//  - the distributed select on a remote listening socket: one subscribe per readiness
//    event however many processes of a CPU wait, every one of them woken;
//  - SO_REUSEPORT listeners on several CPUs take new connections in turn;
//  - POLLOUT on a connection whose peer's window was full: one notification;
//  - blocked accepts on one listener: each connection completes exactly one of them,
//    at the I/O process, with no readiness traffic (Linux wakes one exclusive waiter);
//  - the switch between the modes, both ways, 13 times under a stream of 10^4 packets
//    read on two CPUs: every byte once and in order, the unread data a shadow held
//    given back, one request per read in contention mode.
// Programs run as simulated POSIX processes and record what they saw in globals
// (one Simulation per test process); the test body checks them and the statistics
// after the run. Processes hand each other ports and "go" flags through globals,
// waiting with usleep: that costs no bus message, so the counters stay exact.
//
// Every test runs on each notify path (sw, model, rtl, lockstep). Data and socket
// operations always go through the socket agents and the network I/O process; the
// select hot path for remote readiness is the agents' select database on sw and the
// notify engine's driver (driver/src/ne_driver.cpp) on the other paths, so the
// select figures are read from the agent on sw and from cpu.N.ne_driver.* on the
// engine paths (and the other side is asserted to be zero).
#include <gtest/gtest.h>

#define SHADOWSEL_POSIX_NO_RENAME
#include "shadowsel/posix/posix.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "shadowsel/driver/msg.h"
#include "shadowsel/driver/ne_driver.h"
#include "shadowsel/driver/socket.h"
#include "shadowsel/hw/time.h"
#include "shadowsel/tb/loopback.h"
#include "shadowsel/tb/simulation.h"
#include "on_each_path.h"

namespace shadowsel::test {
namespace {

tb::Scenario scenario(uint32_t cpus) {
  tb::Scenario s;
  s.machine.cpus = cpus;
  s.notify = g_path;
  EXPECT_EQ(s.network.io_cpus, std::vector<uint32_t>{0});  // the real sockets live on CPU 0
  return s;
}

bool engine_path() { return g_path != tb::NotifyPath::kSw; }

uint64_t net_io(tb::Simulation& sim, const std::string& what) { return stat(sim, "cpu.0.net_io." + what); }
uint64_t sock_agent(tb::Simulation& sim, uint32_t cpu, const std::string& what) {
  return stat(sim, "cpu." + std::to_string(cpu) + ".agent.socket." + what);
}
uint64_t ne_driver(tb::Simulation& sim, uint32_t cpu, const std::string& what) {
  return sim.engine(cpu) ? stat(sim, "cpu." + std::to_string(cpu) + ".ne_driver." + what) : 0;
}
uint64_t posix(tb::Simulation& sim, uint32_t cpu, const std::string& what) {
  return stat(sim, "cpu." + std::to_string(cpu) + ".posix." + what);
}

using tb::loopback::connect_to;
using tb::loopback::listen_on;
using tb::loopback::pattern;
using tb::loopback::wait_until;

// --- 1. forwarding mode: one push per packet, no message per read ---------------------------

constexpr int kPackets = 200;
constexpr uint32_t kPacket = 1024;  // divides window/4: every read of a packet is whole
constexpr uint64_t kStreamBytes = uint64_t{kPackets} * kPacket;

struct Forward {
  uint16_t port = 0;
  bool connected = false, accepted = false;
  int sends_ok = 0;
  int reads = 0, odd_reads = 0;  // reads returning data; of them, not exactly one packet
  uint64_t bytes_read = 0, mismatches = 0;
  int64_t eof = -2;
  // Live counters of CPU 2 around the reading phase (after accept, after EOF).
  uint64_t ops_before = 0, ops_after = 0, remote_before = 0, remote_after = 0;
  uint64_t pushes_before = 0, pushes_after = 0;
  uint64_t sent_before = 0, sent_after = 0, frags_before = 0, frags_after = 0;  // cpu.2.msg
};
Forward g_fwd;

class SocketForwarding : public OnEachPath {};

TEST_P(SocketForwarding, ForwardingModeOnePushPerPacketNoMessagePerRead) {
  g_fwd = Forward{};
  tb::Simulation sim(scenario(3));
  drv::Process& reader = sim.posix(2).start_program("reader", [&sim] {
    uint16_t port = 0;
    const int lfd = listen_on(0, false, &port);
    if (lfd < 0) return 1;
    g_fwd.port = port;
    wait_until([] { return g_fwd.connected; });  // the connection is queued: accept does not wait
    const int fd = shadowsel_accept(lfd, nullptr, nullptr);
    if (fd < 0) return 2;
    g_fwd.accepted = true;
    auto& agent = sim.services(2).sockets;
    g_fwd.ops_before = agent.counters().ops_forwarded;
    g_fwd.remote_before = sim.posix(2).counters().remote_ops;
    g_fwd.pushes_before = agent.socket_counters().pushes;
    g_fwd.sent_before = sim.kernel(2).msg().counters().sent;
    g_fwd.frags_before = sim.kernel(2).msg().counters().tx_fragments;
    static uint8_t buf[kPacket];
    for (;;) {
      const ssize_t n = shadowsel_recv(fd, buf, sizeof buf, 0);
      if (n <= 0) {
        g_fwd.eof = n;
        break;
      }
      ++g_fwd.reads;
      g_fwd.odd_reads += n != static_cast<ssize_t>(kPacket);
      for (ssize_t i = 0; i < n; ++i) g_fwd.mismatches += buf[i] != pattern(g_fwd.bytes_read + i);
      g_fwd.bytes_read += static_cast<uint64_t>(n);
    }
    shadowsel_usleep(1000);  // the agent has passed on the last window update
    g_fwd.ops_after = agent.counters().ops_forwarded;
    g_fwd.sent_after = sim.kernel(2).msg().counters().sent;
    g_fwd.frags_after = sim.kernel(2).msg().counters().tx_fragments;
    g_fwd.remote_after = sim.posix(2).counters().remote_ops;
    g_fwd.pushes_after = agent.socket_counters().pushes;
    shadowsel_close(fd);
    shadowsel_close(lfd);
    return 0;
  });
  drv::Process& writer = sim.posix(1).start_program("writer", [] {
    wait_until([] { return g_fwd.port != 0; });
    const int fd = connect_to(g_fwd.port);
    if (fd < 0) return 1;
    g_fwd.connected = true;
    // Data sent before the accept would be held at the real socket and forwarded in
    // one push with the accept: wait, so that every send is a push of its own.
    wait_until([] { return g_fwd.accepted; });
    static uint8_t buf[kPacket];
    for (int p = 0; p < kPackets; ++p) {
      for (uint32_t i = 0; i < kPacket; ++i) buf[i] = pattern(static_cast<uint64_t>(p) * kPacket + i);
      g_fwd.sends_ok += shadowsel_send(fd, buf, kPacket, 0) == static_cast<ssize_t>(kPacket);
    }
    shadowsel_close(fd);
    return 0;
  });
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  EXPECT_EQ(sim.posix(2).program_status(reader.pid()), std::optional<int>(0));
  EXPECT_EQ(sim.posix(1).program_status(writer.pid()), std::optional<int>(0));

  // End to end: every byte, in order, and EOF after the writer's close.
  EXPECT_EQ(g_fwd.sends_ok, kPackets);
  EXPECT_EQ(g_fwd.bytes_read, kStreamBytes);
  EXPECT_EQ(g_fwd.mismatches, 0u);
  EXPECT_EQ(g_fwd.reads, kPackets);
  EXPECT_EQ(g_fwd.odd_reads, 0);
  EXPECT_EQ(g_fwd.eof, 0);

  // Reads are served from the shadow: no socket operation and no remote operation of
  // CPU 2 in the whole reading phase (kPackets reads and the EOF read), while the
  // pushes came in.
  EXPECT_EQ(g_fwd.ops_after - g_fwd.ops_before, 0u);
  EXPECT_EQ(g_fwd.remote_after - g_fwd.remote_before, 0u);
  EXPECT_EQ(g_fwd.pushes_after - g_fwd.pushes_before, uint64_t{kPackets} + 1);  // + the FIN
  // The only messages CPU 2 sent in that phase are the window updates: the reader's
  // post to its socket agent and the agent's on to CPU 0, the bus's only packets
  // from CPU 2 (one fragment each).
  EXPECT_EQ(g_fwd.sent_after - g_fwd.sent_before, 2 * net_io(sim, "window_updates"));
  EXPECT_EQ(g_fwd.frags_after - g_fwd.frags_before, net_io(sim, "window_updates"));
  // CPU 2's operations: socket, bind, listen, getsockname, accept (the connection was
  // queued: no retry), all before the reading phase, and the two closes after it (a
  // close is a request: the peer sees it before close() returns, as on Linux).
  EXPECT_EQ(sock_agent(sim, 2, "ops_forwarded"), 7u);
  EXPECT_EQ(posix(sim, 2, "remote_ops"), 7u);
  // The writer: socket, connect, one operation per send (none was refused for a full
  // window: the reader keeps up) and its close.
  EXPECT_EQ(sock_agent(sim, 1, "ops_forwarded"), uint64_t{kPackets} + 3);
  EXPECT_EQ(posix(sim, 1, "remote_ops"), uint64_t{kPackets} + 3);
  EXPECT_EQ(net_io(sim, "ops"), uint64_t{kPackets} + 10);

  // One push per packet. net_io's pushes, exactly:
  //  - 1 to CPU 2 after the accept reply (the new shadow's first state, no data);
  //  - kPackets to CPU 2, one per send, each carrying exactly that send's bytes;
  //  - 1 to CPU 2 when the writer closed (FIN: done, POLLIN|POLLRDHUP, no data);
  //  - 1 to CPU 1: the writer's own socket was never pushed (connect does not push),
  //    so the first window update, which re-evaluates it (changed(peer) in
  //    NetworkIo::on_window), sends it its first state. Later updates change nothing
  //    on its read side: no push.
  EXPECT_EQ(net_io(sim, "pushes"), uint64_t{kPackets} + 3);
  EXPECT_EQ(net_io(sim, "forwarded_bytes"), kStreamBytes);
  EXPECT_EQ(net_io(sim, "held_reads"), 0u);
  EXPECT_EQ(sock_agent(sim, 2, "pushes"), uint64_t{kPackets} + 2);
  EXPECT_EQ(sock_agent(sim, 2, "push_bytes"), kStreamBytes);
  EXPECT_EQ(sock_agent(sim, 2, "pushes_dropped"), 0u);
  EXPECT_EQ(sock_agent(sim, 1, "pushes"), 1u);
  EXPECT_EQ(sock_agent(sim, 1, "push_bytes"), 0u);
  // Window: the shadow gives back window each time a quarter of it (32768 bytes) was
  // read; reads are whole packets that divide it, so the updates are exactly
  // floor(bytes / (window / 4)) = 204800 / 32768 = 6 (the last 8192 bytes are never
  // given back: the connection closes first).
  constexpr uint64_t kQuarter = drv::kDefaultSocketWindow / drv::kWindowUpdateDivisor;
  static_assert(kQuarter % kPacket == 0);
  EXPECT_EQ(net_io(sim, "window_updates"), kStreamBytes / kQuarter);
  EXPECT_EQ(net_io(sim, "window_updates"), 6u);
  // No select anywhere: nothing subscribed, nothing notified.
  EXPECT_EQ(net_io(sim, "answers_sent") + ne_driver(sim, 0, "answers_sent"), 0u);
  EXPECT_EQ(net_io(sim, "notifications_sent") + ne_driver(sim, 0, "notifications_sent"), 0u);
  std::printf("forwarding: pushes %llu forwarded_bytes %llu window_updates %llu cpu2 ops %llu\n",
              (unsigned long long)net_io(sim, "pushes"), (unsigned long long)net_io(sim, "forwarded_bytes"),
              (unsigned long long)net_io(sim, "window_updates"),
              (unsigned long long)sock_agent(sim, 2, "ops_forwarded"));
}

// --- 2. W waiters on one remote listening socket: one subscribe per event ----------------------

constexpr int kWaiters = 8;
constexpr int kEvents = 5;

struct Listeners {
  int lfd = -1;
  uint16_t port = 0;
  int entered = 0;          // selects entered, all rounds
  int woken[kEvents] = {};  // selects returned with the listener readable, per round
  int bad = 0;              // selects that returned anything else
  int accepted = 0;         // connections accepted by the parent
  int accept_fail = 0, connect_fail = 0;
  int children_ok = 0;
};
Listeners g_lis;

int waiter_child(void*) {  // CPU 2
  for (int e = 0; e < kEvents; ++e) {
    wait_until([e] { return g_lis.accepted == e; });  // the last event is consumed
    ++g_lis.entered;
    fd_set r;
    FD_ZERO(&r);
    FD_SET(g_lis.lfd, &r);
    const int n = shadowsel_select(g_lis.lfd + 1, &r, nullptr, nullptr, nullptr);
    if (n == 1 && FD_ISSET(g_lis.lfd, &r)) {
      ++g_lis.woken[e];
    } else {
      ++g_lis.bad;
    }
  }
  return 0;
}

int connector(void*) {  // CPU 3: one connection per round, once every waiter is blocked
  for (int e = 0; e < kEvents; ++e) {
    wait_until([e] { return g_lis.entered == kWaiters * (e + 1); });
    shadowsel_usleep(2000);  // 1,000,000 cycles: every select is asleep
    const int fd = connect_to(g_lis.port);
    if (fd < 0) {
      ++g_lis.connect_fail;
      return 1;
    }
    wait_until([e] { return g_lis.accepted == e + 1; });
    shadowsel_close(fd);
  }
  return 0;
}

class SocketSelect : public OnEachPath {};

TEST_P(SocketSelect, WaitersOnOneRemoteListenerCostOneSubscribePerEvent) {
  g_lis = Listeners{};
  tb::Simulation sim(scenario(4));
  drv::Process& parent = sim.posix(1).start_program("parent", [] {
    // The connector first: it inherits no socket.
    const pid_t c = shadowsel_spawn(3, &connector, nullptr);
    if (c <= 0) return 1;
    g_lis.lfd = listen_on(0, false, &g_lis.port);
    if (g_lis.lfd < 0) return 2;
    std::vector<pid_t> pids;
    for (int i = 0; i < kWaiters; ++i) {
      const pid_t pid = shadowsel_spawn(2, &waiter_child, nullptr);
      if (pid <= 0) return 3;
      pids.push_back(pid);
    }
    for (int e = 0; e < kEvents; ++e) {
      wait_until([e] { return g_lis.woken[e] + g_lis.bad >= kWaiters; });
      const int fd = shadowsel_accept(g_lis.lfd, nullptr, nullptr);  // queued: no wait
      if (fd < 0) {
        ++g_lis.accept_fail;
      } else {
        shadowsel_close(fd);
      }
      ++g_lis.accepted;
    }
    for (pid_t pid : pids) {
      int st = -1;
      if (shadowsel_waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0) ++g_lis.children_ok;
    }
    int st = -1;
    if (shadowsel_waitpid(c, &st, 0) != c || st != 0) return 4;
    shadowsel_close(g_lis.lfd);
    return 0;
  });
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  EXPECT_EQ(sim.posix(1).program_status(parent.pid()), std::optional<int>(0));
  EXPECT_EQ(g_lis.children_ok, kWaiters);
  EXPECT_EQ(g_lis.accept_fail, 0);
  EXPECT_EQ(g_lis.connect_fail, 0);
  EXPECT_EQ(g_lis.bad, 0);
  for (int e = 0; e < kEvents; ++e) EXPECT_EQ(g_lis.woken[e], kWaiters) << "event " << e;
  EXPECT_EQ(net_io(sim, "connections"), uint64_t{kEvents});

  // Per event, on CPU 2: the first waiter's item sends the subscribe; the other W-1
  // find the key in flight or subscribed in the select database (the agent's on sw,
  // the driver's mirror of the engine's table otherwise) and send nothing. The owner
  // answers "not ready" once and notifies once (the accept queue became non-empty);
  // the distributor links a ready record into every waiter. The notification leaves
  // the key idle, so the next event's first waiter subscribes again.
  const uint64_t e = kEvents, w = kWaiters;
  const uint32_t cpu = 2;
  if (!engine_path()) {
    EXPECT_EQ(sock_agent(sim, cpu, "requests_sent"), e);
    EXPECT_EQ(sock_agent(sim, cpu, "requests_suppressed"), (w - 1) * e);
    EXPECT_EQ(sock_agent(sim, cpu, "answers_received"), e);
    EXPECT_EQ(sock_agent(sim, cpu, "notifications_received"), e);
    EXPECT_EQ(sock_agent(sim, cpu, "waiters_woken"), w * e);
    EXPECT_EQ(net_io(sim, "answers_sent"), e);
    EXPECT_EQ(net_io(sim, "notifications_sent"), e);
  } else {
    EXPECT_EQ(ne_driver(sim, cpu, "requests_sent"), e);
    EXPECT_EQ(ne_driver(sim, cpu, "requests_suppressed"), (w - 1) * e);
    EXPECT_EQ(ne_driver(sim, cpu, "answers_received"), e);
    EXPECT_EQ(ne_driver(sim, cpu, "notifications_received"), e);
    EXPECT_EQ(ne_driver(sim, cpu, "waiters_woken"), w * e);
    EXPECT_EQ(ne_driver(sim, cpu, "full_fallbacks"), 0u);
    EXPECT_EQ(ne_driver(sim, 0, "answers_sent"), e);
    EXPECT_EQ(ne_driver(sim, 0, "notifications_sent"), e);
    // Nothing went the agents' way.
    for (const char* what : {"requests_sent", "requests_suppressed", "answers_received",
                             "notifications_received", "waiters_woken"}) {
      EXPECT_EQ(sock_agent(sim, cpu, what), 0u) << what;
    }
    EXPECT_EQ(net_io(sim, "answers_sent"), 0u);
    EXPECT_EQ(net_io(sim, "notifications_sent"), 0u);
  }
  // The woken selects read their ready lists: no rescan.
  EXPECT_EQ(posix(sim, cpu, "selects"), w * e);
  EXPECT_EQ(posix(sim, cpu, "rescans"), 0u);
  EXPECT_EQ(posix(sim, cpu, "ready_list_wakes"), w * e);
  // Nobody else selected: the parent's accepts and the connector's connects never waited.
  for (uint32_t other : {1u, 3u}) {
    EXPECT_EQ(posix(sim, other, "selects"), 0u) << "cpu " << other;
  }
}

// --- 3. SO_REUSEPORT listeners on K CPUs take connections in turn -----------------------------

constexpr int kListenerCpus = 3;

struct RoundRobin {
  int stop[2] = {-1, -1};
  uint16_t port = 0;
  int listening = 0;
  int total = 0;
  std::vector<int> got[kListenerCpus];  // connection indices each listener accepted
  int failures = 0;
};
RoundRobin g_rr;

int rr_listener(void* arg) {  // CPU 1 + k
  const int k = static_cast<int>(reinterpret_cast<intptr_t>(arg));
  shadowsel_close(g_rr.stop[1]);
  if (k != 0) wait_until([] { return g_rr.port != 0; });
  uint16_t port = 0;
  const int lfd = listen_on(g_rr.port, true, &port);
  if (lfd < 0 || (k != 0 && port != g_rr.port)) return 1;
  g_rr.port = port;
  ++g_rr.listening;
  for (;;) {
    pollfd p[2] = {{lfd, POLLIN, 0}, {g_rr.stop[0], POLLIN, 0}};
    if (shadowsel_poll(p, 2, -1) < 1) return 2;
    if (p[0].revents & POLLIN) {
      const int fd = shadowsel_accept(lfd, nullptr, nullptr);
      if (fd < 0) return 3;
      uint8_t index = 0xff;
      if (shadowsel_recv(fd, &index, 1, 0) != 1) return 4;  // the client's index
      g_rr.got[k].push_back(index);
      ++g_rr.total;
      shadowsel_close(fd);
      continue;
    }
    if (p[1].revents & POLLHUP) break;  // told to stop
  }
  shadowsel_close(lfd);
  return 0;
}

class SocketRoundRobin : public testing::TestWithParam<std::tuple<int, tb::NotifyPath>> {
 protected:
  void SetUp() override { use_path(std::get<1>(GetParam())); }
};

TEST_P(SocketRoundRobin, ReuseportListenersOnSeveralCpusTakeConnectionsInTurn) {
  const int n = std::get<0>(GetParam());
  g_rr = RoundRobin{};
  tb::Simulation sim(scenario(4));
  drv::Process& parent = sim.posix(0).start_program("client", [n] {
    if (shadowsel_pipe(g_rr.stop) != 0) return 1;
    std::vector<pid_t> pids;
    for (int k = 0; k < kListenerCpus; ++k) {
      const pid_t pid = shadowsel_spawn(1 + k, &rr_listener, reinterpret_cast<void*>(intptr_t{k}));
      if (pid <= 0) return 2;
      pids.push_back(pid);
    }
    wait_until([] { return g_rr.listening == kListenerCpus; });
    std::vector<int> fds;
    for (int i = 0; i < n; ++i) {
      const int fd = connect_to(g_rr.port);
      const uint8_t index = static_cast<uint8_t>(i);
      if (fd < 0 || shadowsel_send(fd, &index, 1, 0) != 1) {
        ++g_rr.failures;
        continue;
      }
      fds.push_back(fd);
    }
    wait_until([n] { return g_rr.total == n; });
    shadowsel_close(g_rr.stop[1]);  // every listener's poll sees POLLHUP
    for (pid_t pid : pids) {
      int st = -1;
      if (shadowsel_waitpid(pid, &st, 0) != pid || st != 0) ++g_rr.failures;
    }
    for (int fd : fds) shadowsel_close(fd);
    return 0;
  });
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  EXPECT_EQ(sim.posix(0).program_status(parent.pid()), std::optional<int>(0));
  EXPECT_EQ(g_rr.failures, 0);
  EXPECT_EQ(g_rr.total, n);
  EXPECT_EQ(net_io(sim, "connections"), static_cast<uint64_t>(n));
  // Each listener got floor(N/K) or ceil(N/K) connections, in turn: listener i of the
  // rotation (the order the listeners were made at the I/O process) takes
  // connections i, i+K, i+2K, ...; the residues are K distinct values.
  std::vector<int> counts, residues;
  for (int k = 0; k < kListenerCpus; ++k) {
    const auto& got = g_rr.got[k];
    counts.push_back(static_cast<int>(got.size()));
    ASSERT_FALSE(got.empty()) << "listener " << k;
    residues.push_back(got.front() % kListenerCpus);
    for (size_t j = 0; j < got.size(); ++j) {
      EXPECT_EQ(got[j], got.front() + static_cast<int>(j) * kListenerCpus) << "listener " << k << " #" << j;
    }
    EXPECT_GE(counts.back(), n / kListenerCpus) << "listener " << k;
    EXPECT_LE(counts.back(), (n + kListenerCpus - 1) / kListenerCpus) << "listener " << k;
  }
  std::sort(residues.begin(), residues.end());
  EXPECT_EQ(residues, (std::vector<int>{0, 1, 2}));
  std::sort(counts.begin(), counts.end());
  if (n == 9) {
    EXPECT_EQ(counts, (std::vector<int>{3, 3, 3}));
  } else if (n == 10) {
    EXPECT_EQ(counts, (std::vector<int>{3, 3, 4}));
  }
}

INSTANTIATE_TEST_SUITE_P(Connections, SocketRoundRobin, testing::Combine(testing::Values(9, 10), kPaths),
                         [](const auto& i) {
                           return "N" + std::to_string(std::get<0>(i.param)) + "_" +
                                  tb::to_string(std::get<1>(i.param));
                         });

// --- 4. POLLOUT once the peer drains a full window -----------------------------------------------

constexpr uint32_t kChunk = 16384;

struct PollOut {
  uint16_t port = 0;
  bool connected = false, accepted = false, polling = false, woke = false;
  uint64_t filled = 0;
  int fill_error = 0;
  int full_ret = -2;
  short full_revents = -1;
  int room_ret = -2;
  short room_revents = -1;
  uint64_t drain_at = 0, room_at = 0;
  uint64_t drained = 0, mismatches = 0;
  int64_t eof = -2;
  uint64_t notes_before_drain = 0;
};
PollOut g_po;

class SocketPollOut : public OnEachPath {};

TEST_P(SocketPollOut, PollOutWakesOnceWhenThePeerDrainsAFullWindow) {
  g_po = PollOut{};
  tb::Simulation sim(scenario(3));
  drv::Process& peer = sim.posix(2).start_program("peer", [] {
    uint16_t port = 0;
    const int lfd = listen_on(0, false, &port);
    if (lfd < 0) return 1;
    g_po.port = port;
    wait_until([] { return g_po.connected; });  // queued: the accept does not wait
    const int fd = shadowsel_accept(lfd, nullptr, nullptr);
    if (fd < 0) return 2;
    g_po.accepted = true;
    // Read nothing until the window is full and the poller is asleep in poll.
    wait_until([] { return g_po.polling; });
    shadowsel_usleep(2000);
    g_po.drain_at = hw::now_cycles();
    static uint8_t buf[kChunk];
    while (g_po.drained < g_po.filled) {
      const ssize_t n = shadowsel_recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return 3;
      for (ssize_t i = 0; i < n; ++i) g_po.mismatches += buf[i] != pattern(g_po.drained + i);
      g_po.drained += static_cast<uint64_t>(n);
    }
    g_po.eof = shadowsel_recv(fd, buf, sizeof buf, 0);  // after the poller's close
    shadowsel_close(fd);
    shadowsel_close(lfd);
    return 0;
  });
  drv::Process& poller = sim.posix(1).start_program("poller", [&sim] {
    wait_until([] { return g_po.port != 0; });
    const int fd = connect_to(g_po.port);
    if (fd < 0) return 1;
    g_po.connected = true;
    wait_until([] { return g_po.accepted; });
    static uint8_t buf[kChunk];
    for (;;) {
      for (uint32_t i = 0; i < kChunk; ++i) buf[i] = pattern(g_po.filled + i);
      const ssize_t n = shadowsel_send(fd, buf, kChunk, MSG_DONTWAIT);
      if (n < 0) {
        g_po.fill_error = errno;
        break;
      }
      g_po.filled += static_cast<uint64_t>(n);
    }
    pollfd p = {fd, POLLOUT, 0};
    g_po.full_ret = shadowsel_poll(&p, 1, 0);
    g_po.full_revents = p.revents;
    g_po.notes_before_drain = sim.services(1).sockets.counters().notifications_received;
    if (drv::NeDriver* ne = sim.posix(1).ne_driver()) g_po.notes_before_drain += ne->counters().notifications_received;
    g_po.polling = true;
    p = {fd, POLLOUT, 0};
    g_po.room_ret = shadowsel_poll(&p, 1, -1);
    g_po.room_revents = p.revents;
    g_po.room_at = hw::now_cycles();
    g_po.woke = true;
    shadowsel_close(fd);
    return 0;
  });
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  EXPECT_EQ(sim.posix(2).program_status(peer.pid()), std::optional<int>(0));
  EXPECT_EQ(sim.posix(1).program_status(poller.pid()), std::optional<int>(0));

  // The window (131072 bytes by default) took exactly its size, then EAGAIN.
  EXPECT_EQ(g_po.filled, uint64_t{drv::kDefaultSocketWindow});
  EXPECT_EQ(g_po.fill_error, EAGAIN);
  // Full: not writable.
  EXPECT_EQ(g_po.full_ret, 0);
  EXPECT_EQ(g_po.full_revents, 0);
  // The drain gives window back: POLLOUT, after the drain began.
  EXPECT_EQ(g_po.room_ret, 1);
  EXPECT_EQ(g_po.room_revents, POLLOUT);
  EXPECT_GT(g_po.room_at, g_po.drain_at);
  EXPECT_EQ(g_po.notes_before_drain, 0u);
  // Every byte arrived, in order; then EOF.
  EXPECT_EQ(g_po.drained, g_po.filled);
  EXPECT_EQ(g_po.mismatches, 0u);
  EXPECT_EQ(g_po.eof, 0);
  // The drain read 131072 bytes: a window update per 32768.
  EXPECT_EQ(net_io(sim, "window_updates"), 4u);

  // The key (CPU 0, the poller's socket, write): the poll with timeout 0 subscribed
  // (answer: not ready, the interest stays recorded at the owner); the blocking poll
  // found it subscribed (suppressed) and slept; the first window update made the
  // socket writable: one notification, one waiter woken. Later updates find no
  // interest left.
  const uint32_t cpu = 1;
  if (!engine_path()) {
    EXPECT_EQ(sock_agent(sim, cpu, "requests_sent"), 1u);
    EXPECT_EQ(sock_agent(sim, cpu, "requests_suppressed"), 1u);
    EXPECT_EQ(sock_agent(sim, cpu, "answers_received"), 1u);
    EXPECT_EQ(sock_agent(sim, cpu, "notifications_received"), 1u);
    EXPECT_EQ(sock_agent(sim, cpu, "waiters_woken"), 1u);
    EXPECT_EQ(net_io(sim, "answers_sent"), 1u);
    EXPECT_EQ(net_io(sim, "notifications_sent"), 1u);
  } else {
    // The engine carried it: the driver armed the key, the owner's driver answered
    // and multicast the NOTIFY; the socket agents and the I/O process's own remote
    // interest table saw no select traffic.
    EXPECT_EQ(ne_driver(sim, cpu, "requests_sent"), 1u);
    EXPECT_EQ(ne_driver(sim, cpu, "requests_suppressed"), 1u);
    EXPECT_EQ(ne_driver(sim, cpu, "answers_received"), 1u);
    EXPECT_EQ(ne_driver(sim, cpu, "notifications_received"), 1u);
    EXPECT_EQ(ne_driver(sim, cpu, "waiters_woken"), 1u);
    EXPECT_EQ(ne_driver(sim, cpu, "full_fallbacks"), 0u);
    EXPECT_EQ(ne_driver(sim, 0, "answers_sent"), 1u);
    EXPECT_EQ(ne_driver(sim, 0, "notifications_sent"), 1u);
    for (const char* what : {"requests_sent", "requests_suppressed", "answers_received",
                             "notifications_received", "waiters_woken"}) {
      EXPECT_EQ(sock_agent(sim, cpu, what), 0u) << what;
    }
    EXPECT_EQ(net_io(sim, "answers_sent"), 0u);
    EXPECT_EQ(net_io(sim, "notifications_sent"), 0u);
  }
  // The peer's reads and its wait for data were local (forwarding): it selected
  // through nobody.
  EXPECT_EQ(sock_agent(sim, 2, "requests_sent") + ne_driver(sim, 2, "requests_sent"), 0u);
  EXPECT_EQ(posix(sim, cpu, "rescans"), 0u);
}

// --- 5. blocked accepts on one listener: docs/sockets.md says one waiter wakes --------------------
//
// docs/sockets.md, "Listening on several CPUs": "A blocked `accept` wakes exactly one
// waiter; `select`/`poll` on a shared listener wakes all of them, as on Linux" (Linux
// queues accept's waiters exclusively). W processes on CPU 2 block in accept on one
// listener of CPU 0; the parent on CPU 1 connects W times, one at a time, each after
// the previous one was accepted.

constexpr int kAcceptors = 4;

struct Acceptors {
  int lfd = -1;
  uint16_t port = 0;
  int entered = 0, accepted = 0, failed = 0;
  uint64_t woken[kAcceptors] = {};  // waiters woken on CPU 2 by connection i
  uint64_t scans[kAcceptors] = {};  // poll passes begun on CPU 2 after connection i (waits again)
  uint64_t requests[kAcceptors] = {};  // subscribes sent from CPU 2 after connection i
  int accepted_by[kAcceptors] = {};  // accepts that returned for connection i
};
Acceptors g_acc;

int acceptor_child(void*) {  // CPU 2
  ++g_acc.entered;
  const int fd = shadowsel_accept(g_acc.lfd, nullptr, nullptr);
  if (fd < 0) {
    ++g_acc.failed;
    return 1;
  }
  ++g_acc.accepted;
  shadowsel_close(fd);
  return 0;
}

class SocketAccept : public OnEachPath {};

TEST_P(SocketAccept, EachConnectionCompletesOneBlockedAccept) {
  g_acc = Acceptors{};
  tb::Simulation sim(scenario(3));
  auto woken = [&sim] {
    uint64_t v = sim.services(2).sockets.counters().waiters_woken;
    if (drv::NeDriver* ne = sim.posix(2).ne_driver()) v += ne->counters().waiters_woken;
    return v;
  };
  auto requests = [&sim] {
    uint64_t v = sim.services(2).sockets.counters().requests_sent;
    if (drv::NeDriver* ne = sim.posix(2).ne_driver()) v += ne->counters().requests_sent;
    return v;
  };
  drv::Process& parent = sim.posix(1).start_program("parent", [&sim, woken, requests] {
    g_acc.lfd = listen_on(0, false, &g_acc.port);
    if (g_acc.lfd < 0) return 1;
    std::vector<pid_t> pids;
    for (int i = 0; i < kAcceptors; ++i) {
      const pid_t pid = shadowsel_spawn(2, &acceptor_child, nullptr);
      if (pid <= 0) return 2;
      pids.push_back(pid);
    }
    wait_until([] { return g_acc.entered == kAcceptors; });
    shadowsel_usleep(2000);  // every accept is asleep
    std::vector<int> fds;
    for (int i = 0; i < kAcceptors; ++i) {
      const uint64_t w0 = woken(), s0 = sim.posix(2).counters().selects, q0 = requests();
      const int a0 = g_acc.accepted;
      const int fd = connect_to(g_acc.port);
      if (fd < 0) return 3;
      fds.push_back(fd);
      wait_until([i] { return g_acc.accepted == i + 1; });
      shadowsel_usleep(2000);  // the others are asleep again
      g_acc.woken[i] = woken() - w0;
      g_acc.scans[i] = sim.posix(2).counters().selects - s0;
      g_acc.requests[i] = requests() - q0;
      g_acc.accepted_by[i] = g_acc.accepted - a0;
    }
    for (pid_t pid : pids) {
      int st = -1;
      if (shadowsel_waitpid(pid, &st, 0) != pid || st != 0) return 4;
    }
    for (int fd : fds) shadowsel_close(fd);
    shadowsel_close(g_acc.lfd);
    return 0;
  });
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  EXPECT_EQ(sim.posix(1).program_status(parent.pid()), std::optional<int>(0));
  // Each accept returned exactly one connection.
  EXPECT_EQ(g_acc.accepted, kAcceptors);
  EXPECT_EQ(g_acc.failed, 0);
  for (int i = 0; i < kAcceptors; ++i) {
    // A blocked accept waits at the I/O process, which gives each new connection to one
    // waiting accept (Linux wakes one exclusive waiter): no readiness record and no poll
    // pass on CPU 2, and no subscribe from it.
    EXPECT_EQ(g_acc.woken[i], 0u) << "connection " << i;
    EXPECT_EQ(g_acc.scans[i], 0u) << "connection " << i;
    EXPECT_EQ(g_acc.requests[i], 0u) << "connection " << i;
    EXPECT_EQ(g_acc.accepted_by[i], 1) << "connection " << i;
  }
  std::printf("accept: woken per connection %llu %llu %llu %llu\n", (unsigned long long)g_acc.woken[0],
              (unsigned long long)g_acc.woken[1], (unsigned long long)g_acc.woken[2],
              (unsigned long long)g_acc.woken[3]);
}

// --- 6. the mode switches both ways under a stream, reads on two CPUs -------------------------
// A writer on CPU 1 streams kSwitchPackets packets to a reader A on CPU 2. A spawns B on
// CPU 3, which inherits the connection (contention mode: A's shadow gives back what it
// held unread); A and B take turns reading (a token in a global, so the read order is
// the log's order); B reads kBReads times and exits (forwarding mode again); A reads
// alone a while, and so on until the end of the stream. Every byte must arrive exactly
// once and in order, whichever CPU read it and whatever mode it was read in.

constexpr int kSwitchPackets = 10000;
constexpr uint32_t kSwitchPacket = 100;
constexpr int kBReads = 40, kAloneReads = 40;

struct Switch {
  uint16_t port = 0;
  int conn = -1;
  int turn = 0;  // 0: A reads, 1: B reads
  bool eof = false;
  std::vector<uint8_t> log;  // bytes in the order they were read
  uint64_t b_reads = 0, b_calls = 0, phases = 0, bad = 0;
};
Switch g_sw;

// One read by the holder of the token; false at EOF.
bool take_turn(int me) {
  wait_until([me] { return g_sw.turn == me || g_sw.eof; });
  if (g_sw.eof) return false;
  uint8_t buf[1000];
  if (me == 1) ++g_sw.b_calls;
  const ssize_t n = shadowsel_recv(g_sw.conn, buf, sizeof buf, 0);
  if (n < 0) ++g_sw.bad;
  if (n <= 0) {
    g_sw.eof = true;
    return false;
  }
  g_sw.log.insert(g_sw.log.end(), buf, buf + n);
  return true;
}

int reader_b(void*) {  // CPU 3
  for (int i = 0; i < kBReads; ++i) {
    if (!take_turn(1)) return 0;
    ++g_sw.b_reads;
    g_sw.turn = 0;
  }
  return 0;
}

class SocketModes : public OnEachPath {};

TEST_P(SocketModes, SwitchesBothWaysUnderAStreamWithoutLosingAByte) {
  g_sw = Switch{};
  tb::Simulation sim(scenario(4));
  drv::Process& a = sim.posix(2).start_program("reader-a", [] {
    const int lfd = listen_on(0, false, &g_sw.port);
    if (lfd < 0) return 1;
    g_sw.conn = shadowsel_accept(lfd, nullptr, nullptr);
    if (g_sw.conn < 0) return 2;
    shadowsel_close(lfd);
    while (!g_sw.eof) {
      // Contention: B on CPU 3 shares the connection; A and B take turns.
      ++g_sw.phases;
      g_sw.turn = 0;
      shadowsel_usleep(50);  // data piles up in A's shadow: the switch must give it back
      const pid_t b = shadowsel_spawn(3, &reader_b, nullptr);
      if (b <= 0) return 3;
      for (int i = 0; i < kBReads && take_turn(0); ++i) g_sw.turn = 1;
      g_sw.turn = 1;  // let B finish its reads (or see the EOF)
      int st = -1;
      if (shadowsel_waitpid(b, &st, 0) != b || st != 0) return 4;
      // Forwarding again: A alone.
      for (int i = 0; i < kAloneReads; ++i) {
        g_sw.turn = 0;
        if (!take_turn(0)) break;
      }
    }
    shadowsel_close(g_sw.conn);
    return 0;
  });
  drv::Process& w = sim.posix(1).start_program("writer", [] {
    wait_until([] { return g_sw.port != 0; });
    const int fd = connect_to(g_sw.port);
    if (fd < 0) return 1;
    uint8_t buf[kSwitchPacket];
    for (uint64_t p = 0; p < kSwitchPackets; ++p) {
      for (uint32_t i = 0; i < kSwitchPacket; ++i) buf[i] = pattern(p * kSwitchPacket + i);
      if (shadowsel_send(fd, buf, kSwitchPacket, 0) != static_cast<ssize_t>(kSwitchPacket)) return 2;
    }
    shadowsel_close(fd);
    return 0;
  });
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  EXPECT_EQ(sim.posix(2).program_status(a.pid()), std::optional<int>(0));
  EXPECT_EQ(sim.posix(1).program_status(w.pid()), std::optional<int>(0));
  EXPECT_EQ(g_sw.bad, 0u);
  // Every byte once, in order.
  ASSERT_EQ(g_sw.log.size(), uint64_t{kSwitchPackets} * kSwitchPacket);
  uint64_t first_bad = g_sw.log.size();
  for (uint64_t j = 0; j < g_sw.log.size() && first_bad == g_sw.log.size(); ++j) {
    if (g_sw.log[j] != pattern(j)) first_bad = j;
  }
  EXPECT_EQ(first_bad, g_sw.log.size()) << "first wrong byte";
  // The mode really switched, both ways, once per phase (the last phase may end at
  // the EOF before B leaves).
  EXPECT_GE(g_sw.phases, 3u);
  EXPECT_GE(net_io(sim, "to_contention"), g_sw.phases - 1);
  EXPECT_GE(net_io(sim, "to_forwarding"), g_sw.phases - 1);
  EXPECT_EQ(net_io(sim, "to_contention"), sock_agent(sim, 2, "reclaims"));
  EXPECT_GT(net_io(sim, "reclaimed_bytes"), uint64_t{kSwitchPacket} * g_sw.phases);
  // In contention mode every read is a request and a reply: B's CPU forwarded one
  // operation per recv call (the one that saw the end included), plus its close.
  EXPECT_GT(g_sw.b_reads, 0u);
  EXPECT_EQ(sock_agent(sim, 3, "ops_forwarded"), g_sw.b_calls + g_sw.phases);
  EXPECT_GT(net_io(sim, "held_reads"), 0u);
  std::printf("modes: %llu phases, %llu reads by B, %llu to contention, %llu to forwarding, %llu bytes reclaimed\n",
              (unsigned long long)g_sw.phases, (unsigned long long)g_sw.b_reads,
              (unsigned long long)net_io(sim, "to_contention"), (unsigned long long)net_io(sim, "to_forwarding"),
              (unsigned long long)net_io(sim, "reclaimed_bytes"));
}

INSTANTIATE_TEST_SUITE_P(Paths, SocketForwarding, kPaths, path_name);
INSTANTIATE_TEST_SUITE_P(Paths, SocketSelect, kPaths, path_name);
INSTANTIATE_TEST_SUITE_P(Paths, SocketPollOut, kPaths, path_name);
INSTANTIATE_TEST_SUITE_P(Paths, SocketAccept, kPaths, path_name);
INSTANTIATE_TEST_SUITE_P(Paths, SocketModes, kPaths, path_name);

}  // namespace
}  // namespace shadowsel::test
