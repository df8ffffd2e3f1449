// SPDX-License-Identifier: MIT
#include "shadowsel/firmware/liveness.h"

#include <bit>

#include "shadowsel/driver/kernel.h"
#include "shadowsel/driver/membership.h"
#include "shadowsel/driver/msg.h"
#include "shadowsel/hw/bus_interface.h"
#include "shadowsel/hw/time.h"

namespace shadowsel::fw {

namespace ipb = gen::ipb;

namespace {
uint64_t bit(uint32_t n) { return uint64_t{1} << n; }
}  // namespace

Liveness::Liveness(drv::PosixKernel& px)
    : px_(px),
      period_(px.kernel().params().liveness.period_cycles),
      missed_(px.kernel().params().liveness.missed_periods),
      me_(px.kernel().cpu()),
      view_(px.kernel().params().cpus >= 64 ? ~uint64_t{0} : bit(px.kernel().params().cpus) - 1) {}

void Liveness::start() {
  drv::Kernel& k = px_.kernel();
  drv::Process& p = k.spawn_service(drv::kLivenessPort, "liveness", [this](drv::Process& self) { run(self); });
  k.membership().set_service(&p);
  // The engine paths watch liveness in the engine (NeDriver programs it).
  if (!k.params().liveness.enabled || k.node().engine()) return;
  k.set_tick(period_, [this] { tick(); });
  k.msg().set_other_frames([this](const hw::Frame& f) { on_frame(f); });
}

void Liveness::run(drv::Process& self) {
  drv::Membership& m = px_.kernel().membership();
  for (;;) {
    if (!m.serve_pending(self)) px_.kernel().block(self);
  }
}

uint64_t Liveness::silent(uint64_t now) const {
  const hw::BusInterface& biu = px_.kernel().node().biu();
  const uint64_t limit = missed_ * period_;
  uint64_t out = 0;
  for (uint64_t m = view_ & ~bit(me_); m; m &= m - 1) {
    const auto c = static_cast<uint32_t>(std::countr_zero(m));
    // Heard may be later than `now`: the caller's charge lets beacons arrive meanwhile.
    const uint64_t heard = std::max(biu.alive_heard(c), deaf_until_);
    if (heard < now && now - heard > limit) out |= bit(c);
  }
  return out;
}

void Liveness::tick() {
  drv::Kernel& k = px_.kernel();
  hw::BusInterface& biu = k.node().biu();
  const uint64_t now = hw::now_cycles();
  const uint64_t t = now / period_;
  // The round that ends at this tick first: its decision changes the view.
  while (!rounds_.empty() && rounds_.begin()->first <= t) {
    const Round r = rounds_.begin()->second;
    const bool due = rounds_.begin()->first == t;
    rounds_.erase(rounds_.begin());
    if (due) decide(r);
    if (k.halted()) return;
  }
  const uint64_t others = view_ & ~bit(me_);
  if (others == 0) return;
  k.execute(k.costs().fd_check * static_cast<uint64_t>(std::popcount(others)));
  for (const int lane : {0, 1}) {
    hw::TxRequest r;
    r.type = hw::PacketType::kAlive;
    r.dst_mask = others;
    r.lane = static_cast<int8_t>(lane);
    r.quiet = true;
    biu.post(r);
    ++(lane == 0 ? c_.alive_sent_x : c_.alive_sent_y);
  }
  // With both lanes down nobody can be heard: that says nothing about the others, and
  // the silence counts again only from when a lane is back.
  if (biu.both_lanes_down()) {
    deaf_until_ = now;
    return;
  }
  const uint64_t s = silent(now);
  c_.suspicions += static_cast<uint64_t>(std::popcount(s & ~suspected_));
  suspected_ |= s;
  if (s && rounds_.empty()) join(t + 1, now);
}

void Liveness::join(uint64_t end, uint64_t now) {
  Round& r = rounds_[end];
  if (r.joined) return;
  r.joined = true;
  const uint64_t mine = view_ & ~silent(now);
  r.views[me_] = mine;
  r.got |= bit(me_);
  const uint64_t others = view_ & ~bit(me_);
  if (others == 0) return;
  hw::TxRequest q;
  q.type = hw::PacketType::kRegroup;
  q.dst_mask = others;
  q.quiet = true;
  q.prefix_len = ipb::regroup::kBytes;
  ipb::regroup::set_view(q.prefix.data(), mine);
  ipb::regroup::set_end_tick(q.prefix.data(), end);
  px_.kernel().node().biu().post(q);
  ++c_.regroup_sent;
}

void Liveness::on_frame(const hw::Frame& f) {
  if (f.type() != hw::PacketType::kRegroup || f.payload().size() < ipb::regroup::kBytes) return;
  const uint32_t src = f.src();
  if (!(view_ & bit(src))) return;  // already declared down here: not a participant
  const uint8_t* p = f.payload().data();
  const uint64_t end = ipb::regroup::get_end_tick(p);
  const uint64_t now = hw::now_cycles();
  if (end <= now / period_) return;  // its round is decided already
  join(end, now);
  Round& r = rounds_[end];
  r.views[src] = ipb::regroup::get_view(p);
  r.got |= bit(src);
}

void Liveness::decide(const Round& r) {
  drv::Kernel& k = px_.kernel();
  ++c_.rounds;
  c_.last_round_at = hw::now_cycles();
  // Keep the largest group in which every two hold each other up (see the header).
  uint64_t g = r.got & view_;
  auto mutual = [&r](uint32_t i, uint32_t j) { return (r.views[i] >> j & 1) && (r.views[j] >> i & 1); };
  for (;;) {
    int worst = -1;
    int worst_links = 64;
    const int need = std::popcount(g) - 1;
    bool clique = true;
    for (uint64_t m = g; m; m &= m - 1) {
      const auto i = static_cast<uint32_t>(std::countr_zero(m));
      int links = 0;
      for (uint64_t n = g & ~bit(i); n; n &= n - 1) links += mutual(i, static_cast<uint32_t>(std::countr_zero(n)));
      if (links < need) clique = false;
      if (links <= worst_links) worst = static_cast<int>(i), worst_links = links;
    }
    if (clique) break;
    g &= ~bit(static_cast<uint32_t>(worst));
  }
  const uint64_t before = view_;
  if (!(g & bit(me_))) {
    halt_self("declared down by the others (regroup)");
    return;
  }
  if (2 * std::popcount(g) < std::popcount(before)) {
    halt_self("left in a group of " + std::to_string(std::popcount(g)) + " of " +
              std::to_string(std::popcount(before)) + " CPUs (regroup)");
    return;
  }
  view_ = g;
  suspected_ &= g;
  for (uint64_t m = before & ~g; m; m &= m - 1) {
    k.membership().declare_down(static_cast<uint32_t>(std::countr_zero(m)), "regroup");
  }
}

void Liveness::halt_self(const std::string& why) {
  halt_reason_ = why;
  c_.self_halted = 1;
  px_.kernel().recorder().cpu_declared_down(me_, me_, "halted itself: " + why, hw::now_cycles());
  px_.kernel().halt();
}

void Liveness::register_stats(sim::Stats& s) const {
  const std::string p = "cpu." + std::to_string(me_) + ".liveness.";
  s.counter(p + "alive_sent_x", &c_.alive_sent_x, "packets", "I'm-alive multicasts posted for lane X");
  s.counter(p + "alive_sent_y", &c_.alive_sent_y, "packets", "I'm-alive multicasts posted for lane Y");
  s.counter(p + "suspicions", &c_.suspicions, "cpus", "CPUs found silent for missed_periods periods");
  s.counter(p + "regroup_rounds", &c_.rounds, "rounds", "regroup rounds decided on this CPU");
  s.counter(p + "regroup_sent", &c_.regroup_sent, "packets", "REGROUP views sent (one multicast each)");
  s.counter(p + "self_halted", &c_.self_halted, "flag",
            "1: this CPU halted itself (declared down by the others, or left in a minority)");
  s.counter(p + "last_round_at", &c_.last_round_at, "cycles", "cycle of the last regroup decision, 0 none");
}

}  // namespace shadowsel::fw
