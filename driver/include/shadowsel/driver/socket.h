// SPDX-License-Identifier: MIT
// Sockets (docs/sockets.md): the real socket lives in the network I/O process of an
// I/O CPU (firmware/net_io.h); every CPU holding a description of it has a shadow
// socket in its own memory, kept by its socket agent. In data-forwarding mode (one CPU
// reads) the I/O process sends arriving data at once to that CPU's shadow, and reads
// are served there without a bus message (the seed's claim 13); otherwise every read
// is a request to the I/O process (contention mode, claim 14).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "shadowsel/driver/agent_call.h"
#include "shadowsel/driver/posix_kernel.h"

namespace shadowsel::drv {

/// Objects an I/O process owns carry a kind bit in their id: socket ids at an I/O CPU
/// have bit 31, TTY lines (docs/ttys.md) bit 30. Pipes, sockets and TTYs of one owner
/// CPU never share an id, so a select key names its kind (the notify engine carries
/// only ids).
constexpr uint32_t kSocketObjectBit = 0x8000'0000u;
constexpr uint32_t kTtyObjectBit = 0x4000'0000u;
constexpr bool is_socket_object(uint32_t object) { return object & kSocketObjectBit; }
constexpr bool is_tty_object(uint32_t object) { return !is_socket_object(object) && (object & kTtyObjectBit); }
/// Served by an I/O process, whose state is the poll bits it computed (ObjectState::Kind::kSocket).
constexpr bool is_io_object(uint32_t object) { return object & (kSocketObjectBit | kTtyObjectBit); }

/// Operations at a real socket (AgentMsg::kOp to the socket agent, which forwards
/// them to the network I/O process). Fields after (owner u32, id u32):
enum class SockOp : uint8_t {
  kCreate = 1,    ///< type u32 (SOCK_STREAM or SOCK_DGRAM); id is 0. ret: the new socket's id
  kBind = 2,      ///< addr u32, port u32 (host order)
  kListen = 3,    ///< backlog i32
  kAccept = 4,    ///< nonblock u8 (else waits there). ret: the new socket's id; version: forwarding to the caller; data: peer addr u32, port u32
  kConnect = 5,   ///< addr u32, port u32, nonblock u8. version: forwarding to the caller
  kSend = 6,      ///< flags u32, SendTo (given u8, addr u32, port u32), data. ret: bytes taken
  kRecv = 7,      ///< max u32, flags u32, the shadow's epoch u32 (contention mode, errors). ret: bytes; data: source addr u32, port u32, bytes
  kShutdown = 8,  ///< how i32
  kName = 9,      ///< peer u8. data: addr u32, port u32
  kGetOpt = 10,   ///< level i32, name i32. ret: the value
  kSetOpt = 11,   ///< level i32, name i32, value i32
  kAddRef = 12,   ///< cpu u32: a spawned child's inherited description on that CPU
  kRelease = 14,  ///< cpu u32, read unacknowledged u32, unread (put_unread): the CPU's last description closed
  kPair = 13,     ///< type u32; id is 0: two AF_UNIX sockets joined. ret: the first's id; data: the second's id u32
};

/// A socket's Linux state as far as poll and the system calls see it.
struct SocketShutdown {
  static constexpr uint8_t kRcv = 1;   ///< RCV_SHUTDOWN: our SHUT_RD, or the peer's FIN
  static constexpr uint8_t kSend = 2;  ///< SEND_SHUTDOWN: our SHUT_WR
  static constexpr uint8_t kBoth = 3;  ///< SHUTDOWN_MASK
};

/// Default receive window of a connection (Linux's tcp_rmem default, 131072 bytes).
constexpr uint32_t kDefaultSocketWindow = 131072;
/// A shadow gives back window to the I/O process once a quarter of it was read (a
/// window update, as TCP sends one per part of a window), not per read.
constexpr uint32_t kWindowUpdateDivisor = 4;

/// A datagram and where it came from.
struct Datagram {
  uint32_t addr = 0, port = 0;
  std::vector<uint8_t> bytes;
};

/// Where a send goes: the connected peer, or an address (sendto).
struct SendTo {
  bool given = false;
  uint32_t addr = 0, port = 0;
};

/// This CPU's shadow of a real socket (one per real socket per CPU, shared by all its
/// descriptions here).
struct ShadowSocket {
  struct LocalWaiter {
    std::shared_ptr<Wait> wait;
    uint32_t slot;
  };
  uint32_t owner = 0;  ///< the I/O CPU
  uint32_t id = 0;     ///< the real socket's id there
  bool lost = false;   ///< reset: its I/O CPU is down and no backup took it over
  uint32_t refs = 0;   ///< descriptions on this CPU naming it
  bool forwarding = false;  ///< the I/O process forwards arriving data here
  bool dgram = false;       ///< SOCK_DGRAM: data comes in datagrams
  std::deque<uint8_t> data; ///< forwarded stream data not yet read
  std::deque<Datagram> dgrams;  ///< forwarded datagrams not yet read
  short events = 0;    ///< the real socket's poll bits when last pushed (no data bit)
  bool done = false;   ///< the peer's FIN arrived (Linux's SOCK_DONE): empty reads give 0
  uint32_t window = kDefaultSocketWindow;  ///< the connection's receive window
  uint32_t epoch = 0;  ///< the forwarding epoch of the last push (kRecv carries it)
  uint32_t unacked = 0;     ///< bytes read here and not yet given back as window
  uint64_t changed_at = 0;
  std::vector<LocalWaiter> waiters;  ///< local calls waiting to read
  /// The poll bits this CPU can tell by itself in forwarding mode.
  short read_mask() const;
  ObjectState state() const;
};

/// kRecv's answer to the CPU the socket now forwards to: the data went to its shadow,
/// read there (not an errno: never returned to a program).
constexpr int64_t kReadAtShadow = -(int64_t{1} << 20);

/// One request to a socket's network I/O process through this CPU's socket agent
/// (`fields` follow owner and id), and its reply.
using SockReply = OpReply;
inline SockReply socket_call(PosixKernel& px, Process& self, uint32_t owner, uint32_t id, SockOp op,
                             std::span<const uint8_t> fields = {}) {
  return agent_call(px, self, kSocketAgentPort, static_cast<uint8_t>(op), owner, id, fields);
}

/// recv(2)/recvfrom(2) and send(2)/sendto(2) on a socket description, with their flags
/// (socket_file.cpp). `from` receives the sender's address when not null.
int64_t socket_recv(PosixKernel& px, Process& self, const std::shared_ptr<OpenFile>& f,
                    std::span<uint8_t> buf, int flags, Datagram* from = nullptr);
int64_t socket_send(PosixKernel& px, Process& self, const std::shared_ptr<OpenFile>& f,
                    std::span<const uint8_t> buf, int flags, const SendTo& to = {});

/// The real objects of an I/O process (the network I/O process's sockets, the telnet
/// I/O process's TTY lines) as its CPU's kernel and notify engine's driver see them.
class IoObjectOwner {
 public:
  virtual ~IoObjectOwner() = default;
  /// The object's state for a select key, or nullopt when it no longer exists.
  virtual std::optional<ObjectState> object_state(uint32_t id) const = 0;
};

}  // namespace shadowsel::drv
