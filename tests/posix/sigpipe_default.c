/* SPDX-License-Identifier: MIT
 * sigpipe_default: a write to a pipe with no reader kills the writer with
 * SIGPIPE when the signal has its default disposition; the parent sees it
 * through waitpid (WIFSIGNALED, WTERMSIG). Writers on CPUs 1 and 0, the
 * reader of the last case on CPU 3; an ignoring writer on CPU 2 gets EPIPE.
 */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "common.h"
#include "shadowsel/posix/spawn.h"

/* Returns (exit status 10) only if the write did not kill it. */
static int dfl_writer(void *arg)
{
    const int *p = arg;
    signal(SIGPIPE, SIG_DFL);
    write(p[1], "x", 1);
    return 10;
}

static int ign_writer(void *arg)
{
    const int *p = arg;
    signal(SIGPIPE, SIG_IGN);
    ssize_t r = write(p[1], "x", 1);
    return r == -1 && errno == EPIPE ? 42 : 1;
}

struct pair { int data[2], sync[2]; };

static int reader(void *arg)
{
    const struct pair *f = arg;
    char c;
    close(f->data[1]);
    close(f->sync[0]);
    if (read(f->data[0], &c, 1) != 1 || c != 'a')
        return 1;
    close(f->data[0]);
    send_byte(f->sync[1], 'c');
    return 0;
}

static int writer(void *arg)
{
    const struct pair *f = arg;
    signal(SIGPIPE, SIG_DFL);
    close(f->data[0]);
    close(f->sync[1]);
    if (write(f->data[1], "a", 1) != 1)
        return 1;
    char c[2];
    /* One byte from the reader (closed its end), one from the parent (too). */
    if (read_full(f->sync[0], c, 2) != 2)
        return 2;
    write(f->data[1], "b", 1);
    return 11;
}

static void show_status(const char *label, pid_t pid)
{
    int st = 0;
    pid_t r = waitpid(pid, &st, 0);
    printf("%s: waitpid returned the child: %s, WIFEXITED=%d WIFSIGNALED=%d", label,
           yesno(r == pid), WIFEXITED(st) ? 1 : 0, WIFSIGNALED(st) ? 1 : 0);
    if (WIFSIGNALED(st))
        printf(" WTERMSIG=%s\n", signame(WTERMSIG(st)));
    else if (WIFEXITED(st))
        printf(" WEXITSTATUS=%d\n", WEXITSTATUS(st));
    else
        printf("\n");
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    static int p1[2], p2[2];

    printf("-- default disposition, writer on cpu 1 --\n");
    CHECK(pipe(p1) == 0);
    close(p1[0]); /* no reader anywhere */
    pid_t c1 = shadowsel_spawn(1, dfl_writer, p1);
    CHECK(c1 > 0);
    show_status("writer on cpu 1", c1);
    close(p1[1]);

    printf("-- ignored, writer on cpu 2 --\n");
    CHECK(pipe(p2) == 0);
    close(p2[0]);
    pid_t c2 = shadowsel_spawn(2, ign_writer, p2);
    CHECK(c2 > 0);
    show_status("writer on cpu 2", c2);
    close(p2[1]);

    printf("-- reader on cpu 3 closes after one byte, writer on cpu 0 --\n");
    static struct pair f;
    CHECK(pipe(f.data) == 0 && pipe(f.sync) == 0);
    pid_t r = shadowsel_spawn(3, reader, &f);
    pid_t w = shadowsel_spawn(0, writer, &f);
    CHECK(r > 0 && w > 0);
    close(f.data[0]);
    close(f.data[1]);
    close(f.sync[0]);
    send_byte(f.sync[1], 'p');
    close(f.sync[1]);
    show_status("reader on cpu 3", r);
    show_status("writer on cpu 0", w);
    show("waitpid(-1) with no children left", waitpid(-1, NULL, 0));
    return 0;
}
