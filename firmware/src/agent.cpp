// SPDX-License-Identifier: MIT
#include "shadowsel/firmware/agent.h"

#include <algorithm>
#include <cerrno>
#include <stdexcept>

#include "shadowsel/driver/agent_protocol.h"
#include "shadowsel/driver/file_ops.h"
#include "shadowsel/driver/filesystem.h"
#include "shadowsel/driver/kernel.h"
#include "shadowsel/driver/wire.h"

namespace shadowsel::fw {

using drv::AgentMsg;
using drv::PipeOp;
using drv::WireReader;
using drv::WireWriter;

namespace {

void put_state(WireWriter& w, const drv::PipeState& s) {
  w.put<uint8_t>(s.nonempty).put<uint8_t>(s.full).put(s.readers).put(s.writers).put(s.w_counter)
      .put(s.changed_at);
}

drv::PipeState get_state(WireReader& r) {
  drv::PipeState s;
  s.nonempty = r.get<uint8_t>();
  s.full = r.get<uint8_t>();
  s.readers = r.get<uint32_t>();
  s.writers = r.get<uint32_t>();
  s.w_counter = r.get<uint32_t>();
  s.changed_at = r.get<uint64_t>();
  return s;
}

}  // namespace

PipeAgent::PipeAgent(drv::PosixKernel& px, bool fifo)
    : px_(px), fifo_(fifo), port_(fifo ? drv::kFifoAgentPort : drv::kPipeAgentPort) {}

void PipeAgent::start() {
  process_ = &px_.kernel().spawn_service(port_, fifo_ ? "fifo-agent" : "pipe-agent",
                                         [this](drv::Process& self) { run(self); });
}

uint64_t PipeAgent::cpu_cycles() const { return process_ ? process_->cpu_cycles() : 0; }

void PipeAgent::step() { px_.kernel().execute(px_.kernel().costs().fd_check); }

void PipeAgent::run(drv::Process& self) {
  for (;;) handle(self, self.receive());
}

void PipeAgent::handle(drv::Process& self, const drv::Message& m) {
  WireReader r(m.data);
  const auto kind = r.get<AgentMsg>();
  const uint32_t me = px_.kernel().cpu();
  switch (kind) {
    case AgentMsg::kSelect:
      on_select(self, m.data);
      return;
    case AgentMsg::kKick: {
      const uint32_t id = r.get<uint32_t>();
      if (drv::PipeObject* p = px_.pipe(id)) {
        p->kick_pending = false;
        evaluate(self, *p);
        px_.free_if_unused(*p);
      }
      return;
    }
    case AgentMsg::kOp: {
      // A local process's operation on a remote pipe: forward it, answer later.
      const uint64_t corr = next_corr_++;
      pending_ops_[corr] = m;
      const auto op = r.get<PipeOp>();
      const uint32_t owner = r.get<uint32_t>();
      WireWriter w;
      w.put(AgentMsg::kRemoteOp).put(corr).put(me).put(op);
      // From the owner field on, the request is the operation: pass it on unchanged.
      std::vector<uint8_t> out = w.data();
      out.insert(out.end(), m.data.begin() + sizeof(AgentMsg) + sizeof(PipeOp), m.data.end());
      ++c_.ops_forwarded;
      self.post(drv::Address{owner, port_}, out);
      return;
    }
    case AgentMsg::kDrop: {
      const uint32_t owner = r.get<uint32_t>();
      WireWriter w;
      w.put(AgentMsg::kRemoteDrop);
      std::vector<uint8_t> out = w.data();
      out.insert(out.end(), m.data.begin() + 1, m.data.end());
      self.post(drv::Address{owner, port_}, out);
      return;
    }
    case AgentMsg::kSubscribe: {
      Key k{r.get<uint32_t>(), r.get<uint32_t>(), r.get<uint8_t>(), r.get<uint32_t>()};
      on_subscribe(self, k, r.get<uint32_t>());
      return;
    }
    case AgentMsg::kAnswer:
    case AgentMsg::kNotify: {
      Key k{r.get<uint32_t>(), r.get<uint32_t>(), r.get<uint8_t>(), r.get<uint32_t>()};
      const drv::PipeState s = get_state(r);
      const bool ready = r.get<uint8_t>();
      on_answer(self, k, s, ready, kind == AgentMsg::kNotify);
      return;
    }
    case AgentMsg::kRemoteOp:
      on_remote_op(self, m.data);
      return;
    case AgentMsg::kRemoteResult: {
      const uint64_t corr = r.get<uint64_t>();
      auto it = pending_ops_.find(corr);
      if (it == pending_ops_.end()) throw std::logic_error("agent: result for an unknown operation");
      std::vector<uint8_t> out(m.data.begin() + 1 + 8, m.data.end());
      self.reply(it->second, out);
      pending_ops_.erase(it);
      return;
    }
    case AgentMsg::kRemoteDrop: {
      const uint32_t owner = r.get<uint32_t>();
      const uint32_t id = r.get<uint32_t>();
      const bool reader = r.get<uint8_t>(), writer = r.get<uint8_t>();
      (void)owner;
      ++c_.ops_served;
      if (drv::PipeObject* p = px_.pipe(id)) {
        px_.pipe_ref(*p, reader, writer, -1);
        px_.pipe_changed(self, *p, true);
        evaluate(self, *p);
        px_.free_if_unused(*p);
      }
      return;
    }
    default:
      throw std::logic_error("agent: unexpected message kind " + std::to_string(static_cast<int>(kind)));
  }
}

// --- the requesting side: select database and distributor ----------------------------

void PipeAgent::on_select(drv::Process& self, std::span<const uint8_t> body) {
  uint64_t wait_id = 0;
  const std::vector<drv::SelectItem> items = drv::decode_select(body, &wait_id);
  auto w = px_.wait_by_id(wait_id);
  const uint32_t me = px_.kernel().cpu();
  for (const auto& [k, slot] : items) {
    step();
    if (!w || !w->active) continue;  // the caller is gone: nothing to ask for
    const drv::SelectDb::State now = db_.state(k);
    if (now == drv::SelectDb::State::kIdle) {
      WireWriter m;
      m.put(AgentMsg::kSubscribe).put(k.owner).put(k.object).put(k.event).put(k.version).put(me);
      ++c_.requests_sent;
      self.post(drv::Address{k.owner, port_}, m.data());
    } else {
      ++c_.requests_suppressed;
    }
    db_.add(k, now == drv::SelectDb::State::kIdle ? drv::SelectDb::State::kInFlight : now, w, slot);
  }
  if (w && w->active && w->answers_pending == 0) px_.wake_wait(*w);
}

void PipeAgent::on_answer(drv::Process& self, const Key& k, const drv::PipeState& s, bool ready,
                          bool notify) {
  (void)self;
  step();
  const drv::SelectDb::Delivered d = db_.deliver(k, s, ready, notify, /*refused=*/false);
  if (!d.taken) return;
  if (notify) {
    ++c_.notifications_received;
  } else {
    ++c_.answers_received;
  }
  c_.waiters_woken += d.linked;
  for (drv::Wait* w : d.wake) px_.wake_wait(*w);
}

// --- the owner side: remote interest table and operations ----------------------------------

void PipeAgent::send_state(drv::Process& self, uint32_t to, uint8_t kind, const Key& k,
                           const drv::PipeState& s, bool ready) {
  WireWriter m;
  m.put(static_cast<AgentMsg>(kind)).put(k.owner).put(k.object).put(k.event).put(k.version);
  put_state(m, s);
  m.put<uint8_t>(ready);
  self.post(drv::Address{to, port_}, m.data());
}

void PipeAgent::on_subscribe(drv::Process& self, const Key& k, uint32_t from) {
  step();
  drv::PipeObject* p = px_.pipe(k.object);
  if (!p) throw std::logic_error("agent: subscribe for a pipe that no longer exists");
  const auto interest = static_cast<drv::Interest>(k.event);
  const drv::PipeState s = p->state();
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
  send_state(self, from, static_cast<uint8_t>(AgentMsg::kAnswer), k, s, ready);
}

void PipeAgent::evaluate(drv::Process& self, drv::PipeObject& p) {
  const drv::PipeState s = p.state();
  const uint32_t me = px_.kernel().cpu();
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
        send_state(self, cpu, static_cast<uint8_t>(AgentMsg::kNotify),
                   Key{me, p.conn.id, static_cast<uint8_t>(drv::Interest::kRead), v}, s, true);
      }
      ri.read_versions = std::move(still);
      ri.read = !ri.read_versions.empty();
    }
    if (ri.write && drv::interest_ready(s, drv::Interest::kWrite, 0)) {
      ri.write = false;
      ++c_.notifications_sent;
      send_state(self, cpu, static_cast<uint8_t>(AgentMsg::kNotify),
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
                            uint32_t version, std::span<const uint8_t> data) {
  WireWriter m;
  m.put(AgentMsg::kRemoteResult).put(corr).put(ret).put(version).bytes(data);
  self.post(drv::Address{to, port_}, m.data());
}

void PipeAgent::on_remote_op(drv::Process& self, std::span<const uint8_t> body) {
  WireReader r(body);
  r.get<AgentMsg>();
  const uint64_t corr = r.get<uint64_t>();
  const uint32_t from = r.get<uint32_t>();
  const auto op = r.get<PipeOp>();
  r.get<uint32_t>();  // owner: this CPU
  const uint32_t id = r.get<uint32_t>();
  ++c_.ops_served;
  step();
  drv::PipeObject* p = px_.pipe(id);
  if (!p) throw std::logic_error("agent: operation on a pipe that no longer exists");
  switch (op) {
    case PipeOp::kRead: {
      std::vector<uint8_t> buf(r.get<uint32_t>());
      const int64_t n = px_.pipe_read_now(self, *p, buf);
      buf.resize(n > 0 ? static_cast<size_t>(n) : 0);
      send_result(self, from, corr, n, 0, buf);
      break;
    }
    case PipeOp::kWrite: {
      const bool merge = r.get<uint8_t>();
      const auto data = r.bytes();
      send_result(self, from, corr, px_.pipe_write_now(self, *p, data, merge), 0, {});
      break;
    }
    case PipeOp::kOpen: {
      const bool reader = r.get<uint8_t>(), writer = r.get<uint8_t>(), nonblock = r.get<uint8_t>();
      const uint32_t counter = reader && !writer ? p->w_counter : p->r_counter;
      uint32_t version = 0;
      const int ret = px_.fifo_open_counts(*p, reader, writer, nonblock, &version);
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
      px_.pipe_ref(*p, reader, writer, +1);
      send_result(self, from, corr, 0, 0, {});
      break;
    }
  }
  evaluate(self, *p);
}

void PipeAgent::register_stats(sim::Stats& s) const {
  const std::string p = "cpu." + std::to_string(px_.kernel().cpu()) + ".agent." +
                        (fifo_ ? "fifo." : "pipe.");
  s.counter(p + "requests_sent", &c_.requests_sent, "messages", "subscribe requests sent to owners");
  s.counter(p + "requests_suppressed", &c_.requests_suppressed, "requests",
            "select items answered from the select database, no message (claim 2)");
  s.counter(p + "answers_received", &c_.answers_received, "messages", "immediate answers to subscribes");
  s.counter(p + "notifications_received", &c_.notifications_received, "messages",
            "notifications of recorded interest");
  s.counter(p + "waiters_woken", &c_.waiters_woken, "records", "ready records linked by the distributor");
  s.counter(p + "notifications_sent", &c_.notifications_sent, "messages", "as owner: notifications sent");
  s.counter(p + "answers_sent", &c_.answers_sent, "messages", "as owner: immediate answers sent");
  s.counter(p + "ops_forwarded", &c_.ops_forwarded, "operations", "operations forwarded to owners");
  s.counter(p + "ops_served", &c_.ops_served, "operations", "operations from other CPUs served");
  s.formula(p + "cpu_cycles", [this] { return static_cast<double>(cpu_cycles()); }, "cycles",
            "cycles this agent held its CPU");
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
