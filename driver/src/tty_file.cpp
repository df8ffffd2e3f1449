// SPDX-License-Identifier: MIT
// TTY descriptions (tty.h, docs/ttys.md). The line's real structure is at the telnet I/O
// process, so every read, write and termios call is one request to it through this
// CPU's TTY agent (as a socket's contention mode: with readers on several CPUs each
// read must take the next line, wherever it runs). Readiness to read is asked of the
// owner through the agents' select database or the notify engine; a TTY is always
// writable, which this CPU can tell by itself.
#include "shadowsel/driver/tty.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "shadowsel/driver/agent_protocol.h"
#include "shadowsel/driver/file_ops.h"
#include "shadowsel/driver/kernel.h"
#include "shadowsel/driver/wire.h"

namespace shadowsel::drv {
namespace {

constexpr short kReadBits = POLLIN | POLLRDNORM;
constexpr short kWriteBits = POLLOUT | POLLWRNORM;
constexpr short kReadAsk = POLLIN | POLLRDNORM | POLLRDBAND | POLLPRI;

class TtyFileOps final : public FileOps {
 public:
  // n_tty_read with VMIN = 1, VTIME = 0: a blocking read waits for a line (canonical
  // mode) or a byte (raw), then returns what one request got.
  int64_t read(PosixKernel& px, Process& self, const std::shared_ptr<OpenFile>& f,
               std::span<uint8_t> in) const override {
    if (in.empty()) return 0;
    for (;;) {
      WireWriter w;
      w.put(static_cast<uint32_t>(std::min<size_t>(in.size(), kMaxRemoteTransfer)));
      const TtyReply r = tty_call(px, self, f->conn.owner, f->conn.id, TtyOp::kRead, w.data());
      if (r.ret == -EAGAIN && !f->nonblock()) {
        px.wait_ready(self, f, Interest::kRead);
        continue;
      }
      if (r.ret > 0) {
        std::copy(r.data.begin(), r.data.end(), in.begin());
        px.kernel().execute(px.kernel().costs().copy(r.data.size()));
      }
      return r.ret;
    }
  }

  // The line takes all output (the terminal model collects it): never blocks.
  int64_t write(PosixKernel& px, Process& self, const std::shared_ptr<OpenFile>& f,
                std::span<const uint8_t> out) const override {
    size_t done = 0;
    do {
      const auto chunk = out.subspan(done, std::min<size_t>(out.size() - done, kMaxRemoteTransfer));
      WireWriter w;
      w.bytes(chunk);
      px.kernel().execute(px.kernel().costs().copy(chunk.size()));
      const TtyReply r = tty_call(px, self, f->conn.owner, f->conn.id, TtyOp::kWrite, w.data());
      if (r.ret < 0) return done ? static_cast<int64_t>(done) : r.ret;
      done += static_cast<size_t>(r.ret);
    } while (done < out.size());
    return static_cast<int64_t>(done);
  }

  void poll_arm(PosixKernel&, const std::shared_ptr<Wait>&, uint32_t slot, const OpenFile& f, short allowed,
                bool, std::vector<Wait::Item>& remote) const override {
    if (f.can_read() && (allowed & kReadAsk)) remote.push_back({slot, Interest::kRead});
  }

  short poll_mask(PosixKernel&, const OpenFile& f, const Wait& w, uint32_t slot) const override {
    short m = f.can_write() ? kWriteBits : 0;
    for (const ReadyRecord& a : w.answers) {
      if (a.slot == slot) m |= read_bits(a);
    }
    for (const ReadyRecord& a : w.ready) {
      if (a.remote && a.slot == slot) m |= read_bits(a);
    }
    return m;
  }

  short record_mask(PosixKernel&, const OpenFile&, const ReadyRecord& r) const override { return read_bits(r); }

  SelectKey select_key(const OpenFile& f, Interest i) const override {
    return {f.conn.owner, f.conn.id, static_cast<uint8_t>(i), 0};
  }

  uint32_t agent_port(const OpenFile&) const override { return kTtyAgentPort; }

 private:
  // What the owner said about reading (its write bits say nothing this CPU cannot tell).
  static short read_bits(const ReadyRecord& r) {
    return static_cast<short>(r.state.events & ~kWriteBits);
  }
};

// The TTY behind `fd`: EBADF, ENOTTY, or the description.
int tty_file(PosixKernel& px, Process& self, int fd, std::shared_ptr<OpenFile>* out) {
  auto f = px.file(self, fd);
  if (!f) return -EBADF;
  if (f->type != OpenFile::Type::kTty) return -ENOTTY;
  *out = std::move(f);
  return 0;
}

}  // namespace

struct ::termios default_termios() {
  // include/linux/tty.h: tty_std_termios and INIT_C_CC.
  struct ::termios t {};
  t.c_iflag = ICRNL | IXON;
  t.c_oflag = OPOST | ONLCR;
  t.c_cflag = B38400 | CS8 | CREAD | HUPCL;
  t.c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN;
  const unsigned char cc[] = {003, 034, 0177, 025, 004, 0, 1, 0, 021, 023, 032, 0, 022, 017, 027, 026, 0};
  std::memcpy(t.c_cc, cc, std::min(sizeof cc, sizeof t.c_cc));
  cfsetispeed(&t, B38400);
  cfsetospeed(&t, B38400);
  return t;
}

int PosixKernel::sys_tcgetattr(Process& self, int fd, struct ::termios* t) {
  kernel().execute(kernel().costs().syscall_entry);
  std::shared_ptr<OpenFile> f;
  if (const int e = tty_file(*this, self, fd, &f)) return e;
  const TtyReply r = tty_call(*this, self, f->conn.owner, f->conn.id, TtyOp::kGetAttr);
  if (r.ret < 0) return static_cast<int>(r.ret);
  if (r.data.size() != sizeof *t) throw std::logic_error("tcgetattr: the telnet I/O process sent no termios");
  std::memcpy(t, r.data.data(), sizeof *t);
  return 0;
}

int PosixKernel::sys_tcsetattr(Process& self, int fd, int optional_actions, const struct ::termios* t) {
  kernel().execute(kernel().costs().syscall_entry);
  std::shared_ptr<OpenFile> f;
  if (const int e = tty_file(*this, self, fd, &f)) return e;
  if (optional_actions != TCSANOW && optional_actions != TCSADRAIN && optional_actions != TCSAFLUSH) return -EINVAL;
  WireWriter w;
  w.put<int32_t>(optional_actions).bytes(std::span(reinterpret_cast<const uint8_t*>(t), sizeof *t));
  return static_cast<int>(tty_call(*this, self, f->conn.owner, f->conn.id, TtyOp::kSetAttr, w.data()).ret);
}

const FileOps& tty_file_ops() {
  static const TtyFileOps ops;
  return ops;
}

}  // namespace shadowsel::drv
