// SPDX-License-Identifier: MIT
// The requesting side of persistent remote interest (docs/epoll.md), beside the select
// database (select_db.h) in every agent: per remote (connection, event), the epoll
// items of this CPU that watch it. The first watcher of a key makes the agent ask the
// owner once (kWatchAdd); later ones are answered from the entry's last state, no
// message; the owner's kWatchState messages reach every watcher; the last watcher's
// going makes the agent drop the watch at the owner (kWatchDrop).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "shadowsel/driver/posix_kernel.h"
#include "shadowsel/driver/select_db.h"

namespace shadowsel::drv {

class WatchDb {
 public:
  struct Delivered {
    uint32_t linked = 0;      ///< records linked into watching registrations
    std::vector<Wait*> wake;  ///< registrations to wake (PosixKernel::wake_wait)
  };

  /// Item `slot` of registration `w` watches `k` (counted in w->answers_pending by
  /// the caller). True when this CPU must ask the owner: the key's first watcher. When
  /// the owner answered already, the answer is the entry's last state, linked at once.
  bool add(const SelectKey& k, const std::shared_ptr<Wait>& w, uint32_t slot, Delivered* d);
  /// Registration `wait_id`'s item `slot` no longer watches `k`. True when it was the
  /// key's last watcher: the caller drops the watch at the owner.
  bool remove(const SelectKey& k, uint64_t wait_id, uint32_t slot);
  /// The owner's kWatchState: the answer (`answer`) or a change. `*orphaned` is set
  /// when no watcher is left for the key (their registrations ended): drop it there.
  Delivered deliver(const SelectKey& k, const ObjectState& s, bool answer, bool* orphaned);
  /// Objects gone with their owner's CPU: each watcher of a key for which `gone(key)`
  /// gets vanished_state(key), and the entries go.
  Delivered vanish_if(const std::function<bool(const SelectKey&)>& gone);
  /// Keys watched (tests, stats).
  size_t size() const { return entries_.size(); }
  bool contains(const SelectKey& k) const { return entries_.contains(k); }
  /// Some watch of registration `w` waits for its owner's answer.
  bool awaits_answer(const Wait& w) const;
  /// The keys whose answer a watch of registration `w` waits for.
  std::vector<SelectKey> awaited_by(const Wait& w) const;
  /// The owner could not keep the watch (the notify engine's table was full there): the
  /// entry goes, its active watchers are returned as (registration, slot, answered).
  struct Taken {
    std::shared_ptr<Wait> wait;
    uint32_t slot;
    bool answered;
  };
  std::vector<Taken> take(const SelectKey& k);
  /// Every key watched (a resynchronisation).
  std::vector<SelectKey> keys() const;

 private:
  struct Watcher {
    std::shared_ptr<Wait> wait;
    uint32_t slot;
    bool answered;
  };
  struct Entry {
    bool answered = false;
    ObjectState last;
    std::vector<Watcher> watchers;
  };
  static void link(const SelectKey& k, Watcher& x, const ObjectState& s, Delivered& d);
  std::map<SelectKey, Entry> entries_;
};

}  // namespace shadowsel::drv
