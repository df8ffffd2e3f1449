// SPDX-License-Identifier: MIT
// ne::run_cosim: constrained-random traffic for any ne::Core. The generator follows the
// Verilator testbench's (tests/rtl/ne_tb.cpp, RandomRun) but needs no reference model:
// what it must know of the engine's state (ring head, armed keys, down nodes) it learns
// from the core's outputs, so it can drive the twin, the RTL or both in lockstep.
#include "shadowsel/ne/cosim.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <deque>
#include <random>

#include "shadowsel/gen/ipb.h"
#include "shadowsel/gen/ne.h"
#include "shadowsel/ne/payloads.h"

namespace shadowsel::ne {

namespace {

namespace regs = gen::ne;
namespace ipb = gen::ipb;

constexpr int kResetCycles = 4;
constexpr uint64_t kDrainCycles = 200000;

struct MmioReq {
  bool write;
  uint32_t addr, wdata;
};

struct RxPkt {
  uint8_t type = 0, src = 0, len = 0;
  Bytes16 payload{};
};

uint8_t u8(ipb::PacketType t) { return static_cast<uint8_t>(t); }
uint32_t u32(regs::Cmd c) { return static_cast<uint32_t>(c); }

RxPkt ntf_pkt(uint8_t src, uint32_t object, uint8_t event, uint32_t version, uint8_t state,
              ipb::NeNotifyKind kind, bool ready) {
  RxPkt p;
  p.type = u8(ipb::PacketType::kNeNotify);
  p.src = src;
  p.len = ipb::ne_notify::kBytes;
  p.payload = notify_payload(object, event, version, state, kind, ready);
  return p;
}

RxPkt sub_pkt(uint8_t src, uint32_t object, uint8_t event, uint32_t version) {
  RxPkt p;
  p.type = u8(ipb::PacketType::kNeSubscribe);
  p.src = src;
  p.len = ipb::ne_subscribe::kBytes;
  p.payload = subscribe_payload(object, event, version);
  return p;
}

RxPkt alive_pkt(uint8_t src) {
  RxPkt p;
  p.type = u8(ipb::PacketType::kAlive);
  p.src = src;
  return p;
}

struct Key {
  uint8_t owner;
  uint32_t object;
  uint8_t event;
  uint32_t version;
};

class Driver {
 public:
  Driver(Core& core, const CosimOptions& opt) : core_(core), opt_(opt), rng_(opt.seed) {}

  CosimResult run() {
    const auto t0 = std::chrono::steady_clock::now();
    reset();
    while (res_.operations < opt_.operations) {
      if (opt_.resets_per_operation > 0 && reset_due_) {
        reset_due_ = false;
        reset();
        continue;
      }
      if (res_.cycles >= next_phase_) new_phase();
      if (mmio_q_.size() < 2 && u() < 0.25 * density_) mmio_action();
      if (rx_q_.size() < 2 && u() < 0.06 * density_) rx_action();
      step();
    }
    drain();
    res_.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return res_;
  }

 private:
  double u() { return std::uniform_real_distribution<double>(0, 1)(rng_); }
  uint32_t pick(uint32_t n) { return static_cast<uint32_t>(rng_() % n); }

  // --- one cycle ---------------------------------------------------------------------
  void step() {
    in_.rst_n = !in_reset_;
    in_.mmio_req_valid = in_.rst_n && !mmio_q_.empty();
    if (in_.mmio_req_valid) {
      in_.mmio_req_write = mmio_q_.front().write;
      in_.mmio_req_addr = mmio_q_.front().addr;
      in_.mmio_req_wdata = mmio_q_.front().wdata;
    }
    in_.rx_valid = in_.rst_n && !rx_q_.empty();
    if (in_.rx_valid) {
      in_.rx_type = rx_q_.front().type;
      in_.rx_src = rx_q_.front().src;
      in_.rx_len = rx_q_.front().len;
      in_.rx_payload = rx_q_.front().payload;
    }
    const Outputs& o = core_.cycle(in_);
    if (opt_.observe) opt_.observe(res_.cycles, in_, o);
    ++res_.cycles;
    observe(o);
    advance_time(o);
    if (!in_reset_) ready_levels();
  }

  void observe(const Outputs& o) {
    if (!in_.rst_n) return;
    bool handshake = false;
    if (in_.mmio_req_valid && o.mmio_req_ready) {
      pending_rsp_.push_back(mmio_q_.front());
      mmio_q_.pop_front();
      count_operation();
      handshake = true;
    }
    if (in_.rx_valid && o.rx_ready) {
      rx_q_.pop_front();
      count_operation();
      handshake = true;
    }
    if (o.mmio_rsp_valid) {
      ++res_.mmio_responses;
      if (!pending_rsp_.empty()) {
        const MmioReq r = pending_rsp_.front();
        pending_rsp_.pop_front();
        if (!r.write) learn_read(r.addr, o.mmio_rsp_rdata);
      }
    }
    if (o.tx_valid && in_.tx_ready) {
      ++res_.tx_packets;
      handshake = true;
    }
    if (o.dma_valid && in_.dma_ready) {
      ++res_.dma_writes;
      // the record's sequence number is the ring head it was written at
      ring_head_ = static_cast<uint32_t>(regs::ready_record::get_seq(o.dma_data.data())) + 1;
      handshake = true;
    }
    busy_ = !o.idle || handshake || o.tx_valid || o.dma_valid || o.mmio_rsp_valid;
  }

  void count_operation() {
    ++res_.operations;
    if (opt_.resets_per_operation > 0 && u() < opt_.resets_per_operation) reset_due_ = true;
  }

  void learn_read(uint32_t addr, uint32_t v) {
    if (addr == regs::kRegRingHead) ring_head_ = v;
    else if (addr == regs::kRegNodesDownLo) nodes_down_ = (nodes_down_ & ~0xffffffffull) | v;
    else if (addr == regs::kRegNodesDownHi) nodes_down_ = (nodes_down_ & 0xffffffffull) | uint64_t{v} << 32;
  }

  // `now` goes up by one per cycle; while the engine is idle with nothing offered, the
  // wrapper stops the clock and the next cycle may come at any time up to wake_at.
  void advance_time(const Outputs& o) {
    uint64_t next = in_.now + 1;
    if (!in_reset_ && !busy_ && mmio_q_.empty() && rx_q_.empty() && o.wake_at > next && u() < 0.3) {
      if (o.wake_at == kNoDeadline) next = in_.now + 1 + pick(5000);
      else next = in_.now + 1 + rng_() % (o.wake_at - in_.now);
    }
    in_.now = next;
  }

  // two-state chains with bursts of mean length 8
  void ready_levels() {
    const auto flip = [&](bool level, double p_low) {
      const double to_high = 1.0 / 8, to_low = to_high * p_low / (1 - p_low);
      return level ? !(u() < to_low) : (u() < to_high);
    };
    in_.tx_ready = flip(in_.tx_ready, p_tx_low_);
    in_.dma_ready = flip(in_.dma_ready, p_dma_low_);
  }

  // Traffic comes in phases: dense phases fill tables and ring, sparse ones leave the
  // engine idle so that time jumps and wake_at are exercised.
  void new_phase() {
    const double x = u();
    density_ = x < 0.6 ? 1.0 : x < 0.8 ? 0.3 : 0.02;
    p_tx_low_ = 0.1 + 0.4 * u();
    p_dma_low_ = 0.1 + 0.4 * u();
    next_phase_ = res_.cycles + 2000 + pick(8000);
  }

  void reset() {
    in_reset_ = true;
    mmio_q_.clear();
    rx_q_.clear();
    pending_rsp_.clear();
    in_.tx_ready = in_.dma_ready = true;
    for (int i = 0; i < kResetCycles; ++i) step();
    in_reset_ = false;
    ++res_.resets;
    ring_head_ = ring_tail_ = 0;
    nodes_down_ = 0;
    armed_.clear();
    setup();
    new_phase();
  }

  void mmio(bool write, uint32_t addr, uint32_t wdata = 0) { mmio_q_.push_back({write, addr, wdata}); }

  void setup() {
    self_ = static_cast<uint8_t>(pick(64));
    owners_ = {static_cast<uint8_t>((self_ + 1) % 64), static_cast<uint8_t>((self_ + 7) % 64),
               static_cast<uint8_t>((self_ + 33) % 64)};
    mmio(true, regs::kRegNodeId, self_);
    mmio(true, regs::kRegRingBase, 0x10000 + 16 * pick(64));
    const uint32_t sizes[] = {1, 2, 4, 8, 16, 64};
    mmio(true, regs::kRegRingSize, sizes[pick(6)]);
    mmio(true, regs::kRegIrqEnable, pick(8));
    mmio(true, regs::kRegCoalesceCount, pick(6));
    mmio(true, regs::kRegCoalesceCycles, pick(300));
    if (pick(3)) mmio(true, regs::kRegAlivePeriod, 200 + pick(2000));
    if (pick(3)) mmio(true, regs::kRegAliveTimeout, 500 + pick(4000));
    alive_mask_ = (rng_() & rng_());
    mmio(true, regs::kRegAliveMaskLo, static_cast<uint32_t>(alive_mask_));
    mmio(true, regs::kRegAliveMaskHi, static_cast<uint32_t>(alive_mask_ >> 32));
    mmio(true, regs::kRegCtrl, regs::kCtrlEnableMask);
  }

  // Key spaces three times the tables' sizes (requesting side) and twice (owner side), so
  // that keys collide often and the tables overfill.
  Key random_key(bool owner_side = false) {
    const uint32_t objects = owner_side ? std::max(1u, opt_.rit_entries / 2) : std::max(1u, opt_.lit_entries / 4);
    return {owners_[pick(3)], 0x100 + pick(objects), static_cast<uint8_t>(pick(2)), pick(2)};
  }
  void write_key(const Key& k) {
    mmio(true, regs::kRegKeyOwner, k.owner);
    mmio(true, regs::kRegKeyObject, k.object);
    mmio(true, regs::kRegKeyEvent, k.event);
    mmio(true, regs::kRegKeyVersion, k.version);
  }

  void mmio_action() {
    const double x = u();
    if (x < 0.03 && !armed_.empty()) {  // CANCEL a key that was armed
      const size_t i = pick(static_cast<uint32_t>(armed_.size()));
      write_key(armed_[i]);
      mmio(true, regs::kRegCmd, u32(regs::Cmd::kCancel));
      armed_.erase(armed_.begin() + static_cast<std::ptrdiff_t>(i));
    } else if (x < 0.30) {  // ARM
      const Key k = random_key();
      write_key(k);
      mmio(true, regs::kRegCmd, u32(regs::Cmd::kArm));
      if (u() < 0.5) mmio(false, regs::kRegArmResult);
      armed_.push_back(k);  // remembered so that answers and notifies hit the table
      if (armed_.size() > 2 * opt_.lit_entries) armed_.pop_front();
    } else if (x < 0.40) {  // ANSWER
      write_key(random_key(true));
      mmio(true, regs::kRegAnsDst, pick(64));
      mmio(true, regs::kRegAnsState, pick(32));
      mmio(true, regs::kRegAnsReady, u() < 0.3);
      mmio(true, regs::kRegCmd, u32(regs::Cmd::kAnswer));
    } else if (x < 0.45) {  // PUBLISH: mostly objects that subscribes name, some that fill the table
      Key k = random_key(true);
      if (u() < 0.3) k.object = 0x100 + pick(regs::kRdtEntries + 8);
      write_key(k);
      mmio(true, regs::kRegRdyState, static_cast<uint32_t>(rng_()));
      mmio(true, regs::kRegCmd, u32(regs::Cmd::kPublish));
    } else if (x < 0.52) {  // NOTIFY
      write_key(random_key(true));
      mmio(true, regs::kRegAnsState, pick(32));
      mmio(true, regs::kRegCmd, u32(regs::Cmd::kNotify));
    } else if (x < 0.55) {  // UNPUBLISH
      write_key(random_key(true));
      mmio(true, regs::kRegCmd, u32(regs::Cmd::kUnpublish));
    } else if (x < 0.67) {  // the driver consumes records, lagging a little
      const uint32_t lag = std::min(pick(3), ring_head_ - ring_tail_);
      ring_tail_ = ring_head_ - lag;
      mmio(true, regs::kRegRingTail, ring_tail_);
    } else if (x < 0.80) {  // any register
      mmio(false, regs::kAllRegs[pick(regs::kAllRegs.size())].offset);
    } else if (x < 0.86) {
      mmio(true, regs::kRegIrqStatus, pick(8));
    } else if (x < 0.89) {
      mmio(true, regs::kRegStatus, pick(16));
    } else if (x < 0.93) {  // settings
      switch (pick(6)) {
        case 0: mmio(true, regs::kRegCoalesceCount, pick(6)); break;
        case 1: mmio(true, regs::kRegCoalesceCycles, pick(300)); break;
        case 2: mmio(true, regs::kRegAlivePeriod, u() < 0.2 ? 0 : 200 + pick(2000)); break;
        case 3: mmio(true, regs::kRegAliveTimeout, u() < 0.2 ? 0 : 300 + pick(4000)); break;
        case 4:
          alive_mask_ = (alive_mask_ & ~0xffffffffull) | static_cast<uint32_t>(rng_() & rng_());
          mmio(true, regs::kRegAliveMaskLo, static_cast<uint32_t>(alive_mask_));
          break;
        default: mmio(true, regs::kRegIrqEnable, pick(8)); break;
      }
    } else if (x < 0.96) {  // read the down nodes, or watch them again
      if (u() < 0.5) {
        mmio(false, u() < 0.5 ? regs::kRegNodesDownLo : regs::kRegNodesDownHi);
      } else {
        const bool hi = u() < 0.5;
        mmio(true, hi ? regs::kRegNodesDownHi : regs::kRegNodesDownLo,
             static_cast<uint32_t>(hi ? nodes_down_ >> 32 : nodes_down_));
      }
    } else if (x < 0.975) {  // off and on again
      mmio(true, regs::kRegCtrl, 0);
      mmio(false, regs::kRegStatus);
      mmio(true, regs::kRegCtrl, regs::kCtrlEnableMask);
    } else if (x < 0.985) {  // a new ring (set up while disabled): head and tail restart at 0
      mmio(true, regs::kRegCtrl, 0);
      mmio(true, regs::kRegRingSize, 1u << pick(7));
      mmio(true, regs::kRegCtrl, regs::kCtrlEnableMask);
      ring_head_ = ring_tail_ = 0;
    } else if (x < 0.99) {
      mmio(true, regs::kRegNodeId, u() < 0.8 ? self_ : pick(64));
    } else {  // ignored: unknown command, read-only registers
      mmio(true, pick(2) ? regs::kRegCmd : regs::kRegRingHead, 4 + pick(250));
    }
  }

  void rx_action() {
    const double x = u();
    if (x < 0.45) {  // answers and notifications, mostly for keys that were armed
      Key k = random_key();
      bool notify = u() < 0.3, ready = u() < 0.3;
      if (!armed_.empty() && u() < 0.7) {
        const size_t i = pick(static_cast<uint32_t>(armed_.size()));
        k = armed_[i];
        notify = u() < 0.5;
        if (notify || ready) armed_.erase(armed_.begin() + static_cast<std::ptrdiff_t>(i));
      }
      rx_q_.push_back(ntf_pkt(k.owner, k.object, k.event, k.version, static_cast<uint8_t>(pick(32)),
                              notify ? ipb::NeNotifyKind::kNotify : ipb::NeNotifyKind::kAnswer, notify || ready));
    } else if (x < 0.65) {
      const Key k = random_key();
      rx_q_.push_back(sub_pkt(static_cast<uint8_t>(pick(64)), k.object, k.event, k.version));
    } else if (x < 0.95) {  // keep most watched nodes alive; some stay silent
      int n = static_cast<int>(pick(64));
      for (int i = 0; i < 64 && alive_mask_; ++i)
        if (alive_mask_ >> ((n + i) % 64) & 1) {
          n = (n + i) % 64;
          break;
        }
      if (n % 5 != 0 || u() < 0.05) rx_q_.push_back(alive_pkt(static_cast<uint8_t>(n)));
    } else {  // junk: other packet types, short lengths, unknown kinds
      RxPkt p = sub_pkt(static_cast<uint8_t>(pick(64)), 1, 0, 0);
      switch (pick(3)) {
        case 0: p.type = u8(ipb::PacketType::kMsg); break;
        case 1: p.len = static_cast<uint8_t>(pick(12)); break;
        default:
          p = ntf_pkt(owners_[0], 0x100, 0, 0, 0, ipb::NeNotifyKind::kAnswer, false);
          ipb::ne_notify::set_kind(p.payload.data(), 3 + pick(250));
      }
      rx_q_.push_back(p);
    }
  }

  // No more traffic nor stalls: the engine must become idle with nothing outstanding.
  void drain() {
    p_tx_low_ = p_dma_low_ = 0;
    in_.tx_ready = in_.dma_ready = true;
    for (uint64_t i = 0; i < kDrainCycles; ++i) {
      step();
      if (!busy_ && mmio_q_.empty() && rx_q_.empty() && pending_rsp_.empty()) {
        res_.drained = true;
        return;
      }
    }
  }

  Core& core_;
  const CosimOptions& opt_;
  std::mt19937_64 rng_;
  CosimResult res_;
  Inputs in_;
  bool in_reset_ = false, reset_due_ = false, busy_ = true;
  std::deque<MmioReq> mmio_q_, pending_rsp_;
  std::deque<RxPkt> rx_q_;
  double density_ = 1, p_tx_low_ = 0.2, p_dma_low_ = 0.2;
  uint64_t next_phase_ = 0;
  uint8_t self_ = 0;
  std::array<uint8_t, 3> owners_{};
  uint64_t alive_mask_ = 0, nodes_down_ = 0;
  uint32_t ring_head_ = 0, ring_tail_ = 0;
  std::deque<Key> armed_;
};

}  // namespace

CosimResult run_cosim(Core& core, const CosimOptions& opt) { return Driver(core, opt).run(); }

}  // namespace shadowsel::ne
