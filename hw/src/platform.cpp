// SPDX-License-Identifier: MIT
#include "shadowsel/hw/platform.h"

#include <string>

namespace shadowsel::hw {

Platform::Platform(const MachineParams& params, sim::Recorder& rec) : p_(params) {
  std::vector<BusInterface*> bius;
  for (uint32_t i = 0; i < params.cpus; ++i) {
    nodes_.push_back(std::make_unique<Node>(("node" + std::to_string(i)).c_str(), i, params));
    bius.push_back(&nodes_.back()->biu());
  }
  bus_ = std::make_unique<Interconnect>("ipb", params.bus, std::move(bius), rec);
}

void Platform::register_stats(sim::Stats& s) const {
  bus_->register_stats(s, "bus");
  for (const auto& n : nodes_) {
    const std::string p = "node." + std::to_string(n->id()) + ".biu.";
    const BiuCounters& c = n->biu().counters();
    s.counter(p + "tx_packets", &c.tx_packets, "packets", "packets delivered to all destinations");
    s.counter(p + "tx_retries", &c.tx_retries, "packets", "transfers refused, sent again");
    s.counter(p + "rx_packets", &c.rx_packets, "packets", "frames accepted");
    s.counter(p + "rx_refused", &c.rx_refused, "packets", "frames refused: buffer full");
    s.counter(p + "rx_seq_errors", &c.rx_seq_errors, "packets", "frames out of sequence (lost, repeated or reordered)");
    s.counter(p + "rx_check_errors", &c.rx_check_errors, "packets", "frames with a bad CRC");
    s.counter(p + "rx_buffer_peak", &c.rx_buffer_peak, "packets", "most frames held at once");
  }
}

}  // namespace shadowsel::hw
