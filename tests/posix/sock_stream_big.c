/* SPDX-License-Identifier: MIT
 * sock_stream_big: bulk TCP transfers between CPU 1 and CPU 0. First 4 MiB
 * from a child on CPU 1 with blocking sends of varied sizes, read by the
 * parent with blocking recvs of other sizes; the bytes are checked against
 * the generator. Then 1 MiB each way at once on a second connection: both
 * sides non-blocking, driven by poll (neither can block on a full buffer
 * while the other does), SHUT_WR when done, reading until EOF. Only totals
 * and "matches" are printed: chunking and buffer sizes vary between runs.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "shadowsel/posix/spawn.h"
#include "sock_common.h"

#define ONE_WAY (4L << 20)
#define BOTH_WAYS (1L << 20)

static const size_t write_sizes[] = {1, 4096, 7, 65536, 1000, 123457, 3, 8192, 1460, 250000, 17, 32768};
static const size_t read_sizes[] = {4096, 1, 100000, 13, 65536, 999, 2, 16384, 7777, 300000};
#define NW (sizeof write_sizes / sizeof write_sizes[0])
#define NR (sizeof read_sizes / sizeof read_sizes[0])

/* Byte `i` of stream `k`. */
static unsigned char gen(int k, long i)
{
    unsigned long x = (unsigned long)i * 2654435761UL + (unsigned long)k * 40503UL;
    return (unsigned char)((x >> 11) ^ (x >> 23) ^ (unsigned long)i);
}

static void fill(unsigned char *buf, int k, long from, size_t n)
{
    for (size_t j = 0; j < n; j++)
        buf[j] = gen(k, from + (long)j);
}

static long mismatches(const unsigned char *buf, int k, long from, size_t n)
{
    long bad = 0;
    for (size_t j = 0; j < n; j++)
        bad += buf[j] != gen(k, from + (long)j);
    return bad;
}

struct args { in_port_t port; int listener; };
static struct args A;

/* Both directions on a non-blocking socket: send stream `out_k` (total
 * bytes), receive and check stream `in_k` until EOF. Returns the mismatch
 * count; *got gets the bytes received. */
static long both_ways(int fd, int out_k, int in_k, long total, long *got)
{
    unsigned char *out = malloc(300000), *in = malloc(300000);
    CHECK(out && in);
    long sent = 0, bad = 0;
    size_t wi = (size_t)out_k, ri = (size_t)in_k;
    int eof = 0, shut = 0;
    *got = 0;
    for (;;) {
        if (sent == total && !shut) {
            CHECK(shutdown(fd, SHUT_WR) == 0);
            shut = 1;
        }
        if (eof && shut)
            break;
        struct pollfd p = {.fd = fd, .events = (eof ? 0 : POLLIN) | (shut ? 0 : POLLOUT)};
        CHECK(poll(&p, 1, -1) == 1);
        CHECK(!(p.revents & (POLLERR | POLLNVAL)));
        if (!shut && (p.revents & POLLOUT)) {
            size_t n = write_sizes[wi++ % NW];
            if ((long)n > total - sent)
                n = (size_t)(total - sent);
            fill(out, out_k, sent, n);
            ssize_t w = send(fd, out, n, 0);
            CHECK(w > 0 || (w < 0 && errno == EAGAIN));
            if (w > 0)
                sent += w;
        }
        if (!eof && (p.revents & (POLLIN | POLLHUP))) {
            size_t n = read_sizes[ri++ % NR];
            ssize_t r = recv(fd, in, n, 0);
            CHECK(r >= 0 || errno == EAGAIN);
            if (r == 0)
                eof = 1;
            if (r > 0) {
                bad += mismatches(in, in_k, *got, (size_t)r);
                *got += r;
            }
        }
    }
    free(out);
    free(in);
    return bad;
}

static int child(void *arg)
{
    const struct args *a = arg;
    close(a->listener);

    /* One way: blocking sends of varied sizes. */
    int fd = connect_new(a->port);
    unsigned char *buf = malloc(300000);
    CHECK(buf != NULL);
    long sent = 0;
    for (size_t i = 0; sent < ONE_WAY; i++) {
        size_t n = write_sizes[i % NW];
        if ((long)n > ONE_WAY - sent)
            n = (size_t)(ONE_WAY - sent);
        fill(buf, 1, sent, n);
        CHECK(write_full(fd, buf, n) == (ssize_t)n);
        sent += (long)n;
    }
    free(buf);
    close(fd);

    /* Both ways. */
    fd = connect_new(a->port);
    CHECK(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0);
    long got;
    long bad = both_ways(fd, 2, 3, BOTH_WAYS, &got);
    close(fd);
    return bad == 0 && got == BOTH_WAYS ? 0 : 1;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGPIPE, SIG_IGN);
    A.listener = listen_loopback(&A.port, 4);
    pid_t c = shadowsel_spawn(1, child, &A);
    CHECK(c > 0);

    printf("-- %ld bytes from cpu 1, blocking --\n", ONE_WAY);
    int s = accept(A.listener, NULL, NULL);
    CHECK(s >= 0);
    unsigned char *buf = malloc(300000);
    CHECK(buf != NULL);
    long got = 0, bad = 0, reads = 0;
    for (size_t i = 0;; i++) {
        ssize_t r = recv(s, buf, read_sizes[i % NR], 0);
        CHECK(r >= 0);
        if (r == 0)
            break;
        bad += mismatches(buf, 1, got, (size_t)r);
        got += r;
        reads++;
    }
    free(buf);
    close(s);
    printf("received %ld bytes, then EOF\n", got);
    printf("checksum matches: %s\n", yesno(bad == 0 && got == ONE_WAY));
    printf("more than one recv: %s\n", yesno(reads > 1));

    printf("-- %ld bytes each way at once, poll-driven --\n", BOTH_WAYS);
    s = accept(A.listener, NULL, NULL);
    CHECK(s >= 0);
    CHECK(fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK) == 0);
    bad = both_ways(s, 3, 2, BOTH_WAYS, &got);
    close(s);
    printf("cpu 0 received %ld bytes, then EOF\n", got);
    printf("checksum matches: %s\n", yesno(bad == 0 && got == BOTH_WAYS));
    reap(c, "cpu 1 (0: its data matched too)");
    close(A.listener);
    return 0;
}
