// SPDX-License-Identifier: MIT
// A node's bus interface unit (BIU): one port on each lane, a transmit window
// the lanes take packets from, and a bounded receive buffer shared by both
// lanes. Flow control is NACK-and-retry: a receiver whose buffer is full refuses
// a frame at the end of its transfer, and the sender offers it again after a
// wait that grows with the packet's consecutive refusals (BusParams::retry_delay),
// so a receiver stuck for a long time costs a few transfers, not a storm.
// Nothing is dropped.
//
// Ordering: a packet is offered to a lane only when no older packet in the
// window still has to reach any of the same nodes, so packets between a pair
// of nodes arrive in order even with both lanes in use. A multicast refused by
// some receivers is sent again to those only, so no node ever sees a frame
// twice. Sequence numbers check all this: unicast frames are numbered per
// (sender, receiver) without gaps, multicast frames per sender; a receiver
// counts any frame out of sequence (it never drops one on that account).
// A frame it has already taken (its acknowledgement was lost on the way back, so
// the sender sent it again) is recognised by its number, discarded and
// acknowledged, as link protocols do: nothing acknowledged is delivered twice.
//
// The node may also refuse a frame the buffer has room for: an admission check
// (set_rx_admit) that the message system uses to reserve the memory a message
// will be reassembled in when its first fragment arrives, and to refuse that
// fragment (a NACK, retried with the same back-off, like InfiniBand's
// receiver-not-ready NAK) while it cannot: a message is delayed, never dropped
// (docs/messages.md).
//
// With a notify engine attached, frames of the engine's types (NE_SUBSCRIBE,
// NE_NOTIFY, ALIVE) go to a queue of their own that the engine drains, not to
// the kernel's receive buffer; that queue is bounded the same way and refuses
// (never drops) a frame when full. The engine's transmitted packets share the
// window with the kernel's and report completion to the engine only.
//
// Liveness (docs/faults.md): a packet may be pinned to one lane (TxRequest::lane), so
// that I'm-alive goes out on X and on Y; a pinned packet whose lane is down is lost
// (tx_lane_down_lost), since going round on the other lane would defeat its purpose.
// Without an engine, ALIVE frames are taken by the interface itself: it records, per
// sender, the last cycle one arrived (alive_heard), and never buffers or refuses them,
// so I'm-alive costs the receiving CPU nothing until its monitor reads the table.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>

#include "shadowsel/hw/frame.h"
#include "shadowsel/hw/interrupt.h"
#include "shadowsel/hw/memory.h"
#include "shadowsel/hw/params.h"

namespace shadowsel::hw {

class Interconnect;

/// A packet the driver asks the BIU to send: `prefix` bytes from the request
/// itself followed by `len` bytes gathered by DMA from memory at `addr`.
struct TxRequest {
  PacketType type = PacketType::kMsg;
  uint64_t dst_mask = 0;                ///< one bit per destination node
  std::array<uint8_t, 32> prefix{};
  uint8_t prefix_len = 0;
  uint64_t addr = 0;
  uint32_t len = 0;
  uint64_t cookie = 0;                  ///< handed back on completion
  bool engine = false;                  ///< the notify engine's: completion goes back to it, not to tx_done
  int8_t lane = -1;                     ///< 0 X, 1 Y: only that lane carries it; -1 either
  bool quiet = false;                   ///< no completion report (liveness packets)
  uint64_t flow = 0;                    ///< the timeline's flow, carried beside the frame (Frame::flow)
};

struct BiuCounters {
  uint64_t tx_packets = 0;      ///< packets fully delivered to all their destinations
  uint64_t tx_retries = 0;      ///< transfers refused by at least one receiver
  uint64_t rx_packets = 0;      ///< frames accepted into the receive buffer
  uint64_t rx_refused = 0;      ///< frames refused: buffer full, or not admitted by the node
  uint64_t rx_not_admitted = 0; ///< of those, refused by the node's admission check (no memory for a message)
  uint64_t rx_seq_errors = 0;   ///< frames out of sequence: lost, repeated or reordered
  uint64_t rx_check_errors = 0; ///< frames discarded for a bad CRC
  uint64_t rx_buffer_peak = 0;  ///< most frames held at once
  uint64_t rx_engine_packets = 0;  ///< frames accepted into the notify engine's queue
  uint64_t rx_engine_refused = 0;  ///< frames refused because the engine's queue was full
  uint64_t rx_discarded_dead = 0;  ///< frames thrown away: this node halted, or its engine hung (faults)
  uint64_t tx_lane_down_lost = 0;  ///< packets pinned to a lane that was down: not sent
  std::array<uint64_t, 2> rx_alive{};  ///< ALIVE frames taken, per lane (X, Y)
  uint64_t rx_duplicates = 0;   ///< frames already taken, sent again after a lost acknowledgement: discarded, acknowledged
  uint64_t tx_no_lane_cycles = 0;  ///< cycles this node had packets to send while both lanes were down (closed periods)
};

class NotifyEngine;

class BusInterface {
 public:
  BusInterface(uint32_t node, const BusParams& params, Memory& memory, InterruptController& irq);

  uint32_t node() const { return node_; }
  void attach(Interconnect* ic) { ic_ = ic; }

  // --- driver side ---
  /// Queues a packet. Its payload is read from memory when it enters the window.
  void post(const TxRequest& r);
  /// Packets queued or in the window, not yet delivered everywhere.
  size_t tx_outstanding() const { return backlog_[0].size() + backlog_[1].size() + window_.size(); }
  /// Cookies of packets delivered everywhere since the last call.
  bool tx_done_empty() const { return tx_done_.empty(); }
  uint64_t tx_done_pop();
  /// While enabled, pending completions hold IrqLine::kBusTx raised.
  void set_tx_irq_enabled(bool on);
  bool rx_empty() const { return rx_.empty(); }
  /// Takes the oldest received frame; lowers kBusRx when the buffer empties.
  FramePtr rx_pop();
  /// Consulted for each good frame bound for the kernel's buffer when the buffer
  /// has room: false refuses it (the sender retries). Must have no effect on false.
  using Admit = std::function<bool(const Frame&)>;
  void set_rx_admit(Admit a) { admit_ = std::move(a); }

  // --- notify engine side ---
  /// From now on NE_SUBSCRIBE, NE_NOTIFY and ALIVE frames go to `e`'s queue.
  void attach_engine(NotifyEngine* e) { engine_ = e; }
  /// True for the packet types the engine takes when one is attached.
  static bool engine_type(PacketType t);
  bool engine_rx_empty() const { return engine_rx_.empty(); }
  const FramePtr& engine_rx_front() const { return engine_rx_.front(); }
  void engine_rx_pop() { engine_rx_.pop_front(); }
  /// Engine packets queued or in the window, not yet delivered everywhere.
  size_t engine_tx_outstanding() const { return engine_tx_outstanding_; }
  /// The engine may hand over another packet: its packets in flight stay within one
  /// transmit window, so a busy bus holds the engine back instead of queueing without bound.
  bool engine_tx_ready() const { return engine_tx_outstanding_ < p_.tx_window_packets; }

  const BiuCounters& counters() const { return c_; }
  /// Cycle the last ALIVE from `src` arrived on either lane, 0 never (no engine attached).
  uint64_t alive_heard(uint32_t src) const { return alive_heard_[src]; }
  /// Packets not yet delivered everywhere other than liveness ones (ALIVE, REGROUP):
  /// for the end-of-run rule (docs/faults.md, Liveness).
  bool busy_besides_liveness() const;
  /// Both lanes down: nobody can be heard, so silence says nothing about the others.
  bool both_lanes_down() const;
  static bool liveness_type(PacketType t) { return t == PacketType::kAlive || t == PacketType::kRegroup; }
  /// Something to send (not halted): the bus wakes for a lane's return only then.
  bool tx_waiting() const { return !halted_ && tx_outstanding() > 0; }
  /// Both lanes went down (`down`) or one came back, at cycle `at` (Interconnect).
  void no_lane(bool down, uint64_t at);

  // --- faults (docs/faults.md) ---
  /// The node halted: from now on it offers nothing to the lanes and takes nothing
  /// from them. A frame addressed to it is lost: the lane completes the transfer as
  /// if taken, so senders do not retry towards a dead node forever.
  void halt() { halted_ = true; }
  bool halted() const { return halted_; }
  /// The node's notify engine hung: frames of the engine's types are lost the same way.
  void engine_hung() { engine_hung_ = true; }

 private:
  friend class Interconnect;
  struct Slot {
    FramePtr frame;           ///< addressed to exactly the nodes in `pending`
    uint64_t pending;         ///< destinations that have not taken it yet
    bool multicast;
    uint64_t retry_at = 0;    ///< earliest cycle to offer it again
    uint32_t refusals = 0;    ///< consecutive refusals so far: sets the back-off
    int lane = -1;            ///< lane carrying it now, -1 none
    uint64_t cookie;
    bool engine;
    int pin = -1;             ///< the only lane that may carry it, -1 either
    bool quiet = false;
    std::list<Slot>::iterator self{};  ///< its place in window_, to erase it without a search
  };
  enum class Accept { kAccepted, kRefused, kDiscarded };

  void refill();
  /// The window slot lane `lane` may take at `now`, or nullptr.
  Slot* offer(uint64_t now, int lane);
  /// Earliest retry time of a slot waiting after a NACK, or UINT64_MAX.
  uint64_t next_retry(uint64_t now) const;
  void complete(Slot* s);
  /// After a transfer ending at `now` some receivers refused: retry for those
  /// only, after the back-off.
  void retry(Slot* s, uint64_t refused, uint64_t now);
  /// A frame arriving on lane `lane` (0 X, 1 Y).
  Accept receive(const FramePtr& f, int lane);
  /// Drops window slots pinned to a lane that is down; true if any.
  bool drop_pinned_to_down_lanes();
  /// A frame this node already took (its number is behind what it expects next).
  bool duplicate(const Frame& f) const;

  uint32_t node_;
  const BusParams& p_;
  Memory& mem_;
  InterruptController& irq_;
  Interconnect* ic_ = nullptr;
  /// Two virtual channels (Vc), as InfiniBand's virtual lanes or PCIe's traffic classes:
  /// the kernel's messages and the notify engine's packets (engine_type()) each have a
  /// backlog, tx_window_packets slots of the window, an order and sequence numbers of
  /// their own, so neither waits behind the other. Otherwise a CPU stalled on its engine
  /// (an MMIO access waiting for the engine to transmit) stops draining its receive
  /// buffer while its engine's packet waits behind messages that the other side, stalled
  /// the same way, refuses: a deadlock no software avoids.
  enum Vc : uint8_t { kKernelVc = 0, kEngineVc = 1, kVcs = 2 };
  // Liveness packets ride the engine's channel (the engine's ALIVE does already): never
  // behind a message a busy receiver refuses, which would make a live CPU look silent.
  static Vc vc_of(PacketType t) { return engine_type(t) || t == PacketType::kRegroup ? kEngineVc : kKernelVc; }
  std::array<std::deque<TxRequest>, kVcs> backlog_;
  std::list<Slot> window_;  ///< a list: lanes hold pointers to slots across erasures
  // Slots of window_ per channel, and those pinned to a lane: kept with the list so
  // that refilling and offering need not walk it (both run for every transfer).
  std::array<size_t, kVcs> in_window_{};
  size_t pinned_in_window_ = 0;
  std::list<Slot>::iterator erase_slot(std::list<Slot>::iterator it);
  std::deque<uint64_t> tx_done_;
  bool tx_irq_enabled_ = false;
  std::deque<FramePtr> rx_;
  Admit admit_;
  NotifyEngine* engine_ = nullptr;
  std::deque<FramePtr> engine_rx_;
  size_t engine_tx_outstanding_ = 0;
  // Sequence numbers, per virtual channel.
  std::array<std::array<uint16_t, 64>, kVcs> next_useq_{};  ///< per receiver: next unicast number
  std::array<uint16_t, kVcs> next_mseq_{};                   ///< next multicast number
  std::array<std::array<uint16_t, 64>, kVcs> expect_useq_{}; ///< per sender: unicast number expected next
  std::array<std::array<int32_t, 64>, kVcs> last_mseq_;      ///< per sender: last multicast number, -1 none
  BiuCounters c_;
  std::array<uint64_t, 64> alive_heard_{};
  uint64_t outstanding_since_ = 0;  ///< cycle tx_outstanding() last rose from 0
  int64_t no_lane_from_ = -1;       ///< both lanes down since, -1 if one is up
  bool halted_ = false;
  bool engine_hung_ = false;
};

}  // namespace shadowsel::hw
