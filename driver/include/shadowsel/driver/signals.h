// SPDX-License-Identifier: MIT
// The signal state of one simulated process, as Linux keeps it in its task and sighand
// structs: a disposition per signal (SIG_DFL, SIG_IGN or a handler, with sa_flags and
// sa_mask), the blocked mask, and the pending standard signals with their siginfo. Pure
// bookkeeping: the POSIX kernel (posix_kernel.cpp) decides when a signal is delivered
// and runs handlers in the process (docs/posix.md, "Signals").
#pragma once

#include <array>
#include <cstdint>

namespace shadowsel::drv {

inline constexpr int kMaxSignal = 64;  ///< signals 1..64, as Linux's _NSIG - 1

/// What a signal does when its disposition is SIG_DFL (Linux's sig_kernel_* sets).
enum class SignalDefault : uint8_t {
  kTerminate,  ///< the process ends, killed by the signal
  kCore,       ///< the same, as a core-dumping signal (no core file: core limit 0)
  kIgnore,     ///< SIGCHLD, SIGURG, SIGWINCH, SIGCONT
  kStop,       ///< SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU: the process stops until SIGCONT
};
SignalDefault signal_default(int sig);

/// One signal's disposition (struct sigaction). `handler` holds SIG_DFL, SIG_IGN, the
/// sa_handler or (SA_SIGINFO in flags) the sa_sigaction, as one pointer.
struct SignalAction {
  void* handler = nullptr;  ///< SIG_DFL
  int flags = 0;            ///< SA_RESTART, SA_RESETHAND, SA_NODEFER, SA_SIGINFO, ...
  uint64_t mask = 0;        ///< sa_mask: bit sig-1 for signal sig
};

/// What a handler with SA_SIGINFO is told (the siginfo_t fields the layer fills).
struct SignalInfo {
  int code = 0;     ///< si_code: SI_USER (kill), SI_KERNEL, CLD_EXITED, ...
  int32_t pid = 0;  ///< si_pid: the sender's machine-wide pid (0 from the kernel)
  int status = 0;   ///< si_status (SIGCHLD)
};

inline constexpr uint64_t signal_bit(int sig) { return uint64_t{1} << (sig - 1); }
/// SIGSTOP, SIGTSTP, SIGTTIN and SIGTTOU (Linux's SIG_KERNEL_STOP_MASK).
uint64_t stop_signal_mask();

class SignalState {
 public:
  const SignalAction& action(int sig) const { return actions_[sig - 1]; }
  /// Sets `sig`'s disposition; a pending `sig` that is now ignored is discarded.
  void set_action(int sig, const SignalAction& a);
  bool ignored(int sig) const;

  uint64_t blocked() const { return blocked_; }
  /// SIGKILL and SIGSTOP cannot be blocked: their bits are dropped.
  void set_blocked(uint64_t mask);
  uint64_t pending() const { return pending_; }

  /// Makes `sig` pending; false when it is discarded instead (ignored and not blocked,
  /// or already pending: standard signals do not queue).
  bool queue(int sig, const SignalInfo& info);
  /// The lowest pending signal that is not blocked; 0 if none.
  int next() const;
  /// Takes `sig` off the pending set and returns its siginfo.
  SignalInfo take(int sig);
  /// Drops the pending signals of `mask` (job control: SIGCONT and the stop signals).
  void discard(uint64_t mask) { pending_ &= ~mask; }

  /// The state a child starts with after fork(): dispositions and mask, nothing pending.
  SignalState forked() const;

 private:
  std::array<SignalAction, kMaxSignal> actions_{};
  std::array<SignalInfo, kMaxSignal> info_{};
  uint64_t blocked_ = 0;
  uint64_t pending_ = 0;
};

}  // namespace shadowsel::drv
