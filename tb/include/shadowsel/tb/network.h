// SPDX-License-Identifier: MIT
// The testbench network (docs/network.md): H remote hosts and the link that joins
// them to the network port of the first I/O node. The link is full duplex; each
// direction sends one frame at a time, in order, at its bandwidth (payload plus
// NetFrame::kWireOverhead bytes), and a frame arrives `link_latency_ns` after its
// last bit left. Nothing is lost or reordered on it.
//
// Each host is a client of a service on the machine: over TCP it connects to
// `hosts.port`, sends `hosts.messages` requests (sizes and bytes from
// request_pattern.h) no faster than one per `interval_cycles` and with at most
// `outstanding` unanswered, and checks every byte that comes back; over UDP it sends
// that many datagrams and checks each echo. It counts what it sent and received and
// the round trip of each request, from its first byte handed to the link to its
// reply's last byte back. A run lasts until every host is done.
#pragma once

#include <systemc>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "shadowsel/hw/net_port.h"
#include "shadowsel/sim/stats.h"
#include "shadowsel/tb/scenario.h"

namespace shadowsel::tb {

/// What the service answers, so that a host can check it (set by the workload).
enum class HostService {
  kInverted,  ///< a 4-byte hello (the host's index) unanswered, then each request's bytes inverted
  kEcho,      ///< every byte (TCP: hello included) or datagram back as sent
};

struct NetworkCounters {
  uint64_t to_node_frames = 0, to_node_bytes = 0;    ///< on the link towards the I/O node (payload)
  uint64_t to_hosts_frames = 0, to_hosts_bytes = 0;  ///< on the link towards the hosts
  uint64_t to_node_busy_cycles = 0, to_hosts_busy_cycles = 0;  ///< cycles each direction was sending
  uint64_t requests_sent = 0;      ///< requests (datagrams) the hosts sent
  uint64_t replies_received = 0;   ///< replies (echoed datagrams) checked complete
  uint64_t bytes_sent = 0;         ///< request bytes (TCP: hellos included)
  uint64_t bytes_received = 0;     ///< reply bytes checked
  uint64_t connect_failures = 0;   ///< hosts whose connection was refused or never answered
  uint64_t datagrams_lost = 0;     ///< UDP: datagrams whose echo never came back
  uint64_t hosts_done = 0;
};

class Network : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Network);
  /// Joins `port` to H = s.hosts.count hosts. `busy(+1/-1)` counts hosts not yet done
  /// (the run waits for them); `fail(what)` ends the run with a host's error.
  Network(sc_core::sc_module_name name, const Scenario& s, hw::NetPort& port, HostService service,
          std::function<void(int)> busy, std::function<void(const std::string&)> fail);
  ~Network() override;

  /// The hosts wait for ready() instead of starting at `hosts.start_cycles` (a
  /// workload whose service must listen first).
  void hold();
  /// The service listens: the hosts start now, or at `hosts.start_cycles` if later.
  void ready();

  const NetworkCounters& counters() const { return c_; }
  const sim::Distribution& round_trips() const { return rtt_; }
  /// Nothing scheduled on the link or by the hosts (for the end-of-run rule).
  bool idle() const { return agenda_.empty(); }
  void register_stats(sim::Stats& s) const;
  /// The hosts not done, in a few words, for a stall report; "" when all are.
  std::string unfinished() const;

  /// Cycles a frame of `wire_bytes` occupies one direction of the link.
  uint64_t wire_cycles(uint64_t wire_bytes) const;
  uint64_t latency_cycles() const { return latency_; }

 private:
  struct Host;
  /// Runs `what` at cycle `at` (not before now), after everything scheduled earlier for it.
  void at(uint64_t cycle, std::function<void()> what);
  void run_due();
  /// Puts `f` on one direction of the link; it arrives at the other end later.
  void send(bool to_node, hw::NetFrame f);
  void to_host(const hw::NetFrame& f);

  // The host's side of TCP and UDP.
  void start_all();
  void start(Host& h);
  void send_syn(Host& h);
  void on_frame(Host& h, const hw::NetFrame& f);
  void queue_requests(Host& h);
  void wait_for_link(Host& h);
  void serve_link_waiters();
  void push(Host& h);
  void ack(Host& h);
  void check(Host& h, const std::vector<uint8_t>& bytes);
  void check_datagram(Host& h, const hw::NetFrame& f);
  void done(Host& h);
  void fail(Host& h, const std::string& what);
  uint32_t size_of(const Host& h, uint32_t r) const;
  hw::NetFrame frame(const Host& h, hw::NetFrame::Kind k) const;

  const HostParams p_;
  const uint64_t seed_;
  const HostService service_;
  hw::NetPort& port_;
  std::function<void(int)> busy_;
  std::function<void(const std::string&)> fail_;
  uint64_t hz_ = 0;
  uint64_t bits_per_s_ = 0;
  uint64_t latency_ = 0;
  bool held_ = false, started_ = false;
  uint64_t free_at_[2] = {0, 0};  ///< [to_node]: cycle each direction is free again
  std::vector<std::unique_ptr<Host>> hosts_;
  std::deque<Host*> link_waiters_;  ///< UDP hosts with a datagram due, in turn for the link
  bool link_serving_ = false;       ///< the first of link_waiters_ is called when the link frees
  std::multimap<uint64_t, std::function<void()>> agenda_;
  sc_core::sc_event due_;
  NetworkCounters c_;
  sim::Distribution rtt_;
};

}  // namespace shadowsel::tb
