// SPDX-License-Identifier: MIT
// Which CPUs this CPU holds to be up (docs/faults.md): the one place a CPU's death is
// decided and acted on. Liveness feeds it — the liveness monitor's regroup on
// `--notify sw`, the notify engine's NODE_DOWN records on the engine paths — and the
// layers that must react to a death (the POSIX layer, the agents, the I/O processes)
// listen to it. A declaration can come from any context (an interrupt handler too); the
// listeners run later, in the membership service's process (firmware/liveness), so
// they may send messages and block.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "shadowsel/sim/stats.h"

namespace shadowsel::drv {

class Kernel;
class Process;

struct MembershipCounters {
  uint64_t cpus_declared_down = 0;  ///< CPUs this CPU declared down
  uint64_t last_declared_at = 0;    ///< cycle of the last declaration
};

class Membership {
 public:
  explicit Membership(Kernel& k);

  bool up(uint32_t cpu) const { return !(down_ >> cpu & 1); }
  uint64_t down_mask() const { return down_; }
  /// Cycle `cpu` was declared down here, or 0 while it is up.
  uint64_t declared_at(uint32_t cpu) const { return cpu < at_.size() ? at_[cpu] : 0; }
  /// Who declared `cpu` down here ("regroup", "engine"), empty while it is up.
  const std::string& declared_by(uint32_t cpu) const { return by_.at(cpu); }

  /// `cpu` is down from now on (once; later calls do nothing). `by` names the decider
  /// for the record ("regroup", "engine").
  void declare_down(uint32_t cpu, const std::string& by);

  /// Runs for each CPU declared down, in the service process, in the order added.
  using Listener = std::function<void(Process& self, uint32_t cpu)>;
  void add_listener(Listener l) { listeners_.push_back(std::move(l)); }

  /// The service process: it calls serve_pending() whenever it is woken.
  void set_service(Process* p) { service_ = p; }
  /// Runs the listeners for declarations not yet acted on; true if there were any.
  bool serve_pending(Process& self);

  const MembershipCounters& counters() const { return c_; }
  void register_stats(sim::Stats& s) const;

 private:
  Kernel& k_;
  uint64_t down_ = 0;
  uint64_t pending_ = 0;  ///< declared, listeners not yet run
  std::vector<uint64_t> at_;
  std::vector<std::string> by_;
  std::vector<Listener> listeners_;
  Process* service_ = nullptr;
  MembershipCounters c_;
};

}  // namespace shadowsel::drv
