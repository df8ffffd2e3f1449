/* SPDX-License-Identifier: MIT
 * pipe2_dup3: pipe2() with O_NONBLOCK (both ends non-blocking: EAGAIN on an
 * empty read, F_GETFL shows it) and O_CLOEXEC, its EINVAL for other flags;
 * dup3() onto an open descriptor (closes it, shares the description), its
 * EINVAL for oldfd == newfd and unknown flags, EBADF for a closed oldfd or a
 * newfd out of range; a child on another CPU reading a pipe2() pipe sees
 * EAGAIN, then the data, then EOF; time() agrees with its argument.
 */
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "shadowsel/posix/spawn.h"

/* p[0]: the non-blocking pipe's read end; p[1]: its write end; p[2]: where the
 * child tells the parent it has read (a byte each time); p[3]: where the parent
 * tells the child it has printed what it did, so that the two print in one order
 * natively too, however the host schedules them */
static int nonblock_child(void *arg)
{
    int *p = arg;
    char buf[16];
    close(p[1]);
    show("child: read(empty, O_NONBLOCK)", read(p[0], buf, sizeof buf));
    send_byte(p[2], 'r');
    for (;;) {
        long n = read(p[0], buf, sizeof buf);
        if (n < 0 && errno == EAGAIN) {
            usleep(1000);
            continue;
        }
        wait_byte(p[3]);
        printf("child: read -> %ld \"%.*s\"\n", n, (int)(n > 0 ? n : 0), buf);
        if (n <= 0)
            break;
        send_byte(p[2], 'r');
    }
    return 0;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int p[2], q[2];
    char buf[16];

    printf("-- pipe2 flags --\n");
    show("pipe2(O_NONBLOCK)", pipe2(p, O_NONBLOCK));
    printf("read end O_NONBLOCK: %s\n", yesno(fcntl(p[0], F_GETFL) & O_NONBLOCK));
    printf("write end O_NONBLOCK: %s\n", yesno(fcntl(p[1], F_GETFL) & O_NONBLOCK));
    show("read(empty)", read(p[0], buf, sizeof buf));
    show("pipe2(O_CLOEXEC)", pipe2(q, O_CLOEXEC));
    printf("read end O_NONBLOCK: %s\n", yesno(fcntl(q[0], F_GETFL) & O_NONBLOCK));
    show("pipe2(O_APPEND)", pipe2(q + 0, O_APPEND));
    show("pipe2(O_NONBLOCK | O_RDWR)", pipe2(q + 0, O_NONBLOCK | O_RDWR));

    printf("-- dup3 --\n");
    show("write(q[1], \"ab\")", write(q[1], "ab", 2));
    show("dup3(q[0], p[0], 0)", dup3(q[0], p[0], 0) == p[0] ? 0 : -1);
    long n = show("read(p[0]) now q's read end (blocking)", read(p[0], buf, sizeof buf));
    printf("data: \"%.*s\"\n", (int)(n > 0 ? n : 0), buf);
    printf("p[0] O_NONBLOCK (q's description): %s\n", yesno(fcntl(p[0], F_GETFL) & O_NONBLOCK));
    show("dup3(q[0], q[0], 0)", dup3(q[0], q[0], 0));
    show("dup3(q[0], p[0], O_NONBLOCK)", dup3(q[0], p[0], O_NONBLOCK));
    show("dup3(q[0], p[0], O_CLOEXEC)", dup3(q[0], p[0], O_CLOEXEC) == p[0] ? 0 : -1);
    show("dup3(closed, p[0], 0)", dup3(1000, p[0], 0));
    show("dup3(q[0], -1, 0)", dup3(q[0], -1, 0));
    show("dup3(q[0], 1 << 20, 0)", dup3(q[0], 1 << 20, 0));
    show("dup3(-1, -1, 0)", dup3(-1, -1, 0));
    close(p[0]);
    close(p[1]);
    close(q[0]);
    close(q[1]);

    printf("-- a child on another CPU reads a non-blocking pipe --\n");
    int c[4], ack[2], go[2];
    CHECK(pipe2(c, O_NONBLOCK) == 0);
    CHECK(pipe(ack) == 0);
    CHECK(pipe(go) == 0);
    c[2] = ack[1];
    c[3] = go[0];
    pid_t pid = shadowsel_spawn(1, nonblock_child, c);
    CHECK(pid > 0);
    close(ack[1]);
    close(go[0]);
    wait_byte(ack[0]);
    show("write(\"xy\")", write(c[1], "xy", 2));
    send_byte(go[1], 'g');
    wait_byte(ack[0]);
    show("close(write end)", close(c[1]));
    send_byte(go[1], 'g');
    reap(pid, "child");
    close(c[0]);
    close(ack[0]);
    close(go[1]);

    printf("-- time --\n");
    time_t t = 0;
    time_t r = time(&t);
    printf("time(&t) == t: %s, positive: %s\n", yesno(r == t), yesno(r >= 0));
    return 0;
}
