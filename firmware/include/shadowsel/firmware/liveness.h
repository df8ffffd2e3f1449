// SPDX-License-Identifier: MIT
// The liveness service of a CPU (docs/faults.md, Liveness), on port kLivenessPort: the
// process in which this CPU acts on a CPU's death (drv::Membership's listeners run
// here), and, on `--notify sw`, the liveness monitor.
//
// The monitor works at kernel level, in interrupts, so that a busy CPU's time slices
// never delay it and it costs no context switch: at every liveness tick (a multiple of
// period_cycles, the same cycles on every CPU) it sends an ALIVE multicast to the CPUs
// it holds up on lane X and another on lane Y; the bus interfaces record the last
// cycle each sender was heard. A CPU silent for more than missed_periods periods is
// suspected, and the suspecting CPU opens a regroup round that ends at the next tick:
// it sends its view (the CPUs it holds up, less the silent ones) in a REGROUP packet
// to every CPU of its view, and each CPU that receives one joins and sends its own.
// At the round's tick each participant decides from the views it received; all of
// them hold the same views, so they decide the same set at the same tick.
//
// The rule: the participants are the CPUs of my view that sent a view; from them,
// drop the one with the fewest mutual links (i and j each holding the other up; ties:
// the highest number) until every two left hold each other up. CPUs of my view not
// left are declared down ("regroup"). A CPU not left (the others declared it down)
// halts itself (NonStop's poison pill), as does a group left with fewer than half of
// the CPUs of the previous view (it might be the small side of a split).
#pragma once

#include <array>
#include <cstdint>
#include <map>

#include "shadowsel/driver/posix_kernel.h"
#include "shadowsel/sim/stats.h"

namespace shadowsel::hw {
struct Frame;
}

namespace shadowsel::fw {

struct LivenessCounters {
  uint64_t alive_sent_x = 0;   ///< ALIVE multicasts posted for lane X
  uint64_t alive_sent_y = 0;   ///< ALIVE multicasts posted for lane Y
  uint64_t suspicions = 0;     ///< CPUs found silent for missed_periods periods (each once)
  uint64_t rounds = 0;         ///< regroup rounds decided here
  uint64_t regroup_sent = 0;   ///< REGROUP packets posted (one multicast each)
  uint64_t self_halted = 0;    ///< 1: halted itself (declared down by the others, or minority)
  uint64_t last_round_at = 0;  ///< cycle of the last decision, 0 none
};

class Liveness {
 public:
  explicit Liveness(drv::PosixKernel& px);
  void start();

  /// The CPUs this CPU holds up (itself included), as the monitor sees them.
  uint64_t view() const { return view_; }
  const LivenessCounters& counters() const { return c_; }
  /// Why this CPU halted itself, empty if it did not.
  const std::string& halt_reason() const { return halt_reason_; }
  /// A round is open (views sent, not yet decided).
  bool in_round() const { return !rounds_.empty(); }
  void register_stats(sim::Stats& s) const;

 private:
  struct Round {
    bool joined = false;
    uint64_t got = 0;  ///< CPUs whose view arrived (this one included once joined)
    std::array<uint64_t, 64> views{};
  };
  void run(drv::Process& self);
  void tick();
  void on_frame(const hw::Frame& f);
  /// CPUs of the view, other than this one, not heard for missed_periods periods.
  uint64_t silent(uint64_t now) const;
  /// Joins the round that ends at tick `end` (once): sends this CPU's view.
  void join(uint64_t end, uint64_t now);
  void decide(const Round& r);
  void halt_self(const std::string& why);

  drv::PosixKernel& px_;
  uint64_t period_;
  uint64_t missed_;
  uint32_t me_;
  uint64_t view_;
  uint64_t suspected_ = 0;
  uint64_t deaf_until_ = 0;  ///< both lanes were down until here: silence before it says nothing
  std::map<uint64_t, Round> rounds_;  ///< by the tick that ends them
  std::string halt_reason_;
  LivenessCounters c_;
};

}  // namespace shadowsel::fw
