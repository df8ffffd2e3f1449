// SPDX-License-Identifier: MIT
#include "shadowsel/tb/network.h"

#include <algorithm>
#include <deque>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "shadowsel/hw/clock.h"
#include "shadowsel/hw/time.h"
#include "shadowsel/tb/request_pattern.h"

namespace shadowsel::tb {

using Kind = hw::NetFrame::Kind;

namespace {
constexpr uint32_t kHostWindow = 65535;    // a host's receive window (it reads at once)
constexpr uint32_t kFirstHostPort = 40000; // host h connects from port kFirstHostPort + h
constexpr uint32_t kSynRetries = 6;        // as the machine's own connect (tcp_syn_retries)
std::string dotted(uint32_t a) {
  return fmt::format("{}.{}.{}.{}", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

// What a TCP host has yet to send, as its pieces (the hello, then requests), whose bytes
// are made only when a segment takes them: `outstanding` requests of `bytes` each (up
// to 10^6 x 1 MiB) would not fit in memory as bytes, while the window lets only a few
// segments go at once.
class SendQueue {
 public:
  /// The hello: the host's index, little-endian, so that the server knows whose requests it reads.
  void hello(uint32_t index) { add(Piece{index, 4, 0, true}); }
  void request(uint32_t r, uint32_t n) { add(Piece{r, n, 0, false}); }
  bool empty() const { return bytes_ == 0; }
  uint64_t size() const { return bytes_; }
  /// Appends the first `len` bytes (at most size()) to `into` and drops them.
  void take(uint64_t len, uint32_t host, std::vector<uint8_t>& into) {
    bytes_ -= len;
    while (len > 0) {
      Piece& p = pieces_.front();
      const uint32_t k = static_cast<uint32_t>(std::min<uint64_t>(len, p.n - p.off));
      for (uint32_t i = p.off; i < p.off + k; ++i)
        into.push_back(p.hello ? static_cast<uint8_t>(p.r >> (8 * i)) : request_byte(host, p.r, i));
      p.off += k;
      len -= k;
      if (p.off == p.n) pieces_.pop_front();
    }
  }

 private:
  struct Piece {
    uint32_t r, n, off;  ///< request (the host's index for the hello), its bytes, bytes already taken
    bool hello;
  };
  void add(Piece p) {
    bytes_ += p.n;
    pieces_.push_back(p);
  }
  std::deque<Piece> pieces_;
  uint64_t bytes_ = 0;
};
}  // namespace

struct Network::Host {
  enum class State { kIdle, kSynSent, kOpen, kDone };
  uint32_t index = 0;
  uint32_t addr = 0;
  uint32_t port = 0;
  State state = State::kIdle;
  uint32_t syn_tries = 0;
  uint64_t opened_at = 0;
  // TCP, sending: what is queued, what went, what the node acknowledged and allows.
  SendQueue out;
  uint64_t tx_total = 0, peer_ack = 0;
  uint32_t peer_window = 0;
  // TCP, receiving.
  uint64_t rx_total = 0, acked = 0;
  bool ack_pending = false;
  bool fin_sent = false, fin_received = false;
  // Requests (datagrams): queued so far, replies complete, where the check is.
  uint32_t queued = 0, replies = 0;
  // Requests sent and not yet answered, with their cycle of sending: what is in flight,
  // not a slot per message of the run (hosts.count x hosts.messages of them would not
  // fit in memory at the sizes the scenario allows). UDP: an echo of a request not here
  // was never sent or came back already.
  std::unordered_map<uint32_t, uint64_t> in_flight;
  bool waits_for_link = false;  ///< UDP: in link_waiters_, for the link to be free
  uint32_t expect_seg = 0, expect_off = 0;
};

Network::Network(sc_core::sc_module_name name, const Scenario& s, hw::NetPort& port, HostService service,
                 std::function<void(int)> busy, std::function<void(const std::string&)> fail)
    : sc_module(name),
      p_(s.hosts),
      seed_(s.machine.seed),
      service_(service),
      port_(port),
      busy_(std::move(busy)),
      fail_(std::move(fail)) {
  const auto hz = hw::hz_from_mhz(s.machine.freq_mhz);
  if (!hz) throw std::invalid_argument("network: the clock is not a whole number of Hz");
  hz_ = *hz;
  bits_per_s_ = s.network.link_mbit_per_s * 1000000;
  // A delay is never shorter than asked: rounded up to whole cycles.
  latency_ = static_cast<uint64_t>((static_cast<unsigned __int128>(s.network.link_latency_ns) * hz_ + 999999999) /
                                   1000000000);
  port_.connect([this](hw::NetFrame f) { send(false, std::move(f)); });
  SC_METHOD(run_due);
  sensitive << due_;
  dont_initialize();
  for (uint32_t i = 0; i < p_.count; ++i) {
    auto h = std::make_unique<Host>();
    h->index = i;
    h->addr = hw::kFirstHostAddr + i;
    h->port = kFirstHostPort + i;
    hosts_.push_back(std::move(h));
    busy_(+1);
  }
  at(p_.start_cycles, [this] {
    if (!held_) start_all();
  });
}

void Network::hold() { held_ = true; }

void Network::ready() {
  held_ = false;
  at(p_.start_cycles, [this] { start_all(); });
}

void Network::start_all() {
  if (started_) return;
  started_ = true;
  for (const auto& h : hosts_) start(*h);
}

Network::~Network() = default;

uint64_t Network::wire_cycles(uint64_t wire_bytes) const {
  const unsigned __int128 bits = static_cast<unsigned __int128>(wire_bytes) * 8 * hz_;
  return static_cast<uint64_t>((bits + bits_per_s_ - 1) / bits_per_s_);
}

void Network::at(uint64_t cycle, std::function<void()> what) {
  const uint64_t now = hw::now_cycles();
  cycle = std::max(cycle, now);
  agenda_.emplace(cycle, std::move(what));
  // An earlier pending notification wins, so the earliest entry is always due.
  due_.notify(hw::cycles(agenda_.begin()->first - now));
}

void Network::run_due() {
  const uint64_t now = hw::now_cycles();
  while (!agenda_.empty() && agenda_.begin()->first <= now) {
    auto what = std::move(agenda_.begin()->second);
    agenda_.erase(agenda_.begin());
    what();
  }
  if (!agenda_.empty()) due_.notify(hw::cycles(agenda_.begin()->first - now));
}

void Network::send(bool to_node, hw::NetFrame f) {
  const int dir = to_node ? 0 : 1;
  const uint64_t start = std::max(hw::now_cycles(), free_at_[dir]);
  const uint64_t busy = wire_cycles(f.wire_bytes());
  free_at_[dir] = start + busy;
  if (to_node) {
    ++c_.to_node_frames;
    c_.to_node_bytes += f.payload.size();
    c_.to_node_busy_cycles += busy;
  } else {
    ++c_.to_hosts_frames;
    c_.to_hosts_bytes += f.payload.size();
    c_.to_hosts_busy_cycles += busy;
  }
  at(free_at_[dir] + latency_, [this, to_node, f = std::move(f)]() mutable {
    if (to_node) {
      port_.receive(std::move(f));
    } else {
      to_host(f);
    }
  });
}

hw::NetFrame Network::frame(const Host& h, Kind k) const {
  hw::NetFrame f;
  f.kind = k;
  f.src_addr = h.addr;
  f.src_port = h.port;
  f.dst_addr = hw::kNodeAddr;
  f.dst_port = p_.port;
  f.ack = h.rx_total;
  f.window = kHostWindow;
  return f;
}

uint32_t Network::size_of(const Host& h, uint32_t r) const {
  return request_size(seed_, h.index, r, p_.bytes, p_.bytes_max);
}

void Network::to_host(const hw::NetFrame& f) {
  const uint64_t i = uint64_t{f.dst_addr} - hw::kFirstHostAddr;
  Host* h = f.dst_addr >= hw::kFirstHostAddr && i < hosts_.size() ? hosts_[i].get() : nullptr;
  if (!h) {
    // No host has the address: the link's router answers a SYN with host unreachable.
    if (f.kind == Kind::kSyn) {
      hw::NetFrame u;
      u.kind = Kind::kUnreachable;
      u.src_addr = f.dst_addr;
      u.src_port = f.dst_port;
      u.dst_addr = f.src_addr;
      u.dst_port = f.src_port;
      send(true, std::move(u));
    }
    return;
  }
  if (f.dst_port != h->port || f.kind == Kind::kSyn) {
    // Hosts listen nowhere: a connection to them, or to another of their ports, is refused.
    if (f.kind != Kind::kRst && f.kind != Kind::kUdp) {
      hw::NetFrame r = frame(*h, Kind::kRst);
      r.src_port = f.dst_port;
      r.dst_port = f.src_port;
      send(true, std::move(r));
    }
    return;
  }
  on_frame(*h, f);
}

// --- a host ----------------------------------------------------------------------------------

void Network::start(Host& h) {
  h.opened_at = hw::now_cycles();
  if (p_.protocol == "udp") {
    h.state = Host::State::kOpen;
    queue_requests(h);
    return;
  }
  h.state = Host::State::kSynSent;
  send_syn(h);
}

void Network::send_syn(Host& h) {
  send(true, frame(h, Kind::kSyn));
  const uint32_t tries = h.syn_tries;
  // The SYN's retransmission timer: 1 s, doubling (as Linux's TCP_TIMEOUT_INIT).
  at(hw::now_cycles() + (hz_ << tries), [this, &h, tries] {
    if (h.state != Host::State::kSynSent || h.syn_tries != tries) return;
    if (++h.syn_tries > kSynRetries) {
      ++c_.connect_failures;
      fail(h, fmt::format("no answer to its SYN to port {} after {} retransmissions", p_.port, kSynRetries));
      return;
    }
    send_syn(h);
  });
}

void Network::on_frame(Host& h, const hw::NetFrame& f) {
  if (h.state == Host::State::kDone) return;
  if (f.kind == Kind::kUdp) {
    check_datagram(h, f);
    return;
  }
  switch (f.kind) {
    case Kind::kSynAck:
      if (h.state != Host::State::kSynSent) return;
      h.state = Host::State::kOpen;
      h.opened_at = hw::now_cycles();
      h.peer_ack = 0;
      h.peer_window = f.window;
      h.out.hello(h.index);
      c_.bytes_sent += 4;
      queue_requests(h);
      if (h.out.empty()) ack(h);
      return;
    case Kind::kRst:
      if (h.state == Host::State::kSynSent) ++c_.connect_failures;
      fail(h, h.state == Host::State::kSynSent ? fmt::format("connection to port {} refused", p_.port)
                                               : fmt::format("connection reset after {} of {} replies", h.replies,
                                                             p_.messages));
      return;
    case Kind::kAck:
    case Kind::kData:
    case Kind::kFin:
      if (h.state != Host::State::kOpen) return;
      h.peer_ack = std::max(h.peer_ack, f.ack);
      h.peer_window = f.window;
      if (!f.payload.empty()) {
        h.rx_total += f.payload.size();
        check(h, f.payload);
        if (h.state == Host::State::kDone) return;
      }
      if (f.kind == Kind::kFin) {
        h.fin_received = true;
        if (h.replies < p_.messages) {
          fail(h, fmt::format("the server closed the connection after {} of {} replies", h.replies, p_.messages));
          return;
        }
      }
      if (f.kind != Kind::kAck) {
        // Delayed acknowledgement (RFC 1122): at once for two full segments or a FIN,
        // else with the next data or after 40 ms.
        if (f.kind == Kind::kFin || h.rx_total - h.acked >= 2 * hw::NetFrame::kMss) {
          ack(h);
        } else if (!h.ack_pending) {
          h.ack_pending = true;
          at(hw::now_cycles() + hz_ / 25, [this, &h] {
            if (h.ack_pending && h.state == Host::State::kOpen) ack(h);
          });
        }
      }
      push(h);
      if (h.fin_sent && h.fin_received) done(h);
      return;
    default:
      return;
  }
}

void Network::ack(Host& h) {
  h.ack_pending = false;
  h.acked = h.rx_total;
  send(true, frame(h, Kind::kAck));
}

void Network::queue_requests(Host& h) {
  const uint64_t now = hw::now_cycles();
  while (h.queued < p_.messages) {
    if (p_.protocol == "tcp" && h.queued - h.replies >= p_.outstanding) break;  // a reply frees a slot
    const uint64_t due = h.opened_at + uint64_t{h.queued} * p_.interval_cycles;
    if (due > now) {
      const uint32_t r = h.queued;
      at(due, [this, &h, r] {
        if (h.queued == r && h.state == Host::State::kOpen) queue_requests(h);
      });
      break;
    }
    if (p_.protocol == "udp" && free_at_[0] > now) {
      wait_for_link(h);
      break;
    }
    const uint32_t r = h.queued++;
    const uint32_t n = size_of(h, r);
    // UDP: sent when due, or waiting for the link since then; TCP: sent when a slot freed
    h.in_flight.emplace(r, p_.protocol == "udp" ? due : now);
    ++c_.requests_sent;
    c_.bytes_sent += n;
    if (p_.protocol == "udp") {
      hw::NetFrame d = frame(h, Kind::kUdp);
      // The request's number first, so that an echo names its request even after a loss.
      for (uint32_t i = 0; i < n; ++i)
        d.payload.push_back(i < 4 ? static_cast<uint8_t>(r >> (8 * i)) : request_byte(h.index, r, i));
      send(true, std::move(d));
      if (h.queued == p_.messages) {
        // The last one is out: what has not come back a second from now was lost.
        at(now + hz_, [this, &h] {
          if (h.state != Host::State::kOpen) return;
          c_.datagrams_lost += p_.messages - h.replies;
          done(h);
        });
      }
      continue;
    }
    h.out.request(r, n);
  }
  if (p_.protocol == "tcp") push(h);
}

// The link towards the node is busy: the rest of a UDP burst waits in its host until it
// is free, so that a burst of any length (up to 10^8 datagrams of 64 KiB) holds one
// datagram at a time instead of all of them waiting for the wire in memory. A datagram
// still leaves when the wire frees, and its round trip counts from when it was due, as
// if it had been queued then. Hosts waiting take turns, one datagram each.
void Network::wait_for_link(Host& h) {
  if (h.waits_for_link) return;
  h.waits_for_link = true;
  link_waiters_.push_back(&h);
  serve_link_waiters();
}

void Network::serve_link_waiters() {
  if (link_serving_ || link_waiters_.empty()) return;
  link_serving_ = true;
  at(free_at_[0], [this] {
    link_serving_ = false;
    Host& h = *link_waiters_.front();
    link_waiters_.pop_front();
    h.waits_for_link = false;
    if (h.state == Host::State::kOpen) queue_requests(h);  // one datagram, then back in the line
    serve_link_waiters();
  });
}

void Network::push(Host& h) {
  while (!h.out.empty()) {
    const uint64_t edge = h.peer_ack + h.peer_window;
    if (edge <= h.tx_total) return;  // the node's window is full: its next ACK opens it
    const uint64_t len = std::min<uint64_t>({hw::NetFrame::kMss, h.out.size(), edge - h.tx_total});
    hw::NetFrame d = frame(h, Kind::kData);
    d.payload.reserve(len);
    h.out.take(len, h.index, d.payload);
    h.tx_total += len;
    h.acked = h.rx_total;  // the data carries the acknowledgement
    h.ack_pending = false;
    send(true, std::move(d));
  }
  if (p_.protocol == "tcp" && h.replies == p_.messages && !h.fin_sent) {
    h.fin_sent = true;
    send(true, frame(h, Kind::kFin));
    if (h.fin_received) done(h);
  }
}

void Network::check(Host& h, const std::vector<uint8_t>& bytes) {
  const bool echo = service_ == HostService::kEcho;
  for (size_t k = 0; k < bytes.size(); ++k) {
    // Segment s of the expected stream: with echo, the hello and then request s - 1;
    // else request s inverted.
    if (h.replies >= p_.messages) {
      fail(h, fmt::format("{} bytes more than the {} replies it expected", bytes.size() - k, p_.messages));
      return;
    }
    const bool hello = echo && h.expect_seg == 0;
    const uint32_t r = echo ? h.expect_seg - 1 : h.expect_seg;
    const uint32_t len = hello ? 4 : size_of(h, r);
    const uint8_t want = hello   ? static_cast<uint8_t>(h.index >> (8 * h.expect_off))
                         : echo ? request_byte(h.index, r, h.expect_off)
                                : static_cast<uint8_t>(~request_byte(h.index, r, h.expect_off));
    if (bytes[k] != want) {
      fail(h, fmt::format("reply {} byte {} is 0x{:02x}, expected 0x{:02x}", hello ? -1 : static_cast<int64_t>(r),
                          h.expect_off, bytes[k], want));
      return;
    }
    ++c_.bytes_received;
    if (++h.expect_off < len) continue;
    h.expect_off = 0;
    ++h.expect_seg;
    if (hello) continue;
    const auto sent = h.in_flight.find(r);
    if (sent == h.in_flight.end()) {
      fail(h, fmt::format("reply {} came before its request was sent", r));
      return;
    }
    ++h.replies;
    ++c_.replies_received;
    rtt_.sample(hw::now_cycles() - sent->second);
    h.in_flight.erase(sent);
  }
  queue_requests(h);
}

void Network::check_datagram(Host& h, const hw::NetFrame& f) {
  if (f.payload.size() < 4) {
    fail(h, fmt::format("a datagram of {} bytes came back; every request has at least 4", f.payload.size()));
    return;
  }
  uint32_t r = 0;
  for (int i = 0; i < 4; ++i) r |= uint32_t{f.payload[static_cast<size_t>(i)]} << (8 * i);
  const auto sent = h.in_flight.find(r);
  if (r >= h.queued || sent == h.in_flight.end()) {
    fail(h, fmt::format("an echo names request {}, which was {}", r, r >= h.queued ? "never sent" : "echoed already"));
    return;
  }
  const uint32_t n = size_of(h, r);
  if (f.payload.size() != n) {
    fail(h, fmt::format("the echo of request {} has {} bytes, expected {}", r, f.payload.size(), n));
    return;
  }
  for (uint32_t i = 4; i < n; ++i) {
    if (f.payload[i] != request_byte(h.index, r, i)) {
      fail(h, fmt::format("the echo of request {}: byte {} is 0x{:02x}, expected 0x{:02x}", r, i, f.payload[i],
                          request_byte(h.index, r, i)));
      return;
    }
  }
  ++h.replies;
  ++c_.replies_received;
  c_.bytes_received += n;
  rtt_.sample(hw::now_cycles() - sent->second);
  h.in_flight.erase(sent);
  if (h.replies == p_.messages) done(h);
}

void Network::done(Host& h) {
  if (h.state == Host::State::kDone) return;
  h.state = Host::State::kDone;
  ++c_.hosts_done;
  busy_(-1);
}

void Network::fail(Host& h, const std::string& what) {
  h.state = Host::State::kDone;
  fail_(fmt::format("host {}: {}", dotted(h.addr), what));
}

std::string Network::unfinished() const {
  std::string out;
  size_t n = 0;
  for (const auto& h : hosts_) {
    if (h->state == Host::State::kDone) continue;
    if (n++ < 3)
      out += fmt::format("{}host {} ({} of {} replies)", out.empty() ? "" : ", ", dotted(h->addr), h->replies,
                         p_.messages);
  }
  if (n > 3) out += fmt::format(", ... ({} hosts)", n);
  return out;
}

void Network::register_stats(sim::Stats& s) const {
  s.counter("network.link.to_node_frames", &c_.to_node_frames, "frames", "frames sent towards the I/O node");
  s.counter("network.link.to_node_bytes", &c_.to_node_bytes, "bytes", "payload bytes sent towards the I/O node");
  s.counter("network.link.to_hosts_frames", &c_.to_hosts_frames, "frames", "frames sent towards the hosts");
  s.counter("network.link.to_hosts_bytes", &c_.to_hosts_bytes, "bytes", "payload bytes sent towards the hosts");
  s.counter("network.link.to_node_busy_cycles", &c_.to_node_busy_cycles, "cycles",
            "cycles the link sent towards the I/O node");
  s.counter("network.link.to_hosts_busy_cycles", &c_.to_hosts_busy_cycles, "cycles",
            "cycles the link sent towards the hosts");
  s.counter("network.hosts.requests_sent", &c_.requests_sent, "requests", "requests (datagrams) the hosts sent");
  s.counter("network.hosts.replies_received", &c_.replies_received, "replies",
            "replies (echoed datagrams) the hosts received and checked");
  s.counter("network.hosts.bytes_sent", &c_.bytes_sent, "bytes", "bytes the hosts sent (TCP hellos included)");
  s.counter("network.hosts.bytes_received", &c_.bytes_received, "bytes", "reply bytes the hosts checked");
  s.counter("network.hosts.connect_failures", &c_.connect_failures, "hosts",
            "hosts whose connection was refused or never answered");
  s.counter("network.hosts.datagrams_lost", &c_.datagrams_lost, "datagrams", "datagrams whose echo never came back");
  s.counter("network.hosts.done", &c_.hosts_done, "hosts", "hosts that finished");
  s.distribution("network.hosts.round_trip_cycles", &rtt_, "cycles",
                 "from a request handed to its host's stack to the last byte of its reply back");
}

}  // namespace shadowsel::tb
