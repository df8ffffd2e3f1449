/* SPDX-License-Identifier: MIT
 * tty_lines: a terminal line as a Linux program sees it. The program writes a
 * prompt to the terminal and the terminal types after each one (tty_lines.toml:
 * natively a pseudo-terminal driven by compare.py, on the machine the scenario's
 * terminal model of /dev/tty0):
 *  - canonical mode: a read returns one line with its '\n'; two lines typed at
 *    once take two reads; a buffer shorter than the line gets the rest next;
 *  - a partial line is not readable and a non-blocking read gives EAGAIN; once
 *    ICANON is off it is, and bytes come as typed; the flags read back;
 *  - ENOTTY for a pipe, isatty;
 *  - processes on three other CPUs select() the line: one typed line wakes all.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <termios.h>
#include <unistd.h>

#include "common.h"
#include "shadowsel/posix/spawn.h"

static int tty, ready[2], result[2];

static void prompt(const char *p) { (void)!write(tty, p, strlen(p)); }

/* One read of at most n bytes, shown with its '\n' as \n. */
static void show_read(const char *what, size_t n)
{
    char buf[64] = {0};
    ssize_t r = read(tty, buf, n);
    if (r < 0) {
        printf("%s: -1 %s\n", what, errname(errno));
        return;
    }
    printf("%s: %zd \"", what, r);
    for (ssize_t i = 0; i < r; ++i) {
        if (buf[i] == '\n')
            printf("\\n");
        else
            putchar(buf[i]);
    }
    printf("\"\n");
}

static const char *readable(int timeout_ms)
{
    struct pollfd p = {.fd = tty, .events = POLLIN};
    int n = poll(&p, 1, timeout_ms);
    return n == 1 && (p.revents & POLLIN) ? "readable" : "not readable";
}

static int waiter(void *arg)
{
    (void)arg;
    send_byte(ready[1], 'r');
    fd_set r;
    FD_ZERO(&r);
    FD_SET(tty, &r);
    struct timeval tv = {10, 0};
    int n = select(tty + 1, &r, NULL, NULL, &tv);
    send_byte(result[1], n == 1 && FD_ISSET(tty, &r) ? 'y' : 'n');
    return 0;
}

int main(void)
{
    const char *path = getenv("SHADOWSEL_TTY");
    tty = open(path ? path : "/dev/tty0", O_RDWR | O_NOCTTY);
    if (tty < 0) {
        printf("open: %s\n", errname(errno));
        return 1;
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    struct termios t0, t;
    printf("tcgetattr: %d\n", tcgetattr(tty, &t0));
    printf("icanon %s, echo %s\n", (t0.c_lflag & ICANON) ? "on" : "off", (t0.c_lflag & ECHO) ? "on" : "off");
    printf("isatty(tty) %d\n", isatty(tty));

    prompt("#1>"); /* hello\n */
    show_read("one line", 63);
    prompt("#2>"); /* one\ntwo\n */
    show_read("first of two", 63);
    printf("second %s\n", readable(5000));
    show_read("second of two", 63);
    prompt("#3>"); /* abcdefgh\n */
    show_read("3 of a line", 3);
    show_read("3 more", 3);
    show_read("the rest", 63);

    prompt("#4>"); /* part (no newline) */
    usleep(200000);
    printf("partial line %s\n", readable(0));
    int fl = fcntl(tty, F_GETFL);
    fcntl(tty, F_SETFL, fl | O_NONBLOCK);
    show_read("non-blocking", 63);
    fcntl(tty, F_SETFL, fl);
    t = t0;
    t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    printf("tcsetattr raw: %d\n", tcsetattr(tty, TCSANOW, &t));
    printf("raw partial line %s\n", readable(0));
    show_read("raw", 63);
    tcgetattr(tty, &t);
    printf("icanon %s, echo %s\n", (t.c_lflag & ICANON) ? "on" : "off", (t.c_lflag & ECHO) ? "on" : "off");
    prompt("#5>"); /* x */
    show_read("raw byte", 63);
    printf("tcsetattr back: %d\n", tcsetattr(tty, TCSANOW, &t0));
    tcgetattr(tty, &t);
    printf("icanon %s, echo %s\n", (t.c_lflag & ICANON) ? "on" : "off", (t.c_lflag & ECHO) ? "on" : "off");
    int r = tcsetattr(tty, 12345, &t0);
    printf("tcsetattr bad action: %d %s\n", r, errname(errno));

    int p[2];
    if (pipe(p) != 0)
        return 1;
    r = tcgetattr(p[0], &t);
    printf("tcgetattr(pipe): %d %s\n", r, errname(errno));
    errno = 0;
    r = isatty(p[0]);
    printf("isatty(pipe) %d %s\n", r, errname(errno));
    close(p[0]);
    close(p[1]);

    /* Three waiters on CPUs 1, 2, 3 select the line; one typed line wakes them all. */
    if (pipe(ready) != 0 || pipe(result) != 0)
        return 1;
    pid_t kids[3];
    for (int i = 0; i < 3; ++i)
        kids[i] = shadowsel_spawn(i + 1, waiter, NULL);
    for (int i = 0; i < 3; ++i)
        wait_byte(ready[0]);
    usleep(200000); /* they sleep in select() */
    prompt("#6>"); /* wake\n */
    int woke = 0;
    for (int i = 0; i < 3; ++i)
        woke += wait_byte(result[0]) == 'y';
    for (int i = 0; i < 3; ++i)
        waitpid(kids[i], NULL, 0);
    printf("waiters woken with the line readable: %d of 3\n", woke);
    show_read("the line that woke them", 63);
    close(tty);
    return 0;
}
