/* SPDX-License-Identifier: MIT
 * spawn_wait: children on every CPU and their exit statuses (return value,
 * exit() deep in a call, _exit(), only the low 8 bits kept), getppid() in a
 * child, waitpid with WNOHANG while a child is blocked, wait() for any child,
 * ECHILD for a pid that is not a child and when none are left.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"
#include "shadowsel/posix/spawn.h"

static pid_t parent_pid;

static int ret_code(void *arg) { return *(const int *)arg; }

static void level3(int code) { exit(code); }
static void level2(int code) { level3(code); puts("not reached"); }
static void level1(int code) { level2(code); puts("not reached"); }

static int via_exit(void *arg)
{
    level1(*(const int *)arg);
    return 1;
}

static int via__exit(void *arg)
{
    _exit(*(const int *)arg);
}

static int check_ppid(void *arg)
{
    (void)arg;
    return getppid() == parent_pid && getpid() != parent_pid ? 0 : 1;
}

static int blocked(void *arg)
{
    const int *p = arg;
    char c;
    close(p[1]);
    return read(p[0], &c, 1) == 1 ? c - '0' : 99;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    parent_pid = getpid();
    static const int codes[] = {0, 3, 255, 256 + 7, 5, 6};

    printf("-- exit statuses --\n");
    pid_t a = shadowsel_spawn(1, ret_code, (void *)&codes[0]);
    pid_t b = shadowsel_spawn(2, ret_code, (void *)&codes[1]);
    pid_t c = shadowsel_spawn(3, ret_code, (void *)&codes[2]);
    pid_t d = shadowsel_spawn(0, ret_code, (void *)&codes[3]);
    pid_t e = shadowsel_spawn(1, via_exit, (void *)&codes[4]);
    pid_t f = shadowsel_spawn(2, via__exit, (void *)&codes[5]);
    CHECK(a > 0 && b > 0 && c > 0 && d > 0 && e > 0 && f > 0);
    printf("pids distinct and not the parent's: %s\n",
           yesno(a != b && b != c && c != d && d != e && e != f && a != parent_pid));
    reap(c, "cpu 3, return 255");
    reap(a, "cpu 1, return 0");
    reap(b, "cpu 2, return 3");
    reap(d, "cpu 0, return 263");
    reap(e, "cpu 1, exit(5) three calls deep");
    reap(f, "cpu 2, _exit(6)");
    show("waitpid(reaped child)", waitpid(a, NULL, 0));

    printf("-- getppid --\n");
    pid_t g = shadowsel_spawn(3, check_ppid, NULL);
    CHECK(g > 0);
    reap(g, "cpu 3, getppid() == parent's getpid() (0: yes)");

    printf("-- WNOHANG --\n");
    static int p[2];
    CHECK(pipe(p) == 0);
    pid_t h = shadowsel_spawn(2, blocked, p);
    CHECK(h > 0);
    close(p[0]);
    int st = -1;
    show("waitpid(blocked child, WNOHANG)", waitpid(h, &st, WNOHANG));
    show("waitpid(-1, WNOHANG)", waitpid(-1, &st, WNOHANG));
    send_byte(p[1], '4');
    reap(h, "cpu 2, returns the byte it read");
    close(p[1]);

    printf("-- wait() for any child --\n");
    static const int more[] = {20, 21, 22};
    pid_t kids[3];
    for (int i = 0; i < 3; i++) {
        kids[i] = shadowsel_spawn(i + 1, ret_code, (void *)&more[i]);
        CHECK(kids[i] > 0);
    }
    int seen[3] = {0, 0, 0}, right = 1;
    for (int i = 0; i < 3; i++) {
        pid_t r = wait(&st);
        int k = -1;
        for (int j = 0; j < 3; j++)
            if (r == kids[j])
                k = j;
        if (k < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != more[k])
            right = 0;
        else
            seen[k]++;
    }
    printf("wait() x3 returned each child once with its status: %s\n",
           yesno(right && seen[0] == 1 && seen[1] == 1 && seen[2] == 1));

    printf("-- no children --\n");
    show("waitpid(-1)", waitpid(-1, &st, 0));
    show("waitpid(-1, WNOHANG)", waitpid(-1, &st, WNOHANG));
    show("wait(NULL)", wait(NULL));
    show("waitpid(own pid)", waitpid(parent_pid, &st, 0));
    return 0;
}
