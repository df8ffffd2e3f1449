// SPDX-License-Identifier: MIT
// An agent (the seed's Fig. 3): a continuously running simulated process on a
// well-known port of every CPU, one per kind of object (pipes, FIFOs, sockets):
//  - local interface: select requests, remote reads/writes/opens and closes
//    from this CPU's kernel and processes;
//  - select database: per remote (connection, event), whether a request is in
//    flight or recorded at the owner, and the local waiters;
//  - remote interface: subscribe/answer/notify and remote operations to and
//    from the agents of other CPUs, and, for the real pipes of this CPU, the
//    remote interest table (which CPU wants which event: step T10);
//  - distributor: links ready records into every waiting call's ready list
//    and wakes it.
// A request goes to the owner only if none is outstanding for that
// (connection, event); the others are answered from the database (claim 2).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "shadowsel/driver/agent_protocol.h"
#include "shadowsel/driver/posix_kernel.h"
#include "shadowsel/driver/select_db.h"
#include "shadowsel/sim/stats.h"

namespace shadowsel::fw {

struct AgentCounters {
  uint64_t requests_sent = 0;        ///< subscribe messages sent to owners
  uint64_t requests_suppressed = 0;  ///< select items answered without a message (claim 2)
  uint64_t answers_received = 0;     ///< immediate answers to our subscribes
  uint64_t notifications_received = 0;  ///< notifications of recorded interest
  uint64_t waiters_woken = 0;        ///< ready records linked by the distributor
  uint64_t notifications_sent = 0;   ///< as owner: notifications to interested CPUs
  uint64_t answers_sent = 0;         ///< as owner: immediate answers
  uint64_t ops_forwarded = 0;        ///< local remote-object operations sent to owners
  uint64_t ops_served = 0;           ///< operations from other CPUs done on our real pipes
};

/// The requesting half every agent has (the seed's Fig. 3): the local interface, the
/// select database and distributor, and the forwarding of local operations on remote
/// objects to their owners. Kinds of agent add their owner side.
class Agent {
 public:
  Agent(drv::PosixKernel& px, uint32_t port, std::string name);
  virtual ~Agent() = default;
  /// Spawns the agent's process on its port.
  void start();
  const AgentCounters& counters() const { return c_; }
  uint64_t cpu_cycles() const;
  /// Counters under cpu.N.agent.<stats_name>.
  void register_stats(sim::Stats& s, const std::string& stats_name) const;

 protected:
  using Key = drv::SelectKey;
  /// The port of the process that owns the real objects on CPU `owner`.
  virtual uint32_t owner_port() const { return port_; }
  /// Messages of kinds the base does not know; false if this kind knows them neither.
  virtual bool handle_more(drv::Process& self, drv::AgentMsg kind, const drv::Message& m) = 0;
  /// A local operation's result is about to be given to its caller.
  virtual void on_result(const drv::Message& request, std::span<const uint8_t> result) {
    (void)request;
    (void)result;
  }
  void step();  ///< charges one table lookup

  drv::PosixKernel& px_;
  uint32_t port_;
  std::string name_;
  drv::Process* process_ = nullptr;
  AgentCounters c_;

 private:
  void run(drv::Process& self);
  void handle(drv::Process& self, const drv::Message& m);
  void on_select(drv::Process& self, std::span<const uint8_t> body);
  void on_answer(const Key& k, const drv::ObjectState& s, bool ready, bool notify);

  drv::SelectDb db_;
  std::unordered_map<uint64_t, drv::Message> pending_ops_;  ///< corr -> local call to answer
  uint64_t next_corr_ = 1;
};

}  // namespace shadowsel::fw
