// SPDX-License-Identifier: MIT
// The select database and distributor of the seed's Fig. 3, in one place: per remote
// (connection, event) the state of this CPU's request at the owner and the local calls
// waiting on it. The software agents (firmware/) decide from it whether to send a
// subscribe; the notify engine's driver keeps it as the mirror of the engine's local
// interest table, the engine deciding. Either way an answer or a notification goes
// through deliver(), which links ready records into the waiting calls (the
// distributor), so any kind of object gets duplicate suppression and ready lists on
// every notify path without code of its own.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "shadowsel/driver/posix_kernel.h"

namespace shadowsel::drv {

/// The seed's (connection, event): owner CPU, object there, event, and for reads the
/// description's version (it decides POLLHUP, so waiters of different versions differ).
struct SelectKey {
  uint32_t owner = 0;
  uint32_t object = 0;
  uint8_t event = 0;  ///< Interest
  uint32_t version = 0;
  auto operator<=>(const SelectKey&) const = default;
};

/// The state an object shows once it is gone with its CPU (docs/faults.md): a pipe with
/// neither readers nor writers (POLLHUP for a reader, POLLERR for a writer), a socket or
/// TTY line that was reset (hung up).
ObjectState vanished_state(const SelectKey& k);

class SelectDb {
 public:
  /// This CPU's request for a key: none, sent and unanswered, or recorded at the owner
  /// ("not ready, will notify").
  enum class State : uint8_t { kIdle, kInFlight, kSubscribed };

  /// What a delivery did.
  struct Delivered {
    bool taken = false;       ///< an entry took it (false: nobody waits, or an echo)
    uint32_t linked = 0;      ///< ready records the distributor linked into waiting calls
    std::vector<Wait*> wake;  ///< calls to wake, in order; the caller wakes them (and pays)
  };

  /// kIdle when this CPU has no entry for `k`.
  State state(const SelectKey& k) const;

  /// Call `w` still waits for the answer to one of its items.
  bool awaits_answer(const Wait& w) const;

  /// Keys no active call waits on any more (their calls timed out, returned on another
  /// descriptor, or exited); forget() drops a key's entry.
  std::vector<SelectKey> stale() const;
  void forget(const SelectKey& k) { entries_.erase(k); }
  /// Every key with an entry, and the keys on which call `w` waits for an answer.
  std::vector<SelectKey> keys() const;
  std::vector<SelectKey> awaited_by(const Wait& w) const;

  /// Item `slot` of call `w` waits on `k`, whose request is now `now`. The call counts
  /// the item in `w->answers_pending` already.
  ///  - kInFlight: the item waits for the answer to the request in flight;
  ///  - kSubscribed: the owner said "not ready" and will notify: the entry's last
  ///    answer is this item's answer at once, and the item waits for the notification.
  void add(const SelectKey& k, State now, const std::shared_ptr<Wait>& w, uint32_t slot);

  /// The owner's answer to a subscribe (`notify` false) or its notification. `refused`:
  /// a "ready" answer whose state is not ready: the owner could not remember the
  /// interest, so each waiting item goes back to its call's `to_agents` list.
  Delivered deliver(const SelectKey& k, const ObjectState& s, bool ready, bool notify, bool refused);

  /// Objects gone with their owner's CPU (docs/faults.md): every call waiting on a key
  /// for which `gone(key)` gets vanished_state(key) as its answer or ready record, and
  /// those entries are dropped.
  Delivered vanish_if(const std::function<bool(const SelectKey&)>& gone);

  /// The key cannot be asked now (the engine's table is full): each item goes back to
  /// its call, which asks again: those waiting for an answer through `to_agents`, those
  /// waiting for a notification with a record of the entry's last state ("nothing
  /// new": the call scans and asks again).
  Delivered hand_back(const SelectKey& k);

  /// What a process pair's takeover did to the entries (move_owner).
  struct Moved {
    std::vector<SelectKey> ask;  ///< re-keyed entries, now in flight: ask their new owner
    uint32_t items_moved = 0;    ///< waiting items carried over to the new owner
    Delivered vanished;          ///< the old owner's other entries, as vanish_if
  };
  /// The objects of CPU `old` for which `survives(object)` live on at CPU `now` with
  /// the same ids (a process pair's takeover, docs/faults.md): their entries and
  /// waiting items move to `now`'s keys, each item still waiting for what it waited
  /// for (an answer, or a notification), and the caller asks `now` for every key in
  /// `ask`. The rest of `old`'s entries vanish.
  Moved move_owner(uint32_t old, uint32_t now, const std::function<bool(uint32_t)>& survives);

 private:
  struct Waiter {
    std::shared_ptr<Wait> wait;
    uint32_t slot;
    bool wants_answer;
  };
  struct Entry {
    State state = State::kIdle;
    ObjectState last;
    std::vector<Waiter> waiters;
  };
  std::map<SelectKey, Entry> entries_;
};

}  // namespace shadowsel::drv
