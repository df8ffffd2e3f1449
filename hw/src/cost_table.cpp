// SPDX-License-Identifier: MIT
// Default cost table: host measurements by bench/hostcost.cpp (2026-11-24, AMD
// EPYC 2-core VM, medians of three runs, docs/cost-table.md), converted to
// cycles at the default 500 MHz. Derived entries subtract measured parts so no
// primitive is counted twice. Never tune these to favour a path under study.
#include "shadowsel/hw/params.h"

namespace shadowsel::hw {

CostTable CostTable::defaults() {
  CostTable c;
  c.syscall_entry = 60;    // syscall(SYS_getppid): 119.8 ns
  c.context_switch = 785;  // lat_ctx-style, two pinned processes: 1569.4 ns
  // pipe one-way wake-up 2035.0 ns (1018 cycles) = write + read syscalls
  // (2 x 60) + context switch (785) + the wake-up itself: 1018 - 120 - 785.
  c.wakeup = 113;
  c.copy_per_kib = 9;      // memcpy of 1 MiB, warm: 17.7 ns per KiB
  // signal to self 1913.5 ns (957 cycles) = kill() syscall (60) + delivery
  // and return, the host's nearest analogue of taking an interrupt.
  c.irq_entry = 897;
  c.fd_check = 15;  // poll() per descriptor, (t(256 fds) - t(1)) / 255: 30.4 ns
  return c;
}

}  // namespace shadowsel::hw
