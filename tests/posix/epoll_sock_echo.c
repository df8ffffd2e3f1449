/* SPDX-License-Identifier: MIT
 * epoll_sock_echo: an echo server on CPU 1 with one level-triggered epoll loop
 * over a listening socket and its connections (the real sockets live on CPU 0,
 * the network I/O process), serving three clients on CPUs 2, 3 and 0. Each
 * client sends messages of varied sizes and checks every echo (poll for
 * POLLIN|POLLOUT, so no buffer size matters), then closes. The server adds each
 * accepted connection with EPOLLIN|EPOLLRDHUP, removes it at EOF (EPOLL_CTL_DEL,
 * close), removes the listener after the third accept, and prints per-client
 * totals (a client is known by the first byte it sends).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "common.h"
#include "shadowsel/posix/spawn.h"
#include "sock_common.h"
#include "echo_client.h"

struct conn { int fd; int id; long bytes; int rdhup; };

static int server(void *arg)
{
    const int ls = *(const int *)arg;
    int ep = epoll_create1(0);
    CHECK(ep >= 0);
    struct epoll_event e;
    memset(&e, 0, sizeof e);
    e.events = EPOLLIN;
    e.data.u32 = NCLIENTS; /* the listener */
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, ls, &e) == 0);
    struct conn conns[NCLIENTS];
    int accepted = 0, open_conns = 0;
    long bytes[NCLIENTS] = {0};
    int eof_seen[NCLIENTS] = {0}, rdhup_seen[NCLIENTS] = {0};
    char *buf = malloc(4096);
    CHECK(buf != NULL);
    while (accepted < NCLIENTS || open_conns > 0) {
        struct epoll_event ev[NCLIENTS + 1];
        int n = epoll_wait(ep, ev, NCLIENTS + 1, -1);
        CHECK(n > 0);
        for (int k = 0; k < n; k++) {
            uint32_t i = ev[k].data.u32;
            if (i == NCLIENTS) {
                CHECK(ev[k].events == EPOLLIN);
                int fd = accept(ls, NULL, NULL);
                CHECK(fd >= 0);
                conns[accepted] = (struct conn){.fd = fd, .id = -1, .bytes = 0, .rdhup = 0};
                memset(&e, 0, sizeof e);
                e.events = EPOLLIN | EPOLLRDHUP;
                e.data.u32 = (uint32_t)accepted;
                CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e) == 0);
                accepted++;
                open_conns++;
                if (accepted == NCLIENTS)
                    CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, ls, NULL) == 0);
                continue;
            }
            struct conn *c = &conns[i];
            if (ev[k].events & EPOLLRDHUP)
                c->rdhup = 1;
            ssize_t got = recv(c->fd, buf, 4096, 0);
            CHECK(got >= 0);
            if (got == 0) {
                CHECK(c->id >= 0);
                eof_seen[c->id] = 1;
                rdhup_seen[c->id] = c->rdhup;
                bytes[c->id] = c->bytes;
                CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL) == 0);
                close(c->fd);
                c->fd = -1;
                open_conns--;
                continue;
            }
            if (c->id < 0) {
                c->id = (unsigned char)buf[0] - 'A';
                CHECK(c->id >= 0 && c->id < NCLIENTS);
            }
            c->bytes += got;
            CHECK(write_full(c->fd, buf, (size_t)got) == got);
        }
    }
    free(buf);
    close(ls);
    struct epoll_event none[1];
    printf("server: %d connections accepted, all at EOF; empty set: %d\n", accepted, epoll_wait(ep, none, 1, 0));
    for (int k = 0; k < NCLIENTS; k++) {
        long want = 0;
        for (int i = 0; i < NMSG; i++)
            want += (long)msg_size(k, i);
        printf("server: client %c: %ld bytes echoed, expected %ld, EOF seen: %s, EPOLLRDHUP before it: %s\n",
               'A' + k, bytes[k], want, yesno(eof_seen[k]), yesno(rdhup_seen[k]));
    }
    close(ep);
    return 0;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    static in_port_t port;
    static int ls;
    ls = listen_loopback(&port, 8);
    pid_t srv = shadowsel_spawn(1, server, &ls);
    CHECK(srv > 0);
    pid_t pid[NCLIENTS];
    static const int cpus[NCLIENTS] = {2, 3, 0};
    for (int k = 0; k < NCLIENTS; k++) {
        clients[k] = (struct client){.cpu = cpus[k], .id = k, .port = port, .listener = ls};
        pid[k] = shadowsel_spawn(cpus[k], run_client, &clients[k]);
        CHECK(pid[k] > 0);
    }
    close(ls);
    reap(srv, "server on cpu 1");
    for (int k = 0; k < NCLIENTS; k++) {
        char label[64];
        snprintf(label, sizeof label, "client %c on cpu %d (mismatched echoes)", 'A' + k, cpus[k]);
        reap(pid[k], label);
    }
    return 0;
}
