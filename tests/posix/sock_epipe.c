/* SPDX-License-Identifier: MIT
 * sock_epipe: writing to a TCP peer that has gone. A helper on CPU 2 opens
 * and closes connections to the parent on command (pipe bytes). A peer's
 * close with nothing unread is a FIN: the first write after it succeeds, the
 * closed peer answers with RST, then writes fail with EPIPE (the program
 * waits for POLLHUP/POLLERR before the second write, so the RST is there).
 * MSG_NOSIGNAL gives EPIPE without the signal; a child on CPU 1 with the
 * default SIGPIPE dies of it. A peer closing with unread data sends RST at
 * once: recv gives ECONNRESET (a first send too, SO_ERROR reads it), once.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "shadowsel/posix/spawn.h"
#include "sock_common.h"

#define EV (POLLIN | POLLOUT | POLLRDHUP)

struct args { in_port_t port; int listener; int go[2], ack[2]; };
static struct args helper_args, victim_args;

/* Commands: 'c' connect, 'p' wait until data arrived, 'x' close (unread
 * data stays unread). Each is acknowledged; EOF ends the helper. */
static int helper(void *arg)
{
    const struct args *a = arg;
    close(a->listener);
    close(a->go[1]);
    close(a->ack[0]);
    int fd = -1;
    char cmd;
    while (read(a->go[0], &cmd, 1) == 1) {
        if (cmd == 'c') {
            fd = connect_new(a->port);
        } else if (cmd == 'p') {
            struct pollfd p = {.fd = fd, .events = POLLIN};
            CHECK(poll(&p, 1, -1) == 1 && (p.revents & POLLIN));
        } else if (cmd == 'x') {
            close(fd);
            fd = -1;
        }
        send_byte(a->ack[1], cmd);
    }
    return 0;
}

static void command(char cmd)
{
    send_byte(helper_args.go[1], cmd);
    CHECK(wait_byte(helper_args.ack[0]) == cmd);
}

/* Wait until poll reports `events` (0: until POLLERR or POLLHUP). */
static void wait_for(int fd, short events)
{
    struct pollfd p = {.fd = fd, .events = events};
    CHECK(poll(&p, 1, -1) == 1);
}

/* Default SIGPIPE; the parent closes the connection without reading. */
static int victim(void *arg)
{
    const struct args *a = arg;
    signal(SIGPIPE, SIG_DFL);
    close(a->listener);
    close(a->go[1]);
    close(a->ack[0]);
    wait_byte(a->go[0]);
    int fd = connect_new(a->port);
    send_byte(a->ack[1], 'c');
    wait_for(fd, POLLRDHUP);
    show("victim: first send after the peer's close", send(fd, "abc", 3, 0));
    wait_for(fd, 0);
    printf("victim: RST seen, sending again\n");
    send(fd, "abc", 3, 0);
    printf("victim: still alive after the second send\n");
    return 0;
}

static int accept_helper(void)
{
    command('c');
    int s = accept(helper_args.listener, NULL, NULL);
    CHECK(s >= 0);
    return s;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGPIPE, SIG_IGN);
    char buf[64];
    in_port_t port;
    int ls = listen_loopback(&port, 4);
    struct args *as[2] = {&helper_args, &victim_args};
    for (int i = 0; i < 2; i++) {
        as[i]->port = port;
        as[i]->listener = ls;
        CHECK(pipe(as[i]->go) == 0 && pipe(as[i]->ack) == 0);
    }
    pid_t h = shadowsel_spawn(2, helper, &helper_args);
    CHECK(h > 0);
    pid_t v = shadowsel_spawn(1, victim, &victim_args);
    CHECK(v > 0);
    for (int i = 0; i < 2; i++) {
        close(as[i]->go[0]);
        close(as[i]->ack[1]);
    }

    printf("-- peer closes with nothing unread (SIGPIPE ignored) --\n");
    int s = accept_helper();
    command('x');
    wait_for(s, POLLRDHUP);
    poll_show("peer closed", s, EV, 0);
    show("first send after the peer's close", send(s, "hello", 5, 0));
    wait_for(s, 0);
    poll_show("after the peer's RST", s, EV, 0);
    show("send", send(s, "hello", 5, 0));
    show("send", send(s, "hello", 5, 0));
    show("write", write(s, "hello", 5));
    show("recv", recv(s, buf, sizeof buf, 0));
    show_so_error("so_error", s);

    printf("-- MSG_NOSIGNAL with the default SIGPIPE --\n");
    signal(SIGPIPE, SIG_DFL);
    show("send MSG_NOSIGNAL", send(s, "hello", 5, MSG_NOSIGNAL));
    printf("still alive\n");
    signal(SIGPIPE, SIG_IGN);
    close(s);

    printf("-- a child on cpu 1 with the default SIGPIPE --\n");
    send_byte(victim_args.go[1], 'g');
    wait_byte(victim_args.ack[0]);
    s = accept(ls, NULL, NULL);
    CHECK(s >= 0);
    close(s);
    reap(v, "child on cpu 1");

    printf("-- peer closes with unread data: recv --\n");
    s = accept_helper();
    show("send", send(s, "unread", 6, 0));
    command('p');
    command('x');
    wait_for(s, 0);
    poll_show("after the peer's RST", s, EV, 0);
    show("recv", recv(s, buf, sizeof buf, 0));
    show("recv", recv(s, buf, sizeof buf, 0));
    show("send", send(s, "x", 1, 0));
    poll_show("afterwards", s, EV, 0);
    close(s);

    printf("-- peer closes with unread data: send --\n");
    s = accept_helper();
    show("send", send(s, "unread", 6, 0));
    command('p');
    command('x');
    wait_for(s, 0);
    show("send", send(s, "x", 1, 0));
    show("send", send(s, "x", 1, 0));
    show("recv", recv(s, buf, sizeof buf, 0));
    close(s);

    printf("-- peer closes with unread data: SO_ERROR --\n");
    s = accept_helper();
    show("send", send(s, "unread", 6, 0));
    command('p');
    command('x');
    wait_for(s, 0);
    show_so_error("so_error", s);
    show_so_error("so_error", s);
    show("recv", recv(s, buf, sizeof buf, 0));
    close(s);

    close(helper_args.go[1]);
    reap(h, "helper on cpu 2");
    close(ls);
    return 0;
}
