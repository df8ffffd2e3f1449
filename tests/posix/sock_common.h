/* SPDX-License-Identifier: MIT
 * Helpers for the socket test programs: AF_INET stream sockets over
 * 127.0.0.1 only, always bound to port 0 (tests run in parallel), the port
 * read back with getsockname and never printed. Ports are kept in network
 * byte order as getsockname gives them.
 */
#ifndef SHADOWSEL_TESTS_POSIX_SOCK_COMMON_H
#define SHADOWSEL_TESTS_POSIX_SOCK_COMMON_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "common.h"

/* 127.0.0.1:port (port in network byte order). */
static inline struct sockaddr_in loopback_addr(in_port_t port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = port;
    return a;
}

static inline int bind_loopback(int fd, in_port_t port)
{
    struct sockaddr_in a = loopback_addr(port);
    return bind(fd, (struct sockaddr *)&a, sizeof a);
}

static inline int connect_loopback(int fd, in_port_t port)
{
    struct sockaddr_in a = loopback_addr(port);
    return connect(fd, (struct sockaddr *)&a, sizeof a);
}

/* Local / peer address of fd; CHECKs that the call works. */
static inline struct sockaddr_in local_addr(int fd)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    memset(&a, 0, sizeof a);
    CHECK(getsockname(fd, (struct sockaddr *)&a, &len) == 0 && len == sizeof a);
    return a;
}

static inline struct sockaddr_in peer_addr(int fd)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    memset(&a, 0, sizeof a);
    CHECK(getpeername(fd, (struct sockaddr *)&a, &len) == 0 && len == sizeof a);
    return a;
}

static inline in_port_t local_port(int fd) { return local_addr(fd).sin_port; }

/* A listening socket on 127.0.0.1, port 0; its port into *port. */
static inline int listen_loopback(in_port_t *port, int backlog)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fd >= 0);
    CHECK(bind_loopback(fd, 0) == 0);
    CHECK(listen(fd, backlog) == 0);
    *port = local_port(fd);
    CHECK(*port != 0);
    return fd;
}

/* A blocking client connected to 127.0.0.1:port. */
static inline int connect_new(in_port_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fd >= 0);
    CHECK(connect_loopback(fd, port) == 0);
    return fd;
}

/* getsockopt(SO_ERROR): the pending error (0 if none), or -1 with errno. */
static inline int so_error(int fd)
{
    int err = -1;
    socklen_t len = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
        return -1;
    return err;
}

/* "label = ENAME" (or "label = 0") for the pending error, which reading clears;
 * "label = -1 ENAME" if getsockopt fails. */
static inline int show_so_error(const char *label, int fd)
{
    int err = so_error(fd);
    if (err < 0)
        printf("%s = -1 %s\n", label, errname(errno));
    else
        printf("%s = %s\n", label, errname(err));
    return err;
}

/* poll one descriptor: "label: poll = n, revents=0x.. NAMES". */
static inline int poll_show(const char *label, int fd, short events, int timeout)
{
    struct pollfd p = {.fd = fd, .events = events};
    int n = poll(&p, 1, timeout);
    char b[128];
    if (n < 0)
        printf("%s: poll = %d %s\n", label, n, errname(errno));
    else
        printf("%s: poll = %d, revents=0x%x %s\n", label, n, (unsigned)p.revents,
               pollbits(p.revents, b, sizeof b));
    return p.revents;
}

#endif
