/* SPDX-License-Identifier: MIT
 * signal_procs: signals between processes on different CPUs. SIGCHLD (with
 * SA_SIGINFO: si_code CLD_EXITED, si_status, si_pid) wakes a sigsuspend() when a
 * child on CPU 1 exits, SIGCHLD blocked until then so none is lost; kill()
 * with SIGUSR1 interrupts a child's blocking read() on CPU 2 (EINTR, its
 * handler ran first); a child on CPU 3 sends SIGUSR2 to its parent, which
 * holds it blocked (sigpending) until sigprocmask() unblocks it; kill() of a
 * reaped child gives ESRCH, an invalid signal EINVAL.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "shadowsel/posix/spawn.h"

static volatile sig_atomic_t chld_hits, chld_code, chld_status, chld_pid_ok, usr2_hits;
static volatile pid_t expected_child;

static void on_chld(int sig, siginfo_t *si, void *ctx)
{
    (void)ctx;
    ++chld_hits;
    chld_code = si->si_signo == sig ? si->si_code : -1;
    chld_status = si->si_status;
    chld_pid_ok = si->si_pid == expected_child;
}

static void on_usr2(int sig)
{
    (void)sig;
    ++usr2_hits;
}

static int exit7(void *arg)
{
    (void)arg;
    return 7;
}

/* the child's own handler: it only counts in the child's stack frame's variable */
static volatile sig_atomic_t *usr1_counter;
static void on_usr1(int sig)
{
    (void)sig;
    ++*usr1_counter;
}

static int reader(void *arg)
{
    int *p = arg; /* p[0]: a pipe nobody writes; p[1]: "ready" to the parent */
    volatile sig_atomic_t hits = 0;
    usr1_counter = &hits;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
    send_byte(p[1], 'r');
    char c;
    show("child: read(pipe nobody writes)", read(p[0], &c, 1));
    printf("child: its handler ran: %d\n", (int)hits);
    return 0;
}

static int send_usr2(void *arg)
{
    (void)arg;
    return kill(getppid(), SIGUSR2) == 0 ? 0 : 1;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);

    printf("-- SIGCHLD wakes sigsuspend --\n");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(SIGCHLD, &sa, NULL) == 0);
    sigset_t chld, empty, old;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigemptyset(&empty);
    CHECK(sigprocmask(SIG_BLOCK, &chld, &old) == 0);
    pid_t pid = shadowsel_spawn(1, exit7, NULL);
    CHECK(pid > 0);
    expected_child = pid;
    while (chld_hits == 0)
        show("sigsuspend(nothing blocked)", sigsuspend(&empty));
    printf("handler ran: %d, CLD_EXITED: %s, si_status: %d, si_pid is the child: %s\n", (int)chld_hits,
           yesno(chld_code == CLD_EXITED), (int)chld_status, yesno(chld_pid_ok));
    CHECK(sigprocmask(SIG_SETMASK, &old, NULL) == 0);
    reap(pid, "child on cpu 1");
    sa.sa_handler = SIG_DFL;
    sa.sa_flags = 0;
    CHECK(sigaction(SIGCHLD, &sa, NULL) == 0);

    printf("-- kill interrupts a read on another CPU --\n");
    int p[2], ready[2];
    CHECK(pipe(p) == 0);
    CHECK(pipe(ready) == 0);
    int args[2] = {p[0], ready[1]};
    pid = shadowsel_spawn(2, reader, args);
    CHECK(pid > 0);
    wait_byte(ready[0]);
    usleep(200000); /* the child is in its read */
    int k = kill(pid, SIGUSR1), e = errno; /* printed once the child has printed */
    reap(pid, "child on cpu 2");
    errno = e;
    show("kill(child, SIGUSR1)", k);
    show("kill(reaped child, 0)", kill(pid, 0));
    show("kill(self, 99)", kill(getpid(), 99));

    printf("-- a signal from another CPU held while blocked --\n");
    signal(SIGUSR2, on_usr2);
    sigset_t usr2, pend;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    CHECK(sigprocmask(SIG_BLOCK, &usr2, NULL) == 0);
    pid = shadowsel_spawn(3, send_usr2, NULL);
    CHECK(pid > 0);
    reap(pid, "child on cpu 3");
    CHECK(sigpending(&pend) == 0);
    printf("pending while blocked: %s, handler ran: %d\n", yesno(sigismember(&pend, SIGUSR2)), (int)usr2_hits);
    CHECK(sigprocmask(SIG_UNBLOCK, &usr2, NULL) == 0);
    printf("after unblocking: handler ran: %d\n", (int)usr2_hits);
    return 0;
}
