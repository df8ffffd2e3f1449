// SPDX-License-Identifier: MIT
// messages_lost_under_faults (issue 11, point 7; docs/faults.md): the delivery check
// of tests/sim/delivery_test.cpp (tb::DeliveryCheck, tb::add_delivery_faults): 10^5
// messages between random pairs of 4 CPUs while X and Y flap (both down at times),
// 1 % of transfers are corrupted, 0.5 % lost on the wire and 0.5 % lose their
// acknowledgement. The figure is counted at the receivers, never assumed:
//   acknowledged (cpu.N.msg.acknowledged) - delivered intact and in order
//   + duplicates + damaged.
//
//   fault_bench [--messages N] [--seed S]
//
// prints one JSON object on stdout, as bench/socket_bench.cpp does:
//   {"figures": {name: {"value", "unit"}}, "counters": {...}, "notes": [...], "errors": [...]}
// Exit status 0 when the run finished and its faults happened, 1 otherwise (the JSON
// is printed either way), 2 on a usage error.
#include <systemc>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "shadowsel/hw/time.h"
#include "shadowsel/tb/delivery.h"
#include "shadowsel/tb/simulation.h"

namespace {
const bool kQuietBanner = setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1) == 0;
}

int sc_main(int argc, char* argv[]) {
  using nlohmann::json;
  using namespace shadowsel;
  tb::DeliveryOptions o;
  o.seed = 7;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if ((a == "--messages" || a == "--seed") && i + 1 < argc) {
      char* end = nullptr;
      const unsigned long long v = std::strtoull(argv[++i], &end, 10);
      if (*end != '\0' || (a == "--messages" && v == 0)) {
        std::fprintf(stderr, "%s: bad value '%s'\n", a.c_str(), argv[i]);
        return 2;
      }
      (a == "--messages" ? o.messages : o.seed) = v;
    } else {
      std::fprintf(stderr, "usage: fault_bench [--messages N] [--seed S]\n");
      return 2;
    }
  }
  json out = {{"figures", json::object()}, {"counters", json::object()}, {"notes", json::array()},
              {"errors", json::array()}};
  auto error = [&](const std::string& e) { out["errors"].push_back(e); };
  try {
    tb::Scenario s;
    s.machine.cpus = 4;
    s.machine.seed = o.seed;
    tb::add_delivery_faults(s);
    tb::Simulation sim(s);
    tb::DeliveryCheck check(sim, o);
    const tb::RunResult r = sim.run();
    if (r.end != tb::RunResult::End::kFinished) error("run did not finish: " + r.detail);
    const tb::DeliveryResult d = check.result();
    auto stat = [&](const std::string& k) { return static_cast<uint64_t>(sim.stats().value(k)); };
    json& c = out["counters"];
    c["sent"] = d.sent;
    c["acknowledged"] = d.acknowledged;
    c["delivered_in_order"] = d.in_order;
    c["duplicates"] = d.duplicates;
    c["gaps"] = d.gaps;
    c["damaged"] = d.damaged;
    c["cycles"] = hw::now_cycles();
    for (const char* k : {"faults.lane_down", "faults.lane_up", "faults.corrupt_packet", "faults.drop_packet",
                          "faults.drop_ack", "bus.no_lane_periods", "bus.no_lane_cycles", "bus.X.aborted",
                          "bus.Y.aborted"}) {
      c[k] = stat(k);
    }
    uint64_t crc = 0, dups = 0, retries = 0;
    for (uint32_t n = 0; n < sim.cpus(); ++n) {
      const auto& b = sim.platform().node(n).biu().counters();
      crc += b.rx_check_errors;
      dups += b.rx_duplicates;
      retries += b.tx_retries;
    }
    c["rx_check_errors"] = crc;
    c["rx_duplicates_discarded"] = dups;
    c["tx_retries"] = retries;
    // A figure of 0 means something only if the faults happened.
    if (stat("faults.lane_down") == 0 || stat("bus.no_lane_periods") == 0 || crc == 0 || dups == 0 ||
        stat("faults.drop_packet") == 0) {
      error("a fault of the workload did not happen: see counters");
    }
    if (d.sent != o.messages) error("not every message was sent");
    out["figures"]["messages_lost_under_faults"] = {{"value", d.lost()}, {"unit", "messages"}};
    out["notes"].push_back("faults: " + std::to_string(d.sent) + " messages, " +
                           std::to_string(stat("faults.lane_down")) + " lane downs (both down " +
                           std::to_string(stat("bus.no_lane_periods")) + " times), " +
                           std::to_string(stat("faults.corrupt_packet")) + " corrupted, " +
                           std::to_string(stat("faults.drop_packet")) + " dropped, " +
                           std::to_string(stat("faults.drop_ack")) + " acknowledgements lost (" +
                           std::to_string(dups) + " copies discarded); " + std::to_string(d.acknowledged) +
                           " acknowledged, " + std::to_string(d.in_order) + " delivered in order, " +
                           std::to_string(d.duplicates) + " duplicates, " + std::to_string(d.damaged) + " damaged");
  } catch (const std::exception& e) {
    error(std::string("exception: ") + e.what());
  }
  std::printf("%s\n", out.dump().c_str());
  std::fflush(stdout);
  return out["errors"].empty() ? 0 : 1;
}
