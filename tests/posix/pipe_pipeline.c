/* SPDX-License-Identifier: MIT
 * pipe_pipeline: request/response over a pair of pipes with a child on the
 * parent's own CPU (0) and with one on CPU 3 (200 round trips each), then a
 * shell-like pipeline source (CPU 3) | upcase (CPU 1) | underscore (CPU 2)
 * read by the parent, 100000 bytes, each stage ending at its input's EOF.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "shadowsel/posix/spawn.h"

struct ping { int req[2], rsp[2]; };

/* Answers each number n with n + 1 until EOF. */
static int echo_plus_one(void *arg)
{
    const struct ping *p = arg;
    close(p->req[1]);
    close(p->rsp[0]);
    int n, count = 0;
    while (read_full(p->req[0], &n, sizeof n) == sizeof n) {
        n++;
        if (write(p->rsp[1], &n, sizeof n) != sizeof n)
            return 1;
        count++;
    }
    return count == 200 ? 0 : 2;
}

static void ping_pong(int cpu)
{
    static struct ping p[4];
    struct ping *pp = &p[cpu];
    CHECK(pipe(pp->req) == 0 && pipe(pp->rsp) == 0);
    pid_t c = shadowsel_spawn(cpu, echo_plus_one, pp);
    CHECK(c > 0);
    close(pp->req[0]);
    close(pp->rsp[1]);
    int n = 0, bad = 0;
    for (int i = 0; i < 200; i++) {
        int sent = n;
        CHECK(write(pp->req[1], &n, sizeof n) == sizeof n);
        CHECK(read_full(pp->rsp[0], &n, sizeof n) == sizeof n);
        bad += n != sent + 1;
        n++;
    }
    close(pp->req[1]);
    printf("cpu %d: 200 round trips, final value %d, wrong answers %d\n", cpu, n, bad);
    reap(c, "echo child");
    close(pp->rsp[0]);
}

#define TOTAL 100000
static int s1[2], s2[2], s3[2];

static void close_pipes(void)
{
    close(s1[0]), close(s1[1]), close(s2[0]), close(s2[1]), close(s3[0]), close(s3[1]);
}

static int source(void *arg)
{
    (void)arg;
    int out = dup(s1[1]);
    close_pipes();
    static const char text[] = "the quick brown fox jumps over the lazy dog\n";
    char buf[1024];
    size_t len = strlen(text), put = 0;
    while (put < TOTAL) {
        size_t n = 0;
        while (n < sizeof buf && put + n < TOTAL) {
            buf[n] = text[(put + n) % len];
            n++;
        }
        if (write_full(out, buf, n) != (ssize_t)n)
            return 1;
        put += n;
    }
    return 0;
}

static int stage(int in, int out, int (*f)(int))
{
    char buf[777];
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n; i++)
            buf[i] = (char)f((unsigned char)buf[i]);
        if (write_full(out, buf, (size_t)n) != n)
            return 1;
    }
    return n == 0 ? 0 : 2;
}

static int underscore(int c) { return c == ' ' ? '_' : c; }

static int upcase_stage(void *arg)
{
    (void)arg;
    int in = dup(s1[0]), out = dup(s2[1]);
    close_pipes();
    return stage(in, out, toupper);
}

static int underscore_stage(void *arg)
{
    (void)arg;
    int in = dup(s2[0]), out = dup(s3[1]);
    close_pipes();
    return stage(in, out, underscore);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("-- ping-pong --\n");
    ping_pong(0);
    ping_pong(3);

    printf("-- pipeline --\n");
    CHECK(pipe(s1) == 0 && pipe(s2) == 0 && pipe(s3) == 0);
    pid_t a = shadowsel_spawn(3, source, NULL);
    pid_t b = shadowsel_spawn(1, upcase_stage, NULL);
    pid_t c = shadowsel_spawn(2, underscore_stage, NULL);
    CHECK(a > 0 && b > 0 && c > 0);
    int in = dup(s3[0]);
    close_pipes();
    char buf[4096], first[64] = "";
    long total = 0, lower = 0, spaces = 0, lines = 0;
    unsigned long hash = 5381;
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0) {
        if (total == 0)
            snprintf(first, sizeof first, "%.*s", (int)(n < 44 ? n : 44), buf);
        for (ssize_t i = 0; i < n; i++) {
            lower += islower((unsigned char)buf[i]) != 0;
            spaces += buf[i] == ' ';
            lines += buf[i] == '\n';
            hash = hash * 33 + (unsigned char)buf[i];
        }
        total += n;
    }
    show("last read", n);
    printf("first line: %s", first);
    printf("bytes %ld, lines %ld, lower-case %ld, spaces %ld, hash %08lx\n", total, lines, lower,
           spaces, hash & 0xffffffffUL);
    reap(a, "source on cpu 3");
    reap(b, "upcase on cpu 1");
    reap(c, "underscore on cpu 2");
    close(in);
    return 0;
}
