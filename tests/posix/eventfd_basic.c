/* SPDX-License-Identifier: MIT
 * eventfd(2): the counter (writes add, a read takes it all), EFD_SEMAPHORE (a read takes
 * 1), EFD_NONBLOCK (EAGAIN on 0 and at the ceiling ULLONG_MAX - 1), 8-byte transfers
 * (EINVAL below, ULLONG_MAX written EINVAL), bad flags EINVAL, F_GETFL, poll/select
 * readiness (POLLIN when not 0, POLLOUT below the ceiling), eventfd_read/eventfd_write,
 * a blocking read and a blocking poll woken by a child on the same CPU, a blocking write
 * at the ceiling completed by a child's read, and a blocking read ended by a signal
 * (EINTR).
 */
#include <fcntl.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/time.h>

#include "common.h"
#include "shadowsel/posix/spawn.h"

static volatile sig_atomic_t alarms;
static void on_alarm(int sig)
{
    (void)sig;
    alarms++;
}

static void show_read(const char *label, int fd)
{
    uint64_t v = 0;
    ssize_t n = read(fd, &v, sizeof v);
    if (n < 0)
        printf("%s: read = -1 %s\n", label, errname(errno));
    else
        printf("%s: read = %ld, value %llu\n", label, (long)n, (unsigned long long)v);
}

static void show_write(const char *label, int fd, uint64_t v)
{
    ssize_t n = write(fd, &v, sizeof v);
    if (n < 0)
        printf("%s: write %llu = -1 %s\n", label, (unsigned long long)v, errname(errno));
    else
        printf("%s: write %llu = %ld\n", label, (unsigned long long)v, (long)n);
}

static void show_poll(const char *label, int fd)
{
    struct pollfd p = {fd, POLLIN | POLLOUT, 0};
    int r = poll(&p, 1, 0);
    printf("%s: poll = %d, ", label, r);
    show_revents("", p.revents);
}

struct child_arg {
    int efd;
    int go; /* read end: the parent is about to block */
};

static int adder(void *arg)
{
    const struct child_arg *a = arg;
    wait_byte(a->go);
    usleep(100000); /* the parent is blocked by now; the result does not depend on it */
    uint64_t v = 7;
    return write(a->efd, &v, sizeof v) == sizeof v ? 0 : 1;
}

static int taker(void *arg)
{
    const struct child_arg *a = arg;
    wait_byte(a->go);
    usleep(100000);
    uint64_t v = 0;
    if (read(a->efd, &v, sizeof v) != sizeof v)
        return 1;
    return v == UINT64_MAX - 1 ? 0 : 2;
}

int main(void)
{
    int go[2];
    CHECK(pipe(go) == 0);

    int e = eventfd(0, 0);
    show_fd("eventfd(0, 0)", e);
    int fl = fcntl(e, F_GETFL);
    printf("F_GETFL: O_RDWR %s, O_NONBLOCK %s\n", yesno((fl & O_ACCMODE) == O_RDWR), yesno(fl & O_NONBLOCK));
    show_poll("fresh", e);
    select_show("fresh", e);
    show_write("counter", e, 5);
    show_write("counter", e, 3);
    show_poll("count 8", e);
    select_show("count 8", e);
    show_read("counter", e);
    show_write("counter", e, 0);
    show_poll("count 0 after writing 0", e);

    char small[4] = {0};
    show("read 4 bytes", read(e, small, sizeof small));
    show("write 4 bytes", write(e, small, sizeof small));
    show_write("max", e, UINT64_MAX);
    uint64_t big[2] = {9, 1};
    show("write 16 bytes", write(e, big, sizeof big));
    show_write("counter", e, 9);
    uint64_t out[2] = {0, 0};
    ssize_t n = read(e, out, sizeof out);
    printf("read 16 bytes = %ld, value %llu\n", (long)n, (unsigned long long)out[0]);
    show("lseek", lseek(e, 0, SEEK_SET));

    /* blocking read woken by a child on the same CPU */
    struct child_arg a = {e, go[0]};
    pid_t c = shadowsel_spawn(0, adder, &a);
    CHECK(c > 0);
    send_byte(go[1], 'g');
    show_read("blocking read woken by the child", e);
    reap(c, "adder");

    /* blocking poll woken the same way */
    c = shadowsel_spawn(0, adder, &a);
    CHECK(c > 0);
    send_byte(go[1], 'g');
    struct pollfd p = {e, POLLIN, 0};
    int r = poll(&p, 1, -1);
    printf("blocking poll = %d, ", r);
    show_revents("", p.revents);
    reap(c, "adder");
    show_read("then", e);

    /* the ceiling: ULLONG_MAX - 1 */
    show_write("to the ceiling", e, UINT64_MAX - 1);
    show_poll("at the ceiling", e);
    c = shadowsel_spawn(0, taker, &a);
    CHECK(c > 0);
    send_byte(go[1], 'g');
    show_write("blocking write at the ceiling", e, 1);
    reap(c, "taker");
    show_read("then", e);

    /* a blocking read ended by a signal */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
    struct itimerval it;
    memset(&it, 0, sizeof it);
    it.it_value.tv_usec = 100000;
    CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
    show_read("blocking read, alarm", e);
    printf("handler ran: %s\n", yesno(alarms == 1));
    CHECK(close(e) == 0);
    show_read("closed", e);

    /* EFD_NONBLOCK */
    int nb = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    show_fd("eventfd(0, EFD_NONBLOCK|EFD_CLOEXEC)", nb);
    fl = fcntl(nb, F_GETFL);
    printf("F_GETFL: O_RDWR %s, O_NONBLOCK %s\n", yesno((fl & O_ACCMODE) == O_RDWR), yesno(fl & O_NONBLOCK));
    show_read("empty", nb);
    show_write("nonblock", nb, 1);
    show_write("nonblock", nb, UINT64_MAX - 2);
    show_poll("at the ceiling", nb);
    show_write("past the ceiling", nb, 1);
    show_read("nonblock", nb);
    show_read("nonblock", nb);
    close(nb);

    /* EFD_SEMAPHORE */
    int s = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
    show_fd("eventfd(3, EFD_SEMAPHORE|EFD_NONBLOCK)", s);
    for (int i = 0; i < 4; i++)
        show_read("semaphore", s);
    eventfd_t v = 0;
    printf("eventfd_write(2) = %d\n", eventfd_write(s, 2));
    for (int i = 0; i < 2; i++) {
        int got = eventfd_read(s, &v);
        printf("eventfd_read = %d, value %llu\n", got, (unsigned long long)v);
    }
    int rr = eventfd_read(s, &v);
    printf("eventfd_read = %d %s\n", rr, rr < 0 ? errname(errno) : "");
    close(s);

    /* bad flags */
    show_fd("eventfd(0, 2)", eventfd(0, 2));
    show_fd("eventfd(0, O_APPEND)", eventfd(0, O_APPEND));
    return 0;
}
