// SPDX-License-Identifier: MIT
#include "shadowsel/driver/msg.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <systemc>

#include "shadowsel/driver/kernel.h"
#include "shadowsel/driver/membership.h"
#include "shadowsel/hw/time.h"

namespace shadowsel::drv {

namespace ipb = gen::ipb;
using hw::now_cycles;

namespace {
uint64_t reassembly_key(uint32_t src, bool reply, uint32_t tag) {
  return (static_cast<uint64_t>(src) << 40) | (static_cast<uint64_t>(reply) << 32) | tag;
}

uint64_t aligned(uint64_t bytes) { return std::max<uint64_t>(Heap::kAlign, (bytes + Heap::kAlign - 1) / Heap::kAlign * Heap::kAlign); }

// The part of a pool requests and posts may use: all but the reply reserve
// (the same rule as hw::msg_max_request_bytes).
uint64_t request_limit(uint64_t pool) { return pool - pool / 4; }
static_assert(Heap::kAlign == 16, "hw::msg_pool_bytes rounds to the heap's 16-byte units");
}  // namespace

std::optional<uint64_t> MessageSystem::Pool::alloc(uint64_t bytes, MsgKind kind) {
  const uint64_t limit = kind == MsgKind::kReply ? size : request_limit(size);
  if (heap.used() + aligned(bytes) > limit) return std::nullopt;
  auto a = heap.alloc(bytes);
  if (a) peak = std::max(peak, heap.used());
  return a;
}

namespace {
// A pool's range is carved from the kernel heap once, at boot.
uint64_t carve(Kernel& k) {
  const uint64_t bytes = MessageSystem::pool_bytes(k.params().memory_bytes);
  const auto base = k.heap().alloc(bytes);
  if (!base) throw std::logic_error("message system: kernel memory too small for its pools");
  return *base;
}
}  // namespace

MessageSystem::MessageSystem(Kernel& k)
    : k_(k),
      tx_pool_{Heap(carve(k), pool_bytes(k.params().memory_bytes)), pool_bytes(k.params().memory_bytes)},
      rx_pool_{Heap(carve(k), pool_bytes(k.params().memory_bytes)), pool_bytes(k.params().memory_bytes)} {
  k_.set_irq_handler(hw::IrqLine::kBusRx, [this] { on_rx_interrupt(); });
  k_.set_irq_handler(hw::IrqLine::kBusTx, [this] { on_tx_interrupt(); });
  k_.node().biu().set_rx_admit([this](const hw::Frame& f) { return admit(f); });
}

uint32_t MessageSystem::chunk_bytes() const {
  return k_.params().bus.max_payload_bytes - ipb::msg_frag::kBytes;
}

// --- process side -------------------------------------------------------------

void Process::post(Address to, std::span<const uint8_t> data) { k_.msg().post(*this, to, data); }
std::vector<uint8_t> Process::call(Address to, std::span<const uint8_t> request) {
  return k_.msg().call(*this, to, request);
}
std::optional<std::vector<uint8_t>> Process::call_unless_down(Address to, std::span<const uint8_t> request) {
  return k_.msg().call_unless_down(*this, to, request);
}
std::vector<uint8_t> Process::call_cancellable(Address to, std::span<const uint8_t> request,
                                               const std::function<void()>& cancel,
                                               const std::function<void(std::span<const uint8_t>)>& abandoned) {
  return k_.msg().call_cancellable(*this, to, request, cancel, abandoned);
}
Message Process::receive() { return k_.msg().receive(*this); }
void Process::reply(const Message& request, std::span<const uint8_t> data) {
  k_.msg().reply(*this, request, data);
}

void MessageSystem::post(Process& self, Address to, std::span<const uint8_t> data) {
  send(self, to, MsgKind::kPost, next_tag_++, data);
}

namespace {
std::vector<uint8_t> reply_or_throw(std::optional<std::vector<uint8_t>> reply, Address to) {
  if (!reply) throw std::runtime_error("call to cpu " + std::to_string(to.cpu) + " port " + std::to_string(to.port) +
                                       ": cpu " + std::to_string(to.cpu) + " was declared down");
  return std::move(*reply);
}
}  // namespace

std::vector<uint8_t> MessageSystem::call(Process& self, Address to,
                                         std::span<const uint8_t> request) {
  // A caller that cannot go on without the reply fails, saying why (call_unless_down
  // is for callers that can).
  return reply_or_throw(call_unless_down(self, to, request), to);
}

std::optional<std::vector<uint8_t>> MessageSystem::call_unless_down(Process& self, Address to,
                                                                    std::span<const uint8_t> request) {
  return await_reply(self, to, request, nullptr, nullptr);
}

std::vector<uint8_t> MessageSystem::call_cancellable(Process& self, Address to, std::span<const uint8_t> request,
                                                     const std::function<void()>& cancel,
                                                     const std::function<void(std::span<const uint8_t>)>& abandoned) {
  return reply_or_throw(await_reply(self, to, request, &cancel, abandoned ? &abandoned : nullptr), to);
}

// Every call's wait. However it ends (the reply, the peer declared down, or the caller
// killed: ProcessExit unwinds through here), nothing of the call stays behind: a reply
// arriving later finds no waiter and is dropped as undeliverable (deliver), one that
// arrived before the caller could take it is freed (forget_call).
std::optional<std::vector<uint8_t>> MessageSystem::await_reply(Process& self, Address to,
                                                               std::span<const uint8_t> request,
                                                               const std::function<void()>* cancel,
                                                               const Abandoned* abandoned) {
  // A CPU already declared down answers nothing, and no later declaration would end
  // the wait (peer_down ends the calls in flight at one): the call ends at once, as
  // down, without sending.
  if (to.cpu != k_.cpu() && to.cpu < k_.params().cpus && !k_.membership().up(to.cpu)) {
    k_.execute(k_.costs().syscall_entry);
    ++c_.calls_to_down_cpus;
    return std::nullopt;
  }
  const uint32_t tag = next_tag_++;
  reply_waiters_[tag] = ReplyWaiter{&self, to.cpu};
  // The call's reply, off the tables, copied out (take).
  const auto take_reply = [&](uint32_t t, bool charged) {
    const Inbound in = replies_.at(t);
    replies_.erase(t);
    reply_waiters_.erase(t);
    return take(self, in, charged);
  };
  bool sent = false, cancelled = false;
  try {
    send(self, to, MsgKind::kRequest, tag, request);
    sent = true;
    while (!replies_.count(tag) && !reply_waiters_.at(tag).down) {
      try {
        k_.block(self, /*interruptible=*/cancel && !cancelled);
      } catch (const SignalInterrupted&) {
        cancelled = true;
        (*cancel)();
      }
    }
    if (!replies_.count(tag)) {
      reply_waiters_.erase(tag);
      return std::nullopt;
    }
    // The copy is charged while replies_ still holds the reply, so that a kill landing
    // in the charge leaves its buffer to forget_call.
    k_.execute(k_.costs().copy(replies_.at(tag).len));
    return take_reply(tag, /*charged=*/true);
  } catch (const ProcessExit&) {
    // Killed while waiting: the server still gives up what the request holds (a FIFO
    // open's counts). A caller that must give back what a request completed meanwhile
    // holds (an accepted connection) waits for the answer, which the cancel makes prompt.
    if (cancel && sent && !cancelled) (*cancel)();
    if (abandoned && sent) {
      while (!replies_.count(tag) && !reply_waiters_.at(tag).down) k_.block(self);
      if (replies_.count(tag)) (*abandoned)(take_reply(tag, /*charged=*/false));
    }
    forget_call(tag);
    throw;
  } catch (const sc_core::sc_unwind_exception&) {
    throw;  // the run is over (sim::release_processes): nothing may wait now
  } catch (...) {
    forget_call(tag);
    throw;
  }
}

void MessageSystem::port_ended(uint32_t pid) {
  const auto it = ports_.find(pid);
  if (it == ports_.end()) return;
  for (const Inbound& in : it->second.queue) {
    ++c_.undeliverable;
    free_rx(in.addr);
  }
  ports_.erase(it);
}

void MessageSystem::forget_call(uint32_t tag) {
  reply_waiters_.erase(tag);
  const auto it = replies_.find(tag);
  if (it == replies_.end()) return;
  const uint64_t addr = it->second.addr;
  replies_.erase(it);
  ++c_.undeliverable;
  free_rx(addr);
}

void MessageSystem::peer_down(uint32_t cpu) {
  for (auto& [tag, w] : reply_waiters_) {
    if (w.cpu != cpu || w.down || replies_.count(tag)) continue;
    w.down = true;
    k_.wake(*w.caller);
  }
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

std::vector<uint8_t> MessageSystem::take(Process& self, const Inbound& in, bool charged) {
  (void)self;
  if (!charged) {
    try {
      k_.execute(k_.costs().copy(in.len));
    } catch (...) {
      // Killed while copying (the message is already off its queue): its buffer goes
      // back to the pool, as a message nobody takes does.
      free_rx(in.addr);
      ++c_.undeliverable;
      throw;
    }
  }
  std::vector<uint8_t> data(in.len);
  k_.node().memory().read(in.addr, data);
  free_rx(in.addr);
  ++c_.received;
  // The timeline: the end of the message's arrow. What a process sends while it handles a
  // request or post goes on with it (an agent's subscribe, answer or reply); a reply ends
  // its chain.
  if (in.flow) {
    k_.flow_step("receive", now_cycles(), in.flow, false);
    k_.set_flow(in.kind == MsgKind::kReply ? 0 : in.flow);
  }
  k_.recorder().message_received(in.from.cpu, in.tag, in.kind == MsgKind::kReply, now_cycles());
  return data;
}

void MessageSystem::send(Process& self, Address to, MsgKind kind, uint32_t tag,
                         std::span<const uint8_t> data) {
  if (to.cpu >= k_.params().cpus) throw std::out_of_range("message to a CPU that does not exist");
  const uint64_t sent_at = now_cycles();
  k_.recorder().message_sent(k_.cpu(), tag, kind == MsgKind::kReply, sent_at);
  k_.execute(k_.costs().syscall_entry + k_.costs().copy(data.size()));
  // The timeline: a flow from the send to the delivery, going on with the sender's own
  // (the message it is handling, the select it is in) when it has one. Only one message
  // goes on with it: the others of the same handling start their own, so that no two
  // messages in flight share a chain.
  const uint64_t flow = k_.take_flow();
  if (flow) {
    k_.flow_step(kind == MsgKind::kReply ? "send reply" : kind == MsgKind::kRequest ? "send request" : "send",
                 sent_at, flow, true);
  }

  check_size(data.size(), kind);

  // Same node: the sender copies straight into the receive pool (no bus), and
  // waits while it is full, as a remote sender's interface would.
  const bool local = to.cpu == k_.cpu();
  Pool& pool = local ? rx_pool_ : tx_pool_;
  reap_tx();
  std::optional<uint64_t> addr;
  while ((!local && tx_.size() >= kMaxTxMessages) || !(addr = pool.alloc(data.size(), kind))) {
    ++c_.sender_blocked;
    if (local) {
      rx_pool_waiters_.push_back(&self);  // woken when a message is taken
    } else {
      // check_size() made sure the message fits the empty send pool, which only
      // this node's transmissions use: they will free it.
      if (tx_.empty()) throw std::logic_error("message system: empty send pool cannot hold a message it admits");
      tx_waiters_.push_back(&self);
      k_.node().biu().set_tx_irq_enabled(true);
    }
    k_.block(self);
    reap_tx();
  }
  c_.tx_pool_peak = tx_pool_.peak;
  c_.rx_pool_peak = rx_pool_.peak;
  k_.node().memory().write(*addr, data);
  ++c_.sent;
  ++c_.sent_by_kind[static_cast<uint8_t>(kind) & 3];
  c_.bytes_sent += data.size();
  const uint32_t len = static_cast<uint32_t>(data.size());

  if (local) {
    deliver(Inbound{self.address(), tag, kind, *addr, len, flow}, to.port);
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
  r.flow = flow;
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
    if (f->type() == hw::PacketType::kMsg) {
      on_frame(f->payload(), f->src(), f->flow);
    } else if (other_frames_) {
      other_frames_(*f);
    }
  }
}

void MessageSystem::on_frame(std::span<const uint8_t> payload, uint32_t src, uint64_t flow) {
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
    r.msg.flow = flow;
    // The interface admitted this first fragment only with its buffer reserved.
    auto res = reserved_.find(key);
    if (res == reserved_.end()) {
      throw std::logic_error("message system: a message start was accepted without a reserved buffer");
    }
    r.msg.addr = res->second;
    reserved_.erase(res);
    reassembly_[key] = r;
  }
  auto it = reassembly_.find(key);
  if (it == reassembly_.end() || index != it->second.next_index) {
    throw std::logic_error("message fragment out of order: the bus broke its ordering promise");
  }
  Reassembly& r = it->second;
  const auto data = payload.subspan(ipb::msg_frag::kBytes);
  if (!data.empty()) {
    k_.node().memory().write(r.msg.addr + static_cast<uint64_t>(index) * chunk_bytes(), data);
  }
  r.received += static_cast<uint32_t>(data.size());
  ++r.next_index;
  if (flags & static_cast<uint64_t>(ipb::FragFlags::kLast)) {
    if (r.received != r.msg.len) throw std::logic_error("message length mismatch on reassembly");
    k_.flow_step("deliver", now_cycles(), r.msg.flow, true);
    deliver(r.msg, r.dst_port);
    reassembly_.erase(it);
  }
}

void MessageSystem::deliver(const Inbound& in, uint32_t dst_port) {
  if (in.kind == MsgKind::kReply) {
    auto w = reply_waiters_.find(in.tag);
    if (w == reply_waiters_.end() || w->second.down || w->second.caller->pid() != dst_port) {
      ++c_.undeliverable;
      free_rx(in.addr);
      return;
    }
    replies_[in.tag] = in;
    k_.wake(*w->second.caller);
    return;
  }
  const auto& procs = k_.processes();
  const bool owned = std::any_of(procs.begin(), procs.end(), [&](const auto& p) {
    return p->pid() == dst_port && !p->exited();
  });
  if (!owned) {
    ++c_.undeliverable;
    free_rx(in.addr);
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
      ++c_.acknowledged;
      tx_pool_.heap.free(it->second.addr);
      tx_.erase(it);
    }
  }
}

void MessageSystem::flush(Process& self) {
  reap_tx();
  while (!tx_.empty()) {
    tx_waiters_.push_back(&self);  // woken by the transmit interrupt, as a blocked sender
    k_.node().biu().set_tx_irq_enabled(true);
    k_.block(self);
    reap_tx();
  }
}

bool MessageSystem::admit(const hw::Frame& f) {
  if (f.type() != hw::PacketType::kMsg) return true;
  const uint8_t* h = f.payload().data();
  if (!(ipb::msg_frag::get_flags(h) & static_cast<uint64_t>(ipb::FragFlags::kFirst))) return true;
  const auto kind = static_cast<MsgKind>(ipb::msg_frag::get_kind(h));
  const uint64_t key = reassembly_key(f.src(), kind == MsgKind::kReply,
                                      static_cast<uint32_t>(ipb::msg_frag::get_tag(h)));
  if (reserved_.count(key)) throw std::logic_error("message system: a message start admitted twice");
  const auto addr = rx_pool_.alloc(ipb::msg_frag::get_total_len(h), kind);
  if (!addr) {
    ++c_.rx_deferred;  // refused: the sender offers it again after its back-off
    return false;
  }
  c_.rx_pool_peak = rx_pool_.peak;
  reserved_[key] = *addr;
  return true;
}

void MessageSystem::free_rx(uint64_t addr) {
  rx_pool_.heap.free(addr);
  std::deque<Process*> waiters;
  waiters.swap(rx_pool_waiters_);
  for (Process* p : waiters) k_.wake(*p);
}

void MessageSystem::check_size(uint64_t len, MsgKind kind) const {
  const uint64_t mem = k_.params().memory_bytes;
  const uint64_t max = kind == MsgKind::kReply ? max_reply_bytes(mem) : max_request_bytes(mem);
  if (aligned(len) > max) {
    throw std::runtime_error("cpu " + std::to_string(k_.cpu()) + ": message of " + std::to_string(len) +
                             " bytes can never be buffered: a " +
                             (kind == MsgKind::kReply ? "reply" : "request or post") + " may have at most " +
                             std::to_string(max) + " bytes with memory_kib = " + std::to_string(mem / 1024) +
                             " (docs/messages.md)");
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
  for (auto kind : {MsgKind::kRequest, MsgKind::kPost, MsgKind::kReply})
    s.counter(p + "sent_by_kind." + gen::ipb::to_string(kind), &c_.sent_by_kind[static_cast<uint8_t>(kind)],
              "messages", "messages sent of this kind");
  s.counter(p + "acknowledged", &c_.acknowledged, "messages",
            "messages to other CPUs whose every fragment the receiver took (reaped completions)");
  s.counter(p + "received", &c_.received, "messages", "messages taken by a process");
  s.counter(p + "tx_fragments", &c_.tx_fragments, "packets", "MSG packets queued");
  s.counter(p + "rx_fragments", &c_.rx_fragments, "packets", "MSG packets received");
  s.counter(p + "bytes_sent", &c_.bytes_sent, "bytes", "message bytes sent");
  s.counter(p + "sender_blocked", &c_.sender_blocked, "sends", "sends that waited for transmit resources or pool memory");
  s.counter(p + "undeliverable", &c_.undeliverable, "messages", "messages to an unowned port, dropped");
  s.counter(p + "calls_to_down_cpus", &c_.calls_to_down_cpus, "calls",
            "calls ended at once, not sent: their CPU was already declared down");
  s.counter(p + "rx_deferred", &c_.rx_deferred, "packets",
            "message starts refused for lack of receive-pool memory, sent again by their sender");
  s.counter(p + "tx_pool_peak_bytes", &c_.tx_pool_peak, "bytes", "most of the send pool in use");
  s.counter(p + "rx_pool_peak_bytes", &c_.rx_pool_peak, "bytes", "most of the receive pool in use");
}

}  // namespace shadowsel::drv
