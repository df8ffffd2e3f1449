// SPDX-License-Identifier: MIT
#include "shadowsel/driver/ne_driver.h"

#include <systemc>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include <poll.h>

#include "shadowsel/driver/kernel.h"
#include "shadowsel/hw/time.h"
#include "shadowsel/driver/membership.h"
#include "shadowsel/driver/socket.h"
#include "shadowsel/driver/watch_rule.h"
#include "shadowsel/gen/ne.h"
#include "shadowsel/hw/notify_engine.h"
#include "shadowsel/hw/time.h"
#include "shadowsel/sim/failure.h"

namespace shadowsel::drv {

namespace ne = gen::ne;
using hw::now_cycles;
namespace rr = gen::ne::ready_record;

// Why no wake-up is lost (docs/ne-driver.md, "Races"):
//
// Atomicity. A CPU runs one thing at a time and interrupts are taken only inside
// Kernel::execute(). The driver never calls execute() inside a register sequence (key
// registers + CMD + STATUS/ARM_RESULT, or ANSWER/NOTIFY operands + CMD), so an interrupt
// handler (which also writes the key registers) never splits one. Charges are made
// before or after a sequence.
//
// R1 ARM vs. records of the same key. The engine frees an entry (NOTIFY, or ANSWER
//    ready) and then a new ARM may allocate it again (SENT) before the driver has read
//    the record that freed it. After every ARM, and before applying its result to the
//    mirror, the driver consumes every record already in the ring: those were written
//    before the ARM finished (STATUS.BUSY falls only once a command's record is written,
//    and an answer to a SENT needs a bus round trip through the owner's CPU), so the
//    mirror sees the engine's events in the engine's order. A handler that interrupts
//    this drain (through a wake-up's execute) only acknowledges IRQ_STATUS; the drain
//    loop re-reads the ring before it stops.
// R2 Interrupt vs. ring. The handler acknowledges IRQ_STATUS first, then reads records
//    until the next slot does not hold the next sequence number. A record written after
//    the acknowledgement raises the interrupt again; if the drain already took it, the
//    next handler finds nothing (harmless). Before it returns, the handler acknowledges
//    RECORDS again while it is set and reads once more, so records it took cost no
//    second interrupt (a burst costs one).
// R3 Owner write between the subscribe and the answer. The owner's handler reads the
//    real pipe and issues ANSWER in one sequence; no process of that CPU (the only
//    writers of its pipes) runs in between. "Not ready": the engine has set the CPU's
//    bit in its remote interest table before the next command (commands are executed
//    in order, a command written while BUSY waits), so the NOTIFY of any later change
//    finds it. "Ready": the requester's entry is freed with the ready state.
// R4 Write between arm and sleep (the waiter). The NOTIFY record links a ready record
//    into the call's Wait whether or not the process has gone to sleep; do_poll scans
//    Wait::ready before sleeping ("must count now or never") and block_on never sleeps
//    with a non-empty list, so the record is seen.
// R5 Several waiters of one key. Waiters that arm while the key is in flight wait for
//    the same answer; waiters that arm while it is subscribed are answered at once from
//    the mirror's last state (the engine's at-once ANSWER record is then only an echo
//    and is ignored); the NOTIFY wakes all of them. One NE_SUBSCRIBE, one NE_NOTIFY.
// R6 Table full. ARM_RESULT = FULL: the item goes to the agent exactly as on the
//    software path (which has no table limit). The owner's table full: the engine
//    answers ready = 1 with a state that is not ready; the driver hands the item to
//    the call's agent requests (Wait::to_agents), so it costs one fallback, never a
//    rescan loop that re-arms while the owner's table stays full.
// R7 Node down. The NODE_DOWN record wakes every waiter of that node's keys with the
//    state of a vanished peer (no readers, no writers: POLLHUP for readers, POLLERR
//    for writers); later arms for that node are answered at once the same way.
// R8 A caller that timed out or exited: its Wait is inactive and skipped; the entry
//    still follows the engine (the NOTIFY frees it), as the agent's database does.

namespace {

// The longest nap of a call waiting for its engine answers (R10): a dead owner's answers
// come from liveness (NODE_DOWN), well within a few of these.
constexpr uint64_t kMaxAnswerNap = uint64_t{1} << 20;

// The cycle of a change from a record's stamp (its low 32 bits, written by the owner's
// driver into STAMP and carried by the packet): the latest cycle up to `now` with those
// bits, exact for a change less than 2^32 cycles ago.
uint64_t changed_at(uint32_t stamp, uint64_t now) {
  return now - static_cast<uint32_t>(static_cast<uint32_t>(now) - stamp);
}

// A socket's or TTY's poll bits as socket_state flags, and back.
constexpr std::pair<short, uint32_t> kSocketBits[] = {
    {POLLIN | POLLRDNORM, ne::SocketState::kIn}, {POLLOUT | POLLWRNORM, ne::SocketState::kOut},
    {POLLRDHUP, ne::SocketState::kRdhup},        {POLLHUP, ne::SocketState::kHup},
    {POLLERR, ne::SocketState::kErr},            {POLLPRI, ne::SocketState::kPri},
};

uint8_t encode(const ObjectState& s, uint32_t version) {
  uint8_t b = 0;
  if (s.kind == ObjectState::Kind::kSocket) {
    for (const auto& [poll, flag] : kSocketBits) {
      if (s.events & poll) b |= flag;
    }
    return b;
  }
  if (s.nonempty) b |= ne::PipeState::kNonempty;
  if (s.full) b |= ne::PipeState::kFull;
  if (!s.readers) b |= ne::PipeState::kNoReaders;
  if (!s.writers) b |= ne::PipeState::kNoWriters;
  if (version != s.w_counter) b |= ne::PipeState::kHupArmed;
  return b;
}

ObjectState decode(uint8_t b, uint32_t version, uint32_t object, uint64_t changed) {
  ObjectState s;
  if (is_io_object(object)) {  // a socket or TTY: the owner's poll bits
    s.kind = ObjectState::Kind::kSocket;
    for (const auto& [poll, flag] : kSocketBits) {
      if (b & flag) s.events |= poll;
    }
  } else {
    s.nonempty = b & ne::PipeState::kNonempty;
    s.full = b & ne::PipeState::kFull;
    s.readers = (b & ne::PipeState::kNoReaders) ? 0 : 1;
    s.writers = (b & ne::PipeState::kNoWriters) ? 0 : 1;
    s.w_counter = (b & ne::PipeState::kHupArmed) ? version + 1 : version;
  }
  s.changed_at = changed;
  return s;
}

std::vector<NeDriver*>& all_drivers() {
  static std::vector<NeDriver*> v;
  return v;
}

// The engine's key of an epoll watch: the persistent flag in its event (§2a).
SelectKey watch_key(SelectKey k) {
  k.event |= ne::kWatchFlag;
  return k;
}

}  // namespace

NeDriverOptions& NeDriver::default_options() {
  static NeDriverOptions o;
  return o;
}

NeDriver::NeDriver(PosixKernel& px, Kernel& k, hw::NotifyEngine& engine)
    : px_(px), k_(k), e_(engine), opt_(default_options()) {
  if (const auto it = opt_.ring_records_of_cpu.find(k_.cpu()); it != opt_.ring_records_of_cpu.end()) {
    opt_.ring_records = it->second;
  }
  const uint32_t n = opt_.ring_records;
  if (n == 0 || (n & (n - 1)) || n > ne::kMaxRingRecords) {
    throw std::invalid_argument("ne driver: ring_records must be a power of two up to 65536");
  }
  const auto base = k_.heap().alloc(uint64_t{n} * ne::kRecordBytes);
  if (!base) throw std::runtime_error("ne driver: no node memory for the ring");
  ring_base_ = *base;
  k_.set_irq_handler(hw::IrqLine::kNotifyEngine, [this] { on_irq(); });
  all_drivers().push_back(this);
  // Power-on firmware: programs the engine before the CPU's processes need it; items
  // selected before it finished go to the agents.
  sc_core::sc_spawn([this] {
    sim::guarded("cpu " + std::to_string(k_.cpu()) + " ne boot", [this] { boot(); });
  });
}

NeDriver::~NeDriver() { std::erase(all_drivers(), this); }

// An MMIO access stalls this SystemC thread; other CPUs run meanwhile and move the
// kernel's notion of the running process, which is restored when the access returns.
// The stall is timed on this CPU's own clock: nothing else of this CPU runs meanwhile.
uint32_t NeDriver::rd(uint32_t a) {
  Process* cur = Kernel::current_process();
  const uint64_t t0 = now_cycles();
  const uint32_t v = e_.mmio_read(a);
  c_.mmio_stall_cycles += now_cycles() - t0;
  Kernel::set_current_process(cur);
  return v;
}

void NeDriver::wr(uint32_t a, uint32_t v) {
  Process* cur = Kernel::current_process();
  const uint64_t t0 = now_cycles();
  e_.mmio_write(a, v);
  c_.mmio_stall_cycles += now_cycles() - t0;
  Kernel::set_current_process(cur);
}

void NeDriver::stamp(uint64_t changed) {
  // One change is often reported by several commands (an ANSWER, then the PUBLISH of the
  // same state): STAMP keeps its value, so it is written only when it differs.
  const auto v = static_cast<uint32_t>(changed);
  if (stamp_written_ && *stamp_written_ == v) return;
  wr(ne::kRegStamp, v);
  stamp_written_ = v;
}

void NeDriver::charge(uint64_t cycles) {
  c_.charged_cycles += cycles;
  k_.execute(cycles);
}

void NeDriver::boot() {
  // The ring's memory starts as zeros (kind 0 is never written), so no stale slot can
  // look like the next record.
  std::vector<uint8_t> zero(size_t{opt_.ring_records} * ne::kRecordBytes, 0);
  k_.node().memory().write(ring_base_, zero);
  const uint64_t s0 = c_.mmio_stall_cycles;
  if (ne::get_id_magic(rd(ne::kRegId)) != 0x4E45) throw std::runtime_error("ne driver: no notify engine");
  wr(ne::kRegCtrl, 0);
  wr(ne::kRegNodeId, k_.cpu());
  wr(ne::kRegRingBase, static_cast<uint32_t>(ring_base_));
  wr(ne::kRegRingSize, opt_.ring_records);
  wr(ne::kRegCoalesceCount, opt_.coalesce_count);
  wr(ne::kRegCoalesceCycles, opt_.coalesce_cycles);
  // Liveness from the scenario ([liveness], docs/faults.md) unless a test set its own.
  const hw::LivenessParams& lv = k_.params().liveness;
  uint32_t period = opt_.alive_period, timeout = opt_.alive_timeout;
  if (!period && lv.enabled) {
    period = static_cast<uint32_t>(lv.period_cycles);
    // Half a period of slack over missed_periods: an ALIVE queued behind other engine
    // packets or refused by a full queue arrives late, not lost (the scenario's ranges
    // keep this within the 32-bit register).
    timeout = static_cast<uint32_t>(lv.missed_periods * lv.period_cycles + lv.period_cycles / 2);
  }
  if (period && timeout) {
    uint64_t mask = 0;
    for (uint32_t n = 0; n < k_.params().cpus; ++n) {
      if (n != k_.cpu()) mask |= 1ull << n;
    }
    wr(ne::kRegAliveMaskLo, static_cast<uint32_t>(mask));
    wr(ne::kRegAliveMaskHi, static_cast<uint32_t>(mask >> 32));
    wr(ne::kRegAliveTimeout, timeout);
    wr(ne::kRegAlivePeriod, period);
  }
  wr(ne::kRegIrqStatus, ne::IrqCause::kAll);
  wr(ne::kRegIrqEnable, ne::IrqCause::kAll);
  wr(ne::kRegCtrl, ne::kCtrlEnableMask);
  c_.boot_stall_cycles = c_.mmio_stall_cycles - s0;
  stamp_written_.reset();  // STAMP is 0 after reset; the next command writes it
  tail_ = 0;
  booted_ = true;
}

void NeDriver::key_regs(const Key& k) {
  wr(ne::kRegKeyOwner, k.owner);
  wr(ne::kRegKeyObject, k.object);
  wr(ne::kRegKeyEvent, k.event);
  wr(ne::kRegKeyVersion, k.version);
}

// --- waiter side -------------------------------------------------------------------------

bool NeDriver::select_item(const std::shared_ptr<Wait>& w, uint32_t slot, const Key& key) {
  if (!booted_) return false;
  charge(k_.costs().fd_check);  // the lookup of the key (before the register sequence)
  if (!k_.membership().up(key.owner)) {
    if (held_for_takeover(key)) {
      // Asked of the new owner when the backup takes over (owner_moved).
      const SelectDb::State now = db_.state(key);
      ++w->answers_pending;
      db_.add(key, now == SelectDb::State::kIdle ? SelectDb::State::kInFlight : now, w, slot);
      ++c_.requests_held_for_takeover;
      return true;
    }
    w->answers.push_back({slot, vanished_state(key), true, static_cast<Interest>(key.event)});
    return true;
  }
  const std::optional<Armed> a = arm(key);
  if (!a) {
    ++c_.full_fallbacks;
    return false;
  }
  ++w->answers_pending;
  db_.add(key, a->result == ne::ArmResult::kSuppressedSubscribed ? SelectDb::State::kSubscribed
                                                                : SelectDb::State::kInFlight,
          w, slot);
  if (a->more) drain();  // the records behind the ARM, after it
  return true;
}

std::optional<NeDriver::Armed> NeDriver::arm(const Key& key) {
  // One register sequence: no interrupt can split it (see R1).
  key_regs(key);
  e_.set_flow(k_.take_flow());  // the timeline: the select's flow goes on through the engine
  wr(ne::kRegCmd, static_cast<uint32_t>(ne::Cmd::kArm));
  while (rd(ne::kRegStatus) & ne::Status::kBusy) {
  }
  const auto result = static_cast<ne::ArmResult>(rd(ne::kRegArmResult));
  ++c_.arms;
  if (result == ne::ArmResult::kFull) {
    wr(ne::kRegStatus, ne::Status::kLitFull);
    // Entries nobody waits on any more (calls that timed out or returned on another
    // descriptor) are cancelled to make room, then the key is armed once more; an
    // entry still watched is never taken away.
    if (cancel_stale() > 0) return arm(key);
    return std::nullopt;
  }
  // R1: the records written before this ARM reach the mirror first, and only those: the
  // ones in the ring now, up to this ARM's own at-once ANSWER when it has one (written
  // before BUSY fell; a NOTIFY for the key right behind it is newer than the ARM).
  const uint32_t before = records_before_arm(key, result == ne::ArmResult::kSuppressedSubscribed);
  const bool more = record_visible();
  if (more) {
    // Acknowledge RECORDS first, so the CPU takes no interrupt for records consumed here;
    // a record written after the acknowledgement raises it anew (R2).
    wr(ne::kRegIrqStatus, ne::IrqCause::kRecords);
    drain(before);
  }
  switch (result) {
    case ne::ArmResult::kSent:
      ++c_.requests_sent;
      break;
    case ne::ArmResult::kSuppressedInFlight:
    case ne::ArmResult::kSuppressedSubscribed:
      // R5 (subscribed): the owner said "not ready" and will notify: that is the answer.
      ++c_.requests_suppressed;
      break;
    default:
      throw std::logic_error("ne driver: ARM_RESULT " + std::to_string(static_cast<int>(result)));
  }
  return Armed{result, more};
}

void NeDriver::await_answers(Process& self, Wait& w) {
  // R10: spin while a spin costs less than the interrupt the answer no longer raises.
  const uint64_t step = std::max<uint64_t>(1, k_.costs().fd_check);  // read and check one ring slot
  uint64_t spun = 0;
  uint64_t nap = k_.costs().irq_entry;
  while (booted_ && db_.awaits_answer(w)) {
    if (drain()) continue;
    if (spun < k_.costs().irq_entry) {
      charge(step);
      spun += step;
      ++c_.answer_polls;
      continue;
    }
    // Longer (a congested bus, a slow owner): sleep, then look again. After the longest
    // nap the subscribe or its record at the owner may have been lost (a full ring
    // there): the keys are asked again (R11).
    ++c_.answer_naps;
    px_.block_on(self, w, static_cast<int64_t>(hw::cycle_after(nap)), true);
    if (nap == kMaxAnswerNap) ask_again(w);
    nap = std::min<uint64_t>(nap * 2, kMaxAnswerNap);
  }
}

std::optional<NeDriver::Armed> NeDriver::rearm(const Key& key) {
  key_regs(key);
  wr(ne::kRegCmd, static_cast<uint32_t>(ne::Cmd::kCancel));
  return arm(key);
}

void NeDriver::ask_again(const Wait& w) {
  for (const Key& k : db_.awaited_by(w)) {
    const std::optional<Armed> a = rearm(k);
    if (!a) {  // the table is full: the key's calls go to the agents
      ++c_.full_fallbacks;
      const SelectDb::Delivered d = db_.hand_back(k);
      wake(d.wake);
      continue;
    }
    ++c_.answers_asked_again;
    if (a->more) drain();
  }
}

uint32_t NeDriver::cancel_stale() {
  const std::vector<Key> keys = db_.stale();
  for (const Key& k : keys) {
    // One register sequence per key; a record of the key still in the ring finds no entry
    // in the mirror and is dropped, an answer or notification arriving later is stray.
    key_regs(k);
    wr(ne::kRegCmd, static_cast<uint32_t>(ne::Cmd::kCancel));
    db_.forget(k);
    ++c_.cancels;
  }
  return static_cast<uint32_t>(keys.size());
}

void NeDriver::resync() {
  ++c_.ring_overflows;
  wr(ne::kRegStatus, ne::Status::kOverflow);
  // The records the ring had no room for are lost: which answers and notifications they
  // held is unknown. Every key starts afresh: cancelled in the engine (a later record of
  // it is stray), its calls handed back (those waiting for an answer ask the agents,
  // those waiting for a notification scan and arm again).
  std::vector<Wait*> woken;
  for (const Key& k : db_.keys()) {
    key_regs(k);
    wr(ne::kRegCmd, static_cast<uint32_t>(ne::Cmd::kCancel));
    ++c_.cancels;
    const SelectDb::Delivered d = db_.hand_back(k);
    woken.insert(woken.end(), d.wake.begin(), d.wake.end());
    db_.forget(k);
  }
  wake(woken);
  // Watches: their notifications may be among the lost records. Each is cancelled and
  // armed again; its new answer reaches every watcher as a change (what they know may
  // be old), or the watchers go to the agents. The answers of all the watches armed
  // again at once must fit in half the ring, or they would overflow it again and again:
  // the watches beyond go to the agents (no ring there).
  uint32_t rearmed = 0;
  for (const Key& k : watches_.keys()) {
    cancel_watch(k);
    if (2 * (rearmed + 1) > opt_.ring_records) {
      ++c_.watch_resync_fallbacks;
      to_agents(k);
      continue;
    }
    const Key f = watch_key(k);
    const std::optional<Armed> a = arm(f);
    if (!a) {
      ++c_.watch_full_fallbacks;
      to_agents(k);
    } else if (a->result != ne::ArmResult::kSent) {
      throw std::logic_error("ne driver: a cancelled watch is still held by the engine");
    } else {
      ++rearmed;
    }
  }
}

bool NeDriver::held_for_takeover(const Key& k) const {
  return is_socket_object(k.object) && px_.awaits_takeover(k.owner);
}

void NeDriver::owner_moved(uint32_t old, uint32_t now, const std::function<bool(uint32_t)>& survives) {
  if (!booted_) return;
  const SelectDb::Moved m = db_.move_owner(old, now, survives);
  px_.count_takeover_items(m.items_moved, m.vanished.linked);
  c_.node_down_wakes += m.vanished.linked;
  std::vector<Wait*> woken = m.vanished.wake;
  for (const Key& k : m.ask) {
    charge(k_.costs().fd_check);
    const std::optional<Armed> a = arm(k);
    if (!a) {
      // The table is full: the items go back to their calls, which ask again.
      ++c_.full_fallbacks;
      const SelectDb::Delivered d = db_.hand_back(k);
      woken.insert(woken.end(), d.wake.begin(), d.wake.end());
      continue;
    }
    // In flight (the entry already is): the answer or its echo goes to the moved items.
    if (a->more) drain();
  }
  wake(woken);
}

void NeDriver::on_state(const Key& k, const ObjectState& s, bool ready, bool notify) {
  charge(k_.costs().fd_check);
  // R6: "ready" with a state that is not: the owner could not remember the interest.
  const bool owner_full = !notify && ready && !interest_ready(s, static_cast<Interest>(k.event), k.version);
  const SelectDb::Delivered d = db_.deliver(k, s, ready, notify, owner_full);
  if (!d.taken) return;  // nobody waits (a caller that went away), or R5's at-once echo
  if (notify) {
    ++c_.notifications_received;
  } else {
    ++c_.answers_received;
  }
  c_.owner_full_fallbacks += owner_full;
  c_.waiters_woken += d.linked;
  wake(d.wake);
}

// Wake-ups charge the CPU (and may let a nested handler run): only once the mirror is
// consistent. The Waits stay alive: their processes hold them.
void NeDriver::wake(const std::vector<Wait*>& waits) {
  for (Wait* w : waits) {
    if (w->active && w->proc) {
      c_.charged_cycles += k_.costs().wakeup;
      px_.wake_wait(*w);
    }
  }
}

void NeDriver::on_node_down(uint32_t node) {
  ++c_.node_down_records;
  k_.membership().declare_down(node, "engine");  // first: the test below asks who is up
  // The node's keys vanish, but those of sockets a backup will take over wait for it
  // (owner_moved); so do the held keys of an owner whose backup was `node`.
  const SelectDb::Delivered d =
      db_.vanish_if([this](const Key& k) { return !k_.membership().up(k.owner) && !held_for_takeover(k); });
  c_.node_down_wakes += d.linked;
  wake(d.wake);
  // Watched objects of the node vanish as on the software path (Agent::on_cpu_down).
  const WatchDb::Delivered wd = watches_.vanish_if([this](const Key& k) { return !k_.membership().up(k.owner); });
  c_.node_down_wakes += wd.linked;
  wake_watchers(wd.wake);
}

// --- waiter side of epoll watches (persistent keys, docs/notify-engine.md §2a) ----------

bool NeDriver::watch_item(const std::shared_ptr<Wait>& w, uint32_t slot, const Key& key) {
  if (!booted_) return false;
  charge(k_.costs().fd_check);  // the lookup of the key
  WatchDb::Delivered d;
  if (!k_.membership().up(key.owner)) {
    // As the agent does: the object vanished with its owner's CPU.
    w->answers.push_back({slot, vanished_state(key), true, static_cast<Interest>(key.event)});
    --w->answers_pending;
    d.linked = 1;
    d.wake.push_back(w.get());
  } else if (watches_.contains(key)) {
    // Another item of this CPU watches it: answered from the entry, nothing sent.
    ++c_.watches_suppressed;
    watches_.add(key, w, slot, &d);
  } else {
    const Key f = watch_key(key);
    std::optional<Armed> a = arm(f);
    if (a && a->result != ne::ArmResult::kSent) {
      // The engine still holds a watch this CPU gave up (cannot happen: a watch is
      // cancelled with its last item): start it afresh.
      if (a->more) drain();
      ++c_.watch_cancels;
      a = rearm(f);
    }
    if (!a) {
      ++c_.watch_full_fallbacks;
      return false;
    }
    ++c_.watches_armed;
    watches_.add(key, w, slot, &d);
    if (a->more) drain();  // the records behind the ARM, after it (R1)
  }
  c_.waiters_woken += d.linked;
  wake_watchers(d.wake);
  return true;
}

void NeDriver::unwatch_item(const Key& key, uint64_t wait_id, uint32_t slot) {
  charge(k_.costs().fd_check);
  if (watches_.remove(key, wait_id, slot)) cancel_watch(key);
}

void NeDriver::cancel_watch(const Key& k) {
  // CANCEL frees the entry and sends the owner's engine one NE_UNSUBSCRIBE: that CPU's
  // bit leaves the key's mask, and later changes send nothing here. A record of the key
  // still in the ring finds no entry in the database and is dropped.
  if (!booted_ || !k_.membership().up(k.owner)) return;
  const Key f = watch_key(k);
  key_regs(f);
  wr(ne::kRegCmd, static_cast<uint32_t>(ne::Cmd::kCancel));
  ++c_.watch_cancels;
}

void NeDriver::to_agents(const Key& k) {
  // The watchers are handed to their instances, which ask their agents (no table limit
  // there). A watcher answered already waits for the agent's answer as a new one.
  std::vector<Wait*> woken;
  for (const WatchDb::Taken& t : watches_.take(k)) {
    if (t.answered) ++t.wait->answers_pending;
    t.wait->to_agents.push_back({t.slot, static_cast<Interest>(k.event)});
    if (std::find(woken.begin(), woken.end(), t.wait.get()) == woken.end()) woken.push_back(t.wait.get());
  }
  wake_watchers(woken);
}

void NeDriver::wake_watchers(const std::vector<Wait*>& waits) {
  // Registrations (epoll items): wake_wait runs the instance's callback.
  for (Wait* w : waits) {
    if (w->active) px_.wake_wait(*w);
  }
}

void NeDriver::await_watch_answers(Process& self, Wait& w) {
  // As await_answers (R10): a watch's answer says "not ready" and raises no interrupt.
  const uint64_t step = std::max<uint64_t>(1, k_.costs().fd_check);
  uint64_t spun = 0;
  uint64_t nap = k_.costs().irq_entry;
  while (booted_ && watches_.awaits_answer(w) && w.to_agents.empty()) {
    if (drain()) continue;
    if (spun < k_.costs().irq_entry) {
      charge(step);
      spun += step;
      ++c_.answer_polls;
      continue;
    }
    ++c_.answer_naps;
    k_.block_until(self, hw::cycle_after(nap));
    if (nap == kMaxAnswerNap) ask_watches_again(w);
    nap = std::min<uint64_t>(nap * 2, kMaxAnswerNap);
  }
}

void NeDriver::ask_watches_again(const Wait& w) {
  // A watch's subscribe whose record the owner's full ring dropped is never answered
  // (R11); asked again, its items still count on the one answer.
  for (const Key& k : watches_.awaited_by(w)) {
    const Key f = watch_key(k);
    const std::optional<Armed> a = rearm(f);
    if (!a) {
      ++c_.watch_full_fallbacks;
      to_agents(k);
      continue;
    }
    ++c_.watches_asked_again;
    if (a->more) drain();
  }
}

void NeDriver::on_watch_state(const Key& k, const ObjectState& s, bool ready, bool notify) {
  charge(k_.costs().fd_check);
  if (!watches_.contains(k)) return;  // cancelled meanwhile: stray
  if (!notify && ready) {
    // R6: the owner's table had no room; the engine freed the entry. Nothing is lost:
    // the agents keep the watch.
    ++c_.watch_owner_full_fallbacks;
    to_agents(k);
    return;
  }
  ++(notify ? c_.watch_notifications : c_.watch_answers);
  px_.remote_state_seen(k.owner, k.object, s);
  bool orphaned = false;
  const WatchDb::Delivered d = watches_.deliver(k, s, !notify, &orphaned);
  if (orphaned) cancel_watch(k);  // every watcher's registration ended
  c_.waiters_woken += d.linked;
  wake_watchers(d.wake);
}

// --- owner side ------------------------------------------------------------------------

void NeDriver::on_subscribe(const Record& r) {
  charge(k_.costs().fd_check);
  const uint32_t me = k_.cpu();
  const Key key{me, r.object, r.event, r.version};  // as asked: WATCH_FLAG included
  const bool watch = r.event & ne::kWatchFlag;
  const auto interest = static_cast<Interest>(r.event & ~ne::kWatchFlag);
  const std::optional<ObjectState> now = px_.object_state(r.object);
  ObjectState s = now ? *now : vanished_state(Key{me, r.object, static_cast<uint8_t>(interest), r.version});
  if (!now) s.changed_at = 0;
  // A watch's answer is "not ready" whatever this says: the engine keeps its CPU (§2a).
  const bool ready = !now || interest_ready(s, interest, r.version);
  // R3: one sequence with the state read above; no process of this CPU runs in between.
  key_regs(key);
  wr(ne::kRegAnsDst, r.src);
  wr(ne::kRegAnsState, encode(s, r.version));
  wr(ne::kRegAnsReady, ready);
  stamp(s.changed_at);
  e_.set_flow(k_.take_flow());  // the subscribe's record's flow goes on with the answer
  wr(ne::kRegCmd, static_cast<uint32_t>(ne::Cmd::kAnswer));
  ++c_.answers_sent;
  // From now on the engine answers the pipe's subscribes and notifies its interests (this
  // one's included) itself; without room, the driver keeps doing both. Sockets and TTYs
  // are not published: their I/O processes report rising readiness only, and a readiness
  // table must follow every change.
  const std::optional<Wakes> wakes = pipe_wakes(r.object);
  const bool published = now && !is_io_object(r.object) && publish(r.object, s, wakes ? &*wakes : nullptr);
  if (published) return;
  if (!watch) {
    if (!ready) rit_[{r.object, r.event, r.version}].insert(r.src);
  } else if (now) {
    // Not published (no room): this driver tells the watches of each change by NOTIFY.
    OwnerWatch& ow = owner_watches_[{r.object, r.event, r.version}];
    ow.cpus.insert(r.src);
    ow.wakes_seen = wakes ? wakes->of(interest) : 0;
    ow.was_ready = ready;
  }
}

std::optional<NeDriver::Wakes> NeDriver::pipe_wakes(uint32_t object) {
  if (is_io_object(object)) return std::nullopt;
  const PipeObject* p = px_.pipe(object);
  if (!p) return std::nullopt;
  return Wakes{p->reader_wakes, p->writer_wakes};
}

void NeDriver::publish_cmd(uint32_t object, uint32_t version, uint32_t rdy, uint64_t changed) {
  // One register sequence (no interrupt splits it).
  wr(ne::kRegKeyObject, object);
  wr(ne::kRegKeyVersion, version);
  wr(ne::kRegRdyState, rdy);
  stamp(changed);
  e_.set_flow(k_.take_flow());  // the change's flow goes on with the engine's notifications
  wr(ne::kRegCmd, static_cast<uint32_t>(ne::Cmd::kPublish));
  ++c_.publishes;
  c_.publish_wakes += (ne::get_rdy_state_wake_same(rdy) | ne::get_rdy_state_wake_diff(rdy)) != 0;
  c_.publish_skips += ne::get_rdy_state_skip(rdy);
}

bool NeDriver::publish(uint32_t object, const ObjectState& s, const Wakes* wakes, std::optional<uint32_t> cause) {
  // The state and ready bits of the object's two kinds of key: version == the writer-open
  // count ("same") or not (a pipe's reader that sees end of file; sockets ignore it).
  const uint32_t version = s.kind == ObjectState::Kind::kSocket ? 0 : s.w_counter;
  uint32_t rdy = 0;
  for (const bool same : {true, false}) {
    const uint32_t v = same ? version : version + 1;
    rdy = same ? ne::set_rdy_state_state_same(rdy, encode(s, v)) : ne::set_rdy_state_state_diff(rdy, encode(s, v));
    uint32_t bits = 0;
    for (const Interest i : {Interest::kRead, Interest::kWrite}) {
      if (interest_ready(s, i, v)) bits |= 1u << static_cast<uint32_t>(i);
    }
    rdy = same ? ne::set_rdy_state_ready_same(rdy, bits) : ne::set_rdy_state_ready_diff(rdy, bits);
  }
  const uint64_t word = uint64_t{version} << 32 | rdy;
  const Wakes now_wakes = wakes ? *wakes : Wakes{};
  const auto known = published_.find(object);
  if (known != published_.end()) {
    // The watches (persistent keys) to notify, by the software owner's rule
    // (watch_rule.h), per kind of key and event: bit e of `all` / `but_cause` for keys
    // of this version, bit 2 + e for the others.
    const uint32_t old = static_cast<uint32_t>(known->second.word);
    const bool new_version = (known->second.word >> 32) != version;  // an open: both sides woken anyway
    uint32_t all = 0, but_cause = 0;
    for (const bool same : {true, false}) {
      const uint32_t now_bits = same ? ne::get_rdy_state_ready_same(rdy) : ne::get_rdy_state_ready_diff(rdy);
      const uint32_t old_bits = same ? ne::get_rdy_state_ready_same(old) : ne::get_rdy_state_ready_diff(old);
      for (const Interest i : {Interest::kRead, Interest::kWrite}) {
        const uint32_t e = 1u << static_cast<uint32_t>(i);
        const bool woken = wakes && now_wakes.of(i) != known->second.wakes.of(i);
        const bool flipped = new_version || (now_bits & e) != (old_bits & e);
        const uint32_t bit = same ? e : e << 2;
        switch (watch_tell(woken, flipped)) {
          case WatchTell::kEveryone: all |= bit; break;
          case WatchTell::kAllButCause: but_cause |= bit; break;
          case WatchTell::kNobody: break;
        }
      }
    }
    if (known->second.word == word && !all && !but_cause) return true;  // nothing new for the engine
    known->second = Published{word, now_wakes};
    const auto with_wakes = [rdy](uint32_t bits) {
      return ne::set_rdy_state_wake_diff(ne::set_rdy_state_wake_same(rdy, bits & 3), bits >> 2);
    };
    if (!cause || !but_cause) {
      publish_cmd(object, version, with_wakes(all | but_cause), s.changed_at);
      return true;
    }
    // The CPU whose read or write made the change has the state in its result: the
    // watches told only of a readiness flip skip it when it is their only CPU. Those
    // told of a wake are told everywhere, by a PUBLISH of their own (same word).
    if (all) publish_cmd(object, version, with_wakes(all), s.changed_at);
    publish_cmd(object, version,
                ne::set_rdy_state_skip(ne::set_rdy_state_skip_node(with_wakes(but_cause), *cause), 1),
                s.changed_at);
    return true;
  }
  // First publish (after the ANSWER of a subscribe, with the same state): no wake.
  publish_cmd(object, version, rdy, s.changed_at);
  uint32_t st;
  do {
    st = rd(ne::kRegStatus);
  } while (st & ne::Status::kBusy);
  if (st & ne::Status::kRdtFull) {
    wr(ne::kRegStatus, ne::Status::kRdtFull);
    ++c_.publish_full;
    return false;
  }
  published_[object] = Published{word, now_wakes};
  // Interests and watches the driver remembered while the table was full: the engine
  // answers and notifies them now.
  std::erase_if(rit_, [object](const auto& e) { return std::get<0>(e.first) == object; });
  std::erase_if(owner_watches_, [object](const auto& e) { return std::get<0>(e.first) == object; });
  return true;
}

void NeDriver::object_gone(uint32_t object) {
  std::erase_if(owner_watches_, [object](const auto& e) { return std::get<0>(e.first) == object; });
  if (!booted_ || !published_.erase(object)) return;
  wr(ne::kRegKeyObject, object);
  wr(ne::kRegCmd, static_cast<uint32_t>(ne::Cmd::kUnpublish));
}

void NeDriver::object_changed(uint32_t id, const ObjectState& s, const Wakes* wakes, std::optional<uint32_t> cause) {
  if (!booted_) return;
  const bool published = published_.count(id) != 0;
  auto first = rit_.lower_bound({id, 0, 0});
  auto first_watch = owner_watches_.lower_bound({id, 0, 0});
  const bool watched = first_watch != owner_watches_.end() && std::get<0>(first_watch->first) == id;
  if (!published && !watched && (first == rit_.end() || std::get<0>(first->first) != id)) return;
  const uint32_t me = k_.cpu();
  // The timeline: the change (the writer's flow, or a new one) goes on with the notifications.
  if (!k_.flow() && k_.recorder().tracing()) {
    k_.set_flow(k_.recorder().new_flow());
    k_.flow_step("changed", now_cycles(), k_.flow(), true);
  }
  if (published) {
    publish(id, s, wakes, cause);
    return;
  }
  charge(k_.costs().fd_check);  // the lookup (a handler may run here: find the entries again)
  auto it = rit_.lower_bound({id, 0, 0});
  while (it != rit_.end() && std::get<0>(it->first) == id) {
    const auto [object, event, version] = it->first;
    if (!interest_ready(s, static_cast<Interest>(event), version)) {
      ++it;
      continue;
    }
    // One NOTIFY: the engine multicasts it to every CPU of its mask and forgets them.
    key_regs(Key{me, object, event, version});
    wr(ne::kRegAnsState, encode(s, version));
    stamp(s.changed_at);
    e_.set_flow(k_.take_flow());
    wr(ne::kRegCmd, static_cast<uint32_t>(ne::Cmd::kNotify));
    ++c_.notifications_sent;
    it = rit_.erase(it);
  }
  notify_watches(id, s, wakes, cause);
}

void NeDriver::notify_watches(uint32_t id, const ObjectState& s, const Wakes* wakes, std::optional<uint32_t> cause) {
  const uint32_t me = k_.cpu();
  for (auto it = owner_watches_.lower_bound({id, 0, 0}); it != owner_watches_.end() && std::get<0>(it->first) == id;
       ++it) {
    const auto [object, event, version] = it->first;
    OwnerWatch& ow = it->second;
    const auto i = static_cast<Interest>(event & ~ne::kWatchFlag);
    const bool ready = interest_ready(s, i, version);
    const uint64_t w = wakes ? wakes->of(i) : ow.wakes_seen;
    const WatchTell tell = watch_tell(w != ow.wakes_seen, ready != ow.was_ready);
    ow.wakes_seen = w;
    ow.was_ready = ready;
    // One NOTIFY reaches the whole mask (kept: a persistent key); the change's maker
    // alone is skipped as a PUBLISH would skip it.
    const bool only_cause = cause && ow.cpus.size() == 1 && *ow.cpus.begin() == *cause;
    if (tell == WatchTell::kNobody || (only_cause && !watch_tells(tell, *cause, *cause))) continue;
    charge(k_.costs().fd_check);
    key_regs(Key{me, object, event, version});
    wr(ne::kRegAnsState, encode(s, version));
    stamp(s.changed_at);
    e_.set_flow(k_.take_flow());
    wr(ne::kRegCmd, static_cast<uint32_t>(ne::Cmd::kNotify));
    ++c_.watch_notifies_sent;
  }
}

// --- interrupt and ring -----------------------------------------------------------------

void NeDriver::on_irq() {
  ++c_.interrupts;
  const uint32_t cause = rd(ne::kRegIrqStatus);
  wr(ne::kRegIrqStatus, cause);  // R2: acknowledge first, then read the ring
  drain();
  if (cause & ne::IrqCause::kOverflow) resync();
  // Records written while this handler ran were taken by its drain but raised RECORDS
  // again: acknowledge them and look once more (a record written in between is taken
  // then), so a burst costs this one interrupt (R2 still holds: the last look follows
  // the last acknowledgement).
  while (rd(ne::kRegIrqStatus) & ne::IrqCause::kRecords) {
    wr(ne::kRegIrqStatus, ne::IrqCause::kRecords);
    drain();
  }
}

bool NeDriver::slot(uint32_t seq, uint8_t* b) const {
  k_.node().memory().read(ring_base_ + uint64_t{seq & (opt_.ring_records - 1)} * rr::kBytes,
                          std::span<uint8_t>(b, rr::kBytes));
  return rr::get_kind(b) != 0 && rr::get_seq(b) == (seq & 0xffffffu);
}

bool NeDriver::record_visible() const {
  uint8_t b[rr::kBytes];
  return slot(tail_, b);
}

uint32_t NeDriver::records_before_arm(const Key& k, bool echo) const {
  uint8_t b[rr::kBytes];
  uint32_t n = 0;
  while (n < opt_.ring_records && slot(tail_ + n, b)) {
    ++n;
    if (echo && rr::get_kind(b) == static_cast<uint8_t>(ne::RecordKind::kAnswer) &&
        rr::get_src(b) == k.owner && rr::get_object(b) == k.object && rr::get_event(b) == k.event &&
        rr::get_version(b) == k.version) {
      break;  // this ARM's at-once ANSWER: what follows is newer than the ARM
    }
  }
  return n;
}

bool NeDriver::drain(uint32_t max) {
  if (draining_) return false;  // the drain this handler interrupted re-reads the ring
  draining_ = true;
  bool took = false;
  sim::Recorder& rec = k_.recorder();
  const uint64_t context_flow = k_.flow();
  uint32_t taken = 0;
  for (; taken < max; ++taken) {
    uint8_t b[rr::kBytes];
    if (!slot(tail_, b)) break;
    if (rec.tracing()) {
      // The timeline: each record's flow (from the engine) goes on with what it causes.
      const uint64_t flow = rec.take_ring_record_flow(
          k_.cpu(), ring_base_ + uint64_t{tail_ & (opt_.ring_records - 1)} * rr::kBytes);
      k_.set_flow(flow);
      k_.flow_step("ring record", now_cycles(), flow, true);
    }
    Record r{static_cast<uint8_t>(rr::get_kind(b)),   static_cast<uint8_t>(rr::get_src(b)),
             static_cast<uint8_t>(rr::get_event(b)),  static_cast<uint8_t>(rr::get_state(b)),
             static_cast<uint32_t>(rr::get_object(b)), static_cast<uint32_t>(rr::get_version(b)),
             rr::get_ready(b) != 0,                   static_cast<uint32_t>(rr::get_stamp(b))};
    ++tail_;
    ++c_.records;
    took = true;
    handle(r);
  }
  if (took) wr(ne::kRegRingTail, tail_);
  if (rec.tracing()) {
    k_.set_flow(context_flow);
    rec.ring_records(k_.cpu(), -static_cast<int64_t>(taken), now_cycles());
  }
  draining_ = false;
  return took;
}

void NeDriver::handle(const Record& r) {
  switch (static_cast<ne::RecordKind>(r.kind)) {
    case ne::RecordKind::kAnswer:
    case ne::RecordKind::kNotify: {
      if (r.event & ne::kWatchFlag) {
        const Key k{r.src, r.object, static_cast<uint8_t>(r.event & ~ne::kWatchFlag), r.version};
        on_watch_state(k, decode(r.state, r.version, r.object, changed_at(r.stamp, now_cycles())), r.ready,
                       static_cast<ne::RecordKind>(r.kind) == ne::RecordKind::kNotify);
        return;
      }
      const Key k{r.src, r.object, r.event, r.version};
      on_state(k, decode(r.state, r.version, r.object, changed_at(r.stamp, now_cycles())), r.ready,
               static_cast<ne::RecordKind>(r.kind) == ne::RecordKind::kNotify);
      return;
    }
    case ne::RecordKind::kSubscribe:
      on_subscribe(r);
      return;
    case ne::RecordKind::kNodeDown:
      on_node_down(r.src);
      return;
  }
  throw std::logic_error("ne driver: record kind " + std::to_string(r.kind));
}

// --- statistics ---------------------------------------------------------------------------

double NeDriver::cpu_cycles(bool with_irq) const {
  const double stall = static_cast<double>(c_.mmio_stall_cycles - c_.boot_stall_cycles);
  double c = stall + static_cast<double>(c_.charged_cycles);
  if (with_irq) c += static_cast<double>(c_.interrupts) * k_.costs().irq_entry;
  return c;
}

void NeDriver::register_stats(sim::Stats& s) const {
  const std::string p = "cpu." + std::to_string(k_.cpu()) + ".ne_driver.";
  s.counter(p + "arms", &c_.arms, "commands", "ARM commands issued");
  s.counter(p + "requests_sent", &c_.requests_sent, "packets", "ARMs that sent NE_SUBSCRIBE");
  s.counter(p + "requests_suppressed", &c_.requests_suppressed, "requests",
            "ARMs answered without a packet (in flight or subscribed)");
  s.counter(p + "full_fallbacks", &c_.full_fallbacks, "items", "ARMs that found the table full: agent path");
  s.counter(p + "answers_received", &c_.answers_received, "records", "ANSWER records for in-flight keys");
  s.counter(p + "notifications_received", &c_.notifications_received, "records", "NOTIFY records");
  s.counter(p + "waiters_woken", &c_.waiters_woken, "records", "ready records linked into waiting calls");
  s.counter(p + "answers_sent", &c_.answers_sent, "commands", "as owner: ANSWER commands");
  s.counter(p + "notifications_sent", &c_.notifications_sent, "commands", "as owner: NOTIFY commands");
  s.counter(p + "records", &c_.records, "records", "ring records consumed");
  s.counter(p + "interrupts", &c_.interrupts, "interrupts", "engine interrupts taken");
  s.counter(p + "node_down_records", &c_.node_down_records, "records", "NODE_DOWN records");
  s.counter(p + "node_down_wakes", &c_.node_down_wakes, "waiters", "waiters woken with an error");
  s.counter(p + "requests_held_for_takeover", &c_.requests_held_for_takeover, "items",
            "items on a dead owner's sockets kept until its backup's takeover (then armed there)");
  s.counter(p + "owner_full_fallbacks", &c_.owner_full_fallbacks, "items",
            "ready answers that were not ready (owner's table full): item sent to the agents");
  s.counter(p + "cancels", &c_.cancels, "commands",
            "CANCEL commands: entries nobody waited on, freed when an ARM found the table full");
  s.counter(p + "ring_overflows", &c_.ring_overflows, "interrupts",
            "interrupts that reported records dropped by a full ring: every key was asked afresh");
  s.counter(p + "answers_asked_again", &c_.answers_asked_again, "keys",
            "keys asked again after their answer took longer than the longest nap");
  s.counter(p + "answer_polls", &c_.answer_polls, "checks",
            "ring checks by calls waiting for their answers (a not-ready answer raises no interrupt)");
  s.counter(p + "answer_naps", &c_.answer_naps, "naps", "naps of calls whose answers took longer than a spin");
  s.counter(p + "publishes", &c_.publishes, "commands",
            "as owner: PUBLISH commands (the engine answers and notifies the object itself)");
  s.counter(p + "publish_full", &c_.publish_full, "objects",
            "as owner: objects the engine's readiness table had no room for (the driver answers them)");
  s.counter(p + "watches_armed", &c_.watches_armed, "commands",
            "ARMs of epoll watches (WATCH_FLAG): a key's first item on this CPU, one NE_SUBSCRIBE");
  s.counter(p + "watches_suppressed", &c_.watches_suppressed, "items",
            "epoll items whose watch was answered from the watch database, nothing sent");
  s.counter(p + "watch_cancels", &c_.watch_cancels, "commands",
            "CANCELs of watches whose last item went: one NE_UNSUBSCRIBE each");
  s.counter(p + "watch_answers", &c_.watch_answers, "records", "ANSWER records of watches");
  s.counter(p + "watch_notifications", &c_.watch_notifications, "records",
            "NOTIFY records of watches: changes of watched objects");
  s.counter(p + "watch_full_fallbacks", &c_.watch_full_fallbacks, "items",
            "watches the local table had no room for: the agents keep them");
  s.counter(p + "watches_asked_again", &c_.watches_asked_again, "keys",
            "watches armed again after their answer took longer than the longest nap");
  s.counter(p + "watch_resync_fallbacks", &c_.watch_resync_fallbacks, "keys",
            "watches a full ring's resynchronisation gave to the agents (their answers would not fit)");
  s.counter(p + "watch_owner_full_fallbacks", &c_.watch_owner_full_fallbacks, "keys",
            "watches the owner's table had no room for (ANSWER ready=1): the agents keep them");
  s.counter(p + "watch_notifies_sent", &c_.watch_notifies_sent, "commands",
            "as owner: NOTIFY commands for watches of objects the readiness table has no room for");
  s.counter(p + "publish_wakes", &c_.publish_wakes, "commands", "as owner: PUBLISHes with wake bits for watches");
  s.counter(p + "publish_skips", &c_.publish_skips, "commands",
            "as owner: PUBLISHes with a skip node (the reader or writer whose result carries the state)");
  s.formula(p + "cpu_cycles", [this] { return cpu_cycles(false); }, "cycles",
            "driver work: MMIO stalls after boot and charged cycles, interrupt entries excluded");
  s.formula(p + "cpu_cycles_with_irq", [this] { return cpu_cycles(true); }, "cycles",
            "cpu_cycles plus irq_entry per engine interrupt");
  if (k_.cpu() != 0) return;
  // Machine-wide totals, once (from CPU 0's driver).
  auto sum = [](auto f) {
    return [f] {
      double t = 0;
      for (const NeDriver* d : all_drivers()) t += f(*d);
      return t;
    };
  };
  auto sent = sum([](const NeDriver& d) { return double(d.c_.requests_sent); });
  auto supp = sum([](const NeDriver& d) { return double(d.c_.requests_suppressed); });
  auto notes = sum([](const NeDriver& d) { return double(d.c_.notifications_received); });
  auto cyc = sum([](const NeDriver& d) { return d.cpu_cycles(false); });
  auto cyc_irq = sum([](const NeDriver& d) { return d.cpu_cycles(true); });
  auto fulls = sum([](const NeDriver& d) { return double(d.c_.full_fallbacks + d.c_.owner_full_fallbacks); });
  s.formula("select.ne.requests_sent", sent, "packets", "NE_SUBSCRIBE sent by all engines' ARMs");
  s.formula("select.ne.requests_suppressed", supp, "requests", "ARMs that sent nothing");
  s.formula("select.ne.notifications", notes, "records", "NOTIFY records taken by all drivers");
  s.formula("select.ne.full_fallbacks", fulls, "items",
            "items that fell back to the agents (local or owner's table full)");
  s.formula("select.ne.driver_cpu_cycles", cyc, "cycles", "all drivers' work, interrupt entries excluded");
  s.formula("select.ne.driver_cycles_per_notification",
            [cyc, notes] { return notes() ? cyc() / notes() : 0.0; }, "cycles",
            "driver CPU cycles (both ends, interrupt entries excluded) per notification");
  s.formula("select.ne.driver_cycles_per_notification_with_irq",
            [cyc_irq, notes] { return notes() ? cyc_irq() / notes() : 0.0; }, "cycles",
            "the same with irq_entry per engine interrupt");
}

}  // namespace shadowsel::drv
