// SPDX-License-Identifier: MIT
#include "shadowsel/driver/select_db.h"

#include <algorithm>
#include <utility>

namespace shadowsel::drv {

SelectDb::State SelectDb::state(const SelectKey& k) const {
  auto it = entries_.find(k);
  return it == entries_.end() ? State::kIdle : it->second.state;
}

void SelectDb::add(const SelectKey& k, State now, const std::shared_ptr<Wait>& w, uint32_t slot) {
  Entry& e = entries_[k];
  std::erase_if(e.waiters, [](const Waiter& x) { return !x.wait->active; });
  e.state = now;
  if (now == State::kSubscribed) {
    w->answers.push_back({slot, e.last, true, static_cast<Interest>(k.event)});
    --w->answers_pending;
    e.waiters.push_back({w, slot, false});
  } else {
    e.waiters.push_back({w, slot, true});
  }
}

SelectDb::Delivered SelectDb::deliver(const SelectKey& k, const ObjectState& s, bool ready, bool notify,
                                      bool refused) {
  Delivered d;
  auto it = entries_.find(k);
  if (it == entries_.end()) return d;  // nobody here waits for it (a caller that went away)
  Entry& e = it->second;
  // An answer for a key already recorded at the owner is the engine's at-once echo of
  // a suppressed arm; that arm took the entry's last state already.
  if (!notify && e.state == State::kSubscribed) return d;
  d.taken = true;
  e.last = s;
  e.state = (notify || ready) ? State::kIdle : State::kSubscribed;
  std::vector<Waiter> keep;
  for (Waiter& x : e.waiters) {
    if (!x.wait->active) continue;
    if (x.wants_answer) {
      if (refused) {
        x.wait->to_agents.push_back({x.slot, static_cast<Interest>(k.event)});
      } else {
        x.wait->answers.push_back({x.slot, s, true, static_cast<Interest>(k.event)});
      }
      if (--x.wait->answers_pending == 0) d.wake.push_back(x.wait.get());
      x.wants_answer = false;
      if (!ready && !notify) keep.push_back(x);
      continue;
    }
    // The distributor: link into the waiter's ready list and wake it.
    x.wait->ready.push_back({x.slot, s, true, static_cast<Interest>(k.event)});
    ++d.linked;
    d.wake.push_back(x.wait.get());
  }
  e.waiters = std::move(keep);
  if (e.state == State::kIdle && e.waiters.empty()) entries_.erase(it);
  return d;
}

SelectDb::Delivered SelectDb::owner_down(uint32_t owner,
                                         const std::function<ObjectState(const SelectKey&)>& vanished) {
  Delivered d;
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->first.owner != owner) {
      ++it;
      continue;
    }
    const ObjectState s = vanished(it->first);
    for (Waiter& x : it->second.waiters) {
      if (!x.wait->active) continue;
      d.taken = true;
      if (x.wants_answer) {
        x.wait->answers.push_back({x.slot, s, true, static_cast<Interest>(it->first.event)});
        if (--x.wait->answers_pending == 0) d.wake.push_back(x.wait.get());
      } else {
        x.wait->ready.push_back({x.slot, s, true, static_cast<Interest>(it->first.event)});
        d.wake.push_back(x.wait.get());
      }
      ++d.linked;
    }
    it = entries_.erase(it);
  }
  return d;
}

}  // namespace shadowsel::drv
