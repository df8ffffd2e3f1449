// SPDX-License-Identifier: MIT
// The Verilated notify engines' own signals as a waveform (--waves on the rtl and lockstep
// paths, docs/waves.md): every RTL core of the run in one FST file, through Verilator's FST
// tracing, one scope per core. Library shadowsel_ne_rtl; no Verilator in this header.
//
// Cores are clocked only while busy, each by its own SystemC thread, so several may run
// the same cycle one after another. To draw them all at once, a core inside the window
// keeps its rising edge pending (begin_cycle() says so): when the first core reaches a
// later cycle, the cycle before is dumped with every core's values during it, then every
// pending edge is taken and dumped half a cycle later (the clock high), then the clocks go
// low. Outside the window cores clock as usual and nothing is dumped; the file is closed
// when the first core passes the window's end. The time axis is sim::WaveWindow's, shared
// with the machine's waveform.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "shadowsel/sim/wave_window.h"

class VerilatedFstC;

namespace shadowsel::ne {

class RtlWaves {
 public:
  /// What the waves need of a Verilated core (rtl_core.cpp).
  class Model {
   public:
    virtual ~Model() = default;
    /// Adds the core's signals to `fst` (before it is opened).
    virtual void trace(VerilatedFstC& fst) = 0;
    /// Takes the core's pending rising edge, if any, and leaves the clock high.
    virtual void rise() = 0;
    /// Sets the clock low again (nothing happens on the falling edge).
    virtual void fall() = 0;
  };

  /// Checks that `path` can be written; throws std::runtime_error("PATH: cannot write: why").
  RtlWaves(const std::string& path, const sim::WaveWindow& window);
  ~RtlWaves();
  RtlWaves(const RtlWaves&) = delete;
  RtlWaves& operator=(const RtlWaves&) = delete;

  const std::string& path() const { return path_; }
  /// Adds a core (before start()).
  void add(Model& m);
  /// Opens the file: after every core was added, before the first cycle.
  void start();
  /// Cores added so far.
  size_t cores() const { return models_.size(); }

  /// A core begins cycle `now`. True when it must keep its rising edge pending (then it
  /// calls edge_pending()); may first dump the cycle before and take every pending edge.
  bool begin_cycle(uint64_t now);
  void edge_pending(Model& m);
  /// Dumps what is pending and closes the file; the run ended at cycle `end`. Idempotent.
  void close(uint64_t end);

 private:
  /// Dumps the cycle whose edges are pending, takes them, dumps the clock high, then low
  /// at the next cycle unless that is `next` (the cycle a core begins).
  void flush(uint64_t next);
  void dump(uint64_t ps);

  std::string path_;
  sim::WaveWindow window_;
  std::unique_ptr<VerilatedFstC> fst_;
  std::vector<Model*> models_;
  std::vector<Model*> pending_;  ///< cores whose edge in cycle pending_cycle_ waits
  uint64_t pending_cycle_ = 0;
  bool started_ = false;  ///< a dump was made (last_ps_ is valid)
  uint64_t last_ps_ = 0;
  bool open_ = false;
};

}  // namespace shadowsel::ne
