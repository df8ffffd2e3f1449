// SPDX-License-Identifier: MIT
#include "shadowsel/driver/msg.h"

#include <algorithm>
#include <stdexcept>

#include "shadowsel/driver/kernel.h"
#include "shadowsel/hw/time.h"

namespace shadowsel::drv {

namespace ipb = gen::ipb;
using hw::now_cycles;

namespace {
uint64_t reassembly_key(uint32_t src, bool reply, uint32_t tag) {
  return (static_cast<uint64_t>(src) << 40) | (static_cast<uint64_t>(reply) << 32) | tag;
}
}  // namespace

MessageSystem::MessageSystem(Kernel& k) : k_(k) {
  k_.set_irq_handler(hw::IrqLine::kBusRx, [this] { on_rx_interrupt(); });
  k_.set_irq_handler(hw::IrqLine::kBusTx, [this] { on_tx_interrupt(); });
}

uint32_t MessageSystem::chunk_bytes() const {
  return k_.params().bus.max_payload_bytes - ipb::msg_frag::kBytes;
}

// --- process side -------------------------------------------------------------

void Process::post(Address to, std::span<const uint8_t> data) { k_.msg().post(*this, to, data); }
std::vector<uint8_t> Process::call(Address to, std::span<const uint8_t> request) {
  return k_.msg().call(*this, to, request);
}
Message Process::receive() { return k_.msg().receive(*this); }
void Process::reply(const Message& request, std::span<const uint8_t> data) {
  k_.msg().reply(*this, request, data);
}

void MessageSystem::post(Process& self, Address to, std::span<const uint8_t> data) {
  send(self, to, MsgKind::kPost, next_tag_++, data);
}

std::vector<uint8_t> MessageSystem::call(Process& self, Address to,
                                         std::span<const uint8_t> request) {
  const uint32_t tag = next_tag_++;
  reply_waiters_[tag] = &self;
  send(self, to, MsgKind::kRequest, tag, request);
  auto it = replies_.find(tag);
  while (it == replies_.end()) {
    k_.block(self);
    it = replies_.find(tag);
  }
  const Inbound in = it->second;
  replies_.erase(it);
  reply_waiters_.erase(tag);
  return take(self, in);
}

void MessageSystem::reply(Process& self, const Message& request, std::span<const uint8_t> data) {
  if (request.kind != MsgKind::kRequest) throw std::logic_error("reply to a message that is not a request");
  send(self, request.from, MsgKind::kReply, request.tag, data);
}

Message MessageSystem::receive(Process& self) {
  k_.execute(k_.costs().syscall_entry);
  Port& port = ports_[self.pid()];
  while (port.queue.empty()) {
    port.waiter = &self;
    k_.block(self);
  }
  port.waiter = nullptr;
  const Inbound in = port.queue.front();
  port.queue.pop_front();
  Message m{in.from, in.tag, in.kind, {}};
  m.data = take(self, in);
  return m;
}

std::vector<uint8_t> MessageSystem::take(Process& self, const Inbound& in) {
  (void)self;
  k_.execute(k_.costs().copy(in.len));
  std::vector<uint8_t> data(in.len);
  k_.node().memory().read(in.addr, data);
  k_.heap().free(in.addr);
  ++c_.received;
  k_.recorder().message_received(in.from.cpu, in.tag, in.kind == MsgKind::kReply, now_cycles());
  return data;
}

void MessageSystem::send(Process& self, Address to, MsgKind kind, uint32_t tag,
                         std::span<const uint8_t> data) {
  if (to.cpu >= k_.params().cpus) throw std::out_of_range("message to a CPU that does not exist");
  k_.recorder().message_sent(k_.cpu(), tag, kind == MsgKind::kReply, now_cycles());
  k_.execute(k_.costs().syscall_entry + k_.costs().copy(data.size()));

  reap_tx();
  std::optional<uint64_t> addr;
  while (tx_.size() >= kMaxTxMessages || !(addr = k_.heap().alloc(data.size()))) {
    if (tx_.empty()) {  // nothing in flight will free memory: waiting would hang
      throw std::runtime_error("cpu " + std::to_string(k_.cpu()) + ": message of " +
                               std::to_string(data.size()) + " bytes exceeds free kernel memory");
    }
    ++c_.sender_blocked;
    tx_waiters_.push_back(&self);
    k_.node().biu().set_tx_irq_enabled(true);
    k_.block(self);
    reap_tx();
  }
  k_.node().memory().write(*addr, data);
  ++c_.sent;
  c_.bytes_sent += data.size();
  const uint32_t len = static_cast<uint32_t>(data.size());

  if (to.cpu == k_.cpu()) {  // same memory: no bus, hand the buffer over
    deliver(Inbound{self.address(), tag, kind, *addr, len}, to.port);
    return;
  }

  const uint32_t chunk = chunk_bytes();
  const uint32_t fragments = std::max<uint32_t>(1, (len + chunk - 1) / chunk);
  const uint64_t cookie = next_cookie_++;
  tx_[cookie] = TxMessage{*addr, fragments};
  hw::TxRequest r;
  r.type = hw::PacketType::kMsg;
  r.dst_mask = 1ull << to.cpu;
  r.prefix_len = ipb::msg_frag::kBytes;
  r.cookie = cookie;
  for (uint32_t i = 0; i < fragments; ++i) {
    r.prefix.fill(0);
    uint8_t* h = r.prefix.data();
    ipb::msg_frag::set_tag(h, tag);
    ipb::msg_frag::set_total_len(h, len);
    ipb::msg_frag::set_dst_port(h, to.port);
    ipb::msg_frag::set_src_port(h, self.pid());
    ipb::msg_frag::set_kind(h, static_cast<uint64_t>(kind));
    uint64_t flags = 0;
    if (i == 0) flags |= static_cast<uint64_t>(ipb::FragFlags::kFirst);
    if (i + 1 == fragments) flags |= static_cast<uint64_t>(ipb::FragFlags::kLast);
    ipb::msg_frag::set_flags(h, flags);
    ipb::msg_frag::set_index(h, i);
    r.addr = *addr + static_cast<uint64_t>(i) * chunk;
    r.len = std::min(chunk, len - std::min(len, i * chunk));
    k_.node().biu().post(r);
    ++c_.tx_fragments;
  }
}

// --- interrupt side -------------------------------------------------------------

void MessageSystem::on_rx_interrupt() {
  // Level-triggered: drain everything present, so a burst costs one interrupt.
  hw::BusInterface& biu = k_.node().biu();
  while (!biu.rx_empty()) {
    hw::FramePtr f = biu.rx_pop();
    k_.execute(k_.costs().copy(f->payload().size()));
    if (f->type() == hw::PacketType::kMsg) on_frame(f->payload(), f->src());
  }
}

void MessageSystem::on_frame(std::span<const uint8_t> payload, uint32_t src) {
  ++c_.rx_fragments;
  const uint8_t* h = payload.data();
  const uint32_t tag = static_cast<uint32_t>(ipb::msg_frag::get_tag(h));
  const auto kind = static_cast<MsgKind>(ipb::msg_frag::get_kind(h));
  const uint64_t flags = ipb::msg_frag::get_flags(h);
  const uint32_t index = static_cast<uint32_t>(ipb::msg_frag::get_index(h));
  const uint64_t key = reassembly_key(src, kind == MsgKind::kReply, tag);

  if (flags & static_cast<uint64_t>(ipb::FragFlags::kFirst)) {
    Reassembly r;
    r.msg.from = {src, static_cast<uint32_t>(ipb::msg_frag::get_src_port(h))};
    r.msg.tag = tag;
    r.msg.kind = kind;
    r.msg.len = static_cast<uint32_t>(ipb::msg_frag::get_total_len(h));
    r.dst_port = static_cast<uint32_t>(ipb::msg_frag::get_dst_port(h));
    if (auto a = k_.heap().alloc(r.msg.len)) {
      r.msg.addr = *a;
    } else {
      r.dropped = true;
      ++c_.rx_no_memory;
    }
    reassembly_[key] = r;
  }
  auto it = reassembly_.find(key);
  if (it == reassembly_.end() || index != it->second.next_index) {
    throw std::logic_error("message fragment out of order: the bus broke its ordering promise");
  }
  Reassembly& r = it->second;
  const auto data = payload.subspan(ipb::msg_frag::kBytes);
  if (!r.dropped && !data.empty()) {
    k_.node().memory().write(r.msg.addr + static_cast<uint64_t>(index) * chunk_bytes(), data);
  }
  r.received += static_cast<uint32_t>(data.size());
  ++r.next_index;
  if (flags & static_cast<uint64_t>(ipb::FragFlags::kLast)) {
    if (r.received != r.msg.len) throw std::logic_error("message length mismatch on reassembly");
    if (!r.dropped) deliver(r.msg, r.dst_port);
    reassembly_.erase(it);
  }
}

void MessageSystem::deliver(const Inbound& in, uint32_t dst_port) {
  if (in.kind == MsgKind::kReply) {
    auto w = reply_waiters_.find(in.tag);
    if (w == reply_waiters_.end() || w->second->pid() != dst_port) {
      ++c_.undeliverable;
      k_.heap().free(in.addr);
      return;
    }
    replies_[in.tag] = in;
    k_.wake(*w->second);
    return;
  }
  const auto& procs = k_.processes();
  const bool owned = std::any_of(procs.begin(), procs.end(), [&](const auto& p) {
    return p->pid() == dst_port && !p->exited();
  });
  if (!owned) {
    ++c_.undeliverable;
    k_.heap().free(in.addr);
    return;
  }
  Port& port = ports_[dst_port];
  port.queue.push_back(in);
  if (port.waiter) k_.wake(*port.waiter);
}

void MessageSystem::reap_tx() {
  hw::BusInterface& biu = k_.node().biu();
  while (!biu.tx_done_empty()) {
    auto it = tx_.find(biu.tx_done_pop());
    if (it == tx_.end()) throw std::logic_error("transmit completion for an unknown message");
    if (--it->second.fragments_left == 0) {
      k_.heap().free(it->second.addr);
      tx_.erase(it);
    }
  }
}

void MessageSystem::on_tx_interrupt() {
  reap_tx();
  k_.node().biu().set_tx_irq_enabled(false);
  std::deque<Process*> waiters;
  waiters.swap(tx_waiters_);
  for (Process* p : waiters) k_.wake(*p);
}

void MessageSystem::register_stats(sim::Stats& s) const {
  const std::string p = "cpu." + std::to_string(k_.cpu()) + ".msg.";
  s.counter(p + "sent", &c_.sent, "messages", "messages sent");
  s.counter(p + "received", &c_.received, "messages", "messages taken by a process");
  s.counter(p + "tx_fragments", &c_.tx_fragments, "packets", "MSG packets queued");
  s.counter(p + "rx_fragments", &c_.rx_fragments, "packets", "MSG packets received");
  s.counter(p + "bytes_sent", &c_.bytes_sent, "bytes", "message bytes sent");
  s.counter(p + "sender_blocked", &c_.sender_blocked, "sends", "sends that waited for transmit resources");
  s.counter(p + "undeliverable", &c_.undeliverable, "messages", "messages to an unowned port, dropped");
  s.counter(p + "rx_no_memory", &c_.rx_no_memory, "messages", "messages dropped for lack of kernel memory");
}

}  // namespace shadowsel::drv
