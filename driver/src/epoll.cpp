// SPDX-License-Identifier: MIT
// epoll (epoll.h): the instance, its file's operations, and the three system calls.
#include "shadowsel/driver/epoll.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>

#include <algorithm>
#include <cerrno>

#include "shadowsel/driver/agent_protocol.h"
#include "shadowsel/driver/file_ops.h"
#include "shadowsel/driver/kernel.h"
#include "shadowsel/driver/ne_driver.h"
#include "shadowsel/hw/time.h"

namespace shadowsel::drv {
namespace {

constexpr uint32_t kPrivateBits = EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE;
constexpr uint32_t kExclusiveOkBits = EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE;
// ep_poll's limit on maxevents: INT_MAX / sizeof(struct epoll_event).
constexpr int kMaxEvents = 0x7fffffff / 12;

// A ready record of the epoll file as its pollers read it: the bits, carried as a
// socket's (record_mask reads them back).
ObjectState readable_state() {
  ObjectState s;
  s.kind = ObjectState::Kind::kSocket;
  s.events = POLLIN | POLLRDNORM;
  s.changed_at = hw::now_cycles();
  return s;
}

class EpollFileOps final : public FileOps {
 public:
  int64_t read(PosixKernel&, Process&, const std::shared_ptr<OpenFile>&, std::span<uint8_t>) const override {
    return -EINVAL;
  }
  int64_t write(PosixKernel&, Process&, const std::shared_ptr<OpenFile>&, std::span<const uint8_t>) const override {
    return -EINVAL;
  }
  // An anonymous inode's noop_llseek(): the offset, which nothing moves.
  int64_t lseek(OpenFile&, int64_t, int) const override { return 0; }
  void poll_arm(PosixKernel&, const std::shared_ptr<Wait>& w, uint32_t slot, const OpenFile& f, short, bool may_block,
                std::vector<Wait::Item>&) const override {
    if (may_block) f.epoll->poll_arm(w, slot);
  }
  short poll_mask(PosixKernel&, const OpenFile& f, const Wait&, uint32_t) const override {
    return f.epoll->poll_mask();
  }
  short record_mask(PosixKernel&, const OpenFile&, const ReadyRecord& r) const override { return r.state.events; }
  void release(PosixKernel& px, Process& self, OpenFile& f) const override {
    f.epoll->close(self);
    px.forget_epoll(*f.epoll);
  }
};

}  // namespace

const FileOps& epoll_file_ops() {
  static const EpollFileOps ops;
  return ops;
}

// --- the instance ------------------------------------------------------------------------

uint32_t Epoll::wanted(const Item& it) {
  if (!(it.event.events & ~kPrivateBits)) return 0;
  return (it.event.events & ~kPrivateBits) | EPOLLERR | EPOLLHUP;
}

void Epoll::arm(Process& self, const ItemPtr& it) {
  const OpenFile& f = *it->file;
  if (it->local) px_.end_registration(it->local);
  std::weak_ptr<Item> weak = it;
  it->local = px_.new_registration([this, weak](Wait& w) {
    if (auto item = weak.lock()) on_record(item, w);
  });
  std::vector<Wait::Item> remote;
  f.ops().poll_arm(px_, it->local, 0, f, static_cast<short>(wanted(*it) | EPOLLERR | EPOLLHUP), true, remote);
  it->rearm = false;
  // The remote keys it needs now against those it watches: a socket leaving forwarding
  // mode needs its read side watched from now on.
  std::vector<std::pair<SelectKey, uint32_t>> now;
  for (const Wait::Item& r : remote) now.emplace_back(f.ops().select_key(f, r.interest), f.ops().agent_port(f));
  std::map<uint32_t, std::vector<SelectItem>> add, drop;
  for (const auto& [key, port] : now) {
    if (std::find(it->watched.begin(), it->watched.end(), std::pair{key, port}) == it->watched.end())
      add[port].push_back({key, 0});
  }
  for (const auto& [key, port] : it->watched) {
    if (std::find(now.begin(), now.end(), std::pair{key, port}) == now.end()) drop[port].push_back({key, 0});
  }
  it->watched = std::move(now);
  std::map<uint32_t, std::vector<SelectItem>> agent_drop;
  for (const auto& [port, list] : drop) {
    for (const SelectItem& x : list) unwatch(it, x.key, port, agent_drop);
  }
  post_watches(self, it, agent_drop, AgentMsg::kUnwatch);
  if (it->remote) hand_to_agents(self, it);
  if (add.empty()) return;
  if (!it->remote) {
    it->remote = px_.new_registration([this, weak](Wait& w) {
      if (auto item = weak.lock()) on_record(item, w);
    });
  }
  // On the engine paths a pipe's or FIFO's watch is a persistent key of the notify
  // engine (NeDriver::watch_item); what its table cannot take goes to the agent.
  // Sockets and TTYs stay with the agents (docs/epoll.md).
  NeDriver* ne = px_.ne_driver();
  std::map<uint32_t, std::vector<SelectItem>> agent_add;
  for (const auto& [port, list] : add) {
    for (const SelectItem& x : list) {
      ++it->remote->answers_pending;
      const bool engine = ne && (port == kPipeAgentPort || port == kFifoAgentPort);
      if (engine && ne->watch_item(it->remote, 0, x.key)) {
        it->engine.insert(x.key);
      } else {
        agent_add[port].push_back(x);
      }
    }
  }
  post_watches(self, it, agent_add, AgentMsg::kWatch);
}

void Epoll::post_watches(Process& self, const ItemPtr& it, const std::map<uint32_t, std::vector<SelectItem>>& keys,
                         AgentMsg kind) {
  for (const auto& [port, list] : keys) {
    if (!list.empty()) self.post(Address{px_.kernel().cpu(), port}, encode_select(it->remote->id, list, kind));
  }
}

void Epoll::unwatch(const ItemPtr& it, const SelectKey& key, uint32_t port,
                    std::map<uint32_t, std::vector<SelectItem>>& drop) {
  if (it->engine.erase(key)) {
    if (NeDriver* ne = px_.ne_driver()) ne->unwatch_item(key, it->remote->id, 0);
    return;
  }
  drop[port].push_back({key, 0});
}

void Epoll::hand_to_agents(Process& self, const ItemPtr& it) {
  // The driver counted each in answers_pending: the agent's answer settles it.
  const std::vector<Wait::Item> items = std::exchange(it->remote->to_agents, {});
  if (items.empty()) return;
  const OpenFile& f = *it->file;
  std::map<uint32_t, std::vector<SelectItem>> add;
  for (const Wait::Item& x : items) {
    const SelectKey key = f.ops().select_key(f, x.interest);
    it->engine.erase(key);
    add[f.ops().agent_port(f)].push_back({key, 0});
  }
  post_watches(self, it, add, AgentMsg::kWatch);
}

void Epoll::await_answers(Process& self, const ItemPtr& it) {
  while (it->remote && (it->remote->answers_pending || !it->remote->to_agents.empty())) {
    if (!it->remote->to_agents.empty()) {
      hand_to_agents(self, it);
      continue;
    }
    awaiting_.push_back(&self);
    struct Done {
      std::vector<Process*>& list;
      Process* p;
      ~Done() { std::erase(list, p); }
    } done{awaiting_, &self};
    // The engine's answer to a watch raises no interrupt: its driver polls the ring.
    NeDriver* ne = px_.ne_driver();
    if (ne && ne->awaits_watch_answer(*it->remote)) {
      ne->await_watch_answers(self, *it->remote);
    } else {
      px_.kernel().block(self);
    }
  }
}

uint32_t Epoll::poll_item(const Item& it) {
  const OpenFile& f = *it.file;
  px_.kernel().execute(px_.kernel().costs().fd_check);
  // The remote parts from what this CPU last heard, as answers to a call would say.
  Wait now;
  for (const auto& [key, port] : it.watched) {
    if (auto s = px_.remote_state(key.owner, key.object)) {
      now.answers.push_back({0, *s, true, static_cast<Interest>(key.event)});
    }
  }
  return static_cast<uint16_t>(f.ops().poll_mask(px_, f, now, 0)) & wanted(it);
}

void Epoll::on_record(const ItemPtr& it, Wait& w) {
  // What a watch's record says is what this CPU knows of the object now (the agent
  // noted it already, unless the record says the object vanished with its owner).
  const auto heard = [&](const ReadyRecord& r) {
    for (const auto& [key, port] : it->watched) {
      if (key.event == static_cast<uint8_t>(r.interest)) px_.remote_state_seen(key.owner, key.object, r.state);
    }
  };
  // Watches the engine could not keep: the next arm() or await_answers() hands them to
  // the agents.
  if (!w.to_agents.empty()) {
    it->rearm = true;
    for (Process* p : awaiting_) px_.kernel().wake(*p);
    wake_waiters();
  }
  // Answers to its watches: the caller of arm() waits for them (await_answers).
  if (!w.answers.empty()) {
    for (const ReadyRecord& r : w.answers) heard(r);
    w.answers.clear();
    if (!w.answers_pending) {
      for (Process* p : awaiting_) px_.kernel().wake(*p);  // each looks at its own item again
    }
  }
  bool event = false;
  for (const ReadyRecord& r : w.ready) {
    if (r.remote) heard(r);
    event |= (static_cast<uint16_t>(it->file->ops().record_mask(px_, *it->file, r)) & wanted(*it)) != 0;
  }
  const bool local = &w == it->local.get();
  w.ready.clear();
  // A local object may have dropped the registration with this record (a shadow
  // socket's waiters are one-shot): make it again before the next sleep.
  if (local) it->rearm = true;
  if (event) {
    make_ready(it);
  } else if (local) {
    wake_waiters();
  }
}

void Epoll::make_ready(const ItemPtr& it) {
  if (!it->on_ready_list) {
    it->on_ready_list = true;
    ready_.push_back(it);
  }
  wake_waiters();
  for (auto& [w, slot] : pollers_) {
    if (!w->active) continue;
    w->ready.push_back(ReadyRecord{slot, readable_state(), false});
    px_.wake_wait(*w);
  }
  std::erase_if(pollers_, [](const auto& p) { return !p.first->active; });
}

void Epoll::wake_waiters() {
  for (Process* p : waiters_) px_.kernel().wake(*p);
  waiters_.clear();
}

void Epoll::remove(Process& self, const ItemPtr& it) {
  std::map<uint32_t, std::vector<SelectItem>> drop;
  for (const auto& [key, port] : it->watched) unwatch(it, key, port, drop);
  post_watches(self, it, drop, AgentMsg::kUnwatch);
  it->watched.clear();
  if (it->local) px_.end_registration(it->local);
  if (it->remote) px_.end_registration(it->remote);
  if (it->on_ready_list) {
    ready_.remove(it);
    it->on_ready_list = false;
  }
  items_.erase({it->file.get(), it->fd});
}

int Epoll::ctl(Process& self, const OpenFile& self_file, int op, int fd, const std::shared_ptr<OpenFile>& f,
               const EpollEvent* ev) {
  // do_epoll_ctl()'s checks, in its order (the caller did EFAULT and EBADF).
  if (!f->ops().can_poll()) return -EPERM;
  if (f.get() == &self_file) return -EINVAL;
  const bool has_event = op != EPOLL_CTL_DEL;
  if (has_event && (ev->events & EPOLLEXCLUSIVE)) {
    if (op == EPOLL_CTL_MOD) return -EINVAL;
    if (op == EPOLL_CTL_ADD && (f->type == OpenFile::Type::kEpoll || (ev->events & ~kExclusiveOkBits)))
      return -EINVAL;
  }
  if (op == EPOLL_CTL_ADD && f->type == OpenFile::Type::kEpoll && f->epoll->reaches(this)) return -ELOOP;
  auto found = items_.find({f.get(), fd});
  ItemPtr it = found == items_.end() ? nullptr : found->second;
  switch (op) {
    case EPOLL_CTL_ADD: {
      if (it) return -EEXIST;
      it = std::make_shared<Item>();
      it->fd = fd;
      it->file = f;
      it->event = *ev;
      it->event.events |= EPOLLERR | EPOLLHUP;
      items_[{f.get(), fd}] = it;
      arm(self, it);
      await_answers(self, it);
      if (poll_item(*it)) make_ready(it);
      return 0;
    }
    case EPOLL_CTL_DEL:
      if (!it) return -ENOENT;
      remove(self, it);
      return 0;
    case EPOLL_CTL_MOD:
      if (!it) return -ENOENT;
      if (it->event.events & EPOLLEXCLUSIVE) return -EINVAL;
      it->event = *ev;
      it->event.events |= EPOLLERR | EPOLLHUP;
      // ep_modify(): polled again; a ready item joins the ready list (a one-shot one so
      // re-armed), one that is not ready stays where it was.
      arm(self, it);
      await_answers(self, it);
      if (poll_item(*it)) make_ready(it);
      return 0;
    default:
      return -EINVAL;
  }
}

int Epoll::send_events(std::span<EpollEvent> out) {
  std::list<ItemPtr> scan = std::move(ready_);
  ready_.clear();
  std::list<ItemPtr> again;
  int n = 0;
  while (!scan.empty() && n < static_cast<int>(out.size())) {
    ItemPtr it = scan.front();
    scan.pop_front();
    it->on_ready_list = false;
    const uint32_t revents = poll_item(*it);
    if (!revents) continue;
    out[n].events = revents;
    out[n].data = it->event.data;
    ++n;
    if (it->event.events & EPOLLONESHOT) {
      it->event.events &= kPrivateBits;
    } else if (!(it->event.events & EPOLLET)) {
      again.push_back(it);  // level-triggered: looked at again by the next call
      it->on_ready_list = true;
    }
  }
  // ep_done_scan(): what was not scanned stays first; level-triggered items follow.
  for (auto& it : again) scan.push_back(it);
  ready_ = std::move(scan);
  return n;
}

int Epoll::wait(Process& self, std::span<EpollEvent> out, int64_t timeout_cycles) {
  Kernel& k = px_.kernel();
  const int64_t deadline =
      timeout_cycles < 0 ? -1 : static_cast<int64_t>(hw::cycle_after(static_cast<uint64_t>(timeout_cycles)));
  for (;;) {
    for (auto& [key, it] : items_) {
      if (it->rearm) arm(self, it);
    }
    for (auto& [key, it] : items_) await_answers(self, it);
    const int n = send_events(out);
    if (n > 0 || timeout_cycles == 0) return n;
    if (deadline >= 0 && static_cast<int64_t>(hw::now_cycles()) >= deadline) return 0;
    // ep_poll(): a signal to deliver (one an epoll_pwait mask has just let in) ends the
    // call before it sleeps.
    if (px_.signal_to_deliver(self)) throw SignalInterrupted{};
    const bool rearm = std::any_of(items_.begin(), items_.end(), [](const auto& e) { return e.second->rearm; });
    if (!ready_.empty() || rearm) continue;
    // Off the list however the sleep ends: a wake, the deadline, a handler (EINTR), or
    // the process's end (a fatal signal unwinds it from here).
    waiters_.push_back(&self);
    struct OffList {
      std::vector<Process*>& list;
      Process* p;
      ~OffList() { std::erase(list, p); }
    } off{waiters_, &self};
    if (deadline >= 0) {
      k.block_until(self, static_cast<uint64_t>(deadline), true);
    } else {
      k.block(self, true);
    }
  }
}

void Epoll::file_released(Process& self, const OpenFile& f) {
  std::vector<ItemPtr> gone;
  for (auto& [key, it] : items_) {
    if (key.first == &f) gone.push_back(it);
  }
  for (auto& it : gone) remove(self, it);
}

void Epoll::close(Process& self) {
  while (!items_.empty()) remove(self, items_.begin()->second);
  for (Process* p : waiters_) px_.kernel().wake(*p);
  waiters_.clear();
}

short Epoll::poll_mask() {
  // ep_eventpoll_poll(): readable when an item on the ready list has an event now;
  // those that have none leave the list.
  for (auto i = ready_.begin(); i != ready_.end();) {
    if (poll_item(**i)) return POLLIN | POLLRDNORM;
    (*i)->on_ready_list = false;
    i = ready_.erase(i);
  }
  return 0;
}

void Epoll::poll_arm(const std::shared_ptr<Wait>& w, uint32_t slot) { pollers_.emplace_back(w, slot); }

bool Epoll::reaches(const Epoll* other) const {
  if (this == other) return true;
  for (const auto& [key, it] : items_) {
    if (it->file->type == OpenFile::Type::kEpoll && it->file->epoll->reaches(other)) return true;
  }
  return false;
}

// --- the system calls --------------------------------------------------------------------

int PosixKernel::sys_epoll_create(Process& self, int flags) {
  k_.execute(k_.costs().syscall_entry);
  if (flags & ~EPOLL_CLOEXEC) return -EINVAL;
  OpenFile f;
  f.type = OpenFile::Type::kEpoll;
  f.flags() = O_RDWR;
  f.epoll = std::make_shared<Epoll>(*this);
  epolls_.push_back(f.epoll);
  return install(self, make_open_file(f));
}

int PosixKernel::sys_epoll_ctl(Process& self, int epfd, int op, int fd, const EpollEvent* ev) {
  k_.execute(k_.costs().syscall_entry);
  auto ep = file(self, epfd);
  if (!ep) return -EBADF;
  auto f = file(self, fd);
  if (!f) return -EBADF;
  if (ep->type != OpenFile::Type::kEpoll) {
    // EPERM comes before EINVAL in do_epoll_ctl().
    return f->ops().can_poll() ? -EINVAL : -EPERM;
  }
  return ep->epoll->ctl(self, *ep, op, fd, f, ev);
}

int PosixKernel::sys_epoll_wait(Process& self, int epfd, EpollEvent* out, int maxevents, int64_t timeout_cycles) {
  k_.execute(k_.costs().syscall_entry);
  if (maxevents <= 0 || maxevents > kMaxEvents) return -EINVAL;
  auto ep = file(self, epfd);
  if (!ep) return -EBADF;
  if (ep->type != OpenFile::Type::kEpoll) return -EINVAL;
  std::shared_ptr<Epoll> keep = ep->epoll;  // a handler may close it
  return keep->wait(self, {out, static_cast<size_t>(maxevents)}, timeout_cycles);
}

void PosixKernel::forget_epoll(const Epoll& e) {
  std::erase_if(epolls_, [&e](const std::weak_ptr<Epoll>& w) {
    auto p = w.lock();
    return !p || p.get() == &e;
  });
}

void PosixKernel::remote_state_seen(uint32_t owner, uint32_t object, const ObjectState& s) {
  auto [it, added] = remote_seen_.try_emplace({owner, object}, s);
  // Watches and results may cross on the bus: the newest change wins.
  if (!added && s.changed_at >= it->second.changed_at) it->second = s;
}

std::optional<ObjectState> PosixKernel::remote_state(uint32_t owner, uint32_t object) const {
  auto it = remote_seen_.find({owner, object});
  if (it == remote_seen_.end()) return std::nullopt;
  return it->second;
}

std::shared_ptr<Wait> PosixKernel::new_registration(std::function<void(Wait&)> on_wake) {
  auto w = std::make_shared<Wait>();
  w->id = next_wait_++;
  w->on_wake = std::move(on_wake);
  waits_[w->id] = w;
  return w;
}

void PosixKernel::end_registration(const std::shared_ptr<Wait>& w) { end_wait(w); }

}  // namespace shadowsel::drv
