// SPDX-License-Identifier: MIT
#include "shadowsel/hw/time.h"

#include <string>

namespace shadowsel::hw {

void init_time_resolution() {
  // sc_stop() is how a run ends normally: not worth a report line.
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO,
                                          sc_core::SC_DO_NOTHING);
  // One resolution step (value() == 1) per cycle. The unit name is irrelevant:
  // reports convert cycles to ns with the configured frequency.
  sc_core::sc_set_time_resolution(1, sc_core::SC_NS);
}

TimeOverflow::TimeOverflow(uint64_t now, uint64_t n)
    : TimeOverflow(now, std::to_string(n) + " more cycles") {}

TimeOverflow::TimeOverflow(uint64_t now, const std::string& asked)
    : std::overflow_error("simulated time would pass its last cycle, " + std::to_string(kLastCycle) +
                          " (2^63 - 1): at cycle " + std::to_string(now) + ", " + asked + " asked for") {}

}  // namespace shadowsel::hw
