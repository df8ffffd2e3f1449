// SPDX-License-Identifier: MIT
#include "shadowsel/firmware/watch_table.h"

#include "shadowsel/driver/agent_protocol.h"
#include "shadowsel/driver/kernel.h"
#include "shadowsel/driver/watch_rule.h"

namespace shadowsel::fw {

void WatchTable::watch(drv::Process& self, const drv::SelectKey& k, uint32_t from, const drv::ObjectState& st,
                       const Wakes& wakes) {
  const auto i = static_cast<drv::Interest>(k.event);
  table_[k.object][Who{from, k.event, k.version}] = Watcher{wakes(i), drv::interest_ready(st, i, k.version)};
  ++*answers_;
  self.post(drv::Address{from, agent_port_}, drv::encode_key_state(drv::AgentMsg::kWatchState, k, st, /*answer=*/true));
}

void WatchTable::unwatch(const drv::SelectKey& k, uint32_t from) {
  auto t = table_.find(k.object);
  if (t == table_.end()) return;  // the object went first
  t->second.erase(Who{from, k.event, k.version});
  if (t->second.empty()) table_.erase(t);
}

void WatchTable::changed(drv::Process& self, uint32_t object, const drv::ObjectState& st, const Wakes& wakes,
                         std::optional<uint32_t> cause) {
  auto t = table_.find(object);
  if (t == table_.end()) return;
  const uint32_t me = px_.kernel().cpu();
  for (auto& [who, w] : t->second) {
    px_.kernel().execute(px_.kernel().costs().fd_check);  // one table lookup
    const auto [cpu, event, version] = who;
    const auto i = static_cast<drv::Interest>(event);
    const bool ready = drv::interest_ready(st, i, version);
    const drv::WatchTell tell = drv::watch_tell(wakes(i) != w.wakes_seen, ready != w.was_ready);
    w.wakes_seen = wakes(i);
    w.was_ready = ready;
    if (!drv::watch_tells(tell, cpu, cause ? static_cast<long>(*cause) : -1)) continue;
    ++*notifications_;
    self.post(drv::Address{cpu, agent_port_},
              drv::encode_key_state(drv::AgentMsg::kWatchState, drv::SelectKey{me, object, event, version}, st,
                                    /*answer=*/false));
  }
}

uint32_t WatchTable::count(uint32_t object) const {
  auto t = table_.find(object);
  return t == table_.end() ? 0 : static_cast<uint32_t>(t->second.size());
}

void WatchTable::forget_cpu(uint32_t cpu) {
  for (auto t = table_.begin(); t != table_.end();) {
    std::erase_if(t->second, [cpu](const auto& e) { return std::get<0>(e.first) == cpu; });
    t = t->second.empty() ? table_.erase(t) : std::next(t);
  }
}

}  // namespace shadowsel::fw
