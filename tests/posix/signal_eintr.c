/* SPDX-License-Identifier: MIT
 * signal_eintr: a handled SIGALRM interrupts a blocking select() (EINTR, time
 * left written back), a blocking pipe read() without SA_RESTART (EINTR) and,
 * with SA_RESTART, the read is made again and returns the data a child on
 * another CPU writes later, while select() is still interrupted (never
 * restarted); nanosleep() returns EINTR with the time left; sleep() returns
 * the seconds left; SA_RESETHAND puts SIG_DFL back; sigaction() reports the
 * previous disposition; a blocked signal stays pending (sigpending) until
 * unblocked, then its handler runs before sigprocmask() returns.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "shadowsel/posix/spawn.h"

static volatile sig_atomic_t hits;
static void on_alarm(int sig)
{
    (void)sig;
    ++hits;
}

static void handle(int flags) { catch_signal(SIGALRM, on_alarm, flags); }

/* writes "late" into the pipe after 300 ms */
static int late_writer(void *arg)
{
    int *p = arg;
    close(p[0]);
    usleep(300000);
    CHECK(write(p[1], "late", 4) == 4);
    return 0;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int p[2];
    char buf[16];
    CHECK(pipe(p) == 0);

    printf("-- select interrupted --\n");
    handle(0);
    hits = 0;
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    struct timeval tv = {2, 0};
    alarm(1);
    show("select(pipe, 2 s) with alarm(1)", select(p[0] + 1, &r, NULL, NULL, &tv));
    printf("handler ran: %d, time left between 0.5 and 1.5 s: %s\n", (int)hits,
           yesno(tv.tv_sec * 1000000L + tv.tv_usec > 500000 && tv.tv_sec * 1000000L + tv.tv_usec < 1500000));

    printf("-- read interrupted (no SA_RESTART) --\n");
    hits = 0;
    alarm(1);
    show("read(empty pipe)", read(p[0], buf, sizeof buf));
    printf("handler ran: %d\n", (int)hits);

    printf("-- SA_RESTART: read made again, select not --\n");
    handle(SA_RESTART);
    hits = 0;
    struct itimerval it = {{0, 0}, {0, 100000}};
    CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
    pid_t pid = shadowsel_spawn(1, late_writer, p);
    CHECK(pid > 0);
    long n = show("read(pipe) across the alarm", read(p[0], buf, sizeof buf));
    printf("data: \"%.*s\", handler ran: %d\n", (int)(n > 0 ? n : 0), buf, (int)hits);
    reap(pid, "writer");
    hits = 0;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    tv.tv_sec = 2;
    tv.tv_usec = 0;
    alarm(1);
    show("select(pipe, 2 s) with SA_RESTART", select(p[0] + 1, &r, NULL, NULL, &tv));
    printf("handler ran: %d\n", (int)hits);

    printf("-- nanosleep and sleep --\n");
    hits = 0;
    struct timespec req = {3, 0}, rem = {0, 0};
    alarm(1);
    show("nanosleep(3 s) with alarm(1)", nanosleep(&req, &rem));
    printf("time left about 2 s: %s, handler ran: %d\n", yesno(rem.tv_sec == 1 || rem.tv_sec == 2), (int)hits);
    alarm(1);
    unsigned int left = sleep(5);
    printf("sleep(5) with alarm(1) returns 3 or 4 (whole seconds not slept): %s\n", yesno(left == 3 || left == 4));
    printf("alarm(0) after it fired: %u\n", alarm(0));
    alarm(10);
    printf("alarm(0) with 10 s left: %u\n", alarm(0));

    printf("-- SA_RESETHAND, previous disposition --\n");
    handle(SA_RESETHAND);
    struct sigaction old;
    CHECK(sigaction(SIGALRM, NULL, &old) == 0);
    printf("handler installed: %s, SA_RESETHAND: %s\n", yesno(old.sa_handler == on_alarm),
           yesno((old.sa_flags & SA_RESETHAND) != 0));
    hits = 0;
    raise(SIGALRM);
    printf("raise: handler ran: %d\n", (int)hits);
    CHECK(sigaction(SIGALRM, NULL, &old) == 0);
    printf("after it ran: SIG_DFL: %s\n", yesno(old.sa_handler == SIG_DFL));

    printf("-- blocked signal --\n");
    handle(0);
    hits = 0;
    sigset_t set, pend;
    sigemptyset(&set);
    sigaddset(&set, SIGALRM);
    CHECK(sigprocmask(SIG_BLOCK, &set, NULL) == 0);
    raise(SIGALRM);
    CHECK(sigpending(&pend) == 0);
    printf("while blocked: pending %s, handler ran: %d\n", yesno(sigismember(&pend, SIGALRM)), (int)hits);
    CHECK(sigprocmask(SIG_UNBLOCK, &set, NULL) == 0);
    CHECK(sigpending(&pend) == 0);
    printf("after unblocking: pending %s, handler ran: %d\n", yesno(sigismember(&pend, SIGALRM)), (int)hits);
    show("sigaction(SIGKILL, act)", sigaction(SIGKILL, &old, NULL));
    show("sigaction(65, NULL)", sigaction(65, NULL, &old));
    return 0;
}
