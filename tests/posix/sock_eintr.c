/* SPDX-License-Identifier: MIT
 * A handled signal ends a blocking socket call waiting for data: recv on an AF_UNIX
 * socketpair and recvfrom on a UDP socket return EINTR without SA_RESTART; with
 * SA_RESTART the recv is made again and gets the data a child on CPU 1 sends after
 * the alarm.
 */
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "alarm.h"
#include "common.h"
#include "shadowsel/posix/spawn.h"


static int late_sender(void *arg)
{
    int fd = *(int *)arg;
    usleep(700000);
    return send(fd, "late", 4, 0) == 4 ? 0 : 1;
}

int main(void)
{
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    char buf[16] = {0};

    set_handler(0);
    alarm_in_ms(200);
    ssize_t n = recv(sv[0], buf, sizeof buf, 0);
    printf("recv, no SA_RESTART = %ld %s, handler ran %s\n", (long)n, n < 0 ? errname(errno) : "",
           yesno(alarms == 1));

    int u = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(u >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(bind(u, (struct sockaddr *)&a, sizeof a) == 0);
    alarm_in_ms(200);
    n = recvfrom(u, buf, sizeof buf, 0, NULL, NULL);
    printf("recvfrom UDP, no SA_RESTART = %ld %s, handler ran %s\n", (long)n, n < 0 ? errname(errno) : "",
           yesno(alarms == 2));
    close(u);

    set_handler(SA_RESTART);
    pid_t c = shadowsel_spawn(1, late_sender, &sv[1]);
    CHECK(c > 0);
    alarm_in_ms(200);
    memset(buf, 0, sizeof buf);
    n = recv(sv[0], buf, sizeof buf, 0);
    printf("recv, SA_RESTART = %ld \"%s\", handler ran %s\n", (long)n, n > 0 ? buf : "", yesno(alarms == 3));
    reap(c, "sender on CPU 1");
    close(sv[0]);
    close(sv[1]);
    return 0;
}
