/* SPDX-License-Identifier: MIT
 * notify_loop: the workload of epoll_bus_msgs_per_event and select_bus_msgs_per_event
 * (bench/run.py, Bench.notify_loop). A reader on CPU 1 waits for a pipe whose real
 * structure is on CPU 0, reads the byte a writer on CPU 0 put there, and acknowledges
 * it through a second pipe; then the next byte. Built twice: with NOTIFY_LOOP_EPOLL
 * the reader waits in epoll_wait (one registration for the whole run, level-
 * triggered), without it in select (one call per event), as a Linux server loop
 * would. Events: SHADOWSEL_LOOP_EVENTS (default 100); run.py differences two runs so
 * that start-up is not counted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <unistd.h>

#include "shadowsel/posix/spawn.h"

#define CHECK(c)                                               \
    do {                                                       \
        if (!(c)) {                                            \
            printf("notify_loop: failed at line %d\n", __LINE__); \
            exit(99);                                          \
        }                                                      \
    } while (0)

struct loop { int data[2], ack[2], events; };

static int reader(void *arg)
{
    const struct loop *l = arg;
    close(l->data[1]);
    close(l->ack[0]);
#ifdef NOTIFY_LOOP_EPOLL
    int ep = epoll_create1(0);
    CHECK(ep >= 0);
    struct epoll_event e = {EPOLLIN, {0}};
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, l->data[0], &e) == 0);
#endif
    for (int i = 0; i < l->events; i++) {
#ifdef NOTIFY_LOOP_EPOLL
        struct epoll_event got;
        CHECK(epoll_wait(ep, &got, 1, -1) == 1);
#else
        fd_set r;
        FD_ZERO(&r);
        FD_SET(l->data[0], &r);
        CHECK(select(l->data[0] + 1, &r, NULL, NULL, NULL) == 1);
#endif
        char c;
        CHECK(read(l->data[0], &c, 1) == 1);
        CHECK(write(l->ack[1], &c, 1) == 1);
    }
    return 0;
}

int main(void)
{
    static struct loop l;
    const char *n = getenv("SHADOWSEL_LOOP_EVENTS");
    l.events = n ? atoi(n) : 100;
    CHECK(l.events > 0);
    CHECK(pipe(l.data) == 0 && pipe(l.ack) == 0);
    pid_t r = shadowsel_spawn(1, reader, &l);
    CHECK(r > 0);
    close(l.data[0]);
    close(l.ack[1]);
    for (int i = 0; i < l.events; i++) {
        char c = 'e';
        CHECK(write(l.data[1], &c, 1) == 1);
        CHECK(read(l.ack[0], &c, 1) == 1);
    }
    int st;
    CHECK(waitpid(r, &st, 0) == r && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    printf("events %d\n", l.events);
    return 0;
}
