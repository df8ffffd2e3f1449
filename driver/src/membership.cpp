// SPDX-License-Identifier: MIT
#include "shadowsel/driver/membership.h"

#include <bit>

#include "shadowsel/driver/kernel.h"
#include "shadowsel/hw/time.h"

namespace shadowsel::drv {

Membership::Membership(Kernel& k) : k_(k), at_(k.params().cpus, 0), by_(k.params().cpus) {}

void Membership::declare_down(uint32_t cpu, const std::string& by) {
  if (cpu >= at_.size() || cpu == k_.cpu() || !up(cpu)) return;
  down_ |= uint64_t{1} << cpu;
  pending_ |= uint64_t{1} << cpu;
  at_[cpu] = hw::now_cycles();
  by_[cpu] = by;
  ++c_.cpus_declared_down;
  c_.last_declared_at = at_[cpu];
  k_.recorder().cpu_declared_down(k_.cpu(), cpu, by, at_[cpu]);
  if (service_) k_.wake(*service_);
}

bool Membership::serve_pending(Process& self) {
  if (!pending_) return false;
  while (pending_) {
    const auto cpu = static_cast<uint32_t>(std::countr_zero(pending_));
    pending_ &= pending_ - 1;
    for (const Listener& l : listeners_) l(self, cpu);
  }
  return true;
}

void Membership::register_stats(sim::Stats& s) const {
  const std::string p = "cpu." + std::to_string(k_.cpu()) + ".membership.";
  s.counter(p + "cpus_declared_down", &c_.cpus_declared_down, "cpus", "CPUs this CPU declared down");
  s.counter(p + "last_declared_at", &c_.last_declared_at, "cycles", "cycle of the last declaration, 0 none");
}

}  // namespace shadowsel::drv
