/* SPDX-License-Identifier: MIT
 * sock_select_many: four processes wait on one shared listening socket
 * (O_NONBLOCK, inherited): two on CPU 1 and one on CPU 2 in select, one on
 * CPU 3 in poll. The parent (CPU 0) connects once. Linux wakes every
 * select/poll waiter of a listener (they are not exclusive waits), so all
 * four report "readable"; then, all at once, each tries one accept: exactly
 * one gets the connection, the others EAGAIN. Only counts are printed.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/select.h>
#include <unistd.h>

#include "common.h"
#include "shadowsel/posix/spawn.h"
#include "sock_common.h"

#define N 4

struct args { int listener; int use_poll; int ready[2], go[2], report[2]; };
static struct args A[N];
static const int cpus[N] = {1, 1, 2, 3};

/* Reports: 'r' about to wait; then 'w' woken with the listener readable
 * (or '?'); after the go byte, 'a' accepted or 'e' EAGAIN (or '?'). */
static int waiter(void *arg)
{
    const struct args *a = arg;
    close(a->ready[0]);
    close(a->go[1]);
    close(a->report[0]);
    send_byte(a->ready[1], 'r');
    int readable;
    if (a->use_poll) {
        struct pollfd p = {.fd = a->listener, .events = POLLIN};
        int n = poll(&p, 1, -1);
        readable = n == 1 && p.revents == POLLIN;
    } else {
        fd_set r;
        FD_ZERO(&r);
        FD_SET(a->listener, &r);
        int n = select(a->listener + 1, &r, NULL, NULL, NULL);
        readable = n == 1 && FD_ISSET(a->listener, &r);
    }
    send_byte(a->report[1], readable ? 'w' : '?');
    wait_byte(a->go[0]);
    int s = accept(a->listener, NULL, NULL);
    char res = s >= 0 ? 'a' : errno == EAGAIN ? 'e' : '?';
    if (s >= 0) {
        char c;
        CHECK(recv(s, &c, 1, 0) == 1 && c == 'h');
        close(s);
    }
    send_byte(a->report[1], res);
    return 0;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGPIPE, SIG_IGN);
    in_port_t port;
    int ls = listen_loopback(&port, 4);
    CHECK(fcntl(ls, F_SETFL, fcntl(ls, F_GETFL) | O_NONBLOCK) == 0);
    show("accept on the empty listener", accept(ls, NULL, NULL));
    pid_t pids[N];
    for (int i = 0; i < N; i++) {
        A[i].listener = ls;
        A[i].use_poll = cpus[i] == 3;
        CHECK(pipe(A[i].ready) == 0 && pipe(A[i].go) == 0 && pipe(A[i].report) == 0);
        pids[i] = shadowsel_spawn(cpus[i], waiter, &A[i]);
        CHECK(pids[i] > 0);
        close(A[i].ready[1]);
        close(A[i].go[0]);
        close(A[i].report[1]);
    }
    for (int i = 0; i < N; i++)
        CHECK(wait_byte(A[i].ready[0]) == 'r');
    /* Give the waiters time to block (the output is the same if they have
     * not: the listener is readable when they look). */
    usleep(100000);
    printf("waiters: %d (select on cpus 1, 1, 2; poll on cpu 3)\n", N);

    int c = connect_new(port);
    CHECK(send(c, "h", 1, 0) == 1);
    printf("connected once\n");
    int woken = 0;
    for (int i = 0; i < N; i++)
        woken += wait_byte(A[i].report[0]) == 'w';
    printf("woken: %d\n", woken);
    poll_show("listener before the accepts", ls, POLLIN | POLLOUT, 0);
    for (int i = 0; i < N; i++)
        send_byte(A[i].go[1], 'g');
    int accepted = 0, eagain = 0, other = 0;
    for (int i = 0; i < N; i++) {
        char r = wait_byte(A[i].report[0]);
        accepted += r == 'a';
        eagain += r == 'e';
        other += r != 'a' && r != 'e';
    }
    printf("accepted: %d\n", accepted);
    printf("EAGAIN: %d\n", eagain);
    printf("other: %d\n", other);
    int ok = 1;
    for (int i = 0; i < N; i++) {
        int st = 0;
        CHECK(waitpid(pids[i], &st, 0) == pids[i]);
        ok &= WIFEXITED(st) && WEXITSTATUS(st) == 0;
    }
    printf("waiters exited 0: %s\n", yesno(ok));
    poll_show("listener afterwards", ls, POLLIN | POLLOUT, 0);
    show("accept", accept(ls, NULL, NULL));
    close(c);
    close(ls);
    return 0;
}
