// SPDX-License-Identifier: MIT
#include "shadowsel/firmware/socket_agent.h"

#include <sys/socket.h>

#include <cerrno>
#include <deque>
#include <optional>
#include <set>
#include <utility>

#include "shadowsel/driver/agent_protocol.h"
#include "shadowsel/driver/kernel.h"
#include "shadowsel/driver/socket.h"
#include "shadowsel/driver/wire.h"

namespace shadowsel::fw {

using drv::AgentMsg;
using drv::SockOp;
using drv::WireReader;

SocketAgent::SocketAgent(drv::PosixKernel& px) : Agent(px, drv::kSocketAgentPort, "socket-agent") {}

bool SocketAgent::handle_more(drv::Process& self, AgentMsg kind, const drv::Message& m) {
  switch (kind) {
    case AgentMsg::kSockPush:
      on_push(m.data);
      return true;
    case AgentMsg::kSockReclaim:
      on_reclaim(self, m.data);
      return true;
    case AgentMsg::kSockWindow: {
      // A window update from a reader here: pass it to the socket's I/O process.
      WireReader r(m.data);
      r.get<AgentMsg>();
      const uint32_t owner = r.get<uint32_t>();
      self.post(drv::Address{owner, drv::kNetIoPort}, m.data);
      return true;
    }
    case AgentMsg::kNetTakeover:
      on_takeover(self, m.data);
      return true;
    default:
      return false;
  }
}

// The backup of the network I/O process took over (docs/faults.md, "Process pair"):
// the sockets it names survived with their ids and move to it here; operations held
// or pending on them go to it, those on the others fail as on a dead owner; new
// sockets are made by it from now on.
void SocketAgent::on_takeover(drv::Process& self, std::span<const uint8_t> body) {
  WireReader r(body);
  r.get<AgentMsg>();
  const uint32_t old = r.get<uint32_t>(), now = r.get<uint32_t>(), backup = r.get<uint32_t>();
  std::vector<uint32_t> survived(r.get<uint32_t>());
  for (uint32_t& id : survived) id = r.get<uint32_t>();
  step();
  px_.network_io_moved(old, now, backup == drv::kNoCpu ? std::nullopt : std::optional<uint32_t>(backup), survived);
  if (old == now) return;
  ++sc_.takeovers;
  const std::set<uint32_t> ids(survived.begin(), survived.end());
  takeover(
      self, old, now,
      [&ids](uint8_t op, uint32_t id) {
        const auto o = static_cast<SockOp>(op);
        return o == SockOp::kCreate || o == SockOp::kPair || ids.count(id) > 0;
      },
      [&ids](uint32_t object) { return ids.count(object) > 0; });
}

// The I/O process went with its CPU: its connections are reset, as NonStop's
// conventional TCP/IP resets them when its process pair is lost (docs/faults.md).
Agent::OwnerDown SocketAgent::result_if_owner_down(uint8_t op) const {
  switch (static_cast<SockOp>(op)) {
    case SockOp::kAddRef:
    case SockOp::kRelease: return {0, OwnerDownResult::kNothing};  // nothing left to count
    case SockOp::kCreate:
    case SockOp::kPair: return {-ENETDOWN, OwnerDownResult::kEnetdown};  // no network I/O process to make it
    default: return {-ECONNRESET, OwnerDownResult::kEconnreset};
  }
}

// S16-S20: the I/O process forwarded data (or a change of the real socket's state) to
// this CPU's shadow; keep it there and wake the local readers.
void SocketAgent::on_push(std::span<const uint8_t> body) {
  WireReader r(body);
  r.get<AgentMsg>();
  const uint32_t owner = r.get<uint32_t>(), id = r.get<uint32_t>();
  const drv::ShadowPush p = drv::get_push(r);
  const uint32_t addr = r.get<uint32_t>(), port = r.get<uint32_t>();
  const auto data = r.bytes();
  step();
  drv::ShadowSocket* sh = px_.shadow(owner, id);
  if (!sh) {
    ++sc_.pushes_dropped;  // closed here while the push was on its way
    return;
  }
  ++sc_.pushes;
  sc_.push_bytes += data.size();
  if (!data.empty()) px_.kernel().execute(px_.kernel().costs().copy(data.size()));
  sh->forwarding = p.forwarding;
  sh->events = p.events;
  sh->done = p.done;
  sh->window = p.window;
  sh->epoch = p.epoch;
  if (sh->dgram) {
    if (p.has_datagram) sh->dgrams.push_back(drv::Datagram{addr, port, {data.begin(), data.end()}});
  } else {
    sh->data.insert(sh->data.end(), data.begin(), data.end());
  }
  px_.shadow_changed(*sh);
}

// Contention mode starts (claim 14): a second CPU can read this socket, so the data
// forwarded here and not yet read goes back to the real socket, in front of what it
// holds, and reads here become requests to the I/O process.
void SocketAgent::on_reclaim(drv::Process& self, std::span<const uint8_t> body) {
  WireReader r(body);
  r.get<AgentMsg>();
  const uint32_t owner = r.get<uint32_t>(), id = r.get<uint32_t>();
  step();
  std::deque<uint8_t> data;
  std::deque<drv::Datagram> dgrams;
  uint32_t unacked = 0;
  if (drv::ShadowSocket* sh = px_.shadow(owner, id)) {
    data.swap(sh->data);
    dgrams.swap(sh->dgrams);
    unacked = std::exchange(sh->unacked, 0);
    sh->forwarding = false;
    px_.shadow_left_forwarding(*sh);
  }
  ++sc_.reclaims;
  sc_.reclaimed_bytes += data.size();
  for (const auto& d : dgrams) sc_.reclaimed_bytes += d.bytes.size();
  drv::WireWriter w;
  w.put(AgentMsg::kSockReturn).put(owner).put(id).put(unacked);
  drv::put_unread(w, data, dgrams);
  self.post(drv::Address{owner, drv::kNetIoPort}, w.data());
}

// S8: the shadow of a socket the I/O process just made for a process here, and the
// mode the I/O process chose for this CPU.
void SocketAgent::on_result(const drv::Message& request, std::span<const uint8_t> result) {
  WireReader q(request.data);
  q.get<AgentMsg>();
  const auto op = q.get<SockOp>();
  const uint32_t owner = q.get<uint32_t>(), id = q.get<uint32_t>();
  WireReader r(result);
  const auto ret = r.get<int64_t>();
  const bool forwarding = r.get<uint32_t>();
  switch (op) {
    case SockOp::kCreate:
      if (ret >= 0) px_.make_shadow(owner, static_cast<uint32_t>(ret)).dgram = q.get<uint32_t>() == SOCK_DGRAM;
      break;
    case SockOp::kPair:
      if (ret >= 0) {
        const bool dgram = q.get<uint32_t>() == SOCK_DGRAM;
        const uint32_t second = WireReader(r.bytes()).get<uint32_t>();
        for (const uint32_t sid : {static_cast<uint32_t>(ret), second}) {
          drv::ShadowSocket& sh = px_.make_shadow(owner, sid);
          sh.dgram = dgram;
          sh.forwarding = true;  // both ends are read only here until one is shared
        }
      }
      break;
    case SockOp::kAccept:
      if (ret >= 0) px_.make_shadow(owner, static_cast<uint32_t>(ret)).forwarding = forwarding;
      break;
    case SockOp::kConnect:  // a connect that failed leaves the mode as it was
      if (drv::ShadowSocket* sh = px_.shadow(owner, id); sh && (ret == 0 || ret == -EINPROGRESS)) {
        sh->forwarding = forwarding;
      }
      break;
    default:
      break;
  }
}

void SocketAgent::register_stats(sim::Stats& s) const {
  Agent::register_stats(s, "socket");
  const std::string p = "cpu." + std::to_string(px_.kernel().cpu()) + ".agent.socket.";
  s.counter(p + "pushes", &sc_.pushes, "messages", "data or state the I/O process forwarded to shadows here");
  s.counter(p + "push_bytes", &sc_.push_bytes, "bytes", "bytes forwarded into shadows here (forwarding mode)");
  s.counter(p + "pushes_dropped", &sc_.pushes_dropped, "messages", "pushes for shadows already closed here");
  s.counter(p + "reclaims", &sc_.reclaims, "shadows", "shadows that left forwarding mode (contention mode)");
  s.counter(p + "takeovers", &sc_.takeovers, "takeovers", "network I/O process takeovers heard of (its backup became the owner)");
  s.counter(p + "reclaimed_bytes", &sc_.reclaimed_bytes, "bytes", "unread bytes given back to the real socket");
}

}  // namespace shadowsel::fw
