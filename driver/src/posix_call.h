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

template <class T>
T sys_result(T r) {
  if (r < 0) {
    errno = static_cast<int>(-r);
    return -1;
  }
  return r;
}

}  // namespace shadowsel::drv::posix_call
