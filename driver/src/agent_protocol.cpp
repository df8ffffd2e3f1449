// SPDX-License-Identifier: MIT
// The kSelect and kSpawn messages, written by the kernel and read by the agents and the
// process manager: one place for both sides.
#include "shadowsel/driver/agent_protocol.h"

#include <map>
#include <stdexcept>

#include "shadowsel/driver/filesystem.h"
#include "shadowsel/driver/wire.h"

namespace shadowsel::drv {

RemoteOpHead get_remote_op(WireReader& r) {
  r.get<AgentMsg>();
  RemoteOpHead h;
  h.corr = r.get<uint64_t>();
  h.from = r.get<uint32_t>();
  h.op = r.get<uint8_t>();
  r.get<uint32_t>();  // owner: the CPU reading it
  h.id = r.get<uint32_t>();
  return h;
}

std::vector<uint8_t> encode_remote_result(uint64_t corr, int64_t ret, uint32_t version,
                                          std::span<const uint8_t> data, const std::optional<ObjectState>& state) {
  WireWriter m;
  m.put(AgentMsg::kRemoteResult).put(corr).put(ret).put(version).bytes(data);
  if (state) put_state(m, *state);
  return m.data();
}
namespace {
// A kSpawn message carries each description's shared status as a key into this
// table, which holds the reference until the child's CPU takes it: one whose
// message is never read (the run ends first) is freed with the table, not leaked.
struct StatusesInFlight {
  std::map<uint64_t, std::shared_ptr<OpenFile::Status>> by_key;
  uint64_t next_key = 1;
};
StatusesInFlight& in_flight() {
  static StatusesInFlight t;
  return t;
}
}  // namespace

void put_state(WireWriter& w, const ObjectState& s) {
  w.put(s.kind);
  if (s.kind == ObjectState::Kind::kSocket) {
    w.put(s.events);
  } else {
    w.put<uint8_t>(s.nonempty).put<uint8_t>(s.full).put(s.readers).put(s.writers).put(s.w_counter);
  }
  w.put(s.changed_at);
}

ObjectState get_state(WireReader& r) {
  ObjectState s;
  s.kind = r.get<ObjectState::Kind>();
  if (s.kind == ObjectState::Kind::kSocket) {
    s.events = r.get<short>();
  } else {
    s.nonempty = r.get<uint8_t>();
    s.full = r.get<uint8_t>();
    s.readers = r.get<uint32_t>();
    s.writers = r.get<uint32_t>();
    s.w_counter = r.get<uint32_t>();
  }
  s.changed_at = r.get<uint64_t>();
  return s;
}

void put_push(WireWriter& w, const ShadowPush& p) {
  w.put<uint8_t>(p.forwarding).put(p.events).put<uint8_t>(p.done).put(p.window).put(p.epoch).put<uint8_t>(p.has_datagram);
}

ShadowPush get_push(WireReader& r) {
  ShadowPush p;
  p.forwarding = r.get<uint8_t>();
  p.events = r.get<short>();
  p.done = r.get<uint8_t>();
  p.window = r.get<uint32_t>();
  p.epoch = r.get<uint32_t>();
  p.has_datagram = r.get<uint8_t>();
  return p;
}

void put_unread(WireWriter& w, const std::deque<uint8_t>& stream, const std::deque<Datagram>& dgrams) {
  w.bytes(std::vector<uint8_t>(stream.begin(), stream.end()));
  w.put(static_cast<uint32_t>(dgrams.size()));
  for (const Datagram& d : dgrams) w.put(d.addr).put(d.port).bytes(d.bytes);
}

void get_unread(WireReader& r, std::vector<uint8_t>* stream, std::vector<Datagram>* dgrams) {
  const auto b = r.bytes();
  stream->assign(b.begin(), b.end());
  dgrams->resize(r.get<uint32_t>());
  for (Datagram& d : *dgrams) {
    d.addr = r.get<uint32_t>();
    d.port = r.get<uint32_t>();
    const auto x = r.bytes();
    d.bytes.assign(x.begin(), x.end());
  }
}

std::vector<uint8_t> encode_select(uint64_t wait_id, std::span<const SelectItem> items, AgentMsg kind) {
  WireWriter w;
  w.put(kind).put(wait_id).put(static_cast<uint32_t>(items.size()));
  for (const SelectItem& it : items) {
    w.put(it.key.owner).put(it.key.object).put(it.key.event).put(it.key.version).put(it.slot);
  }
  return w.data();
}

std::vector<SelectItem> decode_select(std::span<const uint8_t> msg, uint64_t* wait_id) {
  WireReader r(msg);
  r.get<AgentMsg>();
  *wait_id = r.get<uint64_t>();
  std::vector<SelectItem> items(r.get<uint32_t>());
  for (SelectItem& it : items) {
    it.key = get_key(r);
    it.slot = r.get<uint32_t>();
  }
  return items;
}

std::vector<uint8_t> encode_key_from(AgentMsg kind, const SelectKey& k, uint32_t from) {
  WireWriter w;
  w.put(kind).put(k.owner).put(k.object).put(k.event).put(k.version).put(from);
  return w.data();
}

std::vector<uint8_t> encode_key_state(AgentMsg kind, const SelectKey& k, const ObjectState& s, bool flag) {
  WireWriter w;
  w.put(kind).put(k.owner).put(k.object).put(k.event).put(k.version);
  put_state(w, s);
  w.put<uint8_t>(flag);
  return w.data();
}

SelectKey get_key(WireReader& r) {
  SelectKey k;
  k.owner = r.get<uint32_t>();
  k.object = r.get<uint32_t>();
  k.event = r.get<uint8_t>();
  k.version = r.get<uint32_t>();
  return k;
}

std::optional<ObjectState> get_result_state(WireReader& r) {
  if (r.done()) return std::nullopt;
  return get_state(r);
}

std::vector<uint8_t> encode_spawn(const SpawnRequest& r) {
  WireWriter w;
  w.put(AgentMsg::kSpawn).put(reinterpret_cast<uint64_t>(r.fn)).put(reinterpret_cast<uint64_t>(r.arg))
      .put<int32_t>(r.parent).put<uint64_t>(r.signals.blocked())
      .put<int32_t>(r.inherit.pgid).put<uint64_t>(r.inherit.core_soft).put<uint64_t>(r.inherit.core_hard);
  // the dispositions other than SIG_DFL (handlers are host pointers: one host process)
  std::vector<int> set;
  for (int sig = 1; sig <= kMaxSignal; ++sig) {
    const SignalAction& a = r.signals.action(sig);
    if (a.handler || a.flags || a.mask) set.push_back(sig);
  }
  w.put<uint8_t>(static_cast<uint8_t>(set.size()));
  for (const int sig : set) {
    const SignalAction& a = r.signals.action(sig);
    w.put<uint8_t>(static_cast<uint8_t>(sig)).put(reinterpret_cast<uint64_t>(a.handler)).put<int32_t>(a.flags).put(a.mask);
  }
  w.put<uint32_t>(static_cast<uint32_t>(r.files.size()));
  for (const auto& f : r.files) {
    const uint64_t status = in_flight().next_key++;
    in_flight().by_key.emplace(status, f->status);
    w.put(static_cast<uint8_t>(f->type)).put(status).put(f->conn.owner)
        .put(f->conn.id).put<uint8_t>(f->conn.fifo).put(f->version)
        .put<uint64_t>(f->node ? f->node->id : 0).put<int32_t>(f->host_fd);
  }
  w.put<uint32_t>(static_cast<uint32_t>(r.fd_map.size()));
  for (int32_t i : r.fd_map) w.put<int32_t>(i);
  return w.data();
}

SpawnRequest decode_spawn(std::span<const uint8_t> msg, const FileSystem& fs) {
  WireReader r(msg);
  r.get<AgentMsg>();
  SpawnRequest q;
  q.fn = reinterpret_cast<int (*)(void*)>(r.get<uint64_t>());
  q.arg = reinterpret_cast<void*>(r.get<uint64_t>());
  q.parent = r.get<int32_t>();
  q.signals.set_blocked(r.get<uint64_t>());
  q.inherit.pgid = r.get<int32_t>();
  q.inherit.core_soft = r.get<uint64_t>();
  q.inherit.core_hard = r.get<uint64_t>();
  for (int n = r.get<uint8_t>(); n > 0; --n) {
    const int sig = r.get<uint8_t>();
    SignalAction a;
    a.handler = reinterpret_cast<void*>(r.get<uint64_t>());
    a.flags = r.get<int32_t>();
    a.mask = r.get<uint64_t>();
    q.signals.set_action(sig, a);
  }
  q.files.resize(r.get<uint32_t>());
  for (auto& file : q.files) {
    auto f = std::make_shared<OpenFile>();
    f->type = static_cast<OpenFile::Type>(r.get<uint8_t>());
    const auto status = in_flight().by_key.find(r.get<uint64_t>());
    if (status == in_flight().by_key.end()) throw std::logic_error("kSpawn: description status read twice");
    f->status = std::move(status->second);
    in_flight().by_key.erase(status);
    f->conn.owner = r.get<uint32_t>();
    f->conn.id = r.get<uint32_t>();
    f->conn.fifo = r.get<uint8_t>();
    f->version = r.get<uint32_t>();
    const uint64_t node = r.get<uint64_t>();
    f->host_fd = r.get<int32_t>();
    if (node) f->node = fs.by_id(node);
    file = std::move(f);
  }
  q.fd_map.resize(r.get<uint32_t>());
  for (int32_t& i : q.fd_map) i = r.get<int32_t>();
  return q;
}

}  // namespace shadowsel::drv
