// SPDX-License-Identifier: MIT
// ne::make_rtl, ne::make_lockstep and ne::run_cosim: the Verilated core answers, lockstep
// stays silent while the cores agree and names the first difference (port, cycle) when
// they do not. A short lockstep(rtl, twin) co-simulation, and the twin's injected faults
// caught at the cycle they first show.
#include <gtest/gtest.h>

#include <bit>
#include <cinttypes>
#include <optional>
#include <regex>
#include <string>

#include "shadowsel/gen/ipb.h"
#include "shadowsel/gen/ne.h"
#include "shadowsel/ne/core.h"
#include "shadowsel/ne/cosim.h"
#include "shadowsel/ne/lockstep.h"

using namespace shadowsel::ne;
namespace regs = shadowsel::gen::ne;
namespace ipb = shadowsel::gen::ipb;

namespace {

constexpr Params kSmall{4, 2, {}};

// Reads `addr` after reset; the response data.
uint32_t read_after_reset(Core& c, uint32_t addr) {
  Inputs in;
  in.rst_n = false;
  for (; in.now < 4; ++in.now) c.cycle(in);
  in.rst_n = true;
  in.mmio_req_valid = true;
  in.mmio_req_addr = addr;
  for (int i = 0; i < 20; ++i, ++in.now) {
    const Outputs& o = c.cycle(in);
    if (o.mmio_req_ready) in.mmio_req_valid = false;
    if (o.mmio_rsp_valid) return o.mmio_rsp_rdata;
  }
  ADD_FAILURE() << "no response";
  return 0;
}

TEST(NeRtl, BothBuiltInSizesAnswerOthersThrow) {
  for (const Params& p : {Params{}, kSmall}) {
    auto c = make_rtl(p);
    EXPECT_EQ(c->name(), "rtl");
    EXPECT_EQ(read_after_reset(*c, regs::kRegId), regs::kIdReset);
  }
  EXPECT_THROW(make_rtl(Params{8, 8, {}}), std::invalid_argument);
  EXPECT_THROW(make_rtl(Params{16, 2, {}}), std::invalid_argument);
}

TEST(NeRtl, ManyInstancesShareOneContext) {
  std::vector<std::unique_ptr<Core>> cores;
  for (int i = 0; i < 8; ++i) cores.push_back(make_rtl(i % 2 ? kSmall : Params{}));
  for (auto& c : cores) EXPECT_EQ(read_after_reset(*c, regs::kRegId), regs::kIdReset);
}

// An RTL core whose outputs a test spoils: `spoil` edits the outputs of each cycle.
class Spoiled final : public Core {
 public:
  Spoiled(std::unique_ptr<Core> inner, std::function<void(const Inputs&, Outputs&)> spoil)
      : inner_(std::move(inner)), spoil_(std::move(spoil)) {}
  std::string name() const override { return "spoiled"; }
  const Outputs& cycle(const Inputs& in) override {
    out_ = inner_->cycle(in);
    spoil_(in, out_);
    return out_;
  }

 private:
  std::unique_ptr<Core> inner_;
  std::function<void(const Inputs&, Outputs&)> spoil_;
  Outputs out_;
};

TEST(NeLockstep, RtlAgainstItselfRunsClean) {
  for (const Params& p : {Params{}, kSmall}) {
    auto core = make_lockstep(make_rtl(p), make_rtl(p));
    EXPECT_EQ(core->name(), "lockstep");
    CosimOptions opt;
    opt.seed = 15;  // a seed whose traffic resets the engine mid-run in both sizes
    opt.operations = 20000;
    opt.lit_entries = p.lit_entries;
    opt.rit_entries = p.rit_entries;
    const CosimResult r = run_cosim(*core, opt);
    EXPECT_TRUE(r.drained);
    EXPECT_GE(r.operations, opt.operations);
    EXPECT_GT(r.tx_packets, 100u);
    EXPECT_GT(r.dma_writes, 100u);
    EXPECT_GT(r.resets, 1u);
    const LockstepCounts* n = lockstep_counts(*core);
    ASSERT_NE(n, nullptr);
    EXPECT_EQ(n->cycles, r.cycles);
    EXPECT_EQ(n->operations, r.operations);
  }
  EXPECT_EQ(lockstep_counts(*make_rtl({})), nullptr);
}

TEST(NeLockstep, PayloadsAreComparedOnlyWhileValid) {
  auto core = make_lockstep(make_rtl({}), std::make_unique<Spoiled>(make_rtl({}), [](const Inputs&, Outputs& o) {
                              if (!o.tx_valid) o.tx_payload[3] ^= 0xff, o.tx_dst_mask ^= 1;
                              if (!o.dma_valid) o.dma_addr ^= 0x10, o.dma_data[0] ^= 1;
                              if (!o.mmio_rsp_valid) o.mmio_rsp_rdata ^= 1;
                            }));
  CosimOptions opt;
  opt.operations = 5000;
  EXPECT_NO_THROW(run_cosim(*core, opt));
}

// The cycle and `now` of the first transaction that satisfies `pick` in a clean run.
struct Found {
  uint64_t cycle = 0, now = 0;
};

// The k-th (0-based) MMIO read response of a run, seen through run_cosim's observer.
class NthRead {
 public:
  explicit NthRead(uint64_t k) : k_(k) {}
  void operator()(uint64_t cycle, const Inputs& in, const Outputs& o) {
    if (!in.rst_n) return pending_.clear();
    if (in.mmio_req_valid && o.mmio_req_ready) pending_.push_back(in.mmio_req_write);
    if (o.mmio_rsp_valid && !pending_.empty()) {
      if (!pending_.front() && reads_++ == k_ && !found) found = Found{cycle, in.now};
      pending_.pop_front();
    }
  }
  std::optional<Found> found;

 private:
  uint64_t k_, reads_ = 0;
  std::deque<bool> pending_;
};

// The k-th (0-based) multicast NE_NOTIFY packet: the first cycle it is offered.
class NthMulticastNotify {
 public:
  explicit NthMulticastNotify(uint64_t k) : k_(k) {}
  void operator()(uint64_t cycle, const Inputs& in, const Outputs& o) {
    if (!in.rst_n) return void(offered_ = false);
    if (o.tx_valid && !offered_) {
      offered_ = true;
      if (o.tx_type == static_cast<uint8_t>(ipb::PacketType::kNeNotify) && std::popcount(o.tx_dst_mask) > 1 &&
          seen_++ == k_ && !found)
        found = Found{cycle, in.now};
    }
    if (o.tx_valid && in.tx_ready) offered_ = false;
  }
  std::optional<Found> found;

 private:
  uint64_t k_, seen_ = 0;
  bool offered_ = false;
};

// Runs `core` and returns the mismatch report (empty: none).
std::string mismatch_of(Core& core, const CosimOptions& opt) {
  try {
    run_cosim(core, opt);
  } catch (const LockstepMismatch& e) {
    return e.what();
  }
  return "";
}

void expect_report(const std::string& report, const char* port, const Found& at) {
  ASSERT_FALSE(report.empty()) << "no mismatch";
  SCOPED_TRACE(report);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(report, m, std::regex(R"(at now (\d+) \(compared cycle (\d+))")));
  EXPECT_EQ(std::stoull(m[1]), at.now);
  EXPECT_EQ(std::stoull(m[2]), at.cycle);
  EXPECT_TRUE(std::regex_search(report, std::regex(std::string("\n  ") + port + " ")));
  EXPECT_NE(report.find("inputs of that cycle"), std::string::npos);
  EXPECT_NE(report.find("last transactions"), std::string::npos);
}

// The lockstep itself, on a spoiled RTL: the 40th read response has bit 0 flipped.
TEST(NeLockstep, SpoiledReadIsCaughtAtItsCycle) {
  constexpr uint64_t kAfter = 40;
  CosimOptions opt;
  opt.seed = 5;
  opt.operations = 3000;
  opt.resets_per_operation = 0;
  NthRead clean(kAfter);
  opt.observe = std::ref(clean);
  auto pair = make_lockstep(make_rtl({}), make_rtl({}));
  run_cosim(*pair, opt);
  ASSERT_TRUE(clean.found);

  NthRead spoil_at(kAfter);
  auto spoiled = std::make_unique<Spoiled>(make_rtl({}), [&, cycle = uint64_t{0}](const Inputs& in, Outputs& o) mutable {
    spoil_at(cycle++, in, o);
    if (spoil_at.found && spoil_at.found->cycle + 1 == cycle) o.mmio_rsp_rdata ^= 1;
  });
  opt.observe = nullptr;
  auto faulty = make_lockstep(make_rtl({}), std::move(spoiled));
  expect_report(mismatch_of(*faulty, opt), "mmio_rsp_rdata", *clean.found);
}

TEST(NeLockstepTwin, ShortCosimRunsClean) {
  for (const Params& p : {Params{}, kSmall}) {
    auto core = make_lockstep(make_rtl(p), make_twin(p));
    CosimOptions opt;
    opt.seed = 2024;
    opt.operations = 20000;
    opt.lit_entries = p.lit_entries;
    opt.rit_entries = p.rit_entries;
    CosimResult r;
    try {
      r = run_cosim(*core, opt);
    } catch (const LockstepMismatch& e) {
      FAIL() << e.what();
    }
    EXPECT_TRUE(r.drained);
  }
}

// The twin's injected fault shows at the first cycle the faulting transaction is offered:
// found in a fault-free run of the same stimulus (which is the same up to that cycle).
template <typename Finder>
void injected_fault_is_caught(TwinFault::Kind kind, uint64_t after, const char* port) {
  CosimOptions opt;
  opt.seed = 9;
  opt.operations = 20000;
  opt.resets_per_operation = 0;  // the twin's occurrence count runs from the start
  Finder clean(after);
  opt.observe = std::ref(clean);
  {
    auto pair = make_lockstep(make_rtl({}), make_twin({}));
    run_cosim(*pair, opt);
  }
  ASSERT_TRUE(clean.found) << "the stimulus has too few occurrences";
  opt.observe = nullptr;
  Params faulty;
  faulty.twin_fault = {kind, after};
  auto pair = make_lockstep(make_rtl({}), make_twin(faulty));
  expect_report(mismatch_of(*pair, opt), port, *clean.found);
}

TEST(NeLockstepTwin, NotifyMaskFaultIsCaughtAtItsCycle) {
  injected_fault_is_caught<NthMulticastNotify>(TwinFault::Kind::kNotifyMaskDropsLowest, 3, "tx_dst_mask");
}

TEST(NeLockstepTwin, ReadDataFaultIsCaughtAtItsCycle) {
  injected_fault_is_caught<NthRead>(TwinFault::Kind::kReadDataFlipsBit0, 25, "mmio_rsp_rdata");
}

}  // namespace
