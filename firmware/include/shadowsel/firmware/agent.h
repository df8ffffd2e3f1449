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
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "shadowsel/driver/agent_protocol.h"
#include "shadowsel/driver/posix_kernel.h"
#include "shadowsel/driver/select_db.h"
#include "shadowsel/driver/watch_db.h"
#include "shadowsel/sim/stats.h"

namespace shadowsel::fw {

/// What an operation on an object of a CPU declared down ended with (docs/faults.md).
enum class OwnerDownResult : uint8_t { kEof, kEpipe, kEnxio, kEconnreset, kEnetdown, kEio, kNothing, kCount };
/// The stats name of each result: "eof", "EPIPE", ... ("none": a close or reference count).
const char* name(OwnerDownResult r);

struct AgentCounters {
  uint64_t requests_sent = 0;        ///< subscribe messages sent to owners
  uint64_t requests_suppressed = 0;  ///< select items answered without a message (claim 2)
  uint64_t answers_received = 0;     ///< immediate answers to our subscribes
  uint64_t notifications_received = 0;  ///< notifications of recorded interest
  uint64_t waiters_woken = 0;        ///< ready records linked by the distributor
  uint64_t notifications_sent = 0;   ///< as owner: notifications to interested CPUs
  uint64_t answers_sent = 0;         ///< as owner: immediate answers
  uint64_t watches_sent = 0;         ///< kWatchAdd: persistent interest asked of owners (epoll)
  uint64_t watches_suppressed = 0;   ///< epoll items' watches answered from the watch database
  uint64_t watch_drops_sent = 0;     ///< kWatchDrop: persistent interest given up at owners
  uint64_t watch_states_received = 0;  ///< kWatchState: answers to watches and changes of watched objects
  uint64_t ops_forwarded = 0;        ///< local remote-object operations sent to owners
  uint64_t ops_served = 0;           ///< operations from other CPUs done on our real pipes
  uint64_t ops_failed_owner_down = 0;  ///< operations answered at once: their owner's CPU is down
  uint64_t waiters_woken_owner_down = 0;  ///< select items answered as vanished: owner's CPU down
  uint64_t holders_released = 0;     ///< as owner: objects whose references a dead CPU held, released
  uint64_t requests_held_for_takeover = 0;  ///< subscribes kept for a dead owner's backup to take over
  uint64_t ops_held_for_takeover = 0;  ///< operations on a dead owner's objects held for its backup's takeover
  uint64_t ops_resent_after_takeover = 0;  ///< of them, sent again to the new owner (the object survived)
  /// ops_failed_owner_down by what they ended with
  uint64_t owner_down_results[static_cast<size_t>(OwnerDownResult::kCount)] = {};
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
  /// The result of kind's `op` on an object whose owner's CPU is down: what a peer's
  /// disappearance gives on Linux (docs/faults.md).
  struct OwnerDown {
    int64_t ret;
    OwnerDownResult result;
  };
  virtual OwnerDown result_if_owner_down(uint8_t op) const = 0;
  /// CPU `cpu` was declared down: the owner side forgets what that CPU held here.
  virtual void release_cpu(drv::Process& self, uint32_t cpu) {
    (void)self;
    (void)cpu;
  }
  /// Objects of CPU `owner` (down) will be taken over by a backup: operations on them
  /// are held until it says which survived (takeover()).
  virtual bool awaits_takeover(uint32_t owner) const {
    (void)owner;
    return false;
  }
  /// The objects of CPU `old` moved to CPU `now`: held and pending operations on those
  /// for which `survives(op, id)` are sent to `now`; the others fail as on a dead owner.
  /// Select items on objects for which `object_survives(id)` are asked of `now`; the
  /// others vanish.
  void takeover(drv::Process& self, uint32_t old, uint32_t now, const std::function<bool(uint8_t, uint32_t)>& survives,
                const std::function<bool(uint32_t)>& object_survives);
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
  /// kWatch and kUnwatch from this CPU's kernel (an epoll item), kWatchState from an owner.
  void on_watch(drv::Process& self, std::span<const uint8_t> body, bool add);
  void on_watch_state(drv::Process& self, const Key& k, const drv::ObjectState& s, bool answer);
  void send_watch(drv::Process& self, drv::AgentMsg kind, const Key& k);
  void on_answer(const Key& k, const drv::ObjectState& s, bool ready, bool notify);
  void on_cpu_down(drv::Process& self, uint32_t cpu);
  /// Sends this CPU's subscribe for `k` to its owner.
  void subscribe(drv::Process& self, const Key& k);
  /// Wakes the calls of select items answered as vanished.
  void wake_vanished(const drv::SelectDb::Delivered& d);
  /// Answers a local operation on an object of a CPU that is down.
  void fail_op(drv::Process& self, const drv::Message& request);
  bool owner_up(uint32_t owner) const;

  drv::SelectDb db_;
  drv::WatchDb watches_;
  /// Sends local operation `m` (kOp) to the owner's process, answered later.
  void forward_op(drv::Process& self, const drv::Message& m);
  /// Fails the held operations whose owner no longer awaits a takeover.
  void fail_unheld(drv::Process& self);

  std::unordered_map<uint64_t, drv::Message> pending_ops_;  ///< corr -> local call to answer
  std::vector<drv::Message> held_;  ///< operations held for a takeover (awaits_takeover)
  uint64_t next_corr_ = 1;
};

}  // namespace shadowsel::fw
