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

enum class Restart : bool { kNever, kWithSaRestart };

// A call whose wait a signal handler may interrupt (Kernel::block's SignalInterrupted):
// the handlers run, then the call returns -EINTR, or is made again when it is one Linux
// restarts (`restart`) and every handler that ran has SA_RESTART (signal(7)).
template <class F>
auto interruptible(Restart restart, F&& call) -> decltype(call()) {
  for (;;) {
    try {
      return call();
    } catch (const SignalInterrupted&) {
      const bool again = px().deliver_signals(self());
      if (restart == Restart::kWithSaRestart && again) continue;
      return -EINTR;
    }
  }
}

}  // namespace shadowsel::drv::posix_call
