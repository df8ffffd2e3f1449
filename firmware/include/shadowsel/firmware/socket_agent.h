// SPDX-License-Identifier: MIT
// The socket agent of a CPU (the seed's Fig. 4): an agent (agent.h) whose remote side
// is a network I/O process rather than other agents. It carries this CPU's socket
// operations to the I/O process, creates the shadow sockets in this CPU's memory (S8),
// keeps the data the I/O process forwards to them in data-forwarding mode and wakes
// their local readers (S16-S20).
#pragma once

#include <cstdint>
#include <span>

#include "shadowsel/firmware/agent.h"

namespace shadowsel::fw {

struct SocketAgentCounters {
  uint64_t pushes = 0;          ///< forwarded data or state received for a shadow
  uint64_t push_bytes = 0;      ///< bytes forwarded into shadows
  uint64_t pushes_dropped = 0;  ///< pushes for a shadow already closed here
  uint64_t reclaims = 0;        ///< shadows that left forwarding mode (contention starts)
  uint64_t reclaimed_bytes = 0; ///< unread bytes given back to the real socket
  uint64_t takeovers = 0;       ///< kNetTakeover messages that moved the I/O process here
};

class SocketAgent final : public Agent {
 public:
  explicit SocketAgent(drv::PosixKernel& px);
  const SocketAgentCounters& socket_counters() const { return sc_; }
  void register_stats(sim::Stats& s) const;

 private:
  uint32_t owner_port() const override { return drv::kNetIoPort; }
  bool handle_more(drv::Process& self, drv::AgentMsg kind, const drv::Message& m) override;
  bool awaits_takeover(uint32_t owner) const override { return px_.awaits_takeover(owner); }
  /// kNetTakeover: the network I/O process moved (or its backup did).
  void on_takeover(drv::Process& self, std::span<const uint8_t> body);
  OwnerDown result_if_owner_down(uint8_t op) const override;
  void on_result(const drv::Message& request, std::span<const uint8_t> result) override;
  void on_push(std::span<const uint8_t> body);
  void on_reclaim(drv::Process& self, std::span<const uint8_t> body);

  SocketAgentCounters sc_;
};

}  // namespace shadowsel::fw
