// SPDX-License-Identifier: MIT
#include "shadowsel/driver/posix_kernel.h"
#include "shadowsel/driver/epoll.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cerrno>
#include <set>
#include <stdexcept>
#include <utility>

#include "shadowsel/driver/agent_protocol.h"
#include "shadowsel/driver/file_ops.h"
#include "shadowsel/driver/filesystem.h"
#include "shadowsel/driver/kernel.h"
#include "shadowsel/driver/membership.h"
#include "shadowsel/driver/ne_driver.h"
#include "shadowsel/driver/socket.h"
#include "shadowsel/driver/wire.h"
#include "shadowsel/hw/notify_engine.h"
#include "shadowsel/hw/params.h"
#include "shadowsel/hw/time.h"

namespace shadowsel::drv {

using hw::now_cycles;

namespace {
constexpr int kMaxFds = hw::kMaxFdsPerProcess;
constexpr int kKernelOLargefile = 0100000;  // open() sets it on 64-bit kernels; F_GETFL shows it
constexpr short kPollInSet = POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR;
constexpr short kPollOutSet = POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR;
constexpr short kPollExSet = POLLPRI;

int accmode(int flags) { return flags & O_ACCMODE; }
}  // namespace

// --- readiness ---------------------------------------------------------------

short poll_mask_of(const ObjectState& s, bool can_read, bool can_write, uint32_t version) {
  if (s.kind == ObjectState::Kind::kSocket) return s.events;
  short mask = 0;
  if (can_read) {
    if (s.nonempty) mask |= POLLIN | POLLRDNORM;
    if (!s.writers && version != s.w_counter) mask |= POLLHUP;
  }
  if (can_write) {
    if (!s.full) mask |= POLLOUT | POLLWRNORM;
    if (!s.readers) mask |= POLLERR;
  }
  return mask;
}

bool interest_ready(const ObjectState& s, Interest i, uint32_t version) {
  if (s.kind == ObjectState::Kind::kSocket) {
    constexpr short kReadSide = POLLIN | POLLRDNORM | POLLRDHUP | POLLPRI | POLLHUP | POLLERR;
    constexpr short kWriteSide = POLLOUT | POLLWRNORM | POLLHUP | POLLERR;
    return s.events & (i == Interest::kRead ? kReadSide : kWriteSide);
  }
  if (i == Interest::kRead) return s.nonempty || (!s.writers && version != s.w_counter);
  return !s.full || !s.readers;
}

bool OpenFile::can_read() const { return accmode(flags()) != O_WRONLY; }
bool OpenFile::can_write() const { return accmode(flags()) != O_RDONLY; }
bool OpenFile::nonblock() const { return flags() & O_NONBLOCK; }

ObjectState PipeObject::state() const {
  ObjectState s;
  s.nonempty = !buf.empty();
  s.full = buf.full();
  s.readers = readers;
  s.writers = writers;
  s.w_counter = w_counter;
  s.changed_at = changed_at;
  return s;
}

// --- processes -----------------------------------------------------------------

struct PosixKernel::Proc {
  Process* process = nullptr;
  std::vector<std::shared_ptr<OpenFile>> fds;
  SignalState sig;
  // ITIMER_REAL (alarm, setitimer): the Kernel::call_at that queues SIGALRM
  uint64_t alarm_call = 0;  // 0: not armed
  uint64_t alarm_at = 0;
  uint64_t alarm_interval = 0;
  int32_t parent = 0;
  std::set<int32_t> children;
  std::map<int32_t, int> exited;  // child pid -> wait status
  // child pid -> its unreported stop (0x7f | sig << 8) or continue (0xffff): the newer
  // replaces the older, as Linux's signal->flags keep one of them
  std::map<int32_t, int> changed;
  bool in_waitpid = false;
  // Job control: stopped by a stop signal's default action until SIGCONT; blocked in
  // deliver_signals (on its way back to the program) while `in_stop_wait`
  bool stopped = false;
  bool in_stop_wait = false;
  ProcInherit inherit;  // process group, core size limit
  /// The wait status a default action ending the process with `sig` gives: a core
  /// signal sets 0x80 (WCOREDUMP) when the core limit lets a core be written (none is).
  int killed_status(int sig) const {
    return sig | ((signal_default(sig) == SignalDefault::kCore && inherit.core_soft > 0) ? 0x80 : 0);
  }
};

PosixKernel::PosixKernel(Kernel& k, FileSystem& fs) : k_(k), fs_(fs) {
  k_.set_posix(this);
  // --notify model|rtl|lockstep: the engine takes the select hot path (ne_driver.h).
  hw::NotifyEngine* e = k_.node().engine();
  if (e && NeDriver::default_options().attach) ne_ = std::make_unique<NeDriver>(*this, k_, *e);
  k_.membership().add_listener([this](Process&, uint32_t cpu) { cpu_down(cpu); });
}

void PosixKernel::cpu_down(uint32_t cpu) {
  for (auto& [pid, pr] : procs_) {
    bool lost = false;
    for (const int32_t child : pr->children) {
      if ((static_cast<uint32_t>(child) >> 16) - 1 != cpu || pr->exited.count(child)) continue;
      pr->exited[child] = SIGKILL;  // wait status: killed by SIGKILL
      ++c_.children_lost;
      lost = true;
    }
    if (lost && pr->in_waitpid) k_.wake(*pr->process);
  }
  reset_lost_shadows();
}

// A reset socket: waiters ask again, now of an owner that is down, which the agent
// (or the engine's driver) answers at once (docs/faults.md). Sockets a backup will
// take over wait for its kNetTakeover (network_io_moved), which re-points or resets each.
void PosixKernel::reset_lost_shadows() {
  for (auto& [key, sh] : shadows_) {
    if (sh->lost || k_.membership().up(sh->owner) || awaits_takeover(sh->owner)) continue;
    ++c_.shadows_reset;
    sh->lost = true;
    sh->data.clear();
    sh->dgrams.clear();
    sh->forwarding = false;
    shadow_left_forwarding(*sh);
  }
}

bool PosixKernel::awaits_takeover(uint32_t owner) const {
  return owner == net_io_cpu_ && net_io_backup_ && *net_io_backup_ != owner && k_.membership().up(*net_io_backup_);
}

void PosixKernel::network_io_moved(uint32_t old, uint32_t now, std::optional<uint32_t> backup,
                                   const std::vector<uint32_t>& survived) {
  net_io_cpu_ = now;
  net_io_backup_ = backup;
  if (old == now) return;  // only the backup changed
  const std::set<uint32_t> ids(survived.begin(), survived.end());
  // The surviving sockets keep their ids at the new owner: shadows and descriptions
  // are re-keyed; the rest of the old owner's shadows are reset (connections).
  for (auto it = shadows_.begin(); it != shadows_.end();) {
    if (it->first.first != old || !ids.count(it->first.second) || it->second->lost) {
      ++it;
      continue;
    }
    auto sh = std::move(it->second);
    it = shadows_.erase(it);
    sh->owner = now;
    ++c_.sockets_moved;
    shadows_[{now, sh->id}] = std::move(sh);
  }
  for (auto& [pid, pr] : procs_) {
    for (auto& f : pr->fds) {
      if (f && f->type == OpenFile::Type::kSocket && f->conn.owner == old && ids.count(f->conn.id)) f->conn.owner = now;
    }
  }
  for (auto& [key, sh] : shadows_) {
    if (sh->owner != old || sh->lost) continue;
    ++c_.shadows_reset;
    sh->lost = true;
    sh->data.clear();
    sh->dgrams.clear();
    sh->forwarding = false;
    shadow_left_forwarding(*sh);
  }
  // Select items on the surviving sockets wait on; the engine's driver asks the new
  // owner for them (the socket agent does it for its own items).
  if (ne_) ne_->owner_moved(old, now, [&ids](uint32_t object) { return ids.count(object) > 0; });
}

PosixKernel::~PosixKernel() = default;

int32_t PosixKernel::gpid(const Process& p) const {
  return static_cast<int32_t>(((k_.cpu() + 1) << 16) | p.pid());
}

PosixKernel::Proc& PosixKernel::proc(Process& self) {
  auto it = procs_.find(self.pid());
  if (it == procs_.end()) throw std::logic_error("POSIX call from a process the layer did not start");
  return *it->second;
}

std::optional<int> PosixKernel::program_status(uint32_t pid) const {
  auto it = program_status_.find(pid);
  if (it == program_status_.end()) return std::nullopt;
  return it->second;
}

namespace {
Process::Body program_body(std::function<int()> main,
                           std::function<void(Process&, int)> finish) {
  return [main = std::move(main), finish = std::move(finish)](Process& self) {
    int status;
    try {
      status = (main() & 0xff) << 8;
    } catch (const ProcessExit& e) {
      status = e.wait_status;
    }
    self.kernel().begin_exit(self);
    finish(self, status);
  };
}
}  // namespace

Process& PosixKernel::start_program(const std::string& name, std::function<int()> main) {
  Process& p = k_.spawn(name, program_body(std::move(main), [this](Process& self, int status) {
    close_all(self);
    program_status_[self.pid()] = status;
    forget(self);
  }));
  auto pr = std::make_unique<Proc>();
  pr->process = &p;
  pr->inherit.pgid = gpid(p);  // the runner starts each program in a group of its own, as a shell does
  // Descriptors 0, 1 and 2 are the host's standard streams, as a shell gives them.
  for (int fd = 0; fd < hw::kStdFds; ++fd) {
    OpenFile f;
    f.type = OpenFile::Type::kConsole;
    f.flags() = fd == 0 ? O_RDONLY : O_WRONLY;
    f.host_fd = fd;
    auto o = make_open_file(f);
    o->refs = 1;
    pr->fds.push_back(std::move(o));
  }
  procs_[p.pid()] = std::move(pr);
  return p;
}

uint32_t PosixKernel::create_child(std::function<int(void*)> fn, void* arg, int32_t parent_gpid,
                                   std::vector<std::shared_ptr<OpenFile>> fds, const SignalState& sig,
                                   const ProcInherit& inherit) {
  auto main = [fn, arg] { return fn(arg); };
  Process& p = k_.spawn("child", program_body(main, [this, parent_gpid](Process& self, int status) {
    close_all(self);
    forget(self);
    WireWriter w;
    w.put(AgentMsg::kChildStatus).put<int32_t>(parent_gpid).put<int32_t>(gpid(self)).put<int32_t>(status);
    const uint32_t parent_cpu = (static_cast<uint32_t>(parent_gpid) >> 16) - 1;
    self.post(Address{parent_cpu, kProcManagerPort}, w.data());
  }));
  auto pr = std::make_unique<Proc>();
  pr->process = &p;
  pr->parent = parent_gpid;
  pr->sig = sig.forked();
  pr->inherit = inherit;
  if (!pr->inherit.pgid) pr->inherit.pgid = gpid(p);
  for (auto& f : fds) {
    if (f) ++f->refs;
  }
  pr->fds = std::move(fds);
  procs_[p.pid()] = std::move(pr);
  return static_cast<uint32_t>(gpid(p));
}

std::shared_ptr<OpenFile> PosixKernel::make_open_file(const OpenFile& f) {
  auto o = std::make_shared<OpenFile>(f);
  o->refs = 0;
  return o;
}

void PosixKernel::child_status(int32_t parent_gpid, int32_t child_gpid, int status) {
  const uint32_t pid = static_cast<uint32_t>(parent_gpid) & 0xffff;
  auto it = procs_.find(pid);
  if (it == procs_.end()) return;  // the parent is gone: nobody will wait
  Proc& pr = *it->second;
  if (WIFSTOPPED(status) || WIFCONTINUED(status)) {
    if (pr.exited.count(child_gpid)) return;  // it has ended since
    pr.changed[child_gpid] = status;
    if (pr.in_waitpid) k_.wake(*pr.process);
    // do_notify_parent_cldstop(): SIGCHLD unless the parent asked for none (SA_NOCLDSTOP)
    if (!(pr.sig.action(SIGCHLD).flags & SA_NOCLDSTOP)) {
      const bool stop = WIFSTOPPED(status);
      queue_signal(pr, SIGCHLD, SignalInfo{stop ? CLD_STOPPED : CLD_CONTINUED, child_gpid,
                                           stop ? WSTOPSIG(status) : SIGCONT});
    }
    return;
  }
  pr.changed.erase(child_gpid);
  pr.exited[child_gpid] = status;
  if (pr.in_waitpid) k_.wake(*pr.process);
  // SIGCHLD (default: ignored), with how the child ended
  const bool killed = (status & 0x7f) != 0;
  const int code = !killed ? CLD_EXITED : (status & 0x80) ? CLD_DUMPED : CLD_KILLED;
  queue_signal(pr, SIGCHLD, SignalInfo{code, child_gpid, killed ? (status & 0x7f) : ((status >> 8) & 0xff)});
}

// --- descriptors -----------------------------------------------------------------

std::shared_ptr<OpenFile> PosixKernel::file(Process& self, int fd) {
  Proc& p = proc(self);
  if (fd < 0 || fd >= static_cast<int>(p.fds.size())) return nullptr;
  return p.fds[fd];
}

int PosixKernel::install(Process& self, std::shared_ptr<OpenFile> f, int lowest) {
  Proc& p = proc(self);
  for (int fd = lowest; fd < kMaxFds; ++fd) {
    if (fd >= static_cast<int>(p.fds.size())) p.fds.resize(fd + 1);
    if (!p.fds[fd]) {
      ++f->refs;
      p.fds[fd] = std::move(f);
      return fd;
    }
  }
  return -EMFILE;
}

void PosixKernel::release(Process& self, std::shared_ptr<OpenFile> f) {
  if (--f->refs > 0) return;
  // eventpoll_release(): the file leaves every epoll instance of this CPU.
  for (const std::weak_ptr<Epoll>& w : std::vector(epolls_)) {
    if (auto e = w.lock()) e->file_released(self, *f);
  }
  f->ops().release(*this, self, *f);
}

void PosixKernel::close_all(Process& self) {
  Proc& p = proc(self);
  auto fds = std::move(p.fds);
  p.fds.clear();
  for (auto& f : fds) {
    if (f) release(self, std::move(f));
  }
}

int PosixKernel::sys_close(Process& self, int fd) {
  k_.execute(k_.costs().syscall_entry);
  auto f = file(self, fd);
  if (!f) return -EBADF;
  proc(self).fds[fd] = nullptr;
  release(self, std::move(f));
  return 0;
}

int PosixKernel::sys_dup(Process& self, int fd) {
  k_.execute(k_.costs().syscall_entry);
  auto f = file(self, fd);
  if (!f) return -EBADF;
  return install(self, f);
}

int PosixKernel::sys_dup2(Process& self, int oldfd, int newfd) {
  k_.execute(k_.costs().syscall_entry);
  auto f = file(self, oldfd);
  if (!f) return -EBADF;
  if (newfd < 0 || newfd >= kMaxFds) return -EBADF;
  if (oldfd == newfd) return newfd;
  return replace_fd(self, std::move(f), newfd);
}

// Linux's ksys_dup3(): the flags, then oldfd == newfd, then newfd's range, then oldfd.
// O_CLOEXEC is accepted and, like F_SETFD, has nothing to act on (no exec).
int PosixKernel::sys_dup3(Process& self, int oldfd, int newfd, int flags) {
  k_.execute(k_.costs().syscall_entry);
  if (flags & ~O_CLOEXEC) return -EINVAL;
  if (oldfd == newfd) return -EINVAL;
  if (newfd < 0 || newfd >= kMaxFds) return -EBADF;
  auto f = file(self, oldfd);
  if (!f) return -EBADF;
  return replace_fd(self, std::move(f), newfd);
}

int PosixKernel::replace_fd(Process& self, std::shared_ptr<OpenFile> f, int newfd) {
  Proc& p = proc(self);
  if (newfd >= static_cast<int>(p.fds.size())) p.fds.resize(newfd + 1);
  if (auto old = std::move(p.fds[newfd])) {
    p.fds[newfd] = nullptr;
    release(self, std::move(old));
  }
  ++f->refs;
  p.fds[newfd] = std::move(f);
  return newfd;
}

int PosixKernel::sys_fcntl(Process& self, int fd, int cmd, long arg) {
  k_.execute(k_.costs().syscall_entry);
  auto f = file(self, fd);
  if (!f) return -EBADF;
  switch (cmd) {
    case F_GETFL:
      return f->flags();
    case F_SETFL: {
      const int settable = O_NONBLOCK | O_APPEND;
      f->flags() = (f->flags() & ~settable) | (static_cast<int>(arg) & settable);
      return 0;
    }
    case F_GETFD:
    case F_SETFD:
      return 0;  // close-on-exec has no meaning without exec
    case F_DUPFD:
      if (arg < 0 || arg >= kMaxFds) return -EINVAL;
      return install(self, f, static_cast<int>(arg));
    default:
      return -EINVAL;
  }
}

// --- pipes -------------------------------------------------------------------------

PipeObject& PosixKernel::new_pipe(bool fifo) {
  auto p = std::make_unique<PipeObject>();
  p->conn = ConnId{k_.cpu(), next_pipe_++, fifo};
  PipeObject& ref = *p;
  pipes_[ref.conn.id] = std::move(p);
  return ref;
}

void PosixKernel::free_if_unused(PipeObject& p) {
  // A pipe with no description left anywhere is gone, as in Linux; a FIFO's
  // structure stays with its name (the name space does not count opens).
  if (p.conn.fifo || p.files != 0 || p.kick_pending) return;
  if (ne_) ne_->object_gone(p.conn.id);
  pipes_.erase(p.conn.id);
}

PipeObject* PosixKernel::pipe(uint32_t id) {
  auto it = pipes_.find(id);
  return it == pipes_.end() ? nullptr : it->second.get();
}

int PosixKernel::sys_pipe(Process& self, int fds[2], int flags) {
  k_.execute(k_.costs().syscall_entry);
  // Linux's pipe2() also takes O_DIRECT (packet mode) and O_NOTIFICATION_PIPE: not
  // modelled, so EINVAL as for any other flag. O_CLOEXEC: nothing to act on (no exec).
  if (flags & ~(O_NONBLOCK | O_CLOEXEC)) return -EINVAL;
  const int status = flags & O_NONBLOCK;
  PipeObject& p = new_pipe(false);
  // Linux's get_pipe_inode(): one reader, one writer; a pipe has "seen" its writer.
  pipe_ref(p, true, false, +1, k_.cpu());
  pipe_ref(p, false, true, +1, k_.cpu());
  p.r_counter = p.w_counter = 1;
  auto end = [&](int flags) {
    OpenFile f;
    f.type = OpenFile::Type::kPipe;
    f.flags() = flags;
    f.conn = p.conn;
    return make_open_file(f);
  };
  const int r = install(self, end(O_RDONLY | status));
  if (r < 0) return r;
  const int w = install(self, end(O_WRONLY | status));
  if (w < 0) {
    sys_close(self, r);
    return w;
  }
  fds[0] = r;
  fds[1] = w;
  return 0;
}

std::optional<ObjectState> PosixKernel::object_state(uint32_t object) const {
  if (is_io_object(object)) {
    const IoObjectOwner* o = is_socket_object(object) ? socket_owner_ : tty_owner_;
    return o ? o->object_state(object) : std::nullopt;
  }
  auto it = pipes_.find(object);
  if (it == pipes_.end()) return std::nullopt;
  return it->second->state();
}

void PosixKernel::set_io_owner(uint32_t kind_bit, IoObjectOwner* o) {
  if (kind_bit == kSocketObjectBit) {
    socket_owner_ = o;
  } else if (kind_bit == kTtyObjectBit) {
    tty_owner_ = o;
  } else {
    throw std::logic_error("set_io_owner: not an I/O object kind bit");
  }
}

void PosixKernel::io_object_changed(uint32_t object, const ObjectState& s) {
  if (ne_) ne_->object_changed(object, s);
}

ShadowSocket* PosixKernel::shadow(uint32_t owner, uint32_t id) {
  auto it = shadows_.find({owner, id});
  return it == shadows_.end() ? nullptr : it->second.get();
}

ShadowSocket& PosixKernel::make_shadow(uint32_t owner, uint32_t id) {
  auto& p = shadows_[{owner, id}];
  if (!p) {
    p = std::make_unique<ShadowSocket>();
    p->owner = owner;
    p->id = id;
  }
  return *p;
}

void PosixKernel::drop_shadow(uint32_t owner, uint32_t id) { shadows_.erase({owner, id}); }

void PosixKernel::shadow_changed(ShadowSocket& sh) {
  sh.changed_at = now_cycles();
  const ObjectState s = sh.state();
  std::erase_if(sh.waiters, [](const ShadowSocket::LocalWaiter& w) { return !w.wait->active; });
  if (!interest_ready(s, Interest::kRead, 0)) return;
  for (auto& w : sh.waiters) {
    w.wait->ready.push_back(ReadyRecord{w.slot, s, false});
    ++c_.local_notifications;
    wake_wait(*w.wait);
  }
  sh.waiters.clear();
}

void PosixKernel::shadow_left_forwarding(ShadowSocket& sh) {
  sh.changed_at = now_cycles();
  // A record that reports nothing makes the call scan again and arm remotely.
  for (auto& w : sh.waiters) {
    if (!w.wait->active) continue;
    w.wait->ready.push_back(ReadyRecord{w.slot, sh.state(), false});
    wake_wait(*w.wait);
  }
  sh.waiters.clear();
}

void PosixKernel::pipe_ref(PipeObject& p, bool reader, bool writer, int delta, uint32_t holder) {
  PipeObject::Held& h = p.held[holder];
  if (reader) p.readers += delta, h.readers += delta;
  if (writer) p.writers += delta, h.writers += delta;
  p.files += delta;
  h.files += delta;
  ++p.reader_wakes, ++p.writer_wakes;  // pipe_release()/fifo_open() wake both queues
  if (h.files == 0) p.held.erase(holder);
  if (p.files == 0) p.buf = PipeBuffer();  // Linux frees the pipe with its last file
}

bool PosixKernel::pipe_release_holder(PipeObject& p, uint32_t holder) {
  auto it = p.held.find(holder);
  if (it == p.held.end()) return false;
  const PipeObject::Held h = it->second;
  p.held.erase(it);
  p.readers -= h.readers;
  p.writers -= h.writers;
  p.files -= h.files;
  ++p.reader_wakes, ++p.writer_wakes;
  if (p.files == 0) p.buf = PipeBuffer();
  return true;
}

std::vector<PipeObject*> PosixKernel::pipes() {
  std::vector<PipeObject*> out;
  for (auto& [id, p] : pipes_) out.push_back(p.get());
  std::sort(out.begin(), out.end(), [](const PipeObject* a, const PipeObject* b) { return a->conn.id < b->conn.id; });
  return out;
}

void PosixKernel::pipe_changed(Process& self, PipeObject& p, bool in_agent) {
  p.changed_at = now_cycles();
  const ObjectState s = p.state();
  std::erase_if(p.waiters, [](const PipeObject::LocalWaiter& w) { return !w.wait->active; });
  for (auto& w : p.waiters) {
    // Woken as Linux wakes the side's wait queue, and only when ready: a select's
    // waiter goes with its call, an epoll item's stays (edge-triggered events).
    const bool ready = interest_ready(s, w.interest, w.version);
    const bool woken = ready && (p.wakes(w.interest) != w.wakes_seen || !w.was_ready);
    w.wakes_seen = p.wakes(w.interest);
    w.was_ready = ready;
    if (!woken) continue;
    w.wait->ready.push_back(ReadyRecord{w.slot, s, false});
    ++c_.local_notifications;
    wake_wait(*w.wait);
  }
  for (auto& w : p.open_waiters) wake_wait(*w);
  if (ne_) {
    // Remote interest remembered by the engine: PUBLISH (or NOTIFY); watches by the wake rule.
    const NeDriver::Wakes wakes{p.reader_wakes, p.writer_wakes};
    ne_->object_changed(p.conn.id, s, &wakes, change_cause_);
  }
  if (in_agent || p.kick_pending) return;
  const bool remote_interest = p.remote_watches > 0 || std::any_of(p.remote.begin(), p.remote.end(), [](const auto& r) {
    return r.second.read || r.second.write;
  });
  if (!remote_interest && p.pending_opens.empty()) return;
  p.kick_pending = true;
  WireWriter w;
  w.put(AgentMsg::kKick).put(p.conn.id);
  self.post(Address{k_.cpu(), p.conn.agent_port()}, w.data());
}

int64_t PosixKernel::pipe_read_now(Process& self, PipeObject& p, std::span<uint8_t> out) {
  if (out.empty()) return 0;
  const uint64_t n = p.buf.read(out);
  if (n > 0) {
    ++p.writer_wakes;
    k_.execute(k_.costs().copy(n));
    pipe_changed(self, p, self.daemon());
    return static_cast<int64_t>(n);
  }
  return p.writers ? -EAGAIN : 0;
}

int64_t PosixKernel::pipe_write_now(Process& self, PipeObject& p, std::span<const uint8_t> data,
                                    bool merge) {
  if (data.empty()) return 0;
  if (!p.readers) return -EPIPE;
  const uint64_t n = p.buf.write(data, merge);
  if (n == 0) return -EAGAIN;
  ++p.reader_wakes;
  k_.execute(k_.costs().copy(n));
  pipe_changed(self, p, self.daemon());
  return static_cast<int64_t>(n);
}

void PosixKernel::raise_sigpipe(Process& self) {
  // Linux's send_sig(SIGPIPE, current, 0): delivered as the write returns EPIPE.
  queue_signal(proc(self), SIGPIPE, SignalInfo{SI_USER, gpid(self), 0});
}

void PosixKernel::wait_ready(Process& self, const std::shared_ptr<OpenFile>& f, Interest i) {
  std::vector<PollEntry> e(1);
  e[0].fd = -1;
  e[0].events = i == Interest::kRead ? POLLIN : POLLOUT;
  e[0].file = f;
  do_poll(self, e, -1, nullptr);
}

int64_t PosixKernel::sys_read(Process& self, int fd, std::span<uint8_t> buf) {
  k_.execute(k_.costs().syscall_entry);
  auto f = file(self, fd);
  if (!f || !f->can_read()) return -EBADF;
  return f->ops().read(*this, self, f, buf);
}

int64_t PosixKernel::sys_write(Process& self, int fd, std::span<const uint8_t> buf) {
  k_.execute(k_.costs().syscall_entry);
  auto f = file(self, fd);
  if (!f || !f->can_write()) return -EBADF;
  return f->ops().write(*this, self, f, buf);
}

// --- files and FIFOs ---------------------------------------------------------------------

int64_t PosixKernel::sys_lseek(Process& self, int fd, int64_t off, int whence) {
  k_.execute(k_.costs().syscall_entry);
  auto f = file(self, fd);
  if (!f) return -EBADF;
  return f->ops().lseek(*f, off, whence);
}

int PosixKernel::sys_mkfifo(Process& self, const std::string& path, uint32_t mode) {
  (void)self;
  (void)mode;
  k_.execute(k_.costs().syscall_entry);
  if (fs_.lookup(path)) return -EEXIST;
  auto n = std::make_shared<FsNode>();
  n->type = FsNode::Type::kFifo;
  n->home_cpu = k_.cpu();
  const int r = fs_.create(path, n);
  if (r < 0) return r;
  PipeObject& p = new_pipe(true);
  n->pipe_id = p.conn.id;
  return 0;
}

int PosixKernel::sys_unlink(Process& self, const std::string& path) {
  (void)self;
  k_.execute(k_.costs().syscall_entry);
  return fs_.unlink(path);
}

int PosixKernel::fifo_open_counts(PipeObject& p, bool reader, bool writer, bool nonblock,
                                  uint32_t* version, uint32_t holder) {
  // Linux's fifo_open(), counting part.
  *version = 0;
  if (writer && !reader && nonblock && !p.readers) return -ENXIO;
  if (reader) ++p.r_counter;
  if (writer) ++p.w_counter;
  pipe_ref(p, reader, writer, +1, holder);
  if (reader && !writer) {
    if (!p.writers) {
      if (nonblock) {
        *version = p.w_counter;  // suppress POLLHUP until a writer is seen
        return 0;
      }
      return 1;
    }
    return 0;
  }
  if (writer && !reader) return p.readers ? 0 : 1;
  return 0;
}

int PosixKernel::fifo_open_local(Process& self, PipeObject& p, int flags, uint32_t* version) {
  const bool reader = accmode(flags) != O_WRONLY, writer = accmode(flags) != O_RDONLY;
  const uint32_t r0 = p.r_counter, w0 = p.w_counter;
  const int r = fifo_open_counts(p, reader, writer, flags & O_NONBLOCK, version, k_.cpu());
  if (r < 0) return r;
  pipe_changed(self, p, false);
  if (r == 0) return 0;
  // wait_for_partner(): until the other side's open counter moves.
  auto w = new_wait(self);
  p.open_waiters.push_back(w);
  try {
    while (reader ? p.w_counter == w0 : p.r_counter == r0) {
      k_.block(self, /*interruptible=*/true);
    }
  } catch (...) {
    // A handler to run (SignalInterrupted: EINTR, or the open made again with
    // SA_RESTART) or the process's end: Linux's fifo_open() gives back the counts this
    // open took (err_rd, err_wr), which may wake the other side's waiters.
    std::erase(p.open_waiters, w);
    end_wait(w);
    pipe_ref(p, reader, writer, -1, k_.cpu());
    pipe_changed(self, p, false);
    throw;
  }
  std::erase(p.open_waiters, w);
  end_wait(w);
  return 0;
}

int PosixKernel::sys_open(Process& self, const std::string& path, int flags, uint32_t mode) {
  (void)mode;
  k_.execute(k_.costs().syscall_entry);
  auto node = fs_.lookup(path);
  if (!node) {
    if (!(flags & O_CREAT)) return -ENOENT;
    if (flags & O_DIRECTORY) return -EINVAL;
    node = std::make_shared<FsNode>();
    node->type = FsNode::Type::kRegular;
    const int r = fs_.create(path, node);
    if (r < 0) return r;
  } else if ((flags & O_CREAT) && (flags & O_EXCL)) {
    return -EEXIST;
  }
  if ((flags & O_DIRECTORY) && node->type != FsNode::Type::kDirectory) return -ENOTDIR;
  OpenFile f;
  f.flags() = (flags & (O_ACCMODE | O_NONBLOCK | O_APPEND)) | kKernelOLargefile;
  f.node = node;
  switch (node->type) {
    case FsNode::Type::kDirectory:
      if (accmode(flags) != O_RDONLY) return -EISDIR;
      f.type = OpenFile::Type::kDirectory;
      break;
    case FsNode::Type::kRegular:
      f.type = OpenFile::Type::kRegular;
      if ((flags & O_TRUNC) && accmode(flags) != O_RDONLY) node->data.clear();
      break;
    case FsNode::Type::kFifo: {
      f.type = OpenFile::Type::kPipe;
      f.node = nullptr;
      f.conn = ConnId{node->home_cpu, node->pipe_id, true};
      int r;
      if (node->home_cpu == k_.cpu()) {
        PipeObject* p = pipe(node->pipe_id);
        if (!p) return -ENOENT;
        r = fifo_open_local(self, *p, flags, &f.version);
      } else {
        WireWriter w;
        w.put<uint8_t>(f.can_read()).put<uint8_t>(f.can_write()).put<uint8_t>(f.nonblock());
        // A signal handler to run while the open waits for its partner gives it up at the
        // owner (fifo_open()'s -ERESTARTSYS), unless the partner came first; an opener
        // killed after that drops the count the owner took for it, as its close would.
        const Cancellable on_signal{[this, &self, &f](const OpReply&) { f.ops().release(*this, self, f); }};
        const OpReply reply = agent_call(*this, self, kFifoAgentPort, static_cast<uint8_t>(PipeOp::kOpen),
                                         f.conn.owner, f.conn.id, w.data(), &on_signal);
        r = static_cast<int>(reply.ret);
        f.version = reply.version;
      }
      if (r < 0) return r;
      break;
    }
    case FsNode::Type::kTty:
      // The line needs no per-open state at its owner (tty.h): the name says where it is.
      f.type = OpenFile::Type::kTty;
      f.node = nullptr;
      f.conn = ConnId{node->home_cpu, node->pipe_id, false};
      break;
  }
  return install(self, make_open_file(f));
}

// --- select and poll --------------------------------------------------------------------

std::shared_ptr<Wait> PosixKernel::new_wait(Process& self) {
  auto w = std::make_shared<Wait>();
  w->proc = &self;
  w->id = next_wait_++;
  waits_[w->id] = w;
  return w;
}

void PosixKernel::end_wait(const std::shared_ptr<Wait>& w) {
  w->active = false;
  waits_.erase(w->id);
}

std::shared_ptr<Wait> PosixKernel::wait_by_id(uint64_t id) {
  auto it = waits_.find(id);
  return it == waits_.end() ? nullptr : it->second.lock();
}

void PosixKernel::wake_wait(Wait& w) {
  if (!w.active) return;
  if (w.on_wake) {
    w.on_wake(w);
    return;
  }
  if (!w.proc) return;
  // The timeline: an arrow from the waker (the handler of the answer, notification or
  // change, where the arrow that brought it ends) to the woken call, one per wake-up: a
  // notification may wake many.
  if (const uint64_t f = k_.recorder().new_flow()) {
    k_.flow_step("wake", now_cycles(), f, true);
    w.proc->set_wake_flow(f);
  }
  k_.wake(*w.proc);
}

bool PosixKernel::block_on(Process& self, Wait& w, int64_t deadline, bool for_answers, bool interruptible) {
  for (;;) {
    if (for_answers ? w.answers_pending == 0 : !w.ready.empty()) return false;
    if (deadline >= 0 && static_cast<int64_t>(now_cycles()) >= deadline) return true;
    if (deadline >= 0) {
      k_.block_until(self, static_cast<uint64_t>(deadline), interruptible);
    } else {
      k_.block(self, interruptible);
    }
    // The end of the arrow from whoever woke it (wake_wait).
    k_.flow_step("woken", now_cycles(), self.take_wake_flow(), false);
  }
}

// A loop, not a recursion: a call may scan again any number of times (each notification
// that reports nothing of interest spends the owner's interest), and each pass must not
// cost stack.
int PosixKernel::do_poll(Process& self, std::vector<PollEntry>& entries, int64_t timeout_cycles,
                         int64_t* remaining) {
  // cycle_after: a deadline past the last cycle ends the run instead of wrapping.
  const int64_t deadline =
      timeout_cycles < 0 ? -1 : static_cast<int64_t>(hw::cycle_after(static_cast<uint64_t>(timeout_cycles)));
  bool may_block = timeout_cycles != 0;
  // The timeline: the call's span on the process's calls track, a flow from its start
  // through the agents' or engines' subscriptions, and the flow that woke it to its return.
  const uint64_t call_at = now_cycles();
  sim::Recorder& rec = k_.recorder();
  const uint64_t flow = rec.new_flow();
  if (flow) {
    self.take_wake_flow();
    k_.set_flow(flow);
    k_.flow_step("select", call_at, flow, true);
  }
  for (;;) {
    ++c_.selects;  // a rescan counts as another call (docs/select.md)
    std::optional<int> count;
    try {
      count = poll_pass(self, entries, deadline, may_block, call_at);
    } catch (const SignalInterrupted&) {
      // select() writes the time left back on EINTR too
      if (remaining) {
        *remaining = deadline < 0 ? -1 : std::max<int64_t>(0, deadline - static_cast<int64_t>(now_cycles()));
      }
      if (rec.tracing()) {
        rec.call_slice(k_.cpu(), self.pid(), "select/poll", call_at, now_cycles());
        k_.set_flow(0);
      }
      throw;
    }
    if (count) {
      if (remaining) {
        *remaining = deadline < 0 ? -1 : std::max<int64_t>(0, deadline - static_cast<int64_t>(now_cycles()));
      }
      if (rec.tracing()) {
        rec.call_slice(k_.cpu(), self.pid(), "select/poll", call_at, now_cycles());
        // A wake-up that found the call running (an answer taken in the call itself).
        k_.flow_step("return", now_cycles(), self.take_wake_flow(), false);
        k_.set_flow(0);
      }
      return *count;
    }
    ++c_.rescans;
    // Past the deadline the next pass only scans (a poll with timeout 0).
    may_block = deadline < 0 || static_cast<int64_t>(now_cycles()) < deadline;
  }
}

void PosixKernel::ask_agents(Process& self, Wait& w, const std::vector<PollEntry>& entries,
                             const std::vector<Wait::Item>& items) {
  // One message per agent, its items in the call's order.
  std::map<uint32_t, std::vector<SelectItem>> by_port;
  for (const Wait::Item& it : items) {
    const OpenFile& f = *entries[it.slot].file;
    by_port[f.ops().agent_port(f)].push_back({f.ops().select_key(f, it.interest), it.slot});
  }
  for (const auto& [port, list] : by_port) {
    w.answers_pending += static_cast<uint32_t>(list.size());
    self.post(Address{k_.cpu(), port}, encode_select(w.id, list));
  }
}

void PosixKernel::ask_owners(Process& self, const std::shared_ptr<Wait>& w,
                             const std::vector<PollEntry>& entries, std::vector<Wait::Item> items) {
  // With a notify engine, remote descriptors are armed in it (the driver answers
  // them); those its local table cannot take go to the agents like the rest.
  if (ne_) {
    std::vector<Wait::Item> rest;
    for (const Wait::Item& it : items) {
      const OpenFile& f = *entries[it.slot].file;
      if (!ne_->select_item(w, it.slot, f.ops().select_key(f, it.interest))) rest.push_back(it);
    }
    items = std::move(rest);
  }
  // The local agents ask the owners (or answer from their select database when a
  // request is already outstanding).
  ask_agents(self, *w, entries, items);
  if (ne_) ne_->await_answers(self, *w);  // the engine's "not ready" answers raise no interrupt
  for (;;) {
    block_on(self, *w, -1, true);
    if (w->to_agents.empty()) return;
    // The owner's engine could not remember the interest: one agent request instead
    // of re-arming the engine in a loop.
    ask_agents(self, *w, entries, std::exchange(w->to_agents, {}));
  }
}

std::optional<int> PosixKernel::poll_pass(Process& self, std::vector<PollEntry>& entries,
                                          int64_t deadline, bool may_block, uint64_t call_at) {
  auto w = new_wait(self);
  std::vector<Wait::Item> remote;
  for (uint32_t i = 0; i < entries.size(); ++i) {
    const PollEntry& e = entries[i];
    if (e.file) e.file->ops().poll_arm(*this, w, i, *e.file, e.allowed(), may_block, remote);
  }
  if (!remote.empty()) ask_owners(self, w, entries, std::move(remote));
  // The scan: each descriptor once, as Linux's do_select()/do_poll() do.
  k_.execute(k_.costs().fd_check * entries.size());
  c_.fds_scanned += entries.size();
  int count = 0;
  for (uint32_t i = 0; i < entries.size(); ++i) {
    PollEntry& e = entries[i];
    if (!e.file) {
      e.revents = e.fd >= 0 ? POLLNVAL : 0;
    } else {
      e.revents = e.file->ops().poll_mask(*this, *e.file, *w, i) & e.allowed();
    }
    count += e.revents != 0;
  }
  // Linux's do_poll()/core_sys_select(): nothing ready and a signal to deliver (one a
  // pselect/ppoll mask has just unblocked) ends the call with EINTR, timeout 0 included.
  if (!count && signal_to_deliver(self)) {
    end_wait(w);
    throw SignalInterrupted{};
  }
  if (count || !may_block) {
    end_wait(w);
    return count;
  }
  if (std::any_of(w->ready.begin(), w->ready.end(), [](const ReadyRecord& r) { return r.remote; })) {
    // A notification came but reports nothing of interest now: its interest
    // at the owner is spent, so ask again rather than sleep on it.
    end_wait(w);
    return std::nullopt;
  }
  // Sleep. Wake-ups link ready records into this call's list; the woken call
  // reads that list instead of rescanning every descriptor.
  w->ready.clear();
  const uint64_t slept_at = std::max(call_at, now_cycles());
  for (;;) {
    bool timed_out;
    try {
      timed_out = block_on(self, *w, deadline, false, /*interruptible=*/true);
    } catch (const SignalInterrupted&) {
      end_wait(w);
      throw;
    }
    if (!w->ready.empty()) {
      for (const ReadyRecord& rec : w->ready) {
        PollEntry& e = entries[rec.slot];
        const short m = e.file->ops().record_mask(*this, *e.file, rec) & e.allowed();
        if (m && !e.revents) ++count;
        e.revents |= m;
      }
      end_wait(w);
      if (!count) return std::nullopt;  // another reader took the data: ask afresh
      ++c_.ready_list_wakes;
      const ReadyRecord& first = w->ready.front();
      k_.recorder().select_woke(k_.cpu(), self.pid(), first.remote, first.state.changed_at,
                                now_cycles(), slept_at);
      wake_latency_[first.remote][entries[first.slot].select].sample(now_cycles() - first.state.changed_at);
      return count;
    }
    if (timed_out) {
      end_wait(w);
      return 0;
    }
  }
}

int PosixKernel::sys_poll(Process& self, std::span<struct ::pollfd> fds, int64_t timeout_cycles) {
  k_.execute(k_.costs().syscall_entry);
  if (fds.size() > static_cast<size_t>(kMaxFds)) return -EINVAL;
  std::vector<PollEntry> entries(fds.size());
  for (size_t i = 0; i < fds.size(); ++i) {
    entries[i].fd = fds[i].fd;
    entries[i].events = fds[i].events;
    if (fds[i].fd >= 0) entries[i].file = file(self, fds[i].fd);
  }
  const int n = do_poll(self, entries, timeout_cycles, nullptr);
  for (size_t i = 0; i < fds.size(); ++i) fds[i].revents = entries[i].revents;
  return n;
}

int PosixKernel::sys_select(Process& self, int nfds, uint64_t* rd, uint64_t* wr, uint64_t* ex,
                            int64_t timeout_cycles, int64_t* remaining) {
  k_.execute(k_.costs().syscall_entry);
  if (nfds < 0) return -EINVAL;
  nfds = std::min(nfds, kMaxFds);
  auto bit = [](const uint64_t* set, int fd) { return set && (set[fd / 64] >> (fd % 64)) & 1; };
  std::vector<PollEntry> entries;
  std::vector<int> fds_of;
  for (int fd = 0; fd < nfds; ++fd) {
    const bool r = bit(rd, fd), w = bit(wr, fd), x = bit(ex, fd);
    if (!r && !w && !x) continue;
    PollEntry e;
    e.fd = fd;
    e.select = true;
    e.file = file(self, fd);
    if (!e.file) return -EBADF;
    // select asks for these sets (fs/select.c); poll's HUP/ERR are part of them.
    e.events = static_cast<short>((r ? kPollInSet : 0) | (w ? kPollOutSet : 0) | (x ? kPollExSet : 0));
    entries.push_back(e);
  }
  int n = do_poll(self, entries, timeout_cycles, remaining);
  if (n < 0) return n;
  auto clear = [nfds](uint64_t* set) {
    if (set) for (int fd = 0; fd < nfds; ++fd) set[fd / 64] &= ~(1ull << (fd % 64));
  };
  clear(rd);
  clear(wr);
  clear(ex);
  int count = 0;
  auto set_bit = [&](uint64_t* set, int fd) {
    set[fd / 64] |= 1ull << (fd % 64);
    ++count;
  };
  for (const PollEntry& e : entries) {
    const short got = e.revents;
    if ((e.events & POLLIN) && (got & kPollInSet)) set_bit(rd, e.fd);
    if ((e.events & POLLOUT) && (got & kPollOutSet)) set_bit(wr, e.fd);
    if ((e.events & POLLPRI) && (got & kPollExSet)) set_bit(ex, e.fd);
  }
  return count;
}

// --- signals, processes -------------------------------------------------------------------

int PosixKernel::sys_sigaction(Process& self, int sig, const SignalAction* act, SignalAction* old) {
  k_.execute(k_.costs().syscall_entry);
  if (sig < 1 || sig > kMaxSignal) return -EINVAL;
  if (act && (sig == SIGKILL || sig == SIGSTOP)) return -EINVAL;
  Proc& p = proc(self);
  if (old) *old = p.sig.action(sig);
  if (act) p.sig.set_action(sig, *act);
  return 0;
}

int PosixKernel::sys_sigprocmask(Process& self, int how, const uint64_t* set, uint64_t* old) {
  k_.execute(k_.costs().syscall_entry);
  Proc& p = proc(self);
  if (old) *old = p.sig.blocked();
  if (!set) return 0;
  switch (how) {
    case SIG_BLOCK:
      p.sig.set_blocked(p.sig.blocked() | *set);
      break;
    case SIG_UNBLOCK:
      p.sig.set_blocked(p.sig.blocked() & ~*set);
      break;
    case SIG_SETMASK:
      p.sig.set_blocked(*set);
      break;
    default:
      return -EINVAL;
  }
  // Signals it unblocked are delivered as the call returns; sigsuspend's wait ends at once.
  interrupt_if_handled(p);
  return 0;
}

uint64_t PosixKernel::sys_sigpending(Process& self) {
  k_.execute(k_.costs().syscall_entry);
  const Proc& p = proc(self);
  return p.sig.pending() & p.sig.blocked();
}

void PosixKernel::sys_pause(Process& self) {
  k_.execute(k_.costs().syscall_entry);
  for (;;) k_.block(self, /*interruptible=*/true);  // only a handler ends it (EINTR)
}

int PosixKernel::sys_setitimer(Process& self, uint64_t value, uint64_t interval, uint64_t* old_value,
                               uint64_t* old_interval) {
  k_.execute(k_.costs().syscall_entry);
  Proc& p = proc(self);
  const uint64_t now = now_cycles();
  if (old_value) *old_value = p.alarm_call ? p.alarm_at - std::min(p.alarm_at, now) : 0;
  if (old_interval) *old_interval = p.alarm_interval;
  if (p.alarm_call) k_.cancel_call(std::exchange(p.alarm_call, 0));
  p.alarm_interval = interval;
  if (value) arm_alarm(p, hw::cycle_after(value));
  return 0;
}

void PosixKernel::arm_alarm(Proc& p, uint64_t at) {
  p.alarm_at = at;
  const uint32_t pid = p.process->pid();
  p.alarm_call = k_.call_at(at, [this, pid] {
    auto it = procs_.find(pid);
    if (it == procs_.end()) return;
    Proc& q = *it->second;
    q.alarm_call = 0;
    // Linux's it_real_fn(): SIGALRM from the kernel; an interval timer goes on
    if (q.alarm_interval) arm_alarm(q, q.alarm_at + q.alarm_interval);
    queue_signal(q, SIGALRM, SignalInfo{SI_KERNEL, 0, 0});
  });
}

void PosixKernel::forget(Process& self) {
  auto it = procs_.find(self.pid());
  if (it == procs_.end()) return;
  if (it->second->alarm_call) k_.cancel_call(it->second->alarm_call);
  procs_.erase(it);
}

void PosixKernel::queue_signal(Proc& p, int sig, const SignalInfo& info) {
  if (k_.discard_if_exiting(*p.process)) return;  // no handler, stop or default action acts now
  if (sig == SIGKILL) {
    k_.kill(*p.process, SIGKILL);
    return;
  }
  // Linux's prepare_signal(): job control acts when a signal is sent, whatever its
  // disposition and mask: a stop signal discards a pending SIGCONT; SIGCONT discards the
  // pending stop signals and continues a stopped process.
  if (signal_default(sig) == SignalDefault::kStop) p.sig.discard(signal_bit(SIGCONT));
  if (sig == SIGCONT) {
    p.sig.discard(stop_signal_mask());
    if (p.stopped) continue_process(p);
  }
  if (p.sig.queue(sig, info)) act_on_pending(p);
}

void PosixKernel::act_on_pending(Proc& p) {
  // A stopped process takes nothing but SIGKILL and SIGCONT (Linux's wants_signal()).
  if (p.stopped || p.sig.next() == 0) return;
  if (p.process != Kernel::current_process()) {
    // Default actions act wherever the process waits (the caller's own signals are taken
    // as its call returns): a stop signal stops it at once, its call left pending; a
    // fatal one ends it.
    const uint64_t ready = p.sig.pending() & ~p.sig.blocked();
    for (const int s : {SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU}) {
      if ((ready & signal_bit(s)) && p.sig.action(s).handler == reinterpret_cast<void*>(SIG_DFL)) {
        p.sig.take(s);
        stop_process(p, s);
        // An interruptible wait ends, as Linux's signal_wake_up(): the call is made again
        // after SIGCONT (or ends by its rule), so a stopped reader takes no data.
        k_.interrupt(*p.process);
        return;
      }
    }
    const int next = p.sig.next();
    if (p.sig.action(next).handler == reinterpret_cast<void*>(SIG_DFL)) {
      const SignalDefault d = signal_default(next);
      if (d == SignalDefault::kTerminate || d == SignalDefault::kCore) k_.kill(*p.process, p.killed_status(next));
      return;
    }
  }
  interrupt_if_handled(p);
}

void PosixKernel::stop_process(Proc& p, int sig) {
  p.stopped = true;
  report_to_parent(p, (sig << 8) | 0x7f);
}

void PosixKernel::continue_process(Proc& p) {
  p.stopped = false;
  report_to_parent(p, 0xffff);
  if (p.in_stop_wait) k_.wake(*p.process);
  act_on_pending(p);  // what came while it was stopped
}

// A stop or continue goes to the parent's CPU as an exit does (kChildStatus), posted by
// whoever stopped or continued it; the runner's own program has no simulated parent.
void PosixKernel::report_to_parent(const Proc& p, int status) {
  if (!p.parent) return;
  WireWriter w;
  w.put(AgentMsg::kChildStatus).put<int32_t>(p.parent).put<int32_t>(gpid(*p.process)).put<int32_t>(status);
  const uint32_t parent_cpu = (static_cast<uint32_t>(p.parent) >> 16) - 1;
  this_process().post(Address{parent_cpu, kProcManagerPort}, w.data());
}

void PosixKernel::wait_while_stopped(Process& self, Proc& p) {
  while (p.stopped) {
    p.in_stop_wait = true;
    try {
      k_.block(self);  // continue_process wakes it; a kill unwinds it
    } catch (...) {
      p.in_stop_wait = false;
      throw;
    }
    p.in_stop_wait = false;
  }
}

void PosixKernel::interrupt_if_handled(Proc& p) {
  const int next = p.sig.next();
  if (!next) return;
  const void* h = p.sig.action(next).handler;
  if (h != reinterpret_cast<void*>(SIG_DFL) && h != reinterpret_cast<void*>(SIG_IGN)) k_.interrupt(*p.process);
}

bool PosixKernel::signal_to_deliver(Process& self) {
  Proc& p = proc(self);
  while (const int s = p.sig.next()) {
    const void* h = p.sig.action(s).handler;
    // a stop's default action is taken too: the call ends, and after SIGCONT it is made
    // again or ends with EINTR by its own rule (posix_call.h)
    const bool ignored = h == reinterpret_cast<void*>(SIG_IGN) ||
                         (h == reinterpret_cast<void*>(SIG_DFL) && signal_default(s) == SignalDefault::kIgnore);
    if (!ignored) return true;
    p.sig.take(s);
  }
  return false;
}

uint64_t PosixKernel::set_wait_mask(Process& self, uint64_t mask) {
  Proc& p = proc(self);
  const uint64_t old = p.sig.blocked();
  p.sig.set_blocked(mask);
  return old;
}

bool PosixKernel::deliver_signals(Process& self, bool* handled) {
  Proc& p = proc(self);
  bool restart = true;
  if (handled) *handled = false;
  for (;;) {
    // do_signal_stop(): a stopped process does not return to its program until SIGCONT
    wait_while_stopped(self, p);
    const int s = p.sig.next();
    if (!s) break;
    const SignalInfo info = p.sig.take(s);
    const SignalAction a = p.sig.action(s);
    if (a.handler == reinterpret_cast<void*>(SIG_IGN)) continue;
    if (a.handler == reinterpret_cast<void*>(SIG_DFL)) {
      const SignalDefault d = signal_default(s);
      if (d == SignalDefault::kIgnore) continue;
      if (d == SignalDefault::kStop) {
        stop_process(p, s);
        continue;
      }
      throw ProcessExit{p.killed_status(s)};  // killed by s
    }
    // Linux's handle_signal(): the handler runs with sa_mask and the signal itself (unless
    // SA_NODEFER) blocked; sigreturn restores the mask of the interrupted code.
    k_.execute(k_.costs().syscall_entry);
    const uint64_t saved = p.sig.blocked();
    p.sig.set_blocked(saved | a.mask | ((a.flags & SA_NODEFER) ? 0 : signal_bit(s)));
    if (a.flags & SA_RESETHAND) p.sig.set_action(s, SignalAction{});
    if (!(a.flags & SA_RESTART)) restart = false;
    if (handled) *handled = true;
    k_.clear_interrupt(self);
    if (a.flags & SA_SIGINFO) {
      siginfo_t si{};
      si.si_signo = s;
      si.si_code = info.code;
      si.si_pid = info.pid;
      si.si_status = info.status;
      reinterpret_cast<void (*)(int, siginfo_t*, void*)>(a.handler)(s, &si, nullptr);
    } else {
      reinterpret_cast<void (*)(int)>(a.handler)(s);
    }
    p.sig.set_blocked(saved);
  }
  k_.clear_interrupt(self);
  return restart;
}

int PosixKernel::sys_getpid(Process& self) {
  k_.execute(k_.costs().syscall_entry);
  return gpid(self);
}

int PosixKernel::sys_getppid(Process& self) {
  k_.execute(k_.costs().syscall_entry);
  const int32_t parent = proc(self).parent;
  return parent ? parent : 1;
}

int PosixKernel::sys_kill(Process& self, int pid, int sig) {
  k_.execute(k_.costs().syscall_entry);
  if (sig < 0 || sig > kMaxSignal) return -EINVAL;
  if (pid <= 0) {
    // Linux's kill_something_info(): 0 is the caller's group, -1 every process it may
    // signal but itself (here: every process of the layer, on every CPU), -pgid that
    // group; ESRCH when none was found. The caller's own CPU comes last: a signal that
    // ends the caller must not stop it before the others are told.
    if (pid == INT32_MIN) return -ESRCH;
    const int32_t group = pid == 0 ? proc(self).inherit.pgid : pid == -1 ? 0 : -pid;
    const int32_t exclude = pid == -1 ? gpid(self) : 0;
    int found = 0;
    for (uint32_t cpu = 0; cpu < k_.params().cpus; ++cpu) {
      if (cpu == k_.cpu() || !k_.membership().up(cpu)) continue;
      WireWriter w;
      w.put(AgentMsg::kKillGroup).put<int32_t>(group).put<int32_t>(sig).put<int32_t>(gpid(self)).put<int32_t>(exclude);
      if (const auto reply = self.call_unless_down(Address{cpu, kProcManagerPort}, w.data())) {
        found += WireReader(*reply).get<int32_t>();
      }
    }
    found += kill_group_here(group, sig, gpid(self), exclude);
    return found ? 0 : -ESRCH;
  }
  const uint32_t cpu = (static_cast<uint32_t>(pid) >> 16) - 1;
  if (cpu >= k_.params().cpus || !k_.membership().up(cpu)) return -ESRCH;
  if (cpu == k_.cpu()) return kill_here(pid, sig, gpid(self));
  WireWriter w;
  w.put(AgentMsg::kKill).put<int32_t>(pid).put<int32_t>(sig).put<int32_t>(gpid(self));
  const auto reply = self.call_unless_down(Address{cpu, kProcManagerPort}, w.data());
  return reply ? WireReader(*reply).get<int32_t>() : -ESRCH;
}

int PosixKernel::kill_here(int32_t pid, int sig, int32_t sender) {
  auto it = procs_.find(static_cast<uint32_t>(pid) & 0xffff);
  if (it == procs_.end() || it->second->process->exited()) return -ESRCH;
  if (sig != 0) queue_signal(*it->second, sig, SignalInfo{SI_USER, sender, 0});
  return 0;
}

int PosixKernel::kill_group_here(int32_t pgid, int sig, int32_t sender, int32_t exclude) {
  // The pids first: a signal may end a process, and the table must not move under the loop.
  std::vector<uint32_t> pids;
  for (const auto& [pid, pr] : procs_) {
    if (pr->process->exited() || gpid(*pr->process) == exclude) continue;
    if (pgid && pr->inherit.pgid != pgid) continue;
    pids.push_back(pid);
  }
  std::sort(pids.begin(), pids.end());
  for (const uint32_t pid : pids) {
    auto it = procs_.find(pid);
    if (it != procs_.end() && sig != 0) queue_signal(*it->second, sig, SignalInfo{SI_USER, sender, 0});
  }
  return static_cast<int>(pids.size());
}

// Only the caller's own group can change: it leads a new one (pgid 0 or its pid) or
// stays where it is. Moving to another existing group, or moving a child, would need
// the other CPUs' groups: EPERM and ESRCH instead (docs/posix.md).
int PosixKernel::sys_setpgid(Process& self, int pid, int pgid) {
  k_.execute(k_.costs().syscall_entry);
  if (pgid < 0) return -EINVAL;
  Proc& p = proc(self);
  const int32_t me = gpid(self);
  if (pid != 0 && pid != me) return -ESRCH;
  if (pgid == 0 || pgid == me) {
    p.inherit.pgid = me;
    return 0;
  }
  return pgid == p.inherit.pgid ? 0 : -EPERM;
}

int PosixKernel::sys_getpgrp(Process& self) {
  k_.execute(k_.costs().syscall_entry);
  return proc(self).inherit.pgid;
}

// RLIMIT_CORE as Linux's do_prlimit(): soft above hard is EINVAL, raising the hard limit
// EPERM (no privileges here).
int PosixKernel::sys_core_limit(Process& self, const uint64_t* soft_hard_new, uint64_t* soft_hard_old) {
  k_.execute(k_.costs().syscall_entry);
  Proc& p = proc(self);
  if (soft_hard_new) {
    if (soft_hard_new[0] > soft_hard_new[1]) return -EINVAL;
    if (soft_hard_new[1] > p.inherit.core_hard) return -EPERM;
  }
  if (soft_hard_old) {
    soft_hard_old[0] = p.inherit.core_soft;
    soft_hard_old[1] = p.inherit.core_hard;
  }
  if (soft_hard_new) {
    p.inherit.core_soft = soft_hard_new[0];
    p.inherit.core_hard = soft_hard_new[1];
  }
  return 0;
}

int32_t PosixKernel::reap(Proc& p, int pid, int options, int* status) {
  const bool any = pid == -1 || pid == 0;
  for (auto it = p.exited.begin(); it != p.exited.end(); ++it) {
    if (!any && it->first != pid) continue;
    const int32_t child = it->first;
    if (status) *status = it->second;
    p.exited.erase(it);
    p.children.erase(child);
    return child;
  }
  // wait_task_stopped(), wait_task_continued(): each report is given once
  for (auto it = p.changed.begin(); it != p.changed.end(); ++it) {
    if ((!any && it->first != pid) || !p.children.count(it->first)) continue;
    if (!(options & (WIFCONTINUED(it->second) ? WCONTINUED : WUNTRACED))) continue;
    const int32_t child = it->first;
    if (status) *status = it->second;
    p.changed.erase(it);
    return child;
  }
  return 0;
}

int PosixKernel::sys_waitpid(Process& self, int pid, int* status, int options) {
  k_.execute(k_.costs().syscall_entry);
  // wait4()'s check; __WNOTHREAD, __WCLONE and __WALL change nothing here (no threads)
  if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL)) return -EINVAL;
  Proc& p = proc(self);
  const bool any = pid == -1 || pid == 0;
  if (!any && !p.children.count(pid)) return -ECHILD;
  if (any && p.children.empty()) return -ECHILD;
  for (;;) {
    if (const int32_t child = reap(p, pid, options, status)) return child;
    if (options & WNOHANG) return 0;
    p.in_waitpid = true;
    try {
      k_.block(self, /*interruptible=*/true);
    } catch (const SignalInterrupted&) {
      p.in_waitpid = false;
      // do_wait() looks at the children before the signal: the report that came with
      // the signal (SIGCHLD) is returned, and the handler runs after it
      if (const int32_t child = reap(p, pid, options, status)) return child;
      throw;
    }
    p.in_waitpid = false;
  }
}

int PosixKernel::sys_spawn(Process& self, int cpu, int (*child)(void*), void* arg) {
  k_.execute(k_.costs().syscall_entry);
  if (cpu < 0 || cpu >= static_cast<int>(k_.params().cpus)) return -EINVAL;
  Proc& p = proc(self);
  const uint32_t target = static_cast<uint32_t>(cpu);
  int32_t pid;
  if (target == k_.cpu()) {
    pid = static_cast<int32_t>(create_child(child, arg, gpid(self), p.fds, p.sig, p.inherit));
  } else {
    // fork() fails with EAGAIN when it cannot make the process: here, its CPU is down.
    if (!k_.membership().up(target)) return -EAGAIN;
    // The child's CPU gets its own descriptions; each pipe's owner counts them
    // before the child exists, so a parent closing its end at once cannot
    // make the reader see EOF early.
    // An epoll instance lives in this CPU's memory: a child on another CPU does not
    // inherit it (docs/posix.md, "epoll").
    std::vector<std::shared_ptr<OpenFile>> unique;
    for (const auto& f : p.fds) {
      if (f && f->type != OpenFile::Type::kEpoll && std::find(unique.begin(), unique.end(), f) == unique.end())
        unique.push_back(f);
    }
    for (const auto& f : unique) f->ops().share_with(*this, self, *f, target);
    SpawnRequest q{child, arg, gpid(self), p.sig.forked(), p.inherit, unique, {}};
    for (const auto& f : p.fds) {
      const auto it = std::find(unique.begin(), unique.end(), f);
      q.fd_map.push_back(f && it != unique.end() ? static_cast<int32_t>(it - unique.begin()) : -1);
    }
    const auto reply = self.call_unless_down(Address{target, kProcManagerPort}, encode_spawn(q));
    if (!reply) return -EAGAIN;
    pid = WireReader(*reply).get<int32_t>();
  }
  p.children.insert(pid);
  return pid;
}

void PosixKernel::sys_exit(Process& self, int status) {
  (void)self;
  k_.execute(k_.costs().syscall_entry);
  throw ProcessExit{(status & 0xff) << 8};
}

void PosixKernel::register_stats(sim::Stats& s) const {
  const std::string p = "cpu." + std::to_string(k_.cpu()) + ".posix.";
  s.counter(p + "selects", &c_.selects, "calls", "select/poll calls, internal waits included");
  for (const bool remote : {true, false}) {
    for (const bool select : {true, false}) {
      s.distribution(p + "wake_latency_cycles." + (remote ? "remote_" : "local_") + (select ? "select" : "poll"),
                     &wake_latency_[remote][select], "cycles",
                     std::string("change of a real pipe on ") + (remote ? "another" : "the same") +
                         " CPU to the return of the " + (select ? "select" : "poll") + " it woke");
    }
  }
  s.counter(p + "fds_scanned", &c_.fds_scanned, "descriptors", "descriptors polled by scans");
  s.counter(p + "rescans", &c_.rescans, "wakes", "wakes whose ready list held nothing of interest");
  s.counter(p + "ready_list_wakes", &c_.ready_list_wakes, "wakes", "wakes answered from the ready list alone");
  s.counter(p + "local_notifications", &c_.local_notifications, "records", "waiters woken by a local pipe's change");
  s.counter(p + "remote_ops", &c_.remote_ops, "calls", "operations routed to an agent");
  s.counter(p + "results_given_back", &c_.results_given_back, "calls",
            "accepts and FIFO opens that completed for a caller killed meanwhile: the connection "
            "closed, the open undone");
  s.counter(p + "children_lost", &c_.children_lost, "processes",
            "children reported killed by SIGKILL because their CPU was declared down");
  s.counter(p + "shadows_reset", &c_.shadows_reset, "sockets",
            "shadow sockets reset because their I/O CPU was declared down");
  s.counter(p + "sockets_moved", &c_.sockets_moved, "sockets",
            "shadow sockets re-pointed to the network I/O process's backup at a takeover");
  s.counter(p + "select_items_moved", &c_.select_items_moved, "items",
            "waiting select/poll items asked again at the network I/O process's backup at a takeover");
  s.counter(p + "select_items_vanished_at_takeover", &c_.select_items_vanished_at_takeover, "items",
            "waiting select/poll items woken at a takeover: their socket did not survive it");
  if (ne_) ne_->register_stats(s);
}

}  // namespace shadowsel::drv
