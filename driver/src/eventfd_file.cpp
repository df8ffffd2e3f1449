// SPDX-License-Identifier: MIT
// eventfd(2): a 64-bit counter behind a descriptor, as Linux's fs/eventfd.c. It lives on
// the CPU that made it, with no remote part: a child spawned on another CPU inherits the
// descriptor (so closing it works), but reading, writing or polling it there ends the
// run with a message naming the call, the CPU and the process (docs/posix.md).
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

#include "shadowsel/driver/file_ops.h"
#include "shadowsel/driver/kernel.h"
#include "shadowsel/hw/time.h"

namespace shadowsel::drv {

using hw::now_cycles;

struct EventfdObject {
  struct Waiter {
    std::shared_ptr<Wait> wait;
    uint32_t slot;
    short allowed;
  };
  uint64_t count = 0;
  bool semaphore = false;
  uint64_t changed_at = 0;
  std::vector<Waiter> waiters;  ///< select/poll calls and blocked reads and writes

  static constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  /// Linux's eventfd_poll(): POLLIN and POLLOUT only (no RDNORM/WRNORM); POLLERR at
  /// ULLONG_MAX, which only the kernel's own eventfd_signal could reach.
  short mask() const {
    short m = 0;
    if (count > 0) m |= POLLIN;
    if (count == kMax) m |= POLLERR;
    if (kMax - 1 > count) m |= POLLOUT;
    return m;
  }
  /// The object's own bits, carried as a socket's are (ObjectState::Kind::kSocket).
  ObjectState state() const {
    ObjectState s;
    s.kind = ObjectState::Kind::kSocket;
    s.events = mask();
    s.changed_at = changed_at;
    return s;
  }
  /// The count moved: wake the waiters it now satisfies (Linux wakes its wait queue).
  void changed(PosixKernel& px) {
    changed_at = now_cycles();
    const ObjectState s = state();
    std::erase_if(waiters, [](const Waiter& w) { return !w.wait->active; });
    for (const Waiter& w : waiters) {
      if (!(s.events & w.allowed)) continue;
      w.wait->ready.push_back(ReadyRecord{w.slot, s, false});
      px.wake_wait(*w.wait);
    }
  }
};

namespace {

// The counter, or the end of the run when this description is a child's copy on a CPU
// the counter is not on: there is no remote eventfd, and a call must not quietly fail.
EventfdObject& counter(PosixKernel& px, const OpenFile& f, const char* call) {
  if (f.eventfd) return *f.eventfd;
  Process& self = this_process();
  throw std::runtime_error(std::string("eventfd: ") + call + " on cpu " + std::to_string(px.kernel().cpu()) +
                           " by pid " + std::to_string(px.gpid(self)) + " of an eventfd made on cpu " +
                           std::to_string(f.conn.owner) +
                           ": an eventfd is local to its CPU and cannot be used by a child on another "
                           "(docs/posix.md, eventfd)");
}

class EventfdFileOps final : public FileOps {
 public:
  // eventfd_read(): 8 bytes at least; the whole count (or 1 with EFD_SEMAPHORE), which
  // it takes; EAGAIN or a wait at 0.
  int64_t read(PosixKernel& px, Process& self, const std::shared_ptr<OpenFile>& f,
               std::span<uint8_t> buf) const override {
    EventfdObject& e = counter(px, *f, "read");
    if (buf.size() < sizeof(uint64_t)) return -EINVAL;
    while (e.count == 0) {
      if (f->nonblock()) return -EAGAIN;
      px.wait_ready(self, f, Interest::kRead);
    }
    const uint64_t v = e.semaphore ? 1 : e.count;
    e.count -= v;
    std::memcpy(buf.data(), &v, sizeof v);
    px.kernel().execute(px.kernel().costs().copy(sizeof v));
    e.changed(px);
    return sizeof v;
  }

  // eventfd_write(): exactly 8 bytes (Linux 6.x: any other size is EINVAL); ULLONG_MAX
  // is EINVAL; a value that would take the count past ULLONG_MAX - 1 gives EAGAIN or
  // waits for a read.
  int64_t write(PosixKernel& px, Process& self, const std::shared_ptr<OpenFile>& f,
                std::span<const uint8_t> buf) const override {
    EventfdObject& e = counter(px, *f, "write");
    if (buf.size() != sizeof(uint64_t)) return -EINVAL;
    uint64_t v;
    std::memcpy(&v, buf.data(), sizeof v);
    if (v == EventfdObject::kMax) return -EINVAL;
    while (EventfdObject::kMax - e.count <= v) {
      if (f->nonblock()) return -EAGAIN;
      px.wait_ready(self, f, Interest::kWrite);
    }
    e.count += v;
    px.kernel().execute(px.kernel().costs().copy(sizeof v));
    e.changed(px);
    return sizeof v;
  }

  // noop_llseek: the position, always 0, whatever is asked.
  int64_t lseek(OpenFile&, int64_t, int) const override { return 0; }

  void poll_arm(PosixKernel& px, const std::shared_ptr<Wait>& w, uint32_t slot, const OpenFile& f,
                short allowed, bool may_block, std::vector<Wait::Item>&) const override {
    EventfdObject& e = counter(px, f, "select/poll");
    if (may_block) e.waiters.push_back({w, slot, allowed});
  }

  short poll_mask(PosixKernel& px, const OpenFile& f, const Wait&, uint32_t) const override {
    return counter(px, f, "select/poll").mask();
  }

  short record_mask(PosixKernel&, const OpenFile&, const ReadyRecord& r) const override { return r.state.events; }
};

}  // namespace

const FileOps& eventfd_file_ops() {
  static const EventfdFileOps ops;
  return ops;
}

int PosixKernel::sys_eventfd(Process& self, unsigned int initval, int flags) {
  k_.execute(k_.costs().syscall_entry);
  if (flags & ~(EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE)) return -EINVAL;
  OpenFile f;
  f.type = OpenFile::Type::kEventfd;
  // Linux's anon inode file: O_RDWR, and O_NONBLOCK from EFD_NONBLOCK (EFD_CLOEXEC, like
  // O_CLOEXEC elsewhere, is not recorded: there is no exec).
  f.flags() = O_RDWR | ((flags & EFD_NONBLOCK) ? O_NONBLOCK : 0);
  f.conn.owner = k_.cpu();
  f.eventfd = std::make_shared<EventfdObject>();
  f.eventfd->count = initval;
  f.eventfd->semaphore = flags & EFD_SEMAPHORE;
  return install(self, make_open_file(f));
}

}  // namespace shadowsel::drv
