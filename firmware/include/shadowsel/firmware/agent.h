// SPDX-License-Identifier: MIT
// The pipe agent and the FIFO agent (the seed's Fig. 3), one of each on every
// CPU, each a continuously running simulated process on a well-known port:
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

class PipeAgent {
 public:
  /// `fifo` selects the FIFO agent (port kFifoAgentPort) or the pipe agent.
  PipeAgent(drv::PosixKernel& px, bool fifo);
  /// Spawns the agent's process on its port.
  void start();
  const AgentCounters& counters() const { return c_; }
  uint64_t cpu_cycles() const;
  void register_stats(sim::Stats& s) const;

 private:
  using Key = drv::SelectKey;

  void run(drv::Process& self);
  void handle(drv::Process& self, const drv::Message& m);
  void on_select(drv::Process& self, std::span<const uint8_t> body);
  void on_answer(drv::Process& self, const Key& k, const drv::PipeState& s, bool ready, bool notify);
  void on_subscribe(drv::Process& self, const Key& k, uint32_t from);
  void on_remote_op(drv::Process& self, std::span<const uint8_t> body);
  /// After a change of a real pipe here: notify interested CPUs, finish opens.
  void evaluate(drv::Process& self, drv::PipeObject& p);
  void send_state(drv::Process& self, uint32_t to, uint8_t kind, const Key& k,
                  const drv::PipeState& s, bool ready);
  void send_result(drv::Process& self, uint32_t to, uint64_t corr, int64_t ret, uint32_t version,
                   std::span<const uint8_t> data);
  void step();  ///< charges one table lookup

  drv::PosixKernel& px_;
  bool fifo_;
  uint32_t port_;
  drv::Process* process_ = nullptr;
  drv::SelectDb db_;
  std::unordered_map<uint64_t, drv::Message> pending_ops_;  ///< corr -> local call to answer
  uint64_t next_corr_ = 1;
  AgentCounters c_;
};

/// Starts spawned children on this CPU and collects exit statuses for parents
/// here: the fork/wait half of the POSIX layer, on port kProcManagerPort.
class ProcessManager {
 public:
  explicit ProcessManager(drv::PosixKernel& px) : px_(px) {}
  void start();

 private:
  void run(drv::Process& self);
  drv::PosixKernel& px_;
};

/// The services of one CPU, started in order at time zero.
struct CpuServices {
  explicit CpuServices(drv::PosixKernel& px) : pipes(px, false), fifos(px, true), procs(px) {}
  void start() {
    pipes.start();
    fifos.start();
    procs.start();
  }
  PipeAgent pipes;
  PipeAgent fifos;
  ProcessManager procs;
};

}  // namespace shadowsel::fw
