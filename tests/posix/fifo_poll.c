/* SPDX-License-Identifier: MIT
 * fifo_poll: a FIFO read end opened non-blocking before any writer is not
 * hung up: poll shows nothing and select does not call it readable, although
 * read returns 0. Data from a writer on CPU 2 gives POLLIN; once that writer
 * closes, POLLHUP and EOF. A new writer takes the hang-up away again.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "shadowsel/posix/spawn.h"

static char path[128];
static int go[2];

static int writer(void *arg)
{
    (void)arg;
    close(go[1]);
    int fd = open(path, O_WRONLY);
    if (fd < 0)
        return 1;
    if (write(fd, "from cpu 2", 10) != 10)
        return 2;
    wait_byte(go[0]);
    return close(fd) == 0 ? 0 : 3;
}

static void poll1(const char *label, int fd, short events, int timeout)
{
    struct pollfd p = {.fd = fd, .events = events};
    int n = poll(&p, 1, timeout);
    char b[64];
    printf("%s: poll = %d, revents=0x%x %s\n", label, n, (unsigned)p.revents,
           pollbits(p.revents, b, sizeof b));
}

static void select1(const char *label, int fd)
{
    fd_set r;
    FD_ZERO(&r);
    FD_SET(fd, &r);
    struct timeval tv = {0, 0};
    int n = select(fd + 1, &r, NULL, NULL, &tv);
    printf("%s: select = %d, readable %s\n", label, n, yesno(n > 0 && FD_ISSET(fd, &r)));
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    char buf[64];
    long n;
    temp_path(path, sizeof path, "fifo_poll", ".fifo");
    CHECK(mkfifo(path, 0600) == 0);
    CHECK(pipe(go) == 0);

    int r = show_fd("open(O_RDONLY|O_NONBLOCK)", open(path, O_RDONLY | O_NONBLOCK));
    poll1("no writer yet", r, POLLIN, 0);
    select1("no writer yet", r);
    show("read, no writer yet", read(r, buf, sizeof buf));
    poll1("no writer yet, poll(100)", r, POLLIN, 100);

    printf("-- writer on cpu 2 --\n");
    pid_t c = shadowsel_spawn(2, writer, NULL);
    CHECK(c > 0);
    close(go[0]);
    poll1("poll(-1) until data", r, POLLIN, -1);
    n = show("read", read(r, buf, sizeof buf));
    printf("data: \"%.*s\"\n", (int)(n > 0 ? n : 0), buf);
    poll1("writer connected, empty", r, POLLIN, 0);
    show("read, writer connected, empty", read(r, buf, sizeof buf));
    send_byte(go[1], 'c');
    poll1("poll(-1) until the writer closes", r, POLLIN, -1);
    select1("writer gone", r);
    show("read, writer gone", read(r, buf, sizeof buf));
    reap(c, "writer on cpu 2");

    printf("-- a new writer, then it closes --\n");
    int w = show_fd("open(O_WRONLY|O_NONBLOCK)", open(path, O_WRONLY | O_NONBLOCK));
    poll1("new writer connected", r, POLLIN, 0);
    show("read", read(r, buf, sizeof buf));
    show("close(w)", close(w));
    poll1("new writer gone", r, POLLIN, 0);

    printf("-- reopened read end, O_RDWR end --\n");
    show("close(r)", close(r));
    r = show_fd("open(O_RDONLY|O_NONBLOCK) again", open(path, O_RDONLY | O_NONBLOCK));
    poll1("fresh read end, no writer", r, POLLIN, 0);
    int rw = show_fd("open(O_RDWR)", open(path, O_RDWR));
    poll1("O_RDWR end, POLLIN|POLLOUT", rw, POLLIN | POLLOUT, 0);
    poll1("read end, O_RDWR end is a writer", r, POLLIN, 0);
    show("write(rw, \"x\")", write(rw, "x", 1));
    poll1("read end", r, POLLIN, 0);
    poll1("O_RDWR end, POLLIN|POLLOUT", rw, POLLIN | POLLOUT, 0);
    show("close(rw)", close(rw));
    poll1("read end, O_RDWR end closed", r, POLLIN, 0);
    close(r);
    close(go[1]);
    show("unlink", unlink(path));
    return 0;
}
