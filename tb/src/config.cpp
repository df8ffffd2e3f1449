// SPDX-License-Identifier: MIT
// config.json (docs/outputs.md): the scenario's keys come from the reader's own
// tables (scenario_json); what is added here is what no scenario key sets but
// the figures depend on, read from where the models read it.
#include "shadowsel/tb/config.h"

#include <nlohmann/json.hpp>

#include "shadowsel/driver/ne_driver.h"
#include "shadowsel/gen/ipb.h"
#include "shadowsel/gen/ne.h"
#include "shadowsel/hw/notify_engine.h"
#include "shadowsel/tb/version.h"

namespace shadowsel::tb {

nlohmann::ordered_json config_json(const Scenario& s, uint64_t max_cycles) {
  namespace ipb = gen::ipb;
  namespace ne = gen::ne;
  nlohmann::ordered_json c;
  c["shadowsel"] = {{"version", version()}, {"schema_version", kConfigSchemaVersion}};
  c["run"] = {{"scenario_file", s.source}, {"max_cycles", max_cycles}};
  nlohmann::ordered_json keys = scenario_json(s);
  for (auto& e : keys.items()) c[e.key()] = std::move(e.value());
  // A packet holds a lane arb_cycles + ceil(frame / bus.width_bytes) cycles, where
  // frame = header (+ multicast extension) + payload + check (docs/bus.md).
  const drv::NeDriverOptions& d = drv::NeDriver::default_options();
  c["constants"] = {
      {"frame",
       {{"header_bytes", ipb::header::kBytes},
        {"mcast_ext_bytes", ipb::mcast_ext::kBytes},
        {"check_bytes", ipb::kCheckBytes},
        {"layout_bytes",
         {{"msg_frag", ipb::msg_frag::kBytes},
          {"ne_subscribe", ipb::ne_subscribe::kBytes},
          {"ne_notify", ipb::ne_notify::kBytes},
          {"regroup", ipb::regroup::kBytes}}}}},
      {"engine",
       {{"lit_entries", ne::kLitEntries},
        {"rit_entries", ne::kRitEntries},
        {"record_bytes", ne::kRecordBytes},
        {"dma_cycles_per_record", hw::NotifyEngine::kDmaCyclesPerRecord},
        {"ring_records", d.ring_records},
        {"coalesce_count", d.coalesce_count},
        {"coalesce_cycles", d.coalesce_cycles}}}};
  return c;
}

}  // namespace shadowsel::tb
