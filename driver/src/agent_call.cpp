// SPDX-License-Identifier: MIT
#include "shadowsel/driver/agent_call.h"

#include "shadowsel/driver/agent_protocol.h"
#include "shadowsel/driver/posix_kernel.h"
#include "shadowsel/driver/process.h"
#include "shadowsel/driver/kernel.h"
#include "shadowsel/driver/wire.h"

namespace shadowsel::drv {

OpReply agent_call(PosixKernel& px, Process& self, uint32_t agent_port, uint8_t op, uint32_t owner, uint32_t id,
                   std::span<const uint8_t> fields) {
  px.count_remote_op();
  WireWriter w;
  w.put(AgentMsg::kOp).put(op).put(owner).put(id);
  std::vector<uint8_t> msg = w.data();
  msg.insert(msg.end(), fields.begin(), fields.end());
  const auto reply = self.call(Address{px.kernel().cpu(), agent_port}, msg);
  WireReader r(reply);
  OpReply out;
  out.ret = r.get<int64_t>();
  out.version = r.get<uint32_t>();
  const auto data = r.bytes();
  out.data.assign(data.begin(), data.end());
  return out;
}

}  // namespace shadowsel::drv
