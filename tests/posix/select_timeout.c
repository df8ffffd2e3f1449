/* SPDX-License-Identifier: MIT
 * select_timeout: NULL, zero and finite timeouts. A NULL timeout waits for a
 * writer on CPU 1; an expired timeout returns 0 after at least the time given
 * and leaves the struct zeroed; an early wake-up (a writer on CPU 2) leaves
 * the remaining time in it, positive and less than given; select with no
 * descriptors sleeps.
 */
#include <stdio.h>
#include <sys/select.h>
#include <unistd.h>

#include "common.h"
#include "shadowsel/posix/spawn.h"

struct job { int fd; int delay_us; };

static int late_writer(void *arg)
{
    const struct job *j = arg;
    usleep(j->delay_us);
    return write(j->fd, "w", 1) == 1 ? 0 : 1;
}

static int wait_readable(int fd, struct timeval *tv)
{
    fd_set r;
    FD_ZERO(&r);
    FD_SET(fd, &r);
    int n = select(fd + 1, &r, NULL, NULL, tv);
    if (n == 1 && !FD_ISSET(fd, &r))
        return -2;
    return n;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    static int p[2];
    char c;
    CHECK(pipe(p) == 0);

    printf("-- zero timeout --\n");
    struct timeval tv = {0, 0};
    long long t0 = now_us();
    show("select(empty pipe, {0, 0})", wait_readable(p[0], &tv));
    printf("returned within 500 ms: %s, struct still zero: %s\n", yesno(now_us() - t0 < 500000),
           yesno(tv.tv_sec == 0 && tv.tv_usec == 0));

    printf("-- finite timeout expires --\n");
    tv.tv_sec = 0;
    tv.tv_usec = 150000;
    t0 = now_us();
    show("select(empty pipe, {0, 150000})", wait_readable(p[0], &tv));
    printf("elapsed >= 150 ms: %s, struct zeroed: %s\n", yesno(now_us() - t0 >= 150000),
           yesno(tv.tv_sec == 0 && tv.tv_usec == 0));
    tv.tv_sec = 1;
    tv.tv_usec = 0;
    CHECK(write(p[1], "r", 1) == 1);
    show("select(ready pipe, {1, 0})", wait_readable(p[0], &tv));
    printf("remaining > 0.9 s: %s, remaining <= 1 s: %s\n",
           yesno(tv.tv_sec == 0 && tv.tv_usec > 900000), yesno(tv.tv_sec == 0 || (tv.tv_sec == 1 && tv.tv_usec == 0)));
    CHECK(read(p[0], &c, 1) == 1);

    printf("-- NULL timeout, writer on cpu 1 after 50 ms --\n");
    static struct job j1;
    j1.fd = p[1];
    j1.delay_us = 50000;
    t0 = now_us();
    pid_t w1 = shadowsel_spawn(1, late_writer, &j1);
    CHECK(w1 > 0);
    show("select(pipe, NULL)", wait_readable(p[0], NULL));
    printf("elapsed >= 50 ms: %s\n", yesno(now_us() - t0 >= 50000));
    CHECK(read(p[0], &c, 1) == 1);
    reap(w1, "writer on cpu 1");

    printf("-- early wake-up, writer on cpu 2 after 100 ms, timeout 5 s --\n");
    static struct job j2;
    j2.fd = p[1];
    j2.delay_us = 100000;
    t0 = now_us();
    pid_t w2 = shadowsel_spawn(2, late_writer, &j2);
    CHECK(w2 > 0);
    tv.tv_sec = 5;
    tv.tv_usec = 0;
    show("select(pipe, {5, 0})", wait_readable(p[0], &tv));
    long long elapsed = now_us() - t0;
    long long left = (long long)tv.tv_sec * 1000000 + tv.tv_usec;
    printf("elapsed >= 100 ms: %s, elapsed < 4 s: %s\n", yesno(elapsed >= 100000), yesno(elapsed < 4000000));
    printf("remaining > 0: %s, remaining < 5 s: %s, remaining > 1 s: %s, tv_usec < 1000000: %s\n",
           yesno(left > 0), yesno(left < 5000000), yesno(left > 1000000), yesno(tv.tv_usec < 1000000));
    CHECK(read(p[0], &c, 1) == 1);
    reap(w2, "writer on cpu 2");

    printf("-- select as a sleep --\n");
    tv.tv_sec = 0;
    tv.tv_usec = 120000;
    t0 = now_us();
    show("select(0, NULL, NULL, NULL, {0, 120000})", select(0, NULL, NULL, NULL, &tv));
    printf("elapsed >= 120 ms: %s, struct zeroed: %s\n", yesno(now_us() - t0 >= 120000),
           yesno(tv.tv_sec == 0 && tv.tv_usec == 0));
    tv.tv_sec = 0;
    tv.tv_usec = 1500000; /* more than a second in tv_usec: normalised, not EINVAL */
    CHECK(write(p[1], "r", 1) == 1);
    show("select(ready pipe, {0, 1500000})", wait_readable(p[0], &tv));
    printf("remaining > 1 s: %s\n", yesno((long long)tv.tv_sec * 1000000 + tv.tv_usec > 1000000));
    close(p[0]);
    close(p[1]);
    return 0;
}
