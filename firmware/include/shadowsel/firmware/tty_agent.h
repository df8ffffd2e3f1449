// SPDX-License-Identifier: MIT
// The TTY agent of a CPU (the seed's "Variations of Implementation for TTYs"): an agent
// (agent.h) whose remote side is the telnet I/O process, which keeps the real TTY
// lines. It carries this CPU's TTY operations there and keeps this CPU's select
// database for the lines: one subscribe per (line, event) however many local
// processes wait, and the distribution of the answer to every one of them.
#pragma once

#include <cerrno>

#include "shadowsel/driver/tty.h"
#include "shadowsel/firmware/agent.h"

namespace shadowsel::fw {

class TtyAgent final : public Agent {
 public:
  explicit TtyAgent(drv::PosixKernel& px) : Agent(px, drv::kTtyAgentPort, "tty-agent") {}
  void register_stats(sim::Stats& s) const { Agent::register_stats(s, "tty"); }

 private:
  uint32_t owner_port() const override { return drv::kTelnetIoPort; }
  // Everything a TTY agent does is the requesting half every agent has.
  bool handle_more(drv::Process&, drv::AgentMsg, const drv::Message&) override { return false; }
  // The line hung up with its telnet I/O process's CPU: reads see end of file, the
  // rest EIO, as on a Linux terminal after a hangup (docs/faults.md).
  OwnerDown result_if_owner_down(uint8_t op) const override {
    if (static_cast<drv::TtyOp>(op) == drv::TtyOp::kRead) return {0, OwnerDownResult::kEof};
    return {-EIO, OwnerDownResult::kEio};
  }
};

}  // namespace shadowsel::fw
