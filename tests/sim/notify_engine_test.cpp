// SPDX-License-Identifier: MIT
// Notify engines in the machine, on the real cores (Verilated RTL, twin, both in
// lockstep): test threads play each CPU's driver through the registers, the ring in node
// memory and the interrupt line only, as docs/notify-engine.md describes. An ARM on
// node 1 for an object of node 0 crosses the bus as NE_SUBSCRIBE and lands as a
// SUBSCRIBE record in node 0's ring; node 0's ANSWER (not ready) comes back as an ANSWER
// record; node 0's NOTIFY reaches nodes 1 and 2 in one multicast transfer.
#include <gtest/gtest.h>

#include <chrono>
#include <sstream>

#include "child.h"
#include "engine_harness.h"
#include "shadowsel/gen/ne.h"
#include "shadowsel/tb/simulation.h"

namespace shadowsel::test {
namespace {

using hw::now_cycles;
namespace ne = gen::ne;
namespace ipb = gen::ipb;
namespace rr = gen::ne::ready_record;

hw::CoreFactory cores(const std::string& kind) {
  return tb::notify_cores(tb::parse_notify_path(kind, "core"));
}

hw::MachineParams machine(uint32_t cpus) {
  hw::MachineParams p;
  p.cpus = cpus;
  return p;
}

struct Record {
  ne::RecordKind kind;
  uint32_t src, event, state, object, version, ready, seq;
};

constexpr uint64_t kRingBase = 0x10000;
constexpr uint32_t kRingSize = 16;

/// A minimal driver of one node's engine, as kernel code would be: registers, the ring,
/// the interrupt.
class Driver {
 public:
  Driver(EngineHarness& h, uint32_t node) : h_(h), n_(node), e_(h.engine(node)) {}

  uint32_t rd(uint32_t a) { return e_.mmio_read(a); }
  void wr(uint32_t a, uint32_t v) { e_.mmio_write(a, v); }

  void set_up() {
    wr(ne::kRegNodeId, n_);
    wr(ne::kRegRingBase, kRingBase);
    wr(ne::kRegRingSize, kRingSize);
    wr(ne::kRegIrqEnable, ne::IrqCause::kAll);
    wr(ne::kRegCtrl, ne::kCtrlEnableMask);
  }
  void key(uint32_t owner, uint32_t object, ne::Event ev, uint32_t version) {
    wr(ne::kRegKeyOwner, owner);
    wr(ne::kRegKeyObject, object);
    wr(ne::kRegKeyEvent, static_cast<uint32_t>(ev));
    wr(ne::kRegKeyVersion, version);
  }
  ne::ArmResult arm(uint32_t owner, uint32_t object, ne::Event ev, uint32_t version) {
    key(owner, object, ev, version);
    wr(ne::kRegCmd, static_cast<uint32_t>(ne::Cmd::kArm));
    // ARM_RESULT is valid once STATUS.BUSY has fallen (a read is not held back).
    while (rd(ne::kRegStatus) & ne::Status::kBusy) ++busy_polls;
    return static_cast<ne::ArmResult>(rd(ne::kRegArmResult));
  }
  void answer(uint32_t object, ne::Event ev, uint32_t version, uint32_t dst, uint32_t state,
              bool ready) {
    key(n_, object, ev, version);
    wr(ne::kRegAnsDst, dst);
    wr(ne::kRegAnsState, state);
    wr(ne::kRegAnsReady, ready);
    wr(ne::kRegCmd, static_cast<uint32_t>(ne::Cmd::kAnswer));
  }
  void notify(uint32_t object, ne::Event ev, uint32_t version, uint32_t state) {
    key(n_, object, ev, version);
    wr(ne::kRegAnsState, state);
    wr(ne::kRegCmd, static_cast<uint32_t>(ne::Cmd::kNotify));
  }

  /// The next record of the ring, waiting for the interrupt while there is none.
  Record take() {
    for (;;) {
      uint8_t b[rr::kBytes];
      h_.node(n_).memory().read(kRingBase + (tail_ % kRingSize) * rr::kBytes, b);
      if (rr::get_kind(b) != 0 && rr::get_seq(b) == (tail_ & 0xffffff)) {
        ++tail_;
        wr(ne::kRegRingTail, tail_);
        ++irqs_seen_;
        return {static_cast<ne::RecordKind>(rr::get_kind(b)), uint32_t(rr::get_src(b)),
                uint32_t(rr::get_event(b)),  uint32_t(rr::get_state(b)),
                uint32_t(rr::get_object(b)), uint32_t(rr::get_version(b)),
                uint32_t(rr::get_ready(b)),  uint32_t(rr::get_seq(b))};
      }
      if (h_.node(n_).irq().is_pending(hw::IrqLine::kNotifyEngine)) {
        wr(ne::kRegIrqStatus, rd(ne::kRegIrqStatus));  // acknowledge, then look again
        EXPECT_FALSE(h_.node(n_).irq().is_pending(hw::IrqLine::kNotifyEngine));
      } else {
        h_.wait_irq(n_);
      }
    }
  }

 private:
  EngineHarness& h_;
  uint32_t n_;
  hw::NotifyEngine& e_;
  uint32_t tail_ = 0;
  uint32_t irqs_seen_ = 0;

 public:
  uint64_t busy_polls = 0;
};

uint64_t transfers(EngineHarness& h, ipb::PacketType t) {
  const auto i = static_cast<uint8_t>(t);
  return h.platform->bus().counters(0).by_type[i] + h.platform->bus().counters(1).by_type[i];
}

class NotifyEngineInMachine : public testing::TestWithParam<std::string> {};

TEST_P(NotifyEngineInMachine, IdentityAndNodeIdByRegisters) {
  EngineHarness h(machine(2), cores(GetParam()));
  uint32_t id = 0, node = 99;
  uint64_t read_cycles = 0;
  h.cpu([&] {
    Driver d(h, 1);
    sc_core::wait(hw::cycles(100));  // past the power-on reset
    const uint64_t t = now_cycles();
    id = d.rd(ne::kRegId);
    read_cycles = now_cycles() - t;
    d.wr(ne::kRegNodeId, 1);
    node = d.rd(ne::kRegNodeId);
  });
  sc_core::sc_start();
  EXPECT_EQ(id, ne::kIdReset);
  EXPECT_EQ(ne::get_id_magic(id), 0x4E45u);
  EXPECT_EQ(node, 1u);
  // Taken in its first cycle, answered two cycles later, the CPU goes on in the next.
  EXPECT_EQ(read_cycles, 3u);
  EXPECT_EQ(h.engine(1).counters().mmio_reads, 2u);
  EXPECT_EQ(h.engine(1).counters().mmio_writes, 1u);
}

TEST_P(NotifyEngineInMachine, SubscribeAnswerAndOneMulticastNotify) {
  EngineHarness h(machine(3), cores(GetParam()));
  const uint32_t kObj = 42, kVer = 7;
  std::vector<Record> got[3];
  ne::ArmResult arm1 = ne::ArmResult::kNone, rearm1 = ne::ArmResult::kNone,
                arm2 = ne::ArmResult::kNone;
  uint64_t notify_before = 0, notify_after = 0;
  h.cpu([&] {  // node 0: owns the object
    Driver d(h, 0);
    d.set_up();
    for (int i = 0; i < 2; ++i) {
      got[0].push_back(d.take());
      const Record& s = got[0].back();
      d.answer(s.object, static_cast<ne::Event>(s.event), s.version, s.src, 0, false);
    }
    sc_core::wait(hw::cycles(500));  // both answers delivered
    notify_before = transfers(h, ipb::PacketType::kNeNotify);
    d.notify(kObj, ne::Event::kRead, kVer, ne::PipeState::kNonempty);
    sc_core::wait(hw::cycles(500));
    notify_after = transfers(h, ipb::PacketType::kNeNotify);
  });
  h.cpu([&] {  // node 1: arms first, re-arms while in flight
    Driver d(h, 1);
    d.set_up();
    arm1 = d.arm(0, kObj, ne::Event::kRead, kVer);
    rearm1 = d.arm(0, kObj, ne::Event::kRead, kVer);
    got[1].push_back(d.take());
    got[1].push_back(d.take());
  });
  h.cpu([&] {  // node 2: arms later
    Driver d(h, 2);
    d.set_up();
    sc_core::wait(hw::cycles(300));
    arm2 = d.arm(0, kObj, ne::Event::kRead, kVer);
    got[2].push_back(d.take());
    got[2].push_back(d.take());
  });
  sc_core::sc_start();

  EXPECT_EQ(arm1, ne::ArmResult::kSent);
  EXPECT_EQ(rearm1, ne::ArmResult::kSuppressedInFlight);
  EXPECT_EQ(arm2, ne::ArmResult::kSent);
  ASSERT_EQ(got[0].size(), 2u);
  for (uint32_t i = 0; i < 2; ++i) {
    const Record& s = got[0][i];
    EXPECT_EQ(s.kind, ne::RecordKind::kSubscribe);
    EXPECT_EQ(s.src, i + 1);
    EXPECT_EQ(s.object, kObj);
    EXPECT_EQ(s.version, kVer);
    EXPECT_EQ(s.event, 0u);
    EXPECT_EQ(s.seq, i);
  }
  for (uint32_t n : {1u, 2u}) {
    ASSERT_EQ(got[n].size(), 2u) << n;
    const Record& a = got[n][0];
    EXPECT_EQ(a.kind, ne::RecordKind::kAnswer) << n;
    EXPECT_EQ(a.src, 0u);
    EXPECT_EQ(a.object, kObj);
    EXPECT_EQ(a.version, kVer);
    EXPECT_EQ(a.ready, 0u);
    const Record& no = got[n][1];
    EXPECT_EQ(no.kind, ne::RecordKind::kNotify) << n;
    EXPECT_EQ(no.src, 0u);
    EXPECT_EQ(no.object, kObj);
    EXPECT_EQ(no.state, ne::PipeState::kNonempty);
    EXPECT_EQ(no.ready, 1u);
    EXPECT_EQ(no.seq, 1u);
    EXPECT_TRUE(h.node(n).biu().rx_empty());  // the kernel's buffer saw none of it
    EXPECT_GE(h.engine(n).counters().irq_raised, 1u);
  }
  EXPECT_EQ(transfers(h, ipb::PacketType::kNeSubscribe), 2u);
  EXPECT_EQ(notify_after - notify_before, 1u);  // one multicast to nodes 1 and 2
  EXPECT_EQ(transfers(h, ipb::PacketType::kNeNotify), 3u);
  EXPECT_EQ(transfers(h, ipb::PacketType::kMsg), 0u);
  for (uint32_t n = 0; n < 3; ++n) EXPECT_EQ(h.node(n).biu().counters().rx_seq_errors, 0u);
  EXPECT_EQ(h.engine(0).counters().dma_writes, 2u);
  EXPECT_EQ(h.engine(1).counters().tx_packets, 1u);
  EXPECT_EQ(h.engine(0).counters().tx_packets, 3u);
}

TEST_P(NotifyEngineInMachine, ASilentNodeIsDeclaredDown) {
  EngineHarness h(machine(2), cores(GetParam()));
  Record down{};
  uint32_t nodes_down = 0;
  uint64_t silent_from = 0, declared_at = 0;
  for (uint32_t n : {0u, 1u}) {
    h.cpu([&, n] {
      Driver d(h, n);
      d.set_up();
      d.wr(ne::kRegAliveMaskLo, 0b11);
      d.wr(ne::kRegAliveTimeout, 5000);
      d.wr(ne::kRegAlivePeriod, 1000);
      if (n == 1) {
        sc_core::wait(hw::cycles(20000));
        d.wr(ne::kRegCtrl, 0);  // node 1 falls silent
        d.wr(ne::kRegAlivePeriod, 0);
        silent_from = now_cycles();
        return;
      }
      down = d.take();
      declared_at = now_cycles();
      nodes_down = d.rd(ne::kRegNodesDownLo);
    });
  }
  sc_core::sc_start(hw::cycles(60000));
  EXPECT_EQ(down.kind, ne::RecordKind::kNodeDown);
  EXPECT_EQ(down.src, 1u);
  EXPECT_EQ(nodes_down, 0b10u);
  EXPECT_GT(declared_at, silent_from + 4000);
  EXPECT_LT(declared_at, silent_from + 8000);
  EXPECT_GT(transfers(h, ipb::PacketType::kAlive), 30u);
}

INSTANTIATE_TEST_SUITE_P(Cores, NotifyEngineInMachine, testing::Values("rtl", "model", "lockstep"),
                         [](const auto& info) { return info.param; });

// The twin with an injected fault, in lockstep with the RTL in the machine: the first read
// whose data the twin spoils stops the run with the lockstep report (the command exits 3).
TEST(NotifyEngineLockstep, AnInjectedTwinFaultStopsTheRunAtTheSpoiledRead) {
  tb::Scenario s;
  s.machine.cpus = 2;
  s.notify = tb::NotifyPath::kLockstep;
  s.workload.kind = "none";
  shadowsel::ne::Params p;
  p.twin_fault = {shadowsel::ne::TwinFault::Kind::kReadDataFlipsBit0, 2};  // each engine's third read
  tb::Simulation sim(s, [p](uint32_t) {
    return shadowsel::ne::make_lockstep(shadowsel::ne::make_rtl(p), shadowsel::ne::make_twin(p));
  });
  uint32_t reads_done = 0;
  sim.kernel(1).spawn("probe", [&](drv::Process&) {
    for (int i = 0; i < 5; ++i, ++reads_done) sim.engine(1)->mmio_read(ne::kRegId);
  });
  const tb::RunResult r = sim.run(1'000'000);
  // (the kernels' own engine set-up may read too, so which read it is is not fixed)
  EXPECT_EQ(r.end, tb::RunResult::End::kLockstepMismatch) << r.detail;
  EXPECT_NE(r.detail.find("notify engine"), std::string::npos) << r.detail;
  EXPECT_NE(r.detail.find("mmio_rsp_rdata"), std::string::npos) << r.detail;
  EXPECT_LT(reads_done, 5u);  // the spoiled read never returned
}

// Idle time costs nothing with the real core either: ten ARM round trips separated by
// 10^9 idle cycles cost the same host work as separated by 10^3.
struct IdleFigures {
  uint64_t clocked, activations;
  double wall_s;
};

IdleFigures idle_engines(const std::string& kind, uint64_t gap) {
  const std::string out = run_in_child([kind, gap] {
    EngineHarness h(machine(2), cores(kind));
    h.cpu([&] {
      Driver d(h, 0);
      d.set_up();
      sc_core::wait(hw::cycles(gap));
      d.notify(1, ne::Event::kRead, 1, 0);  // nobody interested: dropped
      sc_core::wait(hw::cycles(gap));
      d.rd(ne::kRegNotifyDropped);
    });
    h.cpu([&] { Driver(h, 1).set_up(); });
    const auto t0 = std::chrono::steady_clock::now();
    sc_core::sc_start();
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const auto& a = h.engine(0).counters();
    const auto& b = h.engine(1).counters();
    std::ostringstream o;
    o << a.cycles_clocked + b.cycles_clocked << " " << a.activations + b.activations << " " << wall;
    return o.str();
  });
  std::istringstream in(out);
  IdleFigures f{};
  in >> f.clocked >> f.activations >> f.wall_s;
  return f;
}

TEST(NotifyEngineIdle, TwoBillionIdleCyclesOfTheRtlCostNoMoreThanTwoThousand) {
  const IdleFigures shortgap = idle_engines("rtl", 1000);
  const IdleFigures longgap = idle_engines("rtl", 1'000'000'000);
  EXPECT_EQ(longgap.clocked, shortgap.clocked);
  EXPECT_EQ(longgap.activations, shortgap.activations);
  EXPECT_LT(longgap.clocked, 500u);
  EXPECT_LT(longgap.wall_s, 0.5);
  RecordProperty("clocked_cycles", std::to_string(longgap.clocked));
  RecordProperty("activations", std::to_string(longgap.activations));
  RecordProperty("wall_us", std::to_string(static_cast<uint64_t>(longgap.wall_s * 1e6)));
}

// The twin is clocked exactly as the RTL: idle and wake_at are ports the lockstep compares.
TEST(NotifyEngineIdle, TheTwinIsClockedAsOftenAsTheRtl) {
  const IdleFigures rtl = idle_engines("rtl", 1'000'000'000);
  const IdleFigures model = idle_engines("model", 1'000'000'000);
  EXPECT_EQ(model.clocked, rtl.clocked);
  EXPECT_EQ(model.activations, rtl.activations);
}

}  // namespace
}  // namespace shadowsel::test
