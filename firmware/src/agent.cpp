// SPDX-License-Identifier: MIT
#include "shadowsel/firmware/agent.h"

#include <stdexcept>

#include "shadowsel/driver/agent_protocol.h"
#include "shadowsel/driver/kernel.h"
#include "shadowsel/driver/wire.h"

namespace shadowsel::fw {

using drv::AgentMsg;
using drv::WireReader;
using drv::WireWriter;

Agent::Agent(drv::PosixKernel& px, uint32_t port, std::string name)
    : px_(px), port_(port), name_(std::move(name)) {}

void Agent::start() {
  process_ = &px_.kernel().spawn_service(port_, name_, [this](drv::Process& self) { run(self); });
}

uint64_t Agent::cpu_cycles() const { return process_ ? process_->cpu_cycles() : 0; }

void Agent::step() { px_.kernel().execute(px_.kernel().costs().fd_check); }

void Agent::run(drv::Process& self) {
  for (;;) handle(self, self.receive());
}

void Agent::handle(drv::Process& self, const drv::Message& m) {
  WireReader r(m.data);
  const auto kind = r.get<AgentMsg>();
  const uint32_t me = px_.kernel().cpu();
  switch (kind) {
    case AgentMsg::kSelect:
      on_select(self, m.data);
      return;
    case AgentMsg::kOp: {
      // A local process's operation on a remote object: forward it, answer later.
      const uint64_t corr = next_corr_++;
      pending_ops_[corr] = m;
      const auto op = r.get<uint8_t>();
      const uint32_t owner = r.get<uint32_t>();
      WireWriter w;
      w.put(AgentMsg::kRemoteOp).put(corr).put(me).put(op);
      // From the owner field on, the request is the operation: pass it on unchanged.
      std::vector<uint8_t> out = w.data();
      out.insert(out.end(), m.data.begin() + sizeof(AgentMsg) + sizeof(op), m.data.end());
      ++c_.ops_forwarded;
      self.post(drv::Address{owner, owner_port()}, out);
      return;
    }
    case AgentMsg::kDrop: {
      const uint32_t owner = r.get<uint32_t>();
      WireWriter w;
      w.put(AgentMsg::kRemoteDrop);
      std::vector<uint8_t> out = w.data();
      out.insert(out.end(), m.data.begin() + 1, m.data.end());
      self.post(drv::Address{owner, owner_port()}, out);
      return;
    }
    case AgentMsg::kAnswer:
    case AgentMsg::kNotify: {
      Key k{r.get<uint32_t>(), r.get<uint32_t>(), r.get<uint8_t>(), r.get<uint32_t>()};
      const drv::ObjectState s = drv::get_state(r);
      const bool ready = r.get<uint8_t>();
      on_answer(k, s, ready, kind == AgentMsg::kNotify);
      return;
    }
    case AgentMsg::kRemoteResult: {
      const uint64_t corr = r.get<uint64_t>();
      auto it = pending_ops_.find(corr);
      if (it == pending_ops_.end()) throw std::logic_error(name_ + ": result for an unknown operation");
      const std::vector<uint8_t> out(m.data.begin() + 1 + 8, m.data.end());
      on_result(it->second, out);
      self.reply(it->second, out);
      pending_ops_.erase(it);
      return;
    }
    default:
      if (!handle_more(self, kind, m)) {
        throw std::logic_error(name_ + ": unexpected message kind " + std::to_string(static_cast<int>(kind)));
      }
  }
}

// --- the requesting side: select database and distributor ----------------------------

void Agent::on_select(drv::Process& self, std::span<const uint8_t> body) {
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
      self.post(drv::Address{k.owner, owner_port()}, m.data());
    } else {
      ++c_.requests_suppressed;
    }
    db_.add(k, now == drv::SelectDb::State::kIdle ? drv::SelectDb::State::kInFlight : now, w, slot);
  }
  if (w && w->active && w->answers_pending == 0) px_.wake_wait(*w);
}

void Agent::on_answer(const Key& k, const drv::ObjectState& s, bool ready, bool notify) {
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

void Agent::register_stats(sim::Stats& s, const std::string& stats_name) const {
  const std::string p = "cpu." + std::to_string(px_.kernel().cpu()) + ".agent." + stats_name + ".";
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

}  // namespace shadowsel::fw
