/* SPDX-License-Identifier: MIT
 * The POSIX layer as a program sees it. A program written for Linux is built
 * for the simulated machine with `-include shadowsel/posix/posix.h`: this
 * header includes the system headers first (so their later inclusion is a
 * no-op), then renames each call below to the layer's version, which runs in
 * the simulated kernel of the CPU the calling process is on. Types, constants
 * and errno values are Linux's own. Of the rest of the C library a program may
 * call only the pure functions of driver/posix_host_allowed.txt (strings, memory,
 * printf to the standard streams): shadowsel_add_program audits its link for it
 * (docs/posix.md). `main` becomes shadowsel_program_main, which the
 * program runner (tb/src/program_main.cpp) starts as a process on CPU 0.
 *
 * The process, descriptor, signal and time calls the layer does not provide
 * are refused at compile time (the last list below): the host's version would
 * act on the simulator's own process, descriptors or clock.
 */
#ifndef SHADOWSEL_POSIX_POSIX_H
#define SHADOWSEL_POSIX_POSIX_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
/* declarations the refused calls below would otherwise rename when included later */
#include <dirent.h>
#include <sched.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/times.h>
#include <sys/uio.h>

#include "shadowsel/posix/spawn.h"

#ifdef __cplusplus
extern "C" {
#endif

int shadowsel_pipe(int fds[2]);
ssize_t shadowsel_read(int fd, void *buf, size_t count);
ssize_t shadowsel_write(int fd, const void *buf, size_t count);
int shadowsel_close(int fd);
int shadowsel_dup(int fd);
int shadowsel_dup2(int oldfd, int newfd);
int shadowsel_pipe2(int fds[2], int flags);
int shadowsel_dup3(int oldfd, int newfd, int flags);
int shadowsel_fcntl(int fd, int cmd, ...);
int shadowsel_open(const char *path, int flags, ...);
off_t shadowsel_lseek(int fd, off_t offset, int whence);
int shadowsel_mkfifo(const char *path, mode_t mode);
int shadowsel_unlink(const char *path);
int shadowsel_select(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds,
                     struct timeval *timeout);
int shadowsel_poll(struct pollfd *fds, nfds_t nfds, int timeout_ms);
int shadowsel_epoll_create(int size);
int shadowsel_epoll_create1(int flags);
int shadowsel_epoll_ctl(int epfd, int op, int fd, struct epoll_event *event);
int shadowsel_epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout_ms);
int shadowsel_epoll_pwait(int epfd, struct epoll_event *events, int maxevents, int timeout_ms,
                          const sigset_t *sigmask);
typedef void (*shadowsel_sighandler_t)(int); /* glibc names it sighandler_t only with _GNU_SOURCE */
shadowsel_sighandler_t shadowsel_signal(int signum, shadowsel_sighandler_t handler);
pid_t shadowsel_waitpid(pid_t pid, int *status, int options);
pid_t shadowsel_wait(int *status);
pid_t shadowsel_getpid(void);
pid_t shadowsel_getppid(void);
int shadowsel_kill(pid_t pid, int sig);
int shadowsel_raise(int sig);
int shadowsel_sigaction(int sig, const struct sigaction *act, struct sigaction *old);
int shadowsel_sigprocmask(int how, const sigset_t *set, sigset_t *old);
int shadowsel_sigpending(sigset_t *set);
int shadowsel_sigsuspend(const sigset_t *mask);
int shadowsel_pause(void);
unsigned int shadowsel_alarm(unsigned int seconds);
int shadowsel_setitimer(int which, const struct itimerval *value, struct itimerval *old);
int shadowsel_getitimer(int which, struct itimerval *cur);
unsigned int shadowsel_sleep(unsigned int seconds);
int shadowsel_usleep(useconds_t usec);
int shadowsel_nanosleep(const struct timespec *req, struct timespec *rem);
int shadowsel_clock_gettime(clockid_t clock, struct timespec *tp);
int shadowsel_gettimeofday(struct timeval *tv, void *tz);
time_t shadowsel_time(time_t *tloc);
__attribute__((noreturn)) void shadowsel_exit(int status);
/* sockets: AF_INET SOCK_STREAM (docs/sockets.md) */
int shadowsel_socket(int domain, int type, int protocol);
int shadowsel_socketpair(int domain, int type, int protocol, int sv[2]);
int shadowsel_bind(int fd, const struct sockaddr *addr, socklen_t len);
int shadowsel_listen(int fd, int backlog);
int shadowsel_accept(int fd, struct sockaddr *addr, socklen_t *len);
int shadowsel_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);
int shadowsel_connect(int fd, const struct sockaddr *addr, socklen_t len);
ssize_t shadowsel_send(int fd, const void *buf, size_t len, int flags);
ssize_t shadowsel_recv(int fd, void *buf, size_t len, int flags);
ssize_t shadowsel_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
                         socklen_t tolen);
ssize_t shadowsel_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from,
                           socklen_t *fromlen);
int shadowsel_shutdown(int fd, int how);
int shadowsel_getsockname(int fd, struct sockaddr *addr, socklen_t *len);
int shadowsel_getpeername(int fd, struct sockaddr *addr, socklen_t *len);
int shadowsel_getsockopt(int fd, int level, int name, void *value, socklen_t *len);
int shadowsel_setsockopt(int fd, int level, int name, const void *value, socklen_t len);
/* TTYs: /dev/ttyN of the telnet I/O process (docs/ttys.md) */
int shadowsel_tcgetattr(int fd, struct termios *t);
int shadowsel_tcsetattr(int fd, int optional_actions, const struct termios *t);
int shadowsel_isatty(int fd);
/* pselect/ppoll with a signal mask for the wait; eventfd (docs/posix.md) */
int shadowsel_pselect(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds,
                      const struct timespec *timeout, const sigset_t *sigmask);
int shadowsel_ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout, const sigset_t *sigmask);
int shadowsel_eventfd(unsigned int initval, int flags);
int shadowsel_eventfd_read(int fd, eventfd_t *value);
int shadowsel_eventfd_write(int fd, eventfd_t value);
/* process groups (the caller's own) and the core size limit */
int shadowsel_setpgid(pid_t pid, pid_t pgid);
pid_t shadowsel_getpgrp(void);
int shadowsel_getrlimit(int resource, struct rlimit *rlim);
int shadowsel_setrlimit(int resource, const struct rlimit *rlim);

#ifdef __cplusplus
}
#endif

#ifndef SHADOWSEL_POSIX_NO_RENAME
#define pipe shadowsel_pipe
#define read shadowsel_read
#define write shadowsel_write
#define close shadowsel_close
#define dup shadowsel_dup
#define dup2 shadowsel_dup2
#define pipe2 shadowsel_pipe2
#define dup3 shadowsel_dup3
#define fcntl shadowsel_fcntl
#define open shadowsel_open
#define lseek shadowsel_lseek
#define mkfifo shadowsel_mkfifo
#define unlink shadowsel_unlink
#define select shadowsel_select
#define poll shadowsel_poll
#define epoll_create shadowsel_epoll_create
#define epoll_create1 shadowsel_epoll_create1
#define epoll_ctl shadowsel_epoll_ctl
#define epoll_wait shadowsel_epoll_wait
#define epoll_pwait shadowsel_epoll_pwait
#define signal shadowsel_signal
#define waitpid shadowsel_waitpid
#define wait shadowsel_wait
#define getpid shadowsel_getpid
#define getppid shadowsel_getppid
#define kill shadowsel_kill
#define raise shadowsel_raise
#define sigaction(...) shadowsel_sigaction(__VA_ARGS__)
#define sigprocmask shadowsel_sigprocmask
#define sigpending shadowsel_sigpending
#define sigsuspend shadowsel_sigsuspend
#define pause shadowsel_pause
#define alarm shadowsel_alarm
#define setitimer shadowsel_setitimer
#define getitimer shadowsel_getitimer
#define sleep shadowsel_sleep
#define usleep shadowsel_usleep
#define nanosleep shadowsel_nanosleep
#define clock_gettime shadowsel_clock_gettime
#define gettimeofday shadowsel_gettimeofday
#define time(tloc) shadowsel_time(tloc)
#define exit shadowsel_exit
#define socket shadowsel_socket
#define socketpair shadowsel_socketpair
#define bind shadowsel_bind
#define listen shadowsel_listen
#define accept shadowsel_accept
#define accept4 shadowsel_accept4
#define connect shadowsel_connect
#define send shadowsel_send
#define recv shadowsel_recv
#define sendto shadowsel_sendto
#define recvfrom shadowsel_recvfrom
#define shutdown shadowsel_shutdown
#define getsockname shadowsel_getsockname
#define getpeername shadowsel_getpeername
#define getsockopt shadowsel_getsockopt
#define setsockopt shadowsel_setsockopt
#define tcgetattr shadowsel_tcgetattr
#define tcsetattr shadowsel_tcsetattr
#define isatty shadowsel_isatty
#define pselect shadowsel_pselect
#define ppoll shadowsel_ppoll
#define eventfd shadowsel_eventfd
#define eventfd_read shadowsel_eventfd_read
#define eventfd_write shadowsel_eventfd_write
#define setpgid shadowsel_setpgid
#define getpgrp shadowsel_getpgrp
#define getrlimit shadowsel_getrlimit
#define setrlimit shadowsel_setrlimit
#define _exit shadowsel_exit
#define main shadowsel_program_main

/* Refused: a call of one of these is a compile-time error naming it (GCC's and
 * Clang's error attribute). Function-like macros, so that `struct stat`,
 * `struct sigaction` and members of these names are left alone. Taking the
 * address of one (`&fork`) escapes the macro: the link-time audit
 * (scripts/posix_audit.py) rejects it. docs/posix.md lists them. */
#ifdef __cplusplus
#define SHADOWSEL_ANY_ARGS ...
#else
#define SHADOWSEL_ANY_ARGS
#endif
#define SHADOWSEL_REFUSED(name, why)                                                          \
  extern int shadowsel_refused_##name(SHADOWSEL_ANY_ARGS)                                  \
      __attribute__((error(#name "() is not provided by the shadowsel POSIX layer: " why)));
#define SHADOWSEL_REFUSED_PTR(name, why)                                                      \
  extern void *shadowsel_refused_##name(SHADOWSEL_ANY_ARGS)                                \
      __attribute__((error(#name "() is not provided by the shadowsel POSIX layer: " why)));
#define SHADOWSEL_NO_PROC "a simulated process cannot replace or copy itself; use shadowsel_spawn (docs/posix.md)"
#define SHADOWSEL_NO_SIG "not modelled yet (docs/posix.md)"
#define SHADOWSEL_NO_FD "not modelled on simulated descriptors (docs/posix.md)"
#define SHADOWSEL_NO_TIME "it would read or arm the host's clock, not simulated time (docs/posix.md)"
#define SHADOWSEL_NO_FS "the simulated name space has no such call (docs/posix.md)"
#ifdef __cplusplus
extern "C" {
#endif
/* processes */
SHADOWSEL_REFUSED(fork, SHADOWSEL_NO_PROC)
#define fork(...) shadowsel_refused_fork(__VA_ARGS__)
SHADOWSEL_REFUSED(vfork, SHADOWSEL_NO_PROC)
#define vfork(...) shadowsel_refused_vfork(__VA_ARGS__)
SHADOWSEL_REFUSED(execve, SHADOWSEL_NO_PROC)
#define execve(...) shadowsel_refused_execve(__VA_ARGS__)
SHADOWSEL_REFUSED(execv, SHADOWSEL_NO_PROC)
#define execv(...) shadowsel_refused_execv(__VA_ARGS__)
SHADOWSEL_REFUSED(execvp, SHADOWSEL_NO_PROC)
#define execvp(...) shadowsel_refused_execvp(__VA_ARGS__)
SHADOWSEL_REFUSED(execvpe, SHADOWSEL_NO_PROC)
#define execvpe(...) shadowsel_refused_execvpe(__VA_ARGS__)
SHADOWSEL_REFUSED(execl, SHADOWSEL_NO_PROC)
#define execl(...) shadowsel_refused_execl(__VA_ARGS__)
SHADOWSEL_REFUSED(execlp, SHADOWSEL_NO_PROC)
#define execlp(...) shadowsel_refused_execlp(__VA_ARGS__)
SHADOWSEL_REFUSED(execle, SHADOWSEL_NO_PROC)
#define execle(...) shadowsel_refused_execle(__VA_ARGS__)
SHADOWSEL_REFUSED(fexecve, SHADOWSEL_NO_PROC)
#define fexecve(...) shadowsel_refused_fexecve(__VA_ARGS__)
SHADOWSEL_REFUSED(system, SHADOWSEL_NO_PROC)
#define system(...) shadowsel_refused_system(__VA_ARGS__)
SHADOWSEL_REFUSED_PTR(popen, SHADOWSEL_NO_PROC)
#define popen(...) shadowsel_refused_popen(__VA_ARGS__)
SHADOWSEL_REFUSED(pclose, SHADOWSEL_NO_PROC)
#define pclose(...) shadowsel_refused_pclose(__VA_ARGS__)
SHADOWSEL_REFUSED(posix_spawn, SHADOWSEL_NO_PROC)
#define posix_spawn(...) shadowsel_refused_posix_spawn(__VA_ARGS__)
SHADOWSEL_REFUSED(posix_spawnp, SHADOWSEL_NO_PROC)
#define posix_spawnp(...) shadowsel_refused_posix_spawnp(__VA_ARGS__)
SHADOWSEL_REFUSED(daemon, SHADOWSEL_NO_PROC)
#define daemon(...) shadowsel_refused_daemon(__VA_ARGS__)
SHADOWSEL_REFUSED(wait3, "use waitpid (docs/posix.md)")
#define wait3(...) shadowsel_refused_wait3(__VA_ARGS__)
SHADOWSEL_REFUSED(wait4, "use waitpid (docs/posix.md)")
#define wait4(...) shadowsel_refused_wait4(__VA_ARGS__)
SHADOWSEL_REFUSED(waitid, "use waitpid (docs/posix.md)")
#define waitid(...) shadowsel_refused_waitid(__VA_ARGS__)
SHADOWSEL_REFUSED(setsid, "there are no sessions, and only the caller's own process group (docs/posix.md)")
#define setsid(...) shadowsel_refused_setsid(__VA_ARGS__)
SHADOWSEL_REFUSED(getsid, "there are no sessions, and only the caller's own process group (docs/posix.md)")
#define getsid(...) shadowsel_refused_getsid(__VA_ARGS__)
SHADOWSEL_REFUSED(getpgid, "there are no sessions, and only the caller's own process group (docs/posix.md)")
#define getpgid(...) shadowsel_refused_getpgid(__VA_ARGS__)
SHADOWSEL_REFUSED(setpgrp, "there are no sessions, and only the caller's own process group (docs/posix.md)")
#define setpgrp(...) shadowsel_refused_setpgrp(__VA_ARGS__)
SHADOWSEL_REFUSED(getrusage, "no per-process resource accounting (docs/posix.md)")
#define getrusage(...) shadowsel_refused_getrusage(__VA_ARGS__)
/* signals */
SHADOWSEL_REFUSED(abort, SHADOWSEL_NO_SIG)
#define abort(...) shadowsel_refused_abort(__VA_ARGS__)
SHADOWSEL_REFUSED(killpg, SHADOWSEL_NO_SIG)
#define killpg(...) shadowsel_refused_killpg(__VA_ARGS__)
SHADOWSEL_REFUSED(sigqueue, SHADOWSEL_NO_SIG)
#define sigqueue(...) shadowsel_refused_sigqueue(__VA_ARGS__)
SHADOWSEL_REFUSED(sigwait, SHADOWSEL_NO_SIG)
#define sigwait(...) shadowsel_refused_sigwait(__VA_ARGS__)
SHADOWSEL_REFUSED(sigwaitinfo, SHADOWSEL_NO_SIG)
#define sigwaitinfo(...) shadowsel_refused_sigwaitinfo(__VA_ARGS__)
SHADOWSEL_REFUSED(sigtimedwait, SHADOWSEL_NO_SIG)
#define sigtimedwait(...) shadowsel_refused_sigtimedwait(__VA_ARGS__)
SHADOWSEL_REFUSED(siginterrupt, SHADOWSEL_NO_SIG)
#define siginterrupt(...) shadowsel_refused_siginterrupt(__VA_ARGS__)
SHADOWSEL_REFUSED(sigaltstack, SHADOWSEL_NO_SIG)
#define sigaltstack(...) shadowsel_refused_sigaltstack(__VA_ARGS__)
SHADOWSEL_REFUSED(signalfd, SHADOWSEL_NO_SIG)
#define signalfd(...) shadowsel_refused_signalfd(__VA_ARGS__)
/* descriptors */
SHADOWSEL_REFUSED(timerfd_create, SHADOWSEL_NO_FD)
#define timerfd_create(...) shadowsel_refused_timerfd_create(__VA_ARGS__)
SHADOWSEL_REFUSED(timerfd_settime, SHADOWSEL_NO_FD)
#define timerfd_settime(...) shadowsel_refused_timerfd_settime(__VA_ARGS__)
SHADOWSEL_REFUSED(timerfd_gettime, SHADOWSEL_NO_FD)
#define timerfd_gettime(...) shadowsel_refused_timerfd_gettime(__VA_ARGS__)
SHADOWSEL_REFUSED(inotify_init, SHADOWSEL_NO_FD)
#define inotify_init(...) shadowsel_refused_inotify_init(__VA_ARGS__)
SHADOWSEL_REFUSED(inotify_init1, SHADOWSEL_NO_FD)
#define inotify_init1(...) shadowsel_refused_inotify_init1(__VA_ARGS__)
SHADOWSEL_REFUSED(ioctl, SHADOWSEL_NO_FD)
#define ioctl(...) shadowsel_refused_ioctl(__VA_ARGS__)
SHADOWSEL_REFUSED(readv, SHADOWSEL_NO_FD)
#define readv(...) shadowsel_refused_readv(__VA_ARGS__)
SHADOWSEL_REFUSED(writev, SHADOWSEL_NO_FD)
#define writev(...) shadowsel_refused_writev(__VA_ARGS__)
SHADOWSEL_REFUSED(preadv, SHADOWSEL_NO_FD)
#define preadv(...) shadowsel_refused_preadv(__VA_ARGS__)
SHADOWSEL_REFUSED(pwritev, SHADOWSEL_NO_FD)
#define pwritev(...) shadowsel_refused_pwritev(__VA_ARGS__)
SHADOWSEL_REFUSED(pread, SHADOWSEL_NO_FD)
#define pread(...) shadowsel_refused_pread(__VA_ARGS__)
SHADOWSEL_REFUSED(pwrite, SHADOWSEL_NO_FD)
#define pwrite(...) shadowsel_refused_pwrite(__VA_ARGS__)
SHADOWSEL_REFUSED(sendmsg, SHADOWSEL_NO_FD)
#define sendmsg(...) shadowsel_refused_sendmsg(__VA_ARGS__)
SHADOWSEL_REFUSED(recvmsg, SHADOWSEL_NO_FD)
#define recvmsg(...) shadowsel_refused_recvmsg(__VA_ARGS__)
SHADOWSEL_REFUSED(sendfile, SHADOWSEL_NO_FD)
#define sendfile(...) shadowsel_refused_sendfile(__VA_ARGS__)
SHADOWSEL_REFUSED(splice, SHADOWSEL_NO_FD)
#define splice(...) shadowsel_refused_splice(__VA_ARGS__)
SHADOWSEL_REFUSED(tee, SHADOWSEL_NO_FD)
#define tee(...) shadowsel_refused_tee(__VA_ARGS__)
SHADOWSEL_REFUSED(vmsplice, SHADOWSEL_NO_FD)
#define vmsplice(...) shadowsel_refused_vmsplice(__VA_ARGS__)
SHADOWSEL_REFUSED(fsync, SHADOWSEL_NO_FD)
#define fsync(...) shadowsel_refused_fsync(__VA_ARGS__)
SHADOWSEL_REFUSED(fdatasync, SHADOWSEL_NO_FD)
#define fdatasync(...) shadowsel_refused_fdatasync(__VA_ARGS__)
SHADOWSEL_REFUSED(ftruncate, SHADOWSEL_NO_FD)
#define ftruncate(...) shadowsel_refused_ftruncate(__VA_ARGS__)
SHADOWSEL_REFUSED(fstat, SHADOWSEL_NO_FD)
#define fstat(...) shadowsel_refused_fstat(__VA_ARGS__)
SHADOWSEL_REFUSED_PTR(fdopen, SHADOWSEL_NO_FD)
#define fdopen(...) shadowsel_refused_fdopen(__VA_ARGS__)
SHADOWSEL_REFUSED(fileno, SHADOWSEL_NO_FD)
#define fileno(...) shadowsel_refused_fileno(__VA_ARGS__)
/* the name space */
SHADOWSEL_REFUSED(stat, SHADOWSEL_NO_FS)
#define stat(...) shadowsel_refused_stat(__VA_ARGS__)
SHADOWSEL_REFUSED(lstat, SHADOWSEL_NO_FS)
#define lstat(...) shadowsel_refused_lstat(__VA_ARGS__)
SHADOWSEL_REFUSED(fstatat, SHADOWSEL_NO_FS)
#define fstatat(...) shadowsel_refused_fstatat(__VA_ARGS__)
SHADOWSEL_REFUSED(access, SHADOWSEL_NO_FS)
#define access(...) shadowsel_refused_access(__VA_ARGS__)
SHADOWSEL_REFUSED(openat, SHADOWSEL_NO_FS)
#define openat(...) shadowsel_refused_openat(__VA_ARGS__)
SHADOWSEL_REFUSED(creat, SHADOWSEL_NO_FS)
#define creat(...) shadowsel_refused_creat(__VA_ARGS__)
SHADOWSEL_REFUSED(mknod, SHADOWSEL_NO_FS)
#define mknod(...) shadowsel_refused_mknod(__VA_ARGS__)
SHADOWSEL_REFUSED(truncate, SHADOWSEL_NO_FS)
#define truncate(...) shadowsel_refused_truncate(__VA_ARGS__)
SHADOWSEL_REFUSED(rename, SHADOWSEL_NO_FS)
#define rename(...) shadowsel_refused_rename(__VA_ARGS__)
SHADOWSEL_REFUSED(link, SHADOWSEL_NO_FS)
#define link(...) shadowsel_refused_link(__VA_ARGS__)
SHADOWSEL_REFUSED(symlink, SHADOWSEL_NO_FS)
#define symlink(...) shadowsel_refused_symlink(__VA_ARGS__)
SHADOWSEL_REFUSED(readlink, SHADOWSEL_NO_FS)
#define readlink(...) shadowsel_refused_readlink(__VA_ARGS__)
SHADOWSEL_REFUSED(mkdir, SHADOWSEL_NO_FS)
#define mkdir(...) shadowsel_refused_mkdir(__VA_ARGS__)
SHADOWSEL_REFUSED(rmdir, SHADOWSEL_NO_FS)
#define rmdir(...) shadowsel_refused_rmdir(__VA_ARGS__)
SHADOWSEL_REFUSED(chdir, SHADOWSEL_NO_FS)
#define chdir(...) shadowsel_refused_chdir(__VA_ARGS__)
SHADOWSEL_REFUSED(fchdir, SHADOWSEL_NO_FS)
#define fchdir(...) shadowsel_refused_fchdir(__VA_ARGS__)
SHADOWSEL_REFUSED_PTR(getcwd, SHADOWSEL_NO_FS)
#define getcwd(...) shadowsel_refused_getcwd(__VA_ARGS__)
SHADOWSEL_REFUSED_PTR(opendir, SHADOWSEL_NO_FS)
#define opendir(...) shadowsel_refused_opendir(__VA_ARGS__)
SHADOWSEL_REFUSED_PTR(fdopendir, SHADOWSEL_NO_FS)
#define fdopendir(...) shadowsel_refused_fdopendir(__VA_ARGS__)
SHADOWSEL_REFUSED_PTR(fopen, SHADOWSEL_NO_FS)
#define fopen(...) shadowsel_refused_fopen(__VA_ARGS__)
SHADOWSEL_REFUSED_PTR(freopen, SHADOWSEL_NO_FS)
#define freopen(...) shadowsel_refused_freopen(__VA_ARGS__)
/* time */
SHADOWSEL_REFUSED(clock, SHADOWSEL_NO_TIME)
#define clock(...) shadowsel_refused_clock(__VA_ARGS__)
SHADOWSEL_REFUSED(times, SHADOWSEL_NO_TIME)
#define times(...) shadowsel_refused_times(__VA_ARGS__)
SHADOWSEL_REFUSED(timer_create, SHADOWSEL_NO_TIME)
#define timer_create(...) shadowsel_refused_timer_create(__VA_ARGS__)
SHADOWSEL_REFUSED(timer_settime, SHADOWSEL_NO_TIME)
#define timer_settime(...) shadowsel_refused_timer_settime(__VA_ARGS__)
SHADOWSEL_REFUSED(timer_gettime, SHADOWSEL_NO_TIME)
#define timer_gettime(...) shadowsel_refused_timer_gettime(__VA_ARGS__)
SHADOWSEL_REFUSED(timer_delete, SHADOWSEL_NO_TIME)
#define timer_delete(...) shadowsel_refused_timer_delete(__VA_ARGS__)
SHADOWSEL_REFUSED(clock_nanosleep, SHADOWSEL_NO_TIME)
#define clock_nanosleep(...) shadowsel_refused_clock_nanosleep(__VA_ARGS__)
SHADOWSEL_REFUSED(clock_settime, SHADOWSEL_NO_TIME)
#define clock_settime(...) shadowsel_refused_clock_settime(__VA_ARGS__)
SHADOWSEL_REFUSED(clock_getres, SHADOWSEL_NO_TIME)
#define clock_getres(...) shadowsel_refused_clock_getres(__VA_ARGS__)
SHADOWSEL_REFUSED(settimeofday, SHADOWSEL_NO_TIME)
#define settimeofday(...) shadowsel_refused_settimeofday(__VA_ARGS__)
SHADOWSEL_REFUSED(sched_yield, SHADOWSEL_NO_TIME)
#define sched_yield(...) shadowsel_refused_sched_yield(__VA_ARGS__)
#ifdef __cplusplus
}
#endif
#endif

#endif
