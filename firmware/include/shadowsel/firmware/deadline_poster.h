// SPDX-License-Identifier: MIT
// A service process that posts messages to a port of its own CPU when their cycle
// comes: the bottom half of a timer (the network I/O process's SYN retransmissions)
// or of a device with a schedule (the terminals of the TTY lines). The owner's process
// then handles them as any other message, so its state is only ever touched by it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "shadowsel/driver/posix_kernel.h"

namespace shadowsel::fw {

class DeadlinePoster {
 public:
  /// Runs on `port` as `name`; posts to `to_port` of the same CPU.
  DeadlinePoster(drv::PosixKernel& px, uint32_t port, std::string name, uint32_t to_port);
  void start();
  /// Posts `msg` at cycle `at` (at once if it has passed); messages due at the same
  /// cycle go in the order given. May be called before start().
  void post_at(uint64_t at, std::vector<uint8_t> msg);

 private:
  void run(drv::Process& self);

  drv::PosixKernel& px_;
  uint32_t port_, to_port_;
  std::string name_;
  drv::Process* process_ = nullptr;
  std::multimap<uint64_t, std::vector<uint8_t>> due_;
};

}  // namespace shadowsel::fw
