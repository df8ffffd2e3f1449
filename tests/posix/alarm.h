/* SPDX-License-Identifier: MIT
 * A counting SIGALRM handler and a one-shot ITIMER_REAL alarm, for the programs
 * whose blocking calls a signal interrupts (fifo_open_eintr, sock_eintr,
 * sock_eintr_tcp).
 */
#ifndef SHADOWSEL_TESTS_POSIX_ALARM_H
#define SHADOWSEL_TESTS_POSIX_ALARM_H

#include <signal.h>
#include <string.h>
#include <sys/time.h>

#include "common.h"

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
    (void)sig;
    alarms++;
}

/* on_alarm for SIGALRM with sa_flags `flags` (0 or SA_RESTART). */
static inline void set_handler(int flags) { catch_signal(SIGALRM, on_alarm, flags); }

static inline void alarm_in_ms(int ms)
{
    struct itimerval it;
    memset(&it, 0, sizeof it);
    it.it_value.tv_sec = ms / 1000;
    it.it_value.tv_usec = (ms % 1000) * 1000;
    CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
}

#endif
