// SPDX-License-Identifier: MIT
// Workloads that are POSIX programs on the simulated machine (docs/scenarios.md).
#pragma once

#include "shadowsel/tb/simulation.h"

namespace shadowsel::tb {

/// "dedup": W waiters on one CPU select a FIFO whose real structure is on another.
void install_dedup(Simulation& sim);
/// "pipeline": a producer on CPU 0 feeds a filter on every other CPU through pipes.
void install_pipeline(Simulation& sim);
/// "socket_server": a TCP server with readers on CPUs 1..K serving clients on the
/// other CPUs (tb/src/socket_workloads.cpp). Throws std::invalid_argument when
/// K is not below the number of CPUs.
void install_socket_server(Simulation& sim);
/// "net_server": the same server with the network's remote hosts as its clients.
void install_net_server(Simulation& sim);
/// "net_echo": an echo server on CPU 1 for the remote hosts, TCP or UDP
/// (tb/src/net_workloads.cpp).
void install_net_echo(Simulation& sim);
/// "tty_echo": readers on CPUs 1..K select /dev/tty0, read each typed line and write a
/// reply (tb/src/tty_workloads.cpp). Throws std::invalid_argument when K is not below
/// the number of CPUs or there is no TTY line.
void install_tty_echo(Simulation& sim);

}  // namespace shadowsel::tb
