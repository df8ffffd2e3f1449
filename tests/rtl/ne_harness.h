// SPDX-License-Identifier: MIT
// Verilator harness of ne_top: drives the ports cycle by cycle from queued transactions,
// observes the ports and the probes, steps the reference model (ne_model.h) and records
// or replays a stimulus file (format in ne_stim.md).
//
// Driver rules (the Icarus testbench tests/rtl/ne_tb.sv follows the same ones, so that a
// stimulus file gives the same cycles in both simulators):
// * reset (rst_n low) for the first kResetCycles cycles; now = cycle number, plus jumps;
// * MMIO requests and rx packets are two in-order streams; item k is offered from cycle
//   max(its issue cycle, the cycle after item k-1 was taken) until taken;
// * tx_ready and dma_ready are levels that change at given cycles (both 1 at first);
// * `now` goes up by one per cycle, or jumps to a given value (the wrapper that stops the
//   clock while idle, docs/notify-engine.md §5).
#pragma once

#include <cstdint>
#include <deque>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "ne_model.h"
#include "ne_types.h"
#include "shadowsel/ne/core.h"

class VerilatedContext;

// The model verilated with default parameters (Vne_top), or with small tables
// (Vne_top_small, LIT_ENTRIES 4, RIT_ENTRIES 2: built with NE_TB_SMALL).
#ifdef NE_TB_SMALL
class Vne_top_small;
using NeTop = Vne_top_small;
#else
class Vne_top;
using NeTop = Vne_top;
#endif

namespace ne_tb {

inline constexpr int kResetCycles = 4;
#ifdef NE_TB_SMALL
inline constexpr uint32_t kTbLitEntries = 4;
inline constexpr uint32_t kTbRitEntries = 2;
#else
inline constexpr uint32_t kTbLitEntries = 16;  // ne_pkg defaults, checked in ne_harness.cpp
inline constexpr uint32_t kTbRitEntries = 16;
#endif

class Harness {
 public:
  // stim_out: file to record the stimulus and the outputs to (empty: none).
  explicit Harness(const std::string& stim_out = "", bool use_model = true);
  // Replay only: drives `core` (ne::make_rtl, ne::make_twin), one Core::cycle per cycle,
  // without the model (it reads probes only the Verilated ne_top of this testbench has).
  explicit Harness(std::unique_ptr<shadowsel::ne::Core> core);
  ~Harness();

  // --- stimulus (issued at the next cycle to run) -------------------------------------
  void mmio(bool write, uint32_t addr, uint32_t wdata);  // returns at once; see write/read
  void rx(const RxPkt& p);
  void set_tx_ready(bool v);
  void set_dma_ready(bool v);
  // Random readiness: each cycle, the level flips with probability p_flip, biased to 1.
  void random_ready(uint64_t seed, double p_tx_low, double p_dma_low);
  // Jump `now` forward while idle: with probability p per idle cycle, to a random time no
  // later than wake_at (always exactly wake_at when exact is true).
  void allow_jumps(uint64_t seed, double p, bool exact = false);

  // --- running -----------------------------------------------------------------------
  void tick();
  void run(uint64_t cycles);
  // Runs until cond() or max cycles; returns cond().
  bool run_until(const std::function<bool()>& cond, uint64_t max = 100000);
  void write(uint32_t addr, uint32_t wdata);  // issue and wait for the response
  uint32_t read(uint32_t addr);               // issue and wait for the response
  void send(const RxPkt& p);                  // issue and wait until taken
  bool wait_idle(uint64_t max = 100000);      // all streams drained and idle
  void finish();                              // writes the end of the stimulus file

  // --- observation ---------------------------------------------------------------------
  uint64_t cycle() const { return cycle_; }
  uint64_t now() const { return now_; }
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  Model& model() { return model_; }
  bool irq() const;
  bool idle() const;
  uint64_t wake_at() const;
  size_t mmio_pending() const { return mmio_q_.size(); }
  size_t rx_pending() const { return rx_q_.size(); }
  std::vector<TxPkt> tx_log;
  std::vector<DmaWrite> dma_log;
  std::vector<uint32_t> rsp_log;

  // --- replay of a stimulus file (checks the outputs against the file) ----------------
  // Returns false with error() set on a mismatch or a bad file.
  bool replay(const std::string& path);

 private:
  struct Mm {
    uint64_t cycle;
    MmioReq req;
  };
  struct Rx {
    uint64_t cycle;
    RxPkt pkt;
  };
  // One expected-output line of a stimulus file (t, d, r, i, w), as values: replay
  // compares these and formats text only for a mismatch, so the testbench costs little
  // beside the model (verilator_over_icarus times this replay).
  struct Output {
    char tag = 0;
    uint64_t cycle = 0;
    uint64_t a = 0, b = 0,
             c = 0;  // t: type mask len; d: addr bytes; r: rdata; i: v; w: idle wake_at
    Bytes32 data{};  // t: the payload in the first 16 bytes
    bool operator==(const Output&) const = default;
  };
  struct Expected {
    Output out;
    std::string_view text;  // the file's line, for the error message
  };
  static std::string line(const Output& o);
  void emit(const Output& o);
  void evaluate();  // this cycle's outputs into out_, from the inputs in in_
  void edge();      // the rising edge that ends the cycle
  void record(const std::string& line);
  void fail(const std::string& what);

  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<NeTop> top_;                 // either this testbench's ne_top...
  std::unique_ptr<shadowsel::ne::Core> core_;  // ...or a core (replay only)
  shadowsel::ne::Inputs in_;
  shadowsel::ne::Outputs out_;
  Model model_;
  bool use_model_;
  std::string error_;
  uint64_t cycle_ = 0;
  uint64_t now_ = 0;
  std::deque<Mm> mmio_q_;
  std::deque<Rx> rx_q_;
  uint64_t mmio_issued_ = 0;
  bool tx_ready_ = true, dma_ready_ = true;
  // random readiness and jumps
  bool rnd_ready_ = false;
  std::mt19937_64 rng_ready_;
  double p_tx_low_ = 0, p_dma_low_ = 0;
  bool jumps_ = false, jump_exact_ = false;
  std::mt19937_64 rng_jump_;
  double p_jump_ = 0;
  // recording
  std::ofstream stim_;
  bool prev_irq_ = false;
  bool prev_idle_valid_ = false, prev_idle_ = false;
  uint64_t prev_wake_ = 0;
  // replay
  bool replaying_ = false;
  std::deque<std::pair<uint64_t, bool>> rp_txr_, rp_dmar_;
  std::deque<std::pair<uint64_t, uint64_t>> rp_jump_;
  std::string rp_text_;             // the whole file; rp_expect_ points into it
  std::deque<Expected> rp_expect_;  // expected outputs, in file order
};

}  // namespace ne_tb
