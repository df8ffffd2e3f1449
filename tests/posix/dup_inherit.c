/* SPDX-License-Identifier: MIT
 * dup_inherit: children get copies of the parent's descriptors that share
 * the open file description (a file offset written by a child on CPU 2 moves
 * the parent's), may rearrange them with dup2 (CPU 3) or close them (CPU 1)
 * without touching the parent's copies, and do not see descriptors the parent
 * opens after the spawn.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "common.h"
#include "shadowsel/posix/spawn.h"

static int file_writer(void *arg)
{
    const int *fd = arg;
    return write(*fd, "child\n", 6) == 6 ? 0 : 1;
}

static int mover(void *arg)
{
    const int *p = arg;
    close(p[0]);
    if (dup2(p[1], 20) != 20)
        return 1;
    close(p[1]);
    if (write(20, "via fd 20 in the child", 22) != 22)
        return 2;
    return 0;
}

static int closer(void *arg)
{
    const int *p = arg;
    return close(p[0]) == 0 && close(p[1]) == 0 ? 0 : 1;
}

/* Reads a descriptor number the parent opened after this child started. */
static int prober(void *arg)
{
    const int *ctl = arg;
    int fd;
    close(ctl[1]);
    if (read_full(ctl[0], &fd, sizeof fd) != sizeof fd)
        return 1;
    return fcntl(fd, F_GETFL) == -1 && errno == EBADF ? 0 : 2;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    char path[128], buf[128];
    long n;
    temp_path(path, sizeof path, "dup_inherit", ".txt");

    printf("-- shared file offset with a child on cpu 2 --\n");
    static int fd;
    fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    CHECK(fd >= 0);
    pid_t c = shadowsel_spawn(2, file_writer, &fd);
    CHECK(c > 0);
    reap(c, "child on cpu 2");
    show("lseek(fd, 0, SEEK_CUR) after the child's write", lseek(fd, 0, SEEK_CUR));
    show("write(fd, \"parent\\n\")", write(fd, "parent\n", 7));
    show("lseek(fd, 0, SEEK_CUR)", lseek(fd, 0, SEEK_CUR));
    show("lseek(fd, 0, SEEK_SET)", lseek(fd, 0, SEEK_SET));
    n = show("read(fd)", read(fd, buf, sizeof buf));
    printf("file: \"%.*s\"\n", (int)(n > 0 ? n - 1 : 0), buf);
    show("close(fd)", close(fd));
    show("unlink", unlink(path));

    printf("-- child on cpu 3 moves the write end to fd 20 --\n");
    static int p[2];
    CHECK(pipe(p) == 0);
    c = shadowsel_spawn(3, mover, p);
    CHECK(c > 0);
    reap(c, "child on cpu 3");
    show("write(p[1], \" + parent\"): the parent's copy is untouched", write(p[1], " + parent", 9));
    show("fcntl(20, F_GETFL) in the parent", fcntl(20, F_GETFL));
    close(p[1]);
    n = read_full(p[0], buf, sizeof buf);
    printf("read until EOF: \"%.*s\"\n", (int)(n > 0 ? n : 0), buf);
    close(p[0]);

    printf("-- child on cpu 1 closes both inherited ends --\n");
    static int q[2];
    CHECK(pipe(q) == 0);
    c = shadowsel_spawn(1, closer, q);
    CHECK(c > 0);
    reap(c, "child on cpu 1");
    show("write(q[1], \"ok\")", write(q[1], "ok", 2));
    n = show("read(q[0])", read(q[0], buf, sizeof buf));
    printf("data: \"%.*s\"\n", (int)(n > 0 ? n : 0), buf);
    close(q[0]);
    close(q[1]);

    printf("-- a descriptor opened after the spawn is not inherited --\n");
    static int ctl[2];
    CHECK(pipe(ctl) == 0);
    c = shadowsel_spawn(1, prober, ctl);
    CHECK(c > 0);
    int late[2];
    CHECK(pipe(late) == 0); /* numbers above ctl's, free in the child */
    close(ctl[0]);
    CHECK(write(ctl[1], &late[0], sizeof late[0]) == sizeof late[0]);
    close(ctl[1]);
    reap(c, "prober on cpu 1 (0: EBADF in the child)");
    show("fcntl(late[0], F_GETFL) in the parent", fcntl(late[0], F_GETFL) & O_ACCMODE);
    close(late[0]);
    close(late[1]);
    return 0;
}
