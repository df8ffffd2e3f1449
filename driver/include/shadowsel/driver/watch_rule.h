// SPDX-License-Identifier: MIT
// When the owner of a watched object tells a watcher of a change (docs/epoll.md): the
// one rule of the software owner (fw::WatchTable, one kWatchState per watcher) and of
// the notify engine's driver (NeDriver, the wake bits and skip node of a PUBLISH).
#pragma once

namespace shadowsel::drv {

/// Which watchers of one (object, event, version) hear of a change.
enum class WatchTell {
  kNobody,       ///< no wake of that side, no readiness flip
  kEveryone,     ///< the change would wake that side's wait queue in Linux (its wake count moved)
  kAllButCause,  ///< only the readiness flipped: every watcher but the CPU whose read or write
                 ///< made the change when its result carries the state (it knows already)
};

/// `woken`: the event's wake count moved (a write for readers, a read for writers, every
/// open and close); `flipped`: the event's readiness for the key's version changed.
constexpr WatchTell watch_tell(bool woken, bool flipped) {
  if (woken) return WatchTell::kEveryone;
  return flipped ? WatchTell::kAllButCause : WatchTell::kNobody;
}

/// Whether the watcher on CPU `watcher` hears of the change; `cause`: the CPU whose
/// operation's result carries the new state, or a negative value for none.
constexpr bool watch_tells(WatchTell t, long watcher, long cause) {
  return t == WatchTell::kEveryone || (t == WatchTell::kAllButCause && watcher != cause);
}

}  // namespace shadowsel::drv
