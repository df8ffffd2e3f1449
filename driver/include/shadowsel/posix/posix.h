/* SPDX-License-Identifier: MIT
 * The POSIX layer as a program sees it. A program written for Linux is built
 * for the simulated machine with `-include shadowsel/posix/posix.h`: this
 * header includes the system headers first (so their later inclusion is a
 * no-op), then renames each call below to the layer's version, which runs in
 * the simulated kernel of the CPU the calling process is on. Types, constants
 * and errno values are Linux's own. Everything not listed here (printf,
 * strings, memory) is the host's C library, which is fine: it does no I/O to
 * simulated descriptors. `main` becomes shadowsel_program_main, which the
 * program runner (tb/src/program_main.cpp) starts as a process on CPU 0.
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
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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
int shadowsel_fcntl(int fd, int cmd, ...);
int shadowsel_open(const char *path, int flags, ...);
off_t shadowsel_lseek(int fd, off_t offset, int whence);
int shadowsel_mkfifo(const char *path, mode_t mode);
int shadowsel_unlink(const char *path);
int shadowsel_select(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds,
                     struct timeval *timeout);
int shadowsel_poll(struct pollfd *fds, nfds_t nfds, int timeout_ms);
typedef void (*shadowsel_sighandler_t)(int); /* glibc names it sighandler_t only with _GNU_SOURCE */
shadowsel_sighandler_t shadowsel_signal(int signum, shadowsel_sighandler_t handler);
pid_t shadowsel_waitpid(pid_t pid, int *status, int options);
pid_t shadowsel_wait(int *status);
pid_t shadowsel_getpid(void);
pid_t shadowsel_getppid(void);
unsigned int shadowsel_sleep(unsigned int seconds);
int shadowsel_usleep(useconds_t usec);
int shadowsel_nanosleep(const struct timespec *req, struct timespec *rem);
int shadowsel_clock_gettime(clockid_t clock, struct timespec *tp);
int shadowsel_gettimeofday(struct timeval *tv, void *tz);
__attribute__((noreturn)) void shadowsel_exit(int status);

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
#define fcntl shadowsel_fcntl
#define open shadowsel_open
#define lseek shadowsel_lseek
#define mkfifo shadowsel_mkfifo
#define unlink shadowsel_unlink
#define select shadowsel_select
#define poll shadowsel_poll
#define signal shadowsel_signal
#define waitpid shadowsel_waitpid
#define wait shadowsel_wait
#define getpid shadowsel_getpid
#define getppid shadowsel_getppid
#define sleep shadowsel_sleep
#define usleep shadowsel_usleep
#define nanosleep shadowsel_nanosleep
#define clock_gettime shadowsel_clock_gettime
#define gettimeofday shadowsel_gettimeofday
#define exit shadowsel_exit
#define _exit shadowsel_exit
#define main shadowsel_program_main
#endif

#endif
