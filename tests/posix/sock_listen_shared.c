/* SPDX-License-Identifier: MIT
 * sock_listen_shared: a listening socket inherited by two servers, on CPUs 1
 * and 2; each blocks in accept(), serves one connection (reads a request,
 * replies with it and its own number) and exits. A client on CPU 3 connects
 * three times, one after the other (the third only to see that nobody
 * accepts it). Before the servers start, a first connection waits in the
 * queue: the parent's poll on the shared listener shows POLLIN. Which server
 * served which request varies: only sets and totals are printed.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "shadowsel/posix/spawn.h"
#include "sock_common.h"

struct server_args { int listener; int id; };
struct client_args { in_port_t port; int go[2], report[2]; };
static struct server_args S[2];
static struct client_args C;

static int server(void *arg)
{
    const struct server_args *a = arg;
    int s = accept(a->listener, NULL, NULL);
    CHECK(s >= 0);
    close(a->listener);
    char req[8], rep[8];
    CHECK(read_full(s, req, sizeof req) == (ssize_t)sizeof req);
    memcpy(rep, req, sizeof rep);
    rep[7] = (char)('0' + a->id);
    CHECK(write_full(s, rep, sizeof rep) == (ssize_t)sizeof rep);
    /* EOF: the client closes after reading the reply. */
    CHECK(recv(s, req, 1, 0) == 0);
    close(s);
    return 0;
}

/* Request k: "req k  ", reply: the request with the server's number last.
 * Reports per connection: request number, server number (as bytes). */
static int client(void *arg)
{
    const struct client_args *a = arg;
    close(a->go[1]);
    close(a->report[0]);
    for (int k = 0; k < 2; k++) {
        int fd = connect_new(a->port);
        if (k == 0) {
            send_byte(a->report[1], 'c');
            wait_byte(a->go[0]);
        }
        char req[8] = {'r', 'e', 'q', ' ', (char)('0' + k), ' ', ' ', ' '}, rep[8];
        CHECK(write_full(fd, req, sizeof req) == (ssize_t)sizeof req);
        CHECK(read_full(fd, rep, sizeof rep) == (ssize_t)sizeof rep);
        CHECK(memcmp(rep, req, 7) == 0);
        send_byte(a->report[1], (char)k);
        send_byte(a->report[1], (char)(rep[7] - '0'));
        close(fd);
    }
    /* A third connection: completes (the kernel accepts it into the queue)
     * but nobody serves it. */
    int fd = connect_new(a->port);
    send_byte(a->report[1], 'c');
    wait_byte(a->go[0]);
    close(fd);
    return 0;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGPIPE, SIG_IGN);
    in_port_t port;
    int ls = listen_loopback(&port, 4);
    poll_show("listener, empty queue", ls, POLLIN | POLLOUT, 0);

    C.port = port;
    CHECK(pipe(C.go) == 0 && pipe(C.report) == 0);
    pid_t cp = shadowsel_spawn(3, client, &C);
    CHECK(cp > 0);
    close(C.go[0]);
    close(C.report[1]);
    CHECK(wait_byte(C.report[0]) == 'c');
    {
        struct pollfd p = {.fd = ls, .events = POLLIN};
        CHECK(poll(&p, 1, -1) == 1);
    }
    poll_show("listener, a connection waiting", ls, POLLIN | POLLOUT, 0);

    pid_t sp[2];
    for (int i = 0; i < 2; i++) {
        S[i].listener = ls;
        S[i].id = i + 1;
        sp[i] = shadowsel_spawn(i + 1, server, &S[i]);
        CHECK(sp[i] > 0);
    }
    send_byte(C.go[1], 'g');
    int served[2] = {0, 0}, by[3] = {0, 0, 0}, bad = 0;
    for (int k = 0; k < 2; k++) {
        int req = wait_byte(C.report[0]), srv = wait_byte(C.report[0]);
        if (req >= 0 && req < 2 && srv >= 1 && srv <= 2) {
            served[req]++;
            by[srv]++;
        } else {
            bad++;
        }
    }
    int ok = 1;
    for (int i = 0; i < 2; i++) {
        int st = 0;
        CHECK(waitpid(sp[i], &st, 0) == sp[i]);
        ok &= WIFEXITED(st) && WEXITSTATUS(st) == 0;
    }
    printf("servers exited 0: %s\n", yesno(ok));
    printf("connections served: %d\n", served[0] + served[1]);
    printf("each request answered exactly once: %s\n", yesno(served[0] == 1 && served[1] == 1 && !bad));
    printf("each server served exactly one: %s\n", yesno(by[1] == 1 && by[2] == 1));

    CHECK(wait_byte(C.report[0]) == 'c');
    {
        struct pollfd p = {.fd = ls, .events = POLLIN};
        CHECK(poll(&p, 1, -1) == 1);
    }
    poll_show("listener, a third connection waiting", ls, POLLIN | POLLOUT, 0);
    int s = accept(ls, NULL, NULL);
    show_fd("accept it in the parent", s);
    poll_show("listener, empty again", ls, POLLIN | POLLOUT, 0);
    send_byte(C.go[1], 'g');
    char c;
    show("recv (the client closes)", recv(s, &c, 1, 0));
    close(s);
    reap(cp, "client on cpu 3");
    close(ls);
    return 0;
}
