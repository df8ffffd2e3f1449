/* SPDX-License-Identifier: MIT
 * Process groups: the program leads its own (setpgid(0, 0), getpgrp); kill(0, sig) and
 * kill(-pgid, sig) reach every process of the group on CPUs 1 and 3 and the caller
 * itself (its handler runs before kill returns), not a child on CPU 2 that made a group
 * of its own with setpgid(0, 0), which kill(-its pid) reaches; kill(0, 0) probes; ESRCH
 * for a group with nobody left and for INT_MIN. A core-dumping signal's default action
 * (SIGQUIT) with RLIMIT_CORE 0: killed, no WCOREDUMP. kill(-1) is not run: natively it
 * would signal every process of the user.
 */
#include <limits.h>
#include <sys/resource.h>

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

struct member_arg {
    int ready_w; /* one byte: 'y' when getpgrp() is what it should be */
    int hold_r;  /* EOF lets it go */
    int own_group;
};

static int member(void *arg)
{
    const struct member_arg *a = arg;
    if (a->own_group && setpgid(0, 0) != 0)
        return 20;
    signal(SIGUSR1, SIG_DFL);
    signal(SIGUSR2, SIG_IGN);
    pid_t want = a->own_group ? getpid() : getppid();
    send_byte(a->ready_w, getpgrp() == want ? 'y' : 'n');
    char c;
    return read(a->hold_r, &c, 1) == 0 ? 0 : 21;
}

static int quitter(void *arg)
{
    (void)arg;
    raise(SIGQUIT);
    return 30;
}

static void show_killed(const char *label, pid_t pid, int options)
{
    int st = 0;
    pid_t r = waitpid(pid, &st, options);
    if (r == 0) {
        printf("%s: still running\n", label);
        return;
    }
    if (r != pid) {
        printf("%s: waitpid = %ld %s\n", label, (long)r, errname(errno));
        return;
    }
    if (WIFSIGNALED(st))
        printf("%s: killed by %s, core dumped %s\n", label,
               WTERMSIG(st) == SIGUSR1   ? "SIGUSR1"
               : WTERMSIG(st) == SIGQUIT ? "SIGQUIT"
                                         : signame(WTERMSIG(st)),
               yesno(WCOREDUMP(st)));
    else if (WIFEXITED(st))
        printf("%s: exited %d\n", label, WEXITSTATUS(st));
}

int main(void)
{
    show("setpgid(0, 0)", setpgid(0, 0));
    printf("getpgrp() == getpid(): %s\n", yesno(getpgrp() == getpid()));

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_usr1;
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
    sa.sa_handler = on_usr2;
    CHECK(sigaction(SIGUSR2, &sa, NULL) == 0);

    int ready[2], hold[2];
    CHECK(pipe(ready) == 0);
    CHECK(pipe(hold) == 0);
    static struct member_arg same, own;
    same = (struct member_arg){ready[1], hold[0], 0};
    own = (struct member_arg){ready[1], hold[0], 1};
    pid_t m1 = shadowsel_spawn(1, member, &same);
    pid_t m3 = shadowsel_spawn(3, member, &same);
    pid_t m2 = shadowsel_spawn(2, member, &own);
    CHECK(m1 > 0 && m2 > 0 && m3 > 0);
    int yes = 0;
    for (int i = 0; i < 3; i++)
        yes += wait_byte(ready[0]) == 'y';
    printf("members with the expected group: %d of 3\n", yes);

    show("kill(0, SIGUSR2)", kill(0, SIGUSR2));
    printf("usr2 handled %d\n", (int)usr2_seen);
    show("kill(-getpgrp(), SIGUSR2)", kill(-getpgrp(), SIGUSR2));
    printf("usr2 handled %d\n", (int)usr2_seen);
    show("kill(0, 0)", kill(0, 0));
    show("kill(0, SIGUSR1)", kill(0, SIGUSR1));
    printf("usr1 handled %d\n", (int)usr1_seen);
    show_killed("member on CPU 1", m1, 0);
    show_killed("member on CPU 3", m3, 0);
    show_killed("own group on CPU 2", m2, WNOHANG);
    show("kill(-m2, 0)", kill(-m2, 0));
    show("kill(-m2, SIGUSR1)", kill(-m2, SIGUSR1));
    show_killed("own group on CPU 2", m2, 0);
    printf("usr1 handled %d\n", (int)usr1_seen);
    show("kill(-m2, 0) after", kill(-m2, 0));
    show("kill(INT_MIN, 0)", kill(INT_MIN, 0));
    show("setpgid(0, -1)", setpgid(0, -1));

    /* a core signal's default action with no core allowed */
    struct rlimit rl = {0, 0};
    show("setrlimit(RLIMIT_CORE, 0 0)", setrlimit(RLIMIT_CORE, &rl));
    struct rlimit got = {1, 1};
    show("getrlimit(RLIMIT_CORE)", getrlimit(RLIMIT_CORE, &got));
    printf("core limit %llu %llu\n", (unsigned long long)got.rlim_cur, (unsigned long long)got.rlim_max);
    rl.rlim_cur = 1;
    show("setrlimit soft above hard", setrlimit(RLIMIT_CORE, &rl));
    pid_t q = shadowsel_spawn(1, quitter, NULL);
    CHECK(q > 0);
    show_killed("SIGQUIT on CPU 1", q, 0);
    close(hold[1]);
    return 0;
}
