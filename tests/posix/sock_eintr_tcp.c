/* SPDX-License-Identifier: MIT
 * sock_eintr_tcp: a handled SIGALRM interrupts a blocking recv() on a connection
 * whose peer is on another CPU (EINTR, the handler ran first); with SA_RESTART
 * the recv() is made again and returns the data the peer sends later; a
 * blocking send() into a full connection interrupted after part of it went
 * returns the count it sent (not EINTR). The peer, on CPU 2, accepts on the
 * listening socket it inherited, sends each byte 300 ms after it is told to,
 * and reads only when told.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "alarm.h"
#include "common.h"
#include "shadowsel/posix/spawn.h"
#include "sock_common.h"


struct peer { int ls; int cmd[2]; };

/* CPU 2: accepts, then for each command byte c sends c 300 ms later; 'q' ends. */
static int peer(void *arg)
{
    const struct peer *p = arg;
    close(p->cmd[1]);
    int fd = accept(p->ls, NULL, NULL);
    CHECK(fd >= 0);
    close(p->ls);
    for (;;) {
        char c = wait_byte(p->cmd[0]);
        if (c == 'q')
            break;
        usleep(300000);
        CHECK(send(fd, &c, 1, 0) == 1);
    }
    /* Reads nothing until told again: the other side's send fills the connection. */
    CHECK(wait_byte(p->cmd[0]) == 'r');
    char buf[4096];
    long got = 0;
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        CHECK(n >= 0);
        if (n == 0)
            break;
        got += n;
    }
    close(fd);
    return got > 0 ? 0 : 1;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    static struct peer p;
    in_port_t port;
    p.ls = listen_loopback(&port, 1);
    CHECK(pipe(p.cmd) == 0);
    pid_t child = shadowsel_spawn(2, peer, &p);
    CHECK(child > 0);
    close(p.ls);
    close(p.cmd[0]);
    int fd = connect_new(port);
    char c = 0;

    printf("-- recv interrupted --\n");
    set_handler(0);
    alarms = 0;
    send_byte(p.cmd[1], 'a');
    alarm_in_ms(100);
    ssize_t n = recv(fd, &c, 1, 0);
    printf("recv = %zd %s, handler ran %d\n", n, n < 0 ? errname(errno) : "", (int)alarms);
    n = recv(fd, &c, 1, 0);
    printf("recv again = %zd '%c'\n", n, c);

    printf("-- recv restarted (SA_RESTART) --\n");
    set_handler(SA_RESTART);
    alarms = 0;
    send_byte(p.cmd[1], 'b');
    alarm_in_ms(100);
    n = recv(fd, &c, 1, 0);
    printf("recv = %zd '%c', handler ran %d\n", n, c, (int)alarms);

    printf("-- send interrupted after a part --\n");
    set_handler(0);
    alarms = 0;
    send_byte(p.cmd[1], 'q');
    /* Far more than any socket buffer takes: the send blocks once the peer's fill. */
    size_t big = 64u << 20;
    char *out = malloc(big);
    CHECK(out != NULL);
    memset(out, 'z', big);
    alarm_in_ms(200);
    n = send(fd, out, big, 0);
    printf("send = %s, handler ran %d\n", n > 0 && (size_t)n < big ? "a part, not EINTR" : n < 0 ? errname(errno) : "all", (int)alarms);
    send_byte(p.cmd[1], 'r');
    free(out);
    close(fd);
    reap(child, "peer on cpu 2");
    return 0;
}
