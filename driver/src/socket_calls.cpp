// SPDX-License-Identifier: MIT
// The socket system calls of the POSIX layer (socket.h): checks Linux makes before a
// socket is reached, then one request to the socket's network I/O process. Blocking
// calls (accept, and reads and writes through socket_file.cpp) wait for readiness with
// the select machinery and try again, as the pipe calls do.
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>

#include "shadowsel/driver/file_ops.h"
#include "shadowsel/driver/kernel.h"
#include "shadowsel/driver/socket.h"
#include "shadowsel/driver/wire.h"

namespace shadowsel::drv {
namespace {
constexpr int kKernelORdwr = O_RDWR;  // a socket's description is open for both
}  // namespace

namespace {
// The socket behind `fd`: EBADF, ENOTSOCK, or the description.
int64_t sock_file(PosixKernel& px, Process& self, int fd, std::shared_ptr<OpenFile>* out) {
  auto f = px.file(self, fd);
  if (!f) return -EBADF;
  if (f->type != OpenFile::Type::kSocket) return -ENOTSOCK;
  *out = std::move(f);
  return 0;
}

// A new socket description on this CPU for real socket `id` (its shadow exists: the
// socket agent made it when the I/O process answered).
int install_socket(PosixKernel& px, Process& self, uint32_t owner, uint32_t id, bool nonblock) {
  OpenFile f;
  f.type = OpenFile::Type::kSocket;
  f.flags() = kKernelORdwr | (nonblock ? O_NONBLOCK : 0);
  f.conn = ConnId{owner, id, false};
  ++px.make_shadow(owner, id).refs;
  const int fd = px.install(self, px.make_open_file(f));
  return fd;
}

// Real socket `id`, which no descriptor here names, goes again at once (its shadow too).
void release_socket(PosixKernel& px, Process& self, uint32_t owner, uint32_t id) {
  OpenFile f;
  f.type = OpenFile::Type::kSocket;
  f.conn = ConnId{owner, id, false};
  ++px.make_shadow(owner, id).refs;
  f.ops().release(px, self, f);
}
}  // namespace

int PosixKernel::sys_socket(Process& self, int domain, int type, int protocol) {
  k_.execute(k_.costs().syscall_entry);
  if (domain != AF_INET) return -EAFNOSUPPORT;
  if (type & ~(0xf | SOCK_NONBLOCK | SOCK_CLOEXEC)) return -EINVAL;
  const int kind = type & 0xf;
  if (kind != SOCK_STREAM && kind != SOCK_DGRAM) return -ESOCKTNOSUPPORT;
  if (protocol != 0 && protocol != (kind == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP)) return -EPROTONOSUPPORT;
  WireWriter w;
  w.put<uint32_t>(static_cast<uint32_t>(kind));
  const SockReply r = socket_call(*this, self, net_io_cpu_, 0, SockOp::kCreate, w.data());
  if (r.ret < 0) return static_cast<int>(r.ret);
  const int fd = install_socket(*this, self, net_io_cpu_, static_cast<uint32_t>(r.ret), type & SOCK_NONBLOCK);
  if (fd < 0) release_socket(*this, self, net_io_cpu_, static_cast<uint32_t>(r.ret));  // no descriptor free
  return fd;
}

// socketpair(): both ends are real sockets at the I/O process like any other, joined
// directly with AF_UNIX semantics (unix_poll), so either end may go to another CPU.
int PosixKernel::sys_socketpair(Process& self, int domain, int type, int protocol, int fds[2]) {
  k_.execute(k_.costs().syscall_entry);
  if (domain == AF_INET || domain == AF_INET6) return -EOPNOTSUPP;
  if (domain != AF_UNIX) return -EAFNOSUPPORT;
  if (type & ~(0xf | SOCK_NONBLOCK | SOCK_CLOEXEC)) return -EINVAL;
  const int kind = type & 0xf;
  if (kind != SOCK_STREAM && kind != SOCK_DGRAM) return -ESOCKTNOSUPPORT;
  if (protocol != 0 && protocol != PF_UNIX) return -EPROTONOSUPPORT;
  WireWriter w;
  w.put<uint32_t>(static_cast<uint32_t>(kind));
  const SockReply r = socket_call(*this, self, net_io_cpu_, 0, SockOp::kPair, w.data());
  if (r.ret < 0) return static_cast<int>(r.ret);
  const uint32_t ids[2] = {static_cast<uint32_t>(r.ret), WireReader(r.data).get<uint32_t>()};
  for (int i = 0; i < 2; ++i) {
    fds[i] = install_socket(*this, self, net_io_cpu_, ids[i], type & SOCK_NONBLOCK);
    if (fds[i] < 0) {
      const int e = fds[i];
      if (i == 1) sys_close(self, fds[0]);
      return e;
    }
  }
  return 0;
}

int PosixKernel::sys_bind(Process& self, int fd, uint32_t addr, uint32_t port) {
  k_.execute(k_.costs().syscall_entry);
  std::shared_ptr<OpenFile> f;
  if (const auto e = sock_file(*this, self, fd, &f)) return static_cast<int>(e);
  WireWriter w;
  w.put(addr).put(port);
  return static_cast<int>(socket_call(*this, self, f->conn.owner, f->conn.id, SockOp::kBind, w.data()).ret);
}

int PosixKernel::sys_listen(Process& self, int fd, int backlog) {
  k_.execute(k_.costs().syscall_entry);
  std::shared_ptr<OpenFile> f;
  if (const auto e = sock_file(*this, self, fd, &f)) return static_cast<int>(e);
  WireWriter w;
  w.put<int32_t>(backlog);
  return static_cast<int>(socket_call(*this, self, f->conn.owner, f->conn.id, SockOp::kListen, w.data()).ret);
}

int PosixKernel::sys_accept(Process& self, int fd, int flags, uint32_t* peer_addr, uint32_t* peer_port) {
  k_.execute(k_.costs().syscall_entry);
  std::shared_ptr<OpenFile> f;
  if (const auto e = sock_file(*this, self, fd, &f)) return static_cast<int>(e);
  if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) return -EINVAL;
  // A blocking accept waits at the I/O process, which gives each new connection to one
  // waiting accept (Linux wakes one exclusive waiter), not through readiness. A signal
  // handler gives the wait up there (the connections stay queued), unless a connection
  // came first: then it is accepted and the handler runs after. A caller killed while it
  // waits gives back a connection handed to it meanwhile.
  WireWriter w;
  w.put<uint8_t>(f->nonblock());
  const uint32_t owner = f->conn.owner;
  const Cancellable on_signal{[this, &self, owner](const OpReply& r) {
    release_socket(*this, self, owner, static_cast<uint32_t>(r.ret));
  }};
  const SockReply r = agent_call(*this, self, kSocketAgentPort, static_cast<uint8_t>(SockOp::kAccept), owner,
                                 f->conn.id, w.data(), &on_signal);
  if (r.ret < 0) return static_cast<int>(r.ret);
  WireReader rd(r.data);
  const uint32_t a = rd.get<uint32_t>(), p = rd.get<uint32_t>();
  if (peer_addr) *peer_addr = a;
  if (peer_port) *peer_port = p;
  return install_socket(*this, self, f->conn.owner, static_cast<uint32_t>(r.ret), flags & SOCK_NONBLOCK);
}

int PosixKernel::sys_connect(Process& self, int fd, uint32_t addr, uint32_t port) {
  k_.execute(k_.costs().syscall_entry);
  std::shared_ptr<OpenFile> f;
  if (const auto e = sock_file(*this, self, fd, &f)) return static_cast<int>(e);
  WireWriter w;
  w.put(addr).put(port).put<uint8_t>(f->nonblock());
  for (;;) {
    const int64_t r = socket_call(*this, self, f->conn.owner, f->conn.id, SockOp::kConnect, w.data()).ret;
    // A blocking connect the listener could not take at once: wait until the connection
    // is made or has failed, then ask for the outcome (inet_wait_for_connect()).
    if (f->nonblock() || (r != -EINPROGRESS && r != -EALREADY)) return static_cast<int>(r);
    wait_ready(self, f, Interest::kWrite);
  }
}

int64_t PosixKernel::sys_send(Process& self, int fd, std::span<const uint8_t> buf, int flags, bool to_given,
                              uint32_t to_addr, uint32_t to_port) {
  k_.execute(k_.costs().syscall_entry);
  std::shared_ptr<OpenFile> f;
  if (const auto e = sock_file(*this, self, fd, &f)) return e;
  const ShadowSocket* sh = shadow(f->conn.owner, f->conn.id);
  // A connected stream ignores the destination, as TCP does.
  const bool dgram = sh && sh->dgram;
  return socket_send(*this, self, f, buf, flags, SendTo{to_given && dgram, to_addr, to_port});
}

int64_t PosixKernel::sys_recv(Process& self, int fd, std::span<uint8_t> buf, int flags, uint32_t* from_addr,
                              uint32_t* from_port, bool* is_dgram) {
  k_.execute(k_.costs().syscall_entry);
  std::shared_ptr<OpenFile> f;
  if (const auto e = sock_file(*this, self, fd, &f)) return e;
  const ShadowSocket* sh = shadow(f->conn.owner, f->conn.id);
  if (is_dgram) *is_dgram = sh && sh->dgram;
  Datagram from;
  const int64_t r = socket_recv(*this, self, f, buf, flags, &from);
  if (from_addr) *from_addr = from.addr;
  if (from_port) *from_port = from.port;
  return r;
}

int PosixKernel::sys_shutdown(Process& self, int fd, int how) {
  k_.execute(k_.costs().syscall_entry);
  std::shared_ptr<OpenFile> f;
  if (const auto e = sock_file(*this, self, fd, &f)) return static_cast<int>(e);
  if (how < SHUT_RD || how > SHUT_RDWR) return -EINVAL;
  WireWriter w;
  w.put<int32_t>(how);
  return static_cast<int>(socket_call(*this, self, f->conn.owner, f->conn.id, SockOp::kShutdown, w.data()).ret);
}

int PosixKernel::sys_getname(Process& self, int fd, bool peer, uint32_t* addr, uint32_t* port) {
  k_.execute(k_.costs().syscall_entry);
  std::shared_ptr<OpenFile> f;
  if (const auto e = sock_file(*this, self, fd, &f)) return static_cast<int>(e);
  WireWriter w;
  w.put<uint8_t>(peer);
  const SockReply r = socket_call(*this, self, f->conn.owner, f->conn.id, SockOp::kName, w.data());
  if (r.ret < 0) return static_cast<int>(r.ret);
  WireReader rd(r.data);
  *addr = rd.get<uint32_t>();
  *port = rd.get<uint32_t>();
  return 0;
}

int PosixKernel::sys_getsockopt(Process& self, int fd, int level, int name, int* value) {
  k_.execute(k_.costs().syscall_entry);
  std::shared_ptr<OpenFile> f;
  if (const auto e = sock_file(*this, self, fd, &f)) return static_cast<int>(e);
  WireWriter w;
  w.put<int32_t>(level).put<int32_t>(name);
  const SockReply r = socket_call(*this, self, f->conn.owner, f->conn.id, SockOp::kGetOpt, w.data());
  if (r.ret < 0) return static_cast<int>(r.ret);
  *value = static_cast<int>(r.ret);
  return 0;
}

int PosixKernel::sys_setsockopt(Process& self, int fd, int level, int name, int value) {
  k_.execute(k_.costs().syscall_entry);
  std::shared_ptr<OpenFile> f;
  if (const auto e = sock_file(*this, self, fd, &f)) return static_cast<int>(e);
  WireWriter w;
  w.put<int32_t>(level).put<int32_t>(name).put<int32_t>(value);
  return static_cast<int>(socket_call(*this, self, f->conn.owner, f->conn.id, SockOp::kSetOpt, w.data()).ret);
}

}  // namespace shadowsel::drv
