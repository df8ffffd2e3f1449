// SPDX-License-Identifier: MIT
// The message system (after Tandem's Guardian): processes on any CPUs exchange
// requests, replies and one-way messages addressed to (cpu, port). A message is
// copied from the sender's buffer into kernel memory on the sending node, cut
// into MSG packets (a 16-byte fragment header, then data) that the bus
// interface gathers from that memory, and reassembled into kernel memory on
// the receiving node by the receive interrupt handler; receive() copies it out.
// The agents of later layers are built on it.
//
// Flow control (docs/messages.md): a message is delayed, never dropped. Each
// node's message memory is two pools carved from its kernel memory: a send
// pool for the copies being transmitted and a receive pool for messages
// arriving or waiting to be taken. The receiving interface reserves a
// message's whole buffer in the receive pool when its first fragment arrives
// and refuses that fragment (bus NACK, retried with back-off) while it cannot;
// requests and posts may not use the last quarter of either pool, which is
// kept for replies, so a caller's reply is not held up by requests and posts
// that fill the pools.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "shadowsel/driver/heap.h"
#include "shadowsel/driver/process.h"
#include "shadowsel/hw/frame.h"
#include "shadowsel/hw/params.h"
#include "shadowsel/sim/stats.h"

namespace shadowsel::drv {

class Kernel;

struct MsgCounters {
  uint64_t sent = 0;              ///< messages sent (requests, posts, replies)
  uint64_t acknowledged = 0;      ///< of those to other CPUs, every fragment taken by the receiver (bus completion)
  uint64_t received = 0;          ///< messages taken by a process
  uint64_t tx_fragments = 0;      ///< packets queued to the bus interface
  uint64_t rx_fragments = 0;      ///< packets handled by the receive interrupt
  uint64_t bytes_sent = 0;        ///< message bytes sent
  uint64_t sender_blocked = 0;    ///< sends that waited for transmit resources or pool memory
  uint64_t undeliverable = 0;     ///< messages to a port nobody owns, dropped
  uint64_t calls_to_down_cpus = 0;  ///< calls ended at once: their CPU was already declared down
  uint64_t rx_deferred = 0;       ///< message starts refused for lack of receive-pool memory (retried)
  uint64_t tx_pool_peak = 0;      ///< bytes: most of the send pool in use
  uint64_t rx_pool_peak = 0;      ///< bytes: most of the receive pool in use
  std::array<uint64_t, 4> sent_by_kind{};  ///< `sent` by MsgKind (index 1 request, 2 post, 3 reply)
};

class MessageSystem {
 public:
  /// Messages a node may have in transmission before senders wait.
  static constexpr uint32_t kMaxTxMessages = 64;

  explicit MessageSystem(Kernel& k);

  /// Bytes of each pool (send, receive) for a node of `memory_bytes`: 3/8 of it each,
  /// leaving a quarter of kernel memory to its other users.
  static uint64_t pool_bytes(uint64_t memory_bytes) { return hw::msg_pool_bytes(memory_bytes); }
  /// Largest request or post (all of a pool but the reply reserve), and largest reply.
  static uint64_t max_request_bytes(uint64_t memory_bytes) { return hw::msg_max_request_bytes(memory_bytes); }
  static uint64_t max_reply_bytes(uint64_t memory_bytes) { return hw::msg_max_reply_bytes(memory_bytes); }

  void post(Process& self, Address to, std::span<const uint8_t> data);
  std::vector<uint8_t> call(Process& self, Address to, std::span<const uint8_t> request);
  /// As call(), but nullopt if `to.cpu` is declared down before the reply comes.
  std::optional<std::vector<uint8_t>> call_unless_down(Process& self, Address to, std::span<const uint8_t> request);
  /// As call(), in a wait a signal handler may interrupt (Kernel::block): `cancel` runs
  /// once when it does, to ask the server to give up, and the call still waits for the
  /// reply, which says whether the request was cancelled or had completed. A caller
  /// killed while it waits cancels too; with `abandoned`, it waits for that reply and
  /// hands it over (what a completed request holds must be given back) before it dies.
  std::vector<uint8_t> call_cancellable(Process& self, Address to, std::span<const uint8_t> request,
                                        const std::function<void()>& cancel,
                                        const std::function<void(std::span<const uint8_t>)>& abandoned = {});
  /// `cpu` was declared down: its callers stop waiting (docs/faults.md).
  void peer_down(uint32_t cpu);
  /// The process of port `pid` has ended (Kernel::exit): what its port still holds is
  /// dropped as undeliverable and its buffers freed, as what comes after.
  void port_ended(uint32_t pid);
  Message receive(Process& self);
  void reply(Process& self, const Message& request, std::span<const uint8_t> data);
  /// Waits until every message this node sent to another CPU is acknowledged (each
  /// fragment taken by its receiver), as tcdrain waits for output: with both lanes
  /// down, until one returns (docs/messages.md, "Nothing acknowledged is lost").
  void flush(Process& self);

  const MsgCounters& counters() const { return c_; }
  /// Calls of this node's processes waiting for a reply, or holding one not yet taken.
  std::size_t calls_in_progress() const { return reply_waiters_.size() + replies_.size(); }
  /// Bytes of the receive pool in use (messages arriving or not yet taken).
  uint64_t rx_pool_used() const { return rx_pool_.heap.used(); }
  void register_stats(sim::Stats& s) const;

  /// Frames the kernel receives that are not message fragments (REGROUP) go here, in
  /// the receive interrupt (the liveness monitor, docs/faults.md).
  void set_other_frames(std::function<void(const hw::Frame&)> f) { other_frames_ = std::move(f); }

 private:
  using MsgKind = gen::ipb::MsgKind;
  struct Inbound {
    Address from;
    uint32_t tag = 0;
    MsgKind kind = MsgKind::kPost;
    uint64_t addr = 0;
    uint32_t len = 0;
    uint64_t flow = 0;  ///< the timeline's flow (Frame::flow)
  };
  struct Port {
    std::deque<Inbound> queue;
    Process* waiter = nullptr;
  };
  struct Reassembly {
    Inbound msg;
    uint32_t dst_port = 0;
    uint16_t next_index = 0;
    uint32_t received = 0;
  };
  /// A pool of message memory: a heap over a range of node memory, with its
  /// limit for requests and posts.
  struct Pool {
    Heap heap;
    uint64_t size;
    uint64_t peak = 0;
    /// A buffer for a message of `bytes` and `kind`, or nullopt if it does not fit now.
    std::optional<uint64_t> alloc(uint64_t bytes, MsgKind kind);
  };
  struct TxMessage {
    uint64_t addr;
    uint32_t fragments_left;
  };

  void send(Process& self, Address to, MsgKind kind, uint32_t tag, std::span<const uint8_t> data);
  void deliver(const Inbound& in, uint32_t dst_port);
  /// Copies a message out and frees its buffer; `charged`: the copy is already paid for.
  std::vector<uint8_t> take(Process& self, const Inbound& in, bool charged = false);
  using Abandoned = std::function<void(std::span<const uint8_t>)>;
  /// A call's wait for its reply; `cancel` (may be null) makes the wait interruptible
  /// (call_cancellable), `abandoned` (may be null) takes the reply of a caller killed
  /// while it waited. nullopt when `to.cpu` is declared down first.
  std::optional<std::vector<uint8_t>> await_reply(Process& self, Address to, std::span<const uint8_t> request,
                                                  const std::function<void()>* cancel, const Abandoned* abandoned);
  /// Drops what is left of the call `tag`: its waiter, and a reply it did not take.
  void forget_call(uint32_t tag);
  void on_rx_interrupt();
  void on_frame(std::span<const uint8_t> payload, uint32_t src, uint64_t flow);
  void on_tx_interrupt();
  void reap_tx();
  uint32_t chunk_bytes() const;
  /// The interface's admission check: reserves a message's buffer at its first fragment.
  bool admit(const hw::Frame& f);
  void free_rx(uint64_t addr);
  /// Fails the send unless a message of `len` bytes can ever be buffered.
  void check_size(uint64_t len, MsgKind kind) const;

  Kernel& k_;
  std::function<void(const hw::Frame&)> other_frames_;
  std::unordered_map<uint32_t, Port> ports_;
  std::unordered_map<uint32_t, Inbound> replies_;        ///< tag -> reply waiting to be taken
  struct ReplyWaiter {
    Process* caller;
    uint32_t cpu;       ///< the CPU called
    bool down = false;  ///< that CPU was declared down: no reply will come
  };
  std::unordered_map<uint32_t, ReplyWaiter> reply_waiters_; ///< tag -> caller
  Pool tx_pool_;
  Pool rx_pool_;
  std::map<uint64_t, Reassembly> reassembly_;            ///< (src, reply?, tag) -> partial message
  std::map<uint64_t, uint64_t> reserved_;                ///< (src, reply?, tag) -> buffer admitted, first fragment not yet handled
  std::deque<Process*> rx_pool_waiters_;                 ///< local senders waiting for receive-pool memory
  std::unordered_map<uint64_t, TxMessage> tx_;           ///< cookie -> message in transmission
  std::deque<Process*> tx_waiters_;
  uint32_t next_tag_ = 1;
  uint64_t next_cookie_ = 1;
  MsgCounters c_;
};

}  // namespace shadowsel::drv
