// SPDX-License-Identifier: MIT
// The owner side of persistent remote interest (epoll items on other CPUs,
// docs/epoll.md), shared by every owner of real objects (the pipe and FIFO agents, the
// network and telnet I/O processes): per object, which CPU watches which (event,
// version). A watch is answered at once with the object's state and stays until the
// watching CPU drops it or dies. After each change the owner tells a watcher the new
// state when
//  - the change would have woken that side's wait queue in Linux (the object's wake
//    count for the event moved: a write for readers, a read for writers): an event for
//    an edge-triggered item, a reason to look for a level-triggered one; or
//  - the event's readiness flipped, unless the watcher's own CPU made the change with
//    an operation whose result carries the state (`cause`): then it knows already.
// So a reader that drains what a writer wrote costs one message per write: the
// notification alone. The rule is drv::watch_tell (watch_rule.h), which the notify
// engine's driver also uses for the wake bits of its PUBLISH.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <tuple>

#include "shadowsel/driver/posix_kernel.h"
#include "shadowsel/driver/select_db.h"

namespace shadowsel::fw {

class WatchTable {
 public:
  /// `agent_port`: where the watching CPUs' agents of this kind listen; the counters
  /// are the owner's own.
  WatchTable(drv::PosixKernel& px, uint32_t agent_port, uint64_t* answers_sent, uint64_t* notifications_sent)
      : px_(px), agent_port_(agent_port), answers_(answers_sent), notifications_(notifications_sent) {}

  /// The object's wake count for an event (drv::PipeObject::wakes, or one per change).
  using Wakes = std::function<uint64_t(drv::Interest)>;

  /// kWatchAdd from CPU `from`: recorded, answered with `st`.
  void watch(drv::Process& self, const drv::SelectKey& k, uint32_t from, const drv::ObjectState& st,
             const Wakes& wakes);
  /// kWatchDrop from CPU `from`.
  void unwatch(const drv::SelectKey& k, uint32_t from);
  /// Object `object` changed to `st`; `cause`: the CPU whose operation's result
  /// carries `st` (none for any other change).
  void changed(drv::Process& self, uint32_t object, const drv::ObjectState& st, const Wakes& wakes,
               std::optional<uint32_t> cause);
  /// Watches of object `object` (0: none).
  uint32_t count(uint32_t object) const;
  void erase(uint32_t object) { table_.erase(object); }
  /// CPU `cpu` was declared down: its watches are forgotten.
  void forget_cpu(uint32_t cpu);

 private:
  struct Watcher {
    uint64_t wakes_seen = 0;
    bool was_ready = false;
  };
  /// (watching CPU, event, version)
  using Who = std::tuple<uint32_t, uint8_t, uint32_t>;
  drv::PosixKernel& px_;
  uint32_t agent_port_;
  uint64_t* answers_;
  uint64_t* notifications_;
  std::map<uint32_t, std::map<Who, Watcher>> table_;
};

}  // namespace shadowsel::fw
