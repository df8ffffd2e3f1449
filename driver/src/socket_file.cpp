// SPDX-License-Identifier: MIT
// Socket descriptions (socket.h). Every operation is a request to the socket's network
// I/O process through this CPU's socket agent, except what data-forwarding mode makes
// local: reads of forwarded data and readiness to read, served by the shadow here.
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

#include "shadowsel/driver/agent_protocol.h"
#include "shadowsel/driver/file_ops.h"
#include "shadowsel/driver/kernel.h"
#include "shadowsel/driver/socket.h"
#include "shadowsel/driver/wire.h"

namespace shadowsel::drv {
namespace {

constexpr short kReadAsk = POLLIN | POLLRDNORM | POLLRDBAND | POLLPRI | POLLRDHUP;
constexpr short kWriteAsk = POLLOUT | POLLWRNORM | POLLWRBAND;

ShadowSocket* shadow_of(PosixKernel& px, const OpenFile& f) { return px.shadow(f.conn.owner, f.conn.id); }

// What a read finds at the shadow in forwarding mode: bytes, end of input, "nothing yet",
// or nullopt when the real socket must decide (an error to report, a closed socket).
// Gives back window to the I/O process once a quarter of it was read here.
void window_update(PosixKernel& px, Process& self, ShadowSocket& sh, size_t n) {
  sh.unacked += static_cast<uint32_t>(n);
  if (sh.unacked < std::max<uint32_t>(1, sh.window / kWindowUpdateDivisor)) return;
  WireWriter w;
  w.put(AgentMsg::kSockWindow).put(sh.owner).put(sh.id).put(std::exchange(sh.unacked, 0));
  self.post(Address{px.kernel().cpu(), kSocketAgentPort}, w.data());
}

// What a read finds at the shadow in forwarding mode: bytes, end of input, "nothing yet",
// or nullopt when the real socket must decide (an error to report, a closed socket).
std::optional<int64_t> shadow_recv(PosixKernel& px, Process& self, ShadowSocket& sh, std::span<uint8_t> buf,
                                   int flags, Datagram* from) {
  const bool peek = flags & MSG_PEEK;
  if (sh.dgram && !sh.dgrams.empty()) {
    // One datagram per read; what does not fit is lost (unless MSG_TRUNC asks its size).
    Datagram d = peek ? sh.dgrams.front() : std::move(sh.dgrams.front());
    if (!peek) sh.dgrams.pop_front();
    const size_t n = std::min(buf.size(), d.bytes.size());
    std::copy_n(d.bytes.begin(), n, buf.begin());
    if (from) *from = Datagram{d.addr, d.port, {}};
    if (!peek) window_update(px, self, sh, d.bytes.size());
    px.kernel().execute(px.kernel().costs().copy(n));
    return static_cast<int64_t>((flags & MSG_TRUNC) ? d.bytes.size() : n);
  }
  if (!sh.data.empty()) {
    const size_t n = std::min(buf.size(), sh.data.size());
    std::copy_n(sh.data.begin(), n, buf.begin());
    if (!peek) {
      // Taken before the copy is charged: the agent may run meanwhile (a reclaim).
      sh.data.erase(sh.data.begin(), sh.data.begin() + static_cast<std::ptrdiff_t>(n));
      window_update(px, self, sh, n);
    }
    px.kernel().execute(px.kernel().costs().copy(n));
    return static_cast<int64_t>(n);
  }
  if (sh.dgram) return (sh.events & POLLERR) ? std::nullopt : std::optional<int64_t>(-EAGAIN);
  if (buf.empty() || sh.done) return 0;
  if (sh.events & (POLLERR | POLLHUP)) return std::nullopt;
  if (sh.events & POLLRDHUP) return 0;  // our own SHUT_RD
  return -EAGAIN;
}

class SocketFileOps final : public FileOps {
 public:
  int64_t read(PosixKernel& px, Process& self, const std::shared_ptr<OpenFile>& f,
               std::span<uint8_t> in) const override {
    return socket_recv(px, self, f, in, 0);
  }
  int64_t write(PosixKernel& px, Process& self, const std::shared_ptr<OpenFile>& f,
                std::span<const uint8_t> out) const override {
    return socket_send(px, self, f, out, 0);
  }

  // Readiness to read is local in forwarding mode (the shadow has the data and the
  // state the I/O process pushed); everything else is asked of the I/O process.
  // POLLHUP and POLLERR come with either interest.
  void poll_arm(PosixKernel& px, const std::shared_ptr<Wait>& w, uint32_t slot, const OpenFile& f,
                short allowed, bool may_block, std::vector<Wait::Item>& remote) const override {
    const bool want_write = allowed & kWriteAsk;
    const bool want_read = (allowed & kReadAsk) || (!want_write && (allowed & (POLLHUP | POLLERR)));
    ShadowSocket* sh = shadow_of(px, f);
    if (want_read) {
      if (sh && sh->forwarding) {
        if (may_block) sh->waiters.push_back({w, slot});
      } else {
        remote.push_back({slot, Interest::kRead});
      }
    }
    if (want_write) remote.push_back({slot, Interest::kWrite});
  }

  short poll_mask(PosixKernel& px, const OpenFile& f, const Wait& w, uint32_t slot) const override {
    short m = 0;
    if (const ShadowSocket* sh = shadow_of(px, f); sh && sh->forwarding) m |= sh->read_mask();
    for (const ReadyRecord& a : w.answers) {
      if (a.slot == slot) m |= remote_bits(px, f, a);
    }
    for (const ReadyRecord& a : w.ready) {
      if (a.remote && a.slot == slot) m |= remote_bits(px, f, a);
    }
    return m;
  }

 private:
  // An answer or notification counts for the side its key asked about: an answer about
  // writing that is still awaiting its notification says nothing current about reading.
  // In forwarding mode the shadow tells the read side (the I/O process's read bits count
  // data it forwarded here, maybe read already).
  static short remote_bits(PosixKernel& px, const OpenFile& f, const ReadyRecord& r) {
    constexpr short kBoth = POLLERR | POLLHUP;
    const ShadowSocket* sh = shadow_of(px, f);
    if (r.interest == Interest::kWrite) return static_cast<short>(r.state.events & (kWriteAsk | kBoth));
    if (sh && sh->forwarding) return 0;
    return static_cast<short>(r.state.events & ~kWriteAsk);
  }

 public:

  short record_mask(PosixKernel& px, const OpenFile& f, const ReadyRecord& r) const override {
    return r.remote ? remote_bits(px, f, r) : r.state.events;
  }

  SelectKey select_key(const OpenFile& f, Interest i) const override {
    return {f.conn.owner, f.conn.id, static_cast<uint8_t>(i), 0};
  }

  uint32_t agent_port(const OpenFile&) const override { return kSocketAgentPort; }

  // The last description here: the shadow goes, and what it held unread goes back to
  // the real socket (other CPUs may still read it; if none, it decides a reset). A
  // request, not a post: as on Linux, the peer sees the close before close() returns.
  void release(PosixKernel& px, Process& self, OpenFile& f) const override {
    WireWriter w;
    w.put(px.kernel().cpu());
    if (ShadowSocket* sh = shadow_of(px, f); sh && --sh->refs == 0) {
      w.put(sh->unacked);
      put_unread(w, sh->data, sh->dgrams);
      px.drop_shadow(f.conn.owner, f.conn.id);
    } else {
      w.put<uint32_t>(0);
      put_unread(w, {}, {});
    }
    socket_call(px, self, f.conn.owner, f.conn.id, SockOp::kRelease, w.data());
  }

  void share_with(PosixKernel& px, Process& self, const OpenFile& f, uint32_t cpu) const override {
    if (cpu == px.kernel().cpu()) return;
    WireWriter w;
    w.put(cpu);
    socket_call(px, self, f.conn.owner, f.conn.id, SockOp::kAddRef, w.data());
  }

  void adopt(PosixKernel& px, const OpenFile& f) const override { ++px.make_shadow(f.conn.owner, f.conn.id).refs; }
};

}  // namespace

short ShadowSocket::read_mask() const {
  short m = events & ~static_cast<short>(POLLOUT | POLLWRNORM | POLLWRBAND);
  if (!data.empty() || !dgrams.empty()) m |= POLLIN | POLLRDNORM;
  return m;
}

ObjectState ShadowSocket::state() const {
  ObjectState s;
  s.kind = ObjectState::Kind::kSocket;
  s.events = read_mask();
  s.changed_at = changed_at;
  return s;
}

int64_t socket_recv(PosixKernel& px, Process& self, const std::shared_ptr<OpenFile>& f, std::span<uint8_t> buf,
                    int flags, Datagram* from) {
  const bool nonblock = f->nonblock() || (flags & MSG_DONTWAIT);
  for (;;) {
    std::optional<int64_t> r;
    if (ShadowSocket* sh = shadow_of(px, *f); sh && sh->forwarding) r = shadow_recv(px, self, *sh, buf, flags, from);
    if (!r) {
      const ShadowSocket* sh = shadow_of(px, *f);
      WireWriter w;
      w.put(static_cast<uint32_t>(std::min<size_t>(buf.size(), kMaxRemoteTransfer))).put<int32_t>(flags)
          .put<uint32_t>(sh ? sh->epoch : 0);
      const SockReply rep = socket_call(px, self, f->conn.owner, f->conn.id, SockOp::kRecv, w.data());
      if (rep.ret == kReadAtShadow) continue;  // the socket went back to forwarding here
      if (rep.ret >= 0) {  // an error carries no data (one from an agent whose owner is down, none)
        WireReader rd(rep.data);
        const uint32_t addr = rd.get<uint32_t>(), port = rd.get<uint32_t>();
        const auto bytes = rd.bytes();
        std::copy(bytes.begin(), bytes.end(), buf.begin());
        if (from) *from = Datagram{addr, port, {}};
      }
      r = rep.ret;
    }
    if (*r != -EAGAIN || nonblock) return *r;
    px.wait_ready(self, f, Interest::kRead);
  }
}

// tcp_sendmsg(): a blocking send returns once all is taken; a non-blocking one takes
// what the window allows. EPIPE raises SIGPIPE unless MSG_NOSIGNAL.
int64_t socket_send(PosixKernel& px, Process& self, const std::shared_ptr<OpenFile>& f,
                    std::span<const uint8_t> buf, int flags, const SendTo& to) {
  const bool nonblock = f->nonblock() || (flags & MSG_DONTWAIT);
  uint64_t done = 0;
  for (;;) {
    const auto rest = buf.subspan(done);
    WireWriter w;
    // A datagram goes whole (the I/O process says EMSGSIZE if it is too large).
    const size_t chunk = shadow_of(px, *f) && shadow_of(px, *f)->dgram ? rest.size()
                                                                      : std::min<size_t>(rest.size(), kMaxRemoteTransfer);
    w.put<uint32_t>(static_cast<uint32_t>(flags)).put<uint8_t>(to.given).put(to.addr).put(to.port)
        .bytes(rest.first(chunk));
    const int64_t r = socket_call(px, self, f->conn.owner, f->conn.id, SockOp::kSend, w.data()).ret;
    if (r == -EAGAIN) {
      if (nonblock) return done ? static_cast<int64_t>(done) : -EAGAIN;
      try {
        px.wait_ready(self, f, Interest::kWrite);
      } catch (const SignalInterrupted&) {
        // tcp_sendmsg(): a signal ends the send, which returns what it took
        if (done) return static_cast<int64_t>(done);
        throw;
      }
      continue;
    }
    if (r < 0) {
      if (done) return static_cast<int64_t>(done);
      if (r == -EPIPE && !(flags & MSG_NOSIGNAL)) px.raise_sigpipe(self);
      return r;
    }
    done += static_cast<uint64_t>(r);
    if (done >= buf.size() || nonblock) return static_cast<int64_t>(done);
  }
}

const FileOps& socket_file_ops() {
  static const SocketFileOps ops;
  return ops;
}

}  // namespace shadowsel::drv
