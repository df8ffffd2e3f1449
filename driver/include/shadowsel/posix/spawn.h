/* SPDX-License-Identifier: MIT
 * The one call a program for the simulated machine uses that Linux lacks.
 * A simulated process is a host coroutine and cannot fork(), so the POSIX
 * layer starts children with shadowsel_spawn(): child(arg) runs as a new
 * process on CPU `cpu`, inheriting the caller's descriptors (sharing their
 * open file descriptions, as after fork()). Its return value is the child's
 * exit status, for waitpid(). Built natively (tests/posix/native_spawn.c) the
 * call is fork() followed by exit(child(arg)) in the child; `cpu` is ignored.
 */
#ifndef SHADOWSEL_POSIX_SPAWN_H
#define SHADOWSEL_POSIX_SPAWN_H

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Returns the child's pid, or -1 with errno set (EINVAL: no such CPU). */
pid_t shadowsel_spawn(int cpu, int (*child)(void *arg), void *arg);

#ifdef __cplusplus
}
#endif

#endif
