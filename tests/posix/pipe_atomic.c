/* SPDX-License-Identifier: MIT
 * pipe_atomic: writes of at most PIPE_BUF bytes are never interleaved. Three
 * children on CPUs 1, 2 and 3 write records of 4096 (PIPE_BUF), 1000 and 3333
 * bytes into one pipe with blocking writes while it is full most of the time;
 * every record the parent reads is whole. Then a blocking write of 200000
 * bytes (more than the pipe holds) from CPU 2 completes once the parent reads.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "shadowsel/posix/spawn.h"

struct writer { int cpu; char letter; size_t size; int records; };
static const struct writer writers[3] = {
    {1, 'a', PIPE_BUF, 64}, {2, 'b', 1000, 200}, {3, 'c', 3333, 100},
};
static int p[2];

static int record_writer(void *arg)
{
    const struct writer *w = arg;
    close(p[0]);
    char *rec = malloc(w->size);
    CHECK(rec != NULL);
    memset(rec, w->letter, w->size);
    for (int i = 0; i < w->records; i++) {
        ssize_t r = write(p[1], rec, w->size);
        if (r != (ssize_t)w->size)
            return 1;
    }
    free(rec);
    return 0;
}

#define BIG 200000

static int big_writer(void *arg)
{
    const int *q = arg;
    close(q[0]);
    unsigned char *data = malloc(BIG);
    CHECK(data != NULL);
    for (int i = 0; i < BIG; i++)
        data[i] = (unsigned char)(i % 251);
    ssize_t r = write(q[1], data, BIG);
    free(data);
    return r == BIG ? 0 : 1;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("PIPE_BUF = %d\n", PIPE_BUF);
    CHECK(pipe(p) == 0);
    pid_t pid[3];
    for (int i = 0; i < 3; i++) {
        pid[i] = shadowsel_spawn(writers[i].cpu, record_writer, (void *)&writers[i]);
        CHECK(pid[i] > 0);
    }
    close(p[1]);
    usleep(30000); /* let the pipe fill up */

    /* Each record starts with its writer's letter, which gives its size. */
    char *rec = malloc(PIPE_BUF);
    CHECK(rec != NULL);
    int count[3] = {0, 0, 0}, torn = 0, unknown = 0;
    for (;;) {
        ssize_t r = read_full(p[0], rec, 1);
        CHECK(r >= 0);
        if (r == 0)
            break;
        int w = rec[0] - 'a';
        if (w < 0 || w > 2) {
            unknown++;
            break;
        }
        size_t size = writers[w].size;
        CHECK(read_full(p[0], rec + 1, size - 1) == (ssize_t)(size - 1));
        size_t j = 1;
        while (j < size && rec[j] == rec[0])
            j++;
        if (j < size)
            torn++;
        count[w]++;
    }
    for (int i = 0; i < 3; i++)
        printf("writer %c (cpu %d, %zu-byte records): %d records\n", writers[i].letter,
               writers[i].cpu, writers[i].size, count[i]);
    printf("torn records: %d, unknown: %d\n", torn, unknown);
    for (int i = 0; i < 3; i++)
        reap(pid[i], "writer");
    close(p[0]);
    free(rec);

    printf("-- blocking write of %d bytes from cpu 2 --\n", BIG);
    static int q[2];
    CHECK(pipe(q) == 0);
    pid_t big = shadowsel_spawn(2, big_writer, q);
    CHECK(big > 0);
    close(q[1]);
    usleep(50000); /* the writer blocks on the full pipe */
    unsigned char *in = malloc(7000);
    CHECK(in != NULL);
    long total = 0, bad = 0;
    ssize_t r;
    while ((r = read(q[0], in, 7000)) > 0) {
        for (ssize_t i = 0; i < r; i++)
            if (in[i] != (unsigned char)((total + i) % 251))
                bad++;
        total += r;
    }
    show("last read", r);
    printf("received %ld bytes, %ld wrong\n", total, bad);
    reap(big, "big writer (0: its write returned all 200000)");
    close(q[0]);
    free(in);
    return 0;
}
