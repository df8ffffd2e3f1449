// SPDX-License-Identifier: MIT
// The fault injector (docs/faults.md): the one module that applies a scenario's
// [[faults]] and --fault options to the machine. It only makes each fault happen
// in the part that fails and counts it; what survivors do about it is not here.
//
// Lane faults are handed to the bus at elaboration and applied by it lazily
// (hw::Interconnect::schedule_lane, the same mechanism as bus.x/y_down_at_cycle),
// and packet faults are decided by the bus asking at the end of each transfer:
// neither adds a timed event, so a run whose faults lie beyond its end is
// unchanged. CPU, process and engine faults need their cycle: a SystemC thread,
// started only when there are such faults, waits for each.
#pragma once

#include <systemc>

#include <array>
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "shadowsel/driver/kernel.h"
#include "shadowsel/hw/platform.h"
#include "shadowsel/sim/recorder.h"
#include "shadowsel/sim/stats.h"
#include "shadowsel/tb/scenario.h"

namespace shadowsel::tb {

struct FaultCounters {
  uint64_t applied = 0;  ///< faults that happened (each packet of a packet fault counts once)
  uint64_t missed = 0;   ///< faults that found no target (a CPU already halted, no such live user process)
  std::array<uint64_t, std::size(kAllFaultKinds)> by_kind{};
};

class FaultInjector : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(FaultInjector);
  /// `kernels[i]` runs on CPU i. `seed` seeds the packet faults' rates.
  FaultInjector(sc_core::sc_module_name name, const std::vector<Fault>& faults, hw::Platform& platform,
                std::vector<drv::Kernel*> kernels, sim::Recorder& rec, uint64_t seed);

  const FaultCounters& counters() const { return c_; }
  uint64_t count(FaultKind k) const { return c_.by_kind[static_cast<size_t>(k)]; }
  void register_stats(sim::Stats& s) const;
  /// One line for the summary: "3 applied (cpu_halt 1, lane_down 2)", then why any
  /// fault was missed; "" if none.
  std::string summary() const;
  /// What the faults left the machine stuck on (halted CPUs, hung engines), as
  /// "...; " for a stall report, or "".
  std::string stall_cause() const;
  /// CPU, process or engine faults still to come (their thread waits for them), or a
  /// lane's return that packets waiting with both lanes down need (the bus wakes for it).
  bool pending() const { return applied_timed_ < timed_.size() || platform_.bus().lane_return_awaited(); }

 private:
  struct PacketFault {
    Fault f;
    uint64_t left;  ///< packets still to hit (count)
    std::mt19937_64 rng;
  };
  void run();
  void apply(const Fault& f);
  void applied(FaultKind k, const std::string& what, int cpu, char lane, uint64_t at);
  void missed(const Fault& f, const std::string& why, uint64_t at);
  hw::Interconnect::Fate fate(char lane, uint64_t now);

  hw::Platform& platform_;
  std::vector<drv::Kernel*> kernels_;
  sim::Recorder& rec_;
  std::vector<Fault> timed_;  ///< cpu, process and engine faults, by cycle
  size_t applied_timed_ = 0;
  std::vector<PacketFault> packet_;
  std::vector<std::string> stuck_;  ///< halted CPUs and hung engines, for stall_cause
  std::vector<std::string> missed_;  ///< why each missed fault found no target, for the summary
  std::array<std::set<uint64_t>, 2> flap_downs_;  ///< per lane: cycles of lane_flap's downs, to count them
  FaultCounters c_;
};

/// The lane_down / lane_up faults a lane_flap entry stands for: from its at_cycle, up
/// and down times drawn from exponential distributions with its means (`seed`); the
/// lane is up again at until_cycle at the latest, so it is never down for ever.
std::vector<Fault> lane_flap_schedule(const Fault& flap, uint64_t seed);

}  // namespace shadowsel::tb
