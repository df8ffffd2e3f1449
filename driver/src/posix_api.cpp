// SPDX-License-Identifier: MIT
// The C entry points of the POSIX layer (shadowsel/posix/posix.h): each finds
// the calling simulated process and its CPU's kernel, makes the system call
// and turns a -errno result into -1 with errno set, as the C library does.
// errno is the host's: set after the call's last wait, it is read by the
// program before any other simulated process can run.
#define SHADOWSEL_POSIX_NO_RENAME
#include "shadowsel/posix/posix.h"

#include <algorithm>
#include <cstdarg>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "shadowsel/driver/epoll.h"
#include "shadowsel/driver/kernel.h"
#include "shadowsel/driver/posix_kernel.h"
#include "shadowsel/driver/signals.h"
#include "posix_call.h"
#include "shadowsel/hw/time.h"

namespace {

using shadowsel::drv::posix_call::px;
using shadowsel::drv::posix_call::self;
using shadowsel::drv::SignalInterrupted;
using shadowsel::drv::posix_call::interruptible;
using shadowsel::drv::posix_call::made_again;
using shadowsel::drv::posix_call::Restart;
using shadowsel::drv::posix_call::sys_result;

// The clock in whole Hz; the scenario was checked (hz_from_mhz) before the run.
uint64_t hz() {
  const auto h = shadowsel::hw::hz_from_mhz(self().kernel().params().freq_mhz);
  if (!h) throw std::logic_error("the clock frequency is not a whole number of Hz");
  return *h;
}

// A timeout or sleep of `ns` as cycles, rounded up so it never ends early. One
// whose end would pass the last simulated cycle ends the run (TimeOverflow):
// it could only ever end in time that cannot be simulated.
int64_t wait_cycles(shadowsel::hw::Nanos ns) {
  const auto c = shadowsel::hw::cycles_for(ns, hz());
  if (!c) {
    const auto sec = static_cast<uint64_t>(ns / shadowsel::hw::kNsPerSecond);  // < 2^64: ns came from a time_t
    throw shadowsel::hw::TimeOverflow(shadowsel::hw::now_cycles(), "a wait of " + std::to_string(sec) + " s");
  }
  shadowsel::hw::cycle_after(*c);
  return static_cast<int64_t>(*c);
}

// Cycles as seconds and nanoseconds, rounded down like a clock read.
struct SecNs {
  int64_t sec;
  int64_t nsec;
};
SecNs sec_ns(int64_t cycles) {
  const shadowsel::hw::Nanos ns = shadowsel::hw::ns_at(static_cast<uint64_t>(cycles), hz());
  // cycles <= 2^63 - 1 and hz >= 1: the seconds fit.
  return {static_cast<int64_t>(ns / shadowsel::hw::kNsPerSecond),
          static_cast<int64_t>(ns % shadowsel::hw::kNsPerSecond)};
}

// sigset_t <-> the kernel's mask (bit sig-1), through the C library's accessors.
uint64_t mask_of(const sigset_t* set) {
  uint64_t m = 0;
  for (int sig = 1; sig <= shadowsel::drv::kMaxSignal; ++sig) {
    if (sigismember(set, sig) == 1) m |= shadowsel::drv::signal_bit(sig);
  }
  return m;
}
void set_of(uint64_t m, sigset_t* set) {
  sigemptyset(set);
  for (int sig = 1; sig <= shadowsel::drv::kMaxSignal; ++sig) {
    // 32 and 33 are glibc's own (sigaddset refuses them); the kernel never holds them here
    if (m & shadowsel::drv::signal_bit(sig)) sigaddset(set, sig);
  }
}

// pselect/ppoll: `call` runs with `sigmask` as the blocked mask (when not null). On
// EINTR the handlers run with that mask (and their own), and the caller's comes back
// after them, as Linux's sigreturn restores the saved mask; on any other result the
// caller's mask is back before the return, so a signal only the call's mask let through
// stays pending.
template <class F>
int with_wait_mask(Restart restart, const sigset_t* sigmask, F&& call) {
  if (!sigmask) return sys_result(interruptible(restart, call));
  const uint64_t saved = px().set_wait_mask(self(), mask_of(sigmask));
  int r;
  for (;;) {
    try {
      r = call();
      break;
    } catch (const SignalInterrupted&) {
      if (made_again(restart)) continue;  // a stop and SIGCONT: again, with the call's mask
      px().set_wait_mask(self(), saved);
      return sys_result(-EINTR);
    }
  }
  px().set_wait_mask(self(), saved);
  return sys_result(r);
}

// A timeout of `cycles` (< 0: none) whose call began at `start`: what is left of it when
// the call is made again after a stop (select's written-back time, poll's restart_block).
int64_t time_left(int64_t cycles, uint64_t start) {
  if (cycles < 0) return -1;
  const uint64_t spent = shadowsel::hw::now_cycles() - start;
  return spent >= static_cast<uint64_t>(cycles) ? 0 : cycles - static_cast<int64_t>(spent);
}

// A timespec timeout as pselect6/ppoll check it (EINVAL unless 0 <= tv_nsec < 10^9 and
// tv_sec >= 0), in cycles; -1 for none.
bool timespec_cycles(const struct timespec* ts, int64_t* cycles) {
  *cycles = -1;
  if (!ts) return true;
  if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000) return false;
  *cycles = wait_cycles(static_cast<shadowsel::hw::Nanos>(ts->tv_sec) * shadowsel::hw::kNsPerSecond +
                        static_cast<shadowsel::hw::Nanos>(ts->tv_nsec));
  return true;
}

}  // namespace

extern "C" {

int shadowsel_pipe(int fds[2]) { return sys_result(px().sys_pipe(self(), fds)); }
int shadowsel_pipe2(int fds[2], int flags) { return sys_result(px().sys_pipe(self(), fds, flags)); }

ssize_t shadowsel_read(int fd, void* buf, size_t count) {
  return sys_result<ssize_t>(interruptible(Restart::kWithSaRestart, [&] {
    return px().sys_read(self(), fd, {static_cast<uint8_t*>(buf), count});
  }));
}

ssize_t shadowsel_write(int fd, const void* buf, size_t count) {
  return sys_result<ssize_t>(interruptible(Restart::kWithSaRestart, [&] {
    return px().sys_write(self(), fd, {static_cast<const uint8_t*>(buf), count});
  }));
}

int shadowsel_close(int fd) { return sys_result(px().sys_close(self(), fd)); }
int shadowsel_dup(int fd) { return sys_result(px().sys_dup(self(), fd)); }
int shadowsel_dup2(int oldfd, int newfd) { return sys_result(px().sys_dup2(self(), oldfd, newfd)); }
int shadowsel_dup3(int oldfd, int newfd, int flags) { return sys_result(px().sys_dup3(self(), oldfd, newfd, flags)); }

int shadowsel_fcntl(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  const long arg = (cmd == F_SETFL || cmd == F_SETFD || cmd == F_DUPFD) ? va_arg(ap, long) : 0;
  va_end(ap);
  return sys_result(px().sys_fcntl(self(), fd, cmd, arg));
}

int shadowsel_open(const char* path, int flags, ...) {
  uint32_t mode = 0;
  if (flags & O_CREAT) {
    va_list ap;
    va_start(ap, flags);
    mode = va_arg(ap, unsigned);
    va_end(ap);
  }
  // A FIFO open waiting for its partner is interrupted by a handler and made again with
  // SA_RESTART (fifo_open()'s -ERESTARTSYS).
  return sys_result(interruptible(Restart::kWithSaRestart, [&] { return px().sys_open(self(), path, flags, mode); }));
}

off_t shadowsel_lseek(int fd, off_t offset, int whence) {
  return sys_result<off_t>(px().sys_lseek(self(), fd, offset, whence));
}

int shadowsel_mkfifo(const char* path, mode_t mode) { return sys_result(px().sys_mkfifo(self(), path, mode)); }
int shadowsel_unlink(const char* path) { return sys_result(px().sys_unlink(self(), path)); }

int shadowsel_select(int nfds, fd_set* readfds, fd_set* writefds, fd_set* exceptfds,
                     struct timeval* timeout) {
  int64_t cycles = -1;
  if (timeout) {
    // Linux normalises tv_usec overflow into seconds and rejects negative times.
    if (timeout->tv_sec < 0 || timeout->tv_usec < 0) return sys_result(-EINVAL);
    cycles = wait_cycles(static_cast<shadowsel::hw::Nanos>(timeout->tv_sec) * shadowsel::hw::kNsPerSecond +
                         static_cast<shadowsel::hw::Nanos>(timeout->tv_usec) * 1000);
  }
  static_assert(sizeof(fd_set) * 8 >= 1024);
  auto bits = [](fd_set* s) { return s ? reinterpret_cast<uint64_t*>(s) : nullptr; };
  int64_t remaining = -1;
  const uint64_t start = shadowsel::hw::now_cycles();
  const int r = interruptible(Restart::kNever, [&] {
    return px().sys_select(self(), nfds, bits(readfds), bits(writefds), bits(exceptfds), time_left(cycles, start),
                           &remaining);
  });
  if ((r >= 0 || r == -EINTR) && timeout) {
    const SecNs left = sec_ns(remaining < 0 ? 0 : remaining);
    timeout->tv_sec = left.sec;
    timeout->tv_usec = left.nsec / 1000;
  }
  return sys_result(r);
}

int shadowsel_poll(struct pollfd* fds, nfds_t nfds, int timeout_ms) {
  const int64_t cycles =
      timeout_ms < 0 ? -1 : wait_cycles(static_cast<shadowsel::hw::Nanos>(timeout_ms) * 1000000);
  const uint64_t start = shadowsel::hw::now_cycles();
  return sys_result(interruptible(Restart::kNever, [&] {
    return px().sys_poll(self(), {fds, static_cast<size_t>(nfds)}, time_left(cycles, start));
  }));
}

int shadowsel_epoll_create(int size) {
  if (size <= 0) return sys_result(-EINVAL);
  return sys_result(px().sys_epoll_create(self(), 0));
}

int shadowsel_epoll_create1(int flags) { return sys_result(px().sys_epoll_create(self(), flags)); }

int shadowsel_epoll_ctl(int epfd, int op, int fd, struct epoll_event* event) {
  // copy_from_user() of the event comes first for every operation but DEL.
  if (op != EPOLL_CTL_DEL && !event) return sys_result(-EFAULT);
  shadowsel::drv::EpollEvent ev;
  if (event) ev = {event->events, event->data.u64};
  return sys_result(px().sys_epoll_ctl(self(), epfd, op, fd, event ? &ev : nullptr));
}


int shadowsel_pselect(int nfds, fd_set* readfds, fd_set* writefds, fd_set* exceptfds,
                      const struct timespec* timeout, const sigset_t* sigmask) {
  int64_t cycles;
  if (!timespec_cycles(timeout, &cycles)) return sys_result(-EINVAL);
  auto bits = [](fd_set* s) { return s ? reinterpret_cast<uint64_t*>(s) : nullptr; };
  // glibc's pselect passes the kernel a copy of *timeout: the time left is not written back.
  int64_t remaining = -1;
  const uint64_t start = shadowsel::hw::now_cycles();
  return with_wait_mask(Restart::kNever, sigmask, [&] {
    return px().sys_select(self(), nfds, bits(readfds), bits(writefds), bits(exceptfds), time_left(cycles, start),
                           &remaining);
  });
}

int shadowsel_ppoll(struct pollfd* fds, nfds_t nfds, const struct timespec* timeout, const sigset_t* sigmask) {
  int64_t cycles;
  if (!timespec_cycles(timeout, &cycles)) return sys_result(-EINVAL);
  // glibc's ppoll also passes a copy of *timeout.
  const uint64_t start = shadowsel::hw::now_cycles();
  return with_wait_mask(Restart::kNever, sigmask, [&] {
    return px().sys_poll(self(), {fds, static_cast<size_t>(nfds)}, time_left(cycles, start));
  });
}

// epoll_wait is epoll_pwait with no mask; neither is made again after a handler, nor
// after a stop and SIGCONT (signal(7)).
int shadowsel_epoll_pwait(int epfd, struct epoll_event* events, int maxevents, int timeout_ms,
                          const sigset_t* sigmask) {
  const int64_t cycles =
      timeout_ms < 0 ? -1 : wait_cycles(static_cast<shadowsel::hw::Nanos>(timeout_ms) * 1000000);
  if (maxevents > 0 && !events) return sys_result(-EFAULT);
  std::vector<shadowsel::drv::EpollEvent> out(maxevents > 0 ? std::min(maxevents, 1 << 16) : 0);
  const int n = with_wait_mask(Restart::kEintrAfterStop, sigmask, [&] {
    return px().sys_epoll_wait(self(), epfd, out.data(), maxevents > 0 ? static_cast<int>(out.size()) : maxevents,
                               cycles);
  });
  for (int i = 0; i < n; ++i) {
    events[i].events = out[static_cast<size_t>(i)].events;
    events[i].data.u64 = out[static_cast<size_t>(i)].data;
  }
  return n;
}

int shadowsel_epoll_wait(int epfd, struct epoll_event* events, int maxevents, int timeout_ms) {
  return shadowsel_epoll_pwait(epfd, events, maxevents, timeout_ms, nullptr);
}

int shadowsel_eventfd(unsigned int initval, int flags) { return sys_result(px().sys_eventfd(self(), initval, flags)); }

// glibc's helpers: a read or write of the 8-byte counter, 0 or -1.
int shadowsel_eventfd_read(int fd, eventfd_t* value) {
  return shadowsel_read(fd, value, sizeof *value) == sizeof *value ? 0 : -1;
}
int shadowsel_eventfd_write(int fd, eventfd_t value) {
  return shadowsel_write(fd, &value, sizeof value) == sizeof value ? 0 : -1;
}

int shadowsel_setpgid(pid_t pid, pid_t pgid) { return sys_result(px().sys_setpgid(self(), pid, pgid)); }
pid_t shadowsel_getpgrp(void) { return sys_result(px().sys_getpgrp(self())); }

// RLIMIT_CORE only: what decides WCOREDUMP for a core signal's default action (no core
// file is written). The other limits are not modelled: EINVAL.
int shadowsel_getrlimit(int resource, struct rlimit* rlim) {
  if (resource != RLIMIT_CORE) return sys_result(-EINVAL);
  if (!rlim) return sys_result(-EFAULT);
  uint64_t old[2];
  const int r = px().sys_core_limit(self(), nullptr, old);
  rlim->rlim_cur = old[0];
  rlim->rlim_max = old[1];
  return sys_result(r);
}
int shadowsel_setrlimit(int resource, const struct rlimit* rlim) {
  if (resource != RLIMIT_CORE) return sys_result(-EINVAL);
  if (!rlim) return sys_result(-EFAULT);
  const uint64_t v[2] = {rlim->rlim_cur, rlim->rlim_max};
  return sys_result(px().sys_core_limit(self(), v, nullptr));
}

int shadowsel_sigaction(int sig, const struct sigaction* act, struct sigaction* old) {
  shadowsel::drv::SignalAction a, o;
  if (act) {
    a.flags = act->sa_flags;
    a.handler = (act->sa_flags & SA_SIGINFO) ? reinterpret_cast<void*>(act->sa_sigaction)
                                              : reinterpret_cast<void*>(act->sa_handler);
    a.mask = mask_of(&act->sa_mask);
  }
  const int r = px().sys_sigaction(self(), sig, act ? &a : nullptr, old ? &o : nullptr);
  if (r == 0 && old) {
    *old = {};
    if (o.flags & SA_SIGINFO)
      old->sa_sigaction = reinterpret_cast<void (*)(int, siginfo_t*, void*)>(o.handler);
    else
      old->sa_handler = reinterpret_cast<void (*)(int)>(o.handler);
    old->sa_flags = o.flags;
    set_of(o.mask, &old->sa_mask);
  }
  return sys_result(r);
}

// glibc's signal(): BSD semantics, the handler with SA_RESTART and its own signal blocked.
shadowsel_sighandler_t shadowsel_signal(int signum, shadowsel_sighandler_t handler) {
  struct sigaction act {}, old {};
  act.sa_handler = handler;
  sigemptyset(&act.sa_mask);
  if (signum >= 1 && signum <= shadowsel::drv::kMaxSignal) sigaddset(&act.sa_mask, signum);
  act.sa_flags = SA_RESTART;
  if (shadowsel_sigaction(signum, &act, &old) < 0) return SIG_ERR;
  return old.sa_handler;
}

int shadowsel_sigprocmask(int how, const sigset_t* set, sigset_t* old) {
  const uint64_t m = set ? mask_of(set) : 0;
  uint64_t o = 0;
  const int r = px().sys_sigprocmask(self(), how, set ? &m : nullptr, &o);
  if (r == 0 && old) set_of(o, old);
  return sys_result(r);
}

int shadowsel_sigpending(sigset_t* set) {
  set_of(px().sys_sigpending(self()), set);
  return sys_result(0);
}

// pause() and sigsuspend() end once a handler has run; a stop and SIGCONT alone leave
// them waiting (-ERESTARTNOHAND).
static void pause_until_handled() {
  for (;;) {
    try {
      px().sys_pause(self());
    } catch (const SignalInterrupted&) {
      if (!made_again(Restart::kNever)) return;
    }
  }
}

int shadowsel_pause(void) {
  pause_until_handled();
  return sys_result(-EINTR);
}

// The mask for the wait, the handlers with it, then the caller's mask back (Linux's
// sigsuspend restores it as the handler's frame returns).
int shadowsel_sigsuspend(const sigset_t* mask) {
  const uint64_t m = mask_of(mask);
  uint64_t saved = 0;
  px().sys_sigprocmask(self(), SIG_SETMASK, &m, &saved);
  pause_until_handled();
  px().sys_sigprocmask(self(), SIG_SETMASK, &saved, nullptr);
  return sys_result(-EINTR);
}

int shadowsel_raise(int sig) { return shadowsel_kill(shadowsel_getpid(), sig); }

int shadowsel_setitimer(int which, const struct itimerval* value, struct itimerval* old) {
  if (which != ITIMER_REAL) return sys_result(-EINVAL);  // ITIMER_VIRTUAL, ITIMER_PROF: not modelled
  if (!value) return sys_result(-EFAULT);
  if (value->it_value.tv_sec < 0 || value->it_value.tv_usec < 0 || value->it_value.tv_usec >= 1000000 ||
      value->it_interval.tv_sec < 0 || value->it_interval.tv_usec < 0 || value->it_interval.tv_usec >= 1000000)
    return sys_result(-EINVAL);
  auto cycles = [](const struct timeval& tv) -> uint64_t {
    const shadowsel::hw::Nanos ns =
        static_cast<shadowsel::hw::Nanos>(tv.tv_sec) * shadowsel::hw::kNsPerSecond + tv.tv_usec * 1000;
    return ns ? static_cast<uint64_t>(wait_cycles(ns)) : 0;
  };
  uint64_t ov = 0, oi = 0;
  const int r = px().sys_setitimer(self(), cycles(value->it_value), cycles(value->it_interval), &ov, &oi);
  if (old) {
    const SecNs v = sec_ns(static_cast<int64_t>(ov)), i = sec_ns(static_cast<int64_t>(oi));
    old->it_value = {v.sec, v.nsec / 1000};
    old->it_interval = {i.sec, i.nsec / 1000};
  }
  return sys_result(r);
}

int shadowsel_getitimer(int which, struct itimerval* cur) {
  if (which != ITIMER_REAL) return sys_result(-EINVAL);
  if (!cur) return sys_result(-EFAULT);
  // setitimer with a zero value reads without arming; arm again with what was there
  uint64_t ov = 0, oi = 0;
  px().sys_setitimer(self(), 0, 0, &ov, &oi);
  if (ov) px().sys_setitimer(self(), ov, oi, nullptr, nullptr);
  const SecNs v = sec_ns(static_cast<int64_t>(ov)), i = sec_ns(static_cast<int64_t>(oi));
  cur->it_value = {v.sec, v.nsec / 1000};
  cur->it_interval = {i.sec, i.nsec / 1000};
  return sys_result(0);
}

// Linux's alarm_setitimer(): the seconds left of the previous alarm, rounded to the
// nearest, and at least 1 when any time was left.
unsigned int shadowsel_alarm(unsigned int seconds) {
  struct itimerval v {}, old {};
  v.it_value.tv_sec = seconds;
  shadowsel_setitimer(ITIMER_REAL, &v, &old);
  unsigned int left = static_cast<unsigned int>(old.it_value.tv_sec);
  if (old.it_value.tv_usec >= 500000 || (left == 0 && old.it_value.tv_usec)) ++left;
  return left;
}

pid_t shadowsel_waitpid(pid_t pid, int* status, int options) {
  return sys_result(interruptible(Restart::kWithSaRestart, [&] { return px().sys_waitpid(self(), pid, status, options); }));
}
pid_t shadowsel_wait(int* status) { return shadowsel_waitpid(-1, status, 0); }
pid_t shadowsel_getpid(void) { return px().sys_getpid(self()); }
pid_t shadowsel_getppid(void) { return px().sys_getppid(self()); }
int shadowsel_kill(pid_t pid, int sig) { return sys_result(px().sys_kill(self(), pid, sig)); }

pid_t shadowsel_spawn(int cpu, int (*child)(void*), void* arg) {
  return sys_result(px().sys_spawn(self(), cpu, child, arg));
}

int shadowsel_nanosleep(const struct timespec* req, struct timespec* rem) {
  if (!req) return sys_result(-EFAULT);
  if (req->tv_sec < 0 || req->tv_nsec < 0 || req->tv_nsec >= 1000000000) return sys_result(-EINVAL);
  shadowsel::drv::Process& me = self();
  me.kernel().execute(me.kernel().costs().syscall_entry);
  const uint64_t end = shadowsel::hw::cycle_after(static_cast<uint64_t>(
      wait_cycles(static_cast<shadowsel::hw::Nanos>(req->tv_sec) * shadowsel::hw::kNsPerSecond +
                  static_cast<shadowsel::hw::Nanos>(req->tv_nsec))));
  // never restarted: EINTR with the time left in *rem (signal(7))
  const int r = interruptible(Restart::kNever, [&] {
    me.kernel().block_until(me, end, /*interruptible=*/true);
    return 0;
  });
  if (rem) {
    const uint64_t now = shadowsel::hw::now_cycles();
    const SecNs left = sec_ns(r == 0 || now >= end ? 0 : static_cast<int64_t>(end - now));
    rem->tv_sec = left.sec;
    rem->tv_nsec = left.nsec;
  }
  return sys_result(r);
}

int shadowsel_usleep(useconds_t usec) {
  const struct timespec ts = {static_cast<time_t>(usec / 1000000), static_cast<long>(usec % 1000000) * 1000};
  return shadowsel_nanosleep(&ts, nullptr);
}

// glibc's sleep(): nanosleep, and the whole seconds not slept when a handler ended it.
unsigned int shadowsel_sleep(unsigned int seconds) {
  const struct timespec ts = {static_cast<time_t>(seconds), 0};
  struct timespec rem = {0, 0};
  if (shadowsel_nanosleep(&ts, &rem) == 0) return 0;
  return static_cast<unsigned int>(rem.tv_sec);
}

int shadowsel_clock_gettime(clockid_t clock, struct timespec* tp) {
  if (!tp) return sys_result(-EFAULT);
  // Linux's clock ids 0..11 but 10 (gone); every clock reads simulated time.
  if (clock < 0 || clock > 11 || clock == 10) return sys_result(-EINVAL);
  const SecNs now = sec_ns(static_cast<int64_t>(shadowsel::hw::now_cycles()));
  tp->tv_sec = now.sec;
  tp->tv_nsec = now.nsec;
  return 0;
}

int shadowsel_gettimeofday(struct timeval* tv, void* tz) {
  (void)tz;
  if (!tv) return 0;
  struct timespec ts;
  shadowsel_clock_gettime(CLOCK_REALTIME, &ts);
  tv->tv_sec = ts.tv_sec;
  tv->tv_usec = ts.tv_nsec / 1000;
  return 0;
}

// time(): CLOCK_REALTIME's seconds, as glibc's (a vDSO read of the same clock).
time_t shadowsel_time(time_t* tloc) {
  struct timespec ts;
  shadowsel_clock_gettime(CLOCK_REALTIME, &ts);
  if (tloc) *tloc = ts.tv_sec;
  return ts.tv_sec;
}

void shadowsel_exit(int status) { px().sys_exit(self(), status); }

// isatty() is tcgetattr() succeeding, as in glibc (errno ENOTTY or EBADF otherwise).
int shadowsel_tcgetattr(int fd, struct termios* t) { return sys_result(px().sys_tcgetattr(self(), fd, t)); }
int shadowsel_tcsetattr(int fd, int optional_actions, const struct termios* t) {
  return sys_result(px().sys_tcsetattr(self(), fd, optional_actions, t));
}
int shadowsel_isatty(int fd) {
  struct termios t;
  return shadowsel_tcgetattr(fd, &t) == 0;
}

}  // extern "C"
