// SPDX-License-Identifier: MIT
#include "shadowsel/firmware/agent.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <stdexcept>

#include "shadowsel/driver/agent_protocol.h"
#include "shadowsel/driver/kernel.h"
#include "shadowsel/driver/membership.h"
#include "shadowsel/driver/wire.h"

namespace shadowsel::fw {
namespace {
// A kRemoteResult's kind byte and corr: what the agent strips before replying.
constexpr size_t kResultHead = sizeof(drv::AgentMsg) + sizeof(uint64_t);
}  // namespace

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
  switch (kind) {
    case AgentMsg::kSelect:
      on_select(self, m.data);
      return;
    case AgentMsg::kWatch:
    case AgentMsg::kUnwatch:
      on_watch(self, m.data, kind == AgentMsg::kWatch);
      return;
    case AgentMsg::kWatchState: {
      const Key k = drv::get_key(r);
      const drv::ObjectState s = drv::get_state(r);
      on_watch_state(self, k, s, r.get<uint8_t>());
      return;
    }
    case AgentMsg::kOp: {
      // A local process's operation on a remote object: forward it, answer later.
      r.get<uint8_t>();
      const uint32_t owner = r.get<uint32_t>();
      if (!owner_up(owner)) {
        if (awaits_takeover(owner)) {
          ++c_.ops_held_for_takeover;
          held_.push_back(m);
        } else {
          fail_op(self, m);
        }
        return;
      }
      forward_op(self, m);
      return;
    }
    case AgentMsg::kOpCancel: {
      // The caller's pending operation (a process has one call at a time): the owner
      // answers it, cancelled or done, and that answer is the caller's reply.
      for (const auto& [corr, op] : pending_ops_) {
        if (op.from.cpu != m.from.cpu || op.from.port != m.from.port) continue;
        WireReader o(op.data);
        o.get<AgentMsg>();
        o.get<uint8_t>();
        WireWriter w;
        w.put(AgentMsg::kRemoteOpCancel).put(corr);
        self.post(drv::Address{o.get<uint32_t>(), owner_port()}, w.data());
        break;
      }
      return;
    }
    case AgentMsg::kDrop: {
      const uint32_t owner = r.get<uint32_t>();
      if (!owner_up(owner)) return;  // nothing left there to count it
      WireWriter w;
      w.put(AgentMsg::kRemoteDrop);
      std::vector<uint8_t> out = w.data();
      out.insert(out.end(), m.data.begin() + 1, m.data.end());
      self.post(drv::Address{owner, owner_port()}, out);
      return;
    }
    case AgentMsg::kAnswer:
    case AgentMsg::kNotify: {
      const Key k = drv::get_key(r);
      const drv::ObjectState s = drv::get_state(r);
      const bool ready = r.get<uint8_t>();
      on_answer(k, s, ready, kind == AgentMsg::kNotify);
      return;
    }
    case AgentMsg::kCpuDown:
      on_cpu_down(self, r.get<uint32_t>());
      return;
    case AgentMsg::kRemoteResult: {
      const uint64_t corr = r.get<uint64_t>();
      auto it = pending_ops_.find(corr);
      if (it == pending_ops_.end()) throw std::logic_error(name_ + ": result for an unknown operation");
      const std::vector<uint8_t> out(m.data.begin() + kResultHead, m.data.end());
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

void Agent::forward_op(drv::Process& self, const drv::Message& m) {
  WireReader r(m.data);
  r.get<AgentMsg>();
  const auto op = r.get<uint8_t>();
  const uint32_t owner = r.get<uint32_t>();
  const uint64_t corr = next_corr_++;
  pending_ops_[corr] = m;
  WireWriter w;
  w.put(AgentMsg::kRemoteOp).put(corr).put(px_.kernel().cpu()).put(op);
  // From the owner field on, the request is the operation: pass it on unchanged.
  std::vector<uint8_t> out = w.data();
  out.insert(out.end(), m.data.begin() + sizeof(AgentMsg) + sizeof(op), m.data.end());
  ++c_.ops_forwarded;
  self.post(drv::Address{owner, owner_port()}, out);
}

// --- the requesting side: select database and distributor ----------------------------

void Agent::on_select(drv::Process& self, std::span<const uint8_t> body) {
  uint64_t wait_id = 0;
  const std::vector<drv::SelectItem> items = drv::decode_select(body, &wait_id);
  auto w = px_.wait_by_id(wait_id);
  for (const auto& [k, slot] : items) {
    step();
    if (!w || !w->active) continue;  // the caller is gone: nothing to ask for
    const bool held = !owner_up(k.owner) && awaits_takeover(k.owner);
    if (!owner_up(k.owner) && !held) {
      w->answers.push_back({slot, drv::vanished_state(k), true, static_cast<drv::Interest>(k.event)});
      --w->answers_pending;
      ++c_.waiters_woken_owner_down;
      continue;
    }
    const drv::SelectDb::State now = db_.state(k);
    if (now == drv::SelectDb::State::kIdle && held) {
      ++c_.requests_held_for_takeover;  // asked of the new owner at the takeover
    } else if (now == drv::SelectDb::State::kIdle) {
      subscribe(self, k);
    } else {
      ++c_.requests_suppressed;
    }
    db_.add(k, now == drv::SelectDb::State::kIdle ? drv::SelectDb::State::kInFlight : now, w, slot);
  }
  if (w && w->active && w->answers_pending == 0) px_.wake_wait(*w);
}

// --- the requesting side of persistent interest: the watch database ---------------------

void Agent::send_watch(drv::Process& self, AgentMsg kind, const Key& k) {
  ++(kind == AgentMsg::kWatchAdd ? c_.watches_sent : c_.watch_drops_sent);
  self.post(drv::Address{k.owner, owner_port()}, drv::encode_key_from(kind, k, px_.kernel().cpu()));
}

void Agent::on_watch(drv::Process& self, std::span<const uint8_t> body, bool add) {
  uint64_t wait_id = 0;
  const std::vector<drv::SelectItem> items = drv::decode_select(body, &wait_id);
  auto w = px_.wait_by_id(wait_id);
  drv::WatchDb::Delivered d;
  for (const auto& [k, slot] : items) {
    step();
    if (!add) {
      if (watches_.remove(k, wait_id, slot) && owner_up(k.owner)) send_watch(self, AgentMsg::kWatchDrop, k);
      continue;
    }
    if (!w || !w->active) continue;  // the item went before its watch was made
    if (!owner_up(k.owner)) {
      w->answers.push_back({slot, drv::vanished_state(k), true, static_cast<drv::Interest>(k.event)});
      --w->answers_pending;
      ++c_.waiters_woken_owner_down;
      if (std::find(d.wake.begin(), d.wake.end(), w.get()) == d.wake.end()) d.wake.push_back(w.get());
      continue;
    }
    if (watches_.add(k, w, slot, &d)) {
      send_watch(self, AgentMsg::kWatchAdd, k);
    } else {
      ++c_.watches_suppressed;
    }
  }
  c_.waiters_woken += d.linked;
  for (drv::Wait* x : d.wake) px_.wake_wait(*x);
}

void Agent::on_watch_state(drv::Process& self, const Key& k, const drv::ObjectState& s, bool answer) {
  step();
  ++c_.watch_states_received;
  px_.remote_state_seen(k.owner, k.object, s);
  bool orphaned = false;
  const drv::WatchDb::Delivered d = watches_.deliver(k, s, answer, &orphaned);
  if (orphaned) send_watch(self, AgentMsg::kWatchDrop, k);
  c_.waiters_woken += d.linked;
  for (drv::Wait* x : d.wake) px_.wake_wait(*x);
}

void Agent::subscribe(drv::Process& self, const Key& k) {
  ++c_.requests_sent;
  self.post(drv::Address{k.owner, owner_port()}, drv::encode_key_from(AgentMsg::kSubscribe, k, px_.kernel().cpu()));
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

// --- a CPU declared down (docs/faults.md) ----------------------------------------------

const char* name(OwnerDownResult r) {
  static constexpr const char* kNames[] = {"eof", "EPIPE", "ENXIO", "ECONNRESET", "ENETDOWN", "EIO", "none"};
  static_assert(std::size(kNames) == static_cast<size_t>(OwnerDownResult::kCount));
  return kNames[static_cast<size_t>(r)];
}

bool Agent::owner_up(uint32_t owner) const { return px_.kernel().membership().up(owner); }

void Agent::fail_op(drv::Process& self, const drv::Message& request) {
  WireReader r(request.data);
  r.get<AgentMsg>();
  const auto op = r.get<uint8_t>();
  ++c_.ops_failed_owner_down;
  const OwnerDown down = result_if_owner_down(op);
  ++c_.owner_down_results[static_cast<size_t>(down.result)];
  // What the caller gets is a kRemoteResult's body, as from a live owner.
  const std::vector<uint8_t> full = drv::encode_remote_result(0, down.ret, 0, {});
  const std::vector<uint8_t> out(full.begin() + kResultHead, full.end());
  on_result(request, out);
  self.reply(request, out);
}

void Agent::on_cpu_down(drv::Process& self, uint32_t cpu) {
  // Operations waiting at the dead owner: they end now, as the peer's death ends them,
  // unless a backup will take its objects over (then they wait for its word).
  const bool hold = awaits_takeover(cpu);
  for (auto it = pending_ops_.begin(); it != pending_ops_.end();) {
    WireReader r(it->second.data);
    r.get<AgentMsg>();
    r.get<uint8_t>();
    if (r.get<uint32_t>() != cpu) {
      ++it;
      continue;
    }
    if (hold) {
      ++c_.ops_held_for_takeover;
      held_.push_back(it->second);
    } else {
      fail_op(self, it->second);
    }
    it = pending_ops_.erase(it);
  }
  fail_unheld(self);  // the backup itself may have died
  // Select items waiting for its answers or notifications (or held for a takeover
  // that will not come now: the backup itself may have died).
  const auto gone = [this](const Key& k) { return !owner_up(k.owner) && !awaits_takeover(k.owner); };
  const drv::SelectDb::Delivered d = db_.vanish_if(gone);
  wake_vanished(d);
  const drv::WatchDb::Delivered wd = watches_.vanish_if(gone);
  c_.waiters_woken_owner_down += wd.linked;
  for (drv::Wait* w : wd.wake) px_.wake_wait(*w);
  release_cpu(self, cpu);
}

void Agent::wake_vanished(const drv::SelectDb::Delivered& d) {
  c_.waiters_woken_owner_down += d.linked;
  for (drv::Wait* w : d.wake) {
    if (w->active) px_.wake_wait(*w);
  }
}

void Agent::fail_unheld(drv::Process& self) {
  std::vector<drv::Message> keep;
  for (drv::Message& m : held_) {
    WireReader r(m.data);
    r.get<AgentMsg>();
    r.get<uint8_t>();
    const uint32_t owner = r.get<uint32_t>();
    if (awaits_takeover(owner)) {
      keep.push_back(std::move(m));
    } else {
      fail_op(self, m);
    }
  }
  held_ = std::move(keep);
}

void Agent::takeover(drv::Process& self, uint32_t old, uint32_t now,
                     const std::function<bool(uint8_t, uint32_t)>& survives,
                     const std::function<bool(uint32_t)>& object_survives) {
  // The held operations, and those still pending at `old` (this CPU may hear of the
  // takeover before it declares `old` down itself: `old` will never answer them).
  std::vector<drv::Message> ops;
  for (drv::Message& m : held_) ops.push_back(std::move(m));
  held_.clear();
  for (auto it = pending_ops_.begin(); it != pending_ops_.end();) {
    WireReader r(it->second.data);
    r.get<AgentMsg>();
    r.get<uint8_t>();
    if (r.get<uint32_t>() == old) {
      ops.push_back(std::move(it->second));
      it = pending_ops_.erase(it);
    } else {
      ++it;
    }
  }
  for (drv::Message& m : ops) {
    WireReader r(m.data);
    r.get<AgentMsg>();
    const auto op = r.get<uint8_t>();
    const uint32_t owner = r.get<uint32_t>(), id = r.get<uint32_t>();
    if (owner != old) {
      held_.push_back(std::move(m));  // another owner's
      continue;
    }
    if (!survives(op, id)) {
      fail_op(self, m);
      continue;
    }
    // The owner field follows the kind and op bytes.
    std::memcpy(m.data.data() + sizeof(AgentMsg) + sizeof(op), &now, sizeof now);
    ++c_.ops_resent_after_takeover;
    forward_op(self, m);
  }
  // Select items on the surviving objects wait on: the new owner is asked for them.
  const drv::SelectDb::Moved moved = db_.move_owner(old, now, object_survives);
  for (const Key& k : moved.ask) {
    step();
    subscribe(self, k);
  }
  wake_vanished(moved.vanished);
  px_.count_takeover_items(moved.items_moved, moved.vanished.linked);
}

void Agent::register_stats(sim::Stats& s, const std::string& stats_name) const {
  const std::string p = "cpu." + std::to_string(px_.kernel().cpu()) + ".agent." + stats_name + ".";
  s.counter(p + "requests_sent", &c_.requests_sent, "messages", "subscribe requests sent to owners");
  s.counter(p + "requests_held_for_takeover", &c_.requests_held_for_takeover, "requests",
            "subscribes for a dead owner's objects kept until its backup's takeover says which survived");
  s.counter(p + "requests_suppressed", &c_.requests_suppressed, "requests",
            "select items answered from the select database, no message (claim 2)");
  s.counter(p + "answers_received", &c_.answers_received, "messages", "immediate answers to subscribes");
  s.counter(p + "notifications_received", &c_.notifications_received, "messages",
            "notifications of recorded interest");
  s.counter(p + "waiters_woken", &c_.waiters_woken, "records", "ready records linked by the distributor");
  s.counter(p + "notifications_sent", &c_.notifications_sent, "messages", "as owner: notifications sent");
  s.counter(p + "answers_sent", &c_.answers_sent, "messages", "as owner: immediate answers sent");
  s.counter(p + "watches_sent", &c_.watches_sent, "messages", "persistent interest (epoll) asked of owners");
  s.counter(p + "watches_suppressed", &c_.watches_suppressed, "items",
            "epoll items' watches answered from the watch database, no message");
  s.counter(p + "watch_drops_sent", &c_.watch_drops_sent, "messages", "persistent interest given up at owners");
  s.counter(p + "watch_states_received", &c_.watch_states_received, "messages",
            "answers to watches and changes of watched objects");
  s.counter(p + "ops_forwarded", &c_.ops_forwarded, "operations", "operations forwarded to owners");
  s.counter(p + "ops_served", &c_.ops_served, "operations", "operations from other CPUs served");
  s.counter(p + "ops_failed_owner_down", &c_.ops_failed_owner_down, "operations",
            "operations answered at once because their owner's CPU is down");
  s.counter(p + "waiters_woken_owner_down", &c_.waiters_woken_owner_down, "records",
            "select items answered as vanished because their owner's CPU is down");
  for (size_t i = 0; i < static_cast<size_t>(OwnerDownResult::kCount); ++i) {
    const auto r = static_cast<OwnerDownResult>(i);
    s.counter(p + "owner_down." + name(r), &c_.owner_down_results[i], "operations",
              std::string("operations on a dead CPU's objects that ended with ") + name(r));
  }
  s.counter(p + "holders_released", &c_.holders_released, "objects",
            "as owner: objects a dead CPU held or waited on, released as its exits would have");
  s.counter(p + "ops_held_for_takeover", &c_.ops_held_for_takeover, "operations",
            "operations on a dead owner's objects held for its backup's takeover");
  s.counter(p + "ops_resent_after_takeover", &c_.ops_resent_after_takeover, "operations",
            "held operations sent again to the new owner: their object survived the takeover");
  s.formula(p + "cpu_cycles", [this] { return static_cast<double>(cpu_cycles()); }, "cycles",
            "cycles this agent held its CPU");
}

}  // namespace shadowsel::fw
