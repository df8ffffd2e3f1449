// SPDX-License-Identifier: MIT
// The owner side of the distributed select that every I/O process has (the network
// I/O process for sockets, the telnet I/O process for TTY lines): the remote interest
// table (the seed's step T10: per object, which CPUs' agents wait for which event),
// the immediate answer to a subscribe, the notification of every CPU whose interest a
// change satisfies (T12), and the report of the change to the notify engine's driver,
// which keeps the interest of the engine paths.
#pragma once

#include <cstdint>
#include <map>
#include <utility>

#include "shadowsel/driver/agent_protocol.h"
#include "shadowsel/driver/posix_kernel.h"
#include "shadowsel/firmware/watch_table.h"

namespace shadowsel::fw {

class IoInterest {
 public:
  /// `agent_port`: the agents of this kind (answers and notifications go there);
  /// the counters are the I/O process's own.
  IoInterest(drv::PosixKernel& px, uint32_t agent_port, uint64_t* answers_sent, uint64_t* notifications_sent)
      : px_(px),
        agent_port_(agent_port),
        answers_(answers_sent),
        notifications_(notifications_sent),
        watches_(px, agent_port, answers_sent, notifications_sent) {}

  /// kSubscribe (`persistent` false) or kWatchAdd from CPU `from` for key `k`.
  void ask(drv::Process& self, const drv::SelectKey& k, uint32_t from, const drv::ObjectState& st, bool persistent) {
    if (persistent) {
      watches_.watch(self, k, from, st, wakes(k.object));
    } else {
      subscribe(self, k, from, st);
    }
  }
  /// kWatchDrop.
  void unwatch(const drv::SelectKey& k, uint32_t from) { watches_.unwatch(k, from); }

  /// kSubscribe from CPU `from` for key `k`, whose object is in state `st` now: the
  /// answer goes at once; when not ready, the interest is recorded (one-shot).
  void subscribe(drv::Process& self, const drv::SelectKey& k, uint32_t from, const drv::ObjectState& st);
  /// Object `object` of this CPU changed to `st`: every CPU whose recorded interest it
  /// meets is notified (and forgotten), then the engine's driver is told.
  void changed(drv::Process& self, uint32_t object, const drv::ObjectState& st);
  /// The object is gone: its recorded interest with it.
  void erase(uint32_t object) {
    table_.erase(object);
    watches_.erase(object);
    changes_.erase(object);
  }
  /// CPU `cpu` was declared down: what it asked for is forgotten.
  void forget_cpu(uint32_t cpu) {
    for (auto& [object, cpus] : table_) cpus.erase(cpu);
    watches_.forget_cpu(cpu);
  }

 private:
  void send(drv::Process& self, uint32_t to, drv::AgentMsg kind, const drv::SelectKey& k,
            const drv::ObjectState& s, bool ready);

  drv::PosixKernel& px_;
  uint32_t agent_port_;
  uint64_t* answers_;
  uint64_t* notifications_;
  /// Every change of a socket or line wakes both of its wait queues (sock_def_wakeup).
  WatchTable::Wakes wakes(uint32_t object) const {
    const uint64_t n = changes_.contains(object) ? changes_.at(object) : 0;
    return [n](drv::Interest) { return n; };
  }

  /// object -> cpu -> (read, write)
  std::map<uint32_t, std::map<uint32_t, std::pair<bool, bool>>> table_;
  WatchTable watches_;
  std::map<uint32_t, uint64_t> changes_;  ///< changes of each watched object
};

}  // namespace shadowsel::fw
