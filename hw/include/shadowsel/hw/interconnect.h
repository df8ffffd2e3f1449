// SPDX-License-Identifier: MIT
// The interprocessor bus: two independent lanes, X and Y, used in parallel
// while both are up. One SystemC thread runs both lanes so that their order of
// evaluation within a cycle is fixed (X before Y) and the model stays
// deterministic; it sleeps until the next cycle at which something happens.
//
// Timing of one packet on an idle lane (docs/bus.md):
//   cycle t          the lane samples the nodes' requests and picks a winner
//                    round-robin, starting after the previous winner;
//   t + arb_cycles   the winner is granted and starts sending its frame;
//   + ceil(frame_bytes / width_bytes)
//                    the last word arrives: each addressed receiver accepts
//                    it into its buffer, discards it as a duplicate, or
//                    refuses it (buffer full; the sender retries).
// The next sampling on that lane happens in the cycle the transfer ends.
// A lane taken down mid-transfer aborts it; the packet goes out again on the
// other lane, so nothing is lost. With both lanes down, packets wait in their
// senders' windows (nothing is dropped) and go when a lane returns: the bus then
// wakes at the lane's return, since no sender activity may come to apply it.
//
// A scheduled lane fault (x/y_down_at_cycle, or a [[faults]] lane_down /
// lane_up handed over by tb::FaultInjector through schedule_lane) is applied
// lazily: at the first activity of the bus at or after its cycle, or at its
// cycle when it cuts a transfer in progress, or at its cycle when it brings a lane
// back while both are down and packets wait. The bus never waits for a fault otherwise, because any
// extra timed notification reorders SystemC's queue of same-cycle events
// (a heap, not stable) and so would change a run even when the fault lies
// beyond its end.
#pragma once

#include <systemc>

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <vector>

#include "shadowsel/hw/bus_interface.h"
#include "shadowsel/hw/params.h"
#include "shadowsel/sim/recorder.h"
#include "shadowsel/sim/stats.h"

namespace shadowsel::hw {

struct LaneCounters {
  uint64_t transfers = 0;        ///< frames moved (a multicast counts once)
  uint64_t refused = 0;          ///< transfers refused by at least one receiver
  uint64_t aborted = 0;          ///< transfers cut by the lane going down
  uint64_t busy_cycles = 0;      ///< cycles spent moving frames
  uint64_t arb_cycles = 0;       ///< cycles spent arbitrating before a transfer
  uint64_t bytes = 0;            ///< frame bytes moved
  uint64_t dropped_by_fault = 0; ///< transfers lost on the wire (drop_packet fault): sent again
  uint64_t corrupted_by_fault = 0;  ///< transfers damaged on the wire (corrupt_packet fault)
  uint64_t acks_dropped_by_fault = 0;  ///< transfers taken whose acknowledgement was lost (drop_ack fault): sent again
  std::array<uint64_t, 256> by_type{};  ///< transfers per packet type
  std::array<uint64_t, 256> busy_by_type{};  ///< busy_cycles per packet type (liveness overhead)
  sim::WindowSeries busy_over_time;          ///< busy_cycles per window of simulated time
};

class Interconnect : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Interconnect);
  Interconnect(sc_core::sc_module_name name, const BusParams& params,
               std::vector<BusInterface*> nodes, sim::Recorder& rec);

  /// A node offers something new; the lanes re-arbitrate in this cycle.
  void kick() { kick_.notify(sc_core::SC_ZERO_TIME); }
  /// Takes a lane down now (fault injection); 0 is X, 1 is Y.
  void take_down(int lane);
  /// Brings a lane back up now.
  void bring_up(int lane);
  /// Schedules a lane going down (up = false) or up at `cycle`, applied lazily as
  /// described above. During elaboration; x/y_down_at_cycle are scheduled this way too.
  void schedule_lane(int lane, uint64_t cycle, bool up);
  /// Called when a lane changes state, with the cycle the change counts from.
  void on_lane_change(std::function<void(char lane, bool up, uint64_t at)> f) { lane_hook_ = std::move(f); }
  /// What the wire does to one transfer (fault injection): asked at the end of each.
  /// kDropAck: the receivers get the frame but their acknowledgement is lost, so the
  /// sender sends it again and they discard the copy by its sequence number.
  enum class Fate { kDeliver, kDrop, kCorrupt, kDropAck };
  void set_packet_fate(std::function<Fate(char lane, uint64_t now)> f) { fate_ = std::move(f); }
  /// False from the cycle the lane went down, or was scheduled to (x/y_down_at_cycle).
  bool lane_up(int lane) const { return down_since(lane) < 0; }
  /// The cycle the lane went down (or was scheduled to, if that is past), -1 if up.
  int64_t down_since(int lane) const;
  /// The cycle from which neither lane is up (as down_since), -1 while one is. A hook
  /// for liveness: senders wait meanwhile (docs/bus.md, "Both lanes down").
  int64_t no_lane_since() const;
  /// Both lanes down, packets other than liveness ones waiting, and a lane's return
  /// scheduled: the run is not stalled, those packets will go (docs/bus.md).
  bool lane_return_awaited() const;
  const LaneCounters& counters(int lane) const { return lanes_[lane].c; }
  /// Closed periods with both lanes down, and their cycles.
  uint64_t no_lane_periods() const { return no_lane_periods_; }
  uint64_t no_lane_cycles() const { return no_lane_cycles_; }
  /// Grants per node on a lane (fairness).
  const std::vector<uint64_t>& grants(int lane) const { return lanes_[lane].grants; }

  void register_stats(sim::Stats& s, const std::string& prefix) const;

 private:
  struct Lane {
    char name;
    bool up = true;
    int64_t down_at = -1;  ///< while down: since when; while up: the next scheduled down, or -1
    std::multimap<uint64_t, bool> events;  ///< scheduled changes: cycle -> up
    bool busy = false;
    uint64_t start = 0, end = 0;
    uint32_t owner = 0;
    BusInterface::Slot* slot = nullptr;
    uint32_t next_rr = 0;  ///< first node considered at the next arbitration
    std::vector<uint64_t> grants;
    LaneCounters c;
  };

  void run();
  void loop();
  void start_transfer(Lane& l, uint64_t now);
  void finish_transfer(Lane& l, uint64_t now);
  void abort_transfer(Lane& l, uint64_t now);
  void set_down(int lane, uint64_t at);
  void set_up(int lane, uint64_t at);
  /// Applies the scheduled changes due at `now`.
  void apply_lane_events(Lane& l, uint64_t now);
  /// The cycle of the next scheduled down of an up lane, or -1.
  static int64_t next_down(const Lane& l);
  /// The cycle of the next scheduled up, or -1.
  static int64_t next_up(const Lane& l);

  const BusParams& p_;
  std::vector<BusInterface*> nodes_;
  sim::Recorder& rec_;
  std::array<Lane, 2> lanes_;
  sc_core::sc_event kick_;
  std::function<void(char, bool, uint64_t)> lane_hook_;
  std::function<Fate(char, uint64_t)> fate_;
  int64_t no_lane_from_ = -1;  ///< applied state: cycle both lanes went down, -1 if one is up
  uint64_t no_lane_periods_ = 0;
  uint64_t no_lane_cycles_ = 0;
};

}  // namespace shadowsel::hw
