// SPDX-License-Identifier: MIT
// How simulated code ends a run with an error: an exception escaping a
// simulated context is caught at the top of that context and reported here,
// so the run stops cleanly with a message instead of aborting the host.
#pragma once

#include <systemc>

#include <functional>
#include <string>

namespace shadowsel::sim {

/// Installed by the simulation; by default failures rethrow nothing and stop.
void set_failure_handler(std::function<void(const std::string&)> h);
void report_failure(const std::string& what);

/// Runs `body`, reporting any exception as a failure of `context`.
template <class F>
void guarded(const std::string& context, F&& body) {
  try {
    body();
  } catch (const sc_core::sc_unwind_exception&) {
    throw;  // SystemC unwinding a killed thread: not an error
  } catch (const std::exception& e) {
    report_failure(context + ": " + e.what());
  }
}

}  // namespace shadowsel::sim
