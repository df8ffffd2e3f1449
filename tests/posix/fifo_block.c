/* SPDX-License-Identifier: MIT
 * fifo_block: a blocking open of a FIFO waits for the other end. The parent's
 * open(O_RDONLY) returns once a child on CPU 1 opens for writing (100 ms
 * later); the parent's open(O_WRONLY) waits for a reader on CPU 3; and a
 * child on CPU 0 meets the parent there. EOF when the writer closes.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "shadowsel/posix/spawn.h"

static char path[128];

static int late_writer(void *arg)
{
    (void)arg;
    usleep(100000);
    int fd = open(path, O_WRONLY);
    if (fd < 0)
        return 1;
    if (write(fd, "hello from cpu 1", 16) != 16)
        return 2;
    return close(fd) == 0 ? 0 : 3;
}

/* Opens for reading (after `delay` µs), reads to EOF; exit status = bytes. */
static int reader(void *arg)
{
    const int *delay = arg;
    char buf[256];
    if (*delay)
        usleep(*delay);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return 255;
    ssize_t n = read_full(fd, buf, sizeof buf);
    close(fd);
    return n < 0 ? 254 : (int)n;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    char buf[256];
    temp_path(path, sizeof path, "fifo_block", ".fifo");
    show("mkfifo", mkfifo(path, 0600));

    printf("-- open(O_RDONLY) waits for a writer on cpu 1 --\n");
    long long t0 = now_us();
    pid_t c = shadowsel_spawn(1, late_writer, NULL);
    CHECK(c > 0);
    int fd = show_fd("open(O_RDONLY)", open(path, O_RDONLY));
    printf("waited >= 100 ms: %s\n", yesno(now_us() - t0 >= 100000));
    long n = read_full(fd, buf, sizeof buf);
    printf("read to EOF: %ld bytes \"%.*s\"\n", n, (int)(n > 0 ? n : 0), buf);
    show("read at EOF", read(fd, buf, sizeof buf));
    close(fd);
    reap(c, "writer on cpu 1");

    printf("-- open(O_WRONLY) waits for a reader on cpu 3 --\n");
    static const int delay = 100000, no_delay = 0;
    t0 = now_us();
    c = shadowsel_spawn(3, reader, (void *)&delay);
    CHECK(c > 0);
    fd = show_fd("open(O_WRONLY)", open(path, O_WRONLY));
    printf("waited >= 100 ms: %s\n", yesno(now_us() - t0 >= 100000));
    show("write(\"for the reader on cpu 3\")", write(fd, "for the reader on cpu 3", 23));
    close(fd);
    reap(c, "reader on cpu 3 (status = bytes read)");

    printf("-- parent and a child on cpu 0 open at the same time --\n");
    c = shadowsel_spawn(0, reader, (void *)&no_delay);
    CHECK(c > 0);
    fd = show_fd("open(O_WRONLY)", open(path, O_WRONLY));
    show("write(\"same cpu\")", write(fd, "same cpu", 8));
    close(fd);
    reap(c, "reader on cpu 0 (status = bytes read)");

    show("unlink", unlink(path));
    return 0;
}
