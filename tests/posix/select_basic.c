/* SPDX-License-Identifier: MIT
 * select_basic: one process, zero timeouts. Readiness of pipe ends (data,
 * empty, EOF, no reader), the count of ready bits across the three sets,
 * descriptors at or above nfds ignored, EBADF for a closed descriptor in a
 * set, EINVAL for a negative nfds and a negative timeout.
 */
#include <signal.h>
#include <stdio.h>
#include <sys/select.h>
#include <unistd.h>

#include "common.h"

static int maxfd;

static int sel(fd_set *r, fd_set *w, fd_set *e)
{
    struct timeval tv = {0, 0};
    return select(maxfd + 1, r, w, e, &tv);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGPIPE, SIG_IGN);
    int a[2], b[2], c[2], d[2];
    CHECK(pipe(a) == 0 && pipe(b) == 0 && pipe(c) == 0 && pipe(d) == 0);
    maxfd = d[1];
    fd_set r, w, e;

    printf("-- nothing ready --\n");
    FD_ZERO(&r);
    FD_SET(a[0], &r);
    FD_SET(b[0], &r);
    struct timeval tv = {0, 0};
    show("select(read {a0, b0}, timeout 0)", select(maxfd + 1, &r, NULL, NULL, &tv));
    printf("a0 set: %s, b0 set: %s, timeout still 0: %s\n", yesno(FD_ISSET(a[0], &r)),
           yesno(FD_ISSET(b[0], &r)), yesno(tv.tv_sec == 0 && tv.tv_usec == 0));
    show("select(0, NULL, NULL, NULL, timeout 0)", select(0, NULL, NULL, NULL, &tv));

    printf("-- counting ready bits --\n");
    CHECK(write(a[1], "x", 1) == 1);
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_ZERO(&e);
    FD_SET(a[0], &r);
    FD_SET(b[0], &r);
    FD_SET(a[1], &w);
    FD_SET(b[1], &w);
    FD_SET(a[0], &w); /* a read end is never writable */
    FD_SET(a[0], &e); /* pipes have no exceptional conditions */
    FD_SET(a[1], &e);
    show("select(read {a0, b0}, write {a1, b1, a0}, except {a0, a1})", sel(&r, &w, &e));
    printf("read: a0=%s b0=%s; write: a1=%s b1=%s a0=%s; except: a0=%s a1=%s\n",
           yesno(FD_ISSET(a[0], &r)), yesno(FD_ISSET(b[0], &r)), yesno(FD_ISSET(a[1], &w)),
           yesno(FD_ISSET(b[1], &w)), yesno(FD_ISSET(a[0], &w)), yesno(FD_ISSET(a[0], &e)),
           yesno(FD_ISSET(a[1], &e)));
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_SET(a[0], &r);
    FD_SET(a[1], &w);
    show("select(read {a0}, write {a1}): one fd in each set", sel(&r, &w, NULL));

    printf("-- nfds limits what is looked at --\n");
    FD_ZERO(&r);
    FD_SET(a[0], &r);
    tv.tv_sec = tv.tv_usec = 0;
    show("select(nfds = a0, read {a0})", select(a[0], &r, NULL, NULL, &tv));
    FD_ZERO(&r);
    FD_SET(a[0], &r);
    show("select(nfds = a0 + 1, read {a0})", select(a[0] + 1, &r, NULL, NULL, &tv));

    printf("-- EOF and no reader --\n");
    close(c[1]);
    close(d[0]);
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_ZERO(&e);
    FD_SET(c[0], &r);
    FD_SET(d[1], &w);
    show("select(read {c0 at EOF}, write {d1 without reader})", sel(&r, &w, NULL));
    printf("c0 readable: %s, d1 writable: %s\n", yesno(FD_ISSET(c[0], &r)), yesno(FD_ISSET(d[1], &w)));
    FD_ZERO(&r);
    FD_SET(d[1], &r);
    FD_SET(d[1], &e);
    show("select(read {d1 without reader}, except {d1})", sel(&r, NULL, &e));
    printf("d1 readable: %s, exceptional: %s\n", yesno(FD_ISSET(d[1], &r)), yesno(FD_ISSET(d[1], &e)));
    show("write(d1)", write(d[1], "x", 1));

    printf("-- errors --\n");
    FD_ZERO(&r);
    FD_SET(a[0], &r);
    FD_SET(c[1], &r); /* closed */
    show("select(read {a0, closed fd})", sel(&r, NULL, NULL));
    FD_ZERO(&e);
    FD_SET(d[0], &e); /* closed */
    show("select(except {closed fd})", sel(NULL, NULL, &e));
    FD_ZERO(&w);
    FD_SET(c[1], &w);
    tv.tv_sec = tv.tv_usec = 0;
    show("select(nfds = closed fd, write {closed fd}): not looked at",
         select(c[1], NULL, &w, NULL, &tv));
    FD_ZERO(&r);
    FD_SET(a[0], &r);
    tv.tv_sec = tv.tv_usec = 0;
    show("select(nfds = -1)", select(-1, &r, NULL, NULL, &tv));
    tv.tv_sec = -1;
    tv.tv_usec = 0;
    show("select(timeout {-1, 0})", select(maxfd + 1, &r, NULL, NULL, &tv));
    tv.tv_sec = 0;
    tv.tv_usec = -1;
    show("select(timeout {0, -1})", select(maxfd + 1, &r, NULL, NULL, &tv));

    close(a[0]);
    close(a[1]);
    close(b[0]);
    close(b[1]);
    close(c[0]);
    close(d[1]);
    return 0;
}
