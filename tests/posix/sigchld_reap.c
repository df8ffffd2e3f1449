/* SPDX-License-Identifier: MIT
 * A SIGCHLD handler that reaps with a waitpid(-1, WNOHANG) loop, as servers do: six
 * children on CPUs 1, 2 and 3 (two each) are released at once, so their SIGCHLDs
 * coalesce; none is lost (every status is collected, one by the default action of
 * SIGTERM), the parent waits in sigsuspend with SIGCHLD blocked outside it, and
 * waitpid then gives ECHILD.
 */
#include "common.h"
#include "shadowsel/posix/spawn.h"

#define NCHILD 6

static volatile sig_atomic_t reaped;
static int statuses[NCHILD];
static volatile sig_atomic_t handler_calls;

static void on_chld(int sig)
{
    (void)sig;
    int saved = errno;
    handler_calls++;
    for (;;) {
        int st;
        pid_t p = waitpid(-1, &st, WNOHANG);
        if (p <= 0)
            break;
        if (reaped < NCHILD)
            statuses[reaped] = st;
        reaped++;
    }
    errno = saved;
}

struct child_arg {
    int go;       /* read end: EOF releases the child */
    int go_w;     /* its inherited write end, closed first */
    int status;
    int by_signal;
};

static int child(void *arg)
{
    const struct child_arg *a = arg;
    close(a->go_w);
    char c;
    ssize_t n = read(a->go, &c, 1);
    if (n != 0)
        return 99;
    if (a->by_signal)
        raise(SIGTERM);
    return a->status;
}

static int cmp_int(const void *x, const void *y)
{
    int a = *(const int *)x, b = *(const int *)y;
    return (a > b) - (a < b);
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_chld;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    CHECK(sigaction(SIGCHLD, &sa, NULL) == 0);

    sigset_t chld, old;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    CHECK(sigprocmask(SIG_BLOCK, &chld, &old) == 0);

    int go[2];
    CHECK(pipe(go) == 0);
    static struct child_arg args[NCHILD];
    for (int i = 0; i < NCHILD; i++) {
        args[i].go = go[0];
        args[i].go_w = go[1];
        args[i].status = 10 + i;
        args[i].by_signal = i == 4;
        CHECK(shadowsel_spawn(1 + i % 3, child, &args[i]) > 0);
    }
    close(go[0]);
    close(go[1]); /* every child sees EOF now */

    int suspends = 0;
    while (reaped < NCHILD) {
        int r = sigsuspend(&old);
        if (r != -1 || errno != EINTR)
            printf("sigsuspend = %d %s\n", r, errname(errno));
        suspends++;
    }
    printf("reaped %d children, handler ran: %s, woken at least once: %s\n", (int)reaped,
           yesno(handler_calls >= 1), yesno(suspends >= 1));

    int keys[NCHILD];
    for (int i = 0; i < NCHILD; i++)
        keys[i] = statuses[i];
    qsort(keys, NCHILD, sizeof keys[0], cmp_int);
    for (int i = 0; i < NCHILD; i++) {
        int st = keys[i];
        if (WIFEXITED(st))
            printf("child: exited %d\n", WEXITSTATUS(st));
        else if (WIFSIGNALED(st))
            printf("child: killed by %s\n", signame(WTERMSIG(st)));
        else
            printf("child: status 0x%x\n", (unsigned)st);
    }

    CHECK(sigprocmask(SIG_SETMASK, &old, NULL) == 0);
    int st;
    pid_t r = waitpid(-1, &st, WNOHANG);
    printf("waitpid after = %ld %s\n", (long)r, r < 0 ? errname(errno) : "");
    return 0;
}
