// SPDX-License-Identifier: MIT
// Socket benchmarks (docs/sockets.md): small simulations whose programs run as
// simulated POSIX processes, as in tests/sim/socket_test.cpp, each figure computed
// from the run's own counters (never from a constant of the design).
//
//   socket_bench CASE [--notify sw|rtl]
//
// runs one case (SystemC elaborates once per host process: bench/run.py starts one
// process per case and path) and prints one JSON object on stdout:
//   {"case", "notify", "figures": {name: {"value", "unit"}}, "counters": {...},
//    "notes": [...], "errors": [...]}
// Exit status 0 when the run finished and every consistency check held, 1 otherwise
// (the JSON is printed either way), 2 on a usage error.
//
// Cases (the real sockets live on CPU 0, the network I/O process):
//   forwarding  writer on CPU 1, reader on CPU 2 (forwarding mode), P packets of 1024
//               bytes, each a send of its own. forwarding_bus_msgs_per_packet =
//               (pushes CPU 2's socket agent received + window updates the I/O process
//               received) / P, counted from the reader's "go" (after the accept and the
//               shadow's first state) until the reader has read every byte and its last
//               window update has arrived. Not counted: the writer's own send requests
//               and their replies (CPU 1 <-> CPU 0), and the one push to CPU 1 that the
//               first window update causes (the writer's socket's first state): those
//               are between the I/O process and the writer's CPU. Then a remote host on
//               the I/O node's link (docs/network.md) connects and sends 21 pings of 64
//               bytes (after a warm-up one), each when the reader sleeps in recv():
//               forwarding_read_latency_cycles_p50 = cycles from the ping's arrival at the
//               I/O node's network port to the return of the reader's recv().
//   contention  a connection accepted on CPU 1 and inherited by a child spawned on CPU 2
//               (readers on two CPUs: contention mode); the writer on CPU 3 sends R + 2
//               packets of 1024 bytes before any read; after one warm-up read each, the
//               two readers make R reads of 1024 bytes concurrently. contention_bus_msgs_per_read
//               = (kRecv requests the reader CPUs' agents sent + replies the I/O process
//               sent + any readiness messages of the reader CPUs) / R. A remote host's
//               connection, accepted before the spawn, is read on both CPUs too; its 21
//               pings: contention_read_latency_cycles_p50 (arrival at the I/O node's port
//               to recv() return, the reader on CPU 1 asleep in recv()).
//   select64    64 processes on CPU 2 select for reading on one listening socket (made
//               on CPU 1, real socket on CPU 0); E = 10 connections from CPU 3, one per
//               round once all 64 sleep. socket_bus_requests_per_event_w64 = subscribes
//               sent from CPU 2 (socket agent on sw, notify engine driver on rtl) / E.
//   reuseport   8 CPUs; K = 4 SO_REUSEPORT listeners on CPUs 1..4, N = 40 connections
//               from CPU 5; rr_spread_max_over_min = max / min connections per listener.
//   stream      writer on CPU 1 sends 1 MiB in 64 KiB send() calls to a reader on CPU 2
//               (forwarding mode) reading 64 KiB at a time; tcp_stream_mbytes_per_s_sim =
//               bytes / simulated seconds from the first send() call to the return of the
//               recv() that read the last byte, at the run's clock (sim.freq_mhz);
//               bus_lane_mbytes_per_s_sim = width_bytes * freq_mhz of the run's bus
//               parameters (one lane's raw bandwidth, 10^6 bytes/s).
//   takeover    4 CPUs, the network I/O process's primary on CPU 0, its backup on CPU 1
//               ([network] io_backup_cpu); a server on CPU 2 blocked in accept() on a
//               listener made before CPU 0 halts; a client on CPU 3 connects from the
//               cycle after the halt. takeover_cycles_io_primary = cycles from the halt
//               to the return of that accept() (the first connection the backup made).
//               The scenario's default [liveness] (period and missed periods).
#include <systemc>

#define SHADOWSEL_POSIX_NO_RENAME
#include "shadowsel/posix/posix.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "shadowsel/driver/membership.h"
#include "shadowsel/driver/msg.h"
#include "shadowsel/driver/ne_driver.h"
#include "shadowsel/driver/socket.h"
#include "shadowsel/hw/time.h"
#include "shadowsel/tb/loopback.h"
#include "shadowsel/tb/request_pattern.h"
#include "shadowsel/tb/simulation.h"

namespace {
const bool kQuietBanner = setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1) == 0;
}

namespace shadowsel::bench {
namespace {

using json = nlohmann::ordered_json;

// --- the run's record --------------------------------------------------------------------

json g_out = json::object();
tb::NotifyPath g_path = tb::NotifyPath::kSw;
std::string g_suffix;  // "" on sw, "_rtl" on rtl

void figure(const std::string& name, double value, const std::string& unit) {
  g_out["figures"][name + g_suffix] = {{"value", value}, {"unit", unit}};
}
void counter(const std::string& name, double value) { g_out["counters"][name] = value; }
void note(const std::string& text) { g_out["notes"].push_back(text); }
// A consistency check: a failed one is reported and makes the exit status 1.
void check(bool ok, const std::string& what) {
  if (!ok) g_out["errors"].push_back(what);
}
template <typename A, typename B>
void check_eq(const A& got, const B& want, const std::string& what) {
  if (!(static_cast<double>(got) == static_cast<double>(want))) {
    g_out["errors"].push_back(what + ": got " + std::to_string(static_cast<double>(got)) + ", expected " +
                              std::to_string(static_cast<double>(want)));
  }
}

tb::Scenario scenario(uint32_t cpus) {
  tb::Scenario s;
  s.machine.cpus = cpus;
  s.notify = g_path;
  return s;
}

bool engine_path() { return g_path != tb::NotifyPath::kSw; }

double stat(tb::Simulation& sim, const std::string& path) { return sim.stats().value(path); }
std::string cpu_prefix(uint32_t cpu) { return "cpu." + std::to_string(cpu) + "."; }

// The counters a case reads, by stats path (sim.stats()), sampled while programs run.
using Snapshot = std::map<std::string, double>;
Snapshot snapshot(tb::Simulation& sim, const std::vector<std::string>& paths) {
  Snapshot s;
  for (const auto& p : paths) s[p] = stat(sim, p);
  return s;
}
double delta(const Snapshot& before, const Snapshot& after, const std::string& path) {
  return after.at(path) - before.at(path);
}

// Subscribe-side select counters of CPU `cpu` (the agent on sw, the engine's driver otherwise).
std::string select_counter(tb::Simulation& sim, uint32_t cpu, const std::string& what) {
  (void)sim;
  return cpu_prefix(cpu) + (engine_path() ? "ne_driver." : "agent.socket.") + what;
}

bool finished(tb::Simulation& sim, const char* what) {
  const tb::RunResult r = sim.run();
  counter("sim.cycles", static_cast<double>(r.cycles));
  counter("sim.wall_s", r.wall_s);
  if (r.end != tb::RunResult::End::kFinished) {
    check(false, std::string(what) + ": the run did not finish: " + r.detail);
    return false;
  }
  return true;
}

using tb::loopback::connect_to;
using tb::loopback::listen_on;
using tb::loopback::pattern;
using tb::loopback::wait_until;

// Blocking recv of exactly `n` bytes (several calls if need be); false on EOF or error.
bool recv_all(int fd, uint8_t* buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    const ssize_t r = shadowsel_recv(fd, buf + got, n - got, 0);
    if (r <= 0) return false;
    got += static_cast<size_t>(r);
  }
  return true;
}

uint64_t median(std::vector<uint64_t> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];  // odd sample counts: the middle one
}

void latency_figure(const std::string& name, const std::vector<uint64_t>& samples, int want) {
  check_eq(samples.size(), want, name + ": samples");
  json s = json::array();
  for (uint64_t v : samples) s.push_back(v);
  g_out["counters"][name + ".samples"] = s;
  figure(name, static_cast<double>(median(samples)), "cycles");
}

constexpr int kPings = 21;       // latency samples per case (odd: the median is one of them)
constexpr uint32_t kPingBytes = 64;
constexpr uint16_t kPingPort = 7000;
constexpr uint64_t kPingInterval = 10000000;  // cycles between a host's pings: the reader sleeps

// A machine with one remote host that pings: 1 + kPings requests of kPingBytes, one
// unanswered at a time, the first a warm-up (it comes with the connection). The host
// waits for Network::ready().
tb::Scenario ping_scenario(uint32_t cpus) {
  tb::Scenario s = scenario(cpus);
  s.hosts.count = 1;
  s.hosts.port = kPingPort;
  s.hosts.messages = kPings + 1;
  s.hosts.bytes = kPingBytes;
  s.hosts.interval_cycles = kPingInterval;
  return s;
}

// Serves the host's connection `fd`: its hello and warm-up ping, then kPings pings,
// each answered (its bytes inverted, as the host expects) and timed from its arrival
// at the I/O node's port (`port`) to recv()'s return. False if a ping was there before
// the reader slept in recv(), or on a wrong byte.
bool serve_pings(int fd, const hw::NetPort& port, std::vector<uint64_t>* latency) {
  uint8_t buf[kPingBytes];
  if (!recv_all(fd, buf, 4)) return false;
  for (int r = 0; r <= kPings; ++r) {
    const uint64_t asleep_at = hw::now_cycles();
    if (!recv_all(fd, buf, kPingBytes)) return false;
    const uint64_t now = hw::now_cycles();
    if (r > 0) {
      if (port.last_data_arrival() < asleep_at) return false;
      latency->push_back(now - port.last_data_arrival());
    }
    for (uint32_t i = 0; i < kPingBytes; ++i) {
      if (buf[i] != tb::request_byte(0, static_cast<uint32_t>(r), i)) return false;
      buf[i] = static_cast<uint8_t>(~buf[i]);
    }
    if (shadowsel_send(fd, buf, kPingBytes, 0) != static_cast<ssize_t>(kPingBytes)) return false;
  }
  return true;
}

// --- forwarding mode ----------------------------------------------------------------------

constexpr int kFwdPackets = 256;
constexpr uint32_t kPacket = 1024;

struct Forward {
  uint16_t port = 0;
  bool connected = false, accepted = false, go = false, sampled = false;
  int sends_ok = 0;
  uint64_t bytes_read = 0, mismatches = 0;
  std::vector<uint64_t> latency;
  Snapshot before, after;
  int64_t eof = -2;
};
Forward g_fwd;

void run_forwarding() {
  g_fwd = Forward{};
  tb::Simulation sim(ping_scenario(3));
  sim.network()->hold();
  const std::vector<std::string> paths = {
      "cpu.0.net_io.pushes",          "cpu.0.net_io.window_updates",  "cpu.0.net_io.forwarded_bytes",
      "cpu.0.net_io.held_reads",      "cpu.2.agent.socket.pushes",    "cpu.2.agent.socket.pushes_dropped",
      "cpu.2.agent.socket.push_bytes", "cpu.2.agent.socket.ops_forwarded", "cpu.1.agent.socket.ops_forwarded",
      "cpu.1.agent.socket.pushes",    "cpu.2.msg.sent",               "cpu.2.msg.tx_fragments",
      "cpu.2.msg.received",           "cpu.2.posix.remote_ops",       select_counter(sim, 2, "requests_sent"),
  };
  drv::Process& reader = sim.posix(2).start_program("reader", [&sim, &paths] {
    uint16_t port = 0;
    const int lfd = listen_on(0, false, &port);
    if (lfd < 0) return 1;
    uint16_t ping_port = 0;
    const int hl = listen_on(kPingPort, false, &ping_port, 4, INADDR_ANY);
    if (hl < 0) return 1;
    g_fwd.port = port;
    wait_until([] { return g_fwd.connected; });
    const int fd = shadowsel_accept(lfd, nullptr, nullptr);
    if (fd < 0) return 2;
    g_fwd.accepted = true;
    shadowsel_usleep(1000);  // the shadow's first state (a push after the accept's reply) is in
    g_fwd.before = snapshot(sim, paths);
    g_fwd.go = true;
    static uint8_t buf[kPacket];
    const uint64_t total = uint64_t{kFwdPackets} * kPacket;
    while (g_fwd.bytes_read < total) {
      const ssize_t n = shadowsel_recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return 3;
      for (ssize_t i = 0; i < n; ++i) g_fwd.mismatches += buf[i] != pattern(g_fwd.bytes_read + i);
      g_fwd.bytes_read += static_cast<uint64_t>(n);
    }
    shadowsel_usleep(1000);  // the last window update has reached the I/O process
    g_fwd.after = snapshot(sim, paths);
    g_fwd.sampled = true;
    g_fwd.eof = shadowsel_recv(fd, buf, sizeof buf, 0);
    shadowsel_close(fd);
    shadowsel_close(lfd);
    // The remote host's pings: its connection is read on this CPU only (forwarding).
    sim.network()->ready();
    const int hfd = shadowsel_accept(hl, nullptr, nullptr);
    if (hfd < 0) return 4;
    if (!serve_pings(hfd, *sim.platform().node(0).net_port(), &g_fwd.latency)) return 5;
    shadowsel_close(hfd);
    shadowsel_close(hl);
    return 0;
  });
  drv::Process& writer = sim.posix(1).start_program("writer", [] {
    wait_until([] { return g_fwd.port != 0; });
    const int fd = connect_to(g_fwd.port);
    if (fd < 0) return 1;
    g_fwd.connected = true;
    wait_until([] { return g_fwd.go; });  // every send is a packet of its own
    static uint8_t buf[kPacket];
    for (int p = 0; p < kFwdPackets; ++p) {
      for (uint32_t i = 0; i < kPacket; ++i) buf[i] = pattern(static_cast<uint64_t>(p) * kPacket + i);
      g_fwd.sends_ok += shadowsel_send(fd, buf, kPacket, 0) == static_cast<ssize_t>(kPacket);
    }
    wait_until([] { return g_fwd.sampled; });
    shadowsel_close(fd);
    return 0;
  });
  if (!finished(sim, "forwarding")) return;
  check_eq(sim.posix(2).program_status(reader.pid()).value_or(-1), 0, "reader's exit status");
  check_eq(sim.posix(1).program_status(writer.pid()).value_or(-1), 0, "writer's exit status");
  const Snapshot& b = g_fwd.before;
  const Snapshot& a = g_fwd.after;
  if (b.empty() || a.empty()) {
    check(false, "forwarding: counters not sampled");
    return;
  }
  const double pushes = delta(b, a, "cpu.2.agent.socket.pushes") + delta(b, a, "cpu.2.agent.socket.pushes_dropped");
  const double updates = delta(b, a, "cpu.0.net_io.window_updates");
  const double other_pushes = delta(b, a, "cpu.0.net_io.pushes") - pushes;
  const double sends = delta(b, a, "cpu.1.agent.socket.ops_forwarded");
  for (const auto& p : paths) counter("phase." + p, delta(b, a, p));
  counter("packets", kFwdPackets);
  counter("packet_bytes", kPacket);
  figure("forwarding_bus_msgs_per_packet", (pushes + updates) / kFwdPackets, "messages/packet");
  latency_figure("forwarding_read_latency_cycles_p50", g_fwd.latency, kPings);

  // End to end, and the accounting's premises.
  check_eq(g_fwd.sends_ok, kFwdPackets, "sends that took the whole packet");
  check_eq(g_fwd.bytes_read, uint64_t{kFwdPackets} * kPacket, "bytes read");
  check_eq(g_fwd.mismatches, 0, "bytes out of order or wrong");
  check_eq(g_fwd.eof, 0, "EOF after the writer's close");
  check_eq(sends, kFwdPackets, "writer's operations in the phase (a send refused for a full window would add some)");
  check_eq(delta(b, a, "cpu.2.agent.socket.push_bytes"), uint64_t{kFwdPackets} * kPacket, "bytes pushed to CPU 2");
  check_eq(delta(b, a, "cpu.0.net_io.held_reads"), 0, "reads served at the I/O process");
  // The reader's CPU asked nothing of the I/O process while reading ...
  check_eq(delta(b, a, "cpu.2.agent.socket.ops_forwarded"), 0, "CPU 2's socket operations while reading");
  check_eq(delta(b, a, "cpu.2.posix.remote_ops"), 0, "CPU 2's remote operations while reading");
  check_eq(delta(b, a, select_counter(sim, 2, "requests_sent")), 0, "CPU 2's subscribes while reading");
  // ... and the only bus packets it sent are the window updates (one fragment each; its
  // messages are the reader's post to its agent and the agent's post on to CPU 0).
  check_eq(delta(b, a, "cpu.2.msg.tx_fragments"), updates, "CPU 2's bus packets = window updates");
  check_eq(delta(b, a, "cpu.2.msg.sent"), 2 * updates, "CPU 2's messages = 2 x window updates");
  // CPU 2's processes took the pushes (agent) and the local window posts (agent).
  check_eq(delta(b, a, "cpu.2.msg.received"), pushes + updates, "messages taken on CPU 2");
  note("forwarding: " + std::to_string(kFwdPackets) + " sends of " + std::to_string(kPacket) + " bytes; " +
       std::to_string(static_cast<uint64_t>(pushes)) + " pushes to the reader's CPU and " +
       std::to_string(static_cast<uint64_t>(updates)) + " window updates from it (one per " +
       std::to_string(drv::kDefaultSocketWindow / drv::kWindowUpdateDivisor) +
       " bytes read); not counted: " + std::to_string(static_cast<uint64_t>(other_pushes)) +
       " push(es) to the writer's CPU and the writer's " + std::to_string(static_cast<uint64_t>(sends)) +
       " send requests and replies");
}

// --- contention mode ------------------------------------------------------------------------

constexpr int kConReads = 64;  // measured reads, both readers together (even)
constexpr int kConPackets = kConReads + 2;  // + one warm-up read per reader
static_assert(uint64_t{kConPackets} * kPacket <= drv::kDefaultSocketWindow, "all sent before any read");

struct Contention {
  int fd = -1;
  uint16_t port = 0;
  bool connected = false, shared = false, sent = false, warm_parent = false, warm_child = false;
  bool go = false, sampled = false, pings_done = false;
  int done_parent = 0, done_child = 0;  // measured reads done
  std::vector<int> seen;  // packet numbers read, in the phase (both readers)
  int bad_reads = 0;
  int out_of_order = 0;
  int host_fd = -1;
  std::vector<uint64_t> latency;
  Snapshot before, after;
};
Contention g_con;

// One read of a whole packet; its number (first 4 bytes) or -1.
int read_packet(int fd) {
  static uint8_t buf[kPacket];
  const ssize_t n = shadowsel_recv(fd, buf, kPacket, 0);
  if (n != static_cast<ssize_t>(kPacket)) return -1;
  uint32_t p = 0;
  std::memcpy(&p, buf, sizeof p);
  return static_cast<int>(p);
}

void measured_reads(int fd, int* done, int quota) {
  int last = -1;
  for (int i = 0; i < quota; ++i) {
    const int p = read_packet(fd);
    if (p < 0) {
      ++g_con.bad_reads;
    } else {
      g_con.out_of_order += p <= last;
      last = p;
      g_con.seen.push_back(p);
    }
    ++*done;
  }
}

int contention_child(void*) {  // CPU 2: inherits the connection
  wait_until([] { return g_con.warm_parent; });
  if (read_packet(g_con.fd) < 0) return 1;  // warm-up
  g_con.warm_child = true;
  wait_until([] { return g_con.go; });
  measured_reads(g_con.fd, &g_con.done_child, kConReads / 2);
  wait_until([] { return g_con.pings_done; });
  shadowsel_close(g_con.fd);
  shadowsel_close(g_con.host_fd);
  return 0;
}

void run_contention() {
  g_con = Contention{};
  tb::Simulation sim(ping_scenario(4));
  sim.network()->hold();
  std::vector<std::string> paths = {"cpu.0.net_io.ops", "cpu.0.net_io.held_reads", "cpu.0.net_io.pushes",
                                    "cpu.0.net_io.answers_sent", "cpu.0.net_io.notifications_sent",
                                    "cpu.0.msg.sent"};
  for (uint32_t c : {1u, 2u}) {
    for (const char* w : {"agent.socket.ops_forwarded", "msg.tx_fragments", "msg.sent", "posix.remote_ops"}) {
      paths.push_back(cpu_prefix(c) + w);
    }
    for (const char* w : {"requests_sent", "answers_received", "notifications_received"}) {
      paths.push_back(select_counter(sim, c, w));
    }
  }
  drv::Process& parent = sim.posix(1).start_program("parent", [&sim, &paths] {
    uint16_t port = 0;
    const int lfd = listen_on(0, false, &port);
    if (lfd < 0) return 1;
    g_con.port = port;
    wait_until([] { return g_con.connected; });
    g_con.fd = shadowsel_accept(lfd, nullptr, nullptr);
    if (g_con.fd < 0) return 2;
    shadowsel_close(lfd);
    // The remote host's connection, accepted before the spawn so that it is shared too.
    uint16_t ping_port = 0;
    const int hl = listen_on(kPingPort, false, &ping_port, 4, INADDR_ANY);
    if (hl < 0) return 2;
    sim.network()->ready();
    g_con.host_fd = shadowsel_accept(hl, nullptr, nullptr);
    if (g_con.host_fd < 0) return 2;
    shadowsel_close(hl);
    // The child inherits the connections: a reader on a second CPU (contention mode).
    const pid_t child = shadowsel_spawn(2, &contention_child, nullptr);
    if (child <= 0) return 3;
    shadowsel_usleep(1000);  // the switch (reclaim and return) is over
    g_con.shared = true;
    wait_until([] { return g_con.sent; });
    // Warm-up: one read per CPU (the first read at the real socket also sends the
    // writer's socket its first state), outside the measured phase.
    if (read_packet(g_con.fd) < 0) return 4;
    g_con.warm_parent = true;
    wait_until([] { return g_con.warm_child; });
    shadowsel_usleep(1000);
    g_con.before = snapshot(sim, paths);
    g_con.go = true;
    measured_reads(g_con.fd, &g_con.done_parent, kConReads / 2);
    wait_until([] { return g_con.done_child == kConReads / 2; });
    shadowsel_usleep(1000);
    g_con.after = snapshot(sim, paths);
    g_con.sampled = true;
    // Pings: this reader sleeps in recv() on the host's connection (the child does not read).
    if (!serve_pings(g_con.host_fd, *sim.platform().node(0).net_port(), &g_con.latency)) return 5;
    g_con.pings_done = true;
    int st = -1;
    if (shadowsel_waitpid(child, &st, 0) != child || st != 0) return 6;
    shadowsel_close(g_con.fd);
    shadowsel_close(g_con.host_fd);
    return 0;
  });
  drv::Process& writer = sim.posix(3).start_program("writer", [] {
    wait_until([] { return g_con.port != 0; });
    const int fd = connect_to(g_con.port);
    if (fd < 0) return 1;
    g_con.connected = true;
    wait_until([] { return g_con.shared; });
    static uint8_t buf[kPacket];
    for (int p = 0; p < kConPackets; ++p) {
      // Packet numbers: the two warm-up reads take 0 and 1, the measured reads 2..R+1.
      const uint32_t number = static_cast<uint32_t>(p);
      std::memset(buf, 0, sizeof buf);
      std::memcpy(buf, &number, sizeof number);
      if (shadowsel_send(fd, buf, kPacket, 0) != static_cast<ssize_t>(kPacket)) return 2;
    }
    g_con.sent = true;
    wait_until([] { return g_con.pings_done; });
    shadowsel_close(fd);
    return 0;
  });
  if (!finished(sim, "contention")) return;
  check_eq(sim.posix(1).program_status(parent.pid()).value_or(-1), 0, "parent's exit status");
  check_eq(sim.posix(3).program_status(writer.pid()).value_or(-1), 0, "writer's exit status");
  const Snapshot& b = g_con.before;
  const Snapshot& a = g_con.after;
  if (b.empty() || a.empty()) {
    check(false, "contention: counters not sampled");
    return;
  }
  for (const auto& p : paths) counter("phase." + p, delta(b, a, p));
  const double reads = g_con.done_parent + g_con.done_child;
  double requests = 0, select_msgs = 0;
  for (uint32_t c : {1u, 2u}) {
    requests += delta(b, a, cpu_prefix(c) + "agent.socket.ops_forwarded");
    for (const char* w : {"requests_sent", "answers_received", "notifications_received"}) {
      select_msgs += delta(b, a, select_counter(sim, c, w));
    }
  }
  const double replies = delta(b, a, "cpu.0.net_io.ops");  // every operation served is answered once
  counter("reads", reads);
  counter("requests", requests);
  counter("replies", replies);
  counter("select_messages", select_msgs);
  figure("contention_bus_msgs_per_read", (requests + replies + select_msgs) / reads, "messages/read");
  latency_figure("contention_read_latency_cycles_p50", g_con.latency, kPings);

  check_eq(reads, kConReads, "measured reads");
  check_eq(g_con.bad_reads, 0, "reads that did not return one whole packet");
  check_eq(g_con.out_of_order, 0, "packets a reader got out of order");
  std::vector<int> seen = g_con.seen;
  std::sort(seen.begin(), seen.end());
  std::vector<int> want(kConReads);
  for (int i = 0; i < kConReads; ++i) want[i] = i + 2;
  check(seen == want, "every packet read exactly once");
  check_eq(delta(b, a, "cpu.0.net_io.held_reads"), reads, "reads served at the real socket");
  check_eq(delta(b, a, "cpu.0.net_io.pushes"), 0, "pushes in contention mode");
  // Both connections (the writer's and the remote host's) are read on two CPUs.
  check_eq(stat(sim, "cpu.0.net_io.to_contention"), 2, "switches to contention mode");
  // Bus-level cross-checks: every request is one packet from a reader CPU, and the I/O
  // CPU sent nothing but the replies.
  check_eq(delta(b, a, "cpu.1.msg.tx_fragments") + delta(b, a, "cpu.2.msg.tx_fragments"), requests,
           "reader CPUs' bus packets = requests");
  check_eq(delta(b, a, "cpu.0.msg.sent"), replies, "I/O CPU's messages = replies");
  note("contention: " + std::to_string(static_cast<int>(reads)) + " reads of " + std::to_string(kPacket) +
       " bytes on CPUs 1 and 2 (" + std::to_string(g_con.done_parent) + " + " + std::to_string(g_con.done_child) +
       "), all data at the real socket before the first read: " + std::to_string(static_cast<int>(requests)) +
       " requests, " + std::to_string(static_cast<int>(replies)) + " replies, " +
       std::to_string(static_cast<int>(select_msgs)) + " readiness messages");
}

// --- 64 waiters on one listening socket ------------------------------------------------------

constexpr int kWaiters = 64;
constexpr int kEvents = 10;

struct Listeners {
  int lfd = -1;
  uint16_t port = 0;
  int entered = 0;
  int woken[kEvents] = {};
  int bad = 0, accepted = 0, accept_fail = 0, connect_fail = 0, children_ok = 0;
};
Listeners g_lis;

int waiter_child(void*) {  // CPU 2
  for (int e = 0; e < kEvents; ++e) {
    wait_until([e] { return g_lis.accepted == e; });
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

int connector(void*) {  // CPU 3
  for (int e = 0; e < kEvents; ++e) {
    wait_until([e] { return g_lis.entered == kWaiters * (e + 1); });
    shadowsel_usleep(2000);  // every select is asleep
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

void run_select64() {
  g_lis = Listeners{};
  tb::Simulation sim(scenario(4));
  drv::Process& parent = sim.posix(1).start_program("parent", [] {
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
      const int fd = shadowsel_accept(g_lis.lfd, nullptr, nullptr);
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
  if (!finished(sim, "select64")) return;
  check_eq(sim.posix(1).program_status(parent.pid()).value_or(-1), 0, "parent's exit status");
  const double sent = stat(sim, select_counter(sim, 2, "requests_sent"));
  const double suppressed = stat(sim, select_counter(sim, 2, "requests_suppressed"));
  const double woken = stat(sim, select_counter(sim, 2, "waiters_woken"));
  const double events = stat(sim, "cpu.0.net_io.connections");
  counter("waiters", kWaiters);
  counter("events", events);
  counter("requests_sent", sent);
  counter("requests_suppressed", suppressed);
  counter("waiters_woken", woken);
  counter("cpu.2.msg.tx_fragments", stat(sim, "cpu.2.msg.tx_fragments"));
  figure("socket_bus_requests_per_event_w64", sent / kEvents, "requests/event");
  check_eq(events, kEvents, "connections (readiness events)");
  check_eq(g_lis.children_ok, kWaiters, "waiters that exited 0");
  check_eq(g_lis.bad + g_lis.accept_fail + g_lis.connect_fail, 0, "failed selects, accepts, connects");
  for (int e = 0; e < kEvents; ++e) check_eq(g_lis.woken[e], kWaiters, "waiters woken by event " + std::to_string(e));
  check_eq(woken, uint64_t{kWaiters} * kEvents, "ready records linked on CPU 2");
  note("select64: " + std::to_string(kWaiters) + " waiters on CPU 2, " + std::to_string(kEvents) +
       " connections: " + std::to_string(static_cast<uint64_t>(sent)) + " subscribes sent, " +
       std::to_string(static_cast<uint64_t>(suppressed)) + " suppressed (" +
       (engine_path() ? "notify engine driver" : "socket agent") + ")");
}

// --- SO_REUSEPORT round-robin ----------------------------------------------------------------

constexpr int kListenerCpus = 4;
constexpr int kConnections = 40;
constexpr uint32_t kClientCpu = 5;

struct RoundRobin {
  int stop[2] = {-1, -1};
  uint16_t port = 0;
  int listening = 0, total = 0, failures = 0;
  int got[kListenerCpus] = {};
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
      ++g_rr.got[k];
      ++g_rr.total;
      shadowsel_close(fd);
      continue;
    }
    if (p[1].revents & POLLHUP) break;
  }
  shadowsel_close(lfd);
  return 0;
}

void run_reuseport() {
  g_rr = RoundRobin{};
  tb::Simulation sim(scenario(8));
  drv::Process& client = sim.posix(kClientCpu).start_program("client", [] {
    if (shadowsel_pipe(g_rr.stop) != 0) return 1;
    std::vector<pid_t> pids;
    for (int k = 0; k < kListenerCpus; ++k) {
      const pid_t pid = shadowsel_spawn(1 + k, &rr_listener, reinterpret_cast<void*>(intptr_t{k}));
      if (pid <= 0) return 2;
      pids.push_back(pid);
    }
    wait_until([] { return g_rr.listening == kListenerCpus; });
    std::vector<int> fds;
    for (int i = 0; i < kConnections; ++i) {
      const int fd = connect_to(g_rr.port);
      if (fd < 0) {
        ++g_rr.failures;
        continue;
      }
      fds.push_back(fd);
    }
    wait_until([] { return g_rr.total == kConnections; });
    shadowsel_close(g_rr.stop[1]);
    for (pid_t pid : pids) {
      int st = -1;
      if (shadowsel_waitpid(pid, &st, 0) != pid || st != 0) ++g_rr.failures;
    }
    for (int fd : fds) shadowsel_close(fd);
    return 0;
  });
  if (!finished(sim, "reuseport")) return;
  check_eq(sim.posix(kClientCpu).program_status(client.pid()).value_or(-1), 0, "client's exit status");
  check_eq(g_rr.failures, 0, "failed connects or listeners");
  check_eq(g_rr.total, kConnections, "connections accepted");
  check_eq(stat(sim, "cpu.0.net_io.connections"), kConnections, "connections made at the I/O process");
  json per = json::array();
  int lo = g_rr.got[0], hi = g_rr.got[0];
  for (int k = 0; k < kListenerCpus; ++k) {
    per.push_back(g_rr.got[k]);
    lo = std::min(lo, g_rr.got[k]);
    hi = std::max(hi, g_rr.got[k]);
  }
  g_out["counters"]["accepted_per_listener"] = per;
  counter("listeners", kListenerCpus);
  counter("connections", kConnections);
  if (lo == 0) {
    check(false, "a listener got no connection");
    return;
  }
  figure("rr_spread_max_over_min", static_cast<double>(hi) / lo, "ratio");
  note("reuseport: connections per listener on CPUs 1..4: " + per.dump());
}

// --- one stream's throughput -----------------------------------------------------------------

constexpr uint64_t kStreamBytes = 1u << 20;
constexpr uint32_t kChunk = 65536;

struct Stream {
  uint16_t port = 0;
  bool connected = false, go = false;
  uint64_t first_send_at = 0, last_read_at = 0, bytes_read = 0, mismatches = 0, sent = 0;
};
Stream g_st;

void run_stream() {
  g_st = Stream{};
  tb::Simulation sim(scenario(3));
  drv::Process& reader = sim.posix(2).start_program("reader", [] {
    uint16_t port = 0;
    const int lfd = listen_on(0, false, &port);
    if (lfd < 0) return 1;
    g_st.port = port;
    wait_until([] { return g_st.connected; });
    const int fd = shadowsel_accept(lfd, nullptr, nullptr);
    if (fd < 0) return 2;
    shadowsel_usleep(1000);
    g_st.go = true;
    static uint8_t buf[kChunk];
    while (g_st.bytes_read < kStreamBytes) {
      const ssize_t n = shadowsel_recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return 3;
      for (ssize_t i = 0; i < n; ++i) g_st.mismatches += buf[i] != pattern(g_st.bytes_read + i);
      g_st.bytes_read += static_cast<uint64_t>(n);
    }
    g_st.last_read_at = hw::now_cycles();
    if (shadowsel_recv(fd, buf, sizeof buf, 0) != 0) return 4;  // EOF
    shadowsel_close(fd);
    shadowsel_close(lfd);
    return 0;
  });
  drv::Process& writer = sim.posix(1).start_program("writer", [] {
    wait_until([] { return g_st.port != 0; });
    const int fd = connect_to(g_st.port);
    if (fd < 0) return 1;
    g_st.connected = true;
    wait_until([] { return g_st.go; });
    static uint8_t buf[kChunk];
    g_st.first_send_at = hw::now_cycles();
    while (g_st.sent < kStreamBytes) {
      for (uint32_t i = 0; i < kChunk; ++i) buf[i] = pattern(g_st.sent + i);
      const ssize_t n = shadowsel_send(fd, buf, kChunk, 0);
      if (n != static_cast<ssize_t>(kChunk)) return 2;
      g_st.sent += static_cast<uint64_t>(n);
    }
    shadowsel_close(fd);
    return 0;
  });
  if (!finished(sim, "stream")) return;
  check_eq(sim.posix(2).program_status(reader.pid()).value_or(-1), 0, "reader's exit status");
  check_eq(sim.posix(1).program_status(writer.pid()).value_or(-1), 0, "writer's exit status");
  check_eq(g_st.bytes_read, kStreamBytes, "bytes read");
  check_eq(g_st.mismatches, 0, "bytes out of order or wrong");
  const double mhz = stat(sim, "sim.freq_mhz");
  const hw::BusParams& bus = sim.scenario().machine.bus;
  const uint64_t cycles = g_st.last_read_at - g_st.first_send_at;
  check(cycles > 0, "stream: no simulated time passed");
  const double seconds = static_cast<double>(cycles) / (mhz * 1e6);
  counter("bytes", static_cast<double>(kStreamBytes));
  counter("cycles", static_cast<double>(cycles));
  counter("freq_mhz", mhz);
  counter("bus.width_bytes", bus.width_bytes);
  counter("bus.arb_cycles", bus.arb_cycles);
  counter("bus.max_payload_bytes", bus.max_payload_bytes);
  for (const char* l : {"X", "Y"}) {
    counter(std::string("bus.") + l + ".transfers", stat(sim, std::string("bus.") + l + ".transfers"));
    counter(std::string("bus.") + l + ".bytes", stat(sim, std::string("bus.") + l + ".bytes"));
  }
  counter("bus.X.refused", stat(sim, "bus.X.refused"));
  counter("bus.Y.refused", stat(sim, "bus.Y.refused"));
  for (uint32_t c = 0; c < 3; ++c) {
    for (const char* w : {"msg.tx_fragments", "msg.rx_fragments", "msg.bytes_sent"}) {
      counter(cpu_prefix(c) + w, stat(sim, cpu_prefix(c) + w));
    }
  }
  counter("cpu.0.net_io.pushes", stat(sim, "cpu.0.net_io.pushes"));
  counter("cpu.0.net_io.window_updates", stat(sim, "cpu.0.net_io.window_updates"));
  figure("tcp_stream_mbytes_per_s_sim", cycles ? static_cast<double>(kStreamBytes) / seconds / 1e6 : 0, "MB/s");
  // One lane's raw bandwidth: width_bytes per bus cycle at the run's clock (the same
  // on every notify path: printed once, beside the sw figure).
  if (g_suffix.empty()) figure("bus_lane_mbytes_per_s_sim", bus.width_bytes * mhz, "MB/s");
  double busy = 0;
  for (const char* l : {"X", "Y"}) {
    const double c = stat(sim, std::string("bus.") + l + ".busy_cycles") + stat(sim, std::string("bus.") + l + ".arb_cycles");
    counter(std::string("bus.") + l + ".held_cycles", c);
    busy += c;
  }
  char buf[320];
  std::snprintf(buf, sizeof buf,
                "stream: %llu bytes in %u-byte send()s, %llu cycles at %.0f MHz; the data crosses the bus "
                "twice (writer's CPU -> I/O CPU -> reader's CPU); both lanes together were held %.1f %% of "
                "the run's %llu cycles",
                (unsigned long long)kStreamBytes, kChunk, (unsigned long long)cycles, mhz,
                100.0 * busy / std::max(1.0, stat(sim, "sim.cycles")), (unsigned long long)stat(sim, "sim.cycles"));
  note(buf);
}

// --- takeover: the network I/O process pair (docs/faults.md, "Process pair") ---------

struct Takeover {
  uint16_t port = 0;
  uint64_t accepted_at = 0;
  int failures = 0;
};
Takeover g_to;
constexpr uint64_t kTakeoverHaltAt = 300000;

void run_takeover() {
  g_to = Takeover{};
  tb::Scenario s = scenario(4);
  s.network.io_backup_cpu = 1;
  tb::Fault f;
  f.kind = tb::FaultKind::kCpuHalt;
  f.at_cycle = kTakeoverHaltAt;
  f.cpu = 0;
  f.where = "socket_bench";
  s.faults.push_back(f);
  tb::Simulation sim(s);
  drv::Process& server = sim.posix(2).start_program("server", [] {
    const int lfd = listen_on(0, false, &g_to.port);
    if (lfd < 0) return 1;
    const int fd = shadowsel_accept(lfd, nullptr, nullptr);  // blocked across the takeover
    if (fd < 0) return 2;
    g_to.accepted_at = hw::now_cycles();
    return 0;
  });
  drv::Process& client = sim.posix(3).start_program("client", [] {
    // Connects as soon as the primary is gone: its socket() and connect() wait for the
    // takeover (held by the socket agent), so the accept is the first the backup can do.
    wait_until([] { return g_to.port != 0 && hw::now_cycles() > kTakeoverHaltAt; });
    return connect_to(g_to.port) < 0 ? 1 : 0;
  });
  if (!finished(sim, "takeover")) return;
  check_eq(sim.posix(2).program_status(server.pid()).value_or(-1), 0, "server's exit status");
  check_eq(sim.posix(3).program_status(client.pid()).value_or(-1), 0, "client's exit status");
  check(sim.kernel(0).halted(), "takeover: CPU 0 did not halt");
  check_eq(stat(sim, "cpu.1.net_io.takeovers"), 1, "takeovers on CPU 1");
  check_eq(stat(sim, "cpu.1.net_io.connections"), 1, "connections made by the backup");
  const uint64_t takeover_at = static_cast<uint64_t>(stat(sim, "cpu.1.net_io.takeover_at"));
  check(g_to.accepted_at > takeover_at && takeover_at > kTakeoverHaltAt, "takeover: accepted before the takeover");
  counter("halt_at", static_cast<double>(kTakeoverHaltAt));
  counter("declared_at_cpu1", static_cast<double>(sim.kernel(1).membership().declared_at(0)));
  counter("takeover_at", static_cast<double>(takeover_at));
  counter("accepted_at", static_cast<double>(g_to.accepted_at));
  const hw::LivenessParams& live = sim.scenario().machine.liveness;
  counter("liveness.period_cycles", static_cast<double>(live.period_cycles));
  counter("liveness.missed_periods", live.missed_periods);
  figure("takeover_cycles_io_primary", static_cast<double>(g_to.accepted_at - kTakeoverHaltAt), "cycles");
  char buf[320];
  std::snprintf(buf, sizeof buf,
                "takeover (%s): CPU 0 halted at %llu, CPU 1 declared it down at %llu (default [liveness]: "
                "I'm-alive every %llu cycles, suspected after %u silent periods), took over at %llu, accepted the "
                "first connection at %llu",
                tb::to_string(g_path), (unsigned long long)kTakeoverHaltAt,
                (unsigned long long)sim.kernel(1).membership().declared_at(0), (unsigned long long)live.period_cycles,
                live.missed_periods, (unsigned long long)takeover_at,
                (unsigned long long)g_to.accepted_at);
  note(buf);
}

int usage() {
  std::fprintf(stderr, "usage: socket_bench forwarding|contention|select64|reuseport|stream|takeover [--notify sw|rtl]\n");
  return 2;
}

}  // namespace
}  // namespace shadowsel::bench

int sc_main(int argc, char* argv[]) {
  using namespace shadowsel;
  using namespace shadowsel::bench;
  if (argc < 2) return usage();
  const std::string which = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--notify" && i + 1 < argc) {
      const std::string p = argv[++i];
      if (p == "sw") {
        g_path = tb::NotifyPath::kSw;
      } else if (p == "rtl") {
        g_path = tb::NotifyPath::kRtl;
      } else {
        return usage();
      }
    } else {
      return usage();
    }
  }
  g_suffix = g_path == tb::NotifyPath::kSw ? std::string() : "_" + std::string(tb::to_string(g_path));
  g_out["case"] = which;
  g_out["notify"] = tb::to_string(g_path);
  g_out["figures"] = json::object();
  g_out["counters"] = json::object();
  g_out["notes"] = json::array();
  g_out["errors"] = json::array();
  try {
    if (which == "forwarding") {
      run_forwarding();
    } else if (which == "contention") {
      run_contention();
    } else if (which == "select64") {
      run_select64();
    } else if (which == "reuseport") {
      run_reuseport();
    } else if (which == "stream") {
      run_stream();
    } else if (which == "takeover") {
      run_takeover();
    } else {
      return usage();
    }
  } catch (const std::exception& e) {
    check(false, std::string("exception: ") + e.what());
  }
  std::printf("%s\n", g_out.dump().c_str());
  std::fflush(stdout);
  return g_out["errors"].empty() ? 0 : 1;
}
