/* SPDX-License-Identifier: MIT
 * shadowsel_spawn() for the native (Linux) build of the POSIX test programs:
 * fork(), and in the child exit with child(arg)'s return value. The CPU
 * number only matters on the simulated machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "shadowsel/posix/spawn.h"

pid_t shadowsel_spawn(int cpu, int (*child)(void *arg), void *arg)
{
    (void)cpu;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        exit(child(arg));
    return pid;
}
