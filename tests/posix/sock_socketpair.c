/* SPDX-License-Identifier: MIT
 * sock_socketpair: socketpair(AF_UNIX, SOCK_STREAM). One end goes to a child
 * on CPU 2 (the parent closes its copy); data both ways; when the child
 * closes its end the parent's end shows what unix_poll gives (POLLIN,
 * POLLOUT, POLLHUP, POLLRDHUP: both directions shut), read returns 0 and
 * write EPIPE; closing with unread data also sets ECONNRESET. shutdown(SHUT_WR)
 * on one end gives the other EOF while it can still write back. AF_INET pairs
 * are EOPNOTSUPP; SOCK_NONBLOCK sets O_NONBLOCK on both ends; a SOCK_DGRAM
 * pair keeps message boundaries (a short buffer truncates, a 0-byte datagram
 * reads as 0).
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"
#include "shadowsel/posix/spawn.h"
#include "sock_common.h"

#define EV (POLLIN | POLLOUT | POLLRDHUP)

struct args { int end, other; int go[2], ack[2]; };
static struct args A;

/* Commands (each acknowledged when done): 'r' read "ping", answer "pong";
 * 'x' close the first pair's end; 'y' close the second pair's end (the
 * parent has written data to it that the child never reads). EOF: exit. */
static int child(void *arg)
{
    const struct args *a = arg;
    close(a->go[1]);
    close(a->ack[0]);
    char cmd, buf[16];
    while (read(a->go[0], &cmd, 1) == 1) {
        if (cmd == 'r') {
            CHECK(read_full(a->end, buf, 4) == 4 && memcmp(buf, "ping", 4) == 0);
            CHECK(write(a->end, "pong", 4) == 4);
        } else if (cmd == 'x') {
            close(a->end);
        } else if (cmd == 'y') {
            close(a->other);
        }
        send_byte(a->ack[1], cmd);
    }
    return 0;
}

static void command(char cmd)
{
    send_byte(A.go[1], cmd);
    CHECK(wait_byte(A.ack[0]) == cmd);
}

static int show_flags(const char *label, int fd)
{
    int fl = fcntl(fd, F_GETFL);
    CHECK(fl >= 0);
    printf("%s: O_NONBLOCK %s\n", label, yesno(fl & O_NONBLOCK));
    return fl;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGPIPE, SIG_IGN);
    char buf[64];
    int sv[2], sw[2];

    printf("-- a pair shared with a child on cpu 2 --\n");
    show("socketpair AF_UNIX SOCK_STREAM", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    show("socketpair AF_UNIX SOCK_STREAM (second)", socketpair(AF_UNIX, SOCK_STREAM, 0, sw));
    show_flags("end 0", sv[0]);
    poll_show("fresh end", sv[0], EV, 0);
    A.end = sv[1];
    A.other = sw[1];
    CHECK(pipe(A.go) == 0 && pipe(A.ack) == 0);
    pid_t c = shadowsel_spawn(2, child, &A);
    CHECK(c > 0);
    close(A.go[0]);
    close(A.ack[1]);
    close(sv[1]);
    close(sw[1]);
    show("write ping", write(sv[0], "ping", 4));
    command('r');
    poll_show("answer waiting", sv[0], EV, 0);
    show("read", read(sv[0], buf, sizeof buf));
    printf("answer is pong: %s\n", yesno(memcmp(buf, "pong", 4) == 0));
    show("send ping", send(sv[0], "ping", 4, 0));
    command('r');
    show("recv", recv(sv[0], buf, sizeof buf, 0));
    poll_show("drained", sv[0], EV, 0);

    printf("-- the child closes its end --\n");
    command('x');
    poll_show("peer closed", sv[0], EV, 0);
    poll_show("peer closed, events=0", sv[0], 0, 0);
    show("read", read(sv[0], buf, sizeof buf));
    show("read", read(sv[0], buf, sizeof buf));
    show("recv MSG_DONTWAIT", recv(sv[0], buf, sizeof buf, MSG_DONTWAIT));
    show("write", write(sv[0], "late", 4));
    show("send", send(sv[0], "late", 4, 0));
    poll_show("afterwards", sv[0], EV, 0);
    close(sv[0]);

    printf("-- the child closes its end with unread data --\n");
    show("write", write(sw[0], "unread", 6));
    command('y');
    poll_show("peer closed", sw[0], EV, 0);
    {
        int err = -1;
        socklen_t len = sizeof err;
        CHECK(getsockopt(sw[0], SOL_SOCKET, SO_ERROR, &err, &len) == 0);
        printf("SO_ERROR = %s\n", errname(err));
    }
    poll_show("after SO_ERROR", sw[0], EV, 0);
    show("read", read(sw[0], buf, sizeof buf));
    show("write", write(sw[0], "late", 4));
    close(sw[0]);

    close(A.go[1]);
    reap(c, "child on cpu 2");

    printf("-- peer closes with unread data, error read by read --\n");
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    show("write", write(sv[0], "unread", 6));
    close(sv[1]);
    poll_show("peer closed", sv[0], EV, 0);
    show("read", read(sv[0], buf, sizeof buf));
    show("read", read(sv[0], buf, sizeof buf));
    poll_show("afterwards", sv[0], EV, 0);
    close(sv[0]);

    printf("-- shutdown(SHUT_WR) --\n");
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    show("write", write(sv[0], "last", 4));
    show("shutdown end 0 SHUT_WR", shutdown(sv[0], SHUT_WR));
    poll_show("end 1 (data, then EOF)", sv[1], EV, 0);
    show("read end 1", read(sv[1], buf, sizeof buf));
    poll_show("end 1 drained", sv[1], EV, 0);
    show("read end 1", read(sv[1], buf, sizeof buf));
    poll_show("end 0", sv[0], EV, 0);
    show("write end 0", write(sv[0], "more", 4));
    show("write end 1 (still open that way)", write(sv[1], "back", 4));
    show("read end 0", read(sv[0], buf, sizeof buf));
    show("shutdown end 1 SHUT_WR", shutdown(sv[1], SHUT_WR));
    poll_show("end 0, both ways shut", sv[0], EV, 0);
    poll_show("end 1, both ways shut", sv[1], EV, 0);
    show("read end 0", read(sv[0], buf, sizeof buf));
    close(sv[0]);
    close(sv[1]);

    printf("-- SOCK_NONBLOCK --\n");
    show("socketpair SOCK_STREAM|SOCK_NONBLOCK", socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv));
    show_flags("end 0", sv[0]);
    show_flags("end 1", sv[1]);
    show("read empty", read(sv[0], buf, sizeof buf));
    show("recv empty", recv(sv[1], buf, sizeof buf, 0));
    show("write", write(sv[1], "x", 1));
    show("read", read(sv[0], buf, sizeof buf));
    close(sv[0]);
    close(sv[1]);
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    show("recv MSG_DONTWAIT on a blocking pair", recv(sv[0], buf, sizeof buf, MSG_DONTWAIT));
    close(sv[0]);
    close(sv[1]);

    printf("-- SOCK_DGRAM pair --\n");
    show("socketpair AF_UNIX SOCK_DGRAM", socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
    poll_show("fresh", sv[0], EV, 0);
    show("send 5", send(sv[0], "hello", 5, 0));
    show("send 3", send(sv[0], "abc", 3, 0));
    show("send 0", send(sv[0], "", 0, 0));
    poll_show("three datagrams waiting", sv[1], EV, 0);
    show("recv (64-byte buffer)", recv(sv[1], buf, sizeof buf, 0));
    show("recv (2-byte buffer)", recv(sv[1], buf, 2, 0));
    show("recv", recv(sv[1], buf, sizeof buf, 0));
    show("recv MSG_DONTWAIT", recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
    close(sv[0]);
    close(sv[1]);

    printf("-- errors --\n");
    show("socketpair AF_INET SOCK_STREAM", socketpair(AF_INET, SOCK_STREAM, 0, sv));
    show("socketpair AF_INET SOCK_DGRAM", socketpair(AF_INET, SOCK_DGRAM, 0, sv));
    show("socketpair AF_UNIX protocol 6", socketpair(AF_UNIX, SOCK_STREAM, 6, sv));
    return 0;
}
