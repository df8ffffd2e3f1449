/* SPDX-License-Identifier: MIT
 * poll_basic: POLLIN and POLLOUT on pipe ends, the return count, events the
 * pipe never has (POLLPRI), POLLRDNORM, events = 0, a negative fd (ignored),
 * a closed fd (POLLNVAL, counted), timeout 0, a finite timeout that expires,
 * timeout -1 woken by a writer on CPU 1, and poll with no descriptors.
 */
#include <poll.h>
#include <stdio.h>
#include <unistd.h>

#include "common.h"
#include "shadowsel/posix/spawn.h"

static int late_writer(void *arg)
{
    const int *p = arg;
    close(p[0]);
    usleep(50000);
    return write(p[1], "w", 1) == 1 ? 0 : 1;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int a[2], b[2], c[2];
    CHECK(pipe(a) == 0 && pipe(b) == 0 && pipe(c) == 0);
    CHECK(write(a[1], "x", 1) == 1);
    close(c[0]);
    close(c[1]);

    struct pollfd p[8] = {
        {.fd = a[0], .events = POLLIN},            /* data */
        {.fd = b[0], .events = POLLIN},            /* empty */
        {.fd = a[1], .events = POLLOUT},           /* writable */
        {.fd = a[0], .events = POLLIN | POLLOUT},  /* read end: no POLLOUT */
        {.fd = a[0], .events = POLLPRI},           /* never on a pipe */
        {.fd = a[0], .events = 0},                 /* nothing asked */
        {.fd = -1, .events = POLLIN},              /* ignored */
        {.fd = c[0], .events = POLLIN},            /* closed */
    };
    static const char *const what[8] = {
        "a0 POLLIN (data)", "b0 POLLIN (empty)", "a1 POLLOUT", "a0 POLLIN|POLLOUT",
        "a0 POLLPRI", "a0 events=0", "fd -1 POLLIN", "closed fd POLLIN",
    };
    for (int i = 0; i < 8; i++)
        p[i].revents = (short)0x7fff; /* poll must overwrite every revents */
    show("poll(8 entries, timeout 0)", poll(p, 8, 0));
    for (int i = 0; i < 8; i++)
        show_revents(what[i], p[i].revents);

    struct pollfd q[3] = {
        {.fd = a[0], .events = POLLRDNORM},
        {.fd = a[1], .events = POLLWRNORM},
        {.fd = c[0], .events = 0},
    };
    show("poll(POLLRDNORM, POLLWRNORM, closed fd with events=0)", poll(q, 3, 0));
    show_revents("a0 POLLRDNORM", q[0].revents);
    show_revents("a1 POLLWRNORM", q[1].revents);
    show_revents("closed fd events=0", q[2].revents);

    printf("-- timeouts --\n");
    struct pollfd e = {.fd = b[0], .events = POLLIN};
    long long t0 = now_us();
    show("poll(empty pipe, 0)", poll(&e, 1, 0));
    printf("returned within 500 ms: %s\n", yesno(now_us() - t0 < 500000));
    t0 = now_us();
    show("poll(empty pipe, 150)", poll(&e, 1, 150));
    printf("elapsed >= 150 ms: %s\n", yesno(now_us() - t0 >= 150000));
    show_revents("b0", e.revents);
    t0 = now_us();
    show("poll(NULL, 0, 100)", poll(NULL, 0, 100));
    printf("elapsed >= 100 ms: %s\n", yesno(now_us() - t0 >= 100000));

    printf("-- timeout -1, writer on cpu 1 after 50 ms --\n");
    static int w[2];
    CHECK(pipe(w) == 0);
    t0 = now_us();
    pid_t child = shadowsel_spawn(1, late_writer, w);
    CHECK(child > 0);
    struct pollfd r = {.fd = w[0], .events = POLLIN};
    show("poll(pipe, -1)", poll(&r, 1, -1));
    printf("elapsed >= 50 ms: %s\n", yesno(now_us() - t0 >= 50000));
    show_revents("pipe", r.revents);
    reap(child, "writer on cpu 1");
    close(w[1]); /* kept open until now: no POLLHUP when the child exits early */

    close(a[0]);
    close(a[1]);
    close(b[0]);
    close(b[1]);
    close(w[0]);
    return 0;
}
