// SPDX-License-Identifier: MIT
// The network port of an I/O node (docs/network.md): the adapter between the node
// and the testbench network's link. Frames from the link go into a receive ring in
// the node's memory and hold IrqLine::kNetPort raised until the driver has taken
// them all; frames the node transmits go to the link as they are given.
//
// A frame is a TCP segment or a UDP datagram at the level the machine's sockets
// need: no packet-level TCP (no loss, no reordering on the link, no retransmission
// but the SYN's), a cumulative acknowledgement and a receive window for flow control.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <vector>

#include "shadowsel/hw/interrupt.h"
#include "shadowsel/sim/stats.h"

namespace shadowsel::hw {

struct NetFrame {
  enum class Kind : uint8_t {
    kSyn = 1,     ///< open a connection; `window` is the opener's receive room
    kSynAck = 2,  ///< the listener's answer; `window` is its receive room
    kAck = 3,     ///< `ack` bytes received so far, `window` bytes of room after them
    kData = 4,    ///< stream bytes (at most kMss), with the sender's ack and window
    kFin = 5,     ///< the sender will send no more
    kRst = 6,     ///< reset: no such connection, or closed with data unread
    kUdp = 7,     ///< one datagram
    kUnreachable = 8,  ///< no host has the destination (ICMP host unreachable; dst is the asker)
  };
  Kind kind = Kind::kData;
  uint32_t src_addr = 0, src_port = 0, dst_addr = 0, dst_port = 0;  ///< host byte order
  uint64_t ack = 0;     ///< stream bytes the sender has received on this connection
  uint32_t window = 0;  ///< bytes the sender can receive after those
  std::vector<uint8_t> payload;
  uint64_t arrived_at = 0;  ///< cycle it reached the receiving port (set by the port)

  /// Largest stream payload of one frame: Ethernet's 1500-byte MTU less IP and TCP headers.
  static constexpr uint32_t kMss = 1460;
  /// Bytes a frame occupies on the wire besides its payload: preamble and start (8),
  /// Ethernet header (14), IPv4 (20), TCP (20; UDP's 8 is counted as 20 too), FCS (4)
  /// and the inter-frame gap (12).
  static constexpr uint32_t kWireOverhead = 78;
  uint64_t wire_bytes() const { return payload.size() + kWireOverhead; }
};

/// The address plan of the testbench network (docs/network.md): the I/O node is
/// 10.0.0.1, the hosts are 10.1.0.1 and up, and the link carries all of 10.0.0.0/8.
inline constexpr uint32_t kNodeAddr = 0x0A000001;
inline constexpr uint32_t kFirstHostAddr = 0x0A010001;
inline constexpr uint32_t kLinkNet = 0x0A000000, kLinkMask = 0xFF000000;

struct NetPortCounters {
  uint64_t rx_frames = 0, rx_bytes = 0;  ///< from the link (payload bytes)
  uint64_t rx_data_frames = 0;           ///< of them, frames with a payload
  uint64_t tx_frames = 0, tx_bytes = 0;  ///< to the link
  uint64_t rx_ring_peak = 0;             ///< most frames waiting in the receive ring
};

class NetPort {
 public:
  explicit NetPort(InterruptController& irq) : irq_(&irq) {}

  // --- dual porting (docs/faults.md, "Process pair") ---
  /// The node whose interrupt controller `irq` is takes the port over: frames waiting
  /// in the ring now interrupt it.
  void switch_to(InterruptController& irq);
  /// The port interrupts the node of `irq` (it is that node's to drive).
  bool serves(const InterruptController& irq) const { return irq_ == &irq; }

  // --- link side (the testbench network) ---
  /// Where transmitted frames go.
  void connect(std::function<void(NetFrame)> to_link) { to_link_ = std::move(to_link); }
  /// A frame arrived from the link. The ring is as large as the frames in flight: the
  /// senders' windows bound them, so nothing is dropped here (its peak is counted).
  void receive(NetFrame f);

  // --- node side (the I/O process's driver) ---
  /// The oldest received frame, or nullopt (then the interrupt line is lowered).
  std::optional<NetFrame> take();
  void transmit(NetFrame f);
  /// The driver's handler acknowledges the interrupt; frames stay in the ring.
  void irq_ack() { irq_->lower(IrqLine::kNetPort); }
  bool connected() const { return static_cast<bool>(to_link_); }
  /// The cycle the last frame with a payload arrived (0: none yet): where a packet's
  /// read latency starts (bench/socket_bench.cpp).
  uint64_t last_data_arrival() const { return last_data_arrival_; }

  const NetPortCounters& counters() const { return c_; }
  void register_stats(sim::Stats& s, const std::string& prefix) const;

 private:
  InterruptController* irq_;
  std::function<void(NetFrame)> to_link_;
  std::deque<NetFrame> rx_;
  uint64_t last_data_arrival_ = 0;
  NetPortCounters c_;
};

}  // namespace shadowsel::hw
