/* SPDX-License-Identifier: MIT
 * sigpipe_ignore: with SIGPIPE ignored, writing to a pipe that has no reader
 * fails with EPIPE: after the local reader closes, after a reader on CPU 3
 * closes its inherited copy (while still running) and after it exits; also
 * for a full pipe and a non-blocking write. A write of 0 bytes still returns 0.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "shadowsel/posix/spawn.h"

struct fds { int data[2], ack[2], go[2]; };

/* Reads one message, closes the read end, reports, waits to be let go. */
static int reader(void *arg)
{
    const struct fds *f = arg;
    char buf[16];
    close(f->data[1]);
    close(f->ack[0]);
    close(f->go[1]);
    ssize_t n = read_full(f->data[0], buf, 5);
    CHECK(close(f->data[0]) == 0);
    send_byte(f->ack[1], n == 5 && memcmp(buf, "hello", 5) == 0 ? 'y' : 'n');
    wait_byte(f->go[0]);
    return 0;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    sighandler_t old = signal(SIGPIPE, SIG_IGN);
    printf("signal(SIGPIPE, SIG_IGN) returned SIG_DFL: %s\n", yesno(old == SIG_DFL));
    int p[2];
    char buf[4096];
    memset(buf, 'x', sizeof buf);

    printf("-- local reader --\n");
    CHECK(pipe(p) == 0);
    show("write(\"abc\") with a reader", write(p[1], "abc", 3));
    show("close(read end)", close(p[0]));
    show("write(\"abc\") without a reader", write(p[1], "abc", 3));
    show("write(buf, 0) without a reader", write(p[1], buf, 0));
    show("fcntl(write end, F_SETFL, O_NONBLOCK)", fcntl(p[1], F_SETFL, O_NONBLOCK));
    show("write(\"abc\") nonblock without a reader", write(p[1], "abc", 3));
    close(p[1]);

    printf("-- full pipe, then the reader closes --\n");
    CHECK(pipe(p) == 0);
    CHECK(fcntl(p[1], F_SETFL, O_NONBLOCK) == 0);
    long total = 0;
    ssize_t r;
    while ((r = write(p[1], buf, sizeof buf)) > 0)
        total += r;
    printf("filled %ld bytes, then write = %ld %s\n", total, (long)r, errname(errno));
    show("close(read end)", close(p[0]));
    show("write(full pipe, no reader, nonblock)", write(p[1], buf, 1));
    close(p[1]);

    printf("-- reader on cpu 3 --\n");
    static struct fds f;
    CHECK(pipe(f.data) == 0 && pipe(f.ack) == 0 && pipe(f.go) == 0);
    pid_t c = shadowsel_spawn(3, reader, &f);
    CHECK(c > 0);
    close(f.data[0]);
    close(f.ack[1]);
    close(f.go[0]);
    show("write(\"hello\") to the remote reader", write(f.data[1], "hello", 5));
    printf("reader got it and closed its end: %c\n", wait_byte(f.ack[0]));
    show("write(\"more\") after the remote reader closed", write(f.data[1], "more", 4));
    send_byte(f.go[1], 'g');
    reap(c, "reader on cpu 3");
    show("write(\"more\") after the reader exited", write(f.data[1], "more", 4));
    close(f.data[1]);
    close(f.ack[0]);
    close(f.go[1]);

    old = signal(SIGPIPE, SIG_DFL);
    printf("signal(SIGPIPE, SIG_DFL) returned SIG_IGN: %s\n", yesno(old == SIG_IGN));
    return 0;
}
