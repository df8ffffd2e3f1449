/* SPDX-License-Identifier: MIT
 * epoll_edge: an epoll instance on CPU 1 watching a pipe whose real structure
 * is on CPU 0, written by a process on CPU 2 when the watcher asks. Edge
 * triggered: one report per write, none for data left unread or for the
 * watcher's own reads, a new one for each new write, draining to EAGAIN;
 * EPOLLONESHOT: one report, then none until EPOLL_CTL_MOD re-arms it (at once
 * when data is there); level triggered again: EPOLLHUP when the writer on
 * CPU 2 closes, then EOF.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "common.h"
#include "shadowsel/posix/spawn.h"

struct fds { int data[2], cmd[2], ack[2]; };

/* CPU 2: writes what it is told to, acknowledges each command. */
static int writer(void *arg)
{
    const struct fds *f = arg;
    close(f->data[0]);
    close(f->cmd[1]);
    close(f->ack[0]);
    for (;;) {
        char c = wait_byte(f->cmd[0]);
        if (c == 'w')
            CHECK(write(f->data[1], "abc", 3) == 3);
        else if (c == 'x')
            CHECK(write(f->data[1], "d", 1) == 1);
        else if (c == 'q')
            CHECK(close(f->data[1]) == 0);
        send_byte(f->ack[1], 'k');
        if (c == 'q')
            return 0;
    }
}

static void order(const struct fds *f, char c)
{
    send_byte(f->cmd[1], c);
    CHECK(wait_byte(f->ack[0]) == 'k');
}

static void mod(int ep, int fd, unsigned events)
{
    struct epoll_event e;
    memset(&e, 0, sizeof e);
    e.events = events;
    e.data.u64 = 1;
    show("MOD", epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e));
}

static void drain(int fd)
{
    char buf[2];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0) {
            printf("  read: -1 %s\n", errname(errno));
            return;
        }
        printf("  read: %zd\n", n);
        if (n == 0)
            return;
    }
}

/* CPU 1: the watcher, the only printer while the parent waits. */
static int watcher(void *arg)
{
    const struct fds *f = arg;
    close(f->data[1]);
    close(f->cmd[0]);
    close(f->ack[1]);
    CHECK(fcntl(f->data[0], F_SETFL, O_NONBLOCK) == 0);
    struct epoll_event ev[4], e;
    int ep = epoll_create1(0);
    CHECK(ep >= 0);
    memset(&e, 0, sizeof e);
    e.events = EPOLLIN | EPOLLET;
    e.data.u64 = 1;
    show("ADD EPOLLIN|EPOLLET", epoll_ctl(ep, EPOLL_CTL_ADD, f->data[0], &e));

    printf("-- edge-triggered\n");
    show_epoll_events("empty", epoll_wait(ep, ev, 4, 0), ev);
    order(f, 'w');
    show_epoll_events("after a write", epoll_wait(ep, ev, 4, -1), ev);
    show_epoll_events("again, data unread", epoll_wait(ep, ev, 4, 0), ev);
    char c;
    CHECK(read(f->data[0], &c, 1) == 1);
    show_epoll_events("after reading 1 of 3", epoll_wait(ep, ev, 4, 0), ev);
    order(f, 'x');
    show_epoll_events("after another write", epoll_wait(ep, ev, 4, -1), ev);
    printf("drain to EAGAIN:\n");
    drain(f->data[0]);
    show_epoll_events("drained", epoll_wait(ep, ev, 4, 0), ev);

    printf("-- one-shot\n");
    mod(ep, f->data[0], EPOLLIN | EPOLLONESHOT);
    show_epoll_events("empty", epoll_wait(ep, ev, 4, 0), ev);
    order(f, 'w');
    show_epoll_events("after a write", epoll_wait(ep, ev, 4, -1), ev);
    order(f, 'x');
    show_epoll_events("after another write, not re-armed", epoll_wait(ep, ev, 4, 0), ev);
    mod(ep, f->data[0], EPOLLIN | EPOLLONESHOT);
    show_epoll_events("re-armed with data there", epoll_wait(ep, ev, 4, 0), ev);
    show_epoll_events("fired again? ", epoll_wait(ep, ev, 4, 0), ev);
    printf("drain to EAGAIN:\n");
    drain(f->data[0]);

    printf("-- level-triggered, the writer closes on CPU 2\n");
    mod(ep, f->data[0], EPOLLIN);
    show_epoll_events("empty", epoll_wait(ep, ev, 4, 0), ev);
    order(f, 'q');
    show_epoll_events("writer closed", epoll_wait(ep, ev, 4, -1), ev);
    show_epoll_events("still", epoll_wait(ep, ev, 4, 0), ev);
    drain(f->data[0]);
    CHECK(close(ep) == 0);
    return 0;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    static struct fds f;
    CHECK(pipe(f.data) == 0);
    CHECK(pipe(f.cmd) == 0);
    CHECK(pipe(f.ack) == 0);
    pid_t w = shadowsel_spawn(2, writer, &f);
    CHECK(w > 0);
    pid_t r = shadowsel_spawn(1, watcher, &f);
    CHECK(r > 0);
    close(f.data[0]);
    close(f.data[1]);
    close(f.cmd[0]);
    close(f.cmd[1]);
    close(f.ack[0]);
    close(f.ack[1]);
    reap(r, "watcher");
    reap(w, "writer");
    return 0;
}
