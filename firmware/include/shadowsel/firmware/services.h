// SPDX-License-Identifier: MIT
// The services every CPU runs from time zero: its agents, its process manager and, on
// I/O CPUs, the network I/O process.
#pragma once

#include <memory>

#include "shadowsel/driver/posix_kernel.h"
#include "shadowsel/firmware/net_io.h"
#include "shadowsel/firmware/pipe_agent.h"
#include "shadowsel/firmware/socket_agent.h"

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
  CpuServices(drv::PosixKernel& px, bool network_io);
  ~CpuServices();
  void start();
  PipeAgent pipes;
  PipeAgent fifos;
  SocketAgent sockets;
  ProcessManager procs;
  std::unique_ptr<NetworkIo> net;  ///< on I/O CPUs only
};

}  // namespace shadowsel::fw
