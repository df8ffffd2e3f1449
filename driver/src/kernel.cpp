// SPDX-License-Identifier: MIT
#include "shadowsel/driver/kernel.h"

#include <algorithm>
#include <utility>
#include <stdexcept>

#include "shadowsel/driver/membership.h"
#include "shadowsel/driver/msg.h"
#include "shadowsel/hw/notify_engine.h"
#include "shadowsel/hw/time.h"
#include "shadowsel/sim/failure.h"
#include "shadowsel/sim/waves.h"

namespace shadowsel::drv {

using hw::cycles;
using hw::now_cycles;

namespace {
Process* g_current = nullptr;  // the process whose thread runs now

// The CPU's state in the waveform (--waves), when one is written.
void show(sim::Recorder& rec, uint32_t cpu, sim::CpuMode mode, const Process* p = nullptr) {
  if (sim::Waves* w = rec.waves()) w->cpu_mode(cpu, mode, p ? p->pid() : 0, p ? p->name() : "", now_cycles());
}
}  // namespace

Process& this_process() {
  if (!g_current) throw std::logic_error("no simulated process is running");
  return *g_current;
}

// --- Process ---------------------------------------------------------------

Process::Process(Kernel& k, uint32_t pid, std::string name, Body body, bool daemon)
    : k_(k), pid_(pid), name_(std::move(name)), body_(std::move(body)), daemon_(daemon) {}

uint32_t Process::cpu() const { return k_.cpu(); }

void Process::main() {
  while (state_ != State::kRunning) sc_core::wait(resume_);
  sim::guarded("cpu " + std::to_string(cpu()) + " " + name_, [this] {
    try {
      k_.resumed(*this);
      body_(*this);
    } catch (const ProcessExit&) {
      // Killed (Kernel::kill) outside the POSIX layer, which catches it itself.
    }
    k_.exit(*this);
  });
}

void Process::compute(uint64_t n) {
  in_user_ = true;  // user time, unless the kernel takes the CPU meanwhile (Kernel::resumed)
  k_.execute(n);
  in_user_ = false;
}

void Process::sleep(uint64_t n) {
  k_.execute(k_.costs().syscall_entry);
  k_.block_until(*this, hw::cycle_after(n));
}

// --- Kernel ----------------------------------------------------------------

Kernel::Kernel(sc_core::sc_module_name name, hw::Node& node, const hw::MachineParams& params,
               sim::Recorder& rec)
    : sc_module(name),
      node_(node),
      p_(params),
      rec_(rec),
      heap_(0, params.memory_bytes) {
  // After handlers_ exists: the message system registers its interrupt handlers.
  msg_ = std::make_unique<MessageSystem>(*this);
  membership_ = std::make_unique<Membership>(*this);
  membership_->add_listener([this](Process&, uint32_t cpu) { msg_->peer_down(cpu); });
  set_irq_handler(hw::IrqLine::kTimer, [this] { on_timer(); });
  SC_THREAD(idle_main);
  rec_.name_cpu(cpu());
}

Kernel::~Kernel() = default;

Process& Kernel::spawn(std::string name, Process::Body body, bool daemon) {
  return start(next_pid_++, std::move(name), std::move(body), daemon);
}

Process& Kernel::spawn_service(uint32_t port, std::string name, Process::Body body) {
  if (port == 0 || port >= kFirstUserPid) throw std::invalid_argument("service port out of range");
  for (const auto& p : procs_) {
    if (p->pid() == port) throw std::logic_error("service port " + std::to_string(port) + " taken");
  }
  Process& p = start(port, std::move(name), std::move(body), /*daemon=*/true, /*system=*/true);
  p.booting_ = true;
  return p;
}

PosixKernel& Kernel::posix() {
  if (!posix_) throw std::logic_error("no POSIX layer on cpu " + std::to_string(cpu()));
  return *posix_;
}

Process& Kernel::start(uint32_t pid, std::string name, Process::Body body, bool daemon, bool system) {
  procs_.push_back(std::unique_ptr<Process>(new Process(*this, pid, name, std::move(body), daemon)));
  Process* p = procs_.back().get();
  p->system_ = system;
  rec_.name_process(cpu(), pid, name);
  sc_core::sc_spawn_options opts;
  opts.set_stack_size(p_.process_stack_kib * 1024);
  sc_core::sc_spawn([p] { p->main(); }, (std::string(basename()) + "_" + name + "_" +
                                         std::to_string(pid)).c_str(), &opts);
  make_ready(*p);
  if (!daemon && on_start_) on_start_(*p);
  dispatch();
  return *p;
}

Process* Kernel::current_process() { return g_current; }
void Kernel::set_current_process(Process* p) { g_current = p; }

void Kernel::set_irq_handler(hw::IrqLine line, std::function<void()> handler) {
  handlers_.at(static_cast<uint32_t>(line)) = std::move(handler);
}

void Kernel::dispatch() {
  if (!(halted_ || running_ || idle_in_irq_ || ready_.empty())) {
    // A user process a system process preempted after its slice had run out goes
    // behind the user processes ready now (those woken meanwhile included), with a
    // fresh slice.
    Process* head = ready_.front();
    if (!head->system_ && head->keep_slice_ && p_.timeslice_cycles != 0 &&
        head->slice_used_ >= p_.timeslice_cycles && ready_.size() > 1) {
      ready_.pop_front();
      head->keep_slice_ = false;
      ready_.push_back(head);
    }
    Process* p = ready_.front();
    ready_.pop_front();
    running_ = p;
    p->state_ = Process::State::kRunning;
    // Delta notification: legal during elaboration, and the thread re-checks
    // its state, so a notification before it first waits is not lost.
    p->resume_.notify(sc_core::SC_ZERO_TIME);
  }
  // Every change of the ready queue or of the running process ends here.
  if (rec_.tracing()) rec_.runnable(cpu(), static_cast<uint32_t>(ready_.size() + (running_ != nullptr)), now_cycles());
}

uint64_t Kernel::flow() const {
  if (in_irq_) return irq_flow_;
  return running_ ? running_->flow_ : 0;
}

void Kernel::set_flow(uint64_t f) {
  if (in_irq_) {
    irq_flow_ = f;
  } else if (running_) {
    running_->flow_ = f;
  }
}

uint64_t Kernel::take_flow() {
  if (!rec_.tracing()) return 0;
  if (const uint64_t f = flow()) {
    set_flow(0);
    return f;
  }
  return rec_.new_flow();
}

void Kernel::flow_step(const char* name, uint64_t start, uint64_t flow, bool out) {
  if (!flow) return;
  if (in_irq_ || !running_) {
    rec_.flow_step(cpu(), sim::Recorder::Track::kIrq, 0, name, start, now_cycles(), flow, out);
  } else {
    rec_.flow_step(cpu(), sim::Recorder::Track::kCalls, running_->pid_, name, start, now_cycles(), flow, out);
  }
}

void Kernel::resumed(Process& self) {
  g_current = &self;
  ++c_.activations;
  if (self.booting_) return;
  ++c_.context_switches;
  self.slice_start_ = now_cycles();
  show(rec_, cpu(), sim::CpuMode::kKernel, &self);
  // The switch-in is paid before the slice starts and cannot end it: with a
  // slice shorter than (or equal to) a context switch, a preemptible charge
  // would end every slice before the process ran a cycle (a livelock), and
  // preempting here would nest yield -> resumed -> spend on this stack for
  // every slice. Interrupts still preempt it.
  const bool user = std::exchange(self.in_user_, false);  // the switch-in is kernel time
  spend(costs().context_switch, /*preemptible=*/false);
  self.in_user_ = user;
  show(rec_, cpu(), sim::CpuMode::kProcess, &self);
  if (!std::exchange(self.keep_slice_, false)) self.slice_used_ = 0;
  deliver_kill(self);
}

void Kernel::deliver_kill(Process& self) {
  if (!self.kill_pending_ || in_irq_) return;
  self.kill_pending_ = false;
  throw ProcessExit{self.kill_status_};
}

void Kernel::freeze() {
  for (;;) sc_core::wait(never_);
}

void Kernel::halt() {
  if (halted_) return;
  halted_ = true;
  show(rec_, cpu(), sim::CpuMode::kHalted);
  node_.biu().halt();
  if (hw::NotifyEngine* e = node_.engine()) e->hang();
  node_.timer_disarm();
  node_.irq().poke();  // the running context stops in this cycle
  for (const auto& p : procs_) {
    if (p->exited() || p->lost_) continue;
    p->lost_ = true;
    if (!p->daemon_ && on_exit_) on_exit_(*p);
  }
}

bool Kernel::kill(Process& p, int sig) {
  if (halted_ || p.exited() || p.lost_) return false;
  if (discard_if_exiting(p)) return true;
  if (p.kill_pending_) return true;
  p.kill_pending_ = true;
  p.kill_status_ = sig;
  if (p.state_ == Process::State::kBlocked) {
    // Out of whatever it waited in, as a signal interrupts a sleep; it unwinds when dispatched.
    cancel_timer(p);
    p.state_ = Process::State::kReady;
    make_ready(p);
    dispatch();
  } else if (p.state_ == Process::State::kRunning) {
    node_.irq().poke();
  }
  return true;
}

void Kernel::begin_exit(Process& self) {
  self.exiting_ = true;
  self.kill_pending_ = false;
}

bool Kernel::discard_if_exiting(Process& p) {
  if (!p.exiting_) return false;
  ++c_.signals_while_exiting;
  return true;
}

void Kernel::end_slice(Process& self) {
  rec_.process_ran(cpu(), self.pid_, self.slice_start_, now_cycles());
  show(rec_, cpu(), sim::CpuMode::kIdle);
}

void Kernel::execute(uint64_t n) { spend(n, /*preemptible=*/true); }

void Kernel::spend(uint64_t n, bool preemptible) {
  if (in_irq_) {
    // Handlers run with interrupts masked; service_interrupts() accounts the time.
    if (n) {
      sc_core::wait(cycles(n));
      ++c_.activations;
      if (halted_) freeze();
    }
    return;
  }
  Process* self = running_;
  if (self && self->booting_) return;
  const uint64_t slice = p_.timeslice_cycles;
  for (;;) {
    if (halted_) freeze();
    if (node_.irq().pending()) {
      service_interrupts();
      continue;
    }
    if (self) deliver_kill(*self);
    if (n == 0) break;
    // Others become ready only through this CPU's handlers, which end the
    // wait below, so the slice is re-checked whenever it can matter.
    if (preemptible && self && self->in_user_ && system_waiting(*self)) {
      // Only in user mode: the kernel is not preemptible, so a system call finishes
      // its work on the kernel's structures (which the agents share) before an agent
      // runs, as in a kernel without CONFIG_PREEMPT. The preempted process resumes the
      // rest of its slice first among its class; if the slice had run out,
      // dispatch() sends it behind the others when the CPU returns to them.
      ++c_.preemptions;
      self->keep_slice_ = true;
      yield(*self, /*preempted=*/true);
      continue;
    }
    uint64_t chunk = n;
    if (preemptible && self && slice && !ready_.empty()) {
      if (self->slice_used_ >= slice) {
        // yield() returns once this process is switched in again, with a
        // fresh slice: at most one level deep, and the next chunk runs.
        ++c_.preemptions;
        yield(*self);
        continue;
      }
      chunk = std::min(n, slice - self->slice_used_);
    }
    const uint64_t start = now_cycles();
    sc_core::wait(cycles(chunk), node_.irq().attention());
    ++c_.activations;
    const uint64_t spent = now_cycles() - start;
    n -= spent;
    c_.busy_cycles += spent;
    if (self) {
      if (self->daemon_) {
        c_.agent_cycles += spent;
      } else if (self->in_user_) {
        c_.user_cycles += spent;
      }
      self->cpu_cycles_ += spent;
      self->slice_used_ += spent;
    }
  }
  g_current = self;
}

void Kernel::service_interrupts() {
  in_irq_ = true;
  irq_flow_ = 0;
  const uint64_t start = now_cycles();
  if (sim::Waves* w = rec_.waves()) w->cpu_interrupt(cpu(), true, start);
  while (const uint32_t pending = node_.irq().pending()) {
    const uint32_t line = __builtin_ctz(pending);
    if (!handlers_[line]) throw std::logic_error("interrupt without handler");
    ++c_.interrupts;
    ++c_.interrupts_by_line[line];
    sc_core::wait(cycles(costs().irq_entry));
    ++c_.activations;
    if (halted_) freeze();
    handlers_[line]();
  }
  in_irq_ = false;
  c_.irq_cycles += now_cycles() - start;
  rec_.interrupt(cpu(), start, now_cycles());
  if (sim::Waves* w = rec_.waves()) w->cpu_interrupt(cpu(), false, now_cycles());
}

void Kernel::idle_main() {
  sim::guarded("cpu " + std::to_string(cpu()) + " interrupt", [this] { idle_loop(); });
}

void Kernel::idle_loop() {
  for (;;) {
    if (halted_) freeze();
    if (!running_ && node_.irq().pending()) {
      idle_in_irq_ = true;
      g_current = nullptr;
      service_interrupts();
      idle_in_irq_ = false;
      dispatch();
      continue;
    }
    sc_core::wait(node_.irq().attention());
    ++c_.activations;
  }
}

void Kernel::block(Process& self, bool interruptible) {
  if (interruptible && self.interrupted_) throw SignalInterrupted{};
  self.booting_ = false;
  end_slice(self);
  self.state_ = Process::State::kBlocked;
  self.interruptible_ = interruptible;
  running_ = nullptr;
  dispatch();
  while (self.state_ != Process::State::kRunning) sc_core::wait(self.resume_);
  self.interruptible_ = false;
  resumed(self);
  if (interruptible && self.interrupted_) throw SignalInterrupted{};
}

void Kernel::interrupt(Process& p) {
  p.interrupted_ = true;
  if (halted_ || p.state_ != Process::State::kBlocked || !p.interruptible_) return;
  cancel_timer(p);
  p.state_ = Process::State::kReady;
  make_ready(p);
  dispatch();
}

uint64_t Kernel::call_at(uint64_t at, std::function<void()> fn) {
  const uint64_t id = next_callout_++;
  callouts_.emplace(at, Callout{id, std::move(fn)});
  rearm_timer();
  return id;
}

void Kernel::cancel_call(uint64_t id) {
  for (auto it = callouts_.begin(); it != callouts_.end(); ++it) {
    if (it->second.id == id) {
      callouts_.erase(it);
      rearm_timer();
      return;
    }
  }
}

void Kernel::yield(Process& self, bool preempted) {
  end_slice(self);
  self.state_ = Process::State::kReady;
  make_ready(self, preempted);
  running_ = nullptr;
  dispatch();
  while (self.state_ != Process::State::kRunning) sc_core::wait(self.resume_);
  resumed(self);
}

bool Kernel::block_until(Process& self, uint64_t deadline, bool interruptible) {
  if (interruptible && self.interrupted_) throw SignalInterrupted{};
  self.timed_out_ = false;
  self.timer_ = timers_.emplace(deadline, &self);
  self.timer_armed_ = true;
  rearm_timer();
  try {
    block(self, interruptible);
  } catch (...) {
    cancel_timer(self);
    throw;
  }
  cancel_timer(self);
  return self.timed_out_;
}

void Kernel::cancel_timer(Process& p) {
  if (!p.timer_armed_) return;
  timers_.erase(p.timer_);
  p.timer_armed_ = false;
  rearm_timer();
}

void Kernel::rearm_timer() {
  if (halted_) return;
  uint64_t at = timers_.empty() ? UINT64_MAX : timers_.begin()->first;
  if (!callouts_.empty()) at = std::min(at, callouts_.begin()->first);
  if (tick_) at = std::min(at, next_tick_);
  if (at == UINT64_MAX) {
    node_.timer_disarm();
  } else {
    node_.timer_arm(at);
  }
}

void Kernel::set_tick(uint64_t period, std::function<void()> fn) {
  tick_period_ = period;
  next_tick_ = (now_cycles() / period + 1) * period;
  tick_ = std::move(fn);
  rearm_timer();
}

bool Kernel::quiet() const {
  // With no process timer and no callout, a timer interrupt pending is the tick's: with
  // a costs.irq_entry above half the period it is still being entered at every
  // end-of-run check, which would otherwise never find the CPU quiet.
  constexpr uint32_t kTick = 1u << static_cast<uint32_t>(hw::IrqLine::kTimer);
  return halted_ || (!running_ && ready_.empty() && timers_.empty() && callouts_.empty() &&
                     (node_.irq().pending() & ~kTick) == 0);
}

void Kernel::on_timer() {
  node_.timer_ack();
  const uint64_t now = now_cycles();
  while (!timers_.empty() && timers_.begin()->first <= now) {
    Process* p = timers_.begin()->second;
    timers_.erase(timers_.begin());
    p->timer_armed_ = false;
    p->timed_out_ = true;
    wake(*p);
  }
  while (!callouts_.empty() && callouts_.begin()->first <= now) {
    auto fn = std::move(callouts_.begin()->second.fn);
    callouts_.erase(callouts_.begin());
    fn();
  }
  if (tick_ && now >= next_tick_) {
    next_tick_ = (now / tick_period_ + 1) * tick_period_;
    tick_();
  }
  rearm_timer();
}

void Kernel::wake(Process& p) {
  if (p.state_ != Process::State::kBlocked) return;
  execute(costs().wakeup);
  if (p.state_ != Process::State::kBlocked) return;  // woken meanwhile by a handler
  ++c_.wakeups;
  p.state_ = Process::State::kReady;
  make_ready(p);
  dispatch();
}

// NonStop runs its system processes (monitors, I/O processes) at priorities above any
// user process's, and a higher-priority process that becomes ready preempts a lower
// one at once; the agents are such processes. User processes share by time slices.
void Kernel::make_ready(Process& p, bool first) {
  // The common cases need no search: a user process joins the end, a system process
  // asked to be first the front.
  if (p.system_ == first) {
    if (first) {
      ready_.push_front(&p);
    } else {
      ready_.push_back(&p);
    }
    return;
  }
  const auto first_user = std::find_if(ready_.begin(), ready_.end(), [](const Process* q) { return !q->system_; });
  ready_.insert(first_user, &p);
}

bool Kernel::system_waiting(const Process& self) const {
  return !self.system_ && !ready_.empty() && ready_.front()->system_;
}

void Kernel::exit(Process& self) {
  end_slice(self);
  cancel_timer(self);
  self.state_ = Process::State::kExited;
  msg_->port_ended(self.pid_);
  running_ = nullptr;
  g_current = nullptr;
  dispatch();
  if (!self.daemon_ && on_exit_) on_exit_(self);
}

void Kernel::register_stats(sim::Stats& s) const {
  const std::string p = "cpu." + std::to_string(cpu()) + ".";
  s.counter(p + "busy_cycles", &c_.busy_cycles, "cycles", "cycles processes held the CPU");
  s.counter(p + "irq_cycles", &c_.irq_cycles, "cycles", "cycles in interrupt handlers");
  // The CPU's time split (docs/report.md): user + kernel + agent + irq + idle = simulated cycles.
  s.counter(p + "user_cycles", &c_.user_cycles, "cycles", "of busy_cycles: processes computing (user time)");
  s.counter(p + "agent_cycles", &c_.agent_cycles, "cycles",
            "of busy_cycles: agents and I/O processes, their system calls included");
  const KernelCounters* kc = &c_;
  s.formula(p + "kernel_cycles", [kc] { return double(kc->busy_cycles - kc->user_cycles - kc->agent_cycles); },
            "cycles", "of busy_cycles: the kernel for processes (system calls, copies, switches, wake-ups)");
  s.formula(p + "idle_cycles", [kc] {
    const uint64_t used = kc->busy_cycles + kc->irq_cycles, now = now_cycles();
    return now > used ? double(now - used) : 0.0;
  }, "cycles", "simulated cycles less busy_cycles and irq_cycles");
  s.counter(p + "interrupts", &c_.interrupts, "interrupts", "interrupts taken");
  for (uint32_t line = 0; line < hw::kIrqLines; ++line) {
    s.counter(p + "interrupts_by_line." + hw::irq_line_name(line), &c_.interrupts_by_line[line], "interrupts",
              "of interrupts: those this line raised");
  }
  s.counter(p + "context_switches", &c_.context_switches, "switches", "process dispatches");
  s.counter(p + "wakeups", &c_.wakeups, "wakeups", "blocked processes made runnable");
  s.counter(p + "signals_while_exiting", &c_.signals_while_exiting, "signals",
            "signals, kills included, for a process already exiting (closing its descriptors): dropped");
  s.counter(p + "preemptions", &c_.preemptions, "slices",
            "times a running process gave the CPU up unblocked: its time slice ended with another "
            "ready, or a system process became ready");
  const Heap* h = &heap_;
  s.formula(p + "heap_peak_bytes", [h] { return static_cast<double>(h->peak()); }, "bytes",
            "most kernel memory in use at once, the message pools carved at boot included "
            "(their own peaks: msg.tx_pool_peak_bytes, msg.rx_pool_peak_bytes)");
}

}  // namespace shadowsel::drv
