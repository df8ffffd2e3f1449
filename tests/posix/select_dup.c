/* SPDX-License-Identifier: MIT
 * select_dup: one process waits on two duplicates of the read end of a pipe
 * whose writer is a child on CPU 3; both descriptors are reported ready, by
 * select and by poll, when data arrives and again at EOF. Two duplicates of
 * a write end are both writable.
 */
#include <poll.h>
#include <stdio.h>
#include <sys/select.h>
#include <unistd.h>

#include "common.h"
#include "shadowsel/posix/spawn.h"

struct fds { int data[2], go[2]; };

/* Writes one byte when told, then exits when told again. */
static int writer(void *arg)
{
    const struct fds *f = arg;
    close(f->data[0]);
    close(f->go[1]);
    wait_byte(f->go[0]);
    if (write(f->data[1], "x", 1) != 1)
        return 1;
    wait_byte(f->go[0]);
    return 0;
}

static void both(int a, int b, struct timeval *tv)
{
    fd_set r;
    FD_ZERO(&r);
    FD_SET(a, &r);
    FD_SET(b, &r);
    int n = select((a > b ? a : b) + 1, &r, NULL, NULL, tv);
    printf("select(read {fd, dup}, %s) = %d", tv ? "timeout 0" : "NULL", n);
    if (n >= 0)
        printf(": fd %s, dup %s", yesno(FD_ISSET(a, &r)), yesno(FD_ISSET(b, &r)));
    printf("\n");
}

static void both_poll(int a, int b)
{
    struct pollfd p[2] = {{.fd = a, .events = POLLIN}, {.fd = b, .events = POLLIN}};
    show("poll({fd, dup}, POLLIN, -1)", poll(p, 2, -1));
    show_revents("  fd", p[0].revents);
    show_revents("  dup", p[1].revents);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    static struct fds f;
    CHECK(pipe(f.data) == 0 && pipe(f.go) == 0);
    pid_t c = shadowsel_spawn(3, writer, &f);
    CHECK(c > 0);
    close(f.data[1]);
    close(f.go[0]);
    int fd = f.data[0];
    int d = dup(fd);
    CHECK(d >= 0);

    struct timeval tv = {0, 0};
    both(fd, d, &tv);
    send_byte(f.go[1], 'w');
    both(fd, d, NULL);
    both_poll(fd, d);
    char ch;
    show("read(dup)", read(d, &ch, 1));
    tv.tv_sec = tv.tv_usec = 0;
    both(fd, d, &tv);
    send_byte(f.go[1], 'q'); /* the writer exits: EOF */
    both(fd, d, NULL);
    reap(c, "writer on cpu 3");
    both_poll(fd, d);
    show("read(fd)", read(fd, &ch, 1));
    close(fd);
    close(d);

    /* Two duplicates of one write end. */
    static int q[2];
    CHECK(pipe(q) == 0);
    int w2 = dup(q[1]);
    CHECK(w2 >= 0);
    fd_set w;
    FD_ZERO(&w);
    FD_SET(q[1], &w);
    FD_SET(w2, &w);
    tv.tv_sec = tv.tv_usec = 0;
    int n = select((q[1] > w2 ? q[1] : w2) + 1, NULL, &w, NULL, &tv);
    printf("select(write {w, dup}) = %d: w %s, dup %s\n", n, yesno(FD_ISSET(q[1], &w)),
           yesno(FD_ISSET(w2, &w)));
    close(q[0]);
    close(q[1]);
    close(w2);
    close(f.go[1]);
    return 0;
}
