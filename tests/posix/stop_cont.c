/* SPDX-License-Identifier: MIT
 * stop_cont: job control of a child on another CPU. The child (CPU 1) echoes each byte
 * it reads from one pipe into another. SIGSTOP stops it: waitpid with WUNTRACED reports
 * WIFSTOPPED (status 0x137f) once, and a byte written while it is stopped is not echoed
 * but stays in the pipe (the stopped child's read takes nothing); SIGCONT continues it: waitpid with WCONTINUED reports WIFCONTINUED (0xffff) and the
 * byte comes. SIGTSTP's default action stops it the same way; without WUNTRACED or
 * WCONTINUED nothing is reported. A blocked SIGTSTP stays pending and SIGCONT discards
 * it. SIGTERM sent to a stopped child waits for SIGCONT, then kills it; SIGKILL kills a
 * stopped child. A child stopped and continued in sigsuspend goes on waiting there until
 * a handled SIGUSR1 ends it (EINTR). SIGSTOP and SIGKILL cannot be caught or ignored (EINVAL); waitpid with
 * an unknown option gives EINVAL.
 */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "shadowsel/posix/spawn.h"

struct ends { int down[2], up[2]; };

/* Echoes bytes; 'B' blocks SIGTSTP, 'P' answers whether SIGTSTP is pending, 'U'
 * unblocks it. Ends at EOF. */
static int echo(void *arg)
{
    const struct ends *e = arg;
    close(e->down[1]);
    close(e->up[0]);
    sigset_t tstp;
    sigemptyset(&tstp);
    sigaddset(&tstp, SIGTSTP);
    char c;
    while (read(e->down[0], &c, 1) == 1) {
        if (c == 'B') {
            CHECK(sigprocmask(SIG_BLOCK, &tstp, NULL) == 0);
        } else if (c == 'P') {
            sigset_t pend;
            CHECK(sigpending(&pend) == 0);
            c = sigismember(&pend, SIGTSTP) ? 'y' : 'n';
        } else if (c == 'U') {
            CHECK(sigprocmask(SIG_UNBLOCK, &tstp, NULL) == 0);
        }
        send_byte(e->up[1], c);
    }
    return 5;
}

static void on_usr1(int sig) { (void)sig; }

/* Says it is ready, then waits in sigsuspend for SIGUSR1 (blocked until then). */
static int suspender(void *arg)
{
    const struct ends *e = arg;
    close(e->down[1]);
    close(e->up[0]);
    catch_signal(SIGUSR1, on_usr1, 0);
    sigset_t usr1, none;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigemptyset(&none);
    CHECK(sigprocmask(SIG_BLOCK, &usr1, NULL) == 0);
    send_byte(e->up[1], 's');
    int r = sigsuspend(&none);
    return r == -1 && errno == EINTR ? 6 : 7;
}

static void show_status(const char *label, pid_t got, pid_t pid, int st)
{
    if (got != pid) {
        printf("%s: waitpid = %ld %s\n", label, (long)got, got < 0 ? errname(errno) : "");
        return;
    }
    printf("%s: status 0x%x, WIFSTOPPED %s", label, (unsigned)st, yesno(WIFSTOPPED(st)));
    if (WIFSTOPPED(st))
        printf(" (%s)", WSTOPSIG(st) == SIGSTOP ? "SIGSTOP" : WSTOPSIG(st) == SIGTSTP ? "SIGTSTP" : "other");
    printf(", WIFCONTINUED %s, WIFEXITED %s, WIFSIGNALED %s\n", yesno(WIFCONTINUED(st)), yesno(WIFEXITED(st)),
           yesno(WIFSIGNALED(st)));
}

static void waitfor(const char *label, pid_t pid, int options)
{
    int st = 0;
    pid_t r = waitpid(pid, &st, options);
    if (r == 0)
        printf("%s: waitpid = 0\n", label);
    else
        show_status(label, r, pid, st);
}

/* A byte through the running child: its echo. */
static void through(const struct ends *e, char c, const char *label)
{
    send_byte(e->down[1], c);
    printf("%s: '%c' -> '%c'\n", label, c, wait_byte(e->up[0]));
}

/* A byte to the stopped child: not echoed within 200 ms (it cannot be, however slow the
 * machine), and still in the pipe (the parent keeps a read end to poll, never reads it). */
static void to_stopped(const struct ends *e, char c)
{
    send_byte(e->down[1], c);
    struct pollfd p = {e->up[0], POLLIN, 0};
    int n = poll(&p, 1, 200);
    struct pollfd q = {e->down[0], POLLIN, 0};
    printf("stopped: '%c' echoed %s, still in the pipe %s\n", c, yesno(n != 0), yesno(poll(&q, 1, 0) == 1));
}

static void finish(const struct ends *e)
{
    close(e->down[0]);
    close(e->down[1]);
    close(e->up[0]);
}

static pid_t start(struct ends *e, int (*child)(void *))
{
    CHECK(pipe(e->down) == 0);
    CHECK(pipe(e->up) == 0);
    pid_t pid = shadowsel_spawn(1, child, e);
    CHECK(pid > 0);
    close(e->up[1]);
    return pid;
}

/* Stops the child and sends it `sig`: SIGKILL kills it stopped, another fatal signal
 * waits for SIGCONT. Reaps it. */
static void kill_stopped(pid_t pid, struct ends *e, int sig, const char *label)
{
    show("kill SIGSTOP", kill(pid, SIGSTOP));
    waitfor("WUNTRACED", pid, WUNTRACED);
    show(label, kill(pid, sig));
    if (sig != SIGKILL) {
        waitfor("still there", pid, WNOHANG);
        show("kill SIGCONT", kill(pid, SIGCONT));
    }
    waitfor(sig == SIGKILL ? "after SIGKILL" : "after SIGCONT", pid, 0);
    finish(e);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    /* A group of its own, whose leader's parent (the shell, compare.py) is in another
     * group of the session: not orphaned, so SIGTSTP's default action stops. */
    CHECK(setpgid(0, 0) == 0);
    struct ends e;
    pid_t pid = start(&e, echo);
    through(&e, 'a', "running");

    show("kill SIGSTOP", kill(pid, SIGSTOP));
    waitfor("WUNTRACED", pid, WUNTRACED);
    waitfor("WUNTRACED again", pid, WUNTRACED | WNOHANG);
    to_stopped(&e, 'b');
    show("kill SIGCONT", kill(pid, SIGCONT));
    waitfor("WCONTINUED", pid, WCONTINUED);
    waitfor("WCONTINUED again", pid, WCONTINUED | WNOHANG);
    printf("continued: 'b' -> '%c'\n", wait_byte(e.up[0]));

    show("kill SIGTSTP", kill(pid, SIGTSTP));
    waitfor("no WUNTRACED", pid, WNOHANG);
    waitfor("WUNTRACED", pid, WUNTRACED);
    to_stopped(&e, 'c');
    show("kill SIGCONT", kill(pid, SIGCONT));
    waitfor("no WCONTINUED", pid, WNOHANG);
    waitfor("WCONTINUED", pid, WCONTINUED | WUNTRACED);
    printf("continued: 'c' -> '%c'\n", wait_byte(e.up[0]));

    through(&e, 'B', "block SIGTSTP");
    show("kill SIGTSTP (blocked)", kill(pid, SIGTSTP));
    through(&e, 'P', "SIGTSTP pending");
    show("kill SIGCONT (not stopped)", kill(pid, SIGCONT));
    through(&e, 'P', "SIGTSTP pending after SIGCONT");
    through(&e, 'U', "unblock SIGTSTP");
    through(&e, 'd', "running");
    waitfor("nothing to report", pid, WUNTRACED | WCONTINUED | WNOHANG);

    kill_stopped(pid, &e, SIGTERM, "kill SIGTERM (stopped)");
    pid = start(&e, echo);
    through(&e, 'e', "second child");
    kill_stopped(pid, &e, SIGKILL, "kill SIGKILL (stopped)");

    pid = start(&e, echo);
    close(e.down[1]);
    waitfor("third child, EOF", pid, WUNTRACED | WCONTINUED);
    close(e.down[0]);
    close(e.up[0]);

    pid = start(&e, suspender);
    printf("suspender says %c\n", wait_byte(e.up[0]));
    show("kill SIGSTOP", kill(pid, SIGSTOP));
    waitfor("WUNTRACED", pid, WUNTRACED);
    show("kill SIGCONT", kill(pid, SIGCONT));
    waitfor("WCONTINUED", pid, WCONTINUED);
    usleep(100000);
    waitfor("still in sigsuspend", pid, WNOHANG);
    show("kill SIGUSR1", kill(pid, SIGUSR1));
    waitfor("after SIGUSR1", pid, 0);
    finish(&e);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    show("sigaction SIGSTOP", sigaction(SIGSTOP, &sa, NULL));
    show("sigaction SIGKILL", sigaction(SIGKILL, &sa, NULL));
    printf("signal SIGSTOP: SIG_ERR %s, %s\n", yesno(signal(SIGSTOP, SIG_IGN) == SIG_ERR), errname(errno));
    show("sigaction SIGSTOP, reading", sigaction(SIGSTOP, NULL, &sa));
    show("waitpid bad options", waitpid(-1, NULL, 0x4000));
    return 0;
}
