/* SPDX-License-Identifier: MIT
 * select_filter: a multi-input filter. A child on CPU 1 select()s on three
 * pipes fed by producers on CPUs 2, 3 and 0, copies everything to an output
 * pipe read by the parent, drops each input at its EOF and prints per-input
 * totals at the end. Every process closes the pipe ends it does not use, or
 * EOF would never come.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include "common.h"
#include "shadowsel/posix/spawn.h"

#define NIN 3
struct producer { int cpu; char letter; int chunks; size_t size; int pause_us; };
static const struct producer producers[NIN] = {
    {2, 'a', 40, 700, 2000}, {3, 'b', 5, 9000, 15000}, {0, 'c', 300, 13, 0},
};
static int in[NIN][2], out[2];

static void close_all_but(int keep_r, int keep_w)
{
    for (int i = 0; i < NIN; i++)
        for (int e = 0; e < 2; e++)
            if (in[i][e] != keep_r && in[i][e] != keep_w)
                close(in[i][e]);
    if (out[0] != keep_r)
        close(out[0]);
    if (out[1] != keep_w)
        close(out[1]);
}

static int produce(void *arg)
{
    const struct producer *p = arg;
    int k = (int)(p - producers);
    close_all_but(-1, in[k][1]);
    char *buf = malloc(p->size);
    CHECK(buf != NULL);
    memset(buf, p->letter, p->size);
    for (int i = 0; i < p->chunks; i++) {
        if (write_full(in[k][1], buf, p->size) != (ssize_t)p->size)
            return 1;
        if (p->pause_us)
            usleep(p->pause_us);
    }
    free(buf);
    return 0;
}

static int filter(void *arg)
{
    (void)arg;
    long bytes[NIN] = {0}, bad[NIN] = {0};
    int open_in[NIN], open_count = NIN;
    char buf[1000];
    for (int i = 0; i < NIN; i++) {
        close(in[i][1]);
        open_in[i] = 1;
    }
    close(out[0]);
    while (open_count > 0) {
        fd_set r;
        int maxfd = -1;
        FD_ZERO(&r);
        for (int i = 0; i < NIN; i++)
            if (open_in[i]) {
                FD_SET(in[i][0], &r);
                if (in[i][0] > maxfd)
                    maxfd = in[i][0];
            }
        int n = select(maxfd + 1, &r, NULL, NULL, NULL);
        CHECK(n > 0);
        for (int i = 0; i < NIN; i++) {
            if (!open_in[i] || !FD_ISSET(in[i][0], &r))
                continue;
            ssize_t got = read(in[i][0], buf, sizeof buf);
            CHECK(got >= 0);
            if (got == 0) {
                close(in[i][0]);
                open_in[i] = 0;
                open_count--;
                continue;
            }
            for (ssize_t j = 0; j < got; j++)
                bad[i] += buf[j] != producers[i].letter;
            bytes[i] += got;
            CHECK(write_full(out[1], buf, (size_t)got) == got);
        }
    }
    for (int i = 0; i < NIN; i++)
        printf("filter: input %c (cpu %d): %ld bytes, %ld unexpected, EOF seen\n",
               producers[i].letter, producers[i].cpu, bytes[i], bad[i]);
    return 0;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    for (int i = 0; i < NIN; i++)
        CHECK(pipe(in[i]) == 0);
    CHECK(pipe(out) == 0);
    pid_t f = shadowsel_spawn(1, filter, NULL);
    CHECK(f > 0);
    pid_t prod[NIN];
    for (int i = 0; i < NIN; i++) {
        prod[i] = shadowsel_spawn(producers[i].cpu, produce, (void *)&producers[i]);
        CHECK(prod[i] > 0);
    }
    close_all_but(out[0], -1);

    long count[NIN] = {0}, total = 0;
    char buf[4096];
    ssize_t n;
    while ((n = read(out[0], buf, sizeof buf)) > 0) {
        for (ssize_t j = 0; j < n; j++)
            if (buf[j] >= 'a' && buf[j] < 'a' + NIN)
                count[buf[j] - 'a']++;
        total += n;
    }
    show("parent: last read of the output", n);
    reap(f, "filter on cpu 1");
    for (int i = 0; i < NIN; i++) {
        char label[64];
        snprintf(label, sizeof label, "producer %c on cpu %d", producers[i].letter, producers[i].cpu);
        reap(prod[i], label);
    }
    printf("parent: %ld bytes out: a=%ld b=%ld c=%ld\n", total, count[0], count[1], count[2]);
    close(out[0]);
    return 0;
}
