// SPDX-License-Identifier: MIT
// Verilator testbench of ne_top (the notify engine, docs/notify-engine.md): directed tests
// of every behaviour of the contract and constrained-random runs, all checked cycle by
// cycle by the reference model (ne_model.h) besides each test's own expectations.
//
//   ne_tb                                   GoogleTest: all tests (ctest rtl.ne_verilator)
//   ne_tb --gen-stim FILE [--seed S] [--cycles N] [--density D]
//                                           one random run (D: traffic rate, 1 dense), recorded
//                                           as a stimulus file, checked by the model
//   ne_tb --replay FILE [--core rtl|twin]   replays a stimulus file on ne::make_rtl (the
//                                           Verilated RTL the machine runs, default) or
//                                           ne::make_twin, checks every output and prints
//                                           the speed (Icarus: tests/rtl/ne_tb.sv)
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

#include "ne_harness.h"
#include "shadowsel/gen/ipb.h"
#include "shadowsel/gen/ne.h"
#include "shadowsel/ne/payloads.h"
#include "ne/hash.h"  // hw/src: table_hash, the slot of a key in every table

namespace ne = shadowsel::gen::ne;
namespace ipb = shadowsel::gen::ipb;
using namespace ne_tb;

namespace {

constexpr uint8_t kSelf = 5;  // NODE_ID in the directed tests
constexpr uint32_t kRingBase = 0x8000;

uint8_t u8(ipb::PacketType t) { return static_cast<uint8_t>(t); }
uint8_t u8(ne::RecordKind k) { return static_cast<uint8_t>(k); }
uint32_t u32(ne::ArmResult r) { return static_cast<uint32_t>(r); }
uint32_t u32(ne::Cmd c) { return static_cast<uint32_t>(c); }
uint64_t bit(int n) { return uint64_t{1} << n; }

// The owner's stamp of a directed test's packet: any value, different per object.
uint32_t test_stamp(uint32_t object) { return 0x5eed0000u ^ object; }

unsigned clog2(uint32_t n) {
  unsigned w = 0;
  while ((uint32_t{1} << w) < n) ++w;
  return w;
}

// The interest table's slot of a key (object, event, version) and the readiness table's of
// an object: the tables are direct-mapped, so tests that fill them pick colliding keys.
uint32_t rit_slot(uint32_t object, uint8_t event, uint32_t version) {
  return shadowsel::ne::table_hash(object, event, version, 0, clog2(kTbRitEntries));
}
uint32_t rdt_slot(uint32_t object) { return shadowsel::ne::table_hash(object, 0, 0, 0, clog2(ne::kRdtEntries)); }

// The first n objects from `from` up (event 0, version 0) whose interest slot is `slot`.
std::vector<uint32_t> rit_colliding(uint32_t from, uint32_t slot, size_t n) {
  std::vector<uint32_t> r;
  for (uint32_t o = from; r.size() < n; ++o)
    if (rit_slot(o, 0, 0) == slot) r.push_back(o);
  return r;
}
std::vector<uint32_t> rdt_colliding(uint32_t from, uint32_t slot, size_t n) {
  std::vector<uint32_t> r;
  for (uint32_t o = from; r.size() < n; ++o)
    if (rdt_slot(o) == slot) r.push_back(o);
  return r;
}

RxPkt ntf_pkt(uint8_t src, uint32_t object, uint8_t event, uint32_t version, uint8_t state,
              ipb::NeNotifyKind kind, bool ready, uint32_t stamp) {
  RxPkt p;
  p.type = u8(ipb::PacketType::kNeNotify);
  p.src = src;
  p.len = ipb::ne_notify::kBytes;
  p.payload = shadowsel::ne::notify_payload(object, event, version, state, kind, ready, stamp);
  return p;
}

RxPkt sub_pkt(uint8_t src, uint32_t object, uint8_t event, uint32_t version) {
  RxPkt p;
  p.type = u8(ipb::PacketType::kNeSubscribe);
  p.src = src;
  p.len = ipb::ne_subscribe::kBytes;
  p.payload = shadowsel::ne::subscribe_payload(object, event, version);
  return p;
}

RxPkt alive_pkt(uint8_t src) {
  RxPkt p;
  p.type = u8(ipb::PacketType::kAlive);
  p.src = src;
  return p;
}

// A decoded ready record.
struct Record {
  uint8_t kind, src, event, state;
  uint32_t object, version, seq;
  bool ready;
};
Record rec(const DmaWrite& d) {
  namespace rr = ne::ready_record;
  const uint8_t* b = d.data.data();
  return {static_cast<uint8_t>(rr::get_kind(b)),     static_cast<uint8_t>(rr::get_src(b)),
          static_cast<uint8_t>(rr::get_event(b)),    static_cast<uint8_t>(rr::get_state(b)),
          static_cast<uint32_t>(rr::get_object(b)),  static_cast<uint32_t>(rr::get_version(b)),
          static_cast<uint32_t>(rr::get_seq(b)),     rr::get_ready(b) != 0};
}

// Directed-test fixture: an enabled engine, node kSelf, a 16-record ring, all causes enabled.
class Engine : public ::testing::Test {
 protected:
  void SetUp() override {
    h.write(ne::kRegNodeId, kSelf);
    h.write(ne::kRegRingBase, kRingBase);
    h.write(ne::kRegRingSize, 16);
    h.write(ne::kRegIrqEnable, ne::IrqCause::kAll);
    h.write(ne::kRegCtrl, ne::kCtrlEnableMask);
    ASSERT_TRUE(h.ok()) << h.error();
  }
  void TearDown() override {
    // drain, then every counter and status read is checked by the model
    h.set_tx_ready(true);
    h.set_dma_ready(true);
    h.wait_idle();
    for (const auto& r : ne::kAllRegs) h.read(r.offset);
    EXPECT_TRUE(h.model().quiescent());
    EXPECT_TRUE(h.ok()) << h.error();
  }
  void key(uint8_t owner, uint32_t object, uint8_t event, uint32_t version) {
    h.write(ne::kRegKeyOwner, owner);
    h.write(ne::kRegKeyObject, object);
    h.write(ne::kRegKeyEvent, event);
    h.write(ne::kRegKeyVersion, version);
  }
  // ARM the key; returns ARM_RESULT once the command has finished.
  uint32_t arm(uint8_t owner, uint32_t object, uint8_t event, uint32_t version) {
    key(owner, object, event, version);
    h.write(ne::kRegCmd, u32(ne::Cmd::kArm));
    wait_not_busy();
    return h.read(ne::kRegArmResult);
  }
  void answer(uint32_t object, uint8_t event, uint32_t version, uint8_t dst, uint8_t state, bool ready) {
    key(kSelf, object, event, version);
    h.write(ne::kRegAnsDst, dst);
    h.write(ne::kRegAnsState, state);
    h.write(ne::kRegAnsReady, ready);
    h.write(ne::kRegStamp, test_stamp(object));
    h.write(ne::kRegCmd, u32(ne::Cmd::kAnswer));
    wait_not_busy();
  }
  void notify(uint32_t object, uint8_t event, uint32_t version, uint8_t state) {
    key(kSelf, object, event, version);
    h.write(ne::kRegAnsState, state);
    h.write(ne::kRegStamp, test_stamp(object));
    h.write(ne::kRegCmd, u32(ne::Cmd::kNotify));
    wait_not_busy();
  }
  // PUBLISH: state s (same version) / d (other versions), ready bits per event
  void publish(uint32_t object, uint32_t version, uint8_t s, uint8_t d, uint32_t ready_same, uint32_t ready_diff) {
    key(kSelf, object, 0, version);
    h.write(ne::kRegRdyState, ne::set_rdy_state_ready_diff(
                                  ne::set_rdy_state_ready_same(
                                      ne::set_rdy_state_state_diff(ne::set_rdy_state_state_same(0, s), d), ready_same),
                                  ready_diff));
    h.write(ne::kRegStamp, test_stamp(object));
    h.write(ne::kRegCmd, u32(ne::Cmd::kPublish));
    wait_not_busy();
  }
  void wait_not_busy() {
    for (int i = 0; i < 1000 && (h.read(ne::kRegStatus) & ne::Status::kBusy); ++i) {}
  }
  // Waits until n DMA writes have been seen.
  void wait_records(size_t n) {
    EXPECT_TRUE(h.run_until([&] { return h.dma_log.size() >= n; }, 5000)) << "records: " << h.dma_log.size();
  }
  size_t count_tx(uint8_t type) const {
    size_t n = 0;
    for (const auto& p : h.tx_log) n += p.type == type;
    return n;
  }

  Harness h;
};

// ---------------------------------------------------------------------------------------
// Registers

TEST_F(Engine, RegistersResetValuesAndReadBack) {
  Harness fresh;
  for (const auto& r : ne::kAllRegs) {
    if (r.offset == ne::kRegStatus) continue;
    EXPECT_EQ(fresh.read(r.offset), r.reset) << r.name;
  }
  // read-write registers keep what is written (within their fields); others ignore writes
  for (const auto& r : ne::kAllRegs) fresh.write(r.offset, 0xffffffffu);
  EXPECT_EQ(fresh.read(ne::kRegId), ne::kIdReset);
  EXPECT_EQ(fresh.read(ne::kRegKeyObject), 0xffffffffu);
  EXPECT_EQ(fresh.read(ne::kRegRingSize), ne::kRingSizeRecordsMask);
  EXPECT_EQ(fresh.read(ne::kRegCoalesceCount), ne::kCoalesceCountCountMask);
  EXPECT_EQ(fresh.read(ne::kRegRingHead), 0u);
  EXPECT_EQ(fresh.read(ne::kRegSubscribesSent), 0u);
  EXPECT_EQ(fresh.read(0xffc), 0u);  // unmapped
  EXPECT_TRUE(fresh.ok()) << fresh.error();
}

// ---------------------------------------------------------------------------------------
// Local interest table

TEST_F(Engine, ArmSendsOneSubscribeToTheOwner) {
  EXPECT_EQ(arm(3, 0x1234, 0, 7), u32(ne::ArmResult::kSent));
  ASSERT_EQ(h.tx_log.size(), 1u);
  const TxPkt& p = h.tx_log[0];
  EXPECT_EQ(p.type, u8(ipb::PacketType::kNeSubscribe));
  EXPECT_EQ(p.mask, bit(3));
  EXPECT_EQ(p.len, ipb::ne_subscribe::kBytes);
  EXPECT_EQ(ipb::ne_subscribe::get_object(p.payload.data()), 0x1234u);
  EXPECT_EQ(ipb::ne_subscribe::get_version(p.payload.data()), 7u);
  EXPECT_EQ(ipb::ne_subscribe::get_event(p.payload.data()), 0u);
  EXPECT_EQ(h.read(ne::kRegSubscribesSent), 1u);
}

TEST_F(Engine, CancelForgetsTheEntrySoTheNextArmAsksAgain) {
  EXPECT_EQ(arm(3, 0x1234, 0, 7), u32(ne::ArmResult::kSent));
  h.send(ntf_pkt(3, 0x1234, 0, 7, 0x00, ipb::NeNotifyKind::kAnswer, false, test_stamp(0x1234)));  // SUBSCRIBED
  wait_records(1);
  key(3, 0x1234, 0, 7);
  h.write(ne::kRegCmd, u32(ne::Cmd::kCancel));
  wait_not_busy();
  EXPECT_EQ(h.read(ne::kRegArmResult), u32(ne::ArmResult::kSent));  // left as it was
  // the owner is told, with the key's payload, so that its interest does not go stale
  ASSERT_EQ(h.tx_log.size(), 2u);
  EXPECT_EQ(h.tx_log[1].type, u8(ipb::PacketType::kNeUnsubscribe));
  EXPECT_EQ(h.tx_log[1].mask, bit(3));
  EXPECT_EQ(h.tx_log[1].len, ipb::ne_subscribe::kBytes);
  EXPECT_EQ(ipb::ne_subscribe::get_object(h.tx_log[1].payload.data()), 0x1234u);
  EXPECT_EQ(ipb::ne_subscribe::get_version(h.tx_log[1].payload.data()), 7u);
  EXPECT_EQ(arm(3, 0x1234, 0, 7), u32(ne::ArmResult::kSent));  // asks the owner again
  EXPECT_EQ(h.tx_log.size(), 3u);
  key(3, 0x1234, 0, 7);
  h.write(ne::kRegCmd, u32(ne::Cmd::kCancel));  // in flight: forgotten too, the owner told
  wait_not_busy();
  EXPECT_EQ(count_tx(u8(ipb::PacketType::kNeUnsubscribe)), 2u);
  key(3, 0x1234, 0, 7);
  h.write(ne::kRegCmd, u32(ne::Cmd::kCancel));  // nothing held: nothing sent
  wait_not_busy();
  EXPECT_EQ(h.tx_log.size(), 4u);
  h.send(ntf_pkt(3, 0x1234, 0, 7, 0x01, ipb::NeNotifyKind::kAnswer, true, test_stamp(0x1234)));  // stray
  wait_records(2);
  EXPECT_EQ(h.read(ne::kRegStray), 1u);
  EXPECT_EQ(h.read(ne::kRegSuppressed), 0u);
}

// A persistent key (WATCH_FLAG) stays SUBSCRIBED through its NOTIFYs, each one a record
// with the new state, until CANCEL, which tells the owner.
TEST_F(Engine, WatchKeepsItsEntryAcrossNotifiesUntilCancel) {
  const uint8_t kW = ne::kWatchFlag;
  EXPECT_EQ(arm(3, 0x77, kW, 2), u32(ne::ArmResult::kSent));
  EXPECT_EQ(ipb::ne_subscribe::get_event(h.tx_log[0].payload.data()), kW);
  h.send(ntf_pkt(3, 0x77, kW, 2, 0x01, ipb::NeNotifyKind::kAnswer, false, test_stamp(0x77)));
  for (uint8_t s = 2; s < 5; ++s)
    h.send(ntf_pkt(3, 0x77, kW, 2, s, ipb::NeNotifyKind::kNotify, true, test_stamp(0x77)));
  wait_records(4);
  for (size_t i = 1; i < 4; ++i) {
    EXPECT_EQ(rec(h.dma_log[i]).kind, u8(ne::RecordKind::kNotify));
    EXPECT_EQ(rec(h.dma_log[i]).state, i + 1);
    EXPECT_EQ(rec(h.dma_log[i]).event, kW);
  }
  EXPECT_EQ(h.read(ne::kRegStray), 0u);
  // still held, with the last state: a second ARM is answered at once, nothing sent
  EXPECT_EQ(arm(3, 0x77, kW, 2), u32(ne::ArmResult::kSuppressedSubscribed));
  wait_records(5);
  EXPECT_EQ(rec(h.dma_log[4]).state, 4u);
  // the one-shot key of the same pipe and event is another entry
  EXPECT_EQ(arm(3, 0x77, 0, 2), u32(ne::ArmResult::kSent));
  key(3, 0x77, kW, 2);
  h.write(ne::kRegCmd, u32(ne::Cmd::kCancel));
  wait_not_busy();
  ASSERT_EQ(h.tx_log.size(), 3u);
  EXPECT_EQ(h.tx_log[2].type, u8(ipb::PacketType::kNeUnsubscribe));
  EXPECT_EQ(ipb::ne_subscribe::get_event(h.tx_log[2].payload.data()), kW);
  h.send(ntf_pkt(3, 0x77, kW, 2, 0x05, ipb::NeNotifyKind::kNotify, true, test_stamp(0x77)));
  wait_records(6);
  EXPECT_EQ(h.read(ne::kRegStray), 1u);
  // an answer with ready 1 (the owner could not keep the watch) frees it
  EXPECT_EQ(arm(3, 0x78, kW, 2), u32(ne::ArmResult::kSent));
  h.send(ntf_pkt(3, 0x78, kW, 2, 0x00, ipb::NeNotifyKind::kAnswer, true, test_stamp(0x78)));
  wait_records(7);
  EXPECT_EQ(arm(3, 0x78, kW, 2), u32(ne::ArmResult::kSent));
}

TEST_F(Engine, RearmWhileInFlightIsSuppressed) {
  EXPECT_EQ(arm(3, 0x1234, 1, 7), u32(ne::ArmResult::kSent));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(arm(3, 0x1234, 1, 7), u32(ne::ArmResult::kSuppressedInFlight));
  EXPECT_EQ(count_tx(u8(ipb::PacketType::kNeSubscribe)), 1u);
  EXPECT_EQ(h.read(ne::kRegSuppressed), 5u);
  // a different version or event is a different key
  EXPECT_EQ(arm(3, 0x1234, 1, 8), u32(ne::ArmResult::kSent));
  EXPECT_EQ(arm(3, 0x1234, 0, 7), u32(ne::ArmResult::kSent));
  EXPECT_EQ(count_tx(u8(ipb::PacketType::kNeSubscribe)), 3u);
}

TEST_F(Engine, AnswerNotReadyThenArmIsAnsweredAtOnce) {
  EXPECT_EQ(arm(3, 0x40, 0, 1), u32(ne::ArmResult::kSent));
  h.send(ntf_pkt(3, 0x40, 0, 1, 0x10, ipb::NeNotifyKind::kAnswer, false, test_stamp(0x40)));
  wait_records(1);
  Record r = rec(h.dma_log[0]);
  EXPECT_EQ(h.dma_log[0].addr, kRingBase);
  EXPECT_EQ(h.dma_log[0].bytes, ne::kRecordBytes);
  EXPECT_EQ(r.kind, u8(ne::RecordKind::kAnswer));
  EXPECT_EQ(r.src, 3);
  EXPECT_EQ(r.object, 0x40u);
  EXPECT_EQ(r.version, 1u);
  EXPECT_EQ(r.state, 0x10);
  EXPECT_FALSE(r.ready);
  EXPECT_EQ(r.seq, 0u);
  // SUBSCRIBED: nothing sent, an ANSWER record with the last state at once
  EXPECT_EQ(arm(3, 0x40, 0, 1), u32(ne::ArmResult::kSuppressedSubscribed));
  wait_records(2);
  r = rec(h.dma_log[1]);
  EXPECT_EQ(h.dma_log[1].addr, kRingBase + ne::kRecordBytes);
  EXPECT_EQ(r.kind, u8(ne::RecordKind::kAnswer));
  EXPECT_EQ(r.state, 0x10);
  EXPECT_FALSE(r.ready);
  EXPECT_EQ(r.seq, 1u);
  EXPECT_EQ(count_tx(u8(ipb::PacketType::kNeSubscribe)), 1u);
}

TEST_F(Engine, NotifyFreesTheEntry) {
  arm(9, 0x77, 1, 0);
  h.send(ntf_pkt(9, 0x77, 1, 0, 0, ipb::NeNotifyKind::kAnswer, false, test_stamp(0x77)));
  h.send(ntf_pkt(9, 0x77, 1, 0, 0x02, ipb::NeNotifyKind::kNotify, true, test_stamp(0x77)));
  wait_records(2);
  const Record r = rec(h.dma_log[1]);
  EXPECT_EQ(r.kind, u8(ne::RecordKind::kNotify));
  EXPECT_EQ(r.state, 0x02);
  EXPECT_TRUE(r.ready);
  EXPECT_EQ(h.read(ne::kRegStray), 0u);
  EXPECT_EQ(arm(9, 0x77, 1, 0), u32(ne::ArmResult::kSent));  // freed: asks again
  EXPECT_EQ(count_tx(u8(ipb::PacketType::kNeSubscribe)), 2u);
}

TEST_F(Engine, AnswerReadyFreesTheEntry) {
  arm(9, 0x78, 0, 0);
  h.send(ntf_pkt(9, 0x78, 0, 0, 0x01, ipb::NeNotifyKind::kAnswer, true, test_stamp(0x78)));
  wait_records(1);
  EXPECT_TRUE(rec(h.dma_log[0]).ready);
  EXPECT_EQ(arm(9, 0x78, 0, 0), u32(ne::ArmResult::kSent));
}

TEST_F(Engine, StrayPacketsGiveRecordsAndCount) {
  h.send(ntf_pkt(4, 0x99, 0, 0, 0x08, ipb::NeNotifyKind::kNotify, true, test_stamp(0x99)));
  h.send(ntf_pkt(4, 0x99, 1, 0, 0x01, ipb::NeNotifyKind::kAnswer, false, test_stamp(0x99)));
  wait_records(2);
  EXPECT_EQ(rec(h.dma_log[0]).kind, u8(ne::RecordKind::kNotify));
  EXPECT_EQ(rec(h.dma_log[1]).kind, u8(ne::RecordKind::kAnswer));
  EXPECT_FALSE(rec(h.dma_log[1]).ready);
  EXPECT_EQ(h.read(ne::kRegStray), 2u);
  // a stray ANSWER does not create an entry
  EXPECT_EQ(arm(4, 0x99, 1, 0), u32(ne::ArmResult::kSent));
}

// The slot of a requesting key in ne_lit (as ne_hash: node = owner).
uint32_t lit_slot(uint8_t owner, uint32_t object, uint8_t event, uint32_t version) {
  unsigned bits = 0;
  while ((1u << bits) < kTbLitEntries) ++bits;
  return shadowsel::ne::table_hash(object, event, version, owner, bits);
}
// n objects from `from` on whose keys (owner, object, event 0, version 0) share `slot`.
std::vector<uint32_t> colliding(uint8_t owner, uint32_t slot, size_t n, uint32_t from = 0x500) {
  std::vector<uint32_t> v;
  for (uint32_t o = from; v.size() < n; ++o)
    if (lit_slot(owner, o, 0, 0) == slot) v.push_back(o);
  return v;
}

TEST_F(Engine, TableFullOnlyWhenTheSlotAndEveryVictimAreTaken) {
  constexpr uint32_t kV = ne::kLitVictims;
  const uint32_t slot = lit_slot(2, 0x500, 0, 0);
  const std::vector<uint32_t> k = colliding(2, slot, kV + 3);  // k[0] takes the slot, then kV victims
  for (uint32_t i = 0; i <= kV; ++i) EXPECT_EQ(arm(2, k[i], 0, 0), u32(ne::ArmResult::kSent)) << i;
  EXPECT_FALSE(h.read(ne::kRegStatus) & ne::Status::kLitFull);
  EXPECT_EQ(arm(2, k[kV + 1], 0, 0), u32(ne::ArmResult::kFull));
  EXPECT_EQ(count_tx(u8(ipb::PacketType::kNeSubscribe)), kV + 1);
  EXPECT_TRUE(h.read(ne::kRegStatus) & ne::Status::kLitFull);
  EXPECT_EQ(h.read(ne::kRegLitFullCount), 1u);
  h.write(ne::kRegStatus, ne::Status::kLitFull);
  EXPECT_FALSE(h.read(ne::kRegStatus) & ne::Status::kLitFull);
  // FULL is per slot: a key of another, free slot is still sent
  uint32_t other = 0x500;
  while (lit_slot(2, other, 0, 0) == slot) ++other;
  EXPECT_EQ(arm(2, other, 0, 0), u32(ne::ArmResult::kSent));
  // the keys in the victims are found: suppressed, and settled by their answer
  for (uint32_t i = 1; i <= kV; ++i) EXPECT_EQ(arm(2, k[i], 0, 0), u32(ne::ArmResult::kSuppressedInFlight)) << i;
  h.send(ntf_pkt(2, k[kV], 0, 0, 0x2a, ipb::NeNotifyKind::kAnswer, false, test_stamp(k[kV])));
  wait_records(1);
  EXPECT_EQ(arm(2, k[kV], 0, 0), u32(ne::ArmResult::kSuppressedSubscribed));
  wait_records(2);
  EXPECT_EQ(rec(h.dma_log[1]).object, k[kV]);
  EXPECT_EQ(rec(h.dma_log[1]).state, 0x2a);
  // freeing the slot's key makes room in the slot (the victims stay where they are)
  h.send(ntf_pkt(2, k[0], 0, 0, 0, ipb::NeNotifyKind::kNotify, true, test_stamp(k[0])));
  EXPECT_EQ(arm(2, k[kV + 1], 0, 0), u32(ne::ArmResult::kSent));
  EXPECT_EQ(arm(2, k[kV + 2], 0, 0), u32(ne::ArmResult::kFull));
  // freeing a victim makes room for one more
  h.send(ntf_pkt(2, k[1], 0, 0, 0, ipb::NeNotifyKind::kNotify, true, test_stamp(k[1])));
  EXPECT_EQ(arm(2, k[kV + 2], 0, 0), u32(ne::ArmResult::kSent));
  EXPECT_EQ(arm(2, k[0], 0, 0), u32(ne::ArmResult::kFull));
  EXPECT_EQ(h.read(ne::kRegLitFullCount), 3u);
}

TEST_F(Engine, TableHoldsOneKeyPerSlotAndTheVictims) {
  // one key for every slot, then kLitVictims more: all sent; one more key is FULL
  std::vector<bool> used(kTbLitEntries);
  uint32_t sent = 0, o = 0x500;
  for (; sent < kTbLitEntries; ++o) {
    const uint32_t s = lit_slot(2, o, 0, 0);
    if (used[s]) continue;
    used[s] = true;
    EXPECT_EQ(arm(2, o, 0, 0), u32(ne::ArmResult::kSent)) << o;
    ++sent;
  }
  for (uint32_t i = 0; i < ne::kLitVictims; ++i, ++o) EXPECT_EQ(arm(2, o, 0, 0), u32(ne::ArmResult::kSent)) << o;
  EXPECT_EQ(arm(2, o, 0, 0), u32(ne::ArmResult::kFull));
  EXPECT_EQ(count_tx(u8(ipb::PacketType::kNeSubscribe)), kTbLitEntries + ne::kLitVictims);
  // CANCEL of a victim's key makes room
  key(2, o - 1, 0, 0);
  h.write(ne::kRegCmd, u32(ne::Cmd::kCancel));
  wait_not_busy();
  EXPECT_EQ(arm(2, o, 0, 0), u32(ne::ArmResult::kSent));
}

TEST_F(Engine, NoSecondSubscribeWhileOutstanding) {
  // the key is re-armed while unrelated packets, answers for it and tx backpressure interleave
  std::mt19937 rng(7);
  h.set_tx_ready(false);
  key(1, 0xabc, 0, 3);
  h.write(ne::kRegCmd, u32(ne::Cmd::kArm));
  for (int i = 0; i < 20; ++i) {
    h.rx(ntf_pkt(1, 0xabd + i, 0, 3, 0, ipb::NeNotifyKind::kAnswer, false, test_stamp(0xabd + i)));  // strays
    h.mmio(true, ne::kRegCmd, u32(ne::Cmd::kArm));
    if (i == 10) h.set_tx_ready(true);
    h.run(rng() % 8);
  }
  h.wait_idle();
  EXPECT_EQ(count_tx(u8(ipb::PacketType::kNeSubscribe)), 1u);
  EXPECT_EQ(h.read(ne::kRegSuppressed), 20u);
  h.send(ntf_pkt(1, 0xabc, 0, 3, 0, ipb::NeNotifyKind::kAnswer, true, test_stamp(0xabc)));
  EXPECT_EQ(arm(1, 0xabc, 0, 3), u32(ne::ArmResult::kSent));
  EXPECT_EQ(count_tx(u8(ipb::PacketType::kNeSubscribe)), 2u);
}

// ---------------------------------------------------------------------------------------
// Remote interest table

TEST_F(Engine, AnswerThenNotifyMulticastsToExactlyTheMask) {
  answer(0x10, 0, 2, 3, 0x00, false);
  answer(0x10, 0, 2, 9, 0x00, false);
  answer(0x10, 0, 2, 9, 0x00, false);   // same node again
  answer(0x10, 0, 2, 40, 0x01, true);   // ready: not remembered
  answer(0x10, 1, 2, 12, 0x00, false);  // other event: other entry
  ASSERT_EQ(h.tx_log.size(), 5u);
  for (const TxPkt& p : h.tx_log) {
    EXPECT_EQ(p.type, u8(ipb::PacketType::kNeNotify));
    EXPECT_EQ(ipb::ne_notify::get_kind(p.payload.data()), static_cast<uint8_t>(ipb::NeNotifyKind::kAnswer));
  }
  EXPECT_EQ(h.tx_log[0].mask, bit(3));
  EXPECT_EQ(h.tx_log[3].mask, bit(40));
  EXPECT_EQ(ipb::ne_notify::get_ready(h.tx_log[3].payload.data()), 1u);
  notify(0x10, 0, 2, 0x05);
  ASSERT_EQ(h.tx_log.size(), 6u);
  const TxPkt& n = h.tx_log[5];
  EXPECT_EQ(n.mask, bit(3) | bit(9));  // one transfer, exactly the interested nodes
  EXPECT_EQ(ipb::ne_notify::get_kind(n.payload.data()), static_cast<uint8_t>(ipb::NeNotifyKind::kNotify));
  EXPECT_EQ(ipb::ne_notify::get_state(n.payload.data()), 0x05u);
  EXPECT_EQ(ipb::ne_notify::get_ready(n.payload.data()), 1u);
  notify(0x10, 0, 2, 0x05);  // one-shot: nothing left
  EXPECT_EQ(h.tx_log.size(), 6u);
  EXPECT_EQ(h.read(ne::kRegNotifyDropped), 1u);
  EXPECT_EQ(h.read(ne::kRegNotifiesSent), 1u);
  EXPECT_EQ(h.read(ne::kRegAnswersSent), 5u);
  notify(0x10, 1, 2, 0x01);
  EXPECT_EQ(h.tx_log.back().mask, bit(12));
}

TEST_F(Engine, RemoteTableFullAnswersReady) {
  // full: the key's slot holds another key and every victim is in use
  const auto keys = rit_colliding(0x300, rit_slot(0x300, 0, 0), ne::kRitVictims + 2);
  for (uint32_t i = 0; i <= ne::kRitVictims; ++i) answer(keys[i], 0, 0, 1, 0, false);
  EXPECT_FALSE(h.read(ne::kRegStatus) & ne::Status::kRitFull);
  EXPECT_EQ(ipb::ne_notify::get_ready(h.tx_log.back().payload.data()), 0u);
  answer(keys.back(), 0, 0, 1, 0, false);
  EXPECT_EQ(ipb::ne_notify::get_ready(h.tx_log.back().payload.data()), 1u);
  EXPECT_TRUE(h.read(ne::kRegStatus) & ne::Status::kRitFull);
  EXPECT_EQ(h.read(ne::kRegRitFullCount), 1u);
  notify(keys.back(), 0, 0, 0);  // nothing was remembered
  EXPECT_EQ(h.read(ne::kRegNotifyDropped), 1u);
  // a key of another slot still has room
  uint32_t other = 0x300;
  while (rit_slot(other, 0, 0) == rit_slot(0x300, 0, 0)) ++other;
  answer(other, 0, 0, 1, 0, false);
  EXPECT_EQ(ipb::ne_notify::get_ready(h.tx_log.back().payload.data()), 0u);
  EXPECT_EQ(h.read(ne::kRegRitFullCount), 1u);
  // every remembered key is found again: slot and victims
  for (uint32_t i = 0; i <= ne::kRitVictims; ++i) {
    notify(keys[i], 0, 0, 0);
    EXPECT_EQ(h.tx_log.back().mask, bit(1));
    EXPECT_EQ(ipb::ne_notify::get_object(h.tx_log.back().payload.data()), keys[i]);
  }
  EXPECT_EQ(h.read(ne::kRegNotifiesSent), ne::kRitVictims + 1);
}

TEST_F(Engine, AKeyWhoseSlotIsTakenGoesToAVictimAndIsFound) {
  uint32_t b = 0x901;  // another key of the same slot: another object, same event and version
  while (rit_slot(b, 1, 4) != rit_slot(0x900, 1, 4)) ++b;
  answer(0x900, 1, 4, 3, 0, false);  // the slot
  answer(b, 1, 4, 7, 0, false);      // a victim
  notify(0x900, 1, 4, 0x02);         // frees the slot; b stays in its victim
  EXPECT_EQ(h.tx_log.back().mask, bit(3));
  answer(b, 1, 4, 9, 0, false);      // found in the victim: its mask grows
  answer(0x900, 1, 4, 4, 0, false);  // the slot again
  notify(b, 1, 4, 0x03);
  EXPECT_EQ(h.tx_log.back().mask, bit(7) | bit(9));
  EXPECT_EQ(ipb::ne_notify::get_object(h.tx_log.back().payload.data()), b);
  EXPECT_EQ(ipb::ne_notify::get_state(h.tx_log.back().payload.data()), 0x03u);
  notify(0x900, 1, 4, 0x02);
  EXPECT_EQ(h.tx_log.back().mask, bit(4));
  notify(b, 1, 4, 0x03);  // one-shot
  EXPECT_EQ(h.read(ne::kRegNotifyDropped), 1u);
  EXPECT_EQ(h.read(ne::kRegRitFullCount), 0u);
}

TEST_F(Engine, PublishScansSlotsAndVictimsForItsObjectOnly) {
  // object X's keys, one of them in a victim (its slot taken by another object's key,
  // answered first), other objects' keys around them
  constexpr uint32_t kX = 0xa10;
  uint32_t y = 0xb00;
  while (rit_slot(y, 0, 9) != rit_slot(kX, 0, 9)) ++y;
  struct K {
    uint32_t object;
    uint8_t event;
    uint32_t version;
    uint8_t node;
  };
  const K cands[] = {{y, 0, 9, 20}, {kX, 0, 9, 21}, {kX, 0, 1, 22}, {kX, 1, 1, 23}, {y + 1, 1, 1, 24}, {y + 2, 0, 2, 25}};
  // where the table puts them: the slot, else the lowest free victim; keys that would
  // find the table full are left out (the small table)
  std::vector<K> keys;
  std::vector<int> slot_of(kTbRitEntries, -1), vic_of;
  for (const K& k : cands) {
    int& s = slot_of[rit_slot(k.object, k.event, k.version)];
    if (s < 0) {
      s = static_cast<int>(keys.size());
    } else if (vic_of.size() < ne::kRitVictims) {
      vic_of.push_back(static_cast<int>(keys.size()));
    } else {
      continue;
    }
    keys.push_back(k);
  }
  std::vector<int> order;  // the scan's: slots ascending, then victims
  for (int s : slot_of)
    if (s >= 0 && keys[s].object == kX) order.push_back(s);
  for (int v : vic_of)
    if (keys[v].object == kX) order.push_back(v);
  // X has a key in a slot and one in a victim (and a third where the victims allow it)
  ASSERT_GE(order.size(), 2u);
  ASSERT_NE(std::find(vic_of.begin(), vic_of.end(), 1), vic_of.end());  // X's (0, 9) is a victim
  for (const K& k : keys) answer(k.object, k.event, k.version, k.node, 0, false);
  const size_t n0 = h.tx_log.size();
  ASSERT_EQ(n0, keys.size());
  EXPECT_EQ(h.read(ne::kRegRitFullCount), 0u);
  publish(kX, 1, 0x11, 0x12, 0b11, 0b11);  // every interest of X ready
  ASSERT_EQ(h.tx_log.size(), n0 + order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    const TxPkt& p = h.tx_log[n0 + i];
    const K& k = keys[order[i]];
    EXPECT_EQ(p.mask, bit(k.node)) << i;
    EXPECT_EQ(ipb::ne_notify::get_object(p.payload.data()), kX);
    EXPECT_EQ(ipb::ne_notify::get_event(p.payload.data()), k.event);
    EXPECT_EQ(ipb::ne_notify::get_version(p.payload.data()), k.version);
    EXPECT_EQ(ipb::ne_notify::get_state(p.payload.data()), k.version == 1 ? 0x11u : 0x12u);
    EXPECT_EQ(ipb::ne_notify::get_kind(p.payload.data()), static_cast<uint8_t>(ipb::NeNotifyKind::kNotify));
  }
  EXPECT_EQ(h.read(ne::kRegNotifiesSent), order.size());
  // the other objects' interests stay
  for (const K& k : keys) {
    if (k.object == kX) continue;
    notify(k.object, k.event, k.version, 0);
    EXPECT_EQ(h.tx_log.back().mask, bit(k.node));
  }
  EXPECT_EQ(h.read(ne::kRegNotifyDropped), 0u);
}

TEST_F(Engine, ArrivingSubscribeGivesARecord) {
  h.send(sub_pkt(17, 0xdead, 1, 0x42));
  wait_records(1);
  const Record r = rec(h.dma_log[0]);
  EXPECT_EQ(r.kind, u8(ne::RecordKind::kSubscribe));
  EXPECT_EQ(r.src, 17);
  EXPECT_EQ(r.object, 0xdeadu);
  EXPECT_EQ(r.event, 1);
  EXPECT_EQ(r.version, 0x42u);
  EXPECT_EQ(r.state, 0);
}

// Owner side of a persistent key: remembered even when ready (answer ready 0), notified by
// every PUBLISH whose wake bit names its kind and event, to its whole mask unless that is
// the skip node alone, never freed by it; NE_UNSUBSCRIBE clears a node, the last frees it.
TEST_F(Engine, WatchIsNotifiedByEveryWakeUntilUnsubscribed) {
  const uint8_t kW = ne::kWatchFlag;
  auto word = [](uint32_t ready_same, uint32_t wake_same, int skip) {
    uint32_t w = ne::set_rdy_state_state_same(0, 0x01);
    w = ne::set_rdy_state_ready_same(w, ready_same);
    w = ne::set_rdy_state_wake_same(w, wake_same);
    if (skip >= 0) w = ne::set_rdy_state_skip(ne::set_rdy_state_skip_node(w, static_cast<uint32_t>(skip)), 1);
    return w;
  };
  auto pub = [&](uint32_t w) {
    key(kSelf, 0x66, 0, 3);
    h.write(ne::kRegRdyState, w);
    h.write(ne::kRegStamp, test_stamp(0x66));
    h.write(ne::kRegCmd, u32(ne::Cmd::kPublish));
    wait_not_busy();
    h.set_tx_ready(true);
    h.wait_idle();
  };
  pub(word(0b01, 0, -1));  // readable now
  h.send(sub_pkt(4, 0x66, kW, 3));
  h.send(sub_pkt(5, 0x66, kW, 3));
  h.send(sub_pkt(6, 0x66, 0, 3));  // one-shot, ready: answered ready, not remembered
  ASSERT_TRUE(h.run_until([&] { return h.tx_log.size() >= 3; }, 2000));
  EXPECT_EQ(ipb::ne_notify::get_ready(h.tx_log[0].payload.data()), 0u);  // a watch: kept
  EXPECT_EQ(ipb::ne_notify::get_state(h.tx_log[0].payload.data()), 0x01u);
  EXPECT_EQ(ipb::ne_notify::get_ready(h.tx_log[2].payload.data()), 1u);
  pub(word(0b01, 0b01, -1));  // a wake of the readers: both watchers, one multicast
  ASSERT_EQ(h.tx_log.size(), 4u);
  EXPECT_EQ(h.tx_log[3].mask, bit(4) | bit(5));
  EXPECT_EQ(ipb::ne_notify::get_kind(h.tx_log[3].payload.data()), static_cast<uint8_t>(ipb::NeNotifyKind::kNotify));
  EXPECT_EQ(ipb::ne_notify::get_event(h.tx_log[3].payload.data()), kW);
  pub(word(0b01, 0b01, -1));  // again: the entry was kept
  ASSERT_EQ(h.tx_log.size(), 5u);
  pub(word(0b01, 0b10, -1));  // a wake of the writers only: not this key
  pub(word(0b00, 0b01, 4));   // node 4 made the change itself: node 5 is notified, one
  ASSERT_EQ(h.tx_log.size(), 6u);  // multicast either way, and node 4 gets its copy
  EXPECT_EQ(h.tx_log[5].mask, bit(4) | bit(5));
  h.send(sub_pkt(5, 0x66, kW, 3));  // a repeated subscribe changes nothing
  h.send([] {
    RxPkt p = sub_pkt(5, 0x66, ne::kWatchFlag, 3);
    p.type = u8(ipb::PacketType::kNeUnsubscribe);
    return p;
  }());
  ASSERT_TRUE(h.run_until([&] { return h.tx_log.size() >= 7; }, 2000));
  h.wait_idle();
  pub(word(0b01, 0b01, 5));  // node 5 (gone) is skipped: node 4 notified
  ASSERT_EQ(h.tx_log.size(), 8u);
  EXPECT_EQ(h.tx_log[7].mask, bit(4));
  pub(word(0b01, 0b01, 4));  // node 4's own change, and node 5 gone: nothing
  EXPECT_EQ(h.tx_log.size(), 8u);
  RxPkt u4 = sub_pkt(4, 0x66, kW, 3);
  u4.type = u8(ipb::PacketType::kNeUnsubscribe);
  h.send(u4);
  h.wait_idle();
  pub(word(0b01, 0b01, -1));  // no watcher left
  EXPECT_EQ(h.tx_log.size(), 8u);
  EXPECT_EQ(h.read(ne::kRegNotifiesSent), 4u);
}

// NE_UNSUBSCRIBE of a one-shot key (a select that returned): the owner forgets the node,
// so a later PUBLISH does not notify it.
TEST_F(Engine, UnsubscribeClearsAOneShotInterest) {
  answer(0x44, 0, 1, 9, 0x00, false);
  answer(0x44, 0, 1, 10, 0x00, false);
  RxPkt u = sub_pkt(9, 0x44, 0, 1);
  u.type = u8(ipb::PacketType::kNeUnsubscribe);
  h.send(u);
  h.wait_idle();
  publish(0x44, 1, 0x01, 0x01, 0b01, 0b01);
  ASSERT_EQ(h.tx_log.size(), 3u);
  EXPECT_EQ(h.tx_log[2].mask, bit(10));
  EXPECT_EQ(h.dma_log.size(), 0u);  // an unsubscribe writes no record
}

TEST_F(Engine, SubscribeToAPublishedObjectIsAnsweredWithoutARecord) {
  publish(0x55, 7, 0x00, 0x18, 0b10, 0b11);  // version 7: writable only; others: both
  h.send(sub_pkt(4, 0x55, 0, 7));            // read, same version: not ready, remembered
  h.send(sub_pkt(5, 0x55, 0, 6));            // read, other version: ready (end of file)
  h.send(sub_pkt(6, 0x55, 1, 7));            // write: ready
  h.send(sub_pkt(8, 0x56, 0, 7));            // not published: software's record
  ASSERT_TRUE(h.run_until([&] { return h.tx_log.size() >= 3 && h.dma_log.size() >= 1; }, 2000));
  ASSERT_EQ(h.tx_log.size(), 3u);
  const uint8_t* a = h.tx_log[0].payload.data();
  EXPECT_EQ(h.tx_log[0].mask, bit(4));
  EXPECT_EQ(ipb::ne_notify::get_kind(a), static_cast<uint8_t>(ipb::NeNotifyKind::kAnswer));
  EXPECT_EQ(ipb::ne_notify::get_ready(a), 0u);
  EXPECT_EQ(ipb::ne_notify::get_state(a), 0x00u);
  EXPECT_EQ(ipb::ne_notify::get_ready(h.tx_log[1].payload.data()), 1u);
  EXPECT_EQ(ipb::ne_notify::get_state(h.tx_log[1].payload.data()), 0x18u);
  EXPECT_EQ(ipb::ne_notify::get_ready(h.tx_log[2].payload.data()), 1u);
  ASSERT_EQ(h.dma_log.size(), 1u);  // only the unpublished object's subscribe
  EXPECT_EQ(rec(h.dma_log[0]).kind, u8(ne::RecordKind::kSubscribe));
  EXPECT_EQ(rec(h.dma_log[0]).object, 0x56u);
  EXPECT_EQ(h.read(ne::kRegSubscribesAnswered), 3u);
  EXPECT_EQ(h.read(ne::kRegAnswersSent), 0u);
  // the next PUBLISH that makes the remembered read ready notifies node 4 by itself
  publish(0x55, 7, 0x01, 0x19, 0b11, 0b11);
  ASSERT_EQ(h.tx_log.size(), 4u);
  const uint8_t* n = h.tx_log[3].payload.data();
  EXPECT_EQ(h.tx_log[3].mask, bit(4));
  EXPECT_EQ(ipb::ne_notify::get_kind(n), static_cast<uint8_t>(ipb::NeNotifyKind::kNotify));
  EXPECT_EQ(ipb::ne_notify::get_state(n), 0x01u);
  EXPECT_EQ(ipb::ne_notify::get_version(n), 7u);
  EXPECT_EQ(h.read(ne::kRegNotifiesSent), 1u);
  publish(0x55, 7, 0x01, 0x19, 0b11, 0b11);  // one-shot: nothing left to notify
  EXPECT_EQ(h.tx_log.size(), 4u);
  // after UNPUBLISH its subscribes go to software again
  key(kSelf, 0x55, 0, 0);
  h.write(ne::kRegCmd, u32(ne::Cmd::kUnpublish));
  h.send(sub_pkt(4, 0x55, 0, 7));
  wait_records(2);
  EXPECT_EQ(rec(h.dma_log[1]).object, 0x55u);
}

TEST_F(Engine, PublishNotifiesOnlyTheInterestsItMakesReady) {
  answer(0x60, 0, 1, 3, 0, false);  // read, version 1
  answer(0x60, 1, 0, 9, 0, false);  // write
  publish(0x61, 1, 0x01, 0x01, 0b11, 0b11);  // another object: nothing to notify
  ASSERT_EQ(h.tx_log.size(), 2u);
  publish(0x60, 1, 0x02, 0x12, 0b10, 0b10);  // writable only
  ASSERT_EQ(h.tx_log.size(), 3u);
  EXPECT_EQ(h.tx_log[2].mask, bit(9));
  EXPECT_EQ(ipb::ne_notify::get_event(h.tx_log[2].payload.data()), 1u);
  EXPECT_EQ(ipb::ne_notify::get_state(h.tx_log[2].payload.data()), 0x12u);  // version 0 differs
  publish(0x60, 1, 0x01, 0x11, 0b01, 0b01);  // readable: the read interest
  ASSERT_EQ(h.tx_log.size(), 4u);
  EXPECT_EQ(h.tx_log[3].mask, bit(3));
}

TEST_F(Engine, ReadinessTableFullIsReportedAndSubscribesGoToSoftware) {
  // full: the object's slot holds another object and every victim is in use
  const auto objs = rdt_colliding(0x700, rdt_slot(0x700), ne::kRdtVictims + 2);
  for (uint32_t i = 0; i <= ne::kRdtVictims; ++i) publish(objs[i], 0, 0, 0, 0, 0);
  EXPECT_FALSE(h.read(ne::kRegStatus) & ne::Status::kRdtFull);
  publish(objs.back(), 0, 0, 0, 0, 0);
  EXPECT_TRUE(h.read(ne::kRegStatus) & ne::Status::kRdtFull);
  EXPECT_EQ(h.read(ne::kRegRdtFullCount), 1u);
  h.send(sub_pkt(2, objs.back(), 0, 0));
  wait_records(1);
  EXPECT_EQ(rec(h.dma_log[0]).kind, u8(ne::RecordKind::kSubscribe));
  // the objects in the slot and the victims are answered by the engine; republishing one
  // updates it in place (no FULL)
  for (uint32_t i = 0; i <= ne::kRdtVictims; ++i) h.send(sub_pkt(2, objs[i], 0, 0));
  ASSERT_TRUE(h.run_until([&] { return h.tx_log.size() >= ne::kRdtVictims + 1; }, 2000));
  EXPECT_EQ(h.read(ne::kRegSubscribesAnswered), ne::kRdtVictims + 1);
  publish(objs[ne::kRdtVictims], 1, 0, 0, 0, 0);
  EXPECT_EQ(h.read(ne::kRegRdtFullCount), 1u);
  // after an UNPUBLISH of a victim's object, the refused object has room
  key(kSelf, objs[ne::kRdtVictims], 0, 0);
  h.write(ne::kRegCmd, u32(ne::Cmd::kUnpublish));
  wait_not_busy();
  publish(objs.back(), 0, 0, 0, 0, 0);
  EXPECT_EQ(h.read(ne::kRegRdtFullCount), 1u);
}

// ---------------------------------------------------------------------------------------
// Ring and interrupt

TEST_F(Engine, RingWritesWrapsAndOverflows) {
  h.write(ne::kRegCtrl, 0);
  h.write(ne::kRegRingSize, 4);
  h.write(ne::kRegCtrl, ne::kCtrlEnableMask);
  for (int i = 0; i < 5; ++i) h.send(sub_pkt(1, i, 0, 0));
  wait_records(4);
  h.wait_idle();
  ASSERT_EQ(h.dma_log.size(), 4u);
  for (uint32_t i = 0; i < 4; ++i) EXPECT_EQ(h.dma_log[i].addr, kRingBase + i * ne::kRecordBytes);
  EXPECT_EQ(h.read(ne::kRegRingHead), 4u);
  EXPECT_EQ(h.read(ne::kRegRingOverflowCount), 1u);
  EXPECT_TRUE(h.read(ne::kRegStatus) & ne::Status::kOverflow);
  EXPECT_TRUE(h.read(ne::kRegIrqStatus) & ne::IrqCause::kOverflow);
  EXPECT_TRUE(h.irq());
  h.write(ne::kRegStatus, ne::Status::kOverflow);  // w1c
  h.write(ne::kRegIrqStatus, ne::IrqCause::kAll);
  EXPECT_FALSE(h.read(ne::kRegStatus) & ne::Status::kOverflow);
  EXPECT_FALSE(h.irq());
  h.write(ne::kRegRingTail, 3);  // room for 3 more
  for (int i = 0; i < 4; ++i) h.send(sub_pkt(1, 10 + i, 0, 0));
  wait_records(7);
  h.wait_idle();
  EXPECT_EQ(h.dma_log[4].addr, kRingBase);  // wrapped to slot 0
  EXPECT_EQ(rec(h.dma_log[4]).seq, 4u);
  EXPECT_EQ(h.read(ne::kRegRingOverflowCount), 2u);
  EXPECT_EQ(h.read(ne::kRegRecordsWritten), 7u);
}

TEST_F(Engine, RingOfSizeZeroOverflowsEverything) {
  h.write(ne::kRegRingSize, 0);
  h.send(sub_pkt(1, 1, 0, 0));
  h.wait_idle();
  EXPECT_TRUE(h.dma_log.empty());
  EXPECT_EQ(h.read(ne::kRegRingOverflowCount), 1u);
}

TEST_F(Engine, DmaBackpressure) {
  h.set_dma_ready(false);
  for (int i = 0; i < 3; ++i) h.rx(sub_pkt(2, i, 0, 0));
  h.run(200);
  EXPECT_TRUE(h.dma_log.empty());
  EXPECT_FALSE(h.idle());
  h.set_dma_ready(true);
  wait_records(3);
}

// A new ring waits for the record whose DMA write is pending: the old record lands in
// the old ring, the new ring starts empty at HEAD 0 (no stale record in it).
TEST_F(Engine, RingSetUpWaitsForThePendingWrite) {
  constexpr uint32_t kNewBase = 0x9000;
  h.set_dma_ready(false);
  h.rx(sub_pkt(2, 1, 0, 0));
  h.run(50);
  EXPECT_TRUE(h.dma_log.empty());
  const size_t n = h.rsp_log.size();
  h.mmio(true, ne::kRegRingBase, kNewBase);  // held while the write is pending
  h.run(100);
  EXPECT_EQ(h.rsp_log.size(), n);
  h.set_dma_ready(true);
  EXPECT_TRUE(h.run_until([&] { return h.rsp_log.size() > n; }, 100));
  ASSERT_EQ(h.dma_log.size(), 1u);
  EXPECT_EQ(h.dma_log[0].addr, kRingBase);
  EXPECT_EQ(h.read(ne::kRegRingHead), 0u);
  h.send(sub_pkt(2, 2, 0, 0));
  wait_records(2);
  EXPECT_EQ(h.dma_log[1].addr, kNewBase);
  EXPECT_EQ(rec(h.dma_log[1]).seq, 0u);
  EXPECT_EQ(h.read(ne::kRegRingHead), 1u);
}

TEST_F(Engine, CoalescingByCount) {
  h.write(ne::kRegCoalesceCount, 3);
  h.write(ne::kRegCoalesceCycles, 1000000);
  h.send(sub_pkt(1, 1, 0, 0));
  h.send(sub_pkt(1, 2, 0, 0));
  wait_records(2);
  h.run(20);
  EXPECT_FALSE(h.irq());
  h.send(sub_pkt(1, 3, 0, 0));
  wait_records(3);
  EXPECT_TRUE(h.run_until([&] { return h.irq(); }, 5));
  h.write(ne::kRegIrqStatus, ne::IrqCause::kRecords);  // restarts coalescing
  EXPECT_FALSE(h.irq());
  h.send(sub_pkt(1, 4, 0, 0));
  wait_records(4);
  h.run(20);
  EXPECT_FALSE(h.irq());
}

TEST_F(Engine, CoalescingByTime) {
  h.write(ne::kRegCoalesceCount, 100);
  h.write(ne::kRegCoalesceCycles, 50);
  h.send(sub_pkt(1, 1, 0, 0));
  wait_records(1);
  const uint64_t t0 = h.cycle();
  EXPECT_TRUE(h.run_until([&] { return h.irq(); }, 100));
  EXPECT_GE(h.cycle() - t0, 49u);
  EXPECT_LE(h.cycle() - t0, 53u);
  EXPECT_TRUE(h.read(ne::kRegIrqStatus) & ne::IrqCause::kRecords);
}

TEST_F(Engine, CoalescingDeadlineWakesAStoppedClock) {
  h.allow_jumps(1, 1.0, true);  // the wrapper stops the clock whenever it may
  h.write(ne::kRegCoalesceCount, 100);
  h.write(ne::kRegCoalesceCycles, 100000);
  h.send(sub_pkt(1, 1, 0, 0));
  wait_records(1);
  const uint64_t c0 = h.cycle(), t0 = h.now();
  EXPECT_TRUE(h.run_until([&] { return h.irq(); }, 200));
  EXPECT_LT(h.cycle() - c0, 50u);     // few clock cycles...
  EXPECT_GE(h.now() - t0, 99990u);    // ...for the whole coalescing time
}

// ---------------------------------------------------------------------------------------
// Liveness

TEST_F(Engine, AliveSentEveryPeriodToTheMask) {
  h.write(ne::kRegAliveMaskLo, (1u << 1) | (1u << 2) | (1u << kSelf));
  h.write(ne::kRegAliveMaskHi, 1u);  // node 32
  h.write(ne::kRegAlivePeriod, 100);
  h.run(1000);
  const size_t n = count_tx(u8(ipb::PacketType::kAlive));
  EXPECT_GE(n, 9u);
  EXPECT_LE(n, 11u);
  for (const TxPkt& p : h.tx_log) {
    EXPECT_EQ(p.mask, bit(1) | bit(2) | bit(32));  // own bit ignored
    EXPECT_EQ(p.len, 0);
  }
  h.write(ne::kRegAlivePeriod, 0);
  const size_t m = h.tx_log.size();
  h.run(500);
  EXPECT_EQ(h.tx_log.size(), m);
}

TEST_F(Engine, NodeDownOnceAfterTimeout) {
  h.write(ne::kRegAliveTimeout, 500);
  h.write(ne::kRegAliveMaskLo, (1u << 1) | (1u << 2));
  const uint64_t t0 = h.now();
  for (int i = 0; i < 15; ++i) {  // node 1 talks, node 2 is silent
    h.rx(alive_pkt(1));
    h.run(100);
  }
  ASSERT_GE(h.dma_log.size(), 1u);
  const Record r = rec(h.dma_log[0]);
  EXPECT_EQ(r.kind, u8(ne::RecordKind::kNodeDown));
  EXPECT_EQ(r.src, 2);
  EXPECT_EQ(h.dma_log.size(), 1u);  // once
  EXPECT_EQ(h.read(ne::kRegNodesDownLo), 1u << 2);
  EXPECT_TRUE(h.read(ne::kRegIrqStatus) & ne::IrqCause::kNodeDown);
  EXPECT_GE(h.now() - t0, 500u);
  // writing 1 watches it again, counted from the write
  h.write(ne::kRegNodesDownLo, 1u << 2);
  EXPECT_EQ(h.read(ne::kRegNodesDownLo), 0u);
  const uint64_t t1 = h.now();
  for (int i = 0; i < 10 && h.dma_log.size() < 2; ++i) {  // node 1 keeps talking
    h.rx(alive_pkt(1));
    h.run(100);
  }
  EXPECT_GE(h.now() - t1, 500u);
  EXPECT_EQ(rec(h.dma_log[1]).src, 2);
}

TEST_F(Engine, NodeDownWithAStoppedClock) {
  h.allow_jumps(2, 1.0, false);
  h.write(ne::kRegAliveTimeout, 1000000);
  h.write(ne::kRegAliveMaskHi, 1u << 31);  // node 63
  EXPECT_TRUE(h.run_until([&] { return !h.dma_log.empty(); }, 20000));
  EXPECT_EQ(rec(h.dma_log[0]).src, 63);
}

TEST_F(Engine, IdleAndWakeAt) {
  ASSERT_TRUE(h.wait_idle());
  EXPECT_EQ(h.wake_at(), kNoDeadline);  // no deadline at all
  h.write(ne::kRegAliveMaskLo, 1u << 1);
  const uint64_t ta = h.now();
  h.write(ne::kRegAlivePeriod, 1000);
  const uint64_t tb = h.now();
  ASSERT_TRUE(h.wait_idle());
  EXPECT_GE(h.wake_at(), ta + 1000);  // the first ALIVE: a period after the write
  EXPECT_LE(h.wake_at(), tb + 1000);
  // the wrapper stops the clock while idle: ten periods cost a few cycles each
  h.allow_jumps(3, 1.0, true);
  const uint64_t c0 = h.cycle();
  EXPECT_TRUE(h.run_until([&] { return count_tx(u8(ipb::PacketType::kAlive)) >= 10; }, 2000));
  EXPECT_LT(h.cycle() - c0, 300u);
  EXPECT_GE(h.now() - ta, 10000u);
}

// ---------------------------------------------------------------------------------------
// Control and MMIO

TEST_F(Engine, DisabledIgnoresCommandsAndPackets) {
  h.write(ne::kRegCtrl, 0);
  key(3, 1, 0, 0);
  h.write(ne::kRegCmd, u32(ne::Cmd::kArm));
  EXPECT_EQ(h.read(ne::kRegArmResult), u32(ne::ArmResult::kNone));
  h.send(sub_pkt(3, 1, 0, 0));
  h.wait_idle();
  EXPECT_TRUE(h.tx_log.empty());
  EXPECT_TRUE(h.dma_log.empty());
  h.write(ne::kRegCtrl, ne::kCtrlEnableMask);
  EXPECT_EQ(arm(3, 1, 0, 0), u32(ne::ArmResult::kSent));
}

TEST_F(Engine, BusyHoldsCommandWritesNotReads) {
  h.set_tx_ready(false);
  key(3, 1, 0, 0);
  h.write(ne::kRegCmd, u32(ne::Cmd::kArm));
  h.run(20);
  EXPECT_TRUE(h.read(ne::kRegStatus) & ne::Status::kBusy);  // waiting for the tx port
  const size_t n = h.rsp_log.size();
  h.mmio(true, ne::kRegKeyObject, 2);  // held
  h.run(100);
  EXPECT_EQ(h.rsp_log.size(), n);
  h.set_tx_ready(true);
  EXPECT_TRUE(h.run_until([&] { return h.rsp_log.size() > n; }, 100));
  EXPECT_FALSE(h.read(ne::kRegStatus) & ne::Status::kBusy);
  EXPECT_EQ(h.read(ne::kRegArmResult), u32(ne::ArmResult::kSent));
}

TEST_F(Engine, MalformedPacketsAreDropped) {
  RxPkt shortp = sub_pkt(1, 1, 0, 0);
  shortp.len = 4;
  RxPkt badkind = ntf_pkt(1, 1, 0, 0, 0, ipb::NeNotifyKind::kAnswer, false, test_stamp(1));
  ipb::ne_notify::set_kind(badkind.payload.data(), 9);
  RxPkt msg;
  msg.type = u8(ipb::PacketType::kMsg);
  h.send(shortp);
  h.send(badkind);
  h.send(msg);
  h.wait_idle();
  EXPECT_TRUE(h.dma_log.empty());
  EXPECT_EQ(h.read(ne::kRegStray), 0u);
}

// ---------------------------------------------------------------------------------------
// Constrained random

struct RandomConfig {
  uint64_t seed = 1;
  uint64_t cycles = 20000;
};

// Random traffic on every port, shaped so that keys collide often (a small key space that
// overfills the tables), the ring fills and wraps, nodes go silent, and both ready
// signals stall in bursts. Returns the harness's verdict; the model checks every cycle.
class RandomRun {
 public:
  // density: scales the rate of new MMIO sequences and packets (sparse traffic leaves
  // the engine idle, so the clock-stopping jumps and wake_at are exercised)
  RandomRun(Harness& h, uint64_t seed, double density = 1.0) : h_(h), rng_(seed), density_(density) {}

  void setup() {
    self_ = static_cast<uint8_t>(rng_() % 64);
    owners_ = {static_cast<uint8_t>((self_ + 1) % 64), static_cast<uint8_t>((self_ + 7) % 64),
               static_cast<uint8_t>((self_ + 33) % 64)};
    h_.write(ne::kRegNodeId, self_);
    h_.write(ne::kRegRingBase, 0x10000 + 16 * static_cast<uint32_t>(rng_() % 64));
    const uint32_t sizes[] = {1, 2, 4, 8, 16, 64};
    h_.write(ne::kRegRingSize, sizes[rng_() % 6]);
    h_.write(ne::kRegIrqEnable, static_cast<uint32_t>(rng_() % 8));
    h_.write(ne::kRegCoalesceCount, static_cast<uint32_t>(rng_() % 6));
    h_.write(ne::kRegCoalesceCycles, static_cast<uint32_t>(rng_() % 300));
    if (rng_() % 3) h_.write(ne::kRegAlivePeriod, 200 + static_cast<uint32_t>(rng_() % 2000));
    if (rng_() % 3) h_.write(ne::kRegAliveTimeout, 500 + static_cast<uint32_t>(rng_() % 4000));
    h_.write(ne::kRegAliveMaskLo, static_cast<uint32_t>(rng_()) & static_cast<uint32_t>(rng_()));
    h_.write(ne::kRegAliveMaskHi, static_cast<uint32_t>(rng_()) & static_cast<uint32_t>(rng_()));
    h_.write(ne::kRegCtrl, ne::kCtrlEnableMask);
    h_.random_ready(rng_(), 0.1 + 0.4 * u(), 0.1 + 0.4 * u());
    h_.allow_jumps(rng_(), 0.3);
  }

  void run(uint64_t cycles) {
    const uint64_t end = h_.cycle() + cycles;
    while (h_.cycle() < end && h_.ok()) {
      if (h_.mmio_pending() < 2 && u() < 0.25 * density_) mmio_action();
      if (h_.rx_pending() < 2 && u() < 0.06 * density_) rx_action();
      h_.tick();
    }
  }

  // Stops the traffic and the stalls; the engine must then become idle, and every
  // register is read (the model checks each value).
  bool drain() {
    h_.random_ready(0, 0, 0);
    h_.set_tx_ready(true);
    h_.set_dma_ready(true);
    if (!h_.wait_idle(200000)) return false;
    for (const auto& r : ne::kAllRegs) h_.read(r.offset);
    return h_.wait_idle(200000);
  }

 private:
  double u() { return std::uniform_real_distribution<double>(0, 1)(rng_); }
  uint32_t pick(uint32_t n) { return static_cast<uint32_t>(rng_() % n); }

  // 48 requesting keys for a 16-entry table, 32 owner-side keys for a 16-entry table, a
  // quarter of them persistent (WATCH_FLAG)
  Model::Key random_key(bool owner_side = false) {
    const auto event = static_cast<uint8_t>(pick(2) | (pick(4) == 0 ? ne::kWatchFlag : 0));
    return {owners_[pick(3)], 0x100 + pick(owner_side ? 8 : 4), event, pick(2)};
  }
  void write_key(const Model::Key& k) {
    h_.mmio(true, ne::kRegKeyOwner, k.owner);
    h_.mmio(true, ne::kRegKeyObject, k.object);
    h_.mmio(true, ne::kRegKeyEvent, k.event);
    h_.mmio(true, ne::kRegKeyVersion, k.version);
  }

  void mmio_action() {
    const double x = u();
    if (x < 0.30) {  // ARM, sometimes CANCEL
      write_key(random_key());
      const bool cancel = u() < 0.1;
      h_.mmio(true, ne::kRegCmd, u32(cancel ? ne::Cmd::kCancel : ne::Cmd::kArm));
      if (u() < 0.5) h_.mmio(false, ne::kRegArmResult, 0);
    } else if (x < 0.40) {  // ANSWER
      write_key(random_key(true));
      h_.mmio(true, ne::kRegAnsDst, pick(64));
      h_.mmio(true, ne::kRegAnsState, pick(32));
      h_.mmio(true, ne::kRegAnsReady, u() < 0.3);
      h_.mmio(true, ne::kRegStamp, static_cast<uint32_t>(rng_()));
      h_.mmio(true, ne::kRegCmd, u32(ne::Cmd::kAnswer));
    } else if (x < 0.45) {  // PUBLISH: mostly objects that subscribes name, some that fill the table
      Model::Key k = random_key(true);
      if (u() < 0.3) k.object = 0x100 + pick(ne::kRdtEntries + 8);
      write_key(k);
      // skip_node mostly one of the few subscribers' nodes, so that a skip can empty a mask
      uint32_t rdy = static_cast<uint32_t>(rng_());
      if (u() < 0.5) rdy = ne::set_rdy_state_skip_node(rdy, pick(4));
      h_.mmio(true, ne::kRegRdyState, rdy);
      h_.mmio(true, ne::kRegStamp, static_cast<uint32_t>(rng_()));
      h_.mmio(true, ne::kRegCmd, u32(ne::Cmd::kPublish));
    } else if (x < 0.52) {  // NOTIFY
      write_key(random_key(true));
      h_.mmio(true, ne::kRegAnsState, pick(32));
      h_.mmio(true, ne::kRegStamp, static_cast<uint32_t>(rng_()));
      h_.mmio(true, ne::kRegCmd, u32(ne::Cmd::kNotify));
    } else if (x < 0.55) {  // UNPUBLISH
      write_key(random_key(true));
      h_.mmio(true, ne::kRegCmd, u32(ne::Cmd::kUnpublish));
    } else if (x < 0.67) {  // the driver consumes records
      const Model& m = h_.model();
      const uint32_t lag = pick(3);
      h_.mmio(true, ne::kRegRingTail, m.ring_head() - std::min(lag, m.ring_head() - m.ring_tail()));
    } else if (x < 0.80) {  // any register
      h_.mmio(false, ne::kAllRegs[pick(ne::kAllRegs.size())].offset, 0);
    } else if (x < 0.86) {
      h_.mmio(true, ne::kRegIrqStatus, pick(8));
    } else if (x < 0.89) {
      h_.mmio(true, ne::kRegStatus, pick(16));
    } else if (x < 0.93) {  // settings
      switch (pick(6)) {
        case 0: h_.mmio(true, ne::kRegCoalesceCount, pick(6)); break;
        case 1: h_.mmio(true, ne::kRegCoalesceCycles, pick(300)); break;
        case 2: h_.mmio(true, ne::kRegAlivePeriod, u() < 0.2 ? 0 : 200 + pick(2000)); break;
        case 3: h_.mmio(true, ne::kRegAliveTimeout, u() < 0.2 ? 0 : 300 + pick(4000)); break;
        case 4: h_.mmio(true, ne::kRegAliveMaskLo, static_cast<uint32_t>(rng_() & rng_())); break;
        default: h_.mmio(true, ne::kRegIrqEnable, pick(8)); break;
      }
    } else if (x < 0.96) {  // watch the down nodes again
      const uint64_t d = h_.model().nodes_down();
      h_.mmio(true, u() < 0.5 ? ne::kRegNodesDownLo : ne::kRegNodesDownHi,
              static_cast<uint32_t>(u() < 0.5 ? d : d >> 32));
    } else if (x < 0.975) {  // off and on again
      h_.mmio(true, ne::kRegCtrl, 0);
      h_.mmio(false, ne::kRegStatus, 0);
      h_.mmio(true, ne::kRegCtrl, ne::kCtrlEnableMask);
    } else if (x < 0.985) {  // a new ring (set up while disabled)
      h_.mmio(true, ne::kRegCtrl, 0);
      h_.mmio(true, ne::kRegRingSize, 1u << pick(6));
      h_.mmio(true, ne::kRegCtrl, ne::kCtrlEnableMask);
    } else if (x < 0.99) {
      h_.mmio(true, ne::kRegNodeId, u() < 0.8 ? self_ : pick(64));
    } else {  // ignored: unknown command, read-only registers
      h_.mmio(true, pick(2) ? ne::kRegCmd : ne::kRegRingHead, 4 + pick(250));
    }
  }

  void rx_action() {
    const double x = u();
    if (x < 0.45) {
      const auto& lit = h_.model().lit();
      Model::Key k = random_key();
      bool notify = u() < 0.3, ready = u() < 0.3;
      if (!lit.empty() && u() < 0.7) {  // answer what was asked
        const auto& e = lit[pick(static_cast<uint32_t>(lit.size()))];
        k = e.key;
        notify = e.subscribed ? u() < 0.8 : u() < 0.1;
      }
      const auto state = static_cast<uint8_t>(pick(32));
      const auto stamp = static_cast<uint32_t>(rng_());
      h_.rx(ntf_pkt(k.owner, k.object, k.event, k.version, state,
                    notify ? ipb::NeNotifyKind::kNotify : ipb::NeNotifyKind::kAnswer, notify || ready, stamp));
    } else if (x < 0.65) {
      const Model::Key k = random_key();
      RxPkt p = sub_pkt(static_cast<uint8_t>(pick(4)), k.object, k.event, k.version);
      if (u() < 0.3) p.type = u8(ipb::PacketType::kNeUnsubscribe);
      h_.rx(p);
    } else if (x < 0.95) {
      // keep most watched nodes alive; some stay silent
      uint64_t m = h_.model().alive_mask();
      int n = static_cast<int>(pick(64));
      for (int i = 0; i < 64 && m; ++i)
        if (m & bit((n + i) % 64)) {
          n = (n + i) % 64;
          break;
        }
      if (n % 5 != 0 || u() < 0.05) h_.rx(alive_pkt(static_cast<uint8_t>(n)));
    } else {  // junk
      RxPkt p = sub_pkt(static_cast<uint8_t>(pick(64)), 1, 0, 0);
      switch (pick(3)) {
        case 0: p.type = u8(ipb::PacketType::kMsg); break;
        case 1: p.len = static_cast<uint8_t>(pick(12)); break;
        default:
          p = ntf_pkt(owners_[0], 0x100, 0, 0, 0, ipb::NeNotifyKind::kAnswer, false, static_cast<uint32_t>(rng_()));
          ipb::ne_notify::set_kind(p.payload.data(), 3 + pick(250));
      }
      h_.rx(p);
    }
  }

  Harness& h_;
  std::mt19937_64 rng_;
  double density_;
  uint8_t self_ = 0;
  std::array<uint8_t, 3> owners_{};
};

bool random_run(Harness& h, uint64_t seed, uint64_t cycles, double density = 1.0) {
  RandomRun r(h, seed, density);
  r.setup();
  r.run(cycles);
  const bool idle = r.drain();
  h.finish();
  return idle && h.ok() && h.model().quiescent();
}

TEST(Random, ManySeeds) {
  Model::Coverage total;
  uint64_t cycles = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (uint64_t seed = 1; seed <= 32; ++seed) {
    Harness h;
    const bool ok = random_run(h, seed, 30000, seed > 24 ? 0.02 : 1.0);  // the last 8 sparse
    EXPECT_TRUE(ok) << "seed " << seed << ": " << (h.ok() ? "not idle and quiescent at the end" : h.error());
    if (!ok) break;
    const auto& c = h.model().coverage();
    cycles += h.cycle();
#define ADD(f) total.f += c.f;
    ADD(arm_sent) ADD(arm_in_flight) ADD(arm_subscribed) ADD(arm_full) ADD(pkt_answer) ADD(pkt_notify)
    ADD(pkt_stray) ADD(rx_subscribe) ADD(ans_cmd) ADD(rit_full) ADD(notify_sent) ADD(notify_dropped)
    ADD(multicast) ADD(records) ADD(overflows) ADD(declares) ADD(alive_sent) ADD(irq_records)
    ADD(irq_rises) ADD(reads) ADD(writes) ADD(idle_cycles) ADD(publish) ADD(rdt_full) ADD(sub_answered)
    ADD(sub_recorded) ADD(scan_notify) ADD(unpublish) ADD(cancel_hit) ADD(watch_kept) ADD(unsub_hit)
    ADD(scan_watch) ADD(scan_skipped)
#undef ADD
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("random: %llu cycles in %.2f s\n", static_cast<unsigned long long>(cycles), s);
#define SHOW(f) std::printf("  %-16s %llu\n", #f, static_cast<unsigned long long>(total.f)); EXPECT_GT(total.f, 0u) << #f;
  SHOW(arm_sent) SHOW(arm_in_flight) SHOW(arm_subscribed) SHOW(arm_full) SHOW(pkt_answer) SHOW(pkt_notify)
  SHOW(pkt_stray) SHOW(rx_subscribe) SHOW(ans_cmd) SHOW(rit_full) SHOW(notify_sent) SHOW(notify_dropped)
  SHOW(multicast) SHOW(records) SHOW(overflows) SHOW(declares) SHOW(alive_sent) SHOW(irq_records)
  SHOW(irq_rises) SHOW(reads) SHOW(writes) SHOW(idle_cycles) SHOW(publish) SHOW(rdt_full) SHOW(sub_answered)
  SHOW(sub_recorded) SHOW(scan_notify) SHOW(unpublish) SHOW(cancel_hit) SHOW(watch_kept) SHOW(unsub_hit)
  SHOW(scan_watch) SHOW(scan_skipped)
#undef SHOW
}

TEST(Random, RecordedStimulusReplaysIdentically) {
  // ne_tb and ne_tb_small run this test at the same time under ctest -j: one file each
  const std::string path = ::testing::TempDir() + "ne_random_replay." + std::to_string(::getpid()) + ".stim";
  {
    Harness h(path);
    ASSERT_TRUE(random_run(h, 99, 5000)) << h.error();
  }
  // this testbench's ne_top, the Verilated RTL that the machine uses (ne_top_sim, one
  // evaluation per cycle), and the behavioural twin: each gives every recorded output
  Harness r("", /*use_model=*/false);
  EXPECT_TRUE(r.replay(path)) << r.error();
  const shadowsel::ne::Params params{.lit_entries = kTbLitEntries, .rit_entries = kTbRitEntries};
  Harness rtl(shadowsel::ne::make_rtl(params));
  EXPECT_TRUE(rtl.replay(path)) << "rtl: " << rtl.error();
  Harness twin(shadowsel::ne::make_twin(params));
  EXPECT_TRUE(twin.replay(path)) << "twin: " << twin.error();
}

}  // namespace

int main(int argc, char** argv) {
  std::string gen, replay, core = "rtl";
  uint64_t seed = 1, cycles = 20000;
  double density = 1.0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--gen-stim") gen = next();
    else if (a == "--replay") replay = next();
    else if (a == "--core") core = next();
    else if (a == "--seed") seed = std::stoull(next());
    else if (a == "--cycles") cycles = std::stoull(next());
    else if (a == "--density") density = std::stod(next());
  }
  if (!gen.empty()) {
    Harness h(gen);
    const bool ok = random_run(h, seed, cycles, density);
    std::printf("ne_tb: %s: %llu cycles, %s\n", gen.c_str(), static_cast<unsigned long long>(h.cycle()),
                ok ? "model agrees" : h.error().c_str());
    return ok ? 0 : 1;
  }
  if (!replay.empty()) {
    const shadowsel::ne::Params params{.lit_entries = kTbLitEntries, .rit_entries = kTbRitEntries};
    if (core != "rtl" && core != "twin") {
      std::fprintf(stderr, "ne_tb: --core %s: expected rtl or twin\n", core.c_str());
      return 2;
    }
    Harness h(core == "rtl" ? shadowsel::ne::make_rtl(params) : shadowsel::ne::make_twin(params));
    const auto t0 = std::chrono::steady_clock::now();
    const bool ok = h.replay(replay);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("ne_tb: replay %s: %llu cycles in %.3f s (%.0f cycles/s): %s\n", replay.c_str(),
                static_cast<unsigned long long>(h.cycle()), s, h.cycle() / s, ok ? "PASS" : h.error().c_str());
    return ok ? 0 : 1;
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
