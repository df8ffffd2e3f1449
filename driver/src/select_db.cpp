// SPDX-License-Identifier: MIT
#include "shadowsel/driver/select_db.h"

#include <algorithm>
#include <utility>

#include <poll.h>

#include "shadowsel/driver/socket.h"
#include "shadowsel/hw/time.h"

namespace shadowsel::drv {

SelectDb::State SelectDb::state(const SelectKey& k) const {
  auto it = entries_.find(k);
  return it == entries_.end() ? State::kIdle : it->second.state;
}

bool SelectDb::awaits_answer(const Wait& w) const {
  for (const auto& [key, e] : entries_) {
    for (const Waiter& x : e.waiters) {
      if (x.wants_answer && x.wait.get() == &w) return true;
    }
  }
  return false;
}

std::vector<SelectKey> SelectDb::stale() const {
  std::vector<SelectKey> out;
  for (const auto& [key, e] : entries_) {
    if (std::none_of(e.waiters.begin(), e.waiters.end(), [](const Waiter& x) { return x.wait->active; }))
      out.push_back(key);
  }
  return out;
}

std::vector<SelectKey> SelectDb::keys() const {
  std::vector<SelectKey> out;
  for (const auto& [key, e] : entries_) out.push_back(key);
  return out;
}

std::vector<SelectKey> SelectDb::awaited_by(const Wait& w) const {
  std::vector<SelectKey> out;
  for (const auto& [key, e] : entries_) {
    if (std::any_of(e.waiters.begin(), e.waiters.end(),
                    [&w](const Waiter& x) { return x.wants_answer && x.wait.get() == &w; }))
      out.push_back(key);
  }
  return out;
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
    // An item waiting for a notification, asked again at a new owner after a takeover
    // (move_owner): "not ready" is no news, it waits on.
    if (!notify && !ready) {
      keep.push_back(x);
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

ObjectState vanished_state(const SelectKey& k) {
  ObjectState s;
  if (is_io_object(k.object)) {
    s.kind = ObjectState::Kind::kSocket;
    s.events = POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM | POLLRDHUP | POLLHUP | POLLERR;
  }
  s.w_counter = k.version + 1;  // a writer was seen: a reader's POLLHUP is not suppressed
  s.changed_at = hw::now_cycles();
  return s;
}

SelectDb::Delivered SelectDb::vanish_if(const std::function<bool(const SelectKey&)>& gone) {
  Delivered d;
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (!gone(it->first)) {
      ++it;
      continue;
    }
    const ObjectState s = vanished_state(it->first);
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

SelectDb::Delivered SelectDb::hand_back(const SelectKey& k) {
  auto it = entries_.find(k);
  if (it == entries_.end()) return {};
  const ObjectState last = it->second.last;
  it->second.state = State::kInFlight;  // not taken for an echo
  return deliver(k, last, /*ready=*/true, /*notify=*/false, /*refused=*/true);
}

SelectDb::Moved SelectDb::move_owner(uint32_t old, uint32_t now,
                                     const std::function<bool(uint32_t)>& survives) {
  Moved m;
  std::vector<std::pair<SelectKey, Entry>> moving;
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->first.owner != old || !survives(it->first.object)) {
      ++it;
      continue;
    }
    moving.emplace_back(it->first, std::move(it->second));
    it = entries_.erase(it);
  }
  m.vanished = vanish_if([old](const SelectKey& k) { return k.owner == old; });
  for (auto& [k, e] : moving) {
    std::erase_if(e.waiters, [](const Waiter& x) { return !x.wait->active; });
    if (e.waiters.empty()) continue;
    SelectKey to = k;
    to.owner = now;
    auto [it, fresh] = entries_.try_emplace(to);
    Entry& t = it->second;
    if (fresh) t.last = e.last;  // the state the subscribed items were answered with
    // In flight: an answer for the key is expected, so it is not taken for an echo.
    t.state = State::kInFlight;
    m.items_moved += static_cast<uint32_t>(e.waiters.size());
    t.waiters.insert(t.waiters.end(), e.waiters.begin(), e.waiters.end());
    if (std::find(m.ask.begin(), m.ask.end(), to) == m.ask.end()) m.ask.push_back(to);
  }
  return m;
}

}  // namespace shadowsel::drv
