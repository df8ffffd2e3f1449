// SPDX-License-Identifier: MIT
#include "shadowsel/firmware/io_interest.h"

#include <iterator>

#include "shadowsel/driver/kernel.h"

namespace shadowsel::fw {

using drv::AgentMsg;
using drv::Interest;

void IoInterest::send(drv::Process& self, uint32_t to, AgentMsg kind, const drv::SelectKey& k,
                      const drv::ObjectState& s, bool ready) {
  self.post(drv::Address{to, agent_port_}, drv::encode_key_state(kind, k, s, ready));
}

void IoInterest::subscribe(drv::Process& self, const drv::SelectKey& k, uint32_t from, const drv::ObjectState& st) {
  const auto i = static_cast<Interest>(k.event);
  const bool ready = drv::interest_ready(st, i, 0);
  if (!ready) {
    auto& [read, write] = table_[k.object][from];
    (i == Interest::kRead ? read : write) = true;
  }
  ++*answers_;
  send(self, from, AgentMsg::kAnswer, k, st, ready);
}

void IoInterest::changed(drv::Process& self, uint32_t object, const drv::ObjectState& st) {
  const uint32_t me = px_.kernel().cpu();
  if (auto t = table_.find(object); t != table_.end()) {
    auto& cpus = t->second;
    for (auto it = cpus.begin(); it != cpus.end();) {
      px_.kernel().execute(px_.kernel().costs().fd_check);  // one table lookup
      auto& [read, write] = it->second;
      for (Interest i : {Interest::kRead, Interest::kWrite}) {
        bool& wanted = i == Interest::kRead ? read : write;
        if (!wanted || !drv::interest_ready(st, i, 0)) continue;
        wanted = false;
        ++*notifications_;
        send(self, it->first, AgentMsg::kNotify, drv::SelectKey{me, object, static_cast<uint8_t>(i), 0}, st, true);
      }
      it = read || write ? std::next(it) : cpus.erase(it);
    }
    if (cpus.empty()) table_.erase(t);
  }
  if (watches_.count(object)) {
    ++changes_[object];
    watches_.changed(self, object, st, wakes(object), std::nullopt);
  }
  px_.io_object_changed(object, st);  // the notify engine's remembered interest
}

}  // namespace shadowsel::fw
