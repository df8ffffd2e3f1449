/* SPDX-License-Identifier: MIT
 * sock_udp: SOCK_DGRAM over 127.0.0.1. An echo server on CPU 1 (its own
 * socket, bound to port 0, the port sent back through a pipe) returns every
 * datagram to its sender. Checked: an unconnected socket is writable only
 * (POLLOUT), send without an address EDESTADDRREQ (and the failed send
 * auto-binds it to 0.0.0.0:ephemeral, so a later bind is EINVAL),
 * getpeername ENOTCONN, recv MSG_DONTWAIT EAGAIN; message boundaries kept (two sendto, two recvfrom
 * of the exact sizes, even with a large buffer); a recvfrom with a small
 * buffer returns the truncated length and the rest of that datagram is gone;
 * a zero-length datagram is one (POLLIN, recvfrom returns 0); recvfrom's
 * address is the server's (compared, never printed); connect() then
 * send/recv, getpeername = the server.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include "common.h"
#include "shadowsel/posix/spawn.h"
#include "sock_common.h"

#define EV (POLLIN | POLLOUT)

struct args { int port_pipe[2]; };
static struct args A;

/* Echo every datagram to its sender; "quit" ends. */
static int server(void *arg)
{
    const struct args *a = arg;
    close(a->port_pipe[0]);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(fd >= 0);
    CHECK(bind_loopback(fd, 0) == 0);
    in_port_t port = local_port(fd);
    CHECK(write(a->port_pipe[1], &port, sizeof port) == (ssize_t)sizeof port);
    close(a->port_pipe[1]);
    char *buf = malloc(65536);
    CHECK(buf);
    for (;;) {
        struct sockaddr_in from;
        socklen_t len = sizeof from;
        ssize_t n = recvfrom(fd, buf, 65536, 0, (struct sockaddr *)&from, &len);
        CHECK(n >= 0 && len == sizeof from);
        if (n == 4 && memcmp(buf, "quit", 4) == 0)
            break;
        CHECK(sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, len) == n);
    }
    close(fd);
    free(buf);
    return 0;
}

static int same_addr(const struct sockaddr_in *a, const struct sockaddr_in *b)
{
    return a->sin_family == b->sin_family && a->sin_port == b->sin_port &&
           a->sin_addr.s_addr == b->sin_addr.s_addr;
}

/* recvfrom into buf (size n); prints the count and whether the address is
 * the server's. */
static ssize_t recv_show(const char *label, int fd, char *buf, size_t n, int flags,
                         const struct sockaddr_in *server_addr)
{
    struct sockaddr_in from;
    socklen_t len = sizeof from;
    memset(&from, 0, sizeof from);
    ssize_t r = recvfrom(fd, buf, n, flags, (struct sockaddr *)&from, &len);
    if (r < 0) {
        show(label, r);
        return r;
    }
    printf("%s = %ld, addrlen %u, from the server: %s\n", label, (long)r, (unsigned)len,
           yesno(same_addr(&from, server_addr)));
    return r;
}

static void wait_readable(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    CHECK(poll(&p, 1, -1) == 1 && (p.revents & POLLIN));
}


int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGPIPE, SIG_IGN);
    char *buf = malloc(65536), *big = malloc(3000);
    CHECK(buf && big);
    for (int i = 0; i < 3000; i++)
        big[i] = (char)('a' + i % 26);

    CHECK(pipe(A.port_pipe) == 0);
    pid_t srv = shadowsel_spawn(1, server, &A);
    CHECK(srv > 0);
    close(A.port_pipe[1]);
    in_port_t port;
    CHECK(read_full(A.port_pipe[0], &port, sizeof port) == (ssize_t)sizeof port);
    close(A.port_pipe[0]);
    struct sockaddr_in srv_addr = loopback_addr(port);

    printf("-- a fresh, unconnected socket --\n");
    int f = socket(AF_INET, SOCK_DGRAM, 0);
    show_fd("socket SOCK_DGRAM", f);
    CHECK(f >= 0);
    poll_show("fresh", f, EV, 0);
    poll_show("fresh, events=0", f, 0, 0);
    select_show("fresh", f);
    {
        struct sockaddr_in a;
        socklen_t len = sizeof a;
        show("getpeername", getpeername(f, (struct sockaddr *)&a, &len));
    }
    show("recv MSG_DONTWAIT", recv(f, buf, 100, MSG_DONTWAIT));
    printf("still unbound (0.0.0.0:0): %s\n",
           yesno(local_addr(f).sin_addr.s_addr == htonl(INADDR_ANY) && local_port(f) == 0));
    show("send without an address", send(f, "x", 1, 0));
    show("sendto with a NULL address", sendto(f, "x", 1, 0, NULL, 0));
    printf("the failed send auto-bound it to 0.0.0.0:ephemeral: %s\n",
           yesno(local_addr(f).sin_addr.s_addr == htonl(INADDR_ANY) && local_port(f) != 0));
    show("bind 127.0.0.1:0 afterwards", bind_loopback(f, 0));
    {
        int type = -1;
        socklen_t len = sizeof type;
        CHECK(getsockopt(f, SOL_SOCKET, SO_TYPE, &type, &len) == 0);
        printf("SO_TYPE is SOCK_DGRAM: %s\n", yesno(type == SOCK_DGRAM));
    }
    close(f);

    printf("-- a bound socket --\n");
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(u >= 0);
    show("bind 127.0.0.1:0", bind_loopback(u, 0));
    printf("bound to a port: %s\n", yesno(local_port(u) != 0));
    poll_show("bound, idle", u, EV, 0);
    show("recv MSG_DONTWAIT", recv(u, buf, 100, MSG_DONTWAIT));
    show("recvfrom MSG_DONTWAIT", recvfrom(u, buf, 100, MSG_DONTWAIT, NULL, NULL));

    printf("-- echo through the server on cpu 1 --\n");
    const struct sockaddr *to = (const struct sockaddr *)&srv_addr;
    show("sendto 5 bytes", sendto(u, "hello", 5, 0, to, sizeof srv_addr));
    wait_readable(u);
    poll_show("echo waiting", u, EV, 0);
    select_show("echo waiting", u);
    ssize_t n = recv_show("recvfrom", u, buf, 65536, 0, &srv_addr);
    printf("data matches: %s\n", yesno(n == 5 && memcmp(buf, "hello", 5) == 0));
    poll_show("drained", u, EV, 0);

    printf("-- message boundaries --\n");
    show("sendto 2000 bytes", sendto(u, big, 2000, 0, to, sizeof srv_addr));
    show("sendto 3 bytes", sendto(u, "xyz", 3, 0, to, sizeof srv_addr));
    n = recv_show("recvfrom (64 KiB buffer)", u, buf, 65536, 0, &srv_addr);
    printf("data matches: %s\n", yesno(n == 2000 && memcmp(buf, big, 2000) == 0));
    n = recv_show("recvfrom (64 KiB buffer)", u, buf, 65536, 0, &srv_addr);
    printf("data matches: %s\n", yesno(n == 3 && memcmp(buf, "xyz", 3) == 0));
    show("recv MSG_DONTWAIT", recv(u, buf, 100, MSG_DONTWAIT));

    printf("-- truncation --\n");
    show("sendto 3000 bytes", sendto(u, big, 3000, 0, to, sizeof srv_addr));
    show("sendto 4 bytes", sendto(u, "next", 4, 0, to, sizeof srv_addr));
    n = recv_show("recvfrom (10-byte buffer)", u, buf, 10, 0, &srv_addr);
    printf("prefix matches: %s\n", yesno(n == 10 && memcmp(buf, big, 10) == 0));
    n = recv_show("recvfrom (64 KiB buffer)", u, buf, 65536, 0, &srv_addr);
    printf("the next datagram, rest discarded: %s\n", yesno(n == 4 && memcmp(buf, "next", 4) == 0));
    show("sendto 3000 bytes", sendto(u, big, 3000, 0, to, sizeof srv_addr));
    wait_readable(u);
    show("recv (1-byte buffer)", recv(u, buf, 1, 0));
    show("recv MSG_DONTWAIT", recv(u, buf, 100, MSG_DONTWAIT));
    poll_show("after the truncated datagram", u, EV, 0);

    printf("-- zero-length datagram --\n");
    show("sendto 0 bytes", sendto(u, "", 0, 0, to, sizeof srv_addr));
    wait_readable(u);
    poll_show("empty datagram waiting", u, EV, 0);
    select_show("empty datagram waiting", u);
    recv_show("recvfrom", u, buf, 65536, 0, &srv_addr);
    poll_show("after it", u, EV, 0);
    show("recv MSG_DONTWAIT", recv(u, buf, 100, MSG_DONTWAIT));

    printf("-- connected UDP socket --\n");
    int c = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(c >= 0);
    show("connect to the server", connect(c, to, sizeof srv_addr));
    struct sockaddr_in peer = peer_addr(c);
    printf("getpeername is the server: %s\n", yesno(same_addr(&peer, &srv_addr)));
    printf("auto-bound to 127.0.0.1: %s\n",
           yesno(local_addr(c).sin_addr.s_addr == htonl(INADDR_LOOPBACK) && local_port(c) != 0));
    poll_show("connected, idle", c, EV, 0);
    show("send", send(c, "ping", 4, 0));
    wait_readable(c);
    poll_show("reply waiting", c, EV, 0);
    n = recv(c, buf, 65536, 0);
    show("recv", n);
    printf("data matches: %s\n", yesno(n == 4 && memcmp(buf, "ping", 4) == 0));
    show("write", write(c, "pong!", 5));
    wait_readable(c);
    show("read", read(c, buf, 65536));
    show("send 0 bytes", send(c, "", 0, 0));
    wait_readable(c);
    show("recv", recv(c, buf, 65536, 0));
    show("recv MSG_DONTWAIT", recv(c, buf, 100, MSG_DONTWAIT));
    close(c);

    printf("-- end --\n");
    show("sendto quit", sendto(u, "quit", 4, 0, to, sizeof srv_addr));
    reap(srv, "server on cpu 1");
    close(u);
    free(buf);
    free(big);
    return 0;
}
