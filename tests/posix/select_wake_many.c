/* SPDX-License-Identifier: MIT
 * select_wake_many: several processes wait on the same inherited pipe read
 * end: three children on CPU 2 in select(), one on CPU 3 in poll() and one on
 * CPU 0 (the parent's own CPU) in select(). A single byte written by the
 * parent wakes every one of them; none of them reads it.
 */
#include <poll.h>
#include <stdio.h>
#include <sys/select.h>
#include <unistd.h>

#include "common.h"
#include "shadowsel/posix/spawn.h"

static int data[2], ready[2], result[2];

struct waiter { int cpu; int use_poll; };
static const struct waiter waiters[] = {{2, 0}, {2, 0}, {2, 0}, {3, 1}, {0, 0}};
#define NW (int)(sizeof waiters / sizeof waiters[0])

static int waiter(void *arg)
{
    const struct waiter *w = arg;
    int ok;
    close(data[1]);
    send_byte(ready[1], 'r');
    if (w->use_poll) {
        struct pollfd p = {.fd = data[0], .events = POLLIN};
        int n = poll(&p, 1, 10000);
        ok = n == 1 && p.revents == POLLIN;
    } else {
        fd_set r;
        FD_ZERO(&r);
        FD_SET(data[0], &r);
        struct timeval tv = {10, 0};
        int n = select(data[0] + 1, &r, NULL, NULL, &tv);
        ok = n == 1 && FD_ISSET(data[0], &r);
    }
    send_byte(result[1], ok ? 'y' : 'n');
    return ok ? 0 : 1;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    CHECK(pipe(data) == 0 && pipe(ready) == 0 && pipe(result) == 0);
    pid_t pid[NW];
    for (int i = 0; i < NW; i++) {
        pid[i] = shadowsel_spawn(waiters[i].cpu, waiter, (void *)&waiters[i]);
        CHECK(pid[i] > 0);
    }
    close(ready[1]);
    close(result[1]);
    for (int i = 0; i < NW; i++)
        wait_byte(ready[0]);
    printf("all %d waiters started\n", NW);
    usleep(50000); /* let them block */

    /* Nobody woke up yet. */
    struct pollfd pr = {.fd = result[0], .events = POLLIN};
    show("poll(result pipe, 0) before the write", poll(&pr, 1, 0));

    show("write(data, \"!\", 1)", write(data[1], "!", 1));
    char res[NW];
    show("read_full(result pipe, one byte per waiter)", read_full(result[0], res, NW));
    int yes = 0;
    for (int i = 0; i < NW; i++)
        yes += res[i] == 'y';
    printf("waiters that saw the pipe readable: %d of %d\n", yes, NW);
    for (int i = 0; i < NW; i++) {
        char label[64];
        snprintf(label, sizeof label, "waiter %d (cpu %d, %s)", i, waiters[i].cpu,
                 waiters[i].use_poll ? "poll" : "select");
        reap(pid[i], label);
    }
    char c;
    show("read(data): the byte is still there", read(data[0], &c, 1));
    show("read(result) at EOF", read(result[0], &c, 1));
    close(data[0]);
    close(data[1]);
    close(ready[0]);
    close(result[0]);
    return 0;
}
