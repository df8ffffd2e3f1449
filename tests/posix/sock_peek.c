/* SPDX-License-Identifier: MIT
 * sock_peek: MSG_PEEK returns queued data without consuming it (a following
 * recv gets the same bytes; a small buffer peeks a prefix; peeks span
 * separate sends once they are all queued); MSG_DONTWAIT and O_NONBLOCK on
 * an empty socket give EAGAIN; after the peer's close the queued data is
 * still peeked and read, then recv and peeks give 0. The sender is a client
 * on CPU 1 that sends one message per pipe byte.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "shadowsel/posix/spawn.h"
#include "sock_common.h"

static const char *const messages[] = {"hello world", "second", "+third", "tail"};
#define NMSG (int)(sizeof messages / sizeof messages[0])

struct args { in_port_t port; int listener; int go[2], ack[2]; };
static struct args A;

static int sender(void *arg)
{
    const struct args *a = arg;
    close(a->listener);
    close(a->go[1]);
    close(a->ack[0]);
    int fd = connect_new(a->port);
    send_byte(a->ack[1], 'c');
    for (int i = 0; i < NMSG; i++) {
        wait_byte(a->go[0]);
        size_t n = strlen(messages[i]);
        CHECK(send(fd, messages[i], n, 0) == (ssize_t)n);
        send_byte(a->ack[1], 's');
    }
    wait_byte(a->go[0]);
    close(fd);
    send_byte(a->ack[1], 'x');
    return 0;
}

static void next(void)
{
    send_byte(A.go[1], 'g');
    wait_byte(A.ack[0]);
}

/* Wait (without printing) until `n` bytes can be peeked: data sent from the
 * other CPU may still be on its way when the sender's pipe byte arrives. */
static void until_queued(int fd, size_t n)
{
    char buf[64];
    for (int tries = 0; tries < 5000; tries++) {
        ssize_t r = recv(fd, buf, n, MSG_PEEK | MSG_DONTWAIT);
        if (r == (ssize_t)n)
            return;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (r > 0)
            poll(NULL, 0, 1); /* part is there: sleep 1 ms */
        else
            poll(&p, 1, -1);
    }
    CHECK(!"data never arrived");
}

static void show_data(const char *label, ssize_t r, const char *buf)
{
    if (r < 0)
        printf("%s = -1 %s\n", label, errname(errno));
    else
        printf("%s = %ld \"%.*s\"\n", label, (long)r, (int)r, buf);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    char buf[64];
    A.listener = listen_loopback(&A.port, 4);
    CHECK(pipe(A.go) == 0 && pipe(A.ack) == 0);
    pid_t c = shadowsel_spawn(1, sender, &A);
    CHECK(c > 0);
    close(A.go[0]);
    close(A.ack[1]);
    int s = accept(A.listener, NULL, NULL);
    CHECK(s >= 0);
    wait_byte(A.ack[0]);

    printf("-- nothing sent yet --\n");
    show("recv MSG_DONTWAIT", recv(s, buf, sizeof buf, MSG_DONTWAIT));
    show("recv MSG_PEEK|MSG_DONTWAIT", recv(s, buf, sizeof buf, MSG_PEEK | MSG_DONTWAIT));
    poll_show("poll", s, POLLIN, 0);
    int fl = fcntl(s, F_GETFL);
    show("fcntl F_SETFL O_NONBLOCK", fcntl(s, F_SETFL, fl | O_NONBLOCK));
    show("recv", recv(s, buf, sizeof buf, 0));
    show("read", read(s, buf, sizeof buf));
    show("recv MSG_PEEK", recv(s, buf, sizeof buf, MSG_PEEK));
    show("fcntl F_SETFL blocking again", fcntl(s, F_SETFL, fl));
    printf("O_NONBLOCK now: %s\n", yesno(fcntl(s, F_GETFL) & O_NONBLOCK));

    printf("-- one message --\n");
    next();
    until_queued(s, 11);
    show_data("recv MSG_PEEK", recv(s, buf, sizeof buf, MSG_PEEK), buf);
    show_data("recv MSG_PEEK again", recv(s, buf, sizeof buf, MSG_PEEK), buf);
    poll_show("poll after peeking", s, POLLIN, 0);
    show_data("recv MSG_PEEK 5 bytes", recv(s, buf, 5, MSG_PEEK), buf);
    show_data("recv 5 bytes", recv(s, buf, 5, 0), buf);
    show_data("recv MSG_PEEK|MSG_DONTWAIT", recv(s, buf, sizeof buf, MSG_PEEK | MSG_DONTWAIT), buf);
    show_data("read", read(s, buf, sizeof buf), buf);
    show("recv MSG_DONTWAIT, drained", recv(s, buf, sizeof buf, MSG_DONTWAIT));
    show("recv MSG_PEEK|MSG_DONTWAIT, drained", recv(s, buf, sizeof buf, MSG_PEEK | MSG_DONTWAIT));
    poll_show("poll drained", s, POLLIN, 0);

    printf("-- two messages queued --\n");
    next();
    next();
    until_queued(s, 12);
    show_data("recv MSG_PEEK", recv(s, buf, sizeof buf, MSG_PEEK), buf);
    show_data("recv MSG_PEEK 8 bytes", recv(s, buf, 8, MSG_PEEK), buf);
    show_data("recv 3 bytes", recv(s, buf, 3, 0), buf);
    show_data("recv MSG_PEEK", recv(s, buf, sizeof buf, MSG_PEEK), buf);
    show_data("recvfrom NULL address", recvfrom(s, buf, sizeof buf, 0, NULL, NULL), buf);

    printf("-- data, then the peer's close --\n");
    next();
    next();
    struct pollfd p = {.fd = s, .events = POLLRDHUP};
    CHECK(poll(&p, 1, -1) == 1);
    poll_show("data and FIN queued", s, POLLIN | POLLRDHUP, 0);
    show_data("recv MSG_PEEK", recv(s, buf, sizeof buf, MSG_PEEK), buf);
    show_data("recv MSG_PEEK|MSG_DONTWAIT", recv(s, buf, sizeof buf, MSG_PEEK | MSG_DONTWAIT), buf);
    show_data("recv", recv(s, buf, sizeof buf, 0), buf);
    show("recv MSG_PEEK at EOF", recv(s, buf, sizeof buf, MSG_PEEK));
    show("recv at EOF", recv(s, buf, sizeof buf, 0));
    show("recv MSG_DONTWAIT at EOF", recv(s, buf, sizeof buf, MSG_DONTWAIT));
    show("read at EOF", read(s, buf, sizeof buf));
    close(s);

    close(A.go[1]);
    reap(c, "sender on cpu 1");
    close(A.listener);
    return 0;
}
