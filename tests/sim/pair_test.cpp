// SPDX-License-Identifier: MIT
// The network I/O process as a process pair (docs/faults.md, "Process pair"): the
// primary's CPU halts, the backup takes over. Listening and UDP sockets survive with
// their descriptors on every CPU (a blocked accept gets the next connection, a UDP
// receiver the next datagram), connections are reset (ECONNRESET, and their
// descriptors keep failing), socket() works again, and a new backup takes the next
// halt. Each test asserts the halt, the declaration and the takeover counted, on sw
// (liveness monitor and regroup) and on the engine paths (its I'm-alive).
#include <gtest/gtest.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "shadowsel/driver/membership.h"
#include "shadowsel/hw/time.h"
#include "shadowsel/tb/simulation.h"
#include "halt.h"
#include "on_each_path.h"

// Last, and without its renaming macros (Process::sleep is not sleep()).
#define SHADOWSEL_POSIX_NO_RENAME 1
#include "shadowsel/posix/posix.h"
#include "shadowsel/tb/loopback.h"

namespace shadowsel::test {
namespace {

using tb::loopback::address;
using tb::loopback::connect_to;
using tb::loopback::listen_on;
using tb::loopback::wait_until;

constexpr uint64_t kSecondHaltAt = 900000;
/// Long enough after a halt for every survivor to hear of the takeover.
constexpr uint64_t kAfterTakeover = kDetectBound + 100000;

// 4 CPUs; the primary on CPU 0 (io_cpus), its backup on CPU 1; CPU 0 halts.
tb::Scenario scenario() {
  tb::Scenario s;
  s.machine.cpus = 4;
  s.notify = g_path;
  s.network.io_backup_cpu = 1;
  add_halt(s, 0, kHaltAt);
  use_fast_liveness(s);
  return s;
}

// CPU 0 halted, was declared down by every survivor, and CPU 1 took over once; every
// survivor heard of `takeovers` takeovers.
void expect_taken_over(tb::Simulation& sim, uint64_t takeovers = 1) {
  EXPECT_TRUE(sim.kernel(0).halted());
  EXPECT_GE(stat(sim, "faults.cpu_halt"), 1u);
  for (uint32_t c = 1; c < sim.cpus(); ++c) {
    if (sim.kernel(c).halted()) continue;
    EXPECT_GT(sim.kernel(c).membership().declared_at(0), kHaltAt) << "cpu " << c;
    EXPECT_EQ(stat(sim, "cpu." + std::to_string(c) + ".agent.socket.takeovers"), takeovers) << "cpu " << c;
  }
  EXPECT_EQ(stat(sim, "cpu.1.net_io.takeovers"), 1u);
  EXPECT_GT(stat(sim, "cpu.1.net_io.takeover_at"), kHaltAt);
  EXPECT_GE(stat(sim, "cpu.0.net_io.checkpoints_sent"), 1u);
  EXPECT_GE(stat(sim, "cpu.1.net_io.checkpoints_received"), 1u);
}

struct Seen {
  int64_t first = -2, second = -2, third = -2;
  int errno_first = 0, errno_second = 0, errno_third = 0;
  char data[8] = {};
  uint16_t port = 0;
};
Seen g;

class Pair : public OnEachPath {
 protected:
  void SetUp() override {
    OnEachPath::SetUp();
    g = Seen{};
  }
};

// (a) A server on CPU 2 blocked in accept() since before the halt keeps waiting and
// accepts a connection made after the takeover; data flows both ways.
TEST_P(Pair, BlockedAcceptOnASurvivingListenerGetsTheNextConnection) {
  tb::Scenario s = scenario();
  tb::Simulation sim(s);
  drv::Process& server = sim.posix(2).start_program("server", [] {
    const int lfd = listen_on(0, false, &g.port);
    if (lfd < 0) return 1;
    const int fd = shadowsel_accept(lfd, nullptr, nullptr);
    g.errno_first = errno;
    if (fd < 0) return 2;
    g.first = static_cast<int64_t>(hw::now_cycles());
    g.second = shadowsel_recv(fd, g.data, sizeof g.data, 0);
    if (shadowsel_send(fd, "ok", 2, 0) != 2) return 3;
    return 0;
  });
  drv::Process& client = sim.posix(3).start_program("client", [] {
    wait_until([] { return g.port != 0 && hw::now_cycles() > kHaltAt + kAfterTakeover; });
    const int fd = connect_to(g.port);
    if (fd < 0) return 1;
    if (shadowsel_send(fd, "hi", 2, 0) != 2) return 2;
    char buf[4];
    g.third = shadowsel_recv(fd, buf, sizeof buf, 0);
    return 0;
  });
  const tb::RunResult r = sim.run(20'000'000);
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  expect_taken_over(sim);
  EXPECT_EQ(sim.posix(2).program_status(server.pid()), std::optional<int>(0)) << g.errno_first;
  EXPECT_EQ(sim.posix(3).program_status(client.pid()), std::optional<int>(0));
  EXPECT_GT(static_cast<uint64_t>(g.first), kHaltAt + kAfterTakeover);
  EXPECT_EQ(g.second, 2);
  EXPECT_EQ(std::string(g.data, 2), "hi");
  EXPECT_EQ(g.third, 2);
  EXPECT_GE(stat(sim, "cpu.1.net_io.sockets_survived"), 1u);
  EXPECT_GE(stat(sim, "cpu.2.posix.sockets_moved"), 1u);
  EXPECT_GE(stat(sim, "cpu.2.agent.socket.ops_resent_after_takeover"), 1u);  // the blocked accept
  EXPECT_GE(stat(sim, "cpu.1.net_io.connections"), 1u);
}

// (a') A server on CPU 2 blocked in select() on the listener since before the halt keeps
// waiting through the takeover (no POLLERR, no early return: the listener survived),
// and wakes when a connection is made at the new primary.
TEST_P(Pair, SelectOnASurvivingListenerWaitsAndWakesOnTheNextConnection) {
  tb::Scenario s = scenario();
  tb::Simulation sim(s);
  drv::Process& server = sim.posix(2).start_program("server", [] {
    const int lfd = listen_on(0, false, &g.port);
    if (lfd < 0) return 1;
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(lfd, &rd);
    g.first = shadowsel_select(lfd + 1, &rd, nullptr, nullptr, nullptr);
    g.errno_first = errno;
    if (g.first != 1 || !FD_ISSET(lfd, &rd)) return 2;
    g.second = static_cast<int64_t>(hw::now_cycles());
    const int fd = shadowsel_accept(lfd, nullptr, nullptr);
    if (fd < 0) return 3;
    return shadowsel_recv(fd, g.data, sizeof g.data, 0) == 2 ? 0 : 4;
  });
  drv::Process& client = sim.posix(3).start_program("client", [] {
    wait_until([] { return g.port != 0 && hw::now_cycles() > kHaltAt + kAfterTakeover; });
    const int fd = connect_to(g.port);
    if (fd < 0) return 1;
    return shadowsel_send(fd, "hi", 2, 0) == 2 ? 0 : 2;
  });
  const tb::RunResult r = sim.run(20'000'000);
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  expect_taken_over(sim);
  EXPECT_EQ(sim.posix(2).program_status(server.pid()), std::optional<int>(0)) << g.first << " " << g.errno_first;
  EXPECT_EQ(sim.posix(3).program_status(client.pid()), std::optional<int>(0));
  EXPECT_GT(static_cast<uint64_t>(g.second), kHaltAt + kAfterTakeover);  // not woken by the halt
  EXPECT_EQ(std::string(g.data, 2), "hi");
  EXPECT_GE(stat(sim, "cpu.2.posix.sockets_moved"), 1u);
  EXPECT_EQ(stat(sim, "cpu.2.posix.select_items_moved"), 1u);  // asked again at the new primary
  EXPECT_EQ(stat(sim, "cpu.2.posix.select_items_vanished_at_takeover"), 0u);
}

// (b) An established connection: both ends' owners, blocked in recv(), get ECONNRESET,
// and the descriptors keep failing with it (they are not re-pointed to the backup).
TEST_P(Pair, EstablishedConnectionIsResetOnBothEnds) {
  tb::Scenario s = scenario();
  tb::Simulation sim(s);
  sim.posix(2).start_program("server", [] {
    const int lfd = listen_on(0, false, &g.port);
    if (lfd < 0) return 1;
    const int fd = shadowsel_accept(lfd, nullptr, nullptr);
    if (fd < 0) return 2;
    char buf[8];
    g.third = shadowsel_recv(fd, buf, sizeof buf, 0);
    g.errno_third = errno;
    return 0;
  });
  drv::Process& client = sim.posix(3).start_program("client", [] {
    wait_until([] { return g.port != 0; });
    const int fd = connect_to(g.port);
    if (fd < 0) return 1;
    char buf[8];
    g.first = shadowsel_recv(fd, buf, sizeof buf, 0);
    g.errno_first = errno;
    wait_until([] { return hw::now_cycles() > kHaltAt + kAfterTakeover; });
    g.second = shadowsel_send(fd, "x", 1, MSG_NOSIGNAL);
    g.errno_second = errno;
    return 0;
  });
  const tb::RunResult r = sim.run(20'000'000);
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  expect_taken_over(sim);
  EXPECT_EQ(sim.posix(3).program_status(client.pid()), std::optional<int>(0));
  EXPECT_EQ(g.first, -1);
  EXPECT_EQ(g.errno_first, ECONNRESET);
  EXPECT_EQ(g.second, -1);
  EXPECT_EQ(g.errno_second, ECONNRESET);
  EXPECT_EQ(g.third, -1);
  EXPECT_EQ(g.errno_third, ECONNRESET);
  EXPECT_GE(stat(sim, "cpu.2.posix.shadows_reset"), 1u);
  EXPECT_GE(stat(sim, "cpu.3.posix.shadows_reset"), 1u);
}

// (c) A UDP socket keeps receiving: one datagram before the halt, one after, from the
// same sender socket (which survived too).
TEST_P(Pair, UdpSocketKeepsReceiving) {
  tb::Scenario s = scenario();
  tb::Simulation sim(s);
  drv::Process& receiver = sim.posix(2).start_program("receiver", [] {
    const int fd = shadowsel_socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a = address(0);
    if (fd < 0 || shadowsel_bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return 1;
    socklen_t len = sizeof a;
    if (shadowsel_getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) return 2;
    g.port = ntohs(a.sin_port);
    g.first = shadowsel_recv(fd, g.data, 4, 0);
    g.second = shadowsel_recv(fd, g.data + 4, 4, 0);  // blocked across the takeover
    return 0;
  });
  drv::Process& sender = sim.posix(3).start_program("sender", [] {
    wait_until([] { return g.port != 0; });
    const int fd = shadowsel_socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) return 1;
    sockaddr_in a = address(g.port);
    if (shadowsel_sendto(fd, "abcd", 4, 0, reinterpret_cast<sockaddr*>(&a), sizeof a) != 4) return 2;
    wait_until([] { return hw::now_cycles() > kHaltAt + kAfterTakeover; });
    g.third = shadowsel_sendto(fd, "efgh", 4, 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
    g.errno_third = errno;
    return 0;
  });
  const tb::RunResult r = sim.run(20'000'000);
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  expect_taken_over(sim);
  EXPECT_EQ(sim.posix(2).program_status(receiver.pid()), std::optional<int>(0));
  EXPECT_EQ(sim.posix(3).program_status(sender.pid()), std::optional<int>(0));
  EXPECT_EQ(g.first, 4);
  EXPECT_EQ(g.second, 4);
  EXPECT_EQ(g.third, 4) << g.errno_third;
  EXPECT_EQ(std::string(g.data, 8), "abcdefgh");
  EXPECT_GE(stat(sim, "cpu.1.net_io.sockets_survived"), 2u);
}

// (d, e) socket() works after the takeover (made by the new primary); the backup is
// re-created on the next CPU up (CPU 2), which takes over in turn when CPU 1 halts: a
// listener made before both halts accepts a connection made after them.
TEST_P(Pair, NewSocketsAfterTakeoverAndASecondHaltIsSurvivedToo) {
  tb::Scenario s = scenario();
  add_halt(s, 1, kSecondHaltAt);
  tb::Simulation sim(s);
  drv::Process& server = sim.posix(3).start_program("server", [] {
    const int lfd = listen_on(0, false, &g.port);
    if (lfd < 0) return 1;
    const int fd = shadowsel_accept(lfd, nullptr, nullptr);
    g.errno_first = errno;
    if (fd < 0) return 2;
    g.first = shadowsel_recv(fd, g.data, sizeof g.data, 0);
    return 0;
  });
  drv::Process& client = sim.posix(2).start_program("client", [] {
    wait_until([] { return g.port != 0 && hw::now_cycles() > kHaltAt + kAfterTakeover; });
    const int fd = shadowsel_socket(AF_INET, SOCK_STREAM, 0);  // made by CPU 1 now
    g.second = fd;
    g.errno_second = errno;
    if (fd < 0) return 1;
    wait_until([] { return hw::now_cycles() > kSecondHaltAt + kAfterTakeover; });
    sockaddr_in a = address(g.port);
    g.third = shadowsel_connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    g.errno_third = errno;
    if (g.third != 0) return 2;
    if (shadowsel_send(fd, "hi", 2, 0) != 2) return 3;
    return 0;
  });
  const tb::RunResult r = sim.run(30'000'000);
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  expect_taken_over(sim, 2);
  EXPECT_TRUE(sim.kernel(1).halted());
  EXPECT_EQ(stat(sim, "faults.cpu_halt"), 2u);
  EXPECT_GE(stat(sim, "cpu.1.net_io.backups_created"), 1u);
  EXPECT_GE(stat(sim, "cpu.1.net_io.checkpoints_sent"), 1u);
  EXPECT_GE(stat(sim, "cpu.2.net_io.checkpoints_received"), 1u);
  EXPECT_EQ(stat(sim, "cpu.2.net_io.takeovers"), 1u);
  EXPECT_GT(stat(sim, "cpu.2.net_io.takeover_at"), kSecondHaltAt);
  EXPECT_GE(g.second, 0) << g.errno_second;
  EXPECT_EQ(g.third, 0) << g.errno_third;
  EXPECT_EQ(sim.posix(2).program_status(client.pid()), std::optional<int>(0));
  EXPECT_EQ(sim.posix(3).program_status(server.pid()), std::optional<int>(0)) << g.errno_first;
  EXPECT_EQ(g.first, 2);
  EXPECT_EQ(std::string(g.data, 2), "hi");
}

// The network controller is dual-ported: a remote host that connects after the
// takeover reaches a listener made before it (INADDR_ANY), now through CPU 1, and its
// requests are answered.
TEST_P(Pair, HostConnectsThroughTheDualPortedControllerAfterTakeover) {
  constexpr uint32_t kMessages = 3, kBytes = 64;
  tb::Scenario s = scenario();
  s.hosts.count = 1;
  s.hosts.messages = kMessages;
  s.hosts.bytes = kBytes;
  s.hosts.start_cycles = kHaltAt + kAfterTakeover;
  tb::Simulation sim(s);
  drv::Process& server = sim.posix(2).start_program("server", [] {
    const int lfd = listen_on(7000, false, &g.port, 4, INADDR_ANY);
    if (lfd < 0) return 1;
    const int fd = shadowsel_accept(lfd, nullptr, nullptr);
    if (fd < 0) return 2;
    std::vector<uint8_t> buf(kBytes);
    auto read_exactly = [&](size_t n) {
      for (size_t got = 0; got < n;) {
        const ssize_t k = shadowsel_recv(fd, buf.data() + got, n - got, 0);
        if (k <= 0) return false;
        got += static_cast<size_t>(k);
      }
      return true;
    };
    if (!read_exactly(4)) return 3;  // the host's hello
    for (uint32_t r = 0; r < kMessages; ++r) {
      if (!read_exactly(kBytes)) return 4;
      for (auto& b : buf) b = static_cast<uint8_t>(~b);  // the inverted reply the host checks
      if (shadowsel_send(fd, buf.data(), kBytes, 0) != static_cast<ssize_t>(kBytes)) return 5;
    }
    shadowsel_close(fd);
    return 0;
  });
  const tb::RunResult r = sim.run(20'000'000);
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  expect_taken_over(sim);
  EXPECT_EQ(sim.posix(2).program_status(server.pid()), std::optional<int>(0));
  EXPECT_EQ(stat(sim, "network.hosts.replies_received"), kMessages);
  EXPECT_EQ(stat(sim, "cpu.0.net_io.frames_in"), 0u);  // nothing reached the old primary
  EXPECT_GT(stat(sim, "cpu.1.net_io.frames_in"), 0u);
  EXPECT_GT(stat(sim, "cpu.1.net_io.frames_out"), 0u);
  EXPECT_EQ(stat(sim, "cpu.1.net_io.remote_connections"), 1u);
}

INSTANTIATE_TEST_SUITE_P(Paths, Pair, testing::Values(tb::NotifyPath::kSw, tb::NotifyPath::kModel, tb::NotifyPath::kRtl),
                         path_name);

}  // namespace
}  // namespace shadowsel::test
