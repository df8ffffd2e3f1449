/* SPDX-License-Identifier: MIT
 * sock_accept_poll: a listening socket under poll(). Not readable before any
 * connection (timeout 0 gives 0); POLLIN alone once a client on CPU 2 has
 * connected (it sends a pipe byte after connect returns; the poll waits
 * with timeout -1 so the handshake's last step may still be in flight);
 * accept4 flags; a non-blocking accept on an empty queue is EAGAIN; two
 * clients from CPUs 1 and 3 are accepted in one poll/accept loop. Also the
 * revents of a fresh, a bound and an accepted socket. Clients are spawned
 * before any connected socket exists and exit at EOF.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/select.h>
#include <unistd.h>

#include "common.h"
#include "shadowsel/posix/spawn.h"
#include "sock_common.h"

struct client { int cpu; in_port_t port; int listener; int go[2], done[2]; };
static struct client clients[3]; /* CPUs 2, 1, 3 */

static int run_client(void *arg)
{
    const struct client *c = arg;
    close(c->listener);
    close(c->go[1]);
    close(c->done[0]);
    wait_byte(c->go[0]);
    int fd = connect_new(c->port);
    send_byte(c->done[1], 'c');
    char b;
    ssize_t r = recv(fd, &b, 1, 0); /* EOF when the server closes */
    close(fd);
    return r == 0 ? 0 : 1;
}

#define EV (POLLIN | POLLOUT)


int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    in_port_t port;
    int ls = listen_loopback(&port, 8);
    static const int cpus[3] = {2, 1, 3};
    pid_t pid[3];
    for (int k = 0; k < 3; k++) {
        struct client *c = &clients[k];
        c->cpu = cpus[k];
        c->port = port;
        c->listener = ls;
        CHECK(pipe(c->go) == 0 && pipe(c->done) == 0);
        pid[k] = shadowsel_spawn(c->cpu, run_client, c);
        CHECK(pid[k] > 0);
        close(c->go[0]);
        close(c->done[1]);
    }

    printf("-- sockets that are not connected --\n");
    int s = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(s >= 0);
    poll_show("fresh socket, events=POLLIN|POLLOUT", s, EV, 0);
    poll_show("fresh socket, events=0", s, 0, 0);
    select_show("fresh socket", s);
    CHECK(bind_loopback(s, 0) == 0);
    poll_show("bound socket, events=POLLIN|POLLOUT", s, EV, 0);
    CHECK(listen(s, 1) == 0);
    poll_show("listening socket, events=POLLIN|POLLOUT", s, EV, 0);
    close(s);

    printf("-- the listener, nobody connected --\n");
    poll_show("listener", ls, EV, 0);
    poll_show("listener, events=0", ls, 0, 0);
    select_show("listener", ls);
    int fl = fcntl(ls, F_GETFL);
    show("fcntl F_SETFL O_NONBLOCK", fcntl(ls, F_SETFL, fl | O_NONBLOCK));
    show("accept, empty queue", accept(ls, NULL, NULL));
    show("accept4, empty queue", accept4(ls, NULL, NULL, SOCK_CLOEXEC));
    show("fcntl F_SETFL back to blocking", fcntl(ls, F_SETFL, fl));

    printf("-- a client on cpu 2 connects --\n");
    send_byte(clients[0].go[1], 'g');
    wait_byte(clients[0].done[0]);
    printf("client on cpu 2: connect returned\n");
    poll_show("listener, poll(-1)", ls, EV, -1);
    poll_show("listener, again", ls, EV, 0);
    select_show("listener", ls);
    int a1 = show_fd("accept4 SOCK_NONBLOCK", accept4(ls, NULL, NULL, SOCK_NONBLOCK));
    CHECK(a1 >= 0);
    printf("accepted socket O_NONBLOCK: %s\n", yesno(fcntl(a1, F_GETFL) & O_NONBLOCK));
    poll_show("listener after accept", ls, EV, 0);
    poll_show("accepted socket", a1, EV, 0);
    select_show("accepted socket", a1);
    char b;
    show("recv on the accepted socket", recv(a1, &b, 1, 0));

    printf("-- clients on cpus 1 and 3 connect --\n");
    show("fcntl F_SETFL O_NONBLOCK", fcntl(ls, F_SETFL, fl | O_NONBLOCK));
    send_byte(clients[1].go[1], 'g');
    send_byte(clients[2].go[1], 'g');
    wait_byte(clients[1].done[0]);
    wait_byte(clients[2].done[0]);
    printf("clients on cpus 1 and 3: connect returned\n");
    int acc[2], n = 0, bad_revents = 0, eagain_seen = 0;
    while (n < 2) {
        struct pollfd p = {.fd = ls, .events = EV};
        CHECK(poll(&p, 1, -1) == 1);
        bad_revents += p.revents != POLLIN;
        for (;;) {
            int fd = accept(ls, NULL, NULL);
            if (fd < 0) {
                CHECK(errno == EAGAIN);
                eagain_seen = 1;
                break;
            }
            CHECK(n < 2);
            acc[n++] = fd;
        }
    }
    printf("accepted %d in the loop, the last accept EAGAIN: %s, every revents POLLIN: %s\n", n,
           yesno(eagain_seen), yesno(bad_revents == 0));
    printf("accept without accept4 flags: O_NONBLOCK not inherited from the listener: %s\n",
           yesno(!(fcntl(acc[0], F_GETFL) & O_NONBLOCK) && !(fcntl(acc[1], F_GETFL) & O_NONBLOCK)));
    poll_show("listener, all accepted", ls, EV, 0);

    close(a1);
    close(acc[0]);
    close(acc[1]);
    reap(pid[0], "client on cpu 2");
    reap(pid[1], "client on cpu 1");
    reap(pid[2], "client on cpu 3");
    close(ls);
    return 0;
}
