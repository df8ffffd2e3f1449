// SPDX-License-Identifier: MIT
#include "shadowsel/sim/failure.h"

#include <systemc>

#include <stdexcept>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#include <pthread.h>
#include <sanitizer/common_interface_defs.h>
#endif

namespace shadowsel::sim {
namespace {
std::function<void(const std::string&)> g_handler;
bool g_ended = false;  // end_run() was called

void collect_threads(const std::vector<sc_core::sc_object*>& objects,
                     std::vector<sc_core::sc_process_handle>& out) {
  for (sc_core::sc_object* o : objects) {
    sc_core::sc_process_handle h(o);
    if (h.valid() && h.proc_kind() == sc_core::SC_THREAD_PROC_ && !h.terminated()) out.push_back(h);
    // Threads spawned by a thread are its children, not the top level's.
    collect_threads(o->get_child_objects(), out);
  }
}

std::vector<sc_core::sc_process_handle> threads() {
  std::vector<sc_core::sc_process_handle> out;
  collect_threads(sc_core::sc_get_top_level_objects(), out);
  return out;
}
}  // namespace

void set_failure_handler(std::function<void(const std::string&)> h) { g_handler = std::move(h); }

void report_failure(const std::string& what) {
  if (g_handler) g_handler(what);
  end_run();
}

void end_run() {
  g_ended = true;
  // Before sc_start (no thread has a stack yet) a pause would be forgotten: stop.
  if (sc_core::sc_is_running()) {
    sc_core::sc_pause();
  } else {
    sc_core::sc_stop();
  }
}

bool run_ended() { return g_ended; }

std::size_t live_threads() { return threads().size(); }

void main_stack_returned() {
#if defined(__SANITIZE_ADDRESS__)
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return;
  void* bottom = nullptr;
  std::size_t size = 0;
  pthread_attr_getstack(&attr, &bottom, &size);
  pthread_attr_destroy(&attr);
  // A switch from this stack to itself: ASan takes the bounds it is given.
  void* fake_stack = nullptr;
  __sanitizer_start_switch_fiber(&fake_stack, bottom, size);
  __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
#endif
}

void release_processes() {
  // Paused: sc_start() returned after end_run(), starvation or its time limit.
  if (!sc_core::sc_is_running() || sc_core::sc_get_status() != sc_core::SC_PAUSED) return;
  std::size_t survivors = 0;
  sc_core::sc_spawn_options method;
  method.spawn_method();
  sc_core::sc_spawn(
      [&survivors] {
        // A method runs before the threads of its delta cycle: none of those made
        // runnable when the run ended gets to run; kill() removes them from the queue.
        for (sc_core::sc_process_handle& h : threads()) {
          if (!h.terminated()) h.kill();
        }
        // Threads spawned by destructors while unwinding would be caught here.
        survivors = live_threads();
        sc_core::sc_stop();
      },
      "shadowsel_release_processes", &method);
  sc_core::sc_start(sc_core::SC_ZERO_TIME);
  main_stack_returned();
  if (survivors) {
    throw std::logic_error(std::to_string(survivors) + " SystemC threads survived release_processes()");
  }
}

}  // namespace shadowsel::sim
