/* SPDX-License-Identifier: MIT
 * dup_basic: dup() takes the lowest free descriptor and shares the open file
 * description; EOF only when every duplicate of the write end is closed;
 * dup2() onto an open descriptor closes it first (silently), dup2(fd, fd)
 * returns fd, and the EBADF cases of dup/dup2/close.
 */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "common.h"

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGPIPE, SIG_IGN);
    int p[2], q[2];
    char buf[64];
    long n;

    CHECK(pipe(p) == 0);
    int saved = p[0];
    int d1 = show_fd("dup(p[1])", dup(p[1]));
    printf("dup(p[1]) is above p[1]: %s\n", yesno(d1 > p[1]));
    show("close(p[0])", close(p[0]));
    int d0 = show_fd("dup(p[1]) after closing p[0]", dup(p[1]));
    printf("took p[0]'s number (lowest free): %s\n", yesno(d0 == saved));
    show("close(that dup)", close(d0));
    show("close(first dup)", close(d1));
    show("close(p[1])", close(p[1]));
    CHECK(pipe(p) == 0);

    printf("-- writes through duplicates go to the same pipe --\n");
    int w2 = dup(p[1]);
    CHECK(w2 >= 0);
    show("write(p[1], \"ab\")", write(p[1], "ab", 2));
    show("write(dup, \"cd\")", write(w2, "cd", 2));
    n = show("read(p[0])", read(p[0], buf, sizeof buf));
    printf("data: \"%.*s\"\n", (int)(n > 0 ? n : 0), buf);
    show("close(p[1])", close(p[1]));
    show("write(dup, \"ef\") after closing the original", write(w2, "ef", 2));
    n = show("read(p[0]): not EOF while the dup is open", read(p[0], buf, sizeof buf));
    printf("data: \"%.*s\"\n", (int)(n > 0 ? n : 0), buf);
    show("close(dup)", close(w2));
    show("read(p[0]) after the last writer closed", read(p[0], buf, sizeof buf));

    printf("-- dup2 onto an open descriptor --\n");
    CHECK(pipe(q) == 0);
    /* Make p[0] refer to q's read end: p's read end is closed by dup2, so
     * p has no reader any more. p[1] was closed above; use a new pipe. */
    close(p[0]);
    CHECK(pipe(p) == 0);
    show("write(q[1], \"to q\")", write(q[1], "to q", 4));
    long r = show_fd("dup2(q[0], p[0])", dup2(q[0], p[0]));
    printf("dup2 returned p[0]: %s\n", yesno(r == p[0]));
    n = show("read(p[0]) now reads q", read(p[0], buf, sizeof buf));
    printf("data: \"%.*s\"\n", (int)(n > 0 ? n : 0), buf);
    show("write(p[1]): its only reader was replaced", write(p[1], "x", 1));
    show("close(q[0])", close(q[0]));
    show("write(q[1], \"still\"): p[0] still reads q", write(q[1], "still", 5));
    n = show("read(p[0])", read(p[0], buf, sizeof buf));
    printf("data: \"%.*s\"\n", (int)(n > 0 ? n : 0), buf);

    printf("-- dup2 corner cases --\n");
    r = show_fd("dup2(q[1], q[1])", dup2(q[1], q[1]));
    printf("returned q[1]: %s\n", yesno(r == q[1]));
    show("write(q[1]) still works", write(q[1], "y", 1));
    show("read(p[0])", read(p[0], buf, sizeof buf));
    int closed = q[0]; /* closed above */
    show("dup2(closed, closed)", dup2(closed, closed));
    show("dup2(closed, q[1])", dup2(closed, q[1]));
    show("write(q[1]) after the failed dup2: not closed", write(q[1], "z", 1));
    show("dup2(q[1], -1)", dup2(q[1], -1));
    show("dup2(-1, q[1])", dup2(-1, q[1]));
    show("dup(closed)", dup(closed));
    show("dup(-1)", dup(-1));
    show("close(closed)", close(closed));

    int hi = 40; /* a free, higher number */
    r = show("dup2(q[1], 40)", dup2(q[1], hi));
    printf("returned 40: %s\n", yesno(r == hi));
    show("write(40, \"hi\")", write(hi, "hi", 2));
    n = show("read(p[0])", read(p[0], buf, sizeof buf));
    printf("data: \"%.*s\"\n", (int)(n > 0 ? n : 0), buf);
    show("close(q[1])", close(q[1]));
    show("close(40)", close(hi));
    show("read(p[0]) after closing every writer of q", read(p[0], buf, sizeof buf));
    show("close(p[0])", close(p[0]));
    show("close(p[1])", close(p[1]));
    return 0;
}
