// SPDX-License-Identifier: MIT
#include "shadowsel/hw/platform.h"

#include <string>

#include "shadowsel/hw/notify_engine.h"

namespace shadowsel::hw {

Platform::Platform(const MachineParams& params, sim::Recorder& rec, const CoreFactory& make_core)
    : p_(params) {
  std::vector<BusInterface*> bius;
  for (uint32_t i = 0; i < params.cpus; ++i) {
    nodes_.push_back(std::make_unique<Node>(("node" + std::to_string(i)).c_str(), i, params));
    Node& n = *nodes_.back();
    if (make_core) {
      n.attach_engine(std::make_unique<NotifyEngine>(("node" + std::to_string(i) + "_ne").c_str(),
                                                     n, make_core(i), rec));
    }
    bius.push_back(&n.biu());
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
    s.counter(p + "rx_refused", &c.rx_refused, "packets", "frames refused: buffer full or not admitted");
    s.counter(p + "rx_not_admitted", &c.rx_not_admitted, "packets",
              "message starts refused: no room in the message system's receive pool");
    s.counter(p + "rx_seq_errors", &c.rx_seq_errors, "packets", "frames out of sequence (lost, repeated or reordered)");
    s.counter(p + "rx_check_errors", &c.rx_check_errors, "packets", "frames with a bad CRC");
    s.counter(p + "rx_discarded_dead", &c.rx_discarded_dead, "packets",
              "frames lost because this node halted or its notify engine hung (faults)");
    s.counter(p + "rx_duplicates", &c.rx_duplicates, "packets",
              "frames taken before, sent again after a lost acknowledgement: discarded and acknowledged");
    s.counter(p + "tx_no_lane_cycles", &c.tx_no_lane_cycles, "cycles",
              "cycles with packets to send while both lanes were down (they waited)");
    s.counter(p + "rx_buffer_peak", &c.rx_buffer_peak, "packets", "most frames held at once");
    s.counter(p + "rx_alive_x", &c.rx_alive[0], "packets", "I'm-alive (ALIVE) frames taken from lane X");
    s.counter(p + "rx_alive_y", &c.rx_alive[1], "packets", "I'm-alive (ALIVE) frames taken from lane Y");
    s.counter(p + "tx_lane_down_lost", &c.tx_lane_down_lost, "packets",
              "packets pinned to a lane that was down (I'm-alive): not sent");
    if (const NotifyEngine* e = n->engine()) {
      s.counter(p + "rx_engine_packets", &c.rx_engine_packets, "packets",
                "frames accepted into the notify engine's queue");
      s.counter(p + "rx_engine_refused", &c.rx_engine_refused, "packets",
                "frames refused: the notify engine's queue was full");
      e->register_stats(s, "cpu." + std::to_string(n->id()) + ".ne");
    }
  }
}

}  // namespace shadowsel::hw
