// SPDX-License-Identifier: MIT
// The services every CPU runs from time zero: its agents, its process manager and, on
// I/O CPUs, the network I/O process; on the first I/O CPU, the telnet I/O process.
#pragma once

#include <memory>

#include "shadowsel/driver/posix_kernel.h"
#include "shadowsel/firmware/liveness.h"
#include "shadowsel/firmware/net_io.h"
#include "shadowsel/firmware/pipe_agent.h"
#include "shadowsel/firmware/socket_agent.h"
#include "shadowsel/firmware/telnet_io.h"
#include "shadowsel/firmware/tty_agent.h"

namespace shadowsel::fw {

/// Starts spawned children on this CPU and collects exit statuses for parents
/// here: the fork/wait half of the POSIX layer, on port kProcManagerPort.
class ProcessManager {
 public:
  explicit ProcessManager(drv::PosixKernel& px) : px_(px) {}
  void start();

 private:
  void run(drv::Process& self);
  drv::PosixKernel& px_;
};

/// The services of one CPU, started in order at time zero.
struct CpuServices {
  /// `network_io`: this CPU carries a network port, so it runs a network I/O process.
  /// `tty_lines` > 0: this CPU runs the telnet I/O process, owning that many lines.
  CpuServices(drv::PosixKernel& px, bool network_io, uint32_t tty_lines = 0);
  ~CpuServices();
  void start();
  drv::PosixKernel& px_;
  PipeAgent pipes;
  PipeAgent fifos;
  SocketAgent sockets;
  TtyAgent ttys;
  ProcessManager procs;
  Liveness liveness;
  std::unique_ptr<NetworkIo> net;  ///< on I/O CPUs only
  std::unique_ptr<TelnetIo> telnet;  ///< on the first I/O CPU only
};

}  // namespace shadowsel::fw
