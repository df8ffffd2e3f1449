/* SPDX-License-Identifier: MIT
 * ppoll and pselect with a signal mask for the wait: SIGUSR1 is blocked except during
 * the call. A SIGUSR1 pending before the call is delivered inside it (EINTR, the
 * handler has run, SIGUSR1 blocked again after); with a descriptor ready the call
 * returns its count instead and the signal stays pending; timeout 0 gives EINTR too; a
 * SIGUSR1 from a child on CPU 1 ends the wait while SIGUSR2, blocked by the caller and
 * by the call's mask, stays pending until a pselect's mask lets it through; the timeout is not written back (glibc passes a copy); EINVAL.
 */
#include "common.h"
#include "shadowsel/posix/spawn.h"

static volatile sig_atomic_t usr1_seen, usr2_seen;

static void on_usr1(int sig)
{
    (void)sig;
    usr1_seen++;
}

static void on_usr2(int sig)
{
    (void)sig;
    usr2_seen++;
}

static void show_state(const char *label)
{
    sigset_t cur, pend;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    sigpending(&pend);
    printf("%s: usr1 handled %d, SIGUSR1 blocked %s, pending %s\n", label, (int)usr1_seen,
           yesno(sigismember(&cur, SIGUSR1)), yesno(sigismember(&pend, SIGUSR1)));
}

static void show_call(const char *label, int r)
{
    int e = errno;
    if (r < 0)
        printf("%s = -1 %s\n", label, errname(e));
    else
        printf("%s = %d\n", label, r);
}

static int signaller(void *arg)
{
    int go = *(int *)arg;
    wait_byte(go);
    pid_t parent = getppid();
    CHECK(kill(parent, SIGUSR2) == 0);
    CHECK(kill(parent, SIGUSR1) == 0);
    return 0;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_usr1;
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
    sa.sa_handler = on_usr2;
    CHECK(sigaction(SIGUSR2, &sa, NULL) == 0);

    sigset_t usr1, during;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    CHECK(sigprocmask(SIG_BLOCK, &usr1, NULL) == 0);
    sigemptyset(&during); /* everything open during the wait */

    int p[2];
    CHECK(pipe(p) == 0);
    struct pollfd pfd = {p[0], POLLIN, 0};
    struct timespec ts = {1, 500000000};

    /* ppoll: pending before the call, nothing ready */
    CHECK(raise(SIGUSR1) == 0);
    show_state("before ppoll");
    show_call("ppoll (nothing ready)", ppoll(&pfd, 1, &ts, &during));
    show_state("after ppoll");
    printf("timeout after: %ld s %ld ns\n", (long)ts.tv_sec, ts.tv_nsec);

    /* ppoll: pending, but a descriptor is ready: the count, the signal stays pending */
    CHECK(raise(SIGUSR1) == 0);
    send_byte(p[1], 'x');
    show_call("ppoll (data ready)", ppoll(&pfd, 1, &ts, &during));
    show_revents("revents", pfd.revents);
    show_state("after ppoll");
    CHECK(sigprocmask(SIG_UNBLOCK, &usr1, NULL) == 0);
    show_state("unblocked");
    CHECK(sigprocmask(SIG_BLOCK, &usr1, NULL) == 0);
    wait_byte(p[0]);

    /* ppoll with timeout 0 */
    struct timespec zero = {0, 0};
    CHECK(raise(SIGUSR1) == 0);
    show_call("ppoll (timeout 0)", ppoll(&pfd, 1, &zero, &during));
    show_state("after ppoll");
    show_call("ppoll (timeout 0, no signal)", ppoll(&pfd, 1, &zero, &during));

    /* ppoll with no mask is poll */
    CHECK(raise(SIGUSR1) == 0);
    show_call("ppoll (no mask, timeout 0)", ppoll(&pfd, 1, &zero, NULL));
    show_state("after ppoll");
    CHECK(sigprocmask(SIG_UNBLOCK, &usr1, NULL) == 0);
    CHECK(sigprocmask(SIG_BLOCK, &usr1, NULL) == 0);
    show_state("unblocked and blocked again");

    /* pselect, the same cases */
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    CHECK(raise(SIGUSR1) == 0);
    show_call("pselect (nothing ready)", pselect(p[0] + 1, &r, NULL, NULL, &ts, &during));
    show_state("after pselect");
    printf("timeout after: %ld s %ld ns\n", (long)ts.tv_sec, ts.tv_nsec);
    CHECK(raise(SIGUSR1) == 0);
    send_byte(p[1], 'y');
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    show_call("pselect (data ready)", pselect(p[0] + 1, &r, NULL, NULL, &ts, &during));
    printf("readable: %s\n", yesno(FD_ISSET(p[0], &r)));
    show_state("after pselect");
    CHECK(sigprocmask(SIG_UNBLOCK, &usr1, NULL) == 0);
    CHECK(sigprocmask(SIG_BLOCK, &usr1, NULL) == 0);
    wait_byte(p[0]);
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    CHECK(raise(SIGUSR1) == 0);
    show_call("pselect (timeout 0)", pselect(p[0] + 1, &r, NULL, NULL, &zero, &during));
    show_state("after pselect");

    /* a signal from CPU 1 during the wait; SIGUSR2 is blocked by the call's mask too */
    sigset_t only_usr2;
    sigemptyset(&only_usr2);
    sigaddset(&only_usr2, SIGUSR2);
    CHECK(sigprocmask(SIG_BLOCK, &only_usr2, NULL) == 0);
    int go[2];
    CHECK(pipe(go) == 0);
    pid_t c = shadowsel_spawn(1, signaller, &go[0]);
    CHECK(c > 0);
    send_byte(go[1], 'g');
    struct timespec long_ts = {10, 0};
    long long t0 = now_us();
    show_call("ppoll (signal from CPU 1)", ppoll(&pfd, 1, &long_ts, &only_usr2));
    printf("ended early: %s\n", yesno(now_us() - t0 < 5000000));
    printf("usr2 handled %d\n", (int)usr2_seen);
    sigset_t pend;
    sigpending(&pend);
    printf("SIGUSR2 pending: %s\n", yesno(sigismember(&pend, SIGUSR2)));
    reap(c, "signaller");
    show_call("pselect (SIGUSR2 unblocked, timeout 0)", pselect(0, NULL, NULL, NULL, &zero, &during));
    printf("usr2 handled %d\n", (int)usr2_seen);

    /* bad timeouts: EINVAL, the mask untouched */
    struct timespec bad = {0, 1000000000};
    show_call("ppoll (tv_nsec 1e9)", ppoll(&pfd, 1, &bad, &during));
    struct timespec neg = {-1, 0};
    show_call("pselect (tv_sec -1)", pselect(p[0] + 1, &r, NULL, NULL, &neg, &during));
    show_call("pselect (nfds -1)", pselect(-1, NULL, NULL, NULL, &zero, &during));
    show_state("end");
    return 0;
}
