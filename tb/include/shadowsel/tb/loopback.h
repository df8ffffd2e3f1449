// SPDX-License-Identifier: MIT
// Small helpers for C++ programs run as simulated processes that talk over 127.0.0.1
// (the socket mechanism tests and the socket benchmark): they call the POSIX layer by
// its shadowsel_* names, so the includer defines SHADOWSEL_POSIX_NO_RENAME.
#pragma once

#ifndef SHADOWSEL_POSIX_NO_RENAME
#error "define SHADOWSEL_POSIX_NO_RENAME before including shadowsel/tb/loopback.h"
#endif
#include "shadowsel/posix/posix.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdint>
#include <functional>

namespace shadowsel::tb::loopback {

/// Waits (simulated time, no message) until `cond` holds.
inline void wait_until(const std::function<bool()>& cond) {
  while (!cond()) shadowsel_usleep(100);
}

/// addr:port (127.0.0.1 unless given), both in host order.
inline sockaddr_in address(uint16_t port, uint32_t addr = INADDR_LOOPBACK) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(addr);
  a.sin_port = htons(port);
  return a;
}

/// A socket bound to 127.0.0.1:port (0: any free port; `addr` instead of 127.0.0.1 if
/// given, e.g. INADDR_ANY to hear the network too) and listening; its port into
/// *bound. SO_REUSEPORT first if `reuseport`. -1 on any failure.
inline int listen_on(uint16_t port, bool reuseport, uint16_t* bound, int backlog = 64,
                     uint32_t addr = INADDR_LOOPBACK) {
  const int fd = shadowsel_socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  const int one = 1;
  if (reuseport && shadowsel_setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) return -1;
  sockaddr_in a = address(port, addr);
  if (shadowsel_bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return -1;
  if (shadowsel_listen(fd, backlog) != 0) return -1;
  socklen_t len = sizeof a;
  if (shadowsel_getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) return -1;
  *bound = ntohs(a.sin_port);
  return *bound ? fd : -1;
}

/// A new socket connected to 127.0.0.1:port (blocking); -1 on failure.
inline int connect_to(uint16_t port) {
  const int fd = shadowsel_socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in a = address(port);
  if (shadowsel_connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return -1;
  return fd;
}

/// Byte `j` of a test stream: a lost, duplicated or reordered byte breaks the pattern.
inline uint8_t pattern(uint64_t j) { return static_cast<uint8_t>((j * 7 + (j >> 10) * 131 + 1) & 0xff); }

}  // namespace shadowsel::tb::loopback
