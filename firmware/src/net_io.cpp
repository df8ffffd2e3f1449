// SPDX-License-Identifier: MIT
#include "shadowsel/firmware/net_io.h"

#include "net_io_socket.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>

#include "shadowsel/driver/kernel.h"
#include "shadowsel/driver/wire.h"
#include "shadowsel/hw/time.h"

namespace shadowsel::fw {

using drv::AgentMsg;
using drv::Interest;
using drv::SockOp;
using drv::SocketShutdown;
using drv::WireReader;
using drv::WireWriter;
using namespace net_io_detail;

NetworkIo::NetworkIo(drv::PosixKernel& px)
    : px_(px),
      timer_(px, drv::kNetIoTimerPort, "net-io-timer", drv::kNetIoPort),
      port_(px.kernel().node().net_port()),
      interest_(px, drv::kSocketAgentPort, &c_.answers_sent, &c_.notifications_sent) {
  px_.set_io_owner(drv::kSocketObjectBit, this);
}

NetworkIo::~NetworkIo() { px_.set_io_owner(drv::kSocketObjectBit, nullptr); }

void NetworkIo::start() {
  const uint32_t me = px_.kernel().cpu();
  if (const auto b = px_.network_io_backup()) {
    if (me == px_.network_io_cpu()) backup_ = *b;
    if (me == *b) primary_ = px_.network_io_cpu();
  }
  process_ = &px_.kernel().spawn_service(drv::kNetIoPort, "net-io", [this](drv::Process& self) { run(self); });
  timer_.start();
  if (port_) {
    rx_ = &px_.kernel().spawn_service(drv::kNetRxPort, "net-rx", [this](drv::Process& self) { run_rx(self); });
    px_.kernel().set_irq_handler(hw::IrqLine::kNetPort, [this] {
      port_->irq_ack();
      px_.kernel().wake(*rx_);
    });
  }
}

void NetworkIo::add_timer(uint64_t at, uint32_t id) {
  WireWriter w;
  w.put(AgentMsg::kSockTimer).put(id);
  timer_.post_at(at, w.data());
}

size_t NetworkIo::waiting_accepts() const {
  size_t n = 0;
  for (const auto& [id, s] : socks_) n += s->accept_waiters.size();
  return n;
}

uint64_t NetworkIo::cpu_cycles() const { return process_ ? process_->cpu_cycles() : 0; }

void NetworkIo::step() { px_.kernel().execute(px_.kernel().costs().fd_check); }

void NetworkIo::run(drv::Process& self) {
  for (;;) {
    handle(self, self.receive());
    checkpoint(self, false);  // whatever the message changed (replies checkpoint first)
  }
}

NetworkIo::Socket* NetworkIo::find(uint32_t id) {
  auto it = socks_.find(id);
  return it == socks_.end() ? nullptr : it->second.get();
}

NetworkIo::Socket& NetworkIo::make_socket() {
  auto s = std::make_unique<Socket>();
  s->id = drv::kSocketObjectBit | next_id_++;
  Socket& ref = *s;
  socks_[ref.id] = std::move(s);
  return ref;
}

void NetworkIo::handle(drv::Process& self, const drv::Message& m) {
  WireReader r(m.data);
  const auto kind = r.get<AgentMsg>();
  switch (kind) {
    case AgentMsg::kRemoteOp:
      on_op(self, m.data);
      return;
    case AgentMsg::kSubscribe:
    case AgentMsg::kWatchAdd: {
      const drv::SelectKey k = drv::get_key(r);
      on_subscribe(self, k, r.get<uint32_t>(), kind == AgentMsg::kWatchAdd);
      return;
    }
    case AgentMsg::kWatchDrop: {
      const drv::SelectKey k = drv::get_key(r);
      step();
      interest_.unwatch(k, r.get<uint32_t>());
      return;
    }
    case AgentMsg::kSockWindow:
      on_window(self, m.data);
      return;
    case AgentMsg::kSockTimer:
      on_syn_timer(self, r.get<uint32_t>());
      return;
    case AgentMsg::kSockReturn:
      on_return(self, m.data);
      return;
    case AgentMsg::kNetFrame:
      on_frame(self, m.data);
      return;
    case AgentMsg::kCpuDown: {
      const uint32_t cpu = r.get<uint32_t>();
      if (primary_ == cpu) {
        take_over(self, cpu);
      } else {
        on_cpu_down(self, cpu);
        if (backup_ == cpu) new_backup(self, px_.kernel().cpu(), {});
      }
      return;
    }
    case AgentMsg::kNetCheckpoint:
      on_checkpoint(m.data);
      return;
    case AgentMsg::kRemoteOpCancel:
      on_cancel(self, m.from.cpu, r.get<uint64_t>());
      return;
    default:
      throw std::logic_error("net-io: unexpected message kind " + std::to_string(static_cast<int>(kind)));
  }
}

// --- readiness --------------------------------------------------------------------------

// tcp_poll(), with inet_csk_listen_poll() for a listener. Connections complete at once
// (no SYN_SENT is ever seen), and a connection is writable while its peer's window
// has room.
short NetworkIo::poll_bits(const Socket& s) const {
  if (s.unix_family) {  // unix_poll() / unix_dgram_poll()
    short mask = 0;
    if (s.err) mask |= POLLERR;
    if (s.shutdown == SocketShutdown::kBoth) mask |= POLLHUP;
    if (s.shutdown & SocketShutdown::kRcv) mask |= POLLRDHUP | POLLIN | POLLRDNORM;
    if (!s.held.empty() || !s.dq.empty() || s.in_flight) mask |= POLLIN | POLLRDNORM;
    if (!s.dgram && s.state == State::kClosed) mask |= POLLHUP;
    auto it = s.peer ? socks_.find(s.peer) : socks_.end();
    if (it == socks_.end() || it->second->room() > 0) mask |= POLLOUT | POLLWRNORM | POLLWRBAND;
    return mask;
  }
  if (s.dgram) {  // datagram_poll(): never HUP unless shut both ways; always writable
    short mask = POLLOUT | POLLWRNORM | POLLWRBAND;
    if (s.err) mask |= POLLERR;
    if (s.shutdown & SocketShutdown::kRcv) mask |= POLLIN | POLLRDNORM | POLLRDHUP;
    if (s.shutdown == SocketShutdown::kBoth) mask |= POLLHUP;
    if (!s.dq.empty() || s.in_flight) mask |= POLLIN | POLLRDNORM;
    return mask;
  }
  if (s.state == State::kListen) return s.accept_q.empty() ? 0 : POLLIN | POLLRDNORM;
  if (s.state == State::kSynSent) return 0;  // neither readable nor writable yet
  short mask = 0;
  if (s.shutdown == SocketShutdown::kBoth || s.state == State::kClosed) mask |= POLLHUP;
  if (s.shutdown & SocketShutdown::kRcv) mask |= POLLIN | POLLRDNORM | POLLRDHUP;
  // Data forwarded to a shadow and not yet given back may be unread there: a caller
  // still asking here (forwarding had not started when it armed) is told to look.
  if (!s.held.empty() || s.in_flight) mask |= POLLIN | POLLRDNORM;
  bool writable = true;
  if (s.state == State::kEstablished && s.peer) {
    auto it = socks_.find(s.peer);
    writable = it == socks_.end() || it->second->room() > 0;
  } else if (s.state == State::kEstablished && s.remote_peer) {
    writable = s.peer_room() > 0;
  }
  if ((s.shutdown & SocketShutdown::kSend) || writable) mask |= POLLOUT | POLLWRNORM;
  if (s.err) mask |= POLLERR;
  return mask;
}

drv::ObjectState NetworkIo::state_of(const Socket& s) const {
  drv::ObjectState st;
  st.kind = drv::ObjectState::Kind::kSocket;
  st.events = poll_bits(s);
  st.changed_at = s.changed_at;
  return st;
}

std::optional<drv::ObjectState> NetworkIo::object_state(uint32_t id) const {
  auto it = socks_.find(id);
  if (it == socks_.end()) return std::nullopt;
  return state_of(*it->second);
}

std::optional<uint32_t> NetworkIo::forwarding_cpu(const Socket& s) const {
  if (s.state == State::kListen || s.state == State::kSynSent || s.queued || s.reclaiming || s.cpus.size() != 1) {
    return std::nullopt;
  }
  if (s.dgram && !s.unix_family) {
    if (!s.bound) return std::nullopt;  // nothing can arrive before it has a port
  } else if (s.state == State::kClosed && s.peer_port == 0) {
    return std::nullopt;  // never connected
  }
  return s.cpus.begin()->first;
}

void NetworkIo::changed(drv::Process& self, Socket& s) {
  s.changed_at = hw::now_cycles();
  const uint32_t me = px_.kernel().cpu();
  // Data-forwarding mode (claim 13): what arrived goes at once, in one message, to the
  // reading CPU's shadow, with the state its reads and polls need.
  if (const auto cpu = forwarding_cpu(s)) {
    const short events = (poll_bits(s) & ~static_cast<short>(POLLIN | POLLRDNORM)) |
                         ((s.shutdown & SocketShutdown::kRcv) ? POLLIN | POLLRDNORM : 0);
    const short read_side = events & ~kWriteBits;
    if (s.pushed_to != cpu) ++s.epoch;
    auto push = [&](std::span<const uint8_t> data, const drv::Datagram* d) {
      s.in_flight += static_cast<uint32_t>(data.size());
      if (!data.empty()) px_.kernel().execute(px_.kernel().costs().copy(data.size()));
      WireWriter w;
      w.put(AgentMsg::kSockPush).put(me).put(s.id);
      drv::put_push(w, drv::ShadowPush{true, events, s.done, s.window, s.epoch, d != nullptr});
      w.put(d ? d->addr : 0u).put(d ? d->port : 0u).bytes(data);
      ++c_.pushes;
      c_.forwarded_bytes += data.size();
      s.pushed_to = cpu;
      s.pushed_events = events;
      s.pushed_done = s.done;
      self.post(drv::Address{*cpu, drv::kSocketAgentPort}, w.data());
    };
    const bool state_news = s.pushed_to != cpu || read_side != (s.pushed_events & ~kWriteBits) ||
                            s.done != s.pushed_done;
    if (s.dgram && !s.dq.empty()) {
      // One message per datagram (claim 13: "composes a message ... including the packet").
      while (!s.dq.empty()) {
        const drv::Datagram d = std::move(s.dq.front());
        s.dq.pop_front();
        s.dq_bytes -= d.bytes.size();
        push(d.bytes, &d);
      }
    } else if (!s.held.empty() || state_news) {
      const std::vector<uint8_t> data(s.held.begin(), s.held.end());
      s.held.clear();
      push(data, nullptr);
    }
  }
  // The remote interest table (T10 -> T12): notify every CPU whose interest is now met.
  interest_.changed(self, s.id, state_of(s));
}

void NetworkIo::on_subscribe(drv::Process& self, const drv::SelectKey& k, uint32_t from, bool persistent) {
  step();
  Socket* s = find(k.object);
  drv::ObjectState st;
  if (s) {
    st = state_of(*s);
  } else {  // closed meanwhile: as after a reset (ready either way: nothing is recorded)
    st.kind = drv::ObjectState::Kind::kSocket;
    st.events = POLLHUP | POLLERR;
  }
  interest_.ask(self, k, from, st, persistent);
}

// --- life of a connection -------------------------------------------------------------------

void NetworkIo::fin(Socket& s) {
  s.done = true;
  s.shutdown |= SocketShutdown::kRcv;
}

// tcp_reset(): EPIPE once our side had the peer's FIN (CLOSE_WAIT), else ECONNRESET;
// the socket is closed both ways. Data already received stays readable.
void NetworkIo::reset(Socket& s, bool peer_had_finished) {
  (void)peer_had_finished;
  s.err = s.done ? EPIPE : ECONNRESET;
  s.state = State::kClosed;
  s.shutdown = SocketShutdown::kBoth;
  s.peer = 0;
}

void NetworkIo::close(drv::Process& self, Socket& s, uint64_t unread) {
  if (s.state == State::kListen) {
    fail_accepts(self, s);
    // Connections never accepted are reset (inet_csk_listen_stop).
    for (uint32_t q : s.accept_q) {
      if (Socket* c = find(q)) close(self, *c, 1);
    }
  } else if (s.peer && s.unix_family) {
    // unix_release_sock(): the peer is shut both ways; unread data here resets it.
    if (Socket* p = find(s.peer)) {
      p->shutdown = SocketShutdown::kBoth;
      if (unread + s.held.size() + s.dq.size() > 0) p->err = ECONNRESET;
      p->peer = 0;
      changed(self, *p);
    }
  } else if (s.remote_peer) {
    // tcp_close(): unread data makes it a reset instead of a FIN.
    if (s.state == State::kEstablished)
      transmit(s, unread + s.held.size() > 0 ? hw::NetFrame::Kind::kRst : hw::NetFrame::Kind::kFin);
    remote_conns_.erase({s.port, s.peer_addr, s.peer_port});
  } else if (s.peer) {
    if (Socket* p = find(s.peer)) {
      // tcp_close(): unread data makes it a reset instead of a FIN.
      if (unread + s.held.size() > 0) {
        reset(*p, false);
      } else {
        fin(*p);
        p->peer = 0;
      }
      changed(self, *p);
    }
  }
  interest_.erase(s.id);
  socks_.erase(s.id);
}

// A blocking accept from `cpu` that a signal interrupted: if it still waits it ends with
// EINTR (inet_csk_wait_for_connect()), the queue untouched; if a connection was given to
// it, that answer is on its way and stands.
void NetworkIo::on_cancel(drv::Process& self, uint32_t cpu, uint64_t corr) {
  step();
  for (auto& [id, s] : socks_) {
    const auto it = std::find(s->accept_waiters.begin(), s->accept_waiters.end(), std::make_pair(corr, cpu));
    if (it == s->accept_waiters.end()) continue;
    s->accept_waiters.erase(it);
    reply(self, cpu, corr, -EINTR, 0, {});
    return;
  }
}

void NetworkIo::fail_accepts(drv::Process& self, Socket& l) {
  for (const auto& [corr, cpu] : std::exchange(l.accept_waiters, {})) reply(self, cpu, corr, -EINVAL, 0, {});
}

void NetworkIo::release(drv::Process& self, uint32_t id, WireReader& r) {
  const uint32_t cpu = r.get<uint32_t>();
  step();
  Socket* s = find(id);
  if (!s) return;
  const auto was = forwarding_cpu(*s);
  const uint64_t unread = give_back(*s, r);
  auto it = s->cpus.find(cpu);
  if (it != s->cpus.end() && --it->second == 0) s->cpus.erase(it);
  if (s->cpus.empty()) {
    close(self, *s, unread);
    return;
  }
  // Other CPUs still read it: what that CPU's shadow held is the next data (give_back).
  if (s->pushed_to == cpu) s->pushed_to.reset();
  readers_changed(self, *s, was);
}

uint64_t NetworkIo::give_back(Socket& s, WireReader& r) {
  const uint32_t unacked = r.get<uint32_t>();
  std::vector<uint8_t> stream;
  std::vector<drv::Datagram> dgrams;
  drv::get_unread(r, &stream, &dgrams);
  uint64_t bytes = stream.size();
  for (const auto& d : dgrams) bytes += d.bytes.size();
  s.in_flight -= static_cast<uint32_t>(std::min<uint64_t>(s.in_flight, bytes + unacked));
  s.held.insert(s.held.begin(), stream.begin(), stream.end());
  s.dq.insert(s.dq.begin(), dgrams.begin(), dgrams.end());
  for (const auto& d : dgrams) s.dq_bytes += d.bytes.size();
  return bytes;
}

void NetworkIo::readers_changed(drv::Process& self, Socket& s, std::optional<uint32_t> was) {
  const auto now = forwarding_cpu(s);
  if (was && !now && s.cpus.count(*was)) {
    // Forwarding -> contention: take back what the old CPU's shadow has not read, before
    // serving any read (claim 14: every read gets the next bytes, on whichever CPU).
    ++c_.to_contention;
    s.reclaiming = true;
    s.reclaim_from = *was;
    s.pushed_to.reset();
    WireWriter w;
    w.put(AgentMsg::kSockReclaim).put(px_.kernel().cpu()).put(s.id);
    self.post(drv::Address{*was, drv::kSocketAgentPort}, w.data());
  } else if (now && !was && s.state != State::kClosed) {
    ++c_.to_forwarding;  // contention -> forwarding: changed() sends what is held, in one message
  }
  changed(self, s);
}

void NetworkIo::on_return(drv::Process& self, std::span<const uint8_t> body) {
  WireReader r(body);
  r.get<AgentMsg>();
  r.get<uint32_t>();
  const uint32_t id = r.get<uint32_t>();
  step();
  Socket* s = find(id);
  if (!s) return;
  c_.reclaimed_bytes += give_back(*s, r);
  const auto was = forwarding_cpu(*s);
  s->reclaiming = false;
  for (const auto& req : std::exchange(s->deferred, {})) on_op(self, req);
  if (!find(id)) return;
  if (forwarding_cpu(*s) && !was) ++c_.to_forwarding;
  changed(self, *s);
  window_opened(self, *s);
}

// docs/faults.md: the dead CPU's processes held descriptions here, waited in accept, or
// had data forwarded to their shadows. Their sockets close as the processes' exits
// would have closed them (with an RST when forwarded data went unread, as Linux's close
// with unread data), and nothing waits for that CPU any more.
void NetworkIo::on_cpu_down(drv::Process& self, uint32_t cpu) {
  interest_.forget_cpu(cpu);
  std::vector<uint32_t> ids;
  for (const auto& [id, s] : socks_) ids.push_back(id);
  for (const uint32_t id : ids) {
    Socket* s = find(id);
    if (!s) continue;  // closed with an earlier one (a peer)
    step();
    const auto was = forwarding_cpu(*s);
    const auto accepts = std::erase_if(s->accept_waiters, [cpu](const auto& w) { return w.second == cpu; });
    const auto requests = std::erase_if(s->deferred, [cpu](const std::vector<uint8_t>& q) {
      WireReader r(q);
      r.get<AgentMsg>();
      return drv::get_remote_op(r).from == cpu;
    });
    uint64_t lost = 0;  // forwarded to the dead CPU's shadow and never read
    const bool was_forwarding_there = s->pushed_to == cpu || (s->reclaiming && s->reclaim_from == cpu);
    if (was_forwarding_there) {
      lost = s->in_flight;
      s->in_flight = 0;
      s->pushed_to.reset();
    }
    const bool held = s->cpus.erase(cpu) > 0;
    if (!held && !accepts && !requests && !was_forwarding_there) continue;
    ++c_.sockets_released_cpu_down;
    if (held && s->cpus.empty()) {
      close(self, *s, lost);
      continue;
    }
    if (s->reclaiming && s->reclaim_from == cpu) {  // no kSockReturn will come
      s->reclaiming = false;
      for (const auto& req : std::exchange(s->deferred, {})) on_op(self, req);
      if (!find(id)) continue;
    }
    readers_changed(self, *s, was);
    changed(self, *s);
  }
}

void NetworkIo::on_window(drv::Process& self, std::span<const uint8_t> body) {
  WireReader r(body);
  r.get<AgentMsg>();
  r.get<uint32_t>();
  const uint32_t id = r.get<uint32_t>(), bytes = r.get<uint32_t>();
  step();
  ++c_.window_updates;
  Socket* s = find(id);
  if (!s) return;
  s->in_flight -= std::min(bytes, s->in_flight);
  window_opened(self, *s);
}

void NetworkIo::window_opened(drv::Process& self, Socket& s) {
  if (Socket* p = s.peer ? find(s.peer) : nullptr) {
    changed(self, *p);  // the writer at the other end may have room again
  } else if (s.remote_peer) {
    advertise(s);
  }
}

// --- operations -------------------------------------------------------------------------------

void NetworkIo::reply(drv::Process& self, uint32_t to, uint64_t corr, int64_t ret, uint32_t version,
                      std::span<const uint8_t> data) {
  checkpoint(self, false);  // the backup knows of a change before its caller does
  self.post(drv::Address{to, drv::kSocketAgentPort}, drv::encode_remote_result(corr, ret, version, data));
}

void NetworkIo::on_op(drv::Process& self, std::span<const uint8_t> body) {
  WireReader r(body);
  const drv::RemoteOpHead head = drv::get_remote_op(r);
  const uint64_t corr = head.corr;
  const uint32_t from = head.from, id = head.id;
  const auto op = static_cast<SockOp>(head.op);
  ++c_.ops;
  step();
  uint32_t version = 0;
  std::vector<uint8_t> data;
  if (op == SockOp::kRelease) {
    release(self, id, r);
    reply(self, from, corr, 0, 0, {});
    return;
  }
  if (op == SockOp::kPair) {
    const uint32_t type = r.get<uint32_t>();
    Socket& a = make_socket();
    Socket& b = make_socket();
    for (Socket* x : {&a, &b}) {
      x->unix_family = true;
      x->dgram = type == SOCK_DGRAM;
      x->state = State::kEstablished;
      x->bound = false;
      x->cpus[from] = 1;
    }
    a.peer = b.id;
    b.peer = a.id;
    WireWriter w;
    w.put(b.id);
    reply(self, from, corr, a.id, 0, w.data());
    return;
  }
  if (op == SockOp::kCreate) {
    const uint32_t type = r.get<uint32_t>();  // the kernel checked it
    Socket& s = make_socket();
    s.dgram = type == SOCK_DGRAM;
    s.cpus[from] = 1;
    reply(self, from, corr, s.id, 0, {});
    return;
  }
  Socket* sp = find(id);
  if (!sp) throw std::logic_error("net-io: operation on a socket that no longer exists");
  Socket& s = *sp;
  int64_t ret = 0;
  switch (op) {
    case SockOp::kBind: {
      const uint32_t addr = r.get<uint32_t>(), port = r.get<uint32_t>();
      ret = op_bind(s, addr, port);
      break;
    }
    case SockOp::kListen:
      ret = s.dgram ? -EOPNOTSUPP : op_listen(self, s, r.get<int32_t>());
      break;
    case SockOp::kAccept: {
      const bool nonblock = r.get<uint8_t>();
      ret = s.dgram ? -EOPNOTSUPP : op_accept(s, from, &version, &data);
      if (ret == -EAGAIN && !nonblock) {
        s.accept_waiters.emplace_back(corr, from);  // answered by the next connection
        return;
      }
      break;
    }
    case SockOp::kConnect: {
      const uint32_t addr = r.get<uint32_t>(), port = r.get<uint32_t>();
      const bool nonblock = r.get<uint8_t>();
      ret = op_connect(self, s, addr, port, nonblock, &version);
      break;
    }
    case SockOp::kSend: {
      r.get<uint32_t>();  // flags: MSG_NOSIGNAL and MSG_DONTWAIT act at the caller
      drv::SendTo to;
      to.given = r.get<uint8_t>();
      to.addr = r.get<uint32_t>();
      to.port = r.get<uint32_t>();
      const auto bytes = r.bytes();
      ret = s.unix_family ? op_send_unix(self, s, bytes)
            : s.dgram     ? op_send_dgram(self, s, to, bytes)
                          : op_send(self, s, bytes);
      break;
    }
    case SockOp::kRecv: {
      if (s.reclaiming) {  // answered once the old forwarding CPU has given its data back
        s.deferred.emplace_back(body.begin(), body.end());
        return;
      }
      const uint32_t max = r.get<uint32_t>();
      const int flags = r.get<int32_t>();
      const uint32_t epoch = r.get<uint32_t>();
      ret = op_recv(self, s, from, max, flags, epoch, &data);
      break;
    }
    case SockOp::kShutdown:
      ret = op_shutdown(self, s, r.get<int32_t>());
      break;
    case SockOp::kName: {
      const bool peer = r.get<uint8_t>();
      if (peer && s.state != State::kEstablished) {
        ret = -ENOTCONN;
        break;
      }
      WireWriter w;
      if (peer) {
        w.put(s.peer_addr).put(s.peer_port);
      } else {
        w.put(s.addr).put(s.port);
      }
      data = w.data();
      break;
    }
    case SockOp::kGetOpt: {
      const int level = r.get<int32_t>(), name = r.get<int32_t>();
      const int err = s.err;
      ret = op_getopt(s, level, name);
      if (err != s.err) changed(self, s);  // SO_ERROR took the pending error
      break;
    }
    case SockOp::kSetOpt: {
      const int level = r.get<int32_t>(), name = r.get<int32_t>(), value = r.get<int32_t>();
      ret = op_setopt(s, level, name, value);
      break;
    }
    case SockOp::kAddRef: {
      const uint32_t cpu = r.get<uint32_t>();
      const auto was = forwarding_cpu(s);
      ++s.cpus[cpu];
      readers_changed(self, s, was);
      break;
    }
    case SockOp::kCreate:
    case SockOp::kPair:
    case SockOp::kRelease:
      break;
  }
  reply(self, from, corr, ret, version, data);
  // Forward what an accept or connect left held here only after the reply that makes
  // the shadow (messages between two nodes keep their order).
  if (op == SockOp::kAccept && ret >= 0) {
    if (Socket* c = find(static_cast<uint32_t>(ret))) changed(self, *c);
  }
}

bool NetworkIo::port_free(const Socket& s, uint32_t port) const {
  for (const auto& [id, o] : socks_) {
    if (o.get() == &s || !o->bound || o->port != port) continue;
    if (s.reuseport && o->reuseport) continue;
    if (s.reuseaddr && o->reuseaddr && o->state != State::kListen) continue;
    return false;
  }
  return true;
}

uint32_t NetworkIo::ephemeral_port(const Socket& s) {
  const uint32_t span = kLastEphemeralPort - kFirstEphemeralPort + 1;
  for (uint32_t n = 0; n < span; ++n) {
    const uint32_t p = next_port_;
    next_port_ = next_port_ == kLastEphemeralPort ? kFirstEphemeralPort : next_port_ + 1;
    if (port_free(s, p)) return p;
  }
  return 0;
}

int64_t NetworkIo::op_bind(Socket& s, uint32_t addr, uint32_t port) {
  if (s.bound) return -EINVAL;
  if (!local_addr(addr)) return -EADDRNOTAVAIL;
  if (port == 0) {
    port = ephemeral_port(s);
    if (!port) return -EADDRINUSE;
  } else if (!port_free(s, port)) {
    return -EADDRINUSE;
  }
  s.addr = addr;
  s.port = port;
  s.bound = true;
  return 0;
}

int64_t NetworkIo::op_listen(drv::Process& self, Socket& s, int backlog) {
  if (s.state == State::kEstablished || (s.state == State::kClosed && s.peer_port)) return -EINVAL;
  if (!s.bound) {
    const uint32_t p = ephemeral_port(s);
    if (!p) return -EADDRINUSE;
    s.port = p;
    s.bound = true;
  }
  if (s.state != State::kListen) {
    // inet_csk_get_port() again: SO_REUSEADDR does not let two listeners share a port.
    for (const auto& [id, o] : socks_) {
      if (o.get() != &s && o->bound && o->port == s.port && o->state == State::kListen &&
          !(s.reuseport && o->reuseport)) {
        return -EADDRINUSE;
      }
    }
  }
  s.state = State::kListen;
  s.backlog = backlog;
  changed(self, s);
  return 0;
}

int64_t NetworkIo::op_accept(Socket& s, uint32_t from, uint32_t* forwarding, std::vector<uint8_t>* data) {
  if (s.state != State::kListen) return -EINVAL;
  if (s.accept_q.empty()) return -EAGAIN;
  Socket* c = find(s.accept_q.front());
  s.accept_q.pop_front();
  if (!c) return -EAGAIN;
  c->queued = false;
  c->cpus[from] = 1;
  *forwarding = forwarding_cpu(*c).has_value();
  WireWriter w;
  w.put(c->peer_addr).put(c->peer_port);
  *data = w.data();
  return c->id;
}

NetworkIo::Socket* NetworkIo::listener_for(uint32_t port) {
  std::vector<Socket*> listeners;
  for (const auto& [id, o] : socks_) {
    if (o->state == State::kListen && o->port == port) listeners.push_back(o.get());
  }
  if (listeners.empty()) return nullptr;
  // SO_REUSEPORT listeners of one port take new connections in turn (NonStop's
  // round-robin filtering; Linux hashes the 4-tuple instead).
  return listeners[rr_[port]++ % listeners.size()];
}

NetworkIo::Socket& NetworkIo::new_connection(const Socket& l) {
  Socket& c = make_socket();
  c.state = State::kEstablished;
  c.port = l.port;
  // The new socket has the listener's port and options (sk_clone, inet_inherit_port).
  c.bound = true;
  c.window = l.window;
  c.sndbuf = l.sndbuf;
  c.reuseaddr = l.reuseaddr;
  c.reuseport = l.reuseport;
  c.nodelay = l.nodelay;
  c.keepalive = l.keepalive;
  c.queued = true;
  ++c_.connections;
  return c;
}

void NetworkIo::enqueue(drv::Process& self, Socket& l, Socket& c) {
  l.accept_q.push_back(c.id);
  if (!l.accept_waiters.empty()) {
    const auto [corr, cpu] = l.accept_waiters.front();
    l.accept_waiters.pop_front();
    uint32_t forwarding = 0;
    std::vector<uint8_t> data;
    const int64_t id = op_accept(l, cpu, &forwarding, &data);
    reply(self, cpu, corr, id, forwarding, data);
    if (Socket* a = find(static_cast<uint32_t>(id))) changed(self, *a);
  }
  changed(self, l);
}

void NetworkIo::establish(drv::Process& self, Socket& s, Socket& l) {
  Socket& c = new_connection(l);
  c.addr = kLoopback;
  c.peer_addr = kLoopback;
  c.peer_port = s.port;
  c.peer = s.id;
  s.state = State::kEstablished;
  s.peer_addr = kLoopback;
  s.peer_port = l.port;
  s.peer = c.id;
  enqueue(self, l, c);
}

// __inet_stream_connect() and tcp_v4_connect(). A listener whose accept queue is full
// (more than `backlog` waiting) drops the SYN: the connection stays in SYN_SENT and
// tries again when the SYN is retransmitted (1 s, then doubling), as on Linux.
int64_t NetworkIo::op_connect(drv::Process& self, Socket& s, uint32_t addr, uint32_t port, bool nonblock,
                              uint32_t* forwarding) {
  if (s.connect_failed) {  // reporting the earlier attempt; tcp_disconnect() makes it fresh
    s.connect_failed = false;
    s.shutdown = 0;
    const int e = s.err ? s.take_err() : ECONNABORTED;
    changed(self, s);
    return -e;
  }
  if (s.dgram) return connect_dgram(s, addr, port);
  if (s.state == State::kSynSent) return -EALREADY;
  if (s.state == State::kEstablished && s.connect_unreported) {
    s.connect_unreported = false;
    *forwarding = forwarding_cpu(s).has_value();
    return 0;
  }
  if (s.state == State::kListen || s.state == State::kEstablished) return -EISCONN;
  if (!local_addr(addr)) return connect_remote(self, s, addr, port, nonblock);
  if (!s.bound) {
    const uint32_t p = ephemeral_port(s);
    if (!p) return -EADDRNOTAVAIL;
    s.port = p;
    s.bound = true;
  }
  s.addr = kLoopback;
  Socket* l = listener_for(port);
  if (!l) {
    // The peer's stack answers the SYN with a reset.
    s.state = State::kClosed;
    if (!nonblock) return -ECONNREFUSED;
    s.shutdown = SocketShutdown::kBoth;
    s.err = ECONNREFUSED;
    s.connect_failed = true;
    changed(self, s);
    return -EINPROGRESS;
  }
  if (l->accept_q.size() > static_cast<size_t>(l->backlog)) {
    s.state = State::kSynSent;
    s.syn_port = port;
    s.syn_tries = 0;
    add_timer(hw::cycle_after(syn_timeout(0)), s.id);
    changed(self, s);
    return -EINPROGRESS;  // a blocking caller waits for writability and asks again
  }
  establish(self, s, *l);
  s.connect_unreported = nonblock;
  *forwarding = forwarding_cpu(s).has_value();
  return nonblock ? -EINPROGRESS : 0;
}

void NetworkIo::on_syn_timer(drv::Process& self, uint32_t id) {
  step();
  Socket* s = find(id);
  if (!s || s->state != State::kSynSent) return;
  if (s->remote_peer) {  // the host did not answer: send the SYN again, or give up
    if (++s->syn_tries <= kSynRetries) {
      transmit(*s, hw::NetFrame::Kind::kSyn);
      add_timer(hw::cycle_after(syn_timeout(s->syn_tries)), s->id);
      return;
    }
    remote_conns_.erase({s->port, s->peer_addr, s->peer_port});
    s->state = State::kClosed;
    s->shutdown = SocketShutdown::kBoth;
    s->err = ETIMEDOUT;
    s->connect_failed = true;
    changed(self, *s);
    return;
  }
  Socket* l = listener_for(s->syn_port);
  if (!l) {  // the listener went: the SYN meets a reset
    s->state = State::kClosed;
    s->shutdown = SocketShutdown::kBoth;
    s->err = ECONNREFUSED;
    s->connect_failed = true;
  } else if (l->accept_q.size() <= static_cast<size_t>(l->backlog)) {
    establish(self, *s, *l);
    s->connect_unreported = true;
  } else if (++s->syn_tries <= kSynRetries) {
    add_timer(hw::cycle_after(syn_timeout(s->syn_tries)), s->id);
    return;
  } else {
    s->state = State::kClosed;
    s->shutdown = SocketShutdown::kBoth;
    s->err = ETIMEDOUT;
    s->connect_failed = true;
  }
  changed(self, *s);
}

uint64_t NetworkIo::syn_timeout(uint32_t tries) const {
  // TCP_TIMEOUT_INIT (1 s), doubled per retransmission, in this machine's cycles.
  const auto hz = hw::hz_from_mhz(px_.kernel().params().freq_mhz);
  if (!hz) throw std::logic_error("net-io: the clock is not a whole number of Hz");
  return (*hz) << tries;
}

// unix_stream_sendmsg() / unix_dgram_sendmsg() on a pair: SEND_SHUTDOWN (ours, or set
// by the peer's close) is EPIPE before any pending error; a datagram goes whole.
int64_t NetworkIo::op_send_unix(drv::Process& self, Socket& s, std::span<const uint8_t> data) {
  if (s.shutdown & SocketShutdown::kSend) return -EPIPE;
  Socket* p = s.peer ? find(s.peer) : nullptr;
  if (!p) return -EPIPE;
  if (s.dgram) {
    if (p->room() < data.size()) return -EAGAIN;
    px_.kernel().execute(px_.kernel().costs().copy(data.size()));
    p->dq.push_back(drv::Datagram{0, 0, {data.begin(), data.end()}});
    p->dq_bytes += data.size();
    changed(self, *p);
    return static_cast<int64_t>(data.size());
  }
  if (data.empty()) return 0;
  const uint32_t n = std::min<uint32_t>(p->room(), static_cast<uint32_t>(data.size()));
  if (n == 0) return -EAGAIN;
  px_.kernel().execute(px_.kernel().costs().copy(n));
  p->held.insert(p->held.end(), data.begin(), data.begin() + n);
  changed(self, *p);
  return n;
}

// ip4_datagram_connect(): a default destination, and only its datagrams are received.
int64_t NetworkIo::connect_dgram(Socket& s, uint32_t addr, uint32_t port) {
  const bool remote = !local_addr(addr);
  if (remote && !on_link(addr)) return -ENETUNREACH;
  if (!s.bound) {
    const uint32_t p = ephemeral_port(s);
    if (!p) return -EAGAIN;
    s.port = p;
    s.bound = true;
  }
  s.addr = remote ? hw::kNodeAddr : kLoopback;  // the route's source address
  s.state = State::kEstablished;
  s.peer_addr = addr == INADDR_ANY ? kLoopback : addr;
  s.peer_port = port;
  return 0;
}

// udp_sendmsg(): one datagram to a bound UDP socket of this port; none there drops it
// (and a connected sender learns ECONNREFUSED from the ICMP error, as on Linux); a
// receiver whose buffer is full drops it.
int64_t NetworkIo::op_send_dgram(drv::Process& self, Socket& s, const drv::SendTo& to, std::span<const uint8_t> data) {
  constexpr size_t kMaxDatagram = 65507;  // 65535 - IP and UDP headers
  if (s.err) {
    const int e = s.take_err();
    changed(self, s);
    return -e;
  }
  if (s.shutdown & SocketShutdown::kSend) return -EPIPE;
  // inet_sendmsg() binds an unbound socket before udp_sendmsg() looks at the address.
  if (!s.bound) {
    const uint32_t p = ephemeral_port(s);
    if (!p) return -EAGAIN;
    s.port = p;
    s.bound = true;
  }
  uint32_t addr = to.addr, port = to.port;
  if (!to.given) {
    if (s.state != State::kEstablished) return -EDESTADDRREQ;
    addr = s.peer_addr;
    port = s.peer_port;
  }
  if (data.size() > kMaxDatagram) return -EMSGSIZE;
  if (!local_addr(addr)) return on_link(addr) ? send_dgram_remote(s, addr, port, data) : -ENETUNREACH;
  px_.kernel().execute(px_.kernel().costs().copy(data.size()));
  Socket* target = nullptr;
  for (const auto& [id, o] : socks_) {
    if (!o->dgram || !o->bound || o->port != port) continue;
    if (o->state == State::kEstablished && (o->peer_port != s.port)) continue;  // connected elsewhere
    target = o.get();
    break;
  }
  if (!target) {
    if (s.state == State::kEstablished && !to.given) {
      s.err = ECONNREFUSED;
      changed(self, s);
    }
    return static_cast<int64_t>(data.size());
  }
  if (target->room() < data.size()) return static_cast<int64_t>(data.size());  // dropped: receiver full
  target->dq.push_back(drv::Datagram{kLoopback, s.port, {data.begin(), data.end()}});
  target->dq_bytes += data.size();
  changed(self, *target);
  return static_cast<int64_t>(data.size());
}

// tcp_sendmsg(): the data goes into the peer's window; sk_stream_error() decides errors.
int64_t NetworkIo::op_send(drv::Process& self, Socket& s, std::span<const uint8_t> data) {
  if (s.state == State::kSynSent) return -EAGAIN;
  if (s.state != State::kEstablished || s.err || (s.shutdown & SocketShutdown::kSend)) {
    if (!s.err) return -EPIPE;
    const int e = s.take_err();
    changed(self, s);
    return -e;
  }
  if (data.empty()) return 0;
  if (s.remote_peer) return send_remote(self, s, data);
  Socket* p = s.peer ? find(s.peer) : nullptr;
  if (!p) {
    // The peer closed: its stack takes the data and answers with a reset.
    px_.kernel().execute(px_.kernel().costs().copy(data.size()));
    reset(s, s.done);
    changed(self, s);
    return static_cast<int64_t>(data.size());
  }
  const uint32_t n = std::min<uint32_t>(p->room(), static_cast<uint32_t>(data.size()));
  if (n == 0) return -EAGAIN;
  px_.kernel().execute(px_.kernel().costs().copy(n));
  p->held.insert(p->held.end(), data.begin(), data.begin() + n);
  changed(self, *p);
  return n;
}

// tcp_recvmsg() on data held here: contention mode, or a shadow that found an error or
// a closed socket and lets the real socket decide.
int64_t NetworkIo::op_recv(drv::Process& self, Socket& s, uint32_t from, uint32_t max, int flags, uint32_t epoch,
                           std::vector<uint8_t>* data) {
  WireWriter src;
  src.put(s.peer_addr).put(s.peer_port);
  const int64_t r = recv_here(self, s, from, max, flags, epoch, data, &src);
  std::vector<uint8_t> out = src.data();
  drv::WireWriter payload;
  payload.bytes(*data);
  out.insert(out.end(), payload.data().begin(), payload.data().end());
  *data = std::move(out);
  return r;
}

int64_t NetworkIo::recv_here(drv::Process& self, Socket& s, uint32_t from, uint32_t max, int flags, uint32_t epoch,
                             std::vector<uint8_t>* data, WireWriter* src) {
  if (s.state == State::kListen) return -ENOTCONN;
  // The caller asked before it saw forwarding start towards it: its data is on the way
  // to its shadow, ahead of this reply.
  if (const auto f = forwarding_cpu(s); f && *f == from && epoch != s.epoch) return drv::kReadAtShadow;
  if (s.dgram) {
    if (s.dq.empty()) {
      if (s.err) {
        const int e = s.take_err();
        changed(self, s);
        return -e;
      }
      return (s.shutdown & SocketShutdown::kRcv) ? 0 : -EAGAIN;
    }
    const drv::Datagram& d = s.dq.front();
    const uint32_t n = std::min<uint32_t>(max, static_cast<uint32_t>(d.bytes.size()));
    data->assign(d.bytes.begin(), d.bytes.begin() + n);
    *src = WireWriter();
    src->put(d.addr).put(d.port);
    const auto whole = static_cast<int64_t>(d.bytes.size());
    px_.kernel().execute(px_.kernel().costs().copy(n));
    ++c_.held_reads;
    if (!(flags & MSG_PEEK)) {
      s.dq_bytes -= d.bytes.size();
      s.dq.pop_front();
    }
    return (flags & MSG_TRUNC) ? whole : n;
  }
  if (!s.held.empty()) {
    const uint32_t n = std::min<uint32_t>(max, static_cast<uint32_t>(s.held.size()));
    data->assign(s.held.begin(), s.held.begin() + n);
    px_.kernel().execute(px_.kernel().costs().copy(n));
    ++c_.held_reads;
    if (!(flags & MSG_PEEK)) {
      s.held.erase(s.held.begin(), s.held.begin() + n);
      window_opened(self, s);
    }
    return n;
  }
  if (max == 0) return 0;
  if (s.done) return 0;
  if (s.err) {
    const int e = s.take_err();
    changed(self, s);
    return -e;
  }
  if (s.shutdown & SocketShutdown::kRcv) return 0;
  if (s.state == State::kClosed) return -ENOTCONN;
  return -EAGAIN;
}

// inet_shutdown(): an unconnected socket says ENOTCONN but is shut down all the same.
int64_t NetworkIo::op_shutdown(drv::Process& self, Socket& s, int how) {
  const uint8_t mask = static_cast<uint8_t>(how + 1);
  if (s.state == State::kListen) {
    if (mask & SocketShutdown::kRcv) {
      for (uint32_t q : s.accept_q) {
        if (Socket* c = find(q)) close(self, *c, 1);
      }
      s.accept_q.clear();
      s.state = State::kClosed;
      fail_accepts(self, s);
    }
    changed(self, s);
    return 0;
  }
  const uint8_t was = s.shutdown;
  s.shutdown |= mask;
  if (s.state == State::kClosed) {
    changed(self, s);
    return -ENOTCONN;
  }
  if (s.unix_family && s.peer) {  // unix_shutdown(): the peer gets the mirror image
    if (Socket* p = find(s.peer)) {
      if (mask & SocketShutdown::kSend) p->shutdown |= SocketShutdown::kRcv;
      if (mask & SocketShutdown::kRcv) p->shutdown |= SocketShutdown::kSend;
      changed(self, *p);
    }
  } else if ((mask & SocketShutdown::kSend) && s.remote_peer && s.state == State::kEstablished) {
    if (!(was & SocketShutdown::kSend)) transmit(s, hw::NetFrame::Kind::kFin);
  } else if ((mask & SocketShutdown::kSend) && s.peer) {
    if (Socket* p = find(s.peer)) {
      fin(*p);
      changed(self, *p);
    }
  }
  changed(self, s);
  return 0;
}

int64_t NetworkIo::op_getopt(Socket& s, int level, int name) {
  if (level == SOL_SOCKET) {
    switch (name) {
      case SO_ERROR:
        return s.take_err();
      case SO_TYPE:
        return s.dgram ? SOCK_DGRAM : SOCK_STREAM;
      case SO_RCVBUF:
        return s.window;
      case SO_SNDBUF:
        return s.sndbuf;
      case SO_REUSEADDR:
        return s.reuseaddr;
      case SO_REUSEPORT:
        return s.reuseport;
      case SO_KEEPALIVE:
        return s.keepalive;
      case SO_ACCEPTCONN:
        return s.state == State::kListen;
      default:
        return -ENOPROTOOPT;
    }
  }
  if (level == IPPROTO_TCP && name == TCP_NODELAY) return s.nodelay;
  return -ENOPROTOOPT;
}

int64_t NetworkIo::op_setopt(Socket& s, int level, int name, int value) {
  if (level == SOL_SOCKET) {
    switch (name) {
      case SO_RCVBUF:  // sock_setsockopt(): doubled, clamped
        s.window = static_cast<uint32_t>(std::max(std::clamp(value, 0, kMaxBufRequest) * 2, kMinRcvBuf));
        return 0;
      case SO_SNDBUF:
        s.sndbuf = std::max(std::clamp(value, 0, kMaxBufRequest) * 2, kMinSndBuf);
        return 0;
      case SO_REUSEADDR:
        s.reuseaddr = value != 0;
        return 0;
      case SO_REUSEPORT:
        s.reuseport = value != 0;
        return 0;
      case SO_KEEPALIVE:
        s.keepalive = value != 0;
        return 0;
      default:
        return -ENOPROTOOPT;
    }
  }
  if (level == IPPROTO_TCP && name == TCP_NODELAY) {
    s.nodelay = value != 0;
    return 0;
  }
  return -ENOPROTOOPT;
}

void NetworkIo::register_stats(sim::Stats& st) const {
  const std::string p = "cpu." + std::to_string(px_.kernel().cpu()) + ".net_io.";
  st.counter(p + "ops", &c_.ops, "operations", "socket operations served");
  st.counter(p + "connections", &c_.connections, "connections", "connections made");
  st.counter(p + "pushes", &c_.pushes, "messages", "data or state forwarded to a reader's shadow (forwarding mode)");
  st.counter(p + "forwarded_bytes", &c_.forwarded_bytes, "bytes", "bytes forwarded to shadows");
  st.counter(p + "held_reads", &c_.held_reads, "reads", "reads served from data held at the real socket");
  st.counter(p + "window_updates", &c_.window_updates, "messages", "receive window given back by shadows");
  st.counter(p + "to_contention", &c_.to_contention, "switches", "sockets switched from forwarding to contention mode");
  st.counter(p + "to_forwarding", &c_.to_forwarding, "switches", "sockets switched from contention to forwarding mode");
  st.counter(p + "reclaimed_bytes", &c_.reclaimed_bytes, "bytes", "unread bytes shadows gave back at a switch");
  st.counter(p + "sockets_released_cpu_down", &c_.sockets_released_cpu_down, "sockets",
             "sockets a CPU declared down held or waited on, released as its processes' exits would");
  st.counter(p + "answers_sent", &c_.answers_sent, "messages", "immediate answers to subscribes");
  st.counter(p + "notifications_sent", &c_.notifications_sent, "messages", "notifications of recorded interest");
  st.counter(p + "frames_in", &c_.frames_in, "frames", "frames from the network port");
  st.counter(p + "frames_out", &c_.frames_out, "frames", "frames given to the network port");
  st.counter(p + "remote_connections", &c_.remote_connections, "connections",
             "connections with hosts beyond the network port");
  st.counter(p + "syns_dropped", &c_.syns_dropped, "frames", "SYNs from hosts dropped: the accept queue was full");
  st.counter(p + "datagrams_dropped", &c_.datagrams_dropped, "datagrams",
             "datagrams from hosts dropped: no socket for their port, or its buffer full");
  st.counter(p + "checkpoints_sent", &c_.checkpoints_sent, "messages", "checkpoint messages sent to the backup");
  st.counter(p + "checkpoint_entries_sent", &c_.checkpoint_entries_sent, "records",
             "socket records or deletions checkpointed to the backup");
  st.counter(p + "checkpoints_received", &c_.checkpoints_received, "messages",
             "checkpoint messages received from the primary (as backup)");
  st.counter(p + "takeovers", &c_.takeovers, "takeovers", "times this process took over from its primary");
  st.counter(p + "takeover_at", &c_.takeover_at, "cycles", "cycle of the last takeover (0: none)");
  st.counter(p + "sockets_survived", &c_.sockets_survived, "sockets",
             "listening, UDP and unconnected sockets re-created from checkpoints at takeovers");
  st.counter(p + "backups_created", &c_.backups_created, "backups",
             "backups started on another CPU after a takeover or the backup's loss");
  st.formula(p + "cpu_cycles", [this] { return static_cast<double>(cpu_cycles()); }, "cycles",
             "cycles the network I/O process held its CPU");
}

}  // namespace shadowsel::fw
