/* SPDX-License-Identifier: MIT
 * pipe_capacity: the default pipe holds 16 pages of 4096 bytes. Filled with
 * O_NONBLOCK writes of 1, 4096 and 1000 bytes until EAGAIN: 65536, 65536 and
 * 64000 bytes (Linux adds a small write to the last page only if it fits
 * whole there, so 1000-byte writes use 4000 bytes of each page). A large
 * non-blocking write into an empty pipe is partial. Space is given back a page
 * at a time: reading a few bytes from a full pipe does not make room.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

static char *buf;

static int pollout(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    CHECK(poll(&p, 1, 0) >= 0);
    return (p.revents & POLLOUT) != 0;
}

/* Non-blocking writes of `chunk` bytes until one fails; prints the totals. */
static long fill(int fd, size_t chunk)
{
    long total = 0, writes = 0;
    ssize_t r;
    while ((r = write(fd, buf, chunk)) > 0) {
        total += r;
        writes++;
    }
    printf("%zu-byte writes: %ld bytes in %ld writes, then write = %ld %s\n", chunk, total,
           writes, (long)r, r < 0 ? errname(errno) : "");
    return total;
}

static long drain(int fd)
{
    long total = 0;
    ssize_t r;
    while ((r = read(fd, buf, 65536)) > 0)
        total += r;
    CHECK(r < 0 && errno == EAGAIN);
    return total;
}

static void new_pipe(int p[2])
{
    CHECK(pipe(p) == 0);
    CHECK(fcntl(p[0], F_SETFL, O_NONBLOCK) == 0);
    CHECK(fcntl(p[1], F_SETFL, O_NONBLOCK) == 0);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    buf = malloc(100000);
    CHECK(buf != NULL);
    memset(buf, 'x', 100000);
    int p[2];

    static const size_t chunks[] = {1, 4096, 1000, 4095, 2048, 3000};
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        new_pipe(p);
        printf("empty pipe writable (POLLOUT): %s\n", yesno(pollout(p[1])));
        fill(p[1], chunks[i]);
        printf("full pipe writable (POLLOUT): %s\n", yesno(pollout(p[1])));
        printf("drained: %ld bytes\n", drain(p[0]));
        printf("drained pipe writable (POLLOUT): %s\n", yesno(pollout(p[1])));
        close(p[0]);
        close(p[1]);
    }

    printf("-- one large non-blocking write --\n");
    new_pipe(p);
    show("write(empty pipe, 100000, nonblock)", write(p[1], buf, 100000));
    show("write(full pipe, 1, nonblock)", write(p[1], buf, 1));
    show("read(4096)", read(p[0], buf, 4096));
    printf("writable (POLLOUT): %s\n", yesno(pollout(p[1])));
    show("write(8192, nonblock) into one free page", write(p[1], buf, 8192));
    close(p[0]);
    close(p[1]);

    printf("-- space comes back a page at a time --\n");
    new_pipe(p);
    fill(p[1], 4096);
    show("read(100)", read(p[0], buf, 100));
    printf("writable (POLLOUT): %s\n", yesno(pollout(p[1])));
    show("write(1, nonblock)", write(p[1], buf, 1));
    show("read(3996): rest of the first page", read(p[0], buf, 3996));
    printf("writable (POLLOUT): %s\n", yesno(pollout(p[1])));
    show("write(1, nonblock)", write(p[1], buf, 1));
    show("write(4095, nonblock)", write(p[1], buf, 4095));
    show("write(1, nonblock)", write(p[1], buf, 1));
    printf("drained: %ld bytes\n", drain(p[0]));
    close(p[0]);
    close(p[1]);

    printf("-- a small write joins the last page only if it fits --\n");
    new_pipe(p);
    fill(p[1], 1000);
    show("write(96, nonblock): fits the last page", write(p[1], buf, 96));
    show("write(1, nonblock)", write(p[1], buf, 1));
    printf("drained: %ld bytes\n", drain(p[0]));
    close(p[0]);
    close(p[1]);
    free(buf);
    return 0;
}
