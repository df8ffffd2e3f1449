// SPDX-License-Identifier: MIT
// The machine's hardware: N nodes joined by the dual interprocessor bus.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "shadowsel/hw/interconnect.h"
#include "shadowsel/hw/node.h"
#include "shadowsel/hw/params.h"
#include "shadowsel/ne/core.h"

namespace shadowsel::hw {

/// Builds the notify engine core of a node; empty: no engines (the software path).
using CoreFactory = std::function<std::unique_ptr<ne::Core>(uint32_t node)>;

class Platform {
 public:
  Platform(const MachineParams& params, sim::Recorder& rec, const CoreFactory& make_core = {});

  uint32_t size() const { return static_cast<uint32_t>(nodes_.size()); }
  Node& node(uint32_t i) { return *nodes_.at(i); }
  Interconnect& bus() { return *bus_; }
  const MachineParams& params() const { return p_; }

  void register_stats(sim::Stats& s) const;

 private:
  const MachineParams& p_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::unique_ptr<Interconnect> bus_;
};

}  // namespace shadowsel::hw
