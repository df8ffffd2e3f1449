// SPDX-License-Identifier: MIT
#include "shadowsel/firmware/pipe_agent.h"

#include <algorithm>
#include <cerrno>
#include <stdexcept>

#include "shadowsel/driver/agent_protocol.h"
#include "shadowsel/driver/kernel.h"
#include "shadowsel/driver/membership.h"
#include "shadowsel/driver/wire.h"

namespace shadowsel::fw {

using drv::AgentMsg;
using drv::PipeOp;
using drv::WireReader;
using drv::WireWriter;

PipeAgent::PipeAgent(drv::PosixKernel& px, bool fifo)
    : Agent(px, fifo ? drv::kFifoAgentPort : drv::kPipeAgentPort, fifo ? "fifo-agent" : "pipe-agent"),
      fifo_(fifo),
      watches_(px, port_, &c_.answers_sent, &c_.notifications_sent) {}

namespace {
// What the watch table compares: the pipe's wake counts (PipeObject::wakes).
WatchTable::Wakes wakes_of(const drv::PipeObject& p) {
  return [&p](drv::Interest i) { return p.wakes(i); };
}
}  // namespace

void PipeAgent::free_if_unused(drv::PipeObject& p) {
  const uint32_t id = p.conn.id;
  px_.free_if_unused(p);
  if (!px_.pipe(id)) watches_.erase(id);
}

void PipeAgent::on_watch(drv::Process& self, const Key& k, uint32_t from, bool add) {
  step();
  drv::PipeObject* p = px_.pipe(k.object);
  if (!add) {
    watches_.unwatch(k, from);
  } else if (p) {
    watches_.watch(self, k, from, p->state(), wakes_of(*p));
  } else {
    // The pipe went with its last description (the watcher's close is on its way).
    ++c_.answers_sent;
    self.post(drv::Address{from, port_}, drv::encode_key_state(AgentMsg::kWatchState, k, drv::vanished_state(k), true));
  }
  if (p) p->remote_watches = watches_.count(k.object);
}

bool PipeAgent::handle_more(drv::Process& self, AgentMsg kind, const drv::Message& m) {
  WireReader r(m.data);
  r.get<AgentMsg>();
  switch (kind) {
    case AgentMsg::kKick: {
      const uint32_t id = r.get<uint32_t>();
      if (drv::PipeObject* p = px_.pipe(id)) {
        p->kick_pending = false;
        evaluate(self, *p);
        free_if_unused(*p);
      }
      return true;
    }
    case AgentMsg::kSubscribe: {
      const Key k = drv::get_key(r);
      on_subscribe(self, k, r.get<uint32_t>());
      return true;
    }
    case AgentMsg::kWatchAdd:
    case AgentMsg::kWatchDrop: {
      const Key k = drv::get_key(r);
      on_watch(self, k, r.get<uint32_t>(), kind == AgentMsg::kWatchAdd);
      return true;
    }
    case AgentMsg::kRemoteOp:
      on_remote_op(self, m.data);
      return true;
    case AgentMsg::kRemoteOpCancel: {
      // A blocking FIFO open from m.from.cpu that a signal interrupted: if it still waits,
      // Linux's fifo_open() gives back the counts it took (err_rd/err_wr) and fails with
      // EINTR (its caller restarts it or not); if it is done, its answer is on the way.
      const uint64_t corr = r.get<uint64_t>();
      ++c_.ops_served;
      for (drv::PipeObject* p : px_.pipes()) {
        auto it = std::find_if(p->pending_opens.begin(), p->pending_opens.end(),
                               [&](const auto& o) { return o.cpu == m.from.cpu && o.corr == corr; });
        if (it == p->pending_opens.end()) continue;
        const bool reader = it->reader;
        p->pending_opens.erase(it);
        px_.pipe_ref(*p, reader, !reader, -1, m.from.cpu);
        send_result(self, m.from.cpu, corr, -EINTR, 0, {});
        px_.pipe_changed(self, *p, true);
        evaluate(self, *p);
        break;
      }
      return true;
    }
    case AgentMsg::kRemoteDrop: {
      r.get<uint32_t>();  // owner: this CPU
      const uint32_t id = r.get<uint32_t>();
      const bool reader = r.get<uint8_t>(), writer = r.get<uint8_t>();
      ++c_.ops_served;
      if (drv::PipeObject* p = px_.pipe(id)) {
        px_.pipe_ref(*p, reader, writer, -1, m.from.cpu);
        px_.pipe_changed(self, *p, true);
        evaluate(self, *p);
        free_if_unused(*p);
      }
      return true;
    }
    default:
      return false;
  }
}

// --- a CPU declared down (docs/faults.md) --------------------------------------------------

// The pipe went with its CPU: no reader, no writer left, as after their closes.
Agent::OwnerDown PipeAgent::result_if_owner_down(uint8_t op) const {
  switch (static_cast<PipeOp>(op)) {
    case PipeOp::kRead: return {0, OwnerDownResult::kEof};
    case PipeOp::kWrite: return {-EPIPE, OwnerDownResult::kEpipe};  // and SIGPIPE, as pipe_write()
    case PipeOp::kOpen: return {-ENXIO, OwnerDownResult::kEnxio};   // no device holds the FIFO now
    case PipeOp::kAddRef: return {0, OwnerDownResult::kNothing};
  }
  return {-EIO, OwnerDownResult::kEio};
}

// What the dead CPU's processes held here is released as their exits would have.
void PipeAgent::release_cpu(drv::Process& self, uint32_t cpu) {
  for (drv::PipeObject* p : px_.pipes()) {
    if (p->conn.fifo != fifo_) continue;
    step();
    const bool held = px_.pipe_release_holder(*p, cpu);
    const bool asked = p->remote.erase(cpu) > 0;
    watches_.forget_cpu(cpu);
    p->remote_watches = watches_.count(p->conn.id);
    const auto opens = std::erase_if(p->pending_opens, [cpu](const auto& o) { return o.cpu == cpu; });
    if (!held && !asked && !opens) continue;
    ++c_.holders_released;
    px_.pipe_changed(self, *p, true);
    evaluate(self, *p);
    free_if_unused(*p);
  }
}

// --- the owner side: remote interest table and operations ----------------------------------

void PipeAgent::send_state(drv::Process& self, uint32_t to, AgentMsg kind, const Key& k,
                           const drv::ObjectState& s, bool ready) {
  self.post(drv::Address{to, port_}, drv::encode_key_state(kind, k, s, ready));
}

void PipeAgent::on_subscribe(drv::Process& self, const Key& k, uint32_t from) {
  step();
  drv::PipeObject* p = px_.pipe(k.object);
  if (!p) throw std::logic_error("agent: subscribe for a pipe that no longer exists");
  const auto interest = static_cast<drv::Interest>(k.event);
  const drv::ObjectState s = p->state();
  const bool ready = drv::interest_ready(s, interest, k.version);
  if (!ready) {
    auto& ri = p->remote[from];
    if (interest == drv::Interest::kRead) {
      ri.read = true;
      if (std::find(ri.read_versions.begin(), ri.read_versions.end(), k.version) == ri.read_versions.end()) {
        ri.read_versions.push_back(k.version);
      }
    } else {
      ri.write = true;
    }
  }
  ++c_.answers_sent;
  send_state(self, from, AgentMsg::kAnswer, k, s, ready);
}

void PipeAgent::evaluate(drv::Process& self, drv::PipeObject& p, std::optional<uint32_t> cause) {
  const drv::ObjectState s = p.state();
  const uint32_t me = px_.kernel().cpu();
  watches_.changed(self, p.conn.id, s, wakes_of(p), cause);
  for (auto& [cpu, ri] : p.remote) {
    step();
    if (ri.read) {
      std::vector<uint32_t> still;
      for (uint32_t v : ri.read_versions) {
        if (!drv::interest_ready(s, drv::Interest::kRead, v)) {
          still.push_back(v);
          continue;
        }
        ++c_.notifications_sent;
        send_state(self, cpu, AgentMsg::kNotify,
                   Key{me, p.conn.id, static_cast<uint8_t>(drv::Interest::kRead), v}, s, true);
      }
      ri.read_versions = std::move(still);
      ri.read = !ri.read_versions.empty();
    }
    if (ri.write && drv::interest_ready(s, drv::Interest::kWrite, 0)) {
      ri.write = false;
      ++c_.notifications_sent;
      send_state(self, cpu, AgentMsg::kNotify,
                 Key{me, p.conn.id, static_cast<uint8_t>(drv::Interest::kWrite), 0}, s, true);
    }
  }
  std::erase_if(p.remote, [](const auto& r) { return !r.second.read && !r.second.write; });
  // Remote blocking FIFO opens whose partner has now opened.
  std::vector<drv::PipeObject::PendingOpen> still;
  for (const auto& o : p.pending_opens) {
    const bool done = o.reader ? p.w_counter != o.counter_at_open : p.r_counter != o.counter_at_open;
    if (done) {
      send_result(self, o.cpu, o.corr, 0, 0, {});
    } else {
      still.push_back(o);
    }
  }
  p.pending_opens = std::move(still);
}

void PipeAgent::send_result(drv::Process& self, uint32_t to, uint64_t corr, int64_t ret,
                            uint32_t version, std::span<const uint8_t> data,
                            const std::optional<drv::ObjectState>& state) {
  self.post(drv::Address{to, port_}, drv::encode_remote_result(corr, ret, version, data, state));
}

void PipeAgent::on_remote_op(drv::Process& self, std::span<const uint8_t> body) {
  WireReader r(body);
  const drv::RemoteOpHead head = drv::get_remote_op(r);
  const uint64_t corr = head.corr;
  const uint32_t from = head.from, id = head.id;
  const auto op = static_cast<PipeOp>(head.op);
  ++c_.ops_served;
  step();
  drv::PipeObject* p = px_.pipe(id);
  if (!p) throw std::logic_error("agent: operation on a pipe that no longer exists");
  switch (op) {
    case PipeOp::kRead: {
      std::vector<uint8_t> buf(r.get<uint32_t>());
      px_.set_change_cause(from);  // its result carries the state (the engine's skip node)
      const int64_t n = px_.pipe_read_now(self, *p, buf);
      px_.set_change_cause(std::nullopt);
      buf.resize(n > 0 ? static_cast<size_t>(n) : 0);
      send_result(self, from, corr, n, 0, buf, p->state());
      evaluate(self, *p, from);
      return;
    }
    case PipeOp::kWrite: {
      const bool merge = r.get<uint8_t>();
      const auto data = r.bytes();
      px_.set_change_cause(from);
      const int64_t n = px_.pipe_write_now(self, *p, data, merge);
      px_.set_change_cause(std::nullopt);
      send_result(self, from, corr, n, 0, {}, p->state());
      evaluate(self, *p, from);
      return;
    }
    case PipeOp::kOpen: {
      const bool reader = r.get<uint8_t>(), writer = r.get<uint8_t>(), nonblock = r.get<uint8_t>();
      const uint32_t counter = reader && !writer ? p->w_counter : p->r_counter;
      uint32_t version = 0;
      const int ret = px_.fifo_open_counts(*p, reader, writer, nonblock, &version, from);
      if (ret == 1) {
        p->pending_opens.push_back({from, corr, reader && !writer, counter});
      } else {
        send_result(self, from, corr, ret, version, {});
      }
      px_.pipe_changed(self, *p, true);
      break;
    }
    case PipeOp::kAddRef: {
      const bool reader = r.get<uint8_t>(), writer = r.get<uint8_t>();
      const uint32_t holder = r.get<uint32_t>();
      // A child on a CPU already declared down will never close it (pipe_release_holder).
      if (px_.kernel().membership().up(holder)) px_.pipe_ref(*p, reader, writer, +1, holder);
      send_result(self, from, corr, 0, 0, {});
      break;
    }
  }
  evaluate(self, *p);
}

}  // namespace shadowsel::fw
