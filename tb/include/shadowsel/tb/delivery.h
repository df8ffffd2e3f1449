// SPDX-License-Identifier: MIT
// "Nothing acknowledged is lost" (issue 11, point 4; docs/faults.md): a workload that
// posts many messages between random pairs of CPUs and checks, at the receivers,
// that each arrives exactly once, intact and in order per (sender, receiver). Its
// messages carry (src, dst, seq, length, checksum) in a 20-byte head; sizes mix
// single-fragment and multi-fragment messages. The ctest (tests/sim/delivery_test.cpp)
// and the benchmark (bench/fault_bench.cpp, messages_lost_under_faults) both run it.
#pragma once

#include <cstdint>
#include <vector>

#include "shadowsel/tb/scenario.h"
#include "shadowsel/tb/simulation.h"

namespace shadowsel::tb {

struct DeliveryOptions {
  uint64_t messages = 100000;  ///< posts in all, spread over the CPUs' senders
  uint64_t seed = 1;           ///< destinations, sizes and bodies
  uint32_t max_bytes = 600;    ///< largest message (a few percent are 241..max_bytes)
};

struct DeliveryResult {
  uint64_t sent = 0;          ///< posts the senders made
  uint64_t acknowledged = 0;  ///< messages whose every fragment the bus acknowledged (cpu.N.msg.acknowledged)
  uint64_t in_order = 0;      ///< arrived intact with the next number of their (src, dst) stream
  uint64_t duplicates = 0;    ///< arrived with a number already seen
  uint64_t gaps = 0;          ///< arrived with a number beyond the next: messages before it missing
  uint64_t damaged = 0;       ///< wrong length, head or checksum
  /// Acknowledged but not delivered once, intact and in order, plus every extra copy.
  uint64_t lost() const {
    return (acknowledged > in_order ? acknowledged - in_order : 0) + duplicates + damaged;
  }
};

/// Spawns a receiver and a sender on every CPU of `sim`; read result() after the run.
/// Each sender waits at its end until all its node's messages are acknowledged.
class DeliveryCheck {
 public:
  DeliveryCheck(Simulation& sim, const DeliveryOptions& o);
  DeliveryResult result() const;

 private:
  Simulation& sim_;
  DeliveryResult r_;
};

/// The faults of the delivery check (test and benchmark alike): X and Y flapping
/// independently (lane_flap, mean up 150 000, down 100 000 cycles: both down at
/// times) until cycle 4*10^8, and from cycle 0 on either lane 1 % of transfers corrupted, 0.5 %
/// lost on the wire and 0.5 % with their acknowledgement lost.
void add_delivery_faults(Scenario& s);

}  // namespace shadowsel::tb
