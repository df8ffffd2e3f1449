// SPDX-License-Identifier: MIT
// Mechanism tests of the testbench network (docs/network.md): remote hosts on the
// link of the I/O node's network port, served by simulated POSIX programs.
//  - a host's stream to a server whose connection is read on one CPU: data-forwarding
//    mode, one push to the reader's shadow per data frame that reached the port, no
//    read served at the real socket, every reply checked by the host;
//  - addresses: a host that listens nowhere refuses (ECONNREFUSED, blocking and
//    non-blocking), an address on the link that no host has is unreachable
//    (EHOSTUNREACH), one off the link has no route (ENETUNREACH), and an accepted
//    connection names both ends as the network sees them.
// Every test runs on each notify path (sw, model, rtl, lockstep).
#include <gtest/gtest.h>

#define SHADOWSEL_POSIX_NO_RENAME
#include "shadowsel/posix/posix.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstdint>
#include <vector>

#include "shadowsel/hw/net_port.h"
#include "shadowsel/tb/loopback.h"
#include "shadowsel/tb/request_pattern.h"
#include "shadowsel/tb/simulation.h"
#include "on_each_path.h"

namespace shadowsel::test {
namespace {

using tb::loopback::address;

tb::Scenario scenario(uint32_t cpus, uint32_t messages, uint32_t bytes) {
  tb::Scenario s;
  s.machine.cpus = cpus;
  s.notify = g_path;
  s.hosts.count = 1;
  s.hosts.messages = messages;
  s.hosts.bytes = bytes;
  // The program listens before the host connects (nothing tells the host when).
  s.hosts.start_cycles = 2000000;
  return s;
}

// Serves the one host on `fd`: its hello, then each request answered inverted.
int serve_host(int fd, uint32_t messages, uint32_t bytes, uint64_t* bytes_read) {
  std::vector<uint8_t> buf(bytes);
  auto read_exactly = [&](size_t n) {
    size_t got = 0;
    while (got < n) {
      const ssize_t k = shadowsel_recv(fd, buf.data() + got, n - got, 0);
      if (k <= 0) return false;
      got += static_cast<size_t>(k);
      *bytes_read += static_cast<uint64_t>(k);
    }
    return true;
  };
  if (!read_exactly(4)) return 10;
  for (uint32_t r = 0; r < messages; ++r) {
    if (!read_exactly(bytes)) return 11;
    for (uint32_t i = 0; i < bytes; ++i) {
      if (buf[i] != tb::request_byte(0, r, i)) return 12;
      buf[i] = static_cast<uint8_t>(~buf[i]);
    }
    if (shadowsel_send(fd, buf.data(), bytes, 0) != static_cast<ssize_t>(bytes)) return 13;
  }
  return 0;
}

// --- 1. a host's stream, read on one CPU: forwarding --------------------------------------------

struct Stream {
  uint64_t bytes_read = 0;
  int served = -1;
};
Stream g_stream;

class NetworkForwarding : public OnEachPath {};

TEST_P(NetworkForwarding, EachDataFrameIsOnePushToTheReadersShadow) {
  constexpr uint32_t kMessages = 4, kBytes = 16384;
  g_stream = Stream{};
  tb::Simulation sim(scenario(3, kMessages, kBytes));
  drv::Process& server = sim.posix(2).start_program("server", [] {
    uint16_t port = 0;
    const int lfd = tb::loopback::listen_on(7000, false, &port, 4, INADDR_ANY);
    if (lfd < 0) return 1;
    const int fd = shadowsel_accept(lfd, nullptr, nullptr);
    if (fd < 0) return 2;
    g_stream.served = serve_host(fd, kMessages, kBytes, &g_stream.bytes_read);
    shadowsel_close(fd);
    shadowsel_close(lfd);
    return g_stream.served;
  });
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  EXPECT_EQ(sim.posix(2).program_status(server.pid()), std::optional<int>(0));
  EXPECT_EQ(g_stream.bytes_read, 4 + uint64_t{kMessages} * kBytes);
  EXPECT_EQ(stat(sim, "network.hosts.replies_received"), kMessages);
  EXPECT_EQ(stat(sim, "network.hosts.bytes_received"), uint64_t{kMessages} * kBytes);
  // Every byte from the host went to CPU 2's shadow; no read was served at the real socket.
  EXPECT_EQ(stat(sim, "cpu.0.net_io.forwarded_bytes"), 4 + uint64_t{kMessages} * kBytes);
  EXPECT_EQ(stat(sim, "cpu.0.net_io.held_reads"), 0u);
  // One push per data frame (at least kMessages x kBytes / MSS of them), besides at most
  // the connection's state at accept and at the host's FIN.
  const uint64_t data_frames = stat(sim, "cpu.0.net_port.rx_data_frames");
  EXPECT_GE(data_frames, uint64_t{kMessages} * kBytes / hw::NetFrame::kMss);
  EXPECT_GE(stat(sim, "cpu.2.agent.socket.pushes"), data_frames);
  EXPECT_LE(stat(sim, "cpu.2.agent.socket.pushes"), data_frames + 2);
  EXPECT_EQ(stat(sim, "cpu.0.net_io.pushes"), stat(sim, "cpu.2.agent.socket.pushes"));
}

INSTANTIATE_TEST_SUITE_P(Paths, NetworkForwarding, kPaths, path_name);

// --- 2. addresses -----------------------------------------------------------------------------------

struct Addresses {
  int refused = 0, unreachable = 0, no_route = 0;  // errno of three blocking connects
  int nb_connect = 0, nb_revents = 0, nb_so_error = 0;
  uint32_t local_addr = 0, local_port = 0, peer_addr = 0, peer_port = 0;
  uint64_t bytes_read = 0;
  int served = -1;
};
Addresses g_addr;

int connect_errno(uint32_t addr, uint16_t port) {
  const int fd = shadowsel_socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a = address(port, addr);
  const int rc = shadowsel_connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  const int e = rc == 0 ? 0 : errno;
  shadowsel_close(fd);
  return e;
}

class NetworkAddresses : public OnEachPath {};

TEST_P(NetworkAddresses, RefusedUnreachableNoRouteAndNames) {
  g_addr = Addresses{};
  tb::Simulation sim(scenario(2, 1, 100));
  drv::Process& p = sim.posix(1).start_program("client-server", [] {
    g_addr.refused = connect_errno(hw::kFirstHostAddr, 80);          // the host, which listens nowhere
    g_addr.unreachable = connect_errno(hw::kFirstHostAddr + 7, 80);  // on the link, no such host
    g_addr.no_route = connect_errno(0xC0000201, 80);                 // 192.0.2.1: not on the link
    {
      const int fd = shadowsel_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      sockaddr_in a = address(81, hw::kFirstHostAddr);
      g_addr.nb_connect = shadowsel_connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 ? 0 : errno;
      pollfd pf{fd, POLLOUT, 0};
      if (shadowsel_poll(&pf, 1, -1) == 1) g_addr.nb_revents = pf.revents;
      socklen_t len = sizeof g_addr.nb_so_error;
      shadowsel_getsockopt(fd, SOL_SOCKET, SO_ERROR, &g_addr.nb_so_error, &len);
      shadowsel_close(fd);
    }
    uint16_t port = 0;
    const int lfd = tb::loopback::listen_on(7000, false, &port, 4, INADDR_ANY);
    if (lfd < 0) return 1;
    const int fd = shadowsel_accept(lfd, nullptr, nullptr);
    if (fd < 0) return 2;
    sockaddr_in a{};
    socklen_t len = sizeof a;
    shadowsel_getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    g_addr.local_addr = ntohl(a.sin_addr.s_addr);
    g_addr.local_port = ntohs(a.sin_port);
    len = sizeof a;
    shadowsel_getpeername(fd, reinterpret_cast<sockaddr*>(&a), &len);
    g_addr.peer_addr = ntohl(a.sin_addr.s_addr);
    g_addr.peer_port = ntohs(a.sin_port);
    g_addr.served = serve_host(fd, 1, 100, &g_addr.bytes_read);
    shadowsel_close(fd);
    shadowsel_close(lfd);
    return g_addr.served;
  });
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  EXPECT_EQ(sim.posix(1).program_status(p.pid()), std::optional<int>(0));
  EXPECT_EQ(g_addr.refused, ECONNREFUSED);
  EXPECT_EQ(g_addr.unreachable, EHOSTUNREACH);
  EXPECT_EQ(g_addr.no_route, ENETUNREACH);
  EXPECT_EQ(g_addr.nb_connect, EINPROGRESS);
  EXPECT_EQ(g_addr.nb_revents, POLLOUT | POLLERR | POLLHUP);
  EXPECT_EQ(g_addr.nb_so_error, ECONNREFUSED);
  EXPECT_EQ(g_addr.local_addr, hw::kNodeAddr);
  EXPECT_EQ(g_addr.local_port, 7000u);
  EXPECT_EQ(g_addr.peer_addr, hw::kFirstHostAddr);
  EXPECT_EQ(g_addr.peer_port, 40000u);
  EXPECT_EQ(stat(sim, "network.hosts.replies_received"), 1u);
  // The refusals and the unreachable answer really crossed the link.
  EXPECT_GE(stat(sim, "network.link.to_node_frames"), 3u);
}

INSTANTIATE_TEST_SUITE_P(Paths, NetworkAddresses, kPaths, path_name);

}  // namespace
}  // namespace shadowsel::test
