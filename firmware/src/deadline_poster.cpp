// SPDX-License-Identifier: MIT
#include "shadowsel/firmware/deadline_poster.h"

#include "shadowsel/driver/kernel.h"
#include "shadowsel/hw/time.h"

namespace shadowsel::fw {

DeadlinePoster::DeadlinePoster(drv::PosixKernel& px, uint32_t port, std::string name, uint32_t to_port)
    : px_(px), port_(port), to_port_(to_port), name_(std::move(name)) {}

void DeadlinePoster::start() {
  process_ = &px_.kernel().spawn_service(port_, name_, [this](drv::Process& self) { run(self); });
}

void DeadlinePoster::post_at(uint64_t at, std::vector<uint8_t> msg) {
  const bool earliest = due_.empty() || at < due_.begin()->first;
  due_.emplace(at, std::move(msg));
  if (earliest && process_) px_.kernel().wake(*process_);  // no-op unless it sleeps
}

void DeadlinePoster::run(drv::Process& self) {
  for (;;) {
    if (due_.empty()) {
      px_.kernel().block(self);
      continue;
    }
    const auto first = due_.begin();
    if (first->first > hw::now_cycles()) {
      px_.kernel().block_until(self, first->first);
      continue;
    }
    const std::vector<uint8_t> msg = std::move(first->second);
    due_.erase(first);
    self.post(drv::Address{px_.kernel().cpu(), to_port_}, msg);
  }
}

}  // namespace shadowsel::fw
