/* SPDX-License-Identifier: MIT
 * The client of the echo server programs (sock_echo_select, epoll_sock_echo):
 * NMSG messages of varied sizes, each checked when it comes back (poll for
 * POLLIN|POLLOUT, so no buffer size matters); the exit status counts the
 * mismatched echoes. A client is known by the first byte of its messages.
 */
#ifndef SHADOWSEL_TESTS_POSIX_ECHO_CLIENT_H
#define SHADOWSEL_TESTS_POSIX_ECHO_CLIENT_H

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "sock_common.h"

#define NCLIENTS 3
#define NMSG 25

struct client { int cpu; int id; in_port_t port; int listener; };
static struct client clients[NCLIENTS];

static size_t msg_size(int id, int i) { return 1 + (size_t)((i * 7919 + id * 104729 + i * i * 31) % 12000); }

/* Byte `off` of client id's message i; byte 0 of every message is the id. */
static unsigned char msg_byte(int id, int i, size_t off)
{
    return off == 0 ? (unsigned char)('A' + id) : (unsigned char)(off * 131 + (size_t)i * 17 + (size_t)id * 7);
}

static int run_client(void *arg)
{
    const struct client *c = arg;
    close(c->listener);
    int fd = connect_new(c->port);
    unsigned char *out = malloc(12000), *in = malloc(12000);
    CHECK(out && in);
    int bad = 0;
    for (int i = 0; i < NMSG; i++) {
        size_t n = msg_size(c->id, i), sent = 0, got = 0;
        for (size_t k = 0; k < n; k++)
            out[k] = msg_byte(c->id, i, k);
        while (got < n) {
            struct pollfd p = {.fd = fd, .events = POLLIN | (sent < n ? POLLOUT : 0)};
            CHECK(poll(&p, 1, -1) == 1);
            if (p.revents & POLLOUT) {
                ssize_t w = send(fd, out + sent, n - sent, MSG_DONTWAIT);
                CHECK(w > 0 || (w < 0 && errno == EAGAIN));
                if (w > 0)
                    sent += (size_t)w;
            }
            if (p.revents & POLLIN) {
                ssize_t r = recv(fd, in + got, n - got, MSG_DONTWAIT);
                CHECK(r > 0 || (r < 0 && errno == EAGAIN));
                if (r > 0)
                    got += (size_t)r;
            }
            CHECK(!(p.revents & (POLLERR | POLLHUP | POLLNVAL)));
        }
        bad += memcmp(in, out, n) != 0;
    }
    free(out);
    free(in);
    close(fd);
    return bad;
}

#endif
