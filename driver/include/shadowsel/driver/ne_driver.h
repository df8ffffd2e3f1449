// SPDX-License-Identifier: MIT
// The per-CPU driver of the notify engine (docs/notify-engine.md, docs/ne-driver.md):
// on --notify model|rtl|lockstep it takes the select hot path from the pipe and FIFO
// agents. It reaches its node's engine ONLY through hw::NotifyEngine::mmio_read /
// mmio_write, the ring of ready records in node memory and the interrupt line
// IrqLine::kNotifyEngine; it never calls into the engine's core.
//
//  - boot (a power-on thread, not charged to the CPU): a ring from the kernel's Heap,
//    NODE_ID, RING_BASE/RING_SIZE, coalescing, liveness (optional), IRQ_ENABLE, ENABLE;
//  - waiter side: a select/poll item on a shadow end is ARMed in the engine; the engine
//    sends one NE_SUBSCRIBE per (remote connection, event) however many local waiters.
//    ARM_RESULT = FULL falls back to the software agent, so nothing is lost. The driver
//    keeps, per key, the local waiters and a mirror of the engine's entry state;
//  - interrupt: the ring's records are read in sequence order, RING_TAIL advanced,
//    IRQ_STATUS acknowledged; ANSWER/NOTIFY records wake every local waiter of the key;
//    NODE_DOWN records wake the waiters of that node's objects with POLLHUP/POLLERR;
//  - owner side: a SUBSCRIBE record makes the driver check the real pipe and issue
//    ANSWER (ready now, or remembered by the engine); a change of a real pipe with
//    remembered remote interest that is now ready issues NOTIFY (one multicast);
//    a published pipe's changes are PUBLISHed, with the wake bits and skip node of
//    its epoll watches (watch_rule.h);
//  - epoll watches of remote pipes and FIFOs: persistent keys (WATCH_FLAG), armed once
//    per key, cancelled with the last item (docs/epoll.md).
// The agents keep connection set-up, data transfer and the fallback.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <tuple>
#include <vector>

#include "shadowsel/driver/posix_kernel.h"
#include "shadowsel/driver/select_db.h"
#include "shadowsel/driver/watch_db.h"
#include "shadowsel/gen/ne.h"
#include "shadowsel/sim/stats.h"

namespace shadowsel::hw {
class NotifyEngine;
}

namespace shadowsel::drv {

class Kernel;

/// How the driver programs its engine at boot.
struct NeDriverOptions {
  bool attach = true;            ///< false: no driver, the agents do everything (engine tests)
  uint32_t ring_records = 512;   ///< RING_SIZE (power of two); RECORD_BYTES (32) each from the Heap: 16 KiB
  std::map<uint32_t, uint32_t> ring_records_of_cpu;  ///< RING_SIZE of these CPUs instead (tests)
  uint32_t coalesce_count = 1;   ///< COALESCE_COUNT: an interrupt per record (latency first)
  uint32_t coalesce_cycles = 0;  ///< COALESCE_CYCLES
  uint32_t alive_period = 0;     ///< ALIVE_PERIOD cycles; 0: from the machine's [liveness] (on by default)
  uint32_t alive_timeout = 0;    ///< ALIVE_TIMEOUT cycles, with alive_period
};

struct NeDriverCounters {
  uint64_t arms = 0;                  ///< ARM commands issued
  uint64_t requests_sent = 0;         ///< ARM_RESULT = SENT: one NE_SUBSCRIBE on the bus
  uint64_t requests_suppressed = 0;   ///< ARM_RESULT = SUPPRESSED_*: nothing sent
  uint64_t full_fallbacks = 0;        ///< ARM_RESULT = FULL: the item went to the agent
  uint64_t answers_received = 0;      ///< ANSWER records for an in-flight key
  uint64_t notifications_received = 0;///< NOTIFY records
  uint64_t waiters_woken = 0;         ///< ready records linked into waiting calls
  uint64_t answers_sent = 0;          ///< as owner: ANSWER commands
  uint64_t notifications_sent = 0;    ///< as owner: NOTIFY commands (one multicast each)
  uint64_t records = 0;               ///< ring records consumed
  uint64_t interrupts = 0;            ///< engine interrupts taken
  uint64_t node_down_records = 0;     ///< NODE_DOWN records
  uint64_t node_down_wakes = 0;       ///< waiters woken with an error by a node going down
  uint64_t requests_held_for_takeover = 0;  ///< items on a dead owner's sockets kept for its backup
  uint64_t owner_full_fallbacks = 0;  ///< ANSWER ready=1 not ready (owner's table full): agent path
  uint64_t cancels = 0;               ///< CANCEL commands: stale entries freed for an ARM that found the table full
  uint64_t ring_overflows = 0;        ///< interrupts that reported dropped records: the driver resynchronised (R11)
  uint64_t answers_asked_again = 0;   ///< keys asked again after waiting long for their answer (R11)
  uint64_t answer_polls = 0;          ///< ring checks of calls waiting for their answers (R10)
  uint64_t answer_naps = 0;           ///< naps of calls whose answers took longer than a spin
  uint64_t watches_armed = 0;         ///< ARMs with WATCH_FLAG: a key's first epoll item on this CPU (one NE_SUBSCRIBE)
  uint64_t watches_suppressed = 0;    ///< epoll items whose watch was answered from the watch database
  uint64_t watch_cancels = 0;         ///< CANCELs of watches whose last item went (one NE_UNSUBSCRIBE each)
  uint64_t watch_answers = 0;         ///< ANSWER records of watches
  uint64_t watch_notifications = 0;   ///< NOTIFY records of watches (changes of watched objects)
  uint64_t watch_full_fallbacks = 0;  ///< watches the local table had no room for: the agents keep them
  uint64_t watches_asked_again = 0;   ///< watches armed again after waiting long for their answer (R11)
  uint64_t watch_resync_fallbacks = 0;  ///< watches a full ring's resynchronisation gave to the agents
  uint64_t watch_owner_full_fallbacks = 0;  ///< watches the owner's table had no room for (ANSWER ready=1)
  uint64_t watch_notifies_sent = 0;   ///< as owner: NOTIFY commands for watches of objects not published
  uint64_t publish_wakes = 0;         ///< as owner: PUBLISHes with wake bits (watches to notify)
  uint64_t publish_skips = 0;         ///< as owner: PUBLISHes with a skip node
  uint64_t publishes = 0;             ///< as owner: PUBLISH commands (readiness of a published object)
  uint64_t publish_full = 0;          ///< as owner: objects the readiness table had no room for
  uint64_t charged_cycles = 0;        ///< cost-table cycles the driver charged (lookups, wake-ups)
  uint64_t mmio_stall_cycles = 0;     ///< cycles this CPU waited for its register accesses (its own clock)
  uint64_t boot_stall_cycles = 0;     ///< MMIO stall of the boot sequence (not CPU work)
};

class NeDriver {
 public:
  NeDriver(PosixKernel& px, Kernel& k, hw::NotifyEngine& engine);
  ~NeDriver();

  /// Options used by drivers constructed from now on (tests; defaults otherwise).
  static NeDriverOptions& default_options();

  bool booted() const { return booted_; }

  // --- waiter side, called by do_poll in the selecting process ---
  /// Arms `key` (owner, object, event, version) for `w`'s item `slot`. True: the driver will answer the
  /// item (w->answers_pending was raised, or the answer is already in w->answers). False:
  /// the engine's table is full (or the engine not booted yet): use the agent.
  bool select_item(const std::shared_ptr<Wait>& w, uint32_t slot, const SelectKey& key);

  /// Returns once the engine's answers to `w`'s items are in. A "not ready" answer raises
  /// no interrupt (it would wake nobody), so the calling process `self` polls the ring
  /// for them: it spins for up to an interrupt entry's cycles (the bus round trip is far
  /// shorter), then sleeps in growing naps; interrupts still deliver what they find.
  void await_answers(Process& self, Wait& w);

  /// A process pair's takeover (docs/faults.md): the sockets of CPU `old` for which
  /// `survives(object)` live on at CPU `now`; the items waiting on them are armed there,
  /// the others vanish.
  void owner_moved(uint32_t old, uint32_t now, const std::function<bool(uint32_t)>& survives);

  // --- waiter side of epoll watches (docs/epoll.md), called by the epoll instance ---
  /// Item `slot` of registration `w` watches `key` (a pipe or FIFO on another CPU; the
  /// caller counted it in w->answers_pending). The key's first watcher on this CPU arms
  /// it in the engine as a persistent key (WATCH_FLAG): one NE_SUBSCRIBE; later ones are
  /// answered from the watch database. False: the engine's table is full (or not booted):
  /// use the agent. An owner whose table is full answers later: the item is then put in
  /// w->to_agents, the caller hands it to its agent.
  bool watch_item(const std::shared_ptr<Wait>& w, uint32_t slot, const SelectKey& key);
  /// The item no longer watches `key`; its key's last watcher CANCELs it (NE_UNSUBSCRIBE).
  void unwatch_item(const SelectKey& key, uint64_t wait_id, uint32_t slot);
  /// Returns once no watch of `w` waits for its answer (or some went to w->to_agents);
  /// polls the ring as await_answers does (a watch's answer raises no interrupt).
  void await_watch_answers(Process& self, Wait& w);
  bool awaits_watch_answer(const Wait& w) const { return watches_.awaits_answer(w); }
  /// Keys this CPU watches through the engine (tests).
  size_t watches() const { return watches_.size(); }

  // --- owner side, called when a real object of this CPU changed (a pipe, FIFO or socket) ---
  /// A pipe's or FIFO's wake counts (PipeObject::wakes), for its watches' wake rule.
  struct Wakes {
    uint64_t reader = 0, writer = 0;
    uint64_t of(Interest i) const { return i == Interest::kRead ? reader : writer; }
  };
  /// `wakes`: a pipe's (none for sockets and TTYs); `cause`: the CPU whose read or write
  /// made the change when its result carries the new state (watch_rule.h).
  void object_changed(uint32_t object, const ObjectState& s, const Wakes* wakes = nullptr,
                      std::optional<uint32_t> cause = std::nullopt);
  /// The object no longer exists: its entry of the engine's readiness table is freed.
  void object_gone(uint32_t object);

  const NeDriverCounters& counters() const { return c_; }
  /// CPU cycles of the driver: MMIO stalls after boot plus charged cycles; with_irq adds
  /// irq_entry per engine interrupt.
  double cpu_cycles(bool with_irq) const;
  void register_stats(sim::Stats& s) const;

 private:
  using Key = SelectKey;
  struct Record {
    uint8_t kind, src, event, state;
    uint32_t object, version;
    bool ready;
    uint32_t stamp;  // the change's cycle mod 2^32 (ANSWER, NOTIFY)
  };

  uint32_t rd(uint32_t a);
  void wr(uint32_t a, uint32_t v);
  /// STAMP := the change's cycle (mod 2^32) before a command that reports it.
  void stamp(uint64_t changed);
  void charge(uint64_t cycles);
  void boot();
  void on_irq();
  /// Consumes every record visible in the ring, in sequence order; true if it took any.
  bool drain(uint32_t max = UINT32_MAX);
  /// Reads ring slot `seq`; true if it holds record `seq`.
  bool slot(uint32_t seq, uint8_t* b) const;
  bool record_visible() const;
  /// Records in the ring now, up to and including the at-once ANSWER for `k` if `echo`.
  uint32_t records_before_arm(const Key& k, bool echo) const;
  void handle(const Record& r);
  void on_state(const Key& k, const ObjectState& s, bool ready, bool notify);
  void on_subscribe(const Record& r);
  /// PUBLISH: the engine answers the object's subscribes and notifies its interests from
  /// now on (no SUBSCRIBE record, no interrupt on this CPU). False: the table was full.
  bool publish(uint32_t object, const ObjectState& s, const Wakes* wakes = nullptr,
               std::optional<uint32_t> cause = std::nullopt);
  /// One PUBLISH command of the word `rdy` (wake bits and skip included).
  void publish_cmd(uint32_t object, uint32_t version, uint32_t rdy, uint64_t changed);
  /// A watch's ANSWER or NOTIFY record (`k` without WATCH_FLAG).
  void on_watch_state(const Key& k, const ObjectState& s, bool ready, bool notify);
  /// Owner: watches of an object the readiness table has no room for, told by NOTIFY.
  void notify_watches(uint32_t object, const ObjectState& s, const Wakes* wakes, std::optional<uint32_t> cause);
  void cancel_watch(const Key& k);
  /// A pipe's or FIFO's wake counts now (none for sockets, TTYs and objects gone).
  std::optional<Wakes> pipe_wakes(uint32_t object);
  /// The watchers of `k` go to their agents (Wait::to_agents); the entry goes.
  void to_agents(const Key& k);
  void wake_watchers(const std::vector<Wait*>& waits);
  void on_node_down(uint32_t node);
  void wake(const std::vector<Wait*>& waits);
  void key_regs(const Key& k);
  struct Armed {
    gen::ne::ArmResult result;
    bool more;  ///< records behind the ARM are left in the ring: drain() after the mirror's update
  };
  /// Arms `key` in the engine (one register sequence) and takes the records written
  /// before the ARM (R1); nullopt: the engine's table is full.
  std::optional<Armed> arm(const Key& key);
  /// Cancels every entry of the engine's local table that no active call waits on;
  /// returns how many.
  uint32_t cancel_stale();
  /// A full ring dropped records (R11): every entry is cancelled in the engine and handed
  /// back to its calls, which ask again.
  void resync();
  /// CANCELs `key` in the engine (its NE_UNSUBSCRIBE, if the owner heard of it) and arms
  /// it afresh; nullopt: the table is full.
  std::optional<Armed> rearm(const Key& key);
  /// Cancels and arms again the keys on which `w` has waited too long for an answer.
  void ask_again(const Wait& w);
  /// The same for the watches of registration `w` (a subscribe lost at the owner, R11).
  void ask_watches_again(const Wait& w);
  /// Items on the key are kept for the network I/O process's backup (its CPU is up).
  bool held_for_takeover(const Key& k) const;

  PosixKernel& px_;
  Kernel& k_;
  hw::NotifyEngine& e_;
  NeDriverOptions opt_;
  bool booted_ = false;
  std::optional<uint32_t> stamp_written_;  // STAMP as last written (none before the first)
  bool draining_ = false;
  uint64_t ring_base_ = 0;
  uint32_t tail_ = 0;
  SelectDb db_;  ///< waiter side: the mirror of the engine's local interest table
  std::map<std::tuple<uint32_t, uint8_t, uint32_t>, std::set<uint32_t>> rit_;  ///< owner side, objects not published: (object, event, version) -> CPUs
  WatchDb watches_;  ///< waiter side: epoll watches armed in the engine (keys without WATCH_FLAG)
  struct Published {
    uint64_t word = 0;  ///< (version, RDY_STATE without wake bits) as last published
    Wakes wakes;        ///< the pipe's wake counts then
  };
  std::map<uint32_t, Published> published_;  ///< owner side: objects in the engine's readiness table
  struct OwnerWatch {
    std::set<uint32_t> cpus;  ///< CPUs that subscribed (a superset: unsubscribes give no record)
    uint64_t wakes_seen = 0;
    bool was_ready = false;
  };
  /// Owner side, objects not published: (object, event, version) -> its watchers.
  std::map<std::tuple<uint32_t, uint8_t, uint32_t>, OwnerWatch> owner_watches_;
  NeDriverCounters c_;
};

}  // namespace shadowsel::drv
