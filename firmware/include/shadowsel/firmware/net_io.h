// SPDX-License-Identifier: MIT
// The network I/O process of an I/O CPU (the seed's Fig. 4, claims 7, 8, 10, 13, 14,
// 22): a continuously running simulated process on port kNetIoPort that owns every real
// socket of its port: connection state, the data held at the socket, the listen and
// accept queues, the remote interest table (which CPU waits for what, step T10) and
// the mode of each socket. Every socket operation of any CPU reaches it as a message
// from that CPU's socket agent, even from the I/O CPU itself.
//
// Connections between programs of the machine (127.0.0.1) are two real sockets here
// joined directly: a reliable byte stream with flow control by the receiver's window,
// no packet-level TCP (docs/sockets.md). Connections and datagrams to and from hosts
// beyond the node's network port (docs/network.md) are frames on its link: the same
// byte stream and window, carried by TCP-like segments (net_io_wire.cpp). Each socket's Linux state follows tcp_poll,
// tcp_sendmsg, tcp_recvmsg, inet_shutdown and tcp_reset closely enough for their
// results, errno values and poll bits to match.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <span>
#include <tuple>
#include <vector>

#include "shadowsel/driver/agent_protocol.h"
#include "shadowsel/driver/posix_kernel.h"
#include "shadowsel/driver/socket.h"
#include "shadowsel/driver/wire.h"
#include "shadowsel/firmware/deadline_poster.h"
#include "shadowsel/firmware/io_interest.h"
#include "shadowsel/hw/net_port.h"
#include "shadowsel/sim/stats.h"

namespace shadowsel::fw {

struct NetIoCounters {
  uint64_t ops = 0;             ///< socket operations served
  uint64_t connections = 0;     ///< connections made
  uint64_t pushes = 0;          ///< messages forwarding data or state to a shadow (forwarding mode)
  uint64_t forwarded_bytes = 0; ///< bytes forwarded to shadows
  uint64_t held_reads = 0;      ///< reads served from data held here (contention mode, errors)
  uint64_t window_updates = 0;  ///< window given back by shadows
  uint64_t to_contention = 0;   ///< switches from forwarding to contention mode
  uint64_t to_forwarding = 0;   ///< switches from contention to forwarding mode
  uint64_t reclaimed_bytes = 0; ///< unread bytes a shadow gave back at a switch
  uint64_t sockets_released_cpu_down = 0;  ///< sockets a CPU declared down held or waited on, released
  uint64_t answers_sent = 0;    ///< immediate answers to subscribes
  uint64_t notifications_sent = 0;  ///< notifications of recorded interest
  uint64_t frames_in = 0;       ///< frames from the network port
  uint64_t frames_out = 0;      ///< frames given to the network port
  uint64_t remote_connections = 0;  ///< connections with hosts beyond the port
  uint64_t syns_dropped = 0;    ///< SYNs from hosts dropped: the accept queue was full
  uint64_t datagrams_dropped = 0;  ///< datagrams from hosts dropped: no socket, or its buffer full
  // the process pair (docs/faults.md, "Process pair")
  uint64_t checkpoints_sent = 0;      ///< checkpoint messages to the backup
  uint64_t checkpoint_entries_sent = 0;  ///< socket records (or deletions) in them
  uint64_t checkpoints_received = 0;  ///< checkpoint messages from the primary (as backup)
  uint64_t takeovers = 0;             ///< times this process took over from its primary
  uint64_t takeover_at = 0;           ///< cycle of the last takeover (0: none)
  uint64_t sockets_survived = 0;      ///< sockets re-created from checkpoints at takeovers
  uint64_t backups_created = 0;       ///< backups started on another CPU (after a takeover or the backup's loss)
};

class NetworkIo final : public drv::IoObjectOwner {
 public:
  explicit NetworkIo(drv::PosixKernel& px);
  ~NetworkIo() override;
  /// Starts the process; with a backup configured (PosixKernel::network_io_backup()),
  /// the primary checkpoints to it and the backup's CPU waits to take over.
  void start();
  std::optional<drv::ObjectState> object_state(uint32_t id) const override;
  const NetIoCounters& counters() const { return c_; }
  /// Blocking accepts waiting here for a connection, on every listener.
  size_t waiting_accepts() const;
  uint64_t cpu_cycles() const;
  void register_stats(sim::Stats& s) const;

 private:
  struct Socket;
  enum class State : uint8_t { kClosed, kListen, kSynSent, kEstablished };

  void run(drv::Process& self);
  void handle(drv::Process& self, const drv::Message& m);
  void on_op(drv::Process& self, std::span<const uint8_t> body);
  /// kSubscribe, or kWatchAdd (`persistent`: an epoll item's watch, watch_table.h).
  void on_subscribe(drv::Process& self, const drv::SelectKey& k, uint32_t from, bool persistent);
  /// kRelease: a CPU's last description of socket `id` closed (the rest of the request in `r`).
  void release(drv::Process& self, uint32_t id, drv::WireReader& r);
  void on_window(drv::Process& self, std::span<const uint8_t> body);
  /// CPU `cpu` was declared down: its descriptions close as its processes' exits would.
  void on_cpu_down(drv::Process& self, uint32_t cpu);

  // --- the process pair (net_io_pair.cpp, docs/faults.md "Process pair") ---
  /// Primary: sends the backup what changed in the sockets that would survive a
  /// takeover since the last checkpoint (everything when `full`: a new backup).
  void checkpoint(drv::Process& self, bool full);
  /// Backup: a checkpoint from the primary.
  void on_checkpoint(std::span<const uint8_t> body);
  /// Backup: the primary's CPU is down; re-create its surviving sockets and serve them.
  void take_over(drv::Process& self, uint32_t old);
  /// Primary: a new backup on the next CPU up, told everything; every socket agent learns
  /// the pair (and, after a takeover, which sockets survived).
  void new_backup(drv::Process& self, uint32_t old, const std::vector<uint32_t>& survived);
  /// What a takeover keeps: listening and UDP sockets, and TCP sockets never connected.
  static bool survives(const Socket& s);
  static std::vector<uint8_t> record(const Socket& s);
  void restore(Socket& s, std::span<const uint8_t> rec);
  /// `s`'s reader consumed data: the writer at the other end may send again.
  void window_opened(drv::Process& self, Socket& s);
  /// The old forwarding CPU gave back what its shadow held (contention mode starts).
  void on_return(drv::Process& self, std::span<const uint8_t> body);
  /// The socket's readers changed CPUs: start or end forwarding (claims 13, 14).
  void readers_changed(drv::Process& self, Socket& s, std::optional<uint32_t> was_forwarding_to);
  /// A connection waiting in SYN_SENT tries again (the SYN's retransmission timer).
  void on_syn_timer(drv::Process& self, uint32_t id);
  /// Joins `s` to listener `l` as a new connection in its accept queue.
  void establish(drv::Process& self, Socket& s, Socket& l);
  /// A listener's new connection, with its port and options, not yet queued.
  Socket& new_connection(const Socket& l);
  /// Puts `c` in `l`'s accept queue, completing the first blocked accept.
  void enqueue(drv::Process& self, Socket& l, Socket& c);
  /// The listener a connection to `port` goes to now (round-robin over SO_REUSEPORT
  /// listeners), or nullptr.
  Socket* listener_for(uint32_t port);
  /// A kSockTimer for socket `id` at cycle `at` (timer_ posts it).
  void add_timer(uint64_t at, uint32_t id);
  /// The SYN retransmission timeout after `tries` retransmissions, in cycles.
  uint64_t syn_timeout(uint32_t tries) const;

  // --- hosts beyond the network port (net_io_wire.cpp) ---
  /// The port's receive process: hands each frame the port took in to the I/O process.
  void run_rx(drv::Process& self);
  void on_frame(drv::Process& self, std::span<const uint8_t> body);
  /// An address this node answers to (its own, loopback, or any).
  bool local_addr(uint32_t addr) const;
  /// An address reached through the network port.
  bool on_link(uint32_t addr) const;
  void transmit(const Socket& s, hw::NetFrame::Kind kind, std::span<const uint8_t> payload = {});
  /// Tells a remote peer the window once it has grown (the reader consumed data).
  void advertise(Socket& s);
  Socket* remote_conn(uint32_t port, uint32_t peer_addr, uint32_t peer_port);
  int64_t connect_remote(drv::Process& self, Socket& s, uint32_t addr, uint32_t port, bool nonblock);
  int64_t send_remote(drv::Process& self, Socket& s, std::span<const uint8_t> data);
  int64_t send_dgram_remote(Socket& s, uint32_t addr, uint32_t port, std::span<const uint8_t> data);
  void accept_remote(drv::Process& self, Socket& l, const hw::NetFrame& f);

  // The operations: a result (>= 0, or -errno); `version` and `data` go in the reply.
  int64_t op_bind(Socket& s, uint32_t addr, uint32_t port);
  int64_t op_listen(drv::Process& self, Socket& s, int backlog);
  int64_t op_accept(Socket& s, uint32_t from, uint32_t* forwarding, std::vector<uint8_t>* data);
  int64_t op_connect(drv::Process& self, Socket& s, uint32_t addr, uint32_t port, bool nonblock,
                     uint32_t* forwarding);
  int64_t op_send(drv::Process& self, Socket& s, std::span<const uint8_t> data);
  int64_t op_recv(drv::Process& self, Socket& s, uint32_t from, uint32_t max, int flags, uint32_t epoch,
                  std::vector<uint8_t>* data);
  int64_t op_shutdown(drv::Process& self, Socket& s, int how);
  int64_t op_send_dgram(drv::Process& self, Socket& s, const drv::SendTo& to, std::span<const uint8_t> data);
  int64_t connect_dgram(Socket& s, uint32_t addr, uint32_t port);
  int64_t op_send_unix(drv::Process& self, Socket& s, std::span<const uint8_t> data);
  /// The read itself; `src` receives the source address of what was read.
  int64_t recv_here(drv::Process& self, Socket& s, uint32_t from, uint32_t max, int flags, uint32_t epoch,
                    std::vector<uint8_t>* data, drv::WireWriter* src);
  /// A shadow's unread data (read unacknowledged u32, put_unread) goes back in front
  /// of what is held here; the bytes given.
  uint64_t give_back(Socket& s, drv::WireReader& r);
  int64_t op_getopt(Socket& s, int level, int name);
  int64_t op_setopt(Socket& s, int level, int name, int value);

  Socket& make_socket();
  Socket* find(uint32_t id);
  /// The socket's poll bits here (tcp_poll), data held here counted.
  short poll_bits(const Socket& s) const;
  drv::ObjectState state_of(const Socket& s) const;
  bool port_free(const Socket& s, uint32_t port) const;
  uint32_t ephemeral_port(const Socket& s);
  /// The CPU data is forwarded to (one CPU holds descriptions), or none.
  std::optional<uint32_t> forwarding_cpu(const Socket& s) const;
  /// After any change of `s`: forward its data and state in forwarding mode, answer
  /// the remote interest it now satisfies (agents and notify engine).
  void changed(drv::Process& self, Socket& s);
  /// The peer's reset arrived (tcp_reset), or its FIN (tcp_fin).
  void reset(Socket& s, bool peer_had_finished);
  void fin(Socket& s);
  /// The listener stopped listening: its blocked accepts return EINVAL.
  void fail_accepts(drv::Process& self, Socket& l);
  /// kRemoteOpCancel: a blocking accept from `cpu` (call `corr`) a signal interrupted.
  void on_cancel(drv::Process& self, uint32_t cpu, uint64_t corr);
  /// The last description is gone: close as Linux's tcp_close does.
  void close(drv::Process& self, Socket& s, uint64_t unread);
  void reply(drv::Process& self, uint32_t to, uint64_t corr, int64_t ret, uint32_t version,
             std::span<const uint8_t> data);
  void step();  ///< charges one table lookup

  drv::PosixKernel& px_;
  drv::Process* process_ = nullptr;
  DeadlinePoster timer_;  ///< the SYN retransmission timer (kNetIoTimerPort)
  std::map<uint32_t, std::unique_ptr<Socket>> socks_;
  uint32_t next_id_ = 1;
  uint32_t next_port_ = kFirstEphemeralPort;
  std::map<uint32_t, uint32_t> rr_;  ///< port -> next listener in turn (SO_REUSEPORT)
  hw::NetPort* port_ = nullptr;      ///< this node's network port, when a link is attached
  drv::Process* rx_ = nullptr;
  /// Connections with remote peers: (local port, peer address, peer port) -> socket.
  std::map<std::tuple<uint32_t, uint32_t, uint32_t>, uint32_t> remote_conns_;
  NetIoCounters c_;
  IoInterest interest_;
  std::optional<uint32_t> backup_;   ///< primary: its backup's CPU
  std::optional<uint32_t> primary_;  ///< backup: its primary's CPU
  std::map<uint32_t, std::vector<uint8_t>> sent_;  ///< primary: each record as last checkpointed
  std::map<uint32_t, std::vector<uint8_t>> ckpt_;  ///< backup: the primary's surviving sockets
  uint32_t ckpt_next_id_ = 1, ckpt_next_port_ = kFirstEphemeralPort;  ///< the remote interest table (T10), answers and notifications

  static constexpr uint32_t kFirstEphemeralPort = 32768;  ///< Linux's ip_local_port_range
  static constexpr uint32_t kLastEphemeralPort = 60999;
  static constexpr uint32_t kSynRetries = 6;  ///< net.ipv4.tcp_syn_retries
};

}  // namespace shadowsel::fw
