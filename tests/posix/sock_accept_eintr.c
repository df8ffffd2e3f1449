/* SPDX-License-Identifier: MIT
 * sock_accept_eintr: a handled SIGALRM interrupts a blocking accept() and accept4()
 * (EINTR, the handler ran first, no SA_RESTART); with SA_RESTART the accept is made
 * again and returns the connection a client on CPU 2 makes after the alarm. No
 * connection is lost: one made after an interrupted accept waits in the queue for the
 * next, and a child on CPU 1 killed by SIGKILL while it waits in accept on the inherited
 * listener takes none (the parent accepts the next connection itself).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "alarm.h"
#include "common.h"
#include "shadowsel/posix/spawn.h"
#include "sock_common.h"

struct client { in_port_t port; };

/* CPU 2: connects 300 ms after it starts and sends one byte. */
static int late_client(void *arg)
{
    const struct client *c = arg;
    usleep(300000);
    int fd = connect_new(c->port);
    CHECK(send(fd, "x", 1, 0) == 1);
    close(fd);
    return 0;
}

struct acceptor { int ls; int ready[2]; };

/* CPU 1: says it is about to accept, then waits in accept until it is killed. */
static int doomed_acceptor(void *arg)
{
    const struct acceptor *a = arg;
    close(a->ready[0]);
    send_byte(a->ready[1], 'a');
    int fd = accept(a->ls, NULL, NULL);
    printf("acceptor: not killed (accept = %s)\n", fd >= 0 ? "fd" : errname(errno));
    return 3;
}

static void show_accept(const char *label, int fd)
{
    int e = errno;
    if (fd >= 0)
        printf("%s = fd, alarms %d\n", label, (int)alarms);
    else
        printf("%s = %d %s, alarms %d\n", label, fd, errname(e), (int)alarms);
}

static void show_recv(int s, char *b)
{
    *b = 0;
    long n = (long)recv(s, b, 1, 0);
    printf("recv = %ld '%c'\n", n, *b);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    in_port_t port;
    int ls = listen_loopback(&port, 4);

    set_handler(0);
    alarm_in_ms(100);
    show_accept("accept", accept(ls, NULL, NULL));
    alarm_in_ms(100);
    show_accept("accept4", accept4(ls, NULL, NULL, SOCK_NONBLOCK));

    /* A connection made after the interrupted accepts waits for the next one. */
    int c = connect_new(port);
    int s = accept(ls, NULL, NULL);
    show_accept("accept of a queued connection", s);
    CHECK(send(c, "q", 1, 0) == 1);
    char b = 0;
    show_recv(s, &b);
    close(s);
    close(c);

    set_handler(SA_RESTART);
    static struct client cl;
    cl.port = port;
    pid_t pid = shadowsel_spawn(2, late_client, &cl);
    CHECK(pid > 0);
    alarm_in_ms(100);
    s = accept(ls, NULL, NULL);
    show_accept("SA_RESTART accept", s);
    show_recv(s, &b);
    close(s);
    reap(pid, "client");

    static struct acceptor a;
    a.ls = ls;
    CHECK(pipe(a.ready) == 0);
    pid = shadowsel_spawn(1, doomed_acceptor, &a);
    CHECK(pid > 0);
    close(a.ready[1]);
    printf("acceptor says %c\n", wait_byte(a.ready[0]));
    usleep(100000); /* it is in accept by now */
    show("kill SIGKILL", kill(pid, SIGKILL));
    reap(pid, "acceptor");
    c = connect_new(port);
    s = accept(ls, NULL, NULL);
    show_accept("accept after the killed acceptor", s);
    CHECK(send(c, "k", 1, 0) == 1);
    show_recv(s, &b);
    close(s);
    close(c);
    close(a.ready[0]);
    close(ls);
    return 0;
}
