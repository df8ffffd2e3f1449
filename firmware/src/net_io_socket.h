// SPDX-License-Identifier: MIT
// The real socket the network I/O process keeps (net_io.cpp for the operations,
// net_io_wire.cpp for a peer beyond the network port), private to those two files.
#pragma once

#include <netinet/in.h>
#include <poll.h>

#include <deque>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "shadowsel/firmware/net_io.h"
#include "shadowsel/hw/net_port.h"

namespace shadowsel::fw {

namespace net_io_detail {
constexpr uint32_t kLoopback = INADDR_LOOPBACK;
constexpr short kWriteBits = POLLOUT | POLLWRNORM | POLLWRBAND;
// Linux's SOCK_MIN_RCVBUF / SOCK_MIN_SNDBUF on 64-bit, and net.core.rmem_max/wmem_max.
constexpr int kMinRcvBuf = 2304, kMinSndBuf = 4608, kMaxBufRequest = 212992;
constexpr int kDefaultSndBuf = 16384;  // tcp_wmem's default
}  // namespace net_io_detail

struct NetworkIo::Socket {
  uint32_t id = 0;
  State state = State::kClosed;
  bool bound = false;        ///< has a port of its own (bind, listen or connect)
  uint32_t addr = INADDR_ANY, port = 0;
  uint32_t peer_addr = 0, peer_port = 0;
  uint32_t peer = 0;         ///< the real socket at the other end; 0 when it is gone
  bool connect_failed = false;  ///< a connect failed; the next connect reports it
  bool connect_unreported = false;  ///< connected after EINPROGRESS: the next connect says 0
  uint32_t syn_port = 0;     ///< SYN_SENT: the port it connects to
  uint32_t syn_tries = 0;    ///< SYN_SENT: retransmissions so far
  bool dgram = false;        ///< SOCK_DGRAM (UDP)
  bool unix_family = false;  ///< AF_UNIX (socketpair): unix_poll, unix_stream_sendmsg
  std::deque<uint8_t> held;  ///< stream data received and held here
  std::deque<drv::Datagram> dq;  ///< datagrams received and held here
  uint64_t dq_bytes = 0;
  uint32_t in_flight = 0;    ///< forwarded to the reader's shadow, window not yet given back
  uint32_t window = drv::kDefaultSocketWindow;
  int sndbuf = net_io_detail::kDefaultSndBuf;
  uint8_t shutdown = 0;      ///< SocketShutdown bits
  bool done = false;         ///< the peer's FIN arrived (SOCK_DONE)
  int err = 0;               ///< pending error (sk_err)
  std::deque<uint32_t> accept_q;
  /// Blocked accepts (corr, CPU), first come first served: a new connection completes
  /// exactly one of them, as Linux wakes one exclusive waiter.
  std::deque<std::pair<uint64_t, uint32_t>> accept_waiters;
  int backlog = 0;
  bool queued = false;       ///< in a listener's accept queue, not accepted yet
  bool reclaiming = false;   ///< waiting for the old forwarding CPU to give back its data
  uint32_t reclaim_from = 0; ///< reclaiming: that CPU
  std::vector<std::vector<uint8_t>> deferred;  ///< kRecv requests that came while reclaiming
  uint32_t epoch = 0;        ///< forwarding epochs so far (ShadowPush::epoch)
  bool reuseaddr = false, reuseport = false, nodelay = false, keepalive = false;
  std::map<uint32_t, uint32_t> cpus;  ///< descriptions per CPU
  /// What the forwarding CPU's shadow was last told.
  std::optional<uint32_t> pushed_to;
  short pushed_events = 0;
  bool pushed_done = false;
  uint64_t changed_at = 0;
  // A peer beyond the network port (net_io_wire.cpp): `peer` stays 0.
  bool remote_peer = false;
  uint64_t rx_total = 0;     ///< stream bytes received from the peer
  uint64_t tx_total = 0;     ///< stream bytes sent to the peer
  uint64_t peer_ack = 0;     ///< of those, what the peer acknowledged
  uint32_t peer_window = 0;  ///< room the peer advertised beyond peer_ack
  uint64_t advertised = 0;   ///< rx_total + room, as last told to the peer
  /// What the peer can still take (its window beyond what is in flight).
  uint32_t peer_room() const {
    const uint64_t edge = peer_ack + peer_window;
    return edge > tx_total ? static_cast<uint32_t>(edge - tx_total) : 0;
  }
  uint32_t room() const {
    const uint64_t used = held.size() + dq_bytes + uint64_t{in_flight};
    return used >= window ? 0 : static_cast<uint32_t>(window - used);
  }
  int take_err() { return std::exchange(err, 0); }  // sock_error(); callers then call changed()
};

}  // namespace shadowsel::fw
