// SPDX-License-Identifier: MIT
#include "shadowsel/firmware/services.h"

#include <stdexcept>

#include "shadowsel/driver/agent_protocol.h"
#include "shadowsel/driver/file_ops.h"
#include "shadowsel/driver/filesystem.h"
#include "shadowsel/driver/kernel.h"
#include "shadowsel/driver/membership.h"
#include "shadowsel/driver/wire.h"

namespace shadowsel::fw {

using drv::AgentMsg;
using drv::WireReader;
using drv::WireWriter;

CpuServices::CpuServices(drv::PosixKernel& px, bool network_io, uint32_t tty_lines)
    : px_(px), pipes(px, false), fifos(px, true), sockets(px), ttys(px), procs(px), liveness(px) {
  if (network_io) net = std::make_unique<NetworkIo>(px);
  if (tty_lines) telnet = std::make_unique<TelnetIo>(px, tty_lines);
}

CpuServices::~CpuServices() = default;

void CpuServices::start() {
  // A CPU declared down: each service that keeps state about other CPUs acts on it in
  // its own process, in order with the messages it already has (docs/faults.md).
  std::vector<uint32_t> ports{drv::kPipeAgentPort, drv::kFifoAgentPort, drv::kSocketAgentPort, drv::kTtyAgentPort};
  if (net) ports.push_back(drv::kNetIoPort);
  if (telnet) ports.push_back(drv::kTelnetIoPort);
  drv::PosixKernel& px = px_;
  px.kernel().membership().add_listener([ports, &px](drv::Process& self, uint32_t cpu) {
    WireWriter w;
    w.put(AgentMsg::kCpuDown).put(cpu);
    for (const uint32_t port : ports) self.post(drv::Address{px.kernel().cpu(), port}, w.data());
  });
  pipes.start();
  fifos.start();
  sockets.start();
  ttys.start();
  procs.start();
  liveness.start();
  if (net) net->start();
  if (telnet) telnet->start();
}

// --- process manager ---------------------------------------------------------------------------

void ProcessManager::start() {
  px_.kernel().spawn_service(drv::kProcManagerPort, "proc-manager",
                             [this](drv::Process& self) { run(self); });
}

void ProcessManager::run(drv::Process& self) {
  for (;;) {
    const drv::Message m = self.receive();
    WireReader r(m.data);
    const auto kind = r.get<AgentMsg>();
    if (kind == AgentMsg::kChildStatus) {
      const int32_t parent = r.get<int32_t>(), child = r.get<int32_t>(), status = r.get<int32_t>();
      px_.child_status(parent, child, status);
      continue;
    }
    if (kind == AgentMsg::kKill) {
      const int32_t pid = r.get<int32_t>(), sig = r.get<int32_t>(), sender = r.get<int32_t>();
      WireWriter w;
      w.put<int32_t>(px_.kill_here(pid, sig, sender));
      self.reply(m, w.data());
      continue;
    }
    if (kind == AgentMsg::kKillGroup) {
      const int32_t pgid = r.get<int32_t>(), sig = r.get<int32_t>(), sender = r.get<int32_t>(),
                    exclude = r.get<int32_t>();
      WireWriter w;
      w.put<int32_t>(px_.kill_group_here(pgid, sig, sender, exclude));
      self.reply(m, w.data());
      continue;
    }
    if (kind != AgentMsg::kSpawn) throw std::logic_error("process manager: unexpected message");
    drv::SpawnRequest q = drv::decode_spawn(m.data, px_.fs());
    std::vector<std::shared_ptr<drv::OpenFile>> files;
    for (const auto& f : q.files) {
      f->ops().adopt(px_, *f);
      files.push_back(px_.make_open_file(*f));
    }
    std::vector<std::shared_ptr<drv::OpenFile>> fds;
    for (int32_t idx : q.fd_map) fds.push_back(idx >= 0 ? files.at(static_cast<size_t>(idx)) : nullptr);
    const uint32_t pid = px_.create_child(q.fn, q.arg, q.parent, std::move(fds), q.signals, q.inherit);
    WireWriter w;
    w.put<int32_t>(static_cast<int32_t>(pid));
    self.reply(m, w.data());
  }
}

}  // namespace shadowsel::fw
