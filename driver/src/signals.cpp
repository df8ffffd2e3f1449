// SPDX-License-Identifier: MIT
#include "shadowsel/driver/signals.h"

#include <csignal>

namespace shadowsel::drv {

SignalDefault signal_default(int sig) {
  switch (sig) {
    case SIGCHLD:
    case SIGURG:
    case SIGWINCH:
    case SIGCONT:
      return SignalDefault::kIgnore;
    case SIGSTOP:
    case SIGTSTP:
    case SIGTTIN:
    case SIGTTOU:
      return SignalDefault::kStop;
    case SIGQUIT:
    case SIGILL:
    case SIGTRAP:
    case SIGABRT:
    case SIGBUS:
    case SIGFPE:
    case SIGSEGV:
    case SIGXCPU:
    case SIGXFSZ:
    case SIGSYS:
      return SignalDefault::kCore;
    default:
      return SignalDefault::kTerminate;
  }
}

uint64_t stop_signal_mask() {
  return signal_bit(SIGSTOP) | signal_bit(SIGTSTP) | signal_bit(SIGTTIN) | signal_bit(SIGTTOU);
}

void SignalState::set_action(int sig, const SignalAction& a) {
  actions_[sig - 1] = a;
  if (ignored(sig)) pending_ &= ~signal_bit(sig);
}

bool SignalState::ignored(int sig) const {
  const void* h = actions_[sig - 1].handler;
  if (h == reinterpret_cast<void*>(SIG_IGN)) return true;
  return h == reinterpret_cast<void*>(SIG_DFL) && signal_default(sig) == SignalDefault::kIgnore;
}

void SignalState::set_blocked(uint64_t mask) { blocked_ = mask & ~(signal_bit(SIGKILL) | signal_bit(SIGSTOP)); }

bool SignalState::queue(int sig, const SignalInfo& info) {
  // Linux's sig_ignored(): an ignored signal is dropped at once unless it is blocked.
  if (ignored(sig) && !(blocked_ & signal_bit(sig))) return false;
  if (pending_ & signal_bit(sig)) return false;
  pending_ |= signal_bit(sig);
  info_[sig - 1] = info;
  return true;
}

int SignalState::next() const {
  const uint64_t ready = pending_ & ~blocked_;
  return ready ? __builtin_ctzll(ready) + 1 : 0;
}

SignalInfo SignalState::take(int sig) {
  pending_ &= ~signal_bit(sig);
  return info_[sig - 1];
}

SignalState SignalState::forked() const {
  SignalState s;
  s.actions_ = actions_;
  s.blocked_ = blocked_;
  return s;
}

}  // namespace shadowsel::drv
