// SPDX-License-Identifier: MIT
// The network I/O process and the hosts beyond its node's network port
// (docs/network.md): the port's receive process, and the frames of connections and
// datagrams with remote peers. A remote connection is the same real socket as a
// loopback one, whose peer is a host instead of another socket here: its data
// arrives in frames and leaves in frames, within the window each side advertises.
#include <algorithm>
#include <cerrno>

#include "net_io_socket.h"
#include "shadowsel/driver/kernel.h"
#include "shadowsel/hw/time.h"

namespace shadowsel::fw {

using drv::AgentMsg;
using drv::SocketShutdown;
using drv::WireReader;
using drv::WireWriter;
using Kind = hw::NetFrame::Kind;
using namespace net_io_detail;

namespace {

void put_frame(WireWriter& w, const hw::NetFrame& f) {
  w.put(static_cast<uint8_t>(f.kind)).put(f.src_addr).put(f.src_port).put(f.dst_addr).put(f.dst_port);
  w.put(f.ack).put(f.window).put(f.arrived_at).bytes(f.payload);
}

hw::NetFrame get_frame(WireReader& r) {
  hw::NetFrame f;
  f.kind = static_cast<Kind>(r.get<uint8_t>());
  f.src_addr = r.get<uint32_t>();
  f.src_port = r.get<uint32_t>();
  f.dst_addr = r.get<uint32_t>();
  f.dst_port = r.get<uint32_t>();
  f.ack = r.get<uint64_t>();
  f.window = r.get<uint32_t>();
  f.arrived_at = r.get<uint64_t>();
  const auto payload = r.bytes();
  f.payload.assign(payload.begin(), payload.end());
  return f;
}

}  // namespace

bool NetworkIo::local_addr(uint32_t a) const {
  return a == INADDR_ANY || a == kLoopback || (a == hw::kNodeAddr && port_ && port_->connected());
}

bool NetworkIo::on_link(uint32_t a) const {
  return port_ && port_->connected() && (a & hw::kLinkMask) == hw::kLinkNet && a != hw::kNodeAddr;
}

// The driver's bottom half: its interrupt handler only wakes it. Each frame becomes
// one local message to the I/O process (no bus), as NonStop's TCP/IP process hears
// from its adapter's driver.
void NetworkIo::run_rx(drv::Process& self) {
  const drv::Address io{px_.kernel().cpu(), drv::kNetIoPort};
  for (;;) {
    // A dual-ported controller's backup side takes nothing until it is switched here.
    while (port_->serves(px_.kernel().node().irq())) {
      auto f = port_->take();
      if (!f) break;
      WireWriter w;
      w.put(AgentMsg::kNetFrame);
      put_frame(w, *f);
      self.post(io, w.data());
    }
    px_.kernel().block(self);
  }
}

void NetworkIo::transmit(const Socket& s, Kind kind, std::span<const uint8_t> payload) {
  hw::NetFrame f;
  f.kind = kind;
  f.src_addr = hw::kNodeAddr;
  f.src_port = s.port;
  f.dst_addr = s.peer_addr;
  f.dst_port = s.peer_port;
  f.ack = s.rx_total;
  f.window = s.room();
  f.payload.assign(payload.begin(), payload.end());
  ++c_.frames_out;
  port_->transmit(std::move(f));
}

void NetworkIo::advertise(Socket& s) {
  if (s.state != State::kEstablished) return;
  // Only a window that grew by a quarter, or by a full segment if that is less, is
  // worth a frame (receiver-side silly window avoidance, RFC 1122 4.2.3.3).
  const uint64_t edge = s.rx_total + s.room();
  if (edge < s.advertised + std::min<uint64_t>(s.window / 4, hw::NetFrame::kMss)) return;
  s.advertised = edge;
  transmit(s, Kind::kAck);
}

NetworkIo::Socket* NetworkIo::remote_conn(uint32_t port, uint32_t peer_addr, uint32_t peer_port) {
  auto it = remote_conns_.find({port, peer_addr, peer_port});
  return it == remote_conns_.end() ? nullptr : find(it->second);
}

int64_t NetworkIo::connect_remote(drv::Process& self, Socket& s, uint32_t addr, uint32_t port, bool nonblock) {
  (void)nonblock;  // a blocking caller waits for writability and asks again, as in SYN_SENT
  if (!on_link(addr)) return -ENETUNREACH;  // the node's only route is the link's 10.0.0.0/8
  if (!s.bound) {
    const uint32_t p = ephemeral_port(s);
    if (!p) return -EADDRNOTAVAIL;
    s.port = p;
    s.bound = true;
  }
  s.addr = hw::kNodeAddr;
  s.remote_peer = true;
  s.peer_addr = addr;
  s.peer_port = port;
  s.state = State::kSynSent;
  s.syn_tries = 0;
  remote_conns_[{s.port, addr, port}] = s.id;
  transmit(s, Kind::kSyn);
  s.advertised = s.room();
  add_timer(hw::cycle_after(syn_timeout(0)), s.id);
  changed(self, s);
  return -EINPROGRESS;
}

int64_t NetworkIo::send_remote(drv::Process& self, Socket& s, std::span<const uint8_t> data) {
  (void)self;
  const uint32_t n = std::min<uint32_t>(s.peer_room(), static_cast<uint32_t>(data.size()));
  if (n == 0) return -EAGAIN;
  px_.kernel().execute(px_.kernel().costs().copy(n));
  for (uint32_t off = 0; off < n; off += hw::NetFrame::kMss) {
    const uint32_t len = std::min(hw::NetFrame::kMss, n - off);
    s.tx_total += len;
    transmit(s, Kind::kData, data.subspan(off, len));
  }
  s.advertised = s.rx_total + s.room();  // every segment carries the window
  return n;
}

int64_t NetworkIo::send_dgram_remote(Socket& s, uint32_t addr, uint32_t port, std::span<const uint8_t> data) {
  px_.kernel().execute(px_.kernel().costs().copy(data.size()));
  hw::NetFrame f;
  f.kind = Kind::kUdp;
  f.src_addr = hw::kNodeAddr;
  f.src_port = s.port;
  f.dst_addr = addr;
  f.dst_port = port;
  f.payload.assign(data.begin(), data.end());
  ++c_.frames_out;
  port_->transmit(std::move(f));
  return static_cast<int64_t>(data.size());
}

void NetworkIo::accept_remote(drv::Process& self, Socket& l, const hw::NetFrame& f) {
  Socket& c = new_connection(l);
  c.remote_peer = true;
  c.addr = hw::kNodeAddr;
  c.peer_addr = f.src_addr;
  c.peer_port = f.src_port;
  c.peer_window = f.window;
  ++c_.remote_connections;
  remote_conns_[{c.port, c.peer_addr, c.peer_port}] = c.id;
  transmit(c, Kind::kSynAck);
  c.advertised = c.room();
  enqueue(self, l, c);
}

void NetworkIo::on_frame(drv::Process& self, std::span<const uint8_t> body) {
  WireReader r(body);
  r.get<AgentMsg>();
  const hw::NetFrame f = get_frame(r);
  ++c_.frames_in;
  step();
  // An answer to a frame that reached no connection: a reset from (dst) to (src).
  auto refuse = [&] {
    Socket none;
    none.port = f.dst_port;
    none.peer_addr = f.src_addr;
    none.peer_port = f.src_port;
    transmit(none, Kind::kRst);
  };
  if (f.kind == Kind::kUdp) {
    // udp_rcv(): the bound socket of the port, unless connected to another peer.
    Socket* target = nullptr;
    for (const auto& [id, o] : socks_) {
      if (!o->dgram || o->unix_family || !o->bound || o->port != f.dst_port) continue;
      if (o->state == State::kEstablished && (o->peer_addr != f.src_addr || o->peer_port != f.src_port)) continue;
      target = o.get();
      break;
    }
    if (!target || target->room() < f.payload.size()) {
      ++c_.datagrams_dropped;
      return;
    }
    target->dq.push_back(drv::Datagram{f.src_addr, f.src_port, f.payload});
    target->dq_bytes += f.payload.size();
    changed(self, *target);
    return;
  }
  Socket* c = remote_conn(f.dst_port, f.src_addr, f.src_port);
  switch (f.kind) {
    case Kind::kSyn: {
      if (c) return;  // the host sent its SYN again before our SYN-ACK reached it
      Socket* l = listener_for(f.dst_port);
      if (!l) {
        refuse();
        return;
      }
      if (l->accept_q.size() > static_cast<size_t>(l->backlog)) {
        ++c_.syns_dropped;  // as tcp_conn_request() with a full queue: the host will retry
        return;
      }
      accept_remote(self, *l, f);
      return;
    }
    case Kind::kSynAck:
      if (!c || c->state != State::kSynSent) return;
      c->state = State::kEstablished;
      c->peer_ack = 0;
      c->peer_window = f.window;
      c->connect_unreported = true;
      c->advertised = c->room();
      transmit(*c, Kind::kAck);
      changed(self, *c);
      return;
    case Kind::kRst:
    case Kind::kUnreachable:
      if (!c) return;
      remote_conns_.erase({c->port, c->peer_addr, c->peer_port});
      if (c->state == State::kSynSent) {
        c->state = State::kClosed;
        c->shutdown = SocketShutdown::kBoth;
        c->err = f.kind == Kind::kRst ? ECONNREFUSED : EHOSTUNREACH;
        c->connect_failed = true;
      } else {
        reset(*c, c->done);
      }
      changed(self, *c);
      return;
    case Kind::kAck:
    case Kind::kData:
    case Kind::kFin: {
      if (!c || c->state != State::kEstablished) {
        if (f.kind == Kind::kData && !f.payload.empty()) refuse();  // data for a connection gone
        return;
      }
      c->peer_ack = std::max(c->peer_ack, f.ack);
      c->peer_window = f.window;
      if (f.kind == Kind::kAck) {
        changed(self, *c);  // the host's window may have room again
        return;
      }
      if (!f.payload.empty()) {
        // The host keeps to the window it was given; anything beyond it is not taken.
        const uint32_t n = std::min<uint32_t>(c->room(), static_cast<uint32_t>(f.payload.size()));
        px_.kernel().execute(px_.kernel().costs().copy(n));
        c->held.insert(c->held.end(), f.payload.begin(), f.payload.begin() + n);
        c->rx_total += n;
      }
      if (f.kind == Kind::kFin) fin(*c);
      changed(self, *c);
      if (!find(c->id)) return;
      c->advertised = c->rx_total + c->room();
      transmit(*c, Kind::kAck);  // every segment is acknowledged, with the window left
      return;
    }
    case Kind::kUdp:
      return;
  }
}

}  // namespace shadowsel::fw
