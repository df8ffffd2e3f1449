/* SPDX-License-Identifier: MIT
 * pipe_basic: one process, one pipe. Small writes gather into one read, writes
 * and reads of 0 bytes, short reads, the wrong end (EBADF), EOF once the only
 * writer is closed, closed descriptors, lowest-free descriptor reuse.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int p[2];
    char buf[4096];

    show("pipe(p)", pipe(p));
    printf("p[0] < p[1]: %s\n", yesno(p[0] < p[1]));

    /* Three small writes, then one large read returns all of them. */
    show("write(p[1], \"abc\", 3)", write(p[1], "abc", 3));
    show("write(p[1], \"defgh\", 5)", write(p[1], "defgh", 5));
    show("write(p[1], \"ijklmno\", 7)", write(p[1], "ijklmno", 7));
    show("write(p[1], buf, 0)", write(p[1], buf, 0));
    memset(buf, 0, sizeof buf);
    long n = show("read(p[0], buf, 4096)", read(p[0], buf, sizeof buf));
    printf("data: \"%.*s\"\n", (int)(n > 0 ? n : 0), buf);
    show("read(p[0], buf, 0) on an empty pipe", read(p[0], buf, 0));

    /* A read smaller than what is there leaves the rest. */
    show("write(p[1], \"0123456789\", 10)", write(p[1], "0123456789", 10));
    n = show("read(p[0], buf, 4)", read(p[0], buf, 4));
    printf("data: \"%.*s\"\n", (int)(n > 0 ? n : 0), buf);
    n = show("read(p[0], buf, 100)", read(p[0], buf, 100));
    printf("data: \"%.*s\"\n", (int)(n > 0 ? n : 0), buf);

    /* Each end works one way only. */
    show("read(p[1]) (write end)", read(p[1], buf, 1));
    show("write(p[0]) (read end)", write(p[0], "x", 1));
    show("write(p[0], buf, 0) (read end)", write(p[0], buf, 0));

    /* EOF: the data still in the pipe first, then 0 for ever. */
    show("write(p[1], \"tail\", 4)", write(p[1], "tail", 4));
    show("close(p[1])", close(p[1]));
    n = show("read(p[0]) after the writer closed", read(p[0], buf, sizeof buf));
    printf("data: \"%.*s\"\n", (int)(n > 0 ? n : 0), buf);
    show("read(p[0]) at EOF", read(p[0], buf, sizeof buf));
    show("read(p[0]) at EOF again", read(p[0], buf, sizeof buf));

    /* Closed descriptors. */
    show("close(p[1]) again", close(p[1]));
    show("write(p[1]) after close", write(p[1], "x", 1));
    show("close(p[0])", close(p[0]));
    show("read(p[0]) after close", read(p[0], buf, 1));
    show("close(-1)", close(-1));
    show("read(-1)", read(-1, buf, 1));
    show("write(-1)", write(-1, "x", 1));

    /* A new pipe takes the lowest free descriptors: the two just closed. */
    int q[2];
    show("pipe(q)", pipe(q));
    printf("q reuses p's descriptors: %s\n", yesno(q[0] == p[0] && q[1] == p[1]));
    show("write(q[1], \"z\", 1)", write(q[1], "z", 1));
    show("close(q[1])", close(q[1]));
    show("read(q[0])", read(q[0], buf, sizeof buf));
    show("read(q[0]) at EOF", read(q[0], buf, sizeof buf));
    show("close(q[0])", close(q[0]));
    return 0;
}
