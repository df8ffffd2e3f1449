// SPDX-License-Identifier: MIT
#include "shadowsel/firmware/services.h"

#include <stdexcept>

#include "shadowsel/driver/agent_protocol.h"
#include "shadowsel/driver/file_ops.h"
#include "shadowsel/driver/filesystem.h"
#include "shadowsel/driver/kernel.h"
#include "shadowsel/driver/wire.h"

namespace shadowsel::fw {

using drv::AgentMsg;
using drv::WireReader;
using drv::WireWriter;

CpuServices::CpuServices(drv::PosixKernel& px, bool network_io, uint32_t tty_lines)
    : pipes(px, false), fifos(px, true), sockets(px), ttys(px), procs(px) {
  if (network_io) net = std::make_unique<NetworkIo>(px);
  if (tty_lines) telnet = std::make_unique<TelnetIo>(px, tty_lines);
}

CpuServices::~CpuServices() = default;

void CpuServices::start() {
  pipes.start();
  fifos.start();
  sockets.start();
  ttys.start();
  procs.start();
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
    if (kind == AgentMsg::kChildExit) {
      const int32_t parent = r.get<int32_t>(), child = r.get<int32_t>(), status = r.get<int32_t>();
      px_.child_exited(parent, child, status);
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
    const uint32_t pid = px_.create_child(q.fn, q.arg, q.parent, std::move(fds), q.sigpipe, q.handler);
    WireWriter w;
    w.put<int32_t>(static_cast<int32_t>(pid));
    self.reply(m, w.data());
  }
}

}  // namespace shadowsel::fw
