/* SPDX-License-Identifier: MIT
 * kill_child: children on other CPUs killed by a signal while they hold pipe ends.
 * A child blocked in read() on CPU 1 is killed by SIGKILL: its parent reaps it as
 * killed, reads EOF where it was the last writer, and gets POLLERR and EPIPE where it
 * was the last reader. A child blocked in select() on CPU 2 is killed by SIGTERM
 * (default action). kill() of a reaped child gives ESRCH; signal 0 probes.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "shadowsel/posix/spawn.h"

struct ends { int up[2], down[2]; };

/* Says it is ready, then waits for a byte that never comes. */
static int blocked_reader(void *arg)
{
    const struct ends *e = arg;
    close(e->up[0]);
    close(e->down[1]);
    send_byte(e->up[1], 'r');
    char c;
    read(e->down[0], &c, 1);
    printf("reader: not killed\n");
    return 3;
}

static int blocked_selector(void *arg)
{
    const struct ends *e = arg;
    close(e->up[0]);
    close(e->down[1]);
    send_byte(e->up[1], 's');
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(e->down[0], &rd);
    select(e->down[0] + 1, &rd, NULL, NULL, NULL);
    printf("selector: not killed\n");
    return 4;
}

static void kill_one(int cpu, int (*child)(void *), int sig, const char *name)
{
    struct ends e;
    CHECK(pipe(e.up) == 0);
    CHECK(pipe(e.down) == 0);
    pid_t pid = shadowsel_spawn(cpu, child, &e);
    CHECK(pid > 0);
    close(e.up[1]);
    close(e.down[0]);
    printf("%s: says %c\n", name, wait_byte(e.up[0]));
    show("kill(pid, 0)", kill(pid, 0));
    show("kill", kill(pid, sig));
    reap(pid, name);
    char c;
    show("read after its death (EOF)", read(e.up[0], &c, 1));
    struct pollfd p = {e.down[1], POLLOUT, 0};
    show("poll its reader's pipe", poll(&p, 1, 0));
    show_revents("revents", p.revents);
    show("write to it", write(e.down[1], "x", 1));
    show("kill after reaping", kill(pid, sig));
    close(e.up[0]);
    close(e.down[1]);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGPIPE, SIG_IGN);
    kill_one(1, blocked_reader, SIGKILL, "reader");
    kill_one(2, blocked_selector, SIGTERM, "selector");
    return 0;
}
