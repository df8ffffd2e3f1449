/* SPDX-License-Identifier: MIT
 * sock_close_wake: blocked socket calls woken by a peer on another CPU.
 * The children are all spawned first, then each in turn connects to the
 * parent's listener (CPU 0) and blocks: in recv
 * (CPU 1), in poll with events POLLIN|POLLRDHUP (CPU 2), in select (CPU 3);
 * the parent closes its end of each connection: recv returns 0, poll gives
 * POLLIN|POLLRDHUP, select reports readable. The child on CPU 1 then blocks
 * in accept() on the inherited listener and wakes when the parent connects.
 * Last, a child on CPU 3 fills its connection (the parent reads nothing)
 * until a non-blocking send gives EAGAIN, then blocks in a blocking send;
 * the parent closes with the data unread (RST): the blocked send returns
 * ECONNRESET, the next send EPIPE. The parent sleeps 50-100 ms before each
 * wake-up so that the children are blocked (the output is the same if not).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include "common.h"
#include "shadowsel/posix/spawn.h"
#include "sock_common.h"

enum { RECV, POLL, SELECT, SEND, NW };
static const int cpus[NW] = {1, 2, 3, 3};
static const char *const names[NW] = {"recv on cpu 1", "poll on cpu 2", "select on cpu 3",
                                      "send on cpu 3"};

struct args { int kind; in_port_t port; int listener; int go[2], rep[2]; };
static struct args A[NW];

/* Results through the report pipe: 'c' connected, 'b' about to block;
 * then an int pair (return value, errno or revents). */
static void report(int fd, long ret, int info)
{
    long v[2] = {ret, info};
    CHECK(write(fd, v, sizeof v) == (ssize_t)sizeof v);
}

static int waiter(void *arg)
{
    const struct args *a = arg;
    close(a->rep[0]);
    close(a->go[1]);
    wait_byte(a->go[0]);
    int fd = connect_new(a->port);
    send_byte(a->rep[1], 'c');
    char buf[16];
    if (a->kind == RECV) {
        send_byte(a->rep[1], 'b');
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        report(a->rep[1], n, n < 0 ? errno : 0);
        close(fd);
        /* Block in accept on the inherited listener. */
        send_byte(a->rep[1], 'b');
        int s = accept(a->listener, NULL, NULL);
        n = s >= 0 ? recv(s, buf, sizeof buf, 0) : -1;
        report(a->rep[1], s >= 0 ? 1 : -1, s >= 0 ? (int)n : errno);
        if (s >= 0)
            close(s);
    } else if (a->kind == POLL) {
        send_byte(a->rep[1], 'b');
        struct pollfd p = {.fd = fd, .events = POLLIN | POLLRDHUP};
        int n = poll(&p, 1, -1);
        report(a->rep[1], n, p.revents);
        report(a->rep[1], recv(fd, buf, sizeof buf, 0), 0);
    } else if (a->kind == SELECT) {
        send_byte(a->rep[1], 'b');
        fd_set r;
        FD_ZERO(&r);
        FD_SET(fd, &r);
        int n = select(fd + 1, &r, NULL, NULL, NULL);
        report(a->rep[1], n, FD_ISSET(fd, &r));
        report(a->rep[1], recv(fd, buf, sizeof buf, 0), 0);
    } else {
        size_t len = 1 << 20;
        char *big = malloc(len);
        CHECK(big);
        memset(big, 'z', len);
        int fl = fcntl(fd, F_GETFL);
        CHECK(fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0);
        /* Fill until EAGAIN and until 200 ms pass without POLLOUT, then one
         * last EAGAIN right before the blocking send. */
        for (;;) {
            while (send(fd, big, len, 0) > 0)
                ;
            CHECK(errno == EAGAIN);
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            int n = poll(&p, 1, 200);
            CHECK(n >= 0);
            if (n == 0)
                break;
        }
        while (send(fd, big, len, 0) > 0)
            ;
        CHECK(errno == EAGAIN);
        CHECK(fcntl(fd, F_SETFL, fl) == 0);
        send_byte(a->rep[1], 'b');
        ssize_t n = send(fd, big, len, 0);
        report(a->rep[1], n, n < 0 ? errno : 0);
        n = send(fd, big, len, 0);
        report(a->rep[1], n, n < 0 ? errno : 0);
        struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT | POLLRDHUP};
        CHECK(poll(&p, 1, 0) == 1);
        report(a->rep[1], 1, p.revents);
        n = recv(fd, big, len, 0);
        report(a->rep[1], n, n < 0 ? errno : 0);
        free(big);
    }
    close(fd);
    return 0;
}

static void get(int fd, long v[2])
{
    CHECK(read_full(fd, v, 2 * sizeof(long)) == 2 * (ssize_t)sizeof(long));
}

static void show_result(const char *label, long v[2])
{
    if (v[0] < 0)
        printf("%s = %ld %s\n", label, v[0], errname((int)v[1]));
    else
        printf("%s = %ld\n", label, v[0]);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGPIPE, SIG_IGN);
    in_port_t port;
    int ls = listen_loopback(&port, 8);
    pid_t pids[NW];
    int peer[NW];
    for (int i = 0; i < NW; i++) {
        A[i].kind = i;
        A[i].port = port;
        A[i].listener = ls;
        CHECK(pipe(A[i].go) == 0 && pipe(A[i].rep) == 0);
        pids[i] = shadowsel_spawn(cpus[i], waiter, &A[i]);
        CHECK(pids[i] > 0);
        close(A[i].go[0]);
        close(A[i].rep[1]);
    }
    /* All children exist before any connection (none inherits one); they
     * connect one at a time, so each accepted socket is known. */
    for (int i = 0; i < NW; i++) {
        send_byte(A[i].go[1], 'g');
        CHECK(wait_byte(A[i].rep[0]) == 'c');
        peer[i] = accept(ls, NULL, NULL);
        CHECK(peer[i] >= 0);
        CHECK(wait_byte(A[i].rep[0]) == 'b');
    }
    long v[2];
    char b[64];

    printf("-- blocked in recv (cpu 1): the peer closes --\n");
    usleep(50000);
    close(peer[RECV]);
    get(A[RECV].rep[0], v);
    show_result("recv", v);

    printf("-- blocked in poll, events POLLIN|POLLRDHUP (cpu 2): the peer closes --\n");
    usleep(50000);
    close(peer[POLL]);
    get(A[POLL].rep[0], v);
    printf("poll = %ld, revents=0x%lx %s\n", v[0], (unsigned long)v[1], pollbits((int)v[1], b, sizeof b));
    get(A[POLL].rep[0], v);
    show_result("recv", v);

    printf("-- blocked in select (cpu 3): the peer closes --\n");
    usleep(50000);
    close(peer[SELECT]);
    get(A[SELECT].rep[0], v);
    printf("select = %ld, readable %s\n", v[0], yesno((int)v[1]));
    get(A[SELECT].rep[0], v);
    show_result("recv", v);

    printf("-- blocked in accept (cpu 1): a client connects --\n");
    CHECK(wait_byte(A[RECV].rep[0]) == 'b');
    usleep(50000);
    int c = connect_new(port);
    CHECK(send(c, "hi", 2, 0) == 2);
    get(A[RECV].rep[0], v);
    printf("accept woken: %s, first recv = %ld\n", yesno(v[0] == 1), v[1]);
    close(c);

    printf("-- blocked in send (cpu 3): the peer closes with unread data --\n");
    usleep(100000);
    close(peer[SEND]);
    get(A[SEND].rep[0], v);
    show_result("blocked send", v);
    get(A[SEND].rep[0], v);
    show_result("next send", v);
    get(A[SEND].rep[0], v);
    printf("afterwards: revents=0x%lx %s\n", (unsigned long)v[1], pollbits((int)v[1], b, sizeof b));
    get(A[SEND].rep[0], v);
    show_result("recv", v);

    for (int i = 0; i < NW; i++)
        reap(pids[i], names[i]);
    close(ls);
    return 0;
}
