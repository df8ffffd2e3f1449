// SPDX-License-Identifier: MIT
// One operation on a remote object, as a call to this CPU's agent of its kind, which
// carries it to the owner (another CPU's agent, or an I/O process) and hands back the
// owner's kRemoteResult: AgentMsg::kOp, the kind's op byte, owner u32, id u32, then
// the op's fields.
#pragma once

#include <cstdint>
#include <functional>
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

/// An operation a signal may interrupt while it waits at the owner (a blocking FIFO open
/// or accept): a handler to run makes the caller post kOpCancel to its agent, which asks
/// the owner to give the operation up (kRemoteOpCancel); the owner answers -EINTR (the
/// call throws SignalInterrupted), or the result when it came first (the call returns it
/// and the handler runs after). A caller killed meanwhile cancels the same way, and
/// `abandoned` (when set) gets a result that came first, to give back what it holds.
struct Cancellable {
  std::function<void(const OpReply&)> abandoned;
};

OpReply agent_call(PosixKernel& px, Process& self, uint32_t agent_port, uint8_t op, uint32_t owner, uint32_t id,
                   std::span<const uint8_t> fields, const Cancellable* cancellable = nullptr);

}  // namespace shadowsel::drv
