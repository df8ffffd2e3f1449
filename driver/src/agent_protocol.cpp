// SPDX-License-Identifier: MIT
// The kSelect message, written by the kernel and read by the agents: one place for both.
#include "shadowsel/driver/agent_protocol.h"

#include "shadowsel/driver/wire.h"

namespace shadowsel::drv {

std::vector<uint8_t> encode_select(uint64_t wait_id, std::span<const SelectItem> items) {
  WireWriter w;
  w.put(AgentMsg::kSelect).put(wait_id).put(static_cast<uint32_t>(items.size()));
  for (const SelectItem& it : items) {
    w.put(it.key.owner).put(it.key.object).put(it.key.event).put(it.key.version).put(it.slot);
  }
  return w.data();
}

std::vector<SelectItem> decode_select(std::span<const uint8_t> msg, uint64_t* wait_id) {
  WireReader r(msg);
  r.get<AgentMsg>();
  *wait_id = r.get<uint64_t>();
  std::vector<SelectItem> items(r.get<uint32_t>());
  for (SelectItem& it : items) {
    it.key.owner = r.get<uint32_t>();
    it.key.object = r.get<uint32_t>();
    it.key.event = r.get<uint8_t>();
    it.key.version = r.get<uint32_t>();
    it.slot = r.get<uint32_t>();
  }
  return items;
}

}  // namespace shadowsel::drv
