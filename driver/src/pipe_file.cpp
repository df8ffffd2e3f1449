// SPDX-License-Identifier: MIT
// Pipe and FIFO ends. The real pipe lives on its owner CPU (PipeObject, PosixKernel);
// an end on another CPU is a shadow whose reads, writes, reference counts and select
// items go to this CPU's pipe or FIFO agent (firmware/), or, for select, to the notify
// engine's driver first.
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>

#include "shadowsel/driver/agent_protocol.h"
#include "shadowsel/driver/file_ops.h"
#include "shadowsel/driver/kernel.h"
#include "shadowsel/driver/wire.h"

namespace shadowsel::drv {
namespace {

static_assert(kMaxRemoteTransfer == PipeBuffer::kPageBytes * PipeBuffer::kDefaultSlots,
              "a remote transfer is a pipe's default capacity");

short mask_of(const OpenFile& f, const ObjectState& s) {
  return poll_mask_of(s, f.can_read(), f.can_write(), f.version);
}

class PipeFileOps final : public FileOps {
 public:
  int64_t read(PosixKernel& px, Process& self, const std::shared_ptr<OpenFile>& f,
               std::span<uint8_t> in) const override {
    for (;;) {
      const int64_t r = local(px, *f) ? px.pipe_read_now(self, real(px, *f), in)
                                      : remote_rw(px, self, *f, false, in, {}, false);
      if (r != -EAGAIN || f->nonblock()) return r;
      px.wait_ready(self, f, Interest::kRead);
    }
  }

  // Linux's pipe_write(): <= PIPE_BUF bytes go in at once or not at all; more may go in
  // pieces, waiting for room between them unless O_NONBLOCK.
  int64_t write(PosixKernel& px, Process& self, const std::shared_ptr<OpenFile>& f,
                std::span<const uint8_t> out) const override {
    if (out.empty()) return 0;
    uint64_t done = 0;
    bool merge = true;
    for (;;) {
      const auto rest = out.subspan(done);
      const int64_t r = local(px, *f) ? px.pipe_write_now(self, real(px, *f), rest, merge)
                                      : remote_rw(px, self, *f, true, {}, rest, merge);
      if (r == -EPIPE) {
        px.raise_sigpipe(self);
        return done ? static_cast<int64_t>(done) : -EPIPE;
      }
      if (r == -EAGAIN) {
        if (f->nonblock()) return done ? static_cast<int64_t>(done) : -EAGAIN;
        try {
          px.wait_ready(self, f, Interest::kWrite);
        } catch (const SignalInterrupted&) {
          // Linux's pipe_write(): a signal ends the write, which returns what it wrote
          if (done) return static_cast<int64_t>(done);
          throw;
        }
        merge = false;
        continue;
      }
      done += static_cast<uint64_t>(r);
      merge = false;
      if (done == out.size() || f->nonblock()) return static_cast<int64_t>(done);
    }
  }

  void poll_arm(PosixKernel& px, const std::shared_ptr<Wait>& w, uint32_t slot, const OpenFile& f,
                short allowed, bool may_block, std::vector<Wait::Item>& remote) const override {
    // The (connection, event) pairs whose readiness could set a bit this item reports.
    // A description that can write is itself a writer, so it never sees POLLHUP; one
    // that can read never sees POLLERR.
    const bool r = f.can_read(), wr = f.can_write();
    std::vector<Interest> v;
    if (r && ((allowed & (POLLIN | POLLRDNORM)) || ((allowed & POLLHUP) && !wr))) v.push_back(Interest::kRead);
    if (wr && ((allowed & (POLLOUT | POLLWRNORM)) || ((allowed & POLLERR) && !r))) v.push_back(Interest::kWrite);
    for (Interest in : v) {
      if (!local(px, f)) {
        remote.push_back({slot, in});
      } else if (may_block) {
        if (PipeObject* p = px.pipe(f.conn.id)) {
          p->waiters.push_back({w, slot, in, f.version, p->wakes(in), interest_ready(p->state(), in, f.version)});
        }
      }
    }
  }

  short poll_mask(PosixKernel& px, const OpenFile& f, const Wait& w, uint32_t slot) const override {
    if (local(px, f)) {
      const PipeObject* p = px.pipe(f.conn.id);
      return p ? mask_of(f, p->state()) : 0;
    }
    // The answers to this call's requests, and any notification the distributor linked
    // meanwhile: it used up the owner's interest, so it must count now or never.
    short m = 0;
    for (const ReadyRecord& a : w.answers) {
      if (a.slot == slot) m |= mask_of(f, a.state);
    }
    for (const ReadyRecord& a : w.ready) {
      if (a.remote && a.slot == slot) m |= mask_of(f, a.state);
    }
    return m;
  }

  short record_mask(PosixKernel&, const OpenFile& f, const ReadyRecord& r) const override { return mask_of(f, r.state); }

  // The version decides POLLHUP for readers only.
  SelectKey select_key(const OpenFile& f, Interest i) const override {
    return {f.conn.owner, f.conn.id, static_cast<uint8_t>(i), i == Interest::kRead ? f.version : 0u};
  }

  uint32_t agent_port(const OpenFile& f) const override { return f.conn.agent_port(); }

  void release(PosixKernel& px, Process& self, OpenFile& f) const override {
    if (local(px, f)) {
      if (PipeObject* p = px.pipe(f.conn.id)) {
        px.pipe_ref(*p, f.can_read(), f.can_write(), -1, px.kernel().cpu());
        px.pipe_changed(self, *p, false);
        px.free_if_unused(*p);
      }
      return;
    }
    // A shadow: the owner counts this CPU's descriptions; tell it through the agent.
    WireWriter w;
    w.put(AgentMsg::kDrop).put(f.conn.owner).put(f.conn.id).put<uint8_t>(f.can_read())
        .put<uint8_t>(f.can_write());
    self.post(Address{px.kernel().cpu(), f.conn.agent_port()}, w.data());
  }

  void share_with(PosixKernel& px, Process& self, const OpenFile& f, uint32_t cpu) const override {
    if (f.conn.owner == cpu) return;  // the child's CPU counts it when it adopts it
    if (local(px, f)) {
      if (PipeObject* p = px.pipe(f.conn.id)) px.pipe_ref(*p, f.can_read(), f.can_write(), +1, cpu);
      return;
    }
    px.count_remote_op();
    WireWriter w;
    w.put(AgentMsg::kOp).put(PipeOp::kAddRef).put(f.conn.owner).put(f.conn.id)
        .put<uint8_t>(f.can_read()).put<uint8_t>(f.can_write()).put(cpu);
    self.call(Address{px.kernel().cpu(), f.conn.agent_port()}, w.data());
  }

  void adopt(PosixKernel& px, const OpenFile& f) const override {
    // The real pipe is here: the child's description is a local one.
    if (!local(px, f)) return;
    if (PipeObject* p = px.pipe(f.conn.id)) px.pipe_ref(*p, f.can_read(), f.can_write(), +1, px.kernel().cpu());
  }

 private:
  static bool local(PosixKernel& px, const OpenFile& f) { return f.conn.owner == px.kernel().cpu(); }

  static PipeObject& real(PosixKernel& px, const OpenFile& f) {
    PipeObject* p = px.pipe(f.conn.id);
    if (!p) throw std::logic_error("open description of a freed pipe");
    return *p;
  }

  // One read or write at the owner through the agents: a request and its reply.
  static int64_t remote_rw(PosixKernel& px, Process& self, const OpenFile& f, bool write,
                           std::span<uint8_t> in, std::span<const uint8_t> out, bool merge) {
    px.count_remote_op();
    WireWriter w;
    w.put(AgentMsg::kOp).put(write ? PipeOp::kWrite : PipeOp::kRead).put(f.conn.owner).put(f.conn.id);
    if (write) {
      w.put<uint8_t>(merge).bytes(out.first(std::min<size_t>(out.size(), kMaxRemoteTransfer)));
    } else {
      w.put<uint32_t>(static_cast<uint32_t>(std::min<size_t>(in.size(), kMaxRemoteTransfer)));
    }
    const auto reply = self.call(Address{px.kernel().cpu(), f.conn.agent_port()}, w.data());
    WireReader r(reply);
    const auto ret = r.get<int64_t>();
    r.get<uint32_t>();
    const auto data = r.bytes();
    if (!write && ret > 0) std::copy(data.begin(), data.end(), in.begin());
    // This CPU's own change, which its watches are not told of (watch_table.h).
    if (const auto s = get_result_state(r)) px.remote_state_seen(f.conn.owner, f.conn.id, *s);
    return ret;
  }
};

}  // namespace

const FileOps& pipe_file_ops() {
  static const PipeFileOps ops;
  return ops;
}

}  // namespace shadowsel::drv
