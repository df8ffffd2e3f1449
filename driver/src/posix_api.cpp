// SPDX-License-Identifier: MIT
// The C entry points of the POSIX layer (shadowsel/posix/posix.h): each finds
// the calling simulated process and its CPU's kernel, makes the system call
// and turns a -errno result into -1 with errno set, as the C library does.
// errno is the host's: set after the call's last wait, it is read by the
// program before any other simulated process can run.
#define SHADOWSEL_POSIX_NO_RENAME
#include "shadowsel/posix/posix.h"

#include <cstdarg>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>

#include "shadowsel/driver/kernel.h"
#include "shadowsel/driver/posix_kernel.h"
#include "posix_call.h"
#include "shadowsel/hw/time.h"

namespace {

using shadowsel::drv::posix_call::px;
using shadowsel::drv::posix_call::self;
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

}  // namespace

extern "C" {

int shadowsel_pipe(int fds[2]) { return sys_result(px().sys_pipe(self(), fds)); }
int shadowsel_pipe2(int fds[2], int flags) { return sys_result(px().sys_pipe(self(), fds, flags)); }

ssize_t shadowsel_read(int fd, void* buf, size_t count) {
  return sys_result<ssize_t>(px().sys_read(self(), fd, {static_cast<uint8_t*>(buf), count}));
}

ssize_t shadowsel_write(int fd, const void* buf, size_t count) {
  return sys_result<ssize_t>(px().sys_write(self(), fd, {static_cast<const uint8_t*>(buf), count}));
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
  return sys_result(px().sys_open(self(), path, flags, mode));
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
  const int r = px().sys_select(self(), nfds, bits(readfds), bits(writefds), bits(exceptfds), cycles,
                                &remaining);
  if (r >= 0 && timeout) {
    const SecNs left = sec_ns(remaining < 0 ? 0 : remaining);
    timeout->tv_sec = left.sec;
    timeout->tv_usec = left.nsec / 1000;
  }
  return sys_result(r);
}

int shadowsel_poll(struct pollfd* fds, nfds_t nfds, int timeout_ms) {
  const int64_t cycles =
      timeout_ms < 0 ? -1 : wait_cycles(static_cast<shadowsel::hw::Nanos>(timeout_ms) * 1000000);
  return sys_result(px().sys_poll(self(), {fds, static_cast<size_t>(nfds)}, cycles));
}

shadowsel_sighandler_t shadowsel_signal(int signum, shadowsel_sighandler_t handler) {
  const int disp = handler == SIG_DFL ? 0 : handler == SIG_IGN ? 1 : 2;
  int old_disp = 0;
  void (*old_handler)(int) = nullptr;
  const int r = px().sys_signal(self(), signum, disp, disp == 2 ? handler : nullptr, &old_disp, &old_handler);
  if (r < 0) {
    errno = -r;
    return SIG_ERR;
  }
  return old_disp == 0 ? SIG_DFL : old_disp == 1 ? SIG_IGN : old_handler;
}

pid_t shadowsel_waitpid(pid_t pid, int* status, int options) {
  return sys_result(px().sys_waitpid(self(), pid, status, options));
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
  self().sleep(static_cast<uint64_t>(
      wait_cycles(static_cast<shadowsel::hw::Nanos>(req->tv_sec) * shadowsel::hw::kNsPerSecond +
                  static_cast<shadowsel::hw::Nanos>(req->tv_nsec))));
  if (rem) rem->tv_sec = rem->tv_nsec = 0;
  return 0;
}

int shadowsel_usleep(useconds_t usec) {
  const struct timespec ts = {static_cast<time_t>(usec / 1000000), static_cast<long>(usec % 1000000) * 1000};
  return shadowsel_nanosleep(&ts, nullptr);
}

unsigned int shadowsel_sleep(unsigned int seconds) {
  const struct timespec ts = {static_cast<time_t>(seconds), 0};
  shadowsel_nanosleep(&ts, nullptr);
  return 0;
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
