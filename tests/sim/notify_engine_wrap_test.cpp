// SPDX-License-Identifier: MIT
// hw::NotifyEngine, the SystemC wrapper of a notify engine core, on a small fake core
// (fake_core.h) whose timing is known: MMIO stalls, packets to and from the bus, DMA
// into node memory, the interrupt line, flow control, timers, and idle cost.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "../trace/trace_check.h"
#include "child.h"
#include "engine_harness.h"
#include "fake_core.h"
#include "shadowsel/driver/ne_driver.h"
#include "shadowsel/tb/simulation.h"

namespace shadowsel::test {
namespace {

using hw::now_cycles;
namespace ipb = gen::ipb;
namespace ne = shadowsel::ne;

hw::MachineParams machine(uint32_t cpus) {
  hw::MachineParams p;
  p.cpus = cpus;
  return p;
}

hw::CoreFactory fakes(std::vector<FakeCore*>* out = nullptr) {
  return [out](uint32_t) {
    auto c = std::make_unique<FakeCore>();
    if (out) out->push_back(c.get());
    return c;
  };
}

uint32_t record_object(hw::Node& n, uint64_t addr) {
  uint8_t r[gen::ne::kRecordBytes];
  n.memory().read(addr, r);
  return static_cast<uint32_t>(gen::ne::ready_record::get_object(r));
}

TEST(NotifyEngineWrapper, MmioStallsTheCallerUntilTheResponse) {
  EngineHarness h(machine(2), fakes());
  uint32_t id = 0, back = 0;
  uint64_t read_cycles = 0, write_cycles = 0;
  h.cpu([&] {
    sc_core::wait(hw::cycles(100));
    uint64_t t = now_cycles();
    id = h.engine(0).mmio_read(0x000);
    read_cycles = now_cycles() - t;
    t = now_cycles();
    h.engine(0).mmio_write(0x004, 5);
    write_cycles = now_cycles() - t;
    back = h.engine(0).mmio_read(0x004);
  });
  sc_core::sc_start();
  EXPECT_EQ(id, gen::ne::kIdReset);
  EXPECT_EQ(back, 5u);
  // Presented and taken in the caller's cycle, answered in the next, the CPU goes on in
  // the one after.
  EXPECT_EQ(read_cycles, 2u);
  EXPECT_EQ(write_cycles, 2u);
  const auto& c = h.engine(0).counters();
  EXPECT_EQ(c.mmio_reads, 2u);
  EXPECT_EQ(c.mmio_writes, 1u);
  EXPECT_EQ(c.mmio_stall_cycles, 6u);
  EXPECT_EQ(h.engine(1).counters().mmio_reads, 0u);
}

TEST(NotifyEngineWrapper, MulticastGoesToTheEnginesNotTheKernelsAndLandsInMemory) {
  EngineHarness h(machine(3), fakes());
  const std::string trace = testing::TempDir() + "ne_wrap_trace.json";
  h.rec.open_trace(trace);
  const uint64_t ring = 0x2000;
  uint64_t irq_at[3] = {0, 0, 0};
  bool lowered[3] = {false, false, false};
  for (uint32_t n : {1u, 2u}) {
    h.cpu([&, n] {
      h.engine(n).mmio_write(0x040, ring);
      h.engine(n).mmio_write(0x054, 1);
      h.wait_irq(n);
      irq_at[n] = now_cycles();
      h.engine(n).mmio_write(0x050, 1);  // acknowledge: the line falls
      lowered[n] = !h.node(n).irq().is_pending(hw::IrqLine::kNotifyEngine);
    });
  }
  h.cpu([&] {
    sc_core::wait(hw::cycles(50));
    h.engine(0).mmio_write(0x068, 0b110);
    h.engine(0).mmio_write(0x014, 42);
    h.engine(0).mmio_write(0x030, 1);
  });
  sc_core::sc_start();
  for (uint32_t n : {1u, 2u}) {
    EXPECT_GT(irq_at[n], 50u);
    EXPECT_TRUE(lowered[n]);
    EXPECT_EQ(record_object(h.node(n), ring), 42u);
    EXPECT_TRUE(h.node(n).biu().rx_empty());  // nothing for the kernel
    EXPECT_FALSE(h.node(n).irq().is_pending(hw::IrqLine::kBusRx));
    EXPECT_EQ(h.engine(n).counters().rx_packets, 1u);
    EXPECT_EQ(h.engine(n).counters().dma_writes, 1u);
    EXPECT_EQ(h.engine(n).counters().irq_raised, 1u);
    EXPECT_EQ(h.node(n).biu().counters().rx_engine_packets, 1u);
  }
  EXPECT_EQ(h.engine(0).counters().tx_packets, 1u);
  const auto& x = h.platform->bus().counters(0);
  const auto& y = h.platform->bus().counters(1);
  const auto nn = static_cast<uint8_t>(ipb::PacketType::kNeNotify);
  EXPECT_EQ(x.by_type[nn] + y.by_type[nn], 1u);  // one multicast transfer

  // The timeline has an engine track per CPU with its packets, records and interrupts.
  h.rec.close_trace();
  EXPECT_EQ(shadowsel::test::check_trace(trace), "");
  std::ifstream in(trace);
  const auto doc = nlohmann::json::parse(in);
  std::map<std::string, int> engine_events;
  int tracks = 0;
  for (const auto& e : doc["traceEvents"]) {
    if (e["ph"] == "M" && e.contains("args") && e["args"].value("name", "") == "notify engine") ++tracks;
    if (e.value("tid", 0) == 1'000'000 && e["ph"] != "M") ++engine_events[e["name"].get<std::string>()];
  }
  EXPECT_EQ(tracks, 3);
  EXPECT_EQ(engine_events["tx"], 1);
  EXPECT_EQ(engine_events["rx"], 2);
  EXPECT_EQ(engine_events["record"], 2);
  EXPECT_EQ(engine_events["irq raised"], 2);
  EXPECT_EQ(engine_events["irq lowered"], 2);
  EXPECT_GE(engine_events["clocked"], 3);
}

TEST(NotifyEngineWrapper, ASlowEngineRefusesFramesAndNothingIsLost) {
  hw::MachineParams p = machine(2);
  p.bus.rx_buffer_packets = 2;
  EngineHarness h(p, fakes());
  const uint64_t ring = 0x4000;
  h.cpu([&] {
    h.engine(1).mmio_write(0x040, ring);
    h.engine(1).mmio_write(0x008, 2);  // rx_ready low
    sc_core::wait(hw::cycles(2000));
    h.engine(1).mmio_write(0x008, 0);
  });
  h.cpu([&] {
    sc_core::wait(hw::cycles(10));
    h.engine(0).mmio_write(0x068, 0b10);
    h.engine(0).mmio_write(0x014, 100);
    h.engine(0).mmio_write(0x030, FakeCore::kBurst);
  });
  sc_core::sc_start();
  for (uint32_t i = 0; i < FakeCore::kBurstPackets; ++i) {
    EXPECT_EQ(record_object(h.node(1), ring + gen::ne::kRecordBytes * i), 100 + i) << i;
  }
  const auto& b1 = h.node(1).biu().counters();
  EXPECT_GT(b1.rx_engine_refused, 0u);
  EXPECT_EQ(b1.rx_engine_packets, FakeCore::kBurstPackets);
  EXPECT_EQ(b1.rx_seq_errors, 0u);
  EXPECT_GT(h.node(0).biu().counters().tx_retries, 0u);
  // More packets than one transmit window: the engine was held back, not queued without bound.
  EXPECT_GT(h.engine(0).counters().tx_stall_cycles, 0u);
  EXPECT_EQ(h.engine(0).counters().tx_packets, FakeCore::kBurstPackets);
  EXPECT_EQ(h.node(0).biu().engine_tx_outstanding(), 0u);
  EXPECT_TRUE(h.node(0).biu().tx_done_empty());  // engine completions are not the kernel's
}

TEST(NotifyEngineWrapper, ATimerWakesTheEngineAtItsDeadlineOnly) {
  EngineHarness h(machine(2), fakes());
  h.cpu([&] {
    h.engine(0).mmio_write(0x068, 0b10);
    h.engine(0).mmio_write(0x060, 10000);  // an ALIVE every 10000 cycles
  });
  sc_core::sc_start(hw::cycles(1'000'000));
  const auto& c = h.engine(0).counters();
  EXPECT_GE(c.tx_packets, 99u);
  EXPECT_LE(c.tx_packets, 100u);
  // A few cycles per period, not a million.
  EXPECT_LT(c.cycles_clocked, 10 * c.tx_packets + 20);
  EXPECT_EQ(h.engine(1).counters().rx_packets, c.tx_packets);
}

// A fake core whose register reads come back with bit 0 flipped: in lockstep with a
// correct one, the first read is a mismatch.
class FlippingCore : public FakeCore {
 public:
  const ne::Outputs& cycle(const ne::Inputs& in) override {
    out_ = FakeCore::cycle(in);
    if (out_.mmio_rsp_valid) out_.mmio_rsp_rdata ^= 1;
    return out_;
  }

 private:
  ne::Outputs out_;
};

TEST(NotifyEngineWrapper, ALockstepMismatchStopsTheRunWithItsReport) {
  tb::Scenario s;
  s.machine.cpus = 2;
  s.notify = tb::NotifyPath::kLockstep;
  s.workload.kind = "none";
  drv::NeDriver::default_options().attach = false;  // only the probe touches the engines
  tb::Simulation sim(s, [](uint32_t) {
    return ne::make_lockstep(std::make_unique<FakeCore>(), std::make_unique<FlippingCore>());
  });
  uint32_t reads_done = 0;
  sim.kernel(1).spawn("probe", [&](drv::Process&) {
    sim.engine(1)->mmio_read(0x004);
    ++reads_done;
  });
  const tb::RunResult r = sim.run(1'000'000);
  EXPECT_EQ(r.end, tb::RunResult::End::kLockstepMismatch) << r.detail;
  EXPECT_NE(r.detail.find("cpu 1 notify engine"), std::string::npos) << r.detail;
  EXPECT_NE(r.detail.find("lockstep mismatch"), std::string::npos) << r.detail;
  EXPECT_NE(r.detail.find("mmio_rsp_rdata"), std::string::npos) << r.detail;
  EXPECT_EQ(reads_done, 0u);  // the run stopped before the CPU saw the value
  EXPECT_LT(r.cycles, 1000u);
  EXPECT_FALSE(sim.engine(1)->mismatch().empty());
  EXPECT_TRUE(sim.engine(0)->mismatch().empty());
}

// Idle time costs nothing: an engine idle for 10^9 cycles is clocked and resumed exactly
// as often as one idle for 10^3.
struct IdleFigures {
  uint64_t clocked, activations, deltas;
  double wall_s;
};

IdleFigures idle_engines(uint64_t gap) {
  const std::string out = run_in_child([gap] {
    EngineHarness h(machine(2), fakes());
    h.cpu([&] {
      h.engine(0).mmio_write(0x068, 0b10);
      h.engine(0).mmio_write(0x030, 1);
      sc_core::wait(hw::cycles(gap));
      h.engine(0).mmio_write(0x030, 1);
    });
    const auto t0 = std::chrono::steady_clock::now();
    sc_core::sc_start();
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::ostringstream o;
    const auto& a = h.engine(0).counters();
    const auto& b = h.engine(1).counters();
    o << a.cycles_clocked + b.cycles_clocked << " " << a.activations + b.activations << " "
      << sc_core::sc_delta_count() << " " << wall;
    return o.str();
  });
  std::istringstream in(out);
  IdleFigures f{};
  in >> f.clocked >> f.activations >> f.deltas >> f.wall_s;
  return f;
}

TEST(NotifyEngineWrapper, ABillionIdleCyclesCostNoMoreThanAThousand) {
  const IdleFigures shortgap = idle_engines(1000);
  const IdleFigures longgap = idle_engines(1'000'000'000);
  EXPECT_EQ(longgap.clocked, shortgap.clocked);
  EXPECT_EQ(longgap.activations, shortgap.activations);
  EXPECT_EQ(longgap.deltas, shortgap.deltas);
  EXPECT_LT(longgap.activations, 100u);
  EXPECT_LT(longgap.wall_s, 0.5);
}

}  // namespace
}  // namespace shadowsel::test
