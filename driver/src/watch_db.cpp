// SPDX-License-Identifier: MIT
#include "shadowsel/driver/watch_db.h"

#include <algorithm>

namespace shadowsel::drv {

void WatchDb::link(const SelectKey& k, Watcher& x, const ObjectState& s, Delivered& d) {
  const ReadyRecord r{x.slot, s, true, static_cast<Interest>(k.event)};
  if (x.answered) {
    x.wait->ready.push_back(r);
  } else {
    x.wait->answers.push_back(r);
    --x.wait->answers_pending;
    x.answered = true;
  }
  ++d.linked;
  if (std::find(d.wake.begin(), d.wake.end(), x.wait.get()) == d.wake.end()) d.wake.push_back(x.wait.get());
}

bool WatchDb::add(const SelectKey& k, const std::shared_ptr<Wait>& w, uint32_t slot, Delivered* d) {
  const bool first = !entries_.contains(k);
  Entry& e = entries_[k];
  e.watchers.push_back({w, slot, false});
  if (e.answered) link(k, e.watchers.back(), e.last, *d);
  return first;
}

bool WatchDb::remove(const SelectKey& k, uint64_t wait_id, uint32_t slot) {
  auto it = entries_.find(k);
  if (it == entries_.end()) return false;
  std::erase_if(it->second.watchers, [&](const Watcher& x) {
    return (x.wait->id == wait_id && x.slot == slot) || !x.wait->active;
  });
  if (!it->second.watchers.empty()) return false;
  entries_.erase(it);
  return true;
}

WatchDb::Delivered WatchDb::deliver(const SelectKey& k, const ObjectState& s, bool answer, bool* orphaned) {
  Delivered d;
  *orphaned = false;
  auto it = entries_.find(k);
  if (it == entries_.end()) return d;  // dropped meanwhile (kWatchDrop on its way)
  Entry& e = it->second;
  if (answer) e.answered = true;
  e.last = s;
  std::erase_if(e.watchers, [](const Watcher& x) { return !x.wait->active; });
  for (Watcher& x : e.watchers) link(k, x, s, d);
  if (e.watchers.empty()) {
    entries_.erase(it);
    *orphaned = true;
  }
  return d;
}

WatchDb::Delivered WatchDb::vanish_if(const std::function<bool(const SelectKey&)>& gone) {
  Delivered d;
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (!gone(it->first)) {
      ++it;
      continue;
    }
    for (Watcher& x : it->second.watchers) {
      if (x.wait->active) link(it->first, x, vanished_state(it->first), d);
    }
    it = entries_.erase(it);
  }
  return d;
}

bool WatchDb::awaits_answer(const Wait& w) const { return !awaited_by(w).empty(); }

std::vector<WatchDb::Taken> WatchDb::take(const SelectKey& k) {
  std::vector<Taken> out;
  auto it = entries_.find(k);
  if (it == entries_.end()) return out;
  for (const Watcher& x : it->second.watchers) {
    if (x.wait->active) out.push_back({x.wait, x.slot, x.answered});
  }
  entries_.erase(it);
  return out;
}

std::vector<SelectKey> WatchDb::awaited_by(const Wait& w) const {
  std::vector<SelectKey> out;
  for (const auto& [k, e] : entries_) {
    for (const Watcher& x : e.watchers) {
      if (x.wait.get() == &w && !x.answered && x.wait->active) {
        out.push_back(k);
        break;
      }
    }
  }
  return out;
}

std::vector<SelectKey> WatchDb::keys() const {
  std::vector<SelectKey> out;
  for (const auto& [k, e] : entries_) out.push_back(k);
  return out;
}

}  // namespace shadowsel::drv
