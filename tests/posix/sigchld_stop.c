/* SPDX-License-Identifier: MIT
 * sigchld_stop: SIGCHLD for a child on another CPU that stops and continues. With an
 * SA_SIGINFO handler the parent (waiting in sigsuspend, SIGCHLD blocked outside it) gets
 * CLD_STOPPED with si_status SIGSTOP and si_pid the child, then CLD_CONTINUED with
 * si_status SIGCONT, and waitpid has the matching report. With SA_NOCLDSTOP no SIGCHLD
 * comes for a stop or a continue (waitpid still reports them), but one still comes for
 * the exit (CLD_EXITED).
 */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "shadowsel/posix/spawn.h"

static volatile sig_atomic_t chlds, last_code, last_status, last_pid_ok;
static pid_t child_pid;

static void on_chld(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)ctx;
    chlds++;
    last_code = si->si_code;
    last_status = si->si_status;
    last_pid_ok = si->si_pid == child_pid;
}

static const char *code_name(int c)
{
    switch (c) {
    case CLD_EXITED: return "CLD_EXITED";
    case CLD_KILLED: return "CLD_KILLED";
    case CLD_STOPPED: return "CLD_STOPPED";
    case CLD_CONTINUED: return "CLD_CONTINUED";
    default: return "other";
    }
}

static const char *sig_name(int s)
{
    return s == SIGSTOP ? "SIGSTOP" : s == SIGCONT ? "SIGCONT" : s == 3 ? "3" : "other";
}

static void show_chld(const char *label)
{
    printf("%s: %d SIGCHLD, last %s, si_status %s, si_pid the child %s\n", label, (int)chlds,
           code_name(last_code), last_code == CLD_EXITED ? (last_status == 3 ? "3" : "other") : sig_name(last_status),
           yesno(last_pid_ok));
}

static void show_wait(const char *label, int options)
{
    int st = 0;
    pid_t r = waitpid(child_pid, &st, options);
    if (r != child_pid) {
        printf("%s: waitpid = %ld\n", label, (long)r);
        return;
    }
    printf("%s: WIFSTOPPED %s, WIFCONTINUED %s, WIFEXITED %s\n", label, yesno(WIFSTOPPED(st)),
           yesno(WIFCONTINUED(st)), yesno(WIFEXITED(st)));
}

static int reader(void *arg)
{
    const int *fds = arg;
    close(fds[1]);
    char c;
    while (read(fds[0], &c, 1) == 1) {
    }
    return 3;
}

static void handler(int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_chld;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_SIGINFO | SA_RESTART | flags;
    CHECK(sigaction(SIGCHLD, &sa, NULL) == 0);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    sigset_t chld, none;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigemptyset(&none);
    CHECK(sigprocmask(SIG_BLOCK, &chld, NULL) == 0);
    handler(0);

    int fds[2];
    CHECK(pipe(fds) == 0);
    child_pid = shadowsel_spawn(2, reader, fds);
    CHECK(child_pid > 0);
    close(fds[0]);

    show("kill SIGSTOP", kill(child_pid, SIGSTOP));
    show("sigsuspend", sigsuspend(&none));
    show_chld("stopped");
    show_wait("waitpid", WUNTRACED | WNOHANG);
    show("kill SIGCONT", kill(child_pid, SIGCONT));
    show("sigsuspend", sigsuspend(&none));
    show_chld("continued");
    show_wait("waitpid", WCONTINUED | WNOHANG);

    handler(SA_NOCLDSTOP);
    CHECK(sigprocmask(SIG_UNBLOCK, &chld, NULL) == 0);
    show("kill SIGSTOP", kill(child_pid, SIGSTOP));
    show_wait("SA_NOCLDSTOP, waitpid", WUNTRACED);
    show_chld("after the stop");
    show("kill SIGCONT", kill(child_pid, SIGCONT));
    show_wait("SA_NOCLDSTOP, waitpid", WCONTINUED);
    show_chld("after the continue");
    close(fds[1]);
    show_wait("exit", 0);
    show_chld("after the exit");
    return 0;
}
