// SPDX-License-Identifier: MIT
// "net_echo" (docs/scenarios.md, docs/network.md): an echo server on CPU 1 for the
// remote hosts of the testbench network, written as a POSIX program against the
// layer's C API. Over TCP it accepts one connection per host and, in one poll loop,
// sends back every byte it reads until each host closes; over UDP it sends every
// datagram back to its sender. The hosts check what comes back.
#define SHADOWSEL_POSIX_NO_RENAME
#include "shadowsel/posix/posix.h"

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "shadowsel/tb/loopback.h"
#include "shadowsel/tb/network.h"
#include "shadowsel/tb/posix_workloads.h"

namespace shadowsel::tb {
namespace {

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("net_echo: " + what + ": " + std::string(strerror(errno)));
}

struct Figures {
  uint64_t connections = 0;  // accepted (tcp)
  uint64_t datagrams = 0;    // echoed (udp)
  uint64_t echoed_bytes = 0;
};
Figures g_fig;

struct Setup {
  HostParams hosts;
  Network* network = nullptr;
};
Setup g_setup;

constexpr size_t kChunk = 65536;

void send_all(int fd, const uint8_t* p, size_t n) {
  while (n > 0) {
    const ssize_t k = shadowsel_send(fd, p, n, 0);
    if (k <= 0) fail("send");
    p += k;
    n -= static_cast<size_t>(k);
  }
}

int echo_tcp() {
  const Setup& s = g_setup;
  uint16_t port = 0;
  const int ls = loopback::listen_on(static_cast<uint16_t>(s.hosts.port), false, &port,
                                     static_cast<int>(std::min<uint32_t>(s.hosts.count, 128)), INADDR_ANY);
  if (ls < 0) fail(fmt::format("listen on port {}", s.hosts.port));
  s.network->ready();
  std::vector<int> conns;
  std::vector<uint8_t> buf(kChunk);
  uint32_t closed = 0;
  std::vector<pollfd> fds;
  while (closed < s.hosts.count) {
    fds.clear();
    if (conns.size() < s.hosts.count) fds.push_back({ls, POLLIN, 0});
    for (int fd : conns) {
      if (fd >= 0) fds.push_back({fd, POLLIN, 0});
    }
    if (shadowsel_poll(fds.data(), fds.size(), -1) <= 0) fail("poll");
    for (const pollfd& p : fds) {
      if (p.revents == 0) continue;
      if (p.fd == ls) {
        const int fd = shadowsel_accept(ls, nullptr, nullptr);
        if (fd < 0) fail("accept");
        conns.push_back(fd);
        ++g_fig.connections;
        continue;
      }
      const ssize_t n = shadowsel_recv(p.fd, buf.data(), buf.size(), 0);
      if (n < 0) fail("recv");
      if (n == 0) {  // the host is done: close our side too
        shadowsel_close(p.fd);
        for (int& fd : conns) {
          if (fd == p.fd) fd = -1;
        }
        ++closed;
        continue;
      }
      send_all(p.fd, buf.data(), static_cast<size_t>(n));
      g_fig.echoed_bytes += static_cast<uint64_t>(n);
    }
  }
  shadowsel_close(ls);
  return 0;
}

int echo_udp() {
  const Setup& s = g_setup;
  const int fd = shadowsel_socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) fail("socket");
  sockaddr_in a = loopback::address(static_cast<uint16_t>(s.hosts.port), INADDR_ANY);
  if (shadowsel_bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
    fail(fmt::format("bind port {}", s.hosts.port));
  s.network->ready();
  std::vector<uint8_t> buf(kChunk);
  const uint64_t all = uint64_t{s.hosts.count} * s.hosts.messages;
  // A lost datagram is never echoed: besides counting, stop once every host is done.
  while (g_fig.datagrams < all) {
    pollfd p{fd, POLLIN, 0};
    const int ready = shadowsel_poll(&p, 1, 10);
    if (ready < 0) fail("poll");
    if (ready == 0) {
      if (s.network->counters().hosts_done == s.hosts.count) break;
      continue;
    }
    sockaddr_in from{};
    socklen_t len = sizeof from;
    const ssize_t n = shadowsel_recvfrom(fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n < 0) fail("recvfrom");
    if (shadowsel_sendto(fd, buf.data(), static_cast<size_t>(n), 0, reinterpret_cast<sockaddr*>(&from), len) != n)
      fail("sendto");
    ++g_fig.datagrams;
    g_fig.echoed_bytes += static_cast<uint64_t>(n);
  }
  shadowsel_close(fd);
  return 0;
}

}  // namespace

void install_net_echo(Simulation& sim) {
  if (!sim.network()) throw std::invalid_argument("net_echo: no remote hosts (hosts.count is 0)");
  g_fig = Figures{};
  g_setup = Setup{sim.scenario().hosts, sim.network()};
  g_setup.network->hold();  // until the server listens
  sim::Stats& st = sim.stats();
  st.counter("workload.connections", &g_fig.connections, "connections", "connections the echo server accepted (tcp)");
  st.counter("workload.datagrams", &g_fig.datagrams, "datagrams", "datagrams the echo server sent back (udp)");
  st.counter("workload.echoed_bytes", &g_fig.echoed_bytes, "bytes", "bytes the echo server sent back");
  const bool udp = g_setup.hosts.protocol == "udp";
  sim.posix(1).start_program("echo", [udp] { return udp ? echo_udp() : echo_tcp(); });
}

}  // namespace shadowsel::tb
