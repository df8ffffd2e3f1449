/* SPDX-License-Identifier: MIT
 * sock_connect_nb: connect on non-blocking sockets. To a listener: 0 or
 * EINPROGRESS (printed race-free), POLLOUT once connected, SO_ERROR 0, a
 * second connect returns 0 and a third EISCONN, data flows. A connect kept
 * in progress by a full accept queue (listen backlog 0 holds one
 * connection): EALREADY, no revents, then completes once the queue has
 * room. To a port that is bound but not listening (kept bound, so no other
 * test can take it): EINPROGRESS then POLLIN|POLLOUT|POLLERR|POLLHUP,
 * SO_ERROR ECONNREFUSED once; blocking connect ECONNREFUSED (that socket is
 * reset to unconnected: POLLOUT|POLLHUP like a fresh one). A server on CPU 1
 * accepts and echoes.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "shadowsel/posix/spawn.h"
#include "sock_common.h"

#define EV (POLLIN | POLLOUT)

struct args { int listener; int done[2]; };
static struct args A;

/* Accepts one connection, echoes it until EOF. */
static int server(void *arg)
{
    const struct args *a = arg;
    close(a->done[0]);
    int s = accept(a->listener, NULL, NULL);
    CHECK(s >= 0);
    close(a->listener);
    char buf[256];
    ssize_t n;
    while ((n = recv(s, buf, sizeof buf, 0)) > 0)
        CHECK(write_full(s, buf, (size_t)n) == n);
    close(s);
    send_byte(a->done[1], 'd');
    return n == 0 ? 0 : 1;
}

/* A non-blocking connect over loopback may in principle complete at once. */
static void show_connect(const char *label, int r, int e)
{
    if (r == 0 || e == EINPROGRESS)
        printf("%s: 0 or EINPROGRESS: yes\n", label);
    else
        printf("%s = %d %s\n", label, r, errname(e));
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGPIPE, SIG_IGN);
    char buf[64];

    printf("-- non-blocking connect to a listener (server on cpu 1) --\n");
    in_port_t port;
    A.listener = listen_loopback(&port, 4);
    CHECK(pipe(A.done) == 0);
    pid_t srv = shadowsel_spawn(1, server, &A);
    CHECK(srv > 0);
    close(A.listener);
    close(A.done[1]);
    int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    CHECK(c >= 0);
    int r = connect_loopback(c, port);
    show_connect("connect", r, errno);
    poll_show("poll(-1) for POLLOUT", c, POLLOUT, -1);
    poll_show("connected", c, EV, 0);
    show_so_error("SO_ERROR", c);
    show("connect again", connect_loopback(c, port));
    show("connect a third time", connect_loopback(c, port));
    printf("peer port matches: %s\n", yesno(peer_addr(c).sin_port == port));
    show("send", send(c, "ping", 4, 0));
    poll_show("poll(-1) for the echo", c, POLLIN, -1);
    memset(buf, 0, sizeof buf);
    r = 0;
    while (r < 4) { /* the echo may come in pieces */
        ssize_t n = recv(c, buf + r, 4 - (size_t)r, 0);
        if (n < 0 && errno == EAGAIN) {
            struct pollfd p = {.fd = c, .events = POLLIN};
            poll(&p, 1, -1);
            continue;
        }
        CHECK(n > 0);
        r += (int)n;
    }
    printf("echo: %.4s\n", buf);
    show("recv MSG_DONTWAIT", recv(c, buf, sizeof buf, MSG_DONTWAIT));
    close(c);
    wait_byte(A.done[0]);
    close(A.done[0]);
    reap(srv, "server on cpu 1");

    printf("-- a connect held in progress by a full accept queue --\n");
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(ls >= 0 && bind_loopback(ls, 0) == 0);
    port = local_port(ls);
    show("listen backlog 0", listen(ls, 0));
    int first = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(first >= 0);
    show("blocking connect, queued", connect_loopback(first, port));
    /* Its handshake's last ACK may still be in flight: wait until it is queued. */
    poll_show("listener, poll(-1)", ls, POLLIN, -1);
    c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    CHECK(c >= 0);
    show("non-blocking connect, queue full", connect_loopback(c, port));
    show("connect again", connect_loopback(c, port));
    poll_show("in progress", c, EV, 0);
    show_so_error("SO_ERROR", c);
    show("send", send(c, "x", 1, 0));
    show("recv", recv(c, buf, sizeof buf, 0));
    int a1 = accept(ls, NULL, NULL);
    CHECK(a1 >= 0);
    poll_show("after the first is accepted, poll(5000) for POLLOUT", c, POLLOUT, 5000);
    show_so_error("SO_ERROR", c);
    int a2 = accept(ls, NULL, NULL);
    CHECK(a2 >= 0);
    printf("second accepted socket's peer is the non-blocking socket: %s\n",
           yesno(peer_addr(a2).sin_port == local_port(c)));
    close(a1);
    close(a2);
    close(first);
    close(c);
    close(ls);

    printf("-- connect to a port bound without listen --\n");
    int b = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(b >= 0 && bind_loopback(b, 0) == 0);
    port = local_port(b);
    c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    CHECK(c >= 0);
    /* Linux holds the socket lock through the SYN: the RST is handled after
     * connect has returned EINPROGRESS. */
    show("non-blocking connect", connect_loopback(c, port));
    poll_show("poll(-1)", c, EV, -1);
    poll_show("events=0", c, 0, 0);
    show_so_error("SO_ERROR", c);
    show_so_error("SO_ERROR again", c);
    poll_show("after SO_ERROR", c, EV, 0);
    show("recv", recv(c, buf, sizeof buf, MSG_DONTWAIT));
    show("send", send(c, "x", 1, 0));
    struct sockaddr_in pa;
    socklen_t plen = sizeof pa;
    show("getpeername", getpeername(c, (struct sockaddr *)&pa, &plen));
    close(c);
    c = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(c >= 0);
    show("blocking connect", connect_loopback(c, port));
    show_so_error("SO_ERROR", c);
    poll_show("after the refused blocking connect", c, EV, 0);
    close(c);
    close(b);
    return 0;
}
