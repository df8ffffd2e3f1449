// SPDX-License-Identifier: MIT
#include "shadowsel/hw/net_port.h"

#include <algorithm>
#include <stdexcept>

#include "shadowsel/hw/time.h"

namespace shadowsel::hw {

void NetPort::receive(NetFrame f) {
  f.arrived_at = now_cycles();
  ++c_.rx_frames;
  c_.rx_bytes += f.payload.size();
  if (!f.payload.empty()) {
    ++c_.rx_data_frames;
    last_data_arrival_ = f.arrived_at;
  }
  rx_.push_back(std::move(f));
  c_.rx_ring_peak = std::max<uint64_t>(c_.rx_ring_peak, rx_.size());
  irq_->raise(IrqLine::kNetPort);
}

void NetPort::switch_to(InterruptController& irq) {
  if (irq_ == &irq) return;
  irq_->lower(IrqLine::kNetPort);
  irq_ = &irq;
  if (!rx_.empty()) irq_->raise(IrqLine::kNetPort);
}

std::optional<NetFrame> NetPort::take() {
  if (rx_.empty()) {
    irq_->lower(IrqLine::kNetPort);
    return std::nullopt;
  }
  NetFrame f = std::move(rx_.front());
  rx_.pop_front();
  return f;
}

void NetPort::transmit(NetFrame f) {
  if (!to_link_) throw std::logic_error("network port: transmit with no link attached");
  ++c_.tx_frames;
  c_.tx_bytes += f.payload.size();
  to_link_(std::move(f));
}

void NetPort::register_stats(sim::Stats& s, const std::string& prefix) const {
  s.counter(prefix + "rx_frames", &c_.rx_frames, "frames", "frames received from the link");
  s.counter(prefix + "rx_bytes", &c_.rx_bytes, "bytes", "payload bytes received from the link");
  s.counter(prefix + "rx_data_frames", &c_.rx_data_frames, "frames", "frames received with a payload");
  s.counter(prefix + "tx_frames", &c_.tx_frames, "frames", "frames sent to the link");
  s.counter(prefix + "tx_bytes", &c_.tx_bytes, "bytes", "payload bytes sent to the link");
  s.counter(prefix + "rx_ring_peak", &c_.rx_ring_peak, "frames", "most frames waiting in the receive ring");
}

}  // namespace shadowsel::hw
