// SPDX-License-Identifier: MIT
// What every C entry point of the POSIX layer needs (posix_api.cpp, posix_socket_api.cpp):
// the calling simulated process, its CPU's POSIX kernel, and the C library's way of
// turning -errno into -1 with errno set.
#pragma once

#include <cerrno>

#include "shadowsel/driver/kernel.h"
#include "shadowsel/driver/posix_kernel.h"

namespace shadowsel::drv::posix_call {

inline Process& self() { return this_process(); }
inline PosixKernel& px() { return self().kernel().posix(); }

// The return to user mode: pending signals are delivered (handlers run, or a default
// action ends the process), then -errno becomes -1 with errno set, as the C library does
// after the system call returned.
template <class T>
T sys_result(T r) {
  px().deliver_signals(self());
  if (r < 0) {
    errno = static_cast<int>(-r);
    return -1;
  }
  return r;
}

// What a call interrupted by a signal does after it (signal(7)). kNever: EINTR after a
// handler (select, poll, nanosleep); kWithSaRestart: made again when every handler that
// ran has SA_RESTART (read, write, waitpid, accept...). Both are made again when no
// handler ran (a stop and SIGCONT: Linux's -ERESTARTNOHAND, -ERESTARTSYS, restart_block);
// kEintrAfterStop: EINTR even then (epoll_wait, as signal(7) lists).
enum class Restart : uint8_t { kNever, kWithSaRestart, kEintrAfterStop };

// Whether a call whose wait `SignalInterrupted` ended is made again, once the pending
// signals are delivered (handlers run, a stopped process waits for SIGCONT here).
inline bool made_again(Restart restart) {
  bool handled = false;
  const bool all_sa_restart = px().deliver_signals(self(), &handled);
  if (!handled) return restart != Restart::kEintrAfterStop;
  return restart == Restart::kWithSaRestart && all_sa_restart;
}

// A call whose wait a signal may interrupt (Kernel::block's SignalInterrupted): the
// handlers run, then the call returns -EINTR or is made again (made_again).
template <class F>
auto interruptible(Restart restart, F&& call) -> decltype(call()) {
  for (;;) {
    try {
      return call();
    } catch (const SignalInterrupted&) {
      if (made_again(restart)) continue;
      return -EINTR;
    }
  }
}

}  // namespace shadowsel::drv::posix_call
