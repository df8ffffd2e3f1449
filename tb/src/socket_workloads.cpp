// SPDX-License-Identifier: MIT
// "socket_server" (docs/scenarios.md): a TCP server on 127.0.0.1 with readers
// on K CPUs serving C clients, written as POSIX programs against the layer's C
// API; "net_server": the same server on the I/O node's address, its clients the H
// remote hosts of the testbench network (docs/network.md). K = 1 shows data-forwarding mode (one reader CPU per connection: the
// network I/O process pushes data to its shadow); K >= 2 shows contention mode
// (every connection is read on K CPUs: each read is a request to the I/O
// process). Every byte of every request and reply is checked.
#define SHADOWSEL_POSIX_NO_RENAME
#include "shadowsel/posix/posix.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "shadowsel/tb/loopback.h"
#include "shadowsel/tb/network.h"
#include "shadowsel/tb/posix_workloads.h"
#include "shadowsel/tb/request_pattern.h"

namespace shadowsel::tb {
namespace {

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("socket_server: " + what + ": " + std::string(strerror(errno)));
}

[[noreturn]] void mismatch(const std::string& what) { throw std::runtime_error("socket_server: " + what); }

// What the run did, registered as workload.* in stats.json (static: the
// processes are coroutines of one host thread, and Stats keeps pointers).
struct Figures {
  uint64_t connections = 0;     // accepted by the server
  uint64_t requests = 0;        // requests read and checked by the readers
  uint64_t request_bytes = 0;   // their bytes
  uint64_t replies = 0;         // replies read and checked by the clients
  uint64_t reply_bytes = 0;     // their bytes
  uint64_t reader_switches = 0; // connections handed from one reader to the next
};
Figures g_fig;

struct Setup {
  WorkloadParams w;
  // The requests: from `clients` client processes (socket_server) or hosts (net_server).
  uint32_t clients = 0, messages = 0, bytes = 0, bytes_max = 0;
  uint64_t seed = 0;
  bool remote = false;                // net_server: the clients are the network's hosts
  uint16_t listen_port = 0;           // net_server: hosts.port
  Network* network = nullptr;         // net_server: told when the server listens
  uint32_t size(uint32_t c, uint32_t r) const { return request_size(seed, c, r, bytes, bytes_max); }
  uint32_t largest() const { return std::max({bytes, bytes_max, 4u}); }
  std::vector<uint32_t> reader_cpus;  // reader k runs on reader_cpus[k]
  std::vector<uint32_t> client_cpus;  // client c runs on client_cpus[c % size]
  int port_pipe[2] = {-1, -1};        // the listener's port, once per client
  std::vector<int> token_read;        // token_read[k]: reader k's turns arrive here
  std::vector<int> token_write;       // token_write[k]: write end of token_read[k]
  std::vector<int> conns;             // accepted connections, before the readers are spawned
  std::vector<uint32_t> conn_client;  // client index of each, from its hello
};
Setup g_setup;

void send_all(int fd, const uint8_t* p, size_t n, const char* what) {
  while (n > 0) {
    const ssize_t k = shadowsel_send(fd, p, n, 0);
    if (k <= 0) fail(what);
    p += k;
    n -= static_cast<size_t>(k);
  }
}

// Blocking read of exactly n bytes; false at end of stream.
bool recv_all(int fd, uint8_t* p, size_t n, const char* what) {
  while (n > 0) {
    const ssize_t k = shadowsel_recv(fd, p, n, 0);
    if (k < 0) fail(what);
    if (k == 0) return false;
    p += k;
    n -= static_cast<size_t>(k);
  }
  return true;
}

bool read_all(int fd, void* p, size_t n) {
  auto* b = static_cast<uint8_t*>(p);
  while (n > 0) {
    const ssize_t k = shadowsel_read(fd, b, n);
    if (k <= 0) return false;
    b += k;
    n -= static_cast<size_t>(k);
  }
  return true;
}

int client(void* arg) {
  const uint32_t me = static_cast<uint32_t>(reinterpret_cast<uintptr_t>(arg));
  const Setup& s = g_setup;
  shadowsel_close(s.port_pipe[1]);
  uint16_t port = 0;  // host order
  if (!read_all(s.port_pipe[0], &port, sizeof port)) fail("client: reading the port");
  shadowsel_close(s.port_pipe[0]);
  const int fd = loopback::connect_to(port);
  if (fd < 0) fail("client: connect");
  const uint32_t hello = me;
  send_all(fd, reinterpret_cast<const uint8_t*>(&hello), sizeof hello, "client: send");
  std::vector<uint8_t> req(s.largest()), rep(s.largest());
  for (uint32_t r = 0; r < s.messages; ++r) {
    const uint32_t n = s.size(me, r);
    for (uint32_t i = 0; i < n; ++i) req[i] = request_byte(me, r, i);
    send_all(fd, req.data(), n, "client: send");
    if (!recv_all(fd, rep.data(), n, "client: recv"))
      mismatch(fmt::format("client {}: the server closed the connection before reply {}", me, r));
    for (uint32_t i = 0; i < n; ++i) {
      const uint8_t want = static_cast<uint8_t>(~request_byte(me, r, i));
      if (rep[i] != want)
        mismatch(fmt::format("client {}: reply {} byte {} is 0x{:02x}, expected 0x{:02x}", me, r, i, rep[i], want));
    }
    ++g_fig.replies;
    g_fig.reply_bytes += n;
  }
  shadowsel_close(fd);
  return 0;
}

// One connection as one reader sees it.
struct Conn {
  int fd = -1;
  uint32_t client = 0;     // from the hello
  bool hello = true;       // still reading the 4-byte hello
  bool mine = false;       // this reader has the turn
  uint32_t request = 0;    // the request this reader reads next (with the turn)
  std::vector<uint8_t> buf;
  size_t got = 0;
};

// Token of a turn: connection index and the request to read next.
struct Turn {
  uint32_t conn;
  uint32_t request;
};

// Reader k of K: polls the connections it has the turn for (and its token
// pipe; reader 0 of a lone reader also the listener until every client has
// connected), reads requests as they come, checks them, replies, and hands
// the connection to reader (k + 1) % K. Returns when it has served its share.
void serve(uint32_t k, int listener) {
  Setup& s = g_setup;
  const WorkloadParams& w = s.w;
  const uint32_t K = w.readers, C = s.clients, M = s.messages;
  // Request r of a connection is read by reader r % K.
  const uint64_t share = uint64_t{C} * (M / K + (k < M % K ? 1 : 0));
  std::vector<Conn> conns(C);
  uint32_t accepted = 0;
  for (uint32_t j = 0; j < s.conns.size(); ++j) {
    conns[j].fd = s.conns[j];
    conns[j].client = s.conn_client[j];
    conns[j].hello = false;
    conns[j].mine = k == 0;
    conns[j].buf.resize(s.largest());
    ++accepted;
  }
  std::vector<uint8_t> reply(s.largest());
  uint64_t served = 0;
  std::vector<struct pollfd> fds;
  std::vector<uint32_t> which;  // conn index of fds[i], or UINT32_MAX for the pipe / listener
  constexpr uint32_t kNone = UINT32_MAX;
  // The previous reader closes its write end when it has served its share: the
  // pipe then polls readable (end of file) for good and is no longer polled.
  bool token_open = true;
  while (served < share) {
    fds.clear();
    which.clear();
    if (K > 1 && token_open) {
      fds.push_back({s.token_read[k], POLLIN, 0});
      which.push_back(kNone);
    }
    const bool listening = listener >= 0 && accepted < C;
    if (listening) {
      fds.push_back({listener, POLLIN, 0});
      which.push_back(kNone);
    }
    for (uint32_t j = 0; j < accepted; ++j) {
      if (!conns[j].mine) continue;
      fds.push_back({conns[j].fd, POLLIN, 0});
      which.push_back(j);
    }
    if (shadowsel_poll(fds.data(), fds.size(), -1) <= 0) fail(fmt::format("reader {}: poll", k));
    for (size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      if (which[i] == kNone && fds[i].fd == listener) {
        const int fd = shadowsel_accept(listener, nullptr, nullptr);
        if (fd < 0) fail("accept");
        Conn& c = conns[accepted++];
        c.fd = fd;
        c.mine = true;
        c.buf.resize(s.largest());
        ++g_fig.connections;
        continue;
      }
      if (which[i] == kNone) {
        Turn t;
        const ssize_t n = shadowsel_read(s.token_read[k], &t, sizeof t);
        if (n == 0) {
          token_open = false;
          continue;
        }
        // A turn is written whole (sizeof t is far below PIPE_BUF), so read whole.
        if (n != static_cast<ssize_t>(sizeof t)) fail(fmt::format("reader {}: token pipe read {}", k, n));
        conns.at(t.conn).mine = true;
        conns[t.conn].request = t.request;
        continue;
      }
      Conn& c = conns[which[i]];
      const size_t need = c.hello ? 4 : s.size(c.client, c.request);
      const ssize_t n = shadowsel_recv(c.fd, c.buf.data() + c.got, need - c.got, 0);
      if (n < 0) fail(fmt::format("reader {}: recv", k));
      if (n == 0)
        mismatch(fmt::format("reader {}: client {} closed its connection before request {}", k, c.client,
                             c.request));
      c.got += static_cast<size_t>(n);
      if (c.got < need) continue;
      c.got = 0;
      if (c.hello) {
        std::memcpy(&c.client, c.buf.data(), 4);
        if (c.client >= C) mismatch(fmt::format("hello names client {}, there are {}", c.client, C));
        c.hello = false;
        continue;
      }
      for (uint32_t b = 0; b < need; ++b) {
        const uint8_t want = request_byte(c.client, c.request, b);
        if (c.buf[b] != want)
          mismatch(fmt::format("reader {} on cpu {}: request {} of client {}: byte {} is 0x{:02x}, expected 0x{:02x}",
                               k, s.reader_cpus[k], c.request, c.client, b, c.buf[b], want));
        reply[b] = static_cast<uint8_t>(~want);
      }
      ++served;
      ++g_fig.requests;
      g_fig.request_bytes += need;
      send_all(c.fd, reply.data(), need, "reply");
      const uint32_t next = c.request + 1;
      if (K > 1) {
        c.mine = false;
        if (next < M) {
          const Turn t{which[i], next};
          if (shadowsel_write(s.token_write[(k + 1) % K], &t, sizeof t) != static_cast<ssize_t>(sizeof t))
            fail("token pipe write");
          ++g_fig.reader_switches;
        }
      } else {
        c.request = next;
        c.mine = next < M;
      }
    }
  }
  for (uint32_t j = 0; j < accepted; ++j) shadowsel_close(conns[j].fd);
}

// Keeps only reader k's token ends: its read end, the next reader's write end.
void keep_token_ends(uint32_t k) {
  Setup& s = g_setup;
  const uint32_t K = s.w.readers;
  for (uint32_t i = 0; i < K; ++i) {
    if (i != k) shadowsel_close(s.token_read[i]);
    if (i != (k + 1) % K) shadowsel_close(s.token_write[i]);
  }
}

int reader(void* arg) {
  const uint32_t k = static_cast<uint32_t>(reinterpret_cast<uintptr_t>(arg));
  keep_token_ends(k);
  serve(k, -1);
  return 0;
}

void reap(const char* who, uint32_t n) {
  for (uint32_t i = 0; i < n; ++i) {
    int status = 0;
    if (shadowsel_waitpid(-1, &status, 0) < 0) fail("waitpid");
    if (status != 0) mismatch(fmt::format("a {} exited with status {}", who, status));
  }
}

int server_main() {
  Setup& s = g_setup;
  const WorkloadParams& w = s.w;
  const int backlog = static_cast<int>(std::min<uint32_t>(s.clients, 128));
  int ls = -1;
  if (s.remote) {
    uint16_t port = 0;
    ls = loopback::listen_on(s.listen_port, false, &port, backlog, INADDR_ANY);
    if (ls < 0) fail(fmt::format("listen on port {}", s.listen_port));
    s.network->ready();
  } else {
    // The clients first, so that they inherit no socket: each reads the port from a pipe.
    if (shadowsel_pipe(s.port_pipe) != 0) fail("pipe");
    for (uint32_t c = 0; c < s.clients; ++c) {
      const uint32_t cpu = s.client_cpus[c % s.client_cpus.size()];
      if (shadowsel_spawn(static_cast<int>(cpu), client, reinterpret_cast<void*>(uintptr_t{c})) < 0)
        fail("spawn client");
    }
    shadowsel_close(s.port_pipe[0]);
    uint16_t port = 0;
    ls = loopback::listen_on(0, false, &port, backlog);
    if (ls < 0) fail("listen");
    for (uint32_t c = 0; c < s.clients; ++c) {
      if (shadowsel_write(s.port_pipe[1], &port, sizeof port) != static_cast<ssize_t>(sizeof port))
        fail("write port");
    }
    shadowsel_close(s.port_pipe[1]);
  }

  if (w.readers == 1) {
    // Data forwarding: one process accepts and serves every connection in one poll loop.
    serve(0, ls);
    shadowsel_close(ls);
  } else {
    // Contention: every connection is accepted (and its hello read) first, so
    // that the readers spawned next inherit all of them.
    for (uint32_t c = 0; c < s.clients; ++c) {
      const int fd = shadowsel_accept(ls, nullptr, nullptr);
      if (fd < 0) fail("accept");
      uint32_t hello = 0;
      if (!recv_all(fd, reinterpret_cast<uint8_t*>(&hello), sizeof hello, "recv hello"))
        mismatch("a client closed its connection before its hello");
      if (hello >= s.clients) mismatch(fmt::format("hello names client {}, there are {}", hello, s.clients));
      s.conns.push_back(fd);
      s.conn_client.push_back(hello);
      ++g_fig.connections;
    }
    shadowsel_close(ls);
    s.token_read.assign(w.readers, -1);
    s.token_write.assign(w.readers, -1);
    for (uint32_t k = 0; k < w.readers; ++k) {
      int p[2];
      if (shadowsel_pipe(p) != 0) fail("pipe");
      s.token_read[k] = p[0];
      s.token_write[k] = p[1];
    }
    for (uint32_t k = 1; k < w.readers; ++k) {
      if (shadowsel_spawn(static_cast<int>(s.reader_cpus[k]), reader, reinterpret_cast<void*>(uintptr_t{k})) < 0)
        fail("spawn reader");
    }
    keep_token_ends(0);
    serve(0, -1);
    reap("reader", w.readers - 1);
  }
  const uint64_t want = uint64_t{s.clients} * s.messages;
  if (s.remote) {  // the hosts check the replies themselves
    if (g_fig.requests != want) mismatch(fmt::format("{} requests served, expected {}", g_fig.requests, want));
    return 0;
  }
  reap("client", s.clients);
  if (g_fig.requests != want || g_fig.replies != want)
    mismatch(fmt::format("{} requests served and {} replies checked, expected {}", g_fig.requests, g_fig.replies,
                         want));
  return 0;
}

}  // namespace

namespace {

void install_server(Simulation& sim, bool remote) {
  const WorkloadParams w = sim.scenario().workload;
  const uint32_t cpus = sim.cpus();
  if (w.readers >= cpus)
    throw std::invalid_argument(fmt::format(
        "{}: readers ({}) must be below cpus ({}): readers run on CPUs 1..readers and the clients on "
        "the others",
        w.kind, w.readers, cpus));
  g_fig = Figures{};
  g_setup = Setup{};
  g_setup.w = w;
  g_setup.seed = sim.scenario().machine.seed;
  g_setup.remote = remote;
  if (remote) {
    const HostParams& h = sim.scenario().hosts;
    if (!sim.network()) throw std::invalid_argument("net_server: no remote hosts (hosts.count is 0)");
    g_setup.network = sim.network();
    g_setup.network->hold();  // until the server listens
    g_setup.listen_port = static_cast<uint16_t>(h.port);
    g_setup.clients = h.count;
    g_setup.messages = h.messages;
    g_setup.bytes = h.bytes;
    g_setup.bytes_max = h.bytes_max;
  } else {
    g_setup.clients = w.clients;
    g_setup.messages = w.messages;
    g_setup.bytes = w.bytes;
    g_setup.bytes_max = w.bytes_max;
  }
  for (uint32_t k = 0; k < w.readers; ++k) g_setup.reader_cpus.push_back(k + 1);
  for (uint32_t c = w.readers + 1; c < cpus; ++c) g_setup.client_cpus.push_back(c);
  g_setup.client_cpus.push_back(0);
  sim::Stats& st = sim.stats();
  st.counter("workload.connections", &g_fig.connections, "connections", "connections the server accepted");
  st.counter("workload.requests", &g_fig.requests, "requests", "requests read and checked by the readers");
  st.counter("workload.request_bytes", &g_fig.request_bytes, "bytes", "bytes of those requests");
  st.counter("workload.replies", &g_fig.replies, "replies", "replies read and checked by the clients");
  st.counter("workload.reply_bytes", &g_fig.reply_bytes, "bytes", "bytes of those replies");
  st.counter("workload.reader_switches", &g_fig.reader_switches, "turns",
             "connections handed from one reader to the next (readers >= 2)");
  sim.posix(g_setup.reader_cpus[0]).start_program("server", [] { return server_main(); });
}

}  // namespace

void install_socket_server(Simulation& sim) { install_server(sim, false); }

void install_net_server(Simulation& sim) { install_server(sim, true); }

}  // namespace shadowsel::tb
