// SPDX-License-Identifier: MIT
// The pipe agent and the FIFO agent: agents (agent.h) whose CPU may also own real pipes
// and FIFOs, for which they answer the agents of other CPUs (remote interest table,
// the seed's step T10) and serve their remote operations.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "shadowsel/firmware/agent.h"
#include "shadowsel/firmware/watch_table.h"

namespace shadowsel::fw {

/// The pipe agent or the FIFO agent: an Agent whose CPU owns real pipes and FIFOs, and
/// so also answers the other CPUs' agents for them (remote interest table, step T10).
class PipeAgent final : public Agent {
 public:
  /// `fifo` selects the FIFO agent (port kFifoAgentPort) or the pipe agent.
  PipeAgent(drv::PosixKernel& px, bool fifo);
  void register_stats(sim::Stats& s) const { Agent::register_stats(s, fifo_ ? "fifo" : "pipe"); }

 private:
  bool handle_more(drv::Process& self, drv::AgentMsg kind, const drv::Message& m) override;
  OwnerDown result_if_owner_down(uint8_t op) const override;
  void release_cpu(drv::Process& self, uint32_t cpu) override;
  void on_subscribe(drv::Process& self, const Key& k, uint32_t from);
  void on_remote_op(drv::Process& self, std::span<const uint8_t> body);
  /// After a change of a real pipe here: notify interested CPUs, finish opens.
  /// `cause`: the CPU whose operation's result carries the new state (WatchTable).
  void evaluate(drv::Process& self, drv::PipeObject& p, std::optional<uint32_t> cause = std::nullopt);
  /// kWatchAdd and kWatchDrop.
  void on_watch(drv::Process& self, const Key& k, uint32_t from, bool add);
  /// Frees pipe `id` if nothing holds it any more, and its watches with it.
  void free_if_unused(drv::PipeObject& p);
  void send_state(drv::Process& self, uint32_t to, drv::AgentMsg kind, const Key& k,
                  const drv::ObjectState& s, bool ready);
  void send_result(drv::Process& self, uint32_t to, uint64_t corr, int64_t ret, uint32_t version,
                   std::span<const uint8_t> data, const std::optional<drv::ObjectState>& state = std::nullopt);

  bool fifo_;
  WatchTable watches_;
};

}  // namespace shadowsel::fw
