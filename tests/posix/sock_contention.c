/* SPDX-License-Identifier: MIT
 * sock_contention: two processes reading one connected TCP socket. The
 * parent (CPU 0) accepts a connection from a client on CPU 3 and only then
 * spawns a reader on CPU 1, which inherits the connected socket (the one
 * program where a child does). While the client streams numbered bytes, the
 * parent and the child take turns, passed through pipes with the stream
 * offset: each reads a fixed-size chunk and checks that it continues the
 * stream exactly where the other stopped. When the first part is consumed
 * the child's poll shows nothing to read; the client sends the rest, the
 * child's poll and select wake (readable); the parent closes its copy (no
 * FIN: the child still holds the socket) and the child reads the rest alone,
 * to EOF. Totals: every byte read exactly once, in order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include "common.h"
#include "shadowsel/posix/spawn.h"
#include "sock_common.h"

/* Chunk sizes, taken in turn: parent, child, parent, ... */
static const size_t chunks[] = {1000, 1, 65536, 4096, 7, 123457, 2, 30000, 1460, 99999,
                                16384, 3, 50000, 8191, 77777, 12, 4097, 200000, 64, 9};
#define NCHUNK (sizeof chunks / sizeof chunks[0])
#define REST 300000L
static const size_t send_sizes[] = {4096, 1, 65536, 333, 100000, 7, 8192, 250000};
#define NSEND (sizeof send_sizes / sizeof send_sizes[0])

static long first_part(void)
{
    long n = 0;
    for (size_t i = 0; i < NCHUNK; i++)
        n += (long)chunks[i];
    return n;
}

static unsigned char gen(long i)
{
    unsigned long x = (unsigned long)i * 2654435761UL;
    return (unsigned char)((x >> 13) ^ (x >> 24) ^ (unsigned long)i);
}

struct client_args { in_port_t port; int go[2]; };
struct reader_args { int sock; int turn[2], back[2], report[2], closed[2]; };
static struct client_args C;
static struct reader_args R;

/* Blocking sends of [from, to) in varied sizes. */
static void send_range(int fd, long from, long to, unsigned char *buf)
{
    size_t k = 0;
    while (from < to) {
        size_t n = send_sizes[k++ % NSEND];
        if ((long)n > to - from)
            n = (size_t)(to - from);
        for (size_t j = 0; j < n; j++)
            buf[j] = gen(from + (long)j);
        CHECK(send(fd, buf, n, 0) == (ssize_t)n);
        from += (long)n;
    }
}

static int client(void *arg)
{
    const struct client_args *a = arg;
    close(a->go[1]);
    unsigned char *buf = malloc(250000);
    CHECK(buf);
    int fd = connect_new(a->port);
    send_range(fd, 0, first_part(), buf);
    wait_byte(a->go[0]);
    send_range(fd, first_part(), first_part() + REST, buf);
    close(fd);
    free(buf);
    return 0;
}

/* Read exactly n bytes (blocking recvs) at stream offset `at`; returns the
 * number of bytes that do not match the stream (or -1 at an early EOF). */
static long read_chunk(int fd, long at, size_t n, unsigned char *buf)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = recv(fd, buf + got, n - got, 0);
        CHECK(r >= 0);
        if (r == 0)
            return -1;
        got += (size_t)r;
    }
    long bad = 0;
    for (size_t j = 0; j < n; j++)
        bad += buf[j] != gen(at + (long)j);
    return bad;
}

struct report {
    long bytes, chunks, bad, out_of_turn;
    int poll_empty, poll_wait, select_readable;
    long rest, rest_bad;
    int eof;
};

static int reader(void *arg)
{
    const struct reader_args *a = arg;
    close(a->turn[1]);
    close(a->back[0]);
    close(a->report[0]);
    close(a->closed[1]);
    unsigned char *buf = malloc(250000);
    CHECK(buf);
    struct report rep;
    memset(&rep, 0, sizeof rep);
    for (size_t i = 1; i < NCHUNK; i += 2) {
        long at;
        CHECK(read_full(a->turn[0], &at, sizeof at) == (ssize_t)sizeof at);
        long bad = read_chunk(a->sock, at, chunks[i], buf);
        if (bad < 0) {
            rep.out_of_turn++;
            bad = 0;
        }
        rep.bad += bad;
        rep.bytes += (long)chunks[i];
        rep.chunks++;
        at += (long)chunks[i];
        CHECK(write(a->back[1], &at, sizeof at) == (ssize_t)sizeof at);
    }
    /* First part consumed: nothing to read until the client goes on. */
    struct pollfd p = {.fd = a->sock, .events = POLLIN};
    CHECK(poll(&p, 1, 0) >= 0);
    rep.poll_empty = p.revents;
    send_byte(a->back[1], 'p');
    p.revents = 0;
    CHECK(poll(&p, 1, -1) == 1);
    rep.poll_wait = p.revents;
    fd_set r;
    FD_ZERO(&r);
    FD_SET(a->sock, &r);
    struct timeval tv = {0, 0};
    rep.select_readable = select(a->sock + 1, &r, NULL, NULL, &tv) == 1 && FD_ISSET(a->sock, &r);
    send_byte(a->back[1], 'w');
    wait_byte(a->closed[0]);
    /* Alone now: read the rest to EOF. */
    long at = first_part();
    for (;;) {
        ssize_t n = recv(a->sock, buf, 70000, 0);
        CHECK(n >= 0);
        if (n == 0) {
            rep.eof = 1;
            break;
        }
        for (ssize_t j = 0; j < n; j++)
            rep.rest_bad += buf[j] != gen(at + j);
        at += n;
        rep.rest += n;
    }
    CHECK(write(a->report[1], &rep, sizeof rep) == (ssize_t)sizeof rep);
    close(a->sock);
    free(buf);
    return 0;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGPIPE, SIG_IGN);
    unsigned char *buf = malloc(250000);
    CHECK(buf);
    in_port_t port;
    int ls = listen_loopback(&port, 4);
    C.port = port;
    CHECK(pipe(C.go) == 0);
    pid_t cp = shadowsel_spawn(3, client, &C);
    CHECK(cp > 0);
    close(C.go[0]);
    int s = accept(ls, NULL, NULL);
    CHECK(s >= 0);
    close(ls);

    R.sock = s;
    CHECK(pipe(R.turn) == 0 && pipe(R.back) == 0 && pipe(R.report) == 0 && pipe(R.closed) == 0);
    pid_t rp = shadowsel_spawn(1, reader, &R);
    CHECK(rp > 0);
    close(R.turn[0]);
    close(R.back[1]);
    close(R.report[1]);
    close(R.closed[0]);
    printf("connected socket shared with a reader on cpu 1\n");

    long at = 0, mine = 0, my_chunks = 0, my_bad = 0, early_eof = 0, handover_ok = 1;
    for (size_t i = 0; i < NCHUNK; i += 2) {
        long bad = read_chunk(s, at, chunks[i], buf);
        if (bad < 0) {
            early_eof++;
            bad = 0;
        }
        my_bad += bad;
        mine += (long)chunks[i];
        my_chunks++;
        at += (long)chunks[i];
        CHECK(write(R.turn[1], &at, sizeof at) == (ssize_t)sizeof at);
        long back;
        CHECK(read_full(R.back[0], &back, sizeof back) == (ssize_t)sizeof back);
        handover_ok &= back == at + (long)chunks[i + 1];
        at = back;
    }
    CHECK(wait_byte(R.back[0]) == 'p');
    poll_show("parent: first part consumed", s, POLLIN, 0);
    send_byte(C.go[1], 'g');
    CHECK(wait_byte(R.back[0]) == 'w');
    close(s);
    send_byte(R.closed[1], 'c');
    struct report rep;
    CHECK(read_full(R.report[0], &rep, sizeof rep) == (ssize_t)sizeof rep);
    reap(rp, "reader on cpu 1");
    reap(cp, "client on cpu 3");

    char b[64];
    printf("taking turns: parent read %ld bytes in %ld chunks, child %ld bytes in %ld chunks\n",
           mine, my_chunks, rep.bytes, rep.chunks);
    printf("each chunk continued the stream where the other stopped: %s\n",
           yesno(my_bad == 0 && rep.bad == 0 && handover_ok && !early_eof && !rep.out_of_turn));
    printf("child: poll (events POLLIN) once the first part is read: revents=0x%x %s\n",
           (unsigned)rep.poll_empty, pollbits(rep.poll_empty, b, sizeof b));
    printf("child: poll(-1) woken by more data: revents=0x%x %s\n", (unsigned)rep.poll_wait,
           pollbits(rep.poll_wait, b, sizeof b));
    printf("child: select readable: %s\n", yesno(rep.select_readable));
    printf("child alone after the parent's close: %ld bytes, in order: %s, EOF: %s\n", rep.rest,
           yesno(rep.rest_bad == 0), yesno(rep.eof));
    long sent = first_part() + REST;
    printf("total read by both = %ld, total sent = %ld\n", mine + rep.bytes + rep.rest, sent);
    printf("stream read exactly once, in order: %s\n",
           yesno(mine + rep.bytes + rep.rest == sent && my_bad == 0 && rep.bad == 0 &&
                 rep.rest_bad == 0 && handover_ok && rep.eof));
    free(buf);
    return 0;
}
