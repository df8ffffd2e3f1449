/* SPDX-License-Identifier: MIT
 * epoll_server: a level-triggered epoll loop on CPU 1 serving two pipes and a
 * FIFO whose real structures are on CPU 0, fed by writers on CPUs 2, 3 and 0
 * that write records with pauses between them and then close. The loop reads
 * at most 7 bytes per event (level-triggered: the rest is reported again),
 * removes a source at EOF (EPOLL_CTL_DEL, close) and ends when all three are
 * done; it prints what each source delivered, whole and in order.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "shadowsel/posix/spawn.h"

enum { kSources = 3, kRecords = 12, kRecordLen = 10 };

struct setup {
    int a[2], b[2]; /* pipes fed from CPUs 2 and 3 */
    int go[2];      /* the server says the FIFO is open for reading */
    char fifo[96];
};

static void record(char *out, char tag, int i) { snprintf(out, kRecordLen + 1, "%c%02d-------", tag, i); }

static void feed(int fd, char tag, int pause_us)
{
    char rec[kRecordLen + 1];
    for (int i = 0; i < kRecords; i++) {
        record(rec, tag, i);
        CHECK(write(fd, rec, kRecordLen) == kRecordLen);
        if (i % 4 == 3)
            usleep(pause_us);
    }
    CHECK(close(fd) == 0);
}

static int feeder_a(void *arg)
{
    const struct setup *s = arg;
    close(s->a[0]);
    close(s->b[0]);
    close(s->b[1]);
    close(s->go[0]);
    close(s->go[1]);
    feed(s->a[1], 'A', 3000);
    return 0;
}

static int feeder_b(void *arg)
{
    const struct setup *s = arg;
    close(s->b[0]);
    close(s->a[0]);
    close(s->a[1]);
    close(s->go[0]);
    close(s->go[1]);
    feed(s->b[1], 'B', 5000);
    return 0;
}

static int server(void *arg)
{
    const struct setup *s = arg;
    close(s->a[1]);
    close(s->b[1]);
    close(s->go[0]);
    int fifo = open(s->fifo, O_RDONLY | O_NONBLOCK);
    CHECK(fifo >= 0);
    send_byte(s->go[1], 'g');
    close(s->go[1]);

    int fds[kSources] = {s->a[0], s->b[0], fifo};
    static const char names[kSources] = {'A', 'B', 'F'};
    char got[kSources][kRecords * kRecordLen + 1];
    size_t len[kSources] = {0, 0, 0};
    int eof[kSources] = {0, 0, 0};
    int ep = epoll_create1(0);
    CHECK(ep >= 0);
    for (int i = 0; i < kSources; i++) {
        CHECK(fcntl(fds[i], F_SETFL, O_NONBLOCK) == 0);
        struct epoll_event e;
        memset(&e, 0, sizeof e);
        e.events = EPOLLIN;
        e.data.u32 = (uint32_t)i;
        CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &e) == 0);
    }
    int open_sources = kSources, fifo_writer_seen = 0, empty_reports = 0;
    while (open_sources > 0) {
        struct epoll_event ev[kSources];
        int n = epoll_wait(ep, ev, kSources, -1);
        CHECK(n > 0);
        for (int k = 0; k < n; k++) {
            int i = (int)ev[k].data.u32;
            char buf[7];
            ssize_t r = read(fds[i], buf, sizeof buf);
            if (r > 0) {
                CHECK(len[i] + (size_t)r <= kRecords * kRecordLen);
                memcpy(got[i] + len[i], buf, (size_t)r);
                len[i] += (size_t)r;
                if (i == 2)
                    fifo_writer_seen = 1;
                continue;
            }
            if (r < 0) {
                CHECK(errno == EAGAIN);
                ++empty_reports; /* level-triggered with nothing to read: must not happen */
                continue;
            }
            /* EOF. The FIFO reports POLLHUP only once a writer was seen (f_version). */
            CHECK(i != 2 || fifo_writer_seen);
            eof[i] = 1;
            CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, fds[i], NULL) == 0);
            CHECK(close(fds[i]) == 0);
            --open_sources;
        }
    }
    for (int i = 0; i < kSources; i++) {
        int whole = len[i] == kRecords * kRecordLen;
        for (int j = 0; whole && j < kRecords; j++) {
            char want[kRecordLen + 1];
            record(want, names[i], j);
            whole = memcmp(got[i] + j * kRecordLen, want, kRecordLen) == 0;
        }
        printf("source %c: %zu bytes, records whole and in order %s, EOF %s\n", names[i], len[i], yesno(whole),
               yesno(eof[i]));
    }
    printf("reports with nothing to read: %d\n", empty_reports);
    struct epoll_event ev[1];
    printf("empty set, timeout 0: %d\n", epoll_wait(ep, ev, 1, 0));
    CHECK(close(ep) == 0);
    return 0;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    static struct setup s;
    temp_path(s.fifo, sizeof s.fifo, "epoll_server", ".fifo");
    CHECK(mkfifo(s.fifo, 0600) == 0);
    CHECK(pipe(s.a) == 0);
    CHECK(pipe(s.b) == 0);
    CHECK(pipe(s.go) == 0);
    pid_t srv = shadowsel_spawn(1, server, &s);
    CHECK(srv > 0);
    pid_t fa = shadowsel_spawn(2, feeder_a, &s);
    pid_t fb = shadowsel_spawn(3, feeder_b, &s);
    CHECK(fa > 0 && fb > 0);
    close(s.a[0]);
    close(s.a[1]);
    close(s.b[0]);
    close(s.b[1]);
    close(s.go[1]);
    CHECK(wait_byte(s.go[0]) == 'g');
    close(s.go[0]);
    int fifo = open(s.fifo, O_WRONLY);
    CHECK(fifo >= 0);
    feed(fifo, 'F', 4000);
    reap(srv, "server on CPU 1");
    reap(fa, "feeder on CPU 2");
    reap(fb, "feeder on CPU 3");
    CHECK(unlink(s.fifo) == 0);
    return 0;
}
