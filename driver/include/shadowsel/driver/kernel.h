// SPDX-License-Identifier: MIT
// The per-CPU kernel: process table, scheduler, interrupt dispatch, timers and
// the message system. Scheduling is FIFO; a process that has used its time
// slice while another is ready goes to the back of the queue. Interrupts
// preempt the running process at once and run on its stack, as a real
// kernel's would; an idle CPU takes them in its idle context.
#pragma once

#include <systemc>

#include <array>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "shadowsel/driver/heap.h"
#include "shadowsel/driver/process.h"
#include "shadowsel/hw/node.h"
#include "shadowsel/hw/params.h"
#include "shadowsel/sim/recorder.h"
#include "shadowsel/sim/stats.h"

namespace shadowsel::drv {

class MessageSystem;
class Membership;
class PosixKernel;

struct KernelCounters {
  uint64_t busy_cycles = 0;       ///< cycles processes held the CPU
  uint64_t irq_cycles = 0;        ///< cycles in interrupt handlers
  uint64_t user_cycles = 0;       ///< of busy_cycles: processes (not agents) computing (Process::compute)
  uint64_t agent_cycles = 0;      ///< of busy_cycles: agents and I/O processes (daemons), their kernel work included
  uint64_t interrupts = 0;        ///< interrupts taken
  /// Of interrupts, per line (hw::IrqLine): what raised them, so that a figure can
  /// count the interrupts a mechanism causes and leave out the workload's timers.
  std::array<uint64_t, hw::kIrqLines> interrupts_by_line{};
  uint64_t context_switches = 0;  ///< dispatches of a process
  uint64_t wakeups = 0;           ///< blocked processes made runnable
  uint64_t preemptions = 0;       ///< time slices ended with another process ready
  uint64_t signals_while_exiting = 0;  ///< signals (kills included) for a process already exiting: dropped
  uint64_t activations = 0;       ///< SystemC thread resumptions of this CPU's contexts
};

class Kernel : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Kernel);
  Kernel(sc_core::sc_module_name name, hw::Node& node, const hw::MachineParams& params,
         sim::Recorder& rec);
  ~Kernel() override;

  uint32_t cpu() const { return node_.id(); }
  hw::Node& node() { return node_; }
  const hw::CostTable& costs() const { return p_.costs; }
  const hw::MachineParams& params() const { return p_; }
  sim::Recorder& recorder() { return rec_; }
  Heap& heap() { return heap_; }
  MessageSystem& msg() { return *msg_; }
  /// Which CPUs this CPU holds to be up (membership.h).
  Membership& membership() { return *membership_; }

  /// Starts a process on this CPU. A daemon (an agent) runs forever and is not
  /// waited for at the end of a run.
  Process& spawn(std::string name, Process::Body body, bool daemon = false);
  /// Starts a service (an agent) that runs forever on the well-known port `port`
  /// (below kFirstUserPid); its pid is the port.
  Process& spawn_service(uint32_t port, std::string name, Process::Body body);
  const std::vector<std::unique_ptr<Process>>& processes() const { return procs_; }
  /// The POSIX layer of this CPU, once one is attached.
  PosixKernel& posix();
  void set_posix(PosixKernel* p) { posix_ = p; }
  /// Called when a non-daemon process starts and when it exits.
  void on_start(std::function<void(Process&)> f) { on_start_ = std::move(f); }
  void on_exit(std::function<void(Process&)> f) { on_exit_ = std::move(f); }

  // --- used by kernel code running in a CPU context (a process or a handler) ---
  /// Spends `cycles` of CPU time; interrupts preempt it unless in a handler.
  void execute(uint64_t cycles);
  /// The running process gives up the CPU until wake(). `interruptible`: a signal
  /// handler may end the wait (interrupt()): it then throws SignalInterrupted, also at
  /// once when such a signal is already waiting.
  void block(Process& self, bool interruptible = false);
  /// As block(), but also wakes at `deadline` (a cycle); true if that happened.
  bool block_until(Process& self, uint64_t deadline, bool interruptible = false);
  /// A signal with a handler awaits delivery to `p`: an interruptible wait of `p` ends
  /// (now, or when it next starts one) until clear_interrupt().
  void interrupt(Process& p);
  void clear_interrupt(Process& p) { p.interrupted_ = false; }
  /// Runs `fn` in the timer interrupt at cycle `at` (not before); the id cancels it.
  uint64_t call_at(uint64_t at, std::function<void()> fn);
  void cancel_call(uint64_t id);
  /// Makes a blocked process runnable, charging the wake-up cost.
  void wake(Process& p);
  void exit(Process& self);
  void set_irq_handler(hw::IrqLine line, std::function<void()> handler);
  /// The running process as this_process() sees it, and its restoration: a device
  /// access that stalls the SystemC thread (NotifyEngine MMIO) lets other CPUs run,
  /// which move it; the driver puts it back when the access returns.
  static Process* current_process();
  static void set_current_process(Process* p);
  bool in_interrupt() const { return in_irq_; }

  // --- the timeline's causal context (sim::Recorder flows, docs/trace.md) ---
  /// The flow of what the CPU is doing now: the running process's (the last message
  /// it took, the select it is in) or, in a handler, the one the handler set. 0 none.
  uint64_t flow() const;
  void set_flow(uint64_t f);
  /// For one thing the CPU starts (a message, an engine command): flow() the first time,
  /// then a new flow each time, so that no two things in flight share a chain. 0 without
  /// a trace.
  uint64_t take_flow();
  /// A step of `flow` from `start` to now where the CPU is: the running process's calls
  /// track, or the interrupt track in a handler. No-op for flow 0 (no trace).
  void flow_step(const char* name, uint64_t start, uint64_t flow, bool out);

  // --- faults (docs/faults.md), from outside any CPU context (tb::FaultInjector) ---
  /// The CPU stops for good: no process or handler of it runs again, its bus
  /// interface offers and takes nothing, its notify engine hangs, and its processes
  /// count as gone for the end of the run (on_exit is called for each live one).
  void halt();
  bool halted() const { return halted_; }
  /// Kills `p` as by signal `sig`: the next time it would hold the CPU it unwinds
  /// with ProcessExit{sig} (a blocked process is made ready for that), so it dies
  /// through the same path as exit() and SIGPIPE. False if it has already gone; true,
  /// and nothing done, once it is exiting (begin_exit).
  bool kill(Process& p, int sig);
  /// From `self`'s own body, when its exit's work begins (the POSIX layer closing its
  /// descriptors, which takes calls to other CPUs): no kill, pending or to come, cuts
  /// that work short, as Linux's do_exit() takes no more signals.
  void begin_exit(Process& self);
  /// True, and the signal counted (signals_while_exiting), if `p` is exiting: a signal
  /// for it, a kill included, is then dropped.
  bool discard_if_exiting(Process& p);

  // --- liveness (docs/faults.md, Liveness) ---
  /// A kernel tick, not a process: `fn` runs in the timer interrupt at every multiple
  /// of `period` cycles, so a busy CPU's time slices never delay it.
  void set_tick(uint64_t period, std::function<void()> fn);
  /// Nothing but ticks left to do here now: no process running or ready, no process
  /// timer, no interrupt pending but the tick's (a halted CPU is quiet). For the
  /// end-of-run rule.
  bool quiet() const;

  const KernelCounters& counters() const { return c_; }
  void register_stats(sim::Stats& s) const;

 private:
  friend class Process;
  void idle_main();
  void idle_loop();
  void dispatch();
  void resumed(Process& self);
  /// execute() with the time-slice check optional: the context-switch charge
  /// must not end the slice it opens.
  void spend(uint64_t cycles, bool preemptible);
  void end_slice(Process& self);
  /// Gives the CPU up, ready: behind the others of its class when its slice ended,
  /// at the head of its class when a system process preempted it (`preempted`).
  void yield(Process& self, bool preempted = false);
  /// Queues `p` to run: system processes (agents, I/O processes; spawn_service) ahead
  /// of every user process, FIFO within each class (docs/scenarios.md, "Scheduling");
  /// `first`: at the head of its class.
  void make_ready(Process& p, bool first = false);
  /// Whether the running user process must give the CPU to a ready system process now.
  bool system_waiting(const Process& self) const;
  void service_interrupts();
  void on_timer();
  void rearm_timer();
  Process& start(uint32_t pid, std::string name, Process::Body body, bool daemon, bool system = false);
  void cancel_timer(Process& p);
  struct Callout {
    uint64_t id;
    std::function<void()> fn;
  };
  std::multimap<uint64_t, Callout> callouts_;  ///< call_at(), by cycle
  uint64_t next_callout_ = 1;
  /// A halted CPU's contexts end here, suspended for good.
  [[noreturn]] void freeze();
  /// Unwinds `self` if a kill waits for it (never inside a handler).
  void deliver_kill(Process& self);

  hw::Node& node_;
  const hw::MachineParams& p_;
  sim::Recorder& rec_;
  Heap heap_;
  std::unique_ptr<MessageSystem> msg_;
  std::unique_ptr<Membership> membership_;
  std::vector<std::unique_ptr<Process>> procs_;
  std::function<void(Process&)> on_start_;
  std::function<void(Process&)> on_exit_;
  PosixKernel* posix_ = nullptr;
  Process* running_ = nullptr;
  bool idle_in_irq_ = false;  ///< the idle context holds the CPU for handlers
  bool in_irq_ = false;
  uint64_t irq_flow_ = 0;  ///< flow() in a handler
  std::deque<Process*> ready_;
  std::multimap<uint64_t, Process*> timers_;
  uint64_t tick_period_ = 0;
  uint64_t next_tick_ = 0;
  std::function<void()> tick_;
  std::array<std::function<void()>, hw::kIrqLines> handlers_;
  uint32_t next_pid_ = kFirstUserPid;
  KernelCounters c_;
  bool halted_ = false;
  sc_core::sc_event never_;     ///< never notified

 public:
  /// Ports below this are for well-known services (agents); pids start here.
  static constexpr uint32_t kFirstUserPid = 16;
};

}  // namespace shadowsel::drv
