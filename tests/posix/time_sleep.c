/* SPDX-License-Identifier: MIT
 * time_sleep: clocks and sleeps. CLOCK_MONOTONIC never goes back; usleep,
 * nanosleep, sleep and poll/select without descriptors sleep at least as long
 * as asked; invalid nanosleep requests and clocks give EINVAL;
 * gettimeofday agrees with CLOCK_REALTIME.
 */
#include <poll.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct timespec ts, rem;
    struct timeval tv;

    show("clock_gettime(CLOCK_MONOTONIC)", clock_gettime(CLOCK_MONOTONIC, &ts));
    printf("tv_nsec in [0, 1e9): %s\n", yesno(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000));
    long long prev = now_us();
    int back = 0;
    for (int i = 0; i < 1000; i++) {
        long long t = now_us();
        back |= t < prev;
        prev = t;
    }
    printf("monotonic over 1000 reads: %s\n", yesno(!back));
    show("clock_gettime(CLOCK_REALTIME)", clock_gettime(CLOCK_REALTIME, &ts));
    show("gettimeofday", gettimeofday(&tv, NULL));
    long long rt = (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
    long long gt = (long long)tv.tv_sec * 1000000 + tv.tv_usec;
    printf("gettimeofday within 1 s of CLOCK_REALTIME: %s, tv_usec < 1e6: %s\n",
           yesno(gt - rt < 1000000 && rt - gt < 1000000), yesno(tv.tv_usec >= 0 && tv.tv_usec < 1000000));
    show("clock_gettime(invalid clock)", clock_gettime((clockid_t)12345, &ts));

    long long t0 = now_us();
    show("usleep(100000)", usleep(100000));
    printf("elapsed >= 100 ms: %s\n", yesno(now_us() - t0 >= 100000));
    show("usleep(0)", usleep(0));

    struct timespec req = {0, 50000000};
    rem.tv_sec = rem.tv_nsec = 12345;
    t0 = now_us();
    show("nanosleep({0, 50000000}, &rem)", nanosleep(&req, &rem));
    printf("elapsed >= 50 ms: %s\n", yesno(now_us() - t0 >= 50000));
    show("nanosleep({0, 0}, NULL)", nanosleep(&(struct timespec){0, 0}, NULL));
    show("nanosleep({0, 1000000000})", nanosleep(&(struct timespec){0, 1000000000}, NULL));
    show("nanosleep({0, -1})", nanosleep(&(struct timespec){0, -1}, NULL));
    show("nanosleep({-1, 0})", nanosleep(&(struct timespec){-1, 0}, NULL));

    t0 = now_us();
    show("sleep(1)", sleep(1));
    printf("elapsed >= 1 s: %s\n", yesno(now_us() - t0 >= 1000000));
    show("sleep(0)", sleep(0));

    t0 = now_us();
    show("poll(NULL, 0, 80)", poll(NULL, 0, 80));
    printf("elapsed >= 80 ms: %s\n", yesno(now_us() - t0 >= 80000));
    struct timeval stv = {0, 70000};
    t0 = now_us();
    show("select(0, ..., {0, 70000})", select(0, NULL, NULL, NULL, &stv));
    printf("elapsed >= 70 ms: %s\n", yesno(now_us() - t0 >= 70000));
    return 0;
}
