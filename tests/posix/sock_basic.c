/* SPDX-License-Identifier: MIT
 * sock_basic: the life of a TCP connection over 127.0.0.1 and the errors of
 * the socket calls. A listener bound to port 0 (getsockname gives the port),
 * a client on CPU 1 with its own socket; getsockname and getpeername on both
 * sides agree; EADDRINUSE, listen's auto-bind, ENOTCONN/EPIPE on unconnected
 * sockets, EINVAL, EISCONN, ENOTSOCK on a pipe, EBADF, SO_TYPE, setsockopt.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "shadowsel/posix/spawn.h"
#include "sock_common.h"

static int same_addr(struct sockaddr_in a, struct sockaddr_in b)
{
    return a.sin_family == b.sin_family && a.sin_port == b.sin_port &&
           a.sin_addr.s_addr == b.sin_addr.s_addr;
}

static int is_loopback(struct sockaddr_in a)
{
    return a.sin_family == AF_INET && a.sin_addr.s_addr == htonl(INADDR_LOOPBACK);
}

/* The client on CPU 1: connects to the listener's port (its argument), sends
 * its own port, then waits for the parent's byte before printing (the parent
 * prints nothing more until it has reaped the client). */
static int client(void *arg)
{
    const in_port_t *port = arg;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fd >= 0);
    int r = connect_loopback(fd, *port);
    int e = errno;
    in_port_t mine = 0;
    if (r == 0) {
        mine = local_port(fd);
        CHECK(send(fd, &mine, sizeof mine, 0) == sizeof mine);
    }
    char c;
    ssize_t got = recv(fd, &c, 1, 0);
    errno = e;
    show("client: connect", r);
    if (r != 0)
        return 1;
    show("client: recv the go byte", got);
    struct sockaddr_in me = local_addr(fd), peer = peer_addr(fd);
    printf("client: local address is 127.0.0.1: %s\n", yesno(is_loopback(me)));
    printf("client: local port non-zero and not the listener's: %s\n",
           yesno(me.sin_port != 0 && me.sin_port != *port));
    printf("client: peer is 127.0.0.1 at the listener's port: %s\n",
           yesno(is_loopback(peer) && peer.sin_port == *port));
    show("client: connect again", connect_loopback(fd, *port));
    show_so_error("client: so_error", fd);
    show("client: send", send(fd, "hello", 5, 0));
    show("client: recv until EOF", recv(fd, &c, 1, 0));
    close(fd);
    return 0;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGPIPE, SIG_IGN);
    char buf[64];

    printf("-- listener on port 0 --\n");
    int ls = show_fd("socket", socket(AF_INET, SOCK_STREAM, 0));
    CHECK(ls >= 0);
    int one = 1;
    show("setsockopt SO_REUSEADDR", setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
    struct sockaddr_in a = local_addr(ls);
    printf("getsockname before bind: port 0: %s, address any: %s\n", yesno(a.sin_port == 0),
           yesno(a.sin_addr.s_addr == htonl(INADDR_ANY)));
    show("bind 127.0.0.1:0", bind_loopback(ls, 0));
    a = local_addr(ls);
    static in_port_t port;
    port = a.sin_port;
    printf("getsockname: family AF_INET: %s, 127.0.0.1: %s, port non-zero: %s\n",
           yesno(a.sin_family == AF_INET), yesno(is_loopback(a)), yesno(port != 0));
    show("bind again", bind_loopback(ls, 0));
    int type = -1;
    socklen_t tlen = sizeof type;
    show("getsockopt SO_TYPE", getsockopt(ls, SOL_SOCKET, SO_TYPE, &type, &tlen));
    printf("SO_TYPE is SOCK_STREAM: %s\n", yesno(type == SOCK_STREAM && tlen == sizeof type));
    show_so_error("getsockopt SO_ERROR", ls);
    show("accept before listen", accept(ls, NULL, NULL));
    show("getpeername on the bound socket", getpeername(ls, (struct sockaddr *)&a, &tlen));
    show("listen", listen(ls, 4));
    show("listen again", listen(ls, 8));
    show("connect on the listening socket", connect_loopback(ls, port));
    show("recv on the listening socket", recv(ls, buf, sizeof buf, MSG_DONTWAIT));
    show("send on the listening socket", send(ls, "x", 1, 0));

    printf("-- a second socket on the same port --\n");
    int s2 = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(s2 >= 0);
    show("bind to the listener's port", bind_loopback(s2, port));
    show("setsockopt SO_REUSEADDR", setsockopt(s2, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
    show("bind to the listener's port with SO_REUSEADDR", bind_loopback(s2, port));
    close(s2);

    printf("-- listen on an unbound socket --\n");
    int s3 = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(s3 >= 0);
    show("listen", listen(s3, 1));
    a = local_addr(s3);
    printf("auto-bound: port non-zero: %s, address any: %s\n", yesno(a.sin_port != 0),
           yesno(a.sin_addr.s_addr == htonl(INADDR_ANY)));
    close(s3);

    printf("-- an unconnected socket --\n");
    int u = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(u >= 0);
    show("recv", recv(u, buf, sizeof buf, 0));
    show("read", read(u, buf, sizeof buf));
    show("send", send(u, "x", 1, 0));
    show("write", write(u, "x", 1));
    show("send MSG_NOSIGNAL", send(u, "x", 1, MSG_NOSIGNAL));
    show("accept", accept(u, NULL, NULL));
    show("shutdown", shutdown(u, SHUT_RDWR));
    socklen_t alen = sizeof a;
    show("getpeername", getpeername(u, (struct sockaddr *)&a, &alen));
    show_so_error("getsockopt SO_ERROR", u);
    show("setsockopt TCP_NODELAY", setsockopt(u, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one));
    show("bind with a short address length", bind(u, (struct sockaddr *)&a, 4));
    close(u);

    printf("-- socket() errors --\n");
    show_fd("socket(AF_INET, SOCK_STREAM, IPPROTO_UDP)", socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
    int t = show_fd("socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)", socket(AF_INET, SOCK_STREAM, IPPROTO_TCP));
    if (t >= 0)
        close(t);
    show_fd("socket(12345, SOCK_STREAM, 0)", socket(12345, SOCK_STREAM, 0));
    int nb = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    CHECK(nb >= 0);
    int fl = fcntl(nb, F_GETFL);
    printf("SOCK_NONBLOCK socket: O_NONBLOCK set: %s, O_RDWR: %s\n", yesno(fl & O_NONBLOCK),
           yesno((fl & O_ACCMODE) == O_RDWR));
    close(nb);

    printf("-- socket calls on a pipe and on a closed descriptor --\n");
    int p[2];
    CHECK(pipe(p) == 0);
    struct sockaddr_in lo = loopback_addr(port);
    const char *names[] = {"pipe", "closed fd"};
    int bad = dup(p[0]);
    CHECK(bad >= 0);
    close(bad);
    int fds[] = {p[0], bad};
    for (int i = 0; i < 2; i++) {
        char l[96];
#define ON(what, call) (snprintf(l, sizeof l, "%s: %s", names[i], what), show(l, call))
        int f = fds[i];
        alen = sizeof a;
        ON("bind", bind(f, (struct sockaddr *)&lo, sizeof lo));
        ON("listen", listen(f, 1));
        ON("accept", accept(f, NULL, NULL));
        ON("connect", connect(f, (struct sockaddr *)&lo, sizeof lo));
        ON("getsockname", getsockname(f, (struct sockaddr *)&a, &alen));
        ON("getpeername", getpeername(f, (struct sockaddr *)&a, &alen));
        ON("send", send(f, "x", 1, 0));
        ON("recv", recv(f, buf, 1, MSG_DONTWAIT));
        ON("shutdown", shutdown(f, SHUT_RDWR));
        ON("getsockopt SO_ERROR", so_error(f));
        ON("setsockopt SO_REUSEADDR", setsockopt(f, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
#undef ON
    }
    close(p[0]);
    close(p[1]);

    printf("-- a client on cpu 1 --\n");
    pid_t c = shadowsel_spawn(1, client, &port);
    CHECK(c > 0);
    struct sockaddr_in from;
    socklen_t flen = sizeof from;
    memset(&from, 0, sizeof from);
    int cs = show_fd("accept", accept(ls, (struct sockaddr *)&from, &flen));
    CHECK(cs >= 0);
    printf("accept address length is sizeof(sockaddr_in): %s\n", yesno(flen == sizeof from));
    in_port_t client_port = 0;
    CHECK(read_full(cs, &client_port, sizeof client_port) == sizeof client_port);
    struct sockaddr_in me = local_addr(cs), peer = peer_addr(cs);
    printf("accept address = getpeername: %s\n", yesno(same_addr(from, peer)));
    printf("peer is 127.0.0.1 at the client's own port: %s\n",
           yesno(is_loopback(peer) && peer.sin_port == client_port));
    printf("accepted socket's local address is the listener's: %s\n",
           yesno(is_loopback(me) && me.sin_port == port));
    show("connect on the accepted socket", connect_loopback(cs, port));
    show("listen on the accepted socket", listen(cs, 1));
    show("bind on the accepted socket", bind_loopback(cs, 0));
    show("setsockopt TCP_NODELAY", setsockopt(cs, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one));
    type = -1;
    tlen = sizeof type;
    getsockopt(cs, SOL_SOCKET, SO_TYPE, &type, &tlen);
    printf("accepted SO_TYPE is SOCK_STREAM: %s\n", yesno(type == SOCK_STREAM));
    /* The client prints from here on: nothing is printed until it is reaped. */
    ssize_t sent = send(cs, "g", 1, 0);
    ssize_t got = read_full(cs, buf, 5);
    close(cs);
    reap(c, "client on cpu 1");
    show("send the go byte", sent);
    show("read the client's message", got);
    printf("message: %.*s\n", (int)(got > 0 ? got : 0), buf);
    close(ls);
    return 0;
}
