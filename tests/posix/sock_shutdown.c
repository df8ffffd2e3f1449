/* SPDX-License-Identifier: MIT
 * sock_shutdown: half-closed TCP connections between a server on CPU 0 and
 * a client on CPU 1. The client's shutdown(SHUT_WR) shows on the server as
 * POLLIN|POLLRDHUP (data first, then read 0, repeatedly) while the server
 * can still send; the server's own shutdown then gives the client EOF and
 * POLLHUP. Also shutdown(SHUT_RDWR) and shutdown(SHUT_RD) on a connected
 * socket whose peer is still open, and EPIPE for a send after one's own
 * SHUT_WR (SIGPIPE ignored). Each side prints only while the other waits
 * for its pipe byte; poll(-1) on POLLRDHUP alone waits for a FIN in flight.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "shadowsel/posix/spawn.h"
#include "sock_common.h"

#define EV (POLLIN | POLLOUT | POLLRDHUP)

struct args { in_port_t port; int listener; int go[2], ack[2]; };
static struct args A;

/* Wait for the peer's FIN, then print the revents for EV. */
static void after_fin(const char *label, int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLRDHUP};
    CHECK(poll(&p, 1, -1) == 1);
    poll_show(label, fd, EV, 0);
}

static int client(void *arg)
{
    const struct args *a = arg;
    signal(SIGPIPE, SIG_IGN);
    close(a->listener);
    close(a->go[1]);
    close(a->ack[0]);
    char buf[64];

    int fd = connect_new(a->port);
    CHECK(send(fd, "hello", 5, 0) == 5);
    int r = shutdown(fd, SHUT_WR);
    send_byte(a->ack[1], '1');
    wait_byte(a->go[0]);
    struct pollfd p = {.fd = fd, .events = POLLIN};
    CHECK(poll(&p, 1, -1) == 1);
    show("client: shutdown(SHUT_WR)", r);
    poll_show("client: own SHUT_WR, server's data waiting", fd, EV, 0);
    show("client: send after own SHUT_WR", send(fd, "x", 1, 0));
    show("client: write after own SHUT_WR", write(fd, "x", 1));
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    show("client: recv", n);
    printf("client: got %.*s\n", (int)(n > 0 ? n : 0), buf);
    show("client: recv MSG_DONTWAIT, server still open", recv(fd, buf, sizeof buf, MSG_DONTWAIT));
    send_byte(a->ack[1], '2');
    wait_byte(a->go[0]);
    after_fin("client: both directions shut", fd);
    show("client: recv", recv(fd, buf, sizeof buf, 0));
    show("client: recv again", recv(fd, buf, sizeof buf, 0));
    close(fd);

    fd = connect_new(a->port);
    send_byte(a->ack[1], '3');
    wait_byte(a->go[0]);
    after_fin("client: server did SHUT_RDWR", fd);
    show("client: recv", recv(fd, buf, sizeof buf, 0));
    close(fd);

    fd = connect_new(a->port);
    send_byte(a->ack[1], '4');
    wait_byte(a->go[0]);
    n = read_full(fd, buf, 8);
    show("client: server did SHUT_RD, read_full 8", n);
    printf("client: got %.*s\n", (int)(n > 0 ? n : 0), buf);
    close(fd);
    send_byte(a->ack[1], '5');
    return 0;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGPIPE, SIG_IGN);
    char buf[64];
    A.listener = listen_loopback(&A.port, 4);
    CHECK(pipe(A.go) == 0 && pipe(A.ack) == 0);
    pid_t c = shadowsel_spawn(1, client, &A);
    CHECK(c > 0);
    close(A.go[0]);
    close(A.ack[1]);

    printf("-- client sends hello and shuts down writing --\n");
    int s = accept(A.listener, NULL, NULL);
    CHECK(s >= 0);
    wait_byte(A.ack[0]);
    after_fin("server: data and FIN waiting", s);
    poll_show("server: same, events=POLLIN|POLLOUT", s, POLLIN | POLLOUT, 0);
    show("server: shutdown(fd, 99)", shutdown(s, 99));
    ssize_t n = recv(s, buf, sizeof buf, 0);
    show("server: recv", n);
    printf("server: got %.*s\n", (int)(n > 0 ? n : 0), buf);
    poll_show("server: drained", s, EV, 0);
    show("server: recv", recv(s, buf, sizeof buf, 0));
    show("server: read", read(s, buf, sizeof buf));
    show("server: send still works", send(s, "reply", 5, 0));
    send_byte(A.go[1], 'g');
    wait_byte(A.ack[0]);
    show("server: shutdown(SHUT_WR)", shutdown(s, SHUT_WR));
    poll_show("server: both directions shut", s, EV, 0);
    show("server: send after own SHUT_WR", send(s, "x", 1, 0));
    send_byte(A.go[1], 'g');
    wait_byte(A.ack[0]);
    close(s);

    printf("-- server shuts down both directions, client still open --\n");
    s = accept(A.listener, NULL, NULL);
    CHECK(s >= 0);
    show("server: shutdown(SHUT_RDWR)", shutdown(s, SHUT_RDWR));
    poll_show("server: after own SHUT_RDWR", s, EV, 0);
    show("server: recv", recv(s, buf, sizeof buf, 0));
    show("server: send", send(s, "x", 1, 0));
    send_byte(A.go[1], 'g');
    wait_byte(A.ack[0]);
    poll_show("server: SHUT_RDWR, client closed", s, EV, 0);
    close(s);

    printf("-- server shuts down reading only --\n");
    s = accept(A.listener, NULL, NULL);
    CHECK(s >= 0);
    show("server: shutdown(SHUT_RD)", shutdown(s, SHUT_RD));
    poll_show("server: after own SHUT_RD", s, EV, 0);
    show("server: recv", recv(s, buf, sizeof buf, 0));
    show("server: recv MSG_DONTWAIT", recv(s, buf, sizeof buf, MSG_DONTWAIT));
    show("server: send", send(s, "answer", 6, 0));
    show("server: shutdown(SHUT_WR)", shutdown(s, SHUT_WR));
    send_byte(A.go[1], 'g');
    wait_byte(A.ack[0]);
    close(s);

    close(A.go[1]);
    reap(c, "client on cpu 1");
    close(A.listener);
    return 0;
}
