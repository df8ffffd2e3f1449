/* SPDX-License-Identifier: MIT
 * pipe_nonblock: fcntl F_GETFL/F_SETFL and O_NONBLOCK on pipes. EAGAIN on an
 * empty pipe, 0 (not EAGAIN) once no writer is left, the flag belongs to the
 * open file description (seen through dup()s and by a child on CPU 1 that
 * sets it), F_SETFL cannot change the access mode, bad fd and bad command.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "common.h"
#include "shadowsel/posix/spawn.h"

static void flags(const char *label, int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0) {
        printf("F_GETFL(%s) = -1 %s\n", label, errname(errno));
        return;
    }
    int acc = fl & O_ACCMODE;
    printf("F_GETFL(%s): %s%s\n", label,
           acc == O_RDONLY ? "O_RDONLY" : acc == O_WRONLY ? "O_WRONLY" : "O_RDWR",
           fl & O_NONBLOCK ? "|O_NONBLOCK" : "");
}

struct job { int fd; int done; };

static int set_nonblock(void *arg)
{
    const struct job *j = arg;
    int fl = fcntl(j->fd, F_GETFL);
    if (fl < 0 || fcntl(j->fd, F_SETFL, fl | O_NONBLOCK) != 0)
        return 1;
    send_byte(j->done, 'n');
    return 0;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int p[2];
    char buf[64];
    CHECK(pipe(p) == 0);
    flags("read end", p[0]);
    flags("write end", p[1]);

    int fl = fcntl(p[0], F_GETFL);
    show("fcntl(read end, F_SETFL, fl|O_NONBLOCK)", fcntl(p[0], F_SETFL, fl | O_NONBLOCK));
    flags("read end", p[0]);
    show("read(empty pipe, nonblock)", read(p[0], buf, sizeof buf));
    show("read(empty pipe, nonblock) again", read(p[0], buf, sizeof buf));
    show("write(\"abc\")", write(p[1], "abc", 3));
    show("read(nonblock) with data", read(p[0], buf, sizeof buf));
    show("read(nonblock) drained", read(p[0], buf, sizeof buf));

    /* The flag is shared by duplicates of the descriptor. */
    int d = dup(p[0]);
    CHECK(d >= 0);
    flags("dup of read end", d);
    show("fcntl(dup, F_SETFL, O_RDONLY) clears O_NONBLOCK", fcntl(d, F_SETFL, O_RDONLY));
    flags("read end", p[0]);
    show("fcntl(read end, F_SETFL, O_NONBLOCK)", fcntl(p[0], F_SETFL, O_NONBLOCK));
    flags("dup of read end", d);
    close(d);

    /* F_SETFL ignores the access mode bits. */
    show("fcntl(read end, F_SETFL, O_WRONLY|O_NONBLOCK)", fcntl(p[0], F_SETFL, O_WRONLY | O_NONBLOCK));
    flags("read end", p[0]);
    show("fcntl(write end, F_SETFL, O_RDWR)", fcntl(p[1], F_SETFL, O_RDWR));
    flags("write end", p[1]);

    /* Non-blocking read with no writer left: EOF, not EAGAIN. */
    show("close(write end)", close(p[1]));
    show("read(nonblock, no writer)", read(p[0], buf, sizeof buf));
    close(p[0]);

    /* A child on cpu 1 sets O_NONBLOCK on its inherited copy; the parent sees it. */
    static int q[2], done[2];
    CHECK(pipe(q) == 0 && pipe(done) == 0);
    static struct job j;
    j.fd = q[0];
    j.done = done[1];
    flags("q read end before the child", q[0]);
    pid_t c = shadowsel_spawn(1, set_nonblock, &j);
    CHECK(c > 0);
    printf("child set it: %c\n", wait_byte(done[0]));
    flags("q read end after the child", q[0]);
    show("read(q, empty, writer open)", read(q[0], buf, sizeof buf));
    reap(c, "child on cpu 1");
    flags("q read end after the child exited", q[0]);
    close(q[0]);
    close(q[1]);
    close(done[0]);
    close(done[1]);

    /* Errors. */
    show("fcntl(closed fd, F_GETFL)", fcntl(q[0], F_GETFL));
    show("fcntl(closed fd, F_SETFL, O_NONBLOCK)", fcntl(q[0], F_SETFL, O_NONBLOCK));
    show("fcntl(-1, F_GETFL)", fcntl(-1, F_GETFL));
    CHECK(pipe(p) == 0);
    show("fcntl(read end, 9999)", fcntl(p[0], 9999));
    close(p[0]);
    close(p[1]);
    return 0;
}
