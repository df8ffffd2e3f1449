// SPDX-License-Identifier: MIT
// A simulated process: host C++ code running as a SystemC thread on one CPU.
// Its CPU runs one thing at a time: the process holds the CPU from dispatch
// until it blocks or exits, interrupts preempt it, and every operation it
// performs charges cycles from the cost table through its Kernel.
#pragma once

#include <systemc>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "shadowsel/gen/ipb.h"

namespace shadowsel::drv {

class Kernel;

/// Where a message goes: a port on a CPU. A process's own port is its pid.
struct Address {
  uint32_t cpu = 0;
  uint32_t port = 0;
};

struct Message {
  Address from;
  uint32_t tag = 0;
  gen::ipb::MsgKind kind = gen::ipb::MsgKind::kPost;
  std::vector<uint8_t> data;
};

class Process {
 public:
  using Body = std::function<void(Process&)>;

  uint32_t pid() const { return pid_; }
  uint32_t cpu() const;
  const std::string& name() const { return name_; }
  Kernel& kernel() { return k_; }
  Address address() const { return {cpu(), pid_}; }
  bool daemon() const { return daemon_; }
  /// A system process (spawn_service: an agent, an I/O process, a monitor): it runs
  /// before user processes and preempts them (docs/scenarios.md, "Scheduling").
  bool system() const { return system_; }
  bool exited() const { return state_ == State::kExited; }
  /// Its exit's work has begun (Kernel::begin_exit): signals change nothing.
  bool exiting() const { return exiting_; }
  /// Its CPU halted before it exited (a cpu_halt fault): it will never run again.
  bool lost() const { return lost_; }
  /// Cycles this process has held its CPU (interrupt time excluded).
  uint64_t cpu_cycles() const { return cpu_cycles_; }

  // --- called only from this process's own body ---
  /// User-mode work.
  void compute(uint64_t cycles);
  /// Blocks without using the CPU for `cycles`, then runs again.
  void sleep(uint64_t cycles);
  /// One-way message.
  void post(Address to, std::span<const uint8_t> data);
  /// Request and reply (Tandem's WRITEREAD): blocks until the reply arrives.
  std::vector<uint8_t> call(Address to, std::span<const uint8_t> request);
  /// As call(), but nullopt if `to`'s CPU is declared down before the reply comes.
  std::optional<std::vector<uint8_t>> call_unless_down(Address to, std::span<const uint8_t> request);
  /// As call(), but a signal handler may interrupt the wait: `cancel` then runs once and
  /// the call goes on waiting for the reply (MessageSystem::call_cancellable).
  std::vector<uint8_t> call_cancellable(Address to, std::span<const uint8_t> request,
                                        const std::function<void()>& cancel,
                                        const std::function<void(std::span<const uint8_t>)>& abandoned = {});
  /// Next message on this process's port; blocks while there is none.
  Message receive();
  void reply(const Message& request, std::span<const uint8_t> data);

 private:
  friend class Kernel;
  friend class MessageSystem;
  enum class State { kReady, kRunning, kBlocked, kExited };

  Process(Kernel& k, uint32_t pid, std::string name, Body body, bool daemon);
  void main();

  Kernel& k_;
  uint32_t pid_;
  std::string name_;
  Body body_;
  bool daemon_;
  bool in_user_ = false;  ///< in compute(): its cycles are user time (KernelCounters::user_cycles)
  State state_ = State::kReady;
  sc_core::sc_event resume_;
  uint64_t slice_start_ = 0;
  uint64_t slice_used_ = 0;  ///< CPU cycles of its current time slice
  bool keep_slice_ = false;  ///< preempted by a system process: resumes the rest of its slice
  bool system_ = false;      ///< see system()
  uint64_t cpu_cycles_ = 0;
  bool timed_out_ = false;
  std::multimap<uint64_t, Process*>::iterator timer_;
  bool timer_armed_ = false;
  /// A service starting at power-on: it runs free of charge until it first
  /// blocks, so the machine is booted when user processes start at cycle 0.
  bool booting_ = false;
  bool lost_ = false;
  /// A kill (Kernel::kill) waiting for the process to next hold its CPU; its wait status.
  bool kill_pending_ = false;
  bool exiting_ = false;  ///< Kernel::begin_exit: its exit's work runs, kills change nothing
  int kill_status_ = 0;
  /// Blocked in a wait a signal handler may interrupt (Kernel::block's `interruptible`),
  /// and whether a signal awaits delivery that interrupts such a wait (Kernel::interrupt).
  bool interruptible_ = false;
  bool interrupted_ = false;
  /// The timeline's flows (Kernel::flow): what it is doing now, and what last woke it.
  uint64_t flow_ = 0;
  uint64_t wake_flow_ = 0;

 public:
  /// The flow of the last wake-up (Kernel::wake with a flow), taken once; 0 none.
  uint64_t take_wake_flow() { return std::exchange(wake_flow_, 0); }
  void set_wake_flow(uint64_t f) { wake_flow_ = f; }
};

/// Thrown through a process's stack to end it (exit(), or death by signal).
struct ProcessExit {
  int wait_status;  ///< Linux wait status encoding
};

/// Thrown out of an interruptible wait (Kernel::block) when a signal with a handler is
/// to be delivered: the POSIX layer's entry point runs the handler, then returns EINTR
/// or makes the call again (SA_RESTART).
struct SignalInterrupted {};

/// The simulated process whose code is running now.
Process& this_process();

}  // namespace shadowsel::drv
