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
int shadowsel_kill(pid_t pid, int sig);
unsigned int shadowsel_sleep(unsigned int seconds);
int shadowsel_usleep(useconds_t usec);
int shadowsel_nanosleep(const struct timespec *req, struct timespec *rem);
int shadowsel_clock_gettime(clockid_t clock, struct timespec *tp);
int shadowsel_gettimeofday(struct timeval *tv, void *tz);
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
#define kill shadowsel_kill
#define sleep shadowsel_sleep
#define usleep shadowsel_usleep
#define nanosleep shadowsel_nanosleep
#define clock_gettime shadowsel_clock_gettime
#define gettimeofday shadowsel_gettimeofday
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
#define _exit shadowsel_exit
#define main shadowsel_program_main
#endif

#endif
