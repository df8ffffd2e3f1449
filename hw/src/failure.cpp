// SPDX-License-Identifier: MIT
#include "shadowsel/sim/failure.h"

#include <systemc>

namespace shadowsel::sim {
namespace {
std::function<void(const std::string&)> g_handler;
}  // namespace

void set_failure_handler(std::function<void(const std::string&)> h) { g_handler = std::move(h); }

void report_failure(const std::string& what) {
  if (g_handler) g_handler(what);
  sc_core::sc_stop();
}

}  // namespace shadowsel::sim
