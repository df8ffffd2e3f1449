// SPDX-License-Identifier: MIT
// The network I/O process as a process pair (docs/faults.md, "Process pair"), as
// NonStop's conventional TCP/IP runs: the primary checkpoints the sockets that would
// survive its CPU's failure (listening, UDP, never-connected TCP) to a backup on
// another CPU; when the primary's CPU is declared down the backup re-creates them with
// the same ids, ports and options, takes the dual-ported network port, tells every
// socket agent which sockets survived (the others, connections, are reset) and starts
// a new backup on the next CPU up.
#include <algorithm>

#include "net_io_socket.h"
#include "shadowsel/driver/kernel.h"
#include "shadowsel/driver/membership.h"
#include "shadowsel/hw/time.h"

namespace shadowsel::fw {

using drv::AgentMsg;
using drv::WireReader;
using drv::WireWriter;

bool NetworkIo::survives(const Socket& s) {
  if (s.unix_family || s.remote_peer || s.queued) return false;
  if (s.dgram || s.state == State::kListen) return true;
  return s.state == State::kClosed && s.peer_port == 0 && !s.connect_failed;
}

// What re-creates a surviving socket: its binding, options, listen backlog, reuseport
// group (port and flag), the descriptions per CPU (where to forward) and the forwarding
// epoch. Data held or in flight is not kept: UDP may lose datagrams.
std::vector<uint8_t> NetworkIo::record(const Socket& s) {
  WireWriter w;
  w.put<uint8_t>(s.dgram).put(static_cast<uint8_t>(s.state)).put<uint8_t>(s.bound);
  w.put(s.addr).put(s.port).put(s.peer_addr).put(s.peer_port).put<int32_t>(s.backlog);
  w.put(s.window).put<int32_t>(s.sndbuf).put(s.shutdown).put(s.epoch);
  w.put<uint8_t>(s.reuseaddr | s.reuseport << 1 | s.nodelay << 2 | s.keepalive << 3);
  w.put(static_cast<uint32_t>(s.cpus.size()));
  for (const auto& [cpu, n] : s.cpus) w.put(cpu).put(n);
  return w.data();
}

void NetworkIo::restore(Socket& s, std::span<const uint8_t> rec) {
  WireReader r(rec);
  s.dgram = r.get<uint8_t>();
  s.state = static_cast<State>(r.get<uint8_t>());
  s.bound = r.get<uint8_t>();
  s.addr = r.get<uint32_t>();
  s.port = r.get<uint32_t>();
  s.peer_addr = r.get<uint32_t>();
  s.peer_port = r.get<uint32_t>();
  s.backlog = r.get<int32_t>();
  s.window = r.get<uint32_t>();
  s.sndbuf = r.get<int32_t>();
  s.shutdown = r.get<uint8_t>();
  s.epoch = r.get<uint32_t>();
  const auto flags = r.get<uint8_t>();
  s.reuseaddr = flags & 1;
  s.reuseport = flags & 2;
  s.nodelay = flags & 4;
  s.keepalive = flags & 8;
  for (uint32_t n = r.get<uint32_t>(); n > 0; --n) {
    const uint32_t cpu = r.get<uint32_t>();
    s.cpus[cpu] = r.get<uint32_t>();
  }
}

void NetworkIo::checkpoint(drv::Process& self, bool full) {
  if (!backup_) return;
  if (full) sent_.clear();
  std::map<uint32_t, std::vector<uint8_t>> now;
  for (const auto& [id, s] : socks_) {
    if (survives(*s)) now[id] = record(*s);
  }
  WireWriter entries;
  uint32_t n = 0;
  for (const auto& [id, rec] : sent_) {
    if (!now.count(id)) {
      entries.put(id).put<uint8_t>(0);
      ++n;
    }
  }
  for (const auto& [id, rec] : now) {
    auto it = sent_.find(id);
    if (it != sent_.end() && it->second == rec) continue;
    entries.put(id).put<uint8_t>(1).bytes(rec);
    ++n;
  }
  if (n == 0 && !full) return;
  sent_ = std::move(now);
  WireWriter w;
  w.put(AgentMsg::kNetCheckpoint).put(px_.kernel().cpu()).put<uint8_t>(full).put(next_id_).put(next_port_).put(n);
  std::vector<uint8_t> out = w.data();
  out.insert(out.end(), entries.data().begin(), entries.data().end());
  step();
  ++c_.checkpoints_sent;
  c_.checkpoint_entries_sent += n;
  self.post(drv::Address{*backup_, drv::kNetIoPort}, out);
}

void NetworkIo::on_checkpoint(std::span<const uint8_t> body) {
  WireReader r(body);
  r.get<AgentMsg>();
  primary_ = r.get<uint32_t>();
  const bool full = r.get<uint8_t>();
  ckpt_next_id_ = r.get<uint32_t>();
  ckpt_next_port_ = r.get<uint32_t>();
  step();
  ++c_.checkpoints_received;
  if (full) ckpt_.clear();
  for (uint32_t n = r.get<uint32_t>(); n > 0; --n) {
    const uint32_t id = r.get<uint32_t>();
    if (r.get<uint8_t>()) {
      const auto rec = r.bytes();
      ckpt_[id].assign(rec.begin(), rec.end());
    } else {
      ckpt_.erase(id);
    }
  }
}

void NetworkIo::take_over(drv::Process& self, uint32_t old) {
  const uint32_t me = px_.kernel().cpu();
  const drv::Membership& members = px_.kernel().membership();
  ++c_.takeovers;
  c_.takeover_at = hw::now_cycles();
  px_.kernel().recorder().io_takeover(me, old, c_.takeover_at);
  primary_.reset();
  next_id_ = std::max(next_id_, ckpt_next_id_);
  next_port_ = ckpt_next_port_;
  std::vector<uint32_t> survived;
  for (const auto& [id, rec] : std::exchange(ckpt_, {})) {
    step();
    auto s = std::make_unique<Socket>();
    s->id = id;
    restore(*s, rec);
    std::erase_if(s->cpus, [&members](const auto& c) { return !members.up(c.first); });
    if (s->cpus.empty()) continue;  // only dead CPUs held it: closed with them
    next_id_ = std::max(next_id_, (id & ~drv::kSocketObjectBit) + 1);
    survived.push_back(id);
    socks_[id] = std::move(s);
  }
  c_.sockets_survived += survived.size();
  // The controller is dual-ported to this CPU: frames from the hosts come here now.
  if (port_) {
    port_->switch_to(px_.kernel().node().irq());
    if (rx_) px_.kernel().wake(*rx_);
  }
  new_backup(self, old, survived);
  // The forwarding CPUs' shadows learn the new epoch (after kNetTakeover re-keyed them).
  for (const uint32_t id : survived) {
    if (Socket* s = find(id)) changed(self, *s);
  }
}

void NetworkIo::new_backup(drv::Process& self, uint32_t old, const std::vector<uint32_t>& survived) {
  const uint32_t me = px_.kernel().cpu(), cpus = px_.kernel().params().cpus;
  const drv::Membership& members = px_.kernel().membership();
  backup_.reset();
  for (uint32_t i = 1; i < cpus; ++i) {
    if (members.up((me + i) % cpus)) {
      backup_ = (me + i) % cpus;
      break;
    }
  }
  if (backup_) ++c_.backups_created;
  WireWriter w;
  w.put(AgentMsg::kNetTakeover).put(old).put(me).put(backup_.value_or(drv::kNoCpu));
  w.put(static_cast<uint32_t>(survived.size()));
  for (const uint32_t id : survived) w.put(id);
  for (uint32_t c = 0; c < cpus; ++c) {
    if (members.up(c)) self.post(drv::Address{c, drv::kSocketAgentPort}, w.data());
  }
  checkpoint(self, true);  // the new backup starts from everything that survives now
}

}  // namespace shadowsel::fw
