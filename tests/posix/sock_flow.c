/* SPDX-License-Identifier: MIT
 * sock_flow: TCP flow control between a sender on CPU 1 and a receiver on
 * CPU 2 (it accepts on an inherited listener); the parent on CPU 0 relays
 * and prints. First the sender fills a non-blocking connection until EAGAIN
 * and until poll (POLLOUT, 200 ms) stays quiet: no POLLOUT while the
 * receiver reads nothing (the count depends on buffer sizes and is never
 * printed). The receiver then drains; the sender's poll(POLLOUT, -1) wakes,
 * it shuts down its side, and the receiver, reading to EOF, gets exactly
 * what was sent. Then a blocking send of 1 MiB to a receiver that reads 64
 * KiB pieces, one per pipe handshake with the parent, completes in full.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "shadowsel/posix/spawn.h"
#include "sock_common.h"

#define BIG (1L << 20)
#define PIECE 65536L
#define CHUNK 65536

static unsigned char gen(long i)
{
    unsigned long x = (unsigned long)i * 2654435761UL;
    return (unsigned char)((x >> 13) ^ (x >> 24) ^ (unsigned long)i);
}

struct args { in_port_t port; int listener; int cmd[2], rep[2]; };
static struct args S, R;

struct sender_report {
    int eagain, quiet_revents, woken_revents;
    long sent;
    long big_ret;
    int big_errno;
};

/* Non-blocking sends from *sent on, until EAGAIN. */
static void fill(int fd, unsigned char *buf, long *sent, int *eagain)
{
    for (;;) {
        for (long j = 0; j < CHUNK; j++)
            buf[j] = gen(*sent + j);
        ssize_t n = send(fd, buf, CHUNK, 0);
        if (n < 0) {
            CHECK(errno == EAGAIN);
            *eagain = 1;
            return;
        }
        *sent += n;
    }
}

static int sender(void *arg)
{
    const struct args *a = arg;
    close(a->listener);
    close(a->cmd[1]);
    close(a->rep[0]);
    unsigned char *buf = malloc(BIG);
    CHECK(buf);
    struct sender_report r;
    memset(&r, 0, sizeof r);

    int fd = connect_new(a->port);
    CHECK(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0);
    /* Fill until EAGAIN, and again whenever room comes back (late ACKs),
     * until 200 ms pass without POLLOUT. */
    for (;;) {
        fill(fd, buf, &r.sent, &r.eagain);
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int n = poll(&p, 1, 200);
        CHECK(n >= 0);
        if (n == 0)
            break;
    }
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    CHECK(poll(&p, 1, 0) >= 0);
    r.quiet_revents = p.revents;
    send_byte(a->rep[1], 'f');
    p.revents = 0;
    CHECK(poll(&p, 1, -1) == 1);
    r.woken_revents = p.revents;
    CHECK(shutdown(fd, SHUT_WR) == 0);
    send_byte(a->rep[1], 'w');
    wait_byte(a->cmd[0]);
    close(fd);

    /* A blocking send of 1 MiB. */
    fd = connect_new(a->port);
    for (long j = 0; j < BIG; j++)
        buf[j] = gen(j);
    r.big_ret = send(fd, buf, BIG, 0);
    r.big_errno = r.big_ret < 0 ? errno : 0;
    close(fd);
    CHECK(write(a->rep[1], &r, sizeof r) == (ssize_t)sizeof r);
    free(buf);
    return 0;
}

struct receiver_report { long got, bad; int eof; long big_got, big_bad, pieces; int big_eof; };

static int receiver(void *arg)
{
    const struct args *a = arg;
    close(a->cmd[1]);
    close(a->rep[0]);
    unsigned char *buf = malloc(PIECE);
    CHECK(buf);
    struct receiver_report r;
    memset(&r, 0, sizeof r);

    int s = accept(a->listener, NULL, NULL);
    CHECK(s >= 0);
    wait_byte(a->cmd[0]);
    for (;;) {
        ssize_t n = recv(s, buf, PIECE, 0);
        CHECK(n >= 0);
        if (n == 0) {
            r.eof = 1;
            break;
        }
        for (ssize_t j = 0; j < n; j++)
            r.bad += buf[j] != gen(r.got + j);
        r.got += n;
    }
    close(s);

    s = accept(a->listener, NULL, NULL);
    CHECK(s >= 0);
    close(a->listener);
    for (;;) {
        /* One piece per handshake: wait for the go, read PIECE bytes. */
        wait_byte(a->cmd[0]);
        ssize_t got = read_full(s, buf, PIECE);
        CHECK(got >= 0);
        for (ssize_t j = 0; j < got; j++)
            r.big_bad += buf[j] != gen(r.big_got + j);
        r.big_got += got;
        if (got < PIECE) {
            r.big_eof = 1;
            send_byte(a->rep[1], 'e');
            break;
        }
        r.pieces++;
        send_byte(a->rep[1], 'k');
    }
    close(s);
    CHECK(write(a->rep[1], &r, sizeof r) == (ssize_t)sizeof r);
    free(buf);
    return 0;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGPIPE, SIG_IGN);
    in_port_t port;
    int ls = listen_loopback(&port, 4);
    struct args *as[2] = {&R, &S};
    for (int i = 0; i < 2; i++) {
        as[i]->port = port;
        as[i]->listener = ls;
        CHECK(pipe(as[i]->cmd) == 0 && pipe(as[i]->rep) == 0);
    }
    pid_t rp = shadowsel_spawn(2, receiver, &R);
    CHECK(rp > 0);
    pid_t sp = shadowsel_spawn(1, sender, &S);
    CHECK(sp > 0);
    for (int i = 0; i < 2; i++) {
        close(as[i]->cmd[0]);
        close(as[i]->rep[1]);
    }
    close(ls);

    printf("-- fill a non-blocking connection, then drain it --\n");
    CHECK(wait_byte(S.rep[0]) == 'f');
    printf("sender on cpu 1 filled the connection\n");
    send_byte(R.cmd[1], 'd');
    CHECK(wait_byte(S.rep[0]) == 'w');
    send_byte(S.cmd[1], 'n');

    printf("-- a blocking 1 MiB send, read in %ld-byte pieces --\n", PIECE);
    long pieces = 0;
    for (;;) {
        usleep(2000);
        send_byte(R.cmd[1], 'g');
        char c = wait_byte(R.rep[0]);
        if (c != 'k') {
            CHECK(c == 'e');
            break;
        }
        pieces++;
    }
    struct receiver_report rr;
    struct sender_report sr;
    CHECK(read_full(R.rep[0], &rr, sizeof rr) == (ssize_t)sizeof rr);
    CHECK(read_full(S.rep[0], &sr, sizeof sr) == (ssize_t)sizeof sr);
    reap(sp, "sender on cpu 1");
    reap(rp, "receiver on cpu 2");

    char b[64];
    printf("first connection:\n");
    printf("  sender: a send failed with EAGAIN: %s\n", yesno(sr.eagain));
    printf("  sender: poll (events POLLOUT) once full: revents=0x%x %s\n", (unsigned)sr.quiet_revents,
           pollbits(sr.quiet_revents, b, sizeof b));
    printf("  sender: poll(POLLOUT, -1) woken by the drain: revents=0x%x %s\n",
           (unsigned)sr.woken_revents, pollbits(sr.woken_revents, b, sizeof b));
    printf("  receiver: EOF after the sender's shutdown: %s\n", yesno(rr.eof));
    printf("  total received = total sent: %s\n", yesno(rr.got == sr.sent && sr.sent > 0));
    printf("  bytes in order: %s\n", yesno(rr.bad == 0));
    printf("second connection:\n");
    if (sr.big_ret < 0)
        printf("  blocking send of 1 MiB = -1 %s\n", errname(sr.big_errno));
    else
        printf("  blocking send of 1 MiB = %ld\n", sr.big_ret);
    printf("  receiver: %ld full pieces (handshakes %ld), %ld bytes, EOF: %s, in order: %s\n",
           rr.pieces, pieces, rr.big_got, yesno(rr.big_eof), yesno(rr.big_bad == 0));
    return 0;
}
