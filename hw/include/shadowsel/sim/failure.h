// SPDX-License-Identifier: MIT
// How a run ends. An exception escaping a simulated context is caught at the top
// of that context and reported here, so the run stops cleanly with a message
// instead of aborting the host. Whatever ends it, the SystemC threads still
// suspended at the end are then unwound (release_processes), so that the objects
// on their stacks are destroyed like any others.
#pragma once

#include <systemc>

#include <cstddef>
#include <functional>
#include <string>

namespace shadowsel::sim {

/// Installed by the simulation; by default failures rethrow nothing and stop.
void set_failure_handler(std::function<void(const std::string&)> h);
void report_failure(const std::string& what);

/// Ends the run from simulated code: sc_start() returns at the end of this delta
/// cycle. It pauses the kernel rather than stopping it (sc_stop), because only a
/// kernel that can still run one more delta can unwind the threads left suspended.
void end_run();
/// end_run() was called: a sc_start() that returned early was paused by it, and
/// the run is over (a run in steps, Simulation::run, must not go on).
bool run_ended();

/// SystemC threads that have started and not terminated (modules' SC_THREADs and
/// spawned threads, at any depth of the hierarchy).
std::size_t live_threads();

/// Unwinds every thread still suspended: each is killed (sc_unwind_exception
/// thrown at its wait), so the locals on its stack are destroyed. Call from
/// sc_main once sc_start() has returned, while every object those threads use
/// still exists (tb::Simulation's destructor does). SystemC 2.3.4 kills only from
/// within a process, so this resumes the kernel for one delta cycle with a method
/// process that kills them and stops the simulation: nothing runs afterwards.
/// Does nothing if the simulation never started or was stopped with sc_stop().
/// Throws std::logic_error if a thread survives its kill. The exception leaves
/// through the wait() each thread is suspended in: never wait() in a destructor
/// or a noexcept function (std::terminate), and let it through every catch.
void release_processes();

/// Call in sc_main right after sc_start() returns (tb::Simulation and
/// release_processes do). Under AddressSanitizer, SystemC's coroutine switches
/// leave ASan's bounds of the main stack wrong once the kernel returns (top 0), so
/// an exception thrown in sc_main afterwards leaves stale poison on the stack and
/// later calls get false stack-buffer-overflow reports: this declares the main
/// thread's stack again. Nothing in other builds.
void main_stack_returned();

/// Runs `body`, reporting any exception as a failure of `context`.
template <class F>
void guarded(const std::string& context, F&& body) {
  try {
    body();
  } catch (const sc_core::sc_unwind_exception&) {
    throw;  // release_processes() (or a reset) unwinding the thread: not an error
  } catch (const std::exception& e) {
    report_failure(context + ": " + e.what());
  }
}

}  // namespace shadowsel::sim
