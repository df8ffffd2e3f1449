// SPDX-License-Identifier: MIT
#include "shadowsel/tb/delivery.h"

#include <cstring>
#include <random>

#include "shadowsel/driver/msg.h"

namespace shadowsel::tb {

namespace {

constexpr uint32_t kHead = 20;  // src, dst, seq, length, checksum: 5 x u32

uint64_t mix(uint64_t x) {  // splitmix64: the body bytes of (src, dst, seq)
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

uint32_t fnv1a(const uint8_t* p, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 16777619u;
  return h;
}

std::vector<uint8_t> message(uint32_t src, uint32_t dst, uint32_t seq, uint32_t len) {
  std::vector<uint8_t> m(len);
  uint64_t x = mix((static_cast<uint64_t>(src) << 48) ^ (static_cast<uint64_t>(dst) << 32) ^ seq);
  for (uint32_t i = kHead; i < len; ++i) {
    if ((i - kHead) % 8 == 0) x = mix(x);
    m[i] = static_cast<uint8_t>(x >> ((i - kHead) % 8 * 8));
  }
  const uint32_t head[5] = {src, dst, seq, len, fnv1a(m.data() + kHead, len - kHead)};
  std::memcpy(m.data(), head, kHead);
  return m;
}

struct Planned {
  uint32_t dst;
  uint32_t len;
};

}  // namespace

DeliveryCheck::DeliveryCheck(Simulation& sim, const DeliveryOptions& o) : sim_(sim) {
  const uint32_t cpus = sim.cpus();
  // The whole plan first: each receiver must know how many messages to take.
  std::mt19937_64 rng(o.seed);
  std::vector<std::vector<Planned>> plan(cpus);
  std::vector<uint64_t> expected(cpus, 0);
  const uint32_t one_fragment = sim.scenario().machine.bus.max_payload_bytes - 16;
  for (uint64_t i = 0; i < o.messages; ++i) {
    const uint32_t src = static_cast<uint32_t>(i % cpus);
    uint32_t dst = static_cast<uint32_t>(rng() % (cpus - 1));
    if (dst >= src) ++dst;
    // Mostly one fragment, a third several, a few many: fragments of a message
    // must stay together and in order across every fault too.
    const uint64_t pick = rng() % 100;
    const uint32_t lo = pick < 65 ? kHead : pick < 95 ? one_fragment + 1 : 5 * one_fragment + 1;
    const uint32_t hi = pick < 65 ? one_fragment : pick < 95 ? 5 * one_fragment : std::max(lo, o.max_bytes);
    plan[src].push_back({dst, lo + static_cast<uint32_t>(rng() % (hi - lo + 1))});
    ++expected[dst];
  }

  std::vector<drv::Address> receivers(cpus);
  for (uint32_t d = 0; d < cpus; ++d) {
    receivers[d] = sim.kernel(d)
                       .spawn("receiver",
                              [this, d, cpus, want = expected[d]](drv::Process& self) {
                                std::vector<uint32_t> next(cpus, 0);
                                for (uint64_t n = 0; n < want; ++n) {
                                  const drv::Message m = self.receive();
                                  uint32_t head[5] = {};
                                  if (m.data.size() >= kHead) std::memcpy(head, m.data.data(), kHead);
                                  const uint32_t src = head[0];
                                  if (m.data.size() < kHead || src != m.from.cpu || src >= cpus || head[1] != d ||
                                      head[3] != m.data.size() ||
                                      head[4] != fnv1a(m.data.data() + kHead, m.data.size() - kHead) ||
                                      m.data != message(src, d, head[2], head[3])) {
                                    ++r_.damaged;
                                  } else if (head[2] == next[src]) {
                                    ++r_.in_order;
                                    ++next[src];
                                  } else if (head[2] < next[src]) {
                                    ++r_.duplicates;
                                  } else {
                                    ++r_.gaps;
                                    next[src] = head[2] + 1;
                                  }
                                }
                              })
                       .address();
  }
  for (uint32_t s = 0; s < cpus; ++s) {
    sim.kernel(s).spawn("sender", [this, s, cpus, receivers, mine = std::move(plan[s])](drv::Process& self) {
      std::vector<uint32_t> seq(cpus, 0);
      for (const Planned& p : mine) {
        self.post(receivers[p.dst], message(s, p.dst, seq[p.dst]++, p.len));
        ++r_.sent;
      }
      sim_.kernel(s).msg().flush(self);  // the end counts only what was acknowledged
    });
  }
}

DeliveryResult DeliveryCheck::result() const {
  DeliveryResult r = r_;
  r.acknowledged = 0;
  for (uint32_t c = 0; c < sim_.cpus(); ++c) r.acknowledged += sim_.kernel(c).msg().counters().acknowledged;
  return r;
}

void add_delivery_faults(Scenario& s) {
  for (char lane : {'X', 'Y'}) {
    Fault f;
    f.kind = FaultKind::kLaneFlap;
    f.lane = lane;
    f.until_cycle = 400'000'000;
    f.mean_up_cycles = 150'000;
    f.mean_down_cycles = 100'000;
    f.where = "add_delivery_faults";
    s.faults.push_back(f);
  }
  for (const auto& [kind, rate] : {std::pair{FaultKind::kCorruptPacket, 0.01}, std::pair{FaultKind::kDropPacket, 0.005},
                                   std::pair{FaultKind::kDropAck, 0.005}}) {
    Fault f;
    f.kind = kind;
    f.rate = rate;
    f.where = "add_delivery_faults";
    s.faults.push_back(f);
  }
}

}  // namespace shadowsel::tb
