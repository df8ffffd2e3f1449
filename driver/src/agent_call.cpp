// SPDX-License-Identifier: MIT
#include "shadowsel/driver/agent_call.h"

#include <cerrno>

#include "shadowsel/driver/agent_protocol.h"
#include "shadowsel/driver/posix_kernel.h"
#include "shadowsel/driver/process.h"
#include "shadowsel/driver/kernel.h"
#include "shadowsel/driver/wire.h"

namespace shadowsel::drv {

namespace {
OpReply decode_reply(std::span<const uint8_t> reply) {
  WireReader r(reply);
  OpReply out;
  out.ret = r.get<int64_t>();
  out.version = r.get<uint32_t>();
  const auto data = r.bytes();
  out.data.assign(data.begin(), data.end());
  return out;
}
}  // namespace

OpReply agent_call(PosixKernel& px, Process& self, uint32_t agent_port, uint8_t op, uint32_t owner, uint32_t id,
                   std::span<const uint8_t> fields, const Cancellable* cancellable) {
  px.count_remote_op();
  WireWriter w;
  w.put(AgentMsg::kOp).put(op).put(owner).put(id);
  std::vector<uint8_t> msg = w.data();
  msg.insert(msg.end(), fields.begin(), fields.end());
  const Address agent{px.kernel().cpu(), agent_port};
  if (!cancellable) return decode_reply(self.call(agent, msg));
  std::function<void(std::span<const uint8_t>)> abandoned;
  if (cancellable->abandoned) {
    abandoned = [&px, cancellable](std::span<const uint8_t> reply) {
      const OpReply r = decode_reply(reply);
      if (r.ret < 0) return;  // the cancel's answer: nothing to give back
      px.count_result_given_back();
      cancellable->abandoned(r);
    };
  }
  const OpReply out = decode_reply(self.call_cancellable(
      agent, msg,
      [&] {
        WireWriter c;
        c.put(AgentMsg::kOpCancel);
        self.post(agent, c.data());
      },
      abandoned));
  if (out.ret == -EINTR) throw SignalInterrupted{};
  return out;
}

}  // namespace shadowsel::drv
