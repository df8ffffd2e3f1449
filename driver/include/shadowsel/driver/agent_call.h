// SPDX-License-Identifier: MIT
// One operation on a remote object, as a call to this CPU's agent of its kind, which
// carries it to the owner (another CPU's agent, or an I/O process) and hands back the
// owner's kRemoteResult: AgentMsg::kOp, the kind's op byte, owner u32, id u32, then
// the op's fields.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace shadowsel::drv {

class PosixKernel;
class Process;

struct OpReply {
  int64_t ret = 0;       ///< the result, or -errno
  uint32_t version = 0;  ///< what the kind says (sockets: kAccept, kConnect forward to this CPU)
  std::vector<uint8_t> data;
};

OpReply agent_call(PosixKernel& px, Process& self, uint32_t agent_port, uint8_t op, uint32_t owner, uint32_t id,
                   std::span<const uint8_t> fields);

}  // namespace shadowsel::drv
