/* SPDX-License-Identifier: MIT
 * file_dir_ready: regular files and directories are always ready for select
 * and poll (readable and writable, even at EOF or opened read-only), and a
 * ready file makes poll return at once beside an empty pipe. Also open flags
 * (O_CREAT, O_EXCL, O_DIRECTORY), lseek, EISDIR, ENOTDIR, ESPIPE on a pipe.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <sys/select.h>
#include <unistd.h>

#include "common.h"

static void ready(const char *label, int fd)
{
    fd_set r, w, e;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_ZERO(&e);
    FD_SET(fd, &r);
    FD_SET(fd, &w);
    FD_SET(fd, &e);
    struct timeval tv = {0, 0};
    int n = select(fd + 1, &r, &w, &e, &tv);
    printf("%s: select = %d (read %s, write %s, except %s)", label, n, yesno(FD_ISSET(fd, &r)),
           yesno(FD_ISSET(fd, &w)), yesno(FD_ISSET(fd, &e)));
    struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT | POLLPRI};
    n = poll(&p, 1, 0);
    char b[64];
    printf(", poll = %d revents=0x%x %s\n", n, (unsigned)p.revents, pollbits(p.revents, b, sizeof b));
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    char path[128], missing[160], buf[64];
    long n;
    temp_path(path, sizeof path, "file_dir_ready", ".txt");
    snprintf(missing, sizeof missing, "%s.missing", path);

    printf("-- regular file --\n");
    int fd = show_fd("open(O_CREAT|O_RDWR|O_TRUNC)", open(path, O_CREAT | O_RDWR | O_TRUNC, 0600));
    show_fd("open(O_CREAT|O_EXCL) of an existing file", open(path, O_CREAT | O_EXCL | O_RDWR, 0600));
    show_fd("open(missing, O_RDONLY)", open(missing, O_RDONLY));
    ready("empty file", fd);
    show("read at EOF", read(fd, buf, sizeof buf));
    show("write(\"hello\\n\")", write(fd, "hello\n", 6));
    show("lseek(0, SEEK_CUR)", lseek(fd, 0, SEEK_CUR));
    show("lseek(0, SEEK_SET)", lseek(fd, 0, SEEK_SET));
    n = show("read", read(fd, buf, sizeof buf));
    printf("data: \"%.*s\"\n", (int)(n > 1 ? n - 1 : 0), buf);
    show("lseek(-2, SEEK_END)", lseek(fd, -2, SEEK_END));
    show("read", read(fd, buf, sizeof buf));
    show("lseek(-1, SEEK_SET)", lseek(fd, -1, SEEK_SET));
    show("lseek(0, 99)", lseek(fd, 0, 99));
    show("lseek(100, SEEK_SET) past the end", lseek(fd, 100, SEEK_SET));
    show("read past the end", read(fd, buf, sizeof buf));
    ready("file at EOF", fd);
    int ro = show_fd("open(O_RDONLY)", open(path, O_RDONLY));
    show("write(read-only fd)", write(ro, "x", 1));
    ready("read-only file", ro);
    show_fd("open(file, O_RDONLY|O_DIRECTORY)", open(path, O_RDONLY | O_DIRECTORY));

    printf("-- directory --\n");
    int dir = show_fd("open(\"/tmp\", O_RDONLY|O_DIRECTORY)", open("/tmp", O_RDONLY | O_DIRECTORY));
    ready("directory", dir);
    show("read(directory)", read(dir, buf, sizeof buf));
    show_fd("open(\"/tmp\", O_WRONLY)", open("/tmp", O_WRONLY));

    printf("-- a file beside an empty pipe --\n");
    int p[2];
    CHECK(pipe(p) == 0);
    struct pollfd pf[3] = {
        {.fd = p[0], .events = POLLIN}, {.fd = fd, .events = POLLIN}, {.fd = dir, .events = POLLIN}};
    long long t0 = now_us();
    show("poll({empty pipe, file, directory}, 5000)", poll(pf, 3, 5000));
    printf("returned within 1 s: %s\n", yesno(now_us() - t0 < 1000000));
    show_revents("pipe", pf[0].revents);
    show_revents("file", pf[1].revents);
    show_revents("directory", pf[2].revents);
    show("lseek(pipe read end)", lseek(p[0], 0, SEEK_CUR));
    show("lseek(pipe write end)", lseek(p[1], 0, SEEK_SET));

    close(p[0]);
    close(p[1]);
    close(dir);
    close(ro);
    show("close(fd)", close(fd));
    show("unlink", unlink(path));
    show("unlink again", unlink(path));
    return 0;
}
