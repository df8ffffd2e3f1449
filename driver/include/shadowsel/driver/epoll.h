// SPDX-License-Identifier: MIT
// An epoll instance (Linux's struct eventpoll, fs/eventpoll.c): the interest list of
// (file, descriptor) items, the ready list, and the processes waiting in epoll_wait.
// An item stays registered with its object between calls, which is what sets epoll
// apart from select: a local object keeps the item's waiter (PipeObject::waiters and
// the like); a remote one is watched at its owner through this CPU's agent (kWatch,
// watch_db.h on this side, watch_table.h at the owner), once, until DEL or close; on
// the notify engine paths a pipe's or FIFO's through the engine (NeDriver::watch_item).
// What Linux's ep_poll_callback does is on_record(): an item whose event arrived joins
// the ready list. epoll_wait scans the ready list as ep_send_events does: each item's
// bits now (for a remote object, the state this CPU last heard: watches and its own
// operations' results keep it current), level-triggered items back at the tail,
// edge-triggered ones off, one-shot ones disabled until EPOLL_CTL_MOD.
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <utility>
#include <vector>

#include "shadowsel/driver/agent_protocol.h"
#include "shadowsel/driver/posix_kernel.h"
#include "shadowsel/driver/select_db.h"

namespace shadowsel::drv {

/// struct epoll_event without its packing.
struct EpollEvent {
  uint32_t events = 0;
  uint64_t data = 0;
};

class Epoll : public std::enable_shared_from_this<Epoll> {
 public:
  explicit Epoll(PosixKernel& px) : px_(px) {}

  /// epoll_ctl() on this instance (`self_file` is the epoll file itself); -errno.
  int ctl(Process& self, const OpenFile& self_file, int op, int fd, const std::shared_ptr<OpenFile>& f,
          const EpollEvent* ev);
  /// epoll_wait(): up to out.size() events; `timeout_cycles` < 0 waits for ever.
  /// May throw SignalInterrupted (never restarted: the caller gives EINTR).
  int wait(Process& self, std::span<EpollEvent> out, int64_t timeout_cycles);

  /// The file's last descriptor on this CPU was closed: its items go (eventpoll_release).
  void file_released(Process& self, const OpenFile& f);
  /// The instance's last descriptor was closed: every item goes.
  void close(Process& self);

  // --- the epoll file polled by select, poll or another epoll instance ---
  short poll_mask();
  void poll_arm(const std::shared_ptr<Wait>& w, uint32_t slot);
  /// True when `other` is this instance or reachable through its items (ELOOP).
  bool reaches(const Epoll* other) const;

 private:
  struct Item {
    int fd = -1;
    std::shared_ptr<OpenFile> file;
    EpollEvent event;
    bool on_ready_list = false;
    bool rearm = true;  ///< the local registration must be made again (arm())
    std::shared_ptr<Wait> local;   ///< registration with a local object
    std::shared_ptr<Wait> remote;  ///< the item's watches, answered and notified through the agents or the engine
    std::vector<std::pair<SelectKey, uint32_t>> watched;  ///< (key, agent port)
    std::set<SelectKey> engine;  ///< keys of `watched` watched through the notify engine (NeDriver), not the agent
  };
  using ItemPtr = std::shared_ptr<Item>;

  /// The bits an item may report: its events, EPOLLERR and EPOLLHUP; none when disabled
  /// (a one-shot item that fired).
  static uint32_t wanted(const Item& it);
  /// (Re)registers the item with its object: a fresh local registration, watches added
  /// or dropped to match the remote keys it needs now.
  void arm(Process& self, const ItemPtr& it);
  /// Waits until every watch of the items has its owner's answer.
  void await_answers(Process& self, const ItemPtr& it);
  /// Watches the notify engine could not keep (Wait::to_agents) go to the agents.
  void hand_to_agents(Process& self, const ItemPtr& it);
  /// Posts kWatch or kUnwatch for `keys`, one message per agent.
  void post_watches(Process& self, const ItemPtr& it, const std::map<uint32_t, std::vector<SelectItem>>& keys,
                    AgentMsg kind);
  /// Drops the item's watch of `key` through the engine or the agent of `port`.
  void unwatch(const ItemPtr& it, const SelectKey& key, uint32_t port, std::map<uint32_t, std::vector<SelectItem>>& drop);
  /// The item's bits now, masked by what it wants (ep_item_poll).
  uint32_t poll_item(const Item& it);
  /// An item's registration was woken (ep_poll_callback).
  void on_record(const ItemPtr& it, Wait& w);
  void make_ready(const ItemPtr& it);
  void wake_waiters();
  void remove(Process& self, const ItemPtr& it);
  int send_events(std::span<EpollEvent> out);

  PosixKernel& px_;
  std::map<std::pair<const OpenFile*, int>, ItemPtr> items_;
  std::list<ItemPtr> ready_;
  std::vector<Process*> waiters_;  ///< in epoll_wait
  std::vector<std::pair<std::shared_ptr<Wait>, uint32_t>> pollers_;  ///< select/poll/epoll on this file
  std::vector<Process*> awaiting_;  ///< blocked until watches are answered
};

}  // namespace shadowsel::drv
