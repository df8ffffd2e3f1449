// SPDX-License-Identifier: MIT
// ne::make_rtl: ne_top verilated (plain C++, no SystemC) behind ne::Core. Two table sizes
// are verilated, each as its own prefix, with ne_top_sim.sv on top: ne_top behind
// registers that take its inputs at the rising edge, so that one cycle is one evaluation:
// drive the inputs and raise the clock together; the outputs read after it are the
// cycle's, and ne_top's combinational logic runs once per cycle. The default size
// once more with FST tracing (Vne_rtl_traced, for --waves) has ne_top itself on top and
// two evaluations per cycle: drive the inputs, evaluate (the outputs of the cycle, after
// the combinational paths, as the waves show them), then the rising edge; with waves
// (rtl_waves.h) its rising edge of a cycle inside the window waits for the waves.
#include <atomic>
#include <bit>
#include <cstring>
#include <string>

#include "Vne_rtl.h"
#include "Vne_rtl___024root.h"
#include "Vne_rtl_small.h"
#include "Vne_rtl_small___024root.h"
#include "Vne_rtl_traced.h"
#include "context.h"
#include "ports.h"
#include "shadowsel/gen/ne.h"
#include "shadowsel/ne/core.h"
#include "shadowsel/ne/rtl_waves.h"
#include "verilated.h"
#include "verilated_fst_c.h"

namespace shadowsel::ne {

// One context for every engine of the process: a machine has one engine per node, and a
// context per model would only multiply Verilator's global state. Each model holds a
// reference so the context outlives it whatever the destruction order.
std::shared_ptr<VerilatedContext> shared_context() {
  static std::shared_ptr<VerilatedContext> ctx = [] {
    auto c = std::make_shared<VerilatedContext>();
    c->fatalOnError(false);  // an RTL $error must not abort the simulator
    return c;
  }();
  return ctx;
}

namespace {

static_assert(gen::ne::kLitEntries == 16 && gen::ne::kRitEntries == 16,
              "Vne_rtl is verilated with ne.yaml's default table sizes");

// A model verilated with TRACE_FST.
template <typename Top>
concept Traced = requires(Top& t, VerilatedFstC* f) { t.trace(f, 0); };

// A 128-bit port is four 32-bit words, least significant first; byte i of the payload is
// bits 8i+7..8i. On a little-endian host that is the words' memory image: one copy.
// Verilator 5.006 finds a rising edge by comparing clk with its value at the model's
// previous evaluation, kept in the root's __Vtrigrprev__TOP__clk; with one evaluation per
// cycle the clock's fall is never evaluated, so that value is set low by hand (nothing
// in the design runs on the falling edge). A Verilator that keeps it elsewhere gets the
// evaluation at clk 0 instead: slower, same cycles.
template <typename Top>
concept ClockMemory = requires(Top& t) { t.rootp->__Vtrigrprev__TOP__clk = 0; };

static_assert(ClockMemory<Vne_rtl> || VERILATOR_VERSION_INTEGER != 5006000,
              "Verilator 5.006 keeps the clock of the previous evaluation in __Vtrigrprev__TOP__clk");

// InputsAtEdge: Top is ne_top_sim (inputs taken at the rising edge, ne_top one edge
// behind), evaluated once per cycle; otherwise Top is ne_top, evaluated before and at
// the rising edge.
template <typename Top, bool InputsAtEdge>
class RtlCore final : public Core, public RtlWaves::Model {
 public:
  explicit RtlCore(const std::string& instance)
      : ctx_(shared_context()), top_(ctx_.get(), (instance.empty() ? instance_name() : instance).c_str()) {
    // Power-on reset, as the twin has: ne_top_sim takes it at the first cycle's edge
    // (its input registers start with rst_n low); ne_top takes one edge here.
    top_.clk = 0;
    top_.rst_n = 0;
    top_.eval();
    if constexpr (!InputsAtEdge) {
      top_.clk = 1;
      top_.eval();
      top_.clk = 0;
    }
  }
  ~RtlCore() override {
    // Verilator 5.006 erases the model's scopes from the thread's current context.
    Verilated::threadContextp(ctx_.get());
    top_.final();
  }

  std::string name() const override { return "rtl"; }

  bool attach_waves(RtlWaves& w) override {
    if constexpr (!Traced<Top>) return false;
    waves_ = &w;
    w.add(*this);
    return true;
  }
  void trace(VerilatedFstC& fst) override {
    if constexpr (Traced<Top>) top_.trace(&fst, 99);
  }
  void rise() override {
    if (!edge_pending_) return;
    top_.clk = 1;
    top_.eval();
    edge_pending_ = false;
  }
  void fall() override {
    top_.clk = 0;
    top_.eval();  // nothing changes but the clock, which the trace sees only after an eval
  }

  const Outputs& cycle(const Inputs& in) override {
    bool defer = false;
    if constexpr (Traced<Top>) {
      defer = waves_ && waves_->begin_cycle(in.now);
      if (edge_pending_) {  // its last edge, not yet taken by the waves
        rise();
        fall();
      }
    }
    ports::drive(top_, in);
    if constexpr (InputsAtEdge) {
      // inputs and rising edge in one evaluation: the edge ends the previous cycle in
      // ne_top and takes this cycle's inputs, so the outputs are then this cycle's; clk
      // goes back to 0 without an evaluation
      if constexpr (ClockMemory<Top>) top_.rootp->__Vtrigrprev__TOP__clk = 0;
      else top_.eval();
      top_.clk = 1;
      top_.eval();
      top_.clk = 0;
      read_outputs();
      return out_;
    }
    top_.eval();
    read_outputs();

    // rising edge; clk goes back to 0 without an evaluation: the next cycle's eval sees
    // it together with the new inputs (no logic on the falling edge)
    if (Traced<Top> && defer) {
      edge_pending_ = true;
      waves_->edge_pending(*this);
      return out_;
    }
    top_.clk = 1;
    top_.eval();
    top_.clk = 0;
    return out_;
  }

 private:
  void read_outputs() { ports::read(top_, out_); }

  static std::string instance_name() {
    static std::atomic<unsigned> count{0};
    return "ne_top_" + std::to_string(count++);
  }

  std::shared_ptr<VerilatedContext> ctx_;
  Top top_;
  Outputs out_;
  RtlWaves* waves_ = nullptr;
  bool edge_pending_ = false;  ///< this cycle's rising edge waits for the waves
};

}  // namespace

std::unique_ptr<Core> make_rtl(const Params& p, const std::string& instance) {
  if (p.lit_entries == 16 && p.rit_entries == 16) {
    if (p.traced) return std::make_unique<RtlCore<Vne_rtl_traced, false>>(instance);
    return std::make_unique<RtlCore<Vne_rtl, true>>(instance);
  }
  if (p.lit_entries == 4 && p.rit_entries == 2) return std::make_unique<RtlCore<Vne_rtl_small, true>>(instance);
  throw std::invalid_argument("ne::make_rtl: tables of " + std::to_string(p.lit_entries) + "/" +
                              std::to_string(p.rit_entries) +
                              " entries are not built in (16/16 and 4/2 are)");
}

}  // namespace shadowsel::ne
