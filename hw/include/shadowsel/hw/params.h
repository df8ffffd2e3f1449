// SPDX-License-Identifier: MIT
// Parameters of the simulated machine. Plain structs with defaults: the scenario
// parser (tb/) fills them, each model receives its own struct by const reference
// and never reads a file. Every field names its unit; docs/scenarios.md lists the
// scenario key of each one.
#pragma once

#include <cstdint>

namespace shadowsel::hw {

/// The dual interprocessor bus (X and Y); both lanes share these parameters.
struct BusParams {
  uint32_t width_bytes = 4;            ///< bytes moved per bus cycle
  uint32_t arb_cycles = 1;             ///< cycles from request to grant on an idle lane
  uint32_t max_payload_bytes = 64;     ///< largest payload of one packet
  uint32_t rx_buffer_packets = 8;      ///< receive buffer of a node, shared by both lanes
  uint32_t tx_window_packets = 4;      ///< packets a node's interface can offer the lanes at once
  uint32_t retry_backoff_cycles = 16;  ///< after a NACK, the sender waits this long to retry
  uint32_t retry_backoff_flat = 64;     ///< refusals of one packet retried after the base wait before it doubles
  uint64_t retry_backoff_max_cycles = 1ull << 20;  ///< the doubled wait never exceeds this
  int64_t x_down_at_cycle = -1;        ///< take lane X down at this cycle; -1 never
  int64_t y_down_at_cycle = -1;        ///< take lane Y down at this cycle; -1 never

  /// Cycles a sender waits before offering a packet again after its `refusals`-th
  /// consecutive refusal (1, 2, ...): the base wait for the first
  /// retry_backoff_flat, then doubling, capped (truncated binary exponential
  /// back-off, docs/bus.md).
  uint64_t retry_delay(uint32_t refusals) const {
    const uint64_t base = retry_backoff_cycles;
    if (refusals <= retry_backoff_flat) return base;
    const uint32_t doublings = refusals - retry_backoff_flat;
    const uint64_t cap = retry_backoff_max_cycles < base ? base : retry_backoff_max_cycles;
    if (doublings >= 63 || (base << doublings) >> doublings != base) return cap;
    return base << doublings < cap ? base << doublings : cap;
  }
};

/// Cycles charged to a CPU for each software primitive. The defaults are host
/// measurements converted at the default frequency (docs/cost-table.md); every
/// higher-level cost is composed from these, never tuned on its own.
struct CostTable {
  uint32_t syscall_entry = 0;    ///< cycles: enter and leave the kernel for a trivial call
  uint32_t context_switch = 0;   ///< cycles: switch the CPU from one process to another
  uint32_t wakeup = 0;           ///< cycles: make a blocked process runnable
  uint32_t copy_per_kib = 0;     ///< cycles: copy 1024 bytes (pro rata, rounded up)
  uint32_t irq_entry = 0;        ///< cycles: take an interrupt, run its dispatch, return
  uint32_t fd_check = 0;         ///< cycles: poll one descriptor in select/poll, or one agent table lookup

  /// The measured defaults (docs/cost-table.md).
  static CostTable defaults();
  /// Cycles to copy `bytes` bytes.
  uint64_t copy(uint64_t bytes) const { return (bytes * copy_per_kib + 1023) / 1024; }
};

/// Liveness (docs/faults.md, Liveness): each CPU's I'm-alive period and how many
/// silent periods make a CPU suspected. Drives the kernel's monitor on --notify sw
/// and the notify engine's ALIVE_PERIOD / ALIVE_TIMEOUT on the engine paths.
struct LivenessParams {
  bool enabled = true;
  uint64_t period_cycles = 100000;  ///< I'm-alive period, cycles (200 us at 500 MHz)
  uint32_t missed_periods = 2;      ///< periods of silence after which a CPU is suspected
};

/// The whole machine.
struct MachineParams {
  uint32_t cpus = 4;                     ///< CPU nodes, 2..64
  uint64_t memory_bytes = 16ull << 20;   ///< private memory per node, bytes
  double freq_mhz = 500.0;               ///< system clock; converts cycles to ns in reports
  uint64_t seed = 1;                     ///< seed of every random choice of a run
  uint32_t process_stack_kib = 256;      ///< host stack of each simulated process
  uint64_t timeslice_cycles = 500000;    ///< CPU time before a process yields to a ready one; 0: run to block
  BusParams bus;
  LivenessParams liveness;
  CostTable costs = CostTable::defaults();
};

/// The message system's two pools (send, receive), each 3/8 of a node's memory in
/// 16-byte units; requests and posts may use 3/4 of a pool, replies all of it
/// (docs/messages.md). Here so that the scenario reader can reject a workload
/// whose messages could never be buffered.
constexpr uint64_t msg_pool_bytes(uint64_t memory_bytes) { return memory_bytes / 8 * 3 / 16 * 16; }
constexpr uint64_t msg_max_request_bytes(uint64_t memory_bytes) {
  return msg_pool_bytes(memory_bytes) - msg_pool_bytes(memory_bytes) / 4;
}
constexpr uint64_t msg_max_reply_bytes(uint64_t memory_bytes) { return msg_pool_bytes(memory_bytes); }

/// Descriptors one process may hold (Linux's default RLIMIT_NOFILE soft limit): the
/// POSIX layer's open() and pipe() fail with EMFILE beyond. Here so that the scenario
/// reader can reject a workload that would run out of them.
constexpr int kMaxFdsPerProcess = 1024;
/// Descriptors a program starts with: standard input, output and error.
constexpr int kStdFds = 3;

constexpr uint32_t kMinCpus = 2;
constexpr uint32_t kMaxCpus = 64;

}  // namespace shadowsel::hw
