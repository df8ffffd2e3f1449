/* SPDX-License-Identifier: MIT
 * epoll_basic: epoll on one CPU. epoll_create/epoll_create1 and their EINVAL;
 * epoll_ctl's errors in Linux's order (EBADF, EPERM for a regular file, EINVAL
 * for the instance itself and for a descriptor that is not an instance,
 * EPOLLEXCLUSIVE's EINVAL cases, EEXIST, ENOENT, an unknown op); level-triggered
 * reports that stay while data is there; the ready list's order when
 * maxevents is smaller than the ready items (reported items go to the tail);
 * EPOLLHUP after the writer closes and the closed descriptor leaving the set;
 * the epoll descriptor itself readable in poll() and inside another instance;
 * ELOOP; read/write on an instance; epoll_wait's errors; an eventfd in the set;
 * epoll_pwait with a mask that lets a pending SIGUSR1 in (EINTR after its
 * handler, blocked again after the call).
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "common.h"

static volatile sig_atomic_t usr1_hits;
static void on_usr1(int sig)
{
    (void)sig;
    ++usr1_hits;
}

static int add(int ep, int fd, unsigned events, unsigned long long data)
{
    struct epoll_event e;
    memset(&e, 0, sizeof e);
    e.events = events;
    e.data.u64 = data;
    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct epoll_event ev[8], e;
    memset(&e, 0, sizeof e);

    int ep = (int)show_fd("epoll_create1(0)", epoll_create1(0));
    int ep2 = (int)show_fd("epoll_create1(EPOLL_CLOEXEC)", epoll_create1(EPOLL_CLOEXEC));
    show("epoll_create1(0x1234)", epoll_create1(0x1234));
    show("epoll_create(0)", epoll_create(0));
    int ep3 = (int)show_fd("epoll_create(1)", epoll_create(1));
    show("close(epoll_create(1))", close(ep3));

    int p[2];
    CHECK(pipe(p) == 0);
    char path[64];
    snprintf(path, sizeof path, "/tmp/shadowsel-epoll_basic-%d", (int)getpid());
    int file = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    CHECK(file >= 0);

    printf("-- epoll_ctl errors\n");
    show("ADD bad epfd", add(-1, p[0], EPOLLIN, 0));
    show("ADD bad fd", add(ep, 999, EPOLLIN, 0));
    show("ADD regular file", add(ep, file, EPOLLIN, 0));
    show("ADD epfd to itself", add(ep, ep, EPOLLIN, 0));
    show("ADD into a pipe", add(p[0], p[1], EPOLLIN, 0));
    show("ADD regular file into a pipe", add(p[0], file, EPOLLIN, 0));
    show("ADD EXCLUSIVE|ONESHOT", add(ep, p[0], EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT, 0));
    show("ADD EXCLUSIVE epoll fd", add(ep, ep2, EPOLLIN | EPOLLEXCLUSIVE, 0));
    show("MOD not added", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &e));
    show("DEL not added", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
    show("op 77", epoll_ctl(ep, 77, p[0], &e));
    show("ADD read end", add(ep, p[0], EPOLLIN, 1));
    show("ADD read end again", add(ep, p[0], EPOLLIN, 1));
    e.events = EPOLLIN | EPOLLEXCLUSIVE;
    show("MOD to EXCLUSIVE", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &e));

    printf("-- level-triggered\n");
    show_epoll_events("empty pipe, timeout 0", epoll_wait(ep, ev, 8, 0), ev);
    show_epoll_events("empty pipe, timeout 30 ms", epoll_wait(ep, ev, 8, 30), ev);
    CHECK(write(p[1], "abc", 3) == 3);
    show_epoll_events("after write", epoll_wait(ep, ev, 8, -1), ev);
    show_epoll_events("again, nothing read", epoll_wait(ep, ev, 8, 0), ev);
    char buf[16];
    CHECK(read(p[0], buf, 2) == 2);
    show_epoll_events("after reading 2 of 3", epoll_wait(ep, ev, 8, 0), ev);
    CHECK(read(p[0], buf, 1) == 1);
    show_epoll_events("after reading all", epoll_wait(ep, ev, 8, 0), ev);

    printf("-- ready list order with maxevents 1\n");
    show("ADD write end", add(ep, p[1], EPOLLOUT, 2));
    CHECK(write(p[1], "z", 1) == 1);
    show_epoll_events("call 1", epoll_wait(ep, ev, 1, 0), ev);
    show_epoll_events("call 2", epoll_wait(ep, ev, 1, 0), ev);
    show_epoll_events("call 3", epoll_wait(ep, ev, 1, 0), ev);
    show_epoll_events("all", epoll_wait(ep, ev, 8, 0), ev);

    printf("-- the instance as a file\n");
    struct pollfd pf = {ep, POLLIN | POLLOUT, 0};
    show("poll(epfd)", poll(&pf, 1, 0));
    show_revents("epfd", pf.revents);
    show("ADD ep into ep2", add(ep2, ep, EPOLLIN, 7));
    show_epoll_events("ep2", epoll_wait(ep2, ev, 8, 0), ev);
    show("ADD ep2 into ep (loop)", add(ep, ep2, EPOLLIN, 8));
    show("read(epfd)", read(ep, buf, sizeof buf));
    show("write(epfd)", write(ep, "x", 1));
    show("lseek(epfd)", lseek(ep, 0, SEEK_SET));
    CHECK(read(p[0], buf, 1) == 1);
    show("DEL write end", epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL));
    show_epoll_events("ep2 after draining", epoll_wait(ep2, ev, 8, 0), ev);
    pf.revents = 0;
    show("poll(epfd) after draining", poll(&pf, 1, 0));

    printf("-- hangup\n");
    int w2 = dup(p[1]);
    CHECK(w2 >= 0);
    CHECK(close(p[1]) == 0);
    show_epoll_events("one writer left", epoll_wait(ep, ev, 8, 0), ev);
    CHECK(close(w2) == 0);
    show_epoll_events("writers closed", epoll_wait(ep, ev, 8, -1), ev);
    int keep = dup(p[0]);
    CHECK(keep >= 0);
    CHECK(close(p[0]) == 0);
    show_epoll_events("registered fd closed, dup open", epoll_wait(ep, ev, 8, 0), ev);
    show("DEL closed fd", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
    CHECK(close(keep) == 0);
    show_epoll_events("file closed", epoll_wait(ep, ev, 8, 0), ev);

    printf("-- epoll_wait errors\n");
    show("maxevents 0", epoll_wait(ep, ev, 0, 0));
    volatile int negative = -1; /* a constant would be a compile-time warning */
    show("maxevents -1", epoll_wait(ep, ev, negative, 0));
    show("bad epfd", epoll_wait(-1, ev, 8, 0));
    show("not an instance", epoll_wait(file, ev, 8, 0));

    printf("-- eventfd\n");
    int efd = eventfd(0, EFD_NONBLOCK);
    CHECK(efd >= 0);
    show("ADD eventfd", add(ep, efd, EPOLLIN | EPOLLOUT, 9));
    show_epoll_events("counter 0", epoll_wait(ep, ev, 8, 0), ev);
    CHECK(eventfd_write(efd, 3) == 0);
    show_epoll_events("counter 3", epoll_wait(ep, ev, 8, 0), ev);
    eventfd_t got;
    CHECK(eventfd_read(efd, &got) == 0 && got == 3);
    show_epoll_events("read back", epoll_wait(ep, ev, 8, 0), ev);
    CHECK(close(efd) == 0);
    show_epoll_events("eventfd closed", epoll_wait(ep, ev, 8, 0), ev);

    printf("-- epoll_pwait with a mask\n");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
    sigset_t block, open_mask;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    CHECK(sigprocmask(SIG_BLOCK, &block, NULL) == 0);
    CHECK(raise(SIGUSR1) == 0);
    printf("pending before, handler ran %d\n", (int)usr1_hits);
    sigemptyset(&open_mask);
    show("epoll_pwait unblocking SIGUSR1", epoll_pwait(ep, ev, 8, -1, &open_mask));
    printf("handler ran %d\n", (int)usr1_hits);
    sigset_t now;
    CHECK(sigprocmask(SIG_BLOCK, NULL, &now) == 0);
    printf("SIGUSR1 blocked again: %s\n", yesno(sigismember(&now, SIGUSR1)));
    show("epoll_pwait, NULL mask, timeout 0", epoll_pwait(ep, ev, 8, 0, NULL));

    CHECK(close(file) == 0);
    CHECK(unlink(path) == 0);
    CHECK(close(ep) == 0);
    CHECK(close(ep2) == 0);
    return 0;
}
