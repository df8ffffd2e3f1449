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

  /// The owner CPU is gone: every call waiting on one of its keys gets `vanished(key)`
  /// as its answer or ready record, and the entries are dropped.
  Delivered owner_down(uint32_t owner, const std::function<ObjectState(const SelectKey&)>& vanished);

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
