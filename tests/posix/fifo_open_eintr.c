/* SPDX-License-Identifier: MIT
 * A signal interrupts a blocking FIFO open waiting for its partner, for a FIFO made on
 * this CPU and for one made on CPU 2 (its real structure there). Without SA_RESTART the
 * open fails with EINTR and gives back the count it took: a non-blocking writer then
 * gets ENXIO (no reader), a non-blocking reader reads 0 (no writer). With SA_RESTART
 * the open is made again and completes when a writer on CPU 1 comes, later than the
 * alarm. A reader killed (SIGKILL) while its open waits, on the FIFO's CPU or another,
 * gives its count back too.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "alarm.h"
#include "common.h"
#include "shadowsel/posix/spawn.h"


struct writer_arg {
    const char *path;
    int delay_ms;
};

/* Opens the FIFO for writing after a delay, writes a line, closes. */
static int late_writer(void *arg)
{
    const struct writer_arg *a = arg;
    usleep((useconds_t)a->delay_ms * 1000);
    int fd = open(a->path, O_WRONLY);
    if (fd < 0)
        return 10;
    if (write(fd, "hello", 5) != 5)
        return 11;
    close(fd);
    return 0;
}

static int make_fifo(void *arg)
{
    return mkfifo((const char *)arg, 0600) == 0 ? 0 : 1;
}

static void interrupted_opens(const char *label, const char *path)
{
    int before = alarms;
    set_handler(0);

    alarm_in_ms(200);
    errno = 0;
    int fd = open(path, O_RDONLY);
    printf("%s: blocking O_RDONLY open = %d %s, handler ran %s\n", label, fd < 0 ? -1 : 0,
           fd < 0 ? errname(errno) : "", yesno(alarms == before + 1));
    if (fd >= 0)
        close(fd);
    fd = open(path, O_WRONLY | O_NONBLOCK);
    printf("%s: then O_WRONLY|O_NONBLOCK = %d %s\n", label, fd < 0 ? -1 : 0, fd < 0 ? errname(errno) : "");
    if (fd >= 0)
        close(fd);

    alarm_in_ms(200);
    fd = open(path, O_WRONLY);
    printf("%s: blocking O_WRONLY open = %d %s, handler ran %s\n", label, fd < 0 ? -1 : 0,
           fd < 0 ? errname(errno) : "", yesno(alarms == before + 2));
    if (fd >= 0)
        close(fd);
    fd = open(path, O_RDONLY | O_NONBLOCK);
    CHECK(fd >= 0);
    char c;
    ssize_t n = read(fd, &c, 1);
    printf("%s: then O_RDONLY|O_NONBLOCK read = %ld %s\n", label, (long)n, n < 0 ? errname(errno) : "");
    close(fd);
}

static int blocked_reader(void *arg)
{
    int fd = open((const char *)arg, O_RDONLY);
    return fd < 0 ? 40 : 41;
}

/* A reader killed while its open waits: its count goes too. */
static void killed_open(const char *label, const char *path, int cpu)
{
    pid_t c = shadowsel_spawn(cpu, blocked_reader, (void *)path);
    CHECK(c > 0);
    usleep(200000);
    CHECK(kill(c, SIGKILL) == 0);
    int st = 0;
    CHECK(waitpid(c, &st, 0) == c);
    printf("%s: reader killed while opening: %s\n", label, yesno(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL));
    int fd = open(path, O_WRONLY | O_NONBLOCK);
    printf("%s: then O_WRONLY|O_NONBLOCK = %d %s\n", label, fd < 0 ? -1 : 0, fd < 0 ? errname(errno) : "");
    if (fd >= 0)
        close(fd);
}

static void restarted_open(const char *label, const char *path)
{
    int before = alarms;
    set_handler(SA_RESTART);
    struct writer_arg a = {path, 700};
    pid_t w = shadowsel_spawn(1, late_writer, &a);
    CHECK(w > 0);
    alarm_in_ms(200);
    int fd = open(path, O_RDONLY);
    printf("%s: SA_RESTART blocking O_RDONLY open = %d %s, handler ran %s\n", label, fd < 0 ? -1 : 0,
           fd < 0 ? errname(errno) : "", yesno(alarms == before + 1));
    if (fd >= 0) {
        char buf[16] = {0};
        ssize_t n = read_full(fd, buf, sizeof buf - 1);
        printf("%s: read %ld \"%s\"\n", label, (long)n, buf);
        close(fd);
    }
    reap(w, "writer");
}

int main(void)
{
    char local[128], remote[128];
    temp_path(local, sizeof local, "fifo_open_eintr", "-local");
    temp_path(remote, sizeof remote, "fifo_open_eintr", "-remote");

    CHECK(mkfifo(local, 0600) == 0);
    interrupted_opens("local", local);
    restarted_open("local", local);
    killed_open("local, reader on CPU 0", local, 0);
    killed_open("local, reader on CPU 3", local, 3);

    pid_t m = shadowsel_spawn(2, make_fifo, remote);
    CHECK(m > 0);
    reap(m, "mkfifo on CPU 2");
    interrupted_opens("remote", remote);
    restarted_open("remote", remote);
    killed_open("remote, reader on CPU 0", remote, 0);

    unlink(local);
    unlink(remote);
    return 0;
}
