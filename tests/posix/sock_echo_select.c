/* SPDX-License-Identifier: MIT
 * sock_echo_select: an echo server on CPU 0 with one select() loop over the
 * listening socket and its connections, serving three clients on CPUs 1, 2
 * and 3. Each client connects its own socket, sends messages of varied sizes
 * and checks every echo (poll for POLLIN|POLLOUT, so no buffer size matters),
 * then closes; its exit status says whether all echoes matched. The server
 * stops once three connections were accepted and all reached EOF, and prints
 * per-client totals (a client is known by the first byte it sends).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include "common.h"
#include "shadowsel/posix/spawn.h"
#include "sock_common.h"
#include "echo_client.h"

struct conn { int fd; int id; long bytes; };

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    in_port_t port;
    int ls = listen_loopback(&port, 8);
    pid_t pid[NCLIENTS];
    for (int k = 0; k < NCLIENTS; k++) {
        clients[k] = (struct client){.cpu = k + 1, .id = k, .port = port, .listener = ls};
        pid[k] = shadowsel_spawn(k + 1, run_client, &clients[k]);
        CHECK(pid[k] > 0);
    }

    struct conn conns[NCLIENTS];
    int accepted = 0, open_conns = 0, selects = 0;
    long bytes[NCLIENTS] = {0}, bad_bytes = 0;
    int eof_seen[NCLIENTS] = {0};
    char *buf = malloc(4096);
    CHECK(buf != NULL);
    while (accepted < NCLIENTS || open_conns > 0) {
        fd_set r;
        FD_ZERO(&r);
        int maxfd = -1;
        if (accepted < NCLIENTS) {
            FD_SET(ls, &r);
            maxfd = ls;
        }
        for (int i = 0; i < accepted; i++)
            if (conns[i].fd >= 0) {
                FD_SET(conns[i].fd, &r);
                if (conns[i].fd > maxfd)
                    maxfd = conns[i].fd;
            }
        int n = select(maxfd + 1, &r, NULL, NULL, NULL);
        CHECK(n > 0);
        selects++;
        if (accepted < NCLIENTS && FD_ISSET(ls, &r)) {
            int fd = accept(ls, NULL, NULL);
            CHECK(fd >= 0);
            conns[accepted++] = (struct conn){.fd = fd, .id = -1, .bytes = 0};
            open_conns++;
        }
        for (int i = 0; i < accepted; i++) {
            struct conn *c = &conns[i];
            if (c->fd < 0 || !FD_ISSET(c->fd, &r))
                continue;
            ssize_t got = recv(c->fd, buf, 4096, 0);
            CHECK(got >= 0);
            if (got == 0) {
                CHECK(c->id >= 0);
                eof_seen[c->id] = 1;
                bytes[c->id] = c->bytes;
                close(c->fd);
                c->fd = -1;
                open_conns--;
                continue;
            }
            if (c->id < 0) {
                c->id = (unsigned char)buf[0] - 'A';
                CHECK(c->id >= 0 && c->id < NCLIENTS);
            }
            c->bytes += got;
            CHECK(write_full(c->fd, buf, (size_t)got) == got);
        }
    }
    free(buf);
    close(ls);
    printf("server: %d connections accepted, all at EOF, select woke at least %d times: %s\n",
           accepted, 3 * NCLIENTS, yesno(selects >= 3 * NCLIENTS));
    for (int k = 0; k < NCLIENTS; k++) {
        long want = 0;
        for (int i = 0; i < NMSG; i++)
            want += (long)msg_size(k, i);
        printf("server: client %c: %ld bytes echoed, expected %ld, EOF seen: %s\n", 'A' + k,
               bytes[k], want, yesno(eof_seen[k]));
        bad_bytes += bytes[k] != want;
    }
    for (int k = 0; k < NCLIENTS; k++) {
        char label[64];
        snprintf(label, sizeof label, "client %c on cpu %d (mismatched echoes)", 'A' + k, k + 1);
        reap(pid[k], label);
    }
    printf("server: totals match: %s\n", yesno(bad_bytes == 0));
    return 0;
}
