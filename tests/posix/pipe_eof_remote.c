/* SPDX-License-Identifier: MIT
 * pipe_eof_remote: EOF comes when every write end is closed, wherever it is.
 * The write end is inherited by children on other CPUs and closed by both
 * parent and child, by close() or by the child's exit; a still-running child
 * that closed its copy does not hold EOF back. Same-CPU child at the end.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "shadowsel/posix/spawn.h"

struct fds { int data[2], ack[2], go[2]; };

/* Writes, closes its write end, says so, then stays alive until told to go. */
static int closer(void *arg)
{
    const struct fds *f = arg;
    close(f->data[0]);
    close(f->ack[0]);
    close(f->go[1]);
    CHECK(write(f->data[1], "hello from cpu 1", 16) == 16);
    CHECK(close(f->data[1]) == 0);
    send_byte(f->ack[1], 'c');
    wait_byte(f->go[0]);
    return 0;
}

/* Writes a few messages with pauses and exits without closing anything. */
static int slow_writer(void *arg)
{
    const int *p = arg;
    close(p[0]);
    static const char *const msg[] = {"one ", "two ", "three"};
    for (int i = 0; i < 3; i++) {
        usleep(20000);
        CHECK(write(p[1], msg[i], strlen(msg[i])) == (ssize_t)strlen(msg[i]));
    }
    return 0;
}

struct letters { const int *p; char c; };

static int letter_writer(void *arg)
{
    const struct letters *l = arg;
    char buf[100];
    close(l->p[0]);
    memset(buf, l->c, sizeof buf);
    for (int i = 0; i < 10; i++) {
        CHECK(write(l->p[1], buf, sizeof buf) == (ssize_t)sizeof buf);
        if (i % 3 == 0)
            usleep(1000);
    }
    return 0;
}

static int silent(void *arg)
{
    const int *p = arg;
    close(p[0]);
    return 0;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    char buf[4096];

    printf("-- child on cpu 1 closes its copy, parent closes its own --\n");
    static struct fds f;
    CHECK(pipe(f.data) == 0 && pipe(f.ack) == 0 && pipe(f.go) == 0);
    pid_t c1 = shadowsel_spawn(1, closer, &f);
    CHECK(c1 > 0);
    close(f.ack[1]);
    close(f.go[0]);
    long n = show("read(data)", read(f.data[0], buf, sizeof buf));
    printf("data: \"%.*s\"\n", (int)(n > 0 ? n : 0), buf);
    printf("child closed its write end: %c\n", wait_byte(f.ack[0]));
    show("fcntl(data[0], F_SETFL, O_NONBLOCK)", fcntl(f.data[0], F_SETFL, O_NONBLOCK));
    show("read(data) while the parent still has a write end", read(f.data[0], buf, sizeof buf));
    show("close(data[1]) in the parent", close(f.data[1]));
    show("read(data) with no write end left, child alive", read(f.data[0], buf, sizeof buf));
    send_byte(f.go[1], 'g');
    reap(c1, "child on cpu 1");
    close(f.data[0]);
    close(f.ack[0]);
    close(f.go[1]);

    printf("-- only a child on cpu 2 writes; EOF when it exits --\n");
    static int p2[2];
    CHECK(pipe(p2) == 0);
    pid_t c2 = shadowsel_spawn(2, slow_writer, p2);
    CHECK(c2 > 0);
    show("close(p2[1]) in the parent", close(p2[1]));
    size_t total = 0;
    int reads = 0;
    for (;;) {
        ssize_t r = read(p2[0], buf + total, sizeof buf - total);
        CHECK(r >= 0);
        if (r == 0)
            break;
        total += (size_t)r;
        reads++;
    }
    printf("read until EOF: %zu bytes \"%.*s\", at least one read: %s\n", total, (int)total, buf,
           yesno(reads >= 1));
    reap(c2, "child on cpu 2");
    close(p2[0]);

    printf("-- two writers on cpus 1 and 3 --\n");
    static int p3[2];
    static const struct letters la = {p3, 'a'}, lb = {p3, 'b'};
    CHECK(pipe(p3) == 0);
    pid_t ca = shadowsel_spawn(1, letter_writer, (void *)&la);
    pid_t cb = shadowsel_spawn(3, letter_writer, (void *)&lb);
    CHECK(ca > 0 && cb > 0);
    close(p3[1]);
    long count[2] = {0, 0}, other = 0;
    for (;;) {
        ssize_t r = read(p3[0], buf, sizeof buf);
        CHECK(r >= 0);
        if (r == 0)
            break;
        for (ssize_t i = 0; i < r; i++) {
            if (buf[i] == 'a')
                count[0]++;
            else if (buf[i] == 'b')
                count[1]++;
            else
                other++;
        }
    }
    printf("until EOF: a=%ld b=%ld other=%ld\n", count[0], count[1], other);
    reap(ca, "writer a on cpu 1");
    reap(cb, "writer b on cpu 3");
    close(p3[0]);

    printf("-- same cpu: a child on cpu 0 exits without writing --\n");
    static int p4[2];
    CHECK(pipe(p4) == 0);
    pid_t c4 = shadowsel_spawn(0, silent, p4);
    CHECK(c4 > 0);
    close(p4[1]);
    show("read(p4[0]) blocks until the child exits, then", read(p4[0], buf, sizeof buf));
    reap(c4, "child on cpu 0");
    close(p4[0]);
    return 0;
}
