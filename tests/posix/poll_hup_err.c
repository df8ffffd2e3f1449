/* SPDX-License-Identifier: MIT
 * poll_hup_err: POLLHUP on a pipe read end once every writer is gone (with
 * POLLIN while data remains, reported even with events = 0, and waking a
 * poll(-1) when a writer on CPU 3 closes its end); POLLERR on a write end
 * once every reader is gone (waking a poll when a reader on CPU 1 closes;
 * alone when the pipe is full), and how select shows both.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <sys/select.h>
#include <unistd.h>

#include "common.h"
#include "shadowsel/posix/spawn.h"

static int bye_writer(void *arg)
{
    const int *p = arg;
    close(p[0]);
    return write(p[1], "bye", 3) == 3 ? 0 : 1;
}

struct fds { int p[2], go[2]; int end; };

/* Closes its end `end` of p when told, then exits when go reaches EOF. */
static int closer(void *arg)
{
    const struct fds *f = arg;
    close(f->p[1 - f->end]);
    close(f->go[1]);
    wait_byte(f->go[0]);
    close(f->p[f->end]);
    char c;
    while (read(f->go[0], &c, 1) > 0)
        ;
    return 0;
}

static void poll1(const char *label, int fd, short events, int timeout)
{
    struct pollfd p = {.fd = fd, .events = events};
    int n = poll(&p, 1, timeout);
    char b[64];
    printf("%s: poll = %d, revents=0x%x %s\n", label, n, (unsigned)p.revents,
           pollbits(p.revents, b, sizeof b));
}


int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGPIPE, SIG_IGN);
    char buf[64];

    printf("-- writer on cpu 2 writes and exits --\n");
    static int a[2];
    CHECK(pipe(a) == 0);
    pid_t c = shadowsel_spawn(2, bye_writer, a);
    CHECK(c > 0);
    close(a[1]);
    reap(c, "writer on cpu 2");
    poll1("read end, data left", a[0], POLLIN, 0);
    poll1("same, events=0", a[0], 0, 0);
    poll1("same, events=POLLOUT", a[0], POLLOUT, 0);
    select_show("same", a[0]);
    show("read", read(a[0], buf, sizeof buf));
    poll1("read end, drained", a[0], POLLIN, 0);
    select_show("same", a[0]);
    show("read", read(a[0], buf, sizeof buf));
    poll1("read end after reading EOF", a[0], POLLIN, -1);
    close(a[0]);

    printf("-- writer on cpu 3 closes its end while it lives --\n");
    static struct fds h;
    CHECK(pipe(h.p) == 0 && pipe(h.go) == 0);
    h.end = 1;
    c = shadowsel_spawn(3, closer, &h);
    CHECK(c > 0);
    close(h.p[1]);
    close(h.go[0]);
    poll1("read end, writer alive", h.p[0], POLLIN, 0);
    send_byte(h.go[1], 'c');
    poll1("read end, poll(-1) until the writer closes", h.p[0], POLLIN, -1);
    close(h.go[1]);
    reap(c, "writer on cpu 3");
    close(h.p[0]);

    printf("-- reader on cpu 1 closes its end while it lives --\n");
    static struct fds e;
    CHECK(pipe(e.p) == 0 && pipe(e.go) == 0);
    e.end = 0;
    c = shadowsel_spawn(1, closer, &e);
    CHECK(c > 0);
    close(e.p[0]);
    close(e.go[0]);
    poll1("write end, reader alive", e.p[1], POLLOUT, 0);
    poll1("write end, events=0, reader alive", e.p[1], 0, 0);
    send_byte(e.go[1], 'c');
    poll1("write end, events=0, poll(5000) until the reader closes", e.p[1], 0, 5000);
    poll1("write end, POLLOUT", e.p[1], POLLOUT, 0);
    poll1("write end, POLLIN", e.p[1], POLLIN, 0);
    select_show("write end", e.p[1]);
    show("write", write(e.p[1], "x", 1));
    close(e.go[1]);
    reap(c, "reader on cpu 1");
    close(e.p[1]);

    printf("-- full pipe, then its reader closes --\n");
    int f[2];
    CHECK(pipe(f) == 0);
    CHECK(fcntl(f[1], F_SETFL, O_NONBLOCK) == 0);
    while (write(f[1], buf, sizeof buf) > 0)
        ;
    poll1("full write end, reader open", f[1], POLLOUT, 0);
    close(f[0]);
    poll1("full write end, no reader", f[1], POLLOUT, 0);
    select_show("full write end, no reader", f[1]);
    close(f[1]);
    return 0;
}
