// SPDX-License-Identifier: MIT
// The C entry points of the socket calls (shadowsel/posix/posix.h): struct sockaddr_in
// in and out as Linux's inet_bind/inet_getname do, then the POSIX layer's call.
#define SHADOWSEL_POSIX_NO_RENAME
#include "shadowsel/posix/posix.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>

#include "shadowsel/driver/kernel.h"
#include "shadowsel/driver/posix_kernel.h"
#include "posix_call.h"

namespace {

using shadowsel::drv::posix_call::px;
using shadowsel::drv::posix_call::self;
using shadowsel::drv::posix_call::interruptible;
using shadowsel::drv::posix_call::Restart;
using shadowsel::drv::posix_call::sys_result;
using shadowsel::drv::posix_call::interruptible;
using shadowsel::drv::posix_call::Restart;

// An IPv4 address from the caller: EINVAL when too short, EAFNOSUPPORT for another family.
int read_addr(const struct sockaddr* a, socklen_t len, uint32_t* addr, uint32_t* port) {
  if (!a || len < static_cast<socklen_t>(sizeof(sockaddr_in))) return -EINVAL;
  sockaddr_in in;
  std::memcpy(&in, a, sizeof in);
  if (in.sin_family != AF_INET) return -EAFNOSUPPORT;
  *addr = ntohl(in.sin_addr.s_addr);
  *port = ntohs(in.sin_port);
  return 0;
}

// An IPv4 address to the caller, truncated to its buffer; *len says the full size.
void write_addr(struct sockaddr* a, socklen_t* len, uint32_t addr, uint32_t port) {
  if (!a || !len) return;
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_addr.s_addr = htonl(addr);
  in.sin_port = htons(static_cast<uint16_t>(port));
  std::memcpy(a, &in, std::min<size_t>(*len, sizeof in));
  *len = sizeof in;
}

}  // namespace

extern "C" {

int shadowsel_socket(int domain, int type, int protocol) {
  return sys_result(px().sys_socket(self(), domain, type, protocol));
}

int shadowsel_socketpair(int domain, int type, int protocol, int sv[2]) {
  return sys_result(px().sys_socketpair(self(), domain, type, protocol, sv));
}

int shadowsel_bind(int fd, const struct sockaddr* addr, socklen_t len) {
  uint32_t a = 0, p = 0;
  if (const int e = read_addr(addr, len, &a, &p)) return sys_result(e);
  return sys_result(px().sys_bind(self(), fd, a, p));
}

int shadowsel_listen(int fd, int backlog) { return sys_result(px().sys_listen(self(), fd, backlog)); }

int shadowsel_accept4(int fd, struct sockaddr* addr, socklen_t* len, int flags) {
  uint32_t a = 0, p = 0;
  // inet_csk_wait_for_connect()'s -ERESTARTSYS: EINTR, or made again with SA_RESTART
  // (SO_RCVTIMEO, which would make it EINTR always, is not modelled)
  const int r = interruptible(Restart::kWithSaRestart, [&] { return px().sys_accept(self(), fd, flags, &a, &p); });
  if (r >= 0) write_addr(addr, len, a, p);
  return sys_result(r);
}

int shadowsel_accept(int fd, struct sockaddr* addr, socklen_t* len) { return shadowsel_accept4(fd, addr, len, 0); }

int shadowsel_connect(int fd, const struct sockaddr* addr, socklen_t len) {
  uint32_t a = 0, p = 0;
  if (const int e = read_addr(addr, len, &a, &p)) return sys_result(e);
  // A handler ends a blocking connect's wait: EINTR, or with SA_RESTART the call is made
  // again and waits on (inet_stream_connect's -ERESTARTSYS; the connection goes on either way).
  return sys_result(interruptible(Restart::kWithSaRestart, [&] { return px().sys_connect(self(), fd, a, p); }));
}

ssize_t shadowsel_send(int fd, const void* buf, size_t len, int flags) {
  // Blocking send and recv wait in an internal poll a handler interrupts: EINTR, or made
  // again with SA_RESTART (sock_sendmsg/sock_recvmsg's -ERESTARTSYS).
  return sys_result<ssize_t>(interruptible(Restart::kWithSaRestart, [&] {
    return px().sys_send(self(), fd, {static_cast<const uint8_t*>(buf), len}, flags);
  }));
}

ssize_t shadowsel_recv(int fd, void* buf, size_t len, int flags) {
  return sys_result<ssize_t>(interruptible(Restart::kWithSaRestart, [&] {
    return px().sys_recv(self(), fd, {static_cast<uint8_t*>(buf), len}, flags);
  }));
}

ssize_t shadowsel_sendto(int fd, const void* buf, size_t len, int flags, const struct sockaddr* to, socklen_t tolen) {
  uint32_t a = 0, p = 0;
  if (to) {
    if (const int e = read_addr(to, tolen, &a, &p)) return sys_result<ssize_t>(e);
  }
  return sys_result<ssize_t>(interruptible(Restart::kWithSaRestart, [&] {
    return px().sys_send(self(), fd, {static_cast<const uint8_t*>(buf), len}, flags, to != nullptr, a, p);
  }));
}

// A datagram's source comes back; a stream gives none (the length is 0, as TCP's).
ssize_t shadowsel_recvfrom(int fd, void* buf, size_t len, int flags, struct sockaddr* from, socklen_t* fromlen) {
  uint32_t a = 0, p = 0;
  bool dgram = false;
  const ssize_t r = interruptible(Restart::kWithSaRestart, [&] {
    return px().sys_recv(self(), fd, {static_cast<uint8_t*>(buf), len}, flags, &a, &p, &dgram);
  });
  if (r >= 0 && fromlen) {
    if (dgram) {
      write_addr(from, fromlen, a, p);
    } else {
      *fromlen = 0;
    }
  }
  return sys_result(r);
}

int shadowsel_shutdown(int fd, int how) { return sys_result(px().sys_shutdown(self(), fd, how)); }

int shadowsel_getsockname(int fd, struct sockaddr* addr, socklen_t* len) {
  uint32_t a = 0, p = 0;
  const int r = px().sys_getname(self(), fd, false, &a, &p);
  if (r == 0) write_addr(addr, len, a, p);
  return sys_result(r);
}

int shadowsel_getpeername(int fd, struct sockaddr* addr, socklen_t* len) {
  uint32_t a = 0, p = 0;
  const int r = px().sys_getname(self(), fd, true, &a, &p);
  if (r == 0) write_addr(addr, len, a, p);
  return sys_result(r);
}

// Every option the layer knows is an int.
int shadowsel_getsockopt(int fd, int level, int name, void* value, socklen_t* len) {
  if (!value || !len) return sys_result(-EFAULT);
  if (static_cast<int>(*len) < 0) return sys_result(-EINVAL);  // Linux reads it as an int
  int v = 0;
  const int r = px().sys_getsockopt(self(), fd, level, name, &v);
  if (r < 0) return sys_result(r);
  const socklen_t n = std::min<socklen_t>(*len, sizeof v);
  std::memcpy(value, &v, static_cast<size_t>(n));
  *len = n;
  return 0;
}

int shadowsel_setsockopt(int fd, int level, int name, const void* value, socklen_t len) {
  if (!value || len < static_cast<socklen_t>(sizeof(int))) return sys_result(-EINVAL);
  int v = 0;
  std::memcpy(&v, value, sizeof v);
  return sys_result(px().sys_setsockopt(self(), fd, level, name, v));
}

}  // extern "C"
