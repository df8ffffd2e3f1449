/* SPDX-License-Identifier: MIT
 * Small helpers shared by the POSIX test programs. Everything here is plain
 * Linux C; in the simulated build the I/O calls below are renamed to the POSIX
 * layer's by shadowsel/posix/posix.h like the program's own. Output must not
 * depend on pids, descriptor numbers, paths or times: print names and
 * booleans, never raw values of those.
 */
#ifndef SHADOWSEL_TESTS_POSIX_COMMON_H
#define SHADOWSEL_TESTS_POSIX_COMMON_H

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static inline const char *errname(int e)
{
    switch (e) {
    case 0: return "0";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ESRCH: return "ESRCH";
    case EINTR: return "EINTR";
    case EIO: return "EIO";
    case ENXIO: return "ENXIO";
    case EBADF: return "EBADF";
    case ECHILD: return "ECHILD";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EBUSY: return "EBUSY";
    case EEXIST: return "EEXIST";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EINVAL: return "EINVAL";
    case ENFILE: return "ENFILE";
    case EMFILE: return "EMFILE";
    case ENOTTY: return "ENOTTY";
    case ENOSPC: return "ENOSPC";
    case ESPIPE: return "ESPIPE";
    case EPIPE: return "EPIPE";
    case ERANGE: return "ERANGE";
    case ENOSYS: return "ENOSYS";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case EOVERFLOW: return "EOVERFLOW";
    case ETIMEDOUT: return "ETIMEDOUT";
    case ENOTSOCK: return "ENOTSOCK";
    case EDESTADDRREQ: return "EDESTADDRREQ";
    case EPROTOTYPE: return "EPROTOTYPE";
    case ENOPROTOOPT: return "ENOPROTOOPT";
    case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EADDRINUSE: return "EADDRINUSE";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case ENETUNREACH: return "ENETUNREACH";
    case ECONNABORTED: return "ECONNABORTED";
    case ECONNRESET: return "ECONNRESET";
    case EISCONN: return "EISCONN";
    case ENOTCONN: return "ENOTCONN";
    case ECONNREFUSED: return "ECONNREFUSED";
    case EALREADY: return "EALREADY";
    case EINPROGRESS: return "EINPROGRESS";
    case ELOOP: return "ELOOP";
    default: {
        static char other[32];
        snprintf(other, sizeof other, "errno%d", e);
        return other;
    }
    }
}

static inline const char *signame(int s)
{
    switch (s) {
    case SIGPIPE: return "SIGPIPE";
    case SIGKILL: return "SIGKILL";
    case SIGTERM: return "SIGTERM";
    case SIGSEGV: return "SIGSEGV";
    case SIGABRT: return "SIGABRT";
    case SIGINT: return "SIGINT";
    default: return "other signal";
    }
}

static inline const char *yesno(int b) { return b ? "yes" : "no"; }

/* "label = ret", or "label = -1 ENAME" on failure. errno is kept. */
static inline long show(const char *label, long ret)
{
    int e = errno;
    if (ret < 0)
        printf("%s = %ld %s\n", label, ret, errname(e));
    else
        printf("%s = %ld\n", label, ret);
    errno = e;
    return ret;
}

/* Like show(), for calls returning a descriptor: prints "fd", not its number. */
static inline long show_fd(const char *label, long ret)
{
    int e = errno;
    if (ret < 0)
        printf("%s = %ld %s\n", label, ret, errname(e));
    else
        printf("%s = fd\n", label);
    errno = e;
    return ret;
}

/* Poll event bits as "POLLIN|POLLHUP" (or "0"), into buf. */
static inline const char *pollbits(int r, char *buf, size_t n)
{
    static const struct { int bit; const char *name; } names[] = {
        {POLLIN, "POLLIN"},         {POLLPRI, "POLLPRI"},       {POLLOUT, "POLLOUT"},
        {POLLERR, "POLLERR"},       {POLLHUP, "POLLHUP"},       {POLLNVAL, "POLLNVAL"},
        {POLLRDNORM, "POLLRDNORM"}, {POLLRDBAND, "POLLRDBAND"}, {POLLWRNORM, "POLLWRNORM"},
        {POLLWRBAND, "POLLWRBAND"}, {POLLRDHUP, "POLLRDHUP"},
    };
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (r & names[i].bit) {
            if (buf[0])
                strncat(buf, "|", n - strlen(buf) - 1);
            strncat(buf, names[i].name, n - strlen(buf) - 1);
            r &= ~names[i].bit;
        }
    }
    if (r)
        snprintf(buf + strlen(buf), n - strlen(buf), "%s0x%x", buf[0] ? "|" : "", (unsigned)r);
    if (!buf[0])
        snprintf(buf, n, "0");
    return buf;
}

/* Print one pollfd's revents: "label: revents=0x11 POLLIN|POLLHUP". */
static inline void show_revents(const char *label, int revents)
{
    char b[128];
    printf("%s: revents=0x%x %s\n", label, (unsigned)revents, pollbits(revents, b, sizeof b));
}

/* An epoll_wait result: "label: n [data D POLLIN] ..." (the epoll bits are poll's). */
static inline void show_epoll_events(const char *label, int n, const struct epoll_event *ev)
{
    printf("%s: %d", label, n);
    for (int i = 0; i < n; i++) {
        char b[128];
        printf(" [data %llu %s]", (unsigned long long)ev[i].data.u64, pollbits((int)ev[i].events, b, sizeof b));
    }
    printf("\n");
}

/* "label: select = n, readable yes, writable no" for fd with a zero timeout. */
static inline void select_show(const char *label, int fd)
{
    fd_set r, w;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_SET(fd, &r);
    FD_SET(fd, &w);
    struct timeval tv = {0, 0};
    int n = select(fd + 1, &r, &w, NULL, &tv);
    printf("%s: select = %d, readable %s, writable %s\n", label, n, yesno(FD_ISSET(fd, &r)),
           yesno(FD_ISSET(fd, &w)));
}

static inline long long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/* Read exactly n bytes unless EOF or an error comes first; returns the count
 * read (short only at EOF) or -1. */
static inline ssize_t read_full(int fd, void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, (char *)buf + got, n - got);
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

static inline ssize_t write_full(int fd, const void *buf, size_t n)
{
    size_t put = 0;
    while (put < n) {
        ssize_t r = write(fd, (const char *)buf + put, n - put);
        if (r < 0)
            return -1;
        put += (size_t)r;
    }
    return (ssize_t)put;
}

/* Unexpected failure: say where and stop with status 99. */
#define CHECK(cond)                                                                        \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            int e_ = errno;                                                                \
            printf("CHECK failed at line %d: %s (errno %s)\n", __LINE__, #cond, errname(e_)); \
            exit(99);                                                                      \
        }                                                                                  \
    } while (0)

/* sigaction(sig) with handler fn, an empty sa_mask and sa_flags `flags`. */
static inline void catch_signal(int sig, void (*fn)(int), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fn;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = flags;
    CHECK(sigaction(sig, &sa, NULL) == 0);
}

/* Synchronisation through pipes: one byte each way. */
static inline void send_byte(int fd, char c) { CHECK(write(fd, &c, 1) == 1); }
static inline char wait_byte(int fd)
{
    char c = 0;
    CHECK(read(fd, &c, 1) == 1);
    return c;
}

/* Reap pid and print how it ended, without printing the pid. */
static inline int reap(pid_t pid, const char *label)
{
    int st = 0;
    pid_t r = waitpid(pid, &st, 0);
    if (r != pid) {
        printf("%s: waitpid = %ld %s\n", label, (long)r, errname(errno));
        return -1;
    }
    if (WIFEXITED(st))
        printf("%s: exited %d\n", label, WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        printf("%s: killed by %s\n", label, signame(WTERMSIG(st)));
    else
        printf("%s: status 0x%x\n", label, (unsigned)st);
    return st;
}

/* "/tmp/shadowsel-<prog>-<pid><suffix>": unique per run, never printed. */
static inline void temp_path(char *buf, size_t n, const char *prog, const char *suffix)
{
    snprintf(buf, n, "/tmp/shadowsel-%s-%ld%s", prog, (long)getpid(), suffix);
}

#endif
