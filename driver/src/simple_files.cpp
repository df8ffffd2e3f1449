// SPDX-License-Identifier: MIT
// Regular files, directories and the console: always ready for reading and writing and
// never exceptional (the seed's "files, directories"), no remote part.
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "shadowsel/driver/file_ops.h"
#include "shadowsel/driver/filesystem.h"
#include "shadowsel/driver/kernel.h"

namespace shadowsel::drv {
namespace {

constexpr short kAlwaysReady = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;

int64_t seek_in(OpenFile& f, uint64_t size, int64_t off, int whence) {
  const int64_t base = whence == SEEK_SET   ? 0
                       : whence == SEEK_CUR ? static_cast<int64_t>(f.pos())
                       : whence == SEEK_END ? static_cast<int64_t>(size)
                                            : -1;
  if (base < 0 || base + off < 0) return -EINVAL;
  f.pos() = static_cast<uint64_t>(base + off);
  return base + off;
}

class RegularFileOps final : public FileOps {
 public:
  int64_t read(PosixKernel& px, Process&, const std::shared_ptr<OpenFile>& f,
               std::span<uint8_t> in) const override {
    const auto& data = f->node->data;
    const uint64_t n = f->pos() >= data.size() ? 0 : std::min<uint64_t>(in.size(), data.size() - f->pos());
    std::copy_n(data.begin() + static_cast<int64_t>(f->pos()), n, in.begin());
    f->pos() += n;
    px.kernel().execute(px.kernel().costs().copy(n));
    return static_cast<int64_t>(n);
  }
  int64_t write(PosixKernel& px, Process&, const std::shared_ptr<OpenFile>& f,
                std::span<const uint8_t> out) const override {
    auto& data = f->node->data;
    if (f->flags() & O_APPEND) f->pos() = data.size();
    if (data.size() < f->pos() + out.size()) data.resize(f->pos() + out.size());
    std::copy(out.begin(), out.end(), data.begin() + static_cast<int64_t>(f->pos()));
    f->pos() += out.size();
    px.kernel().execute(px.kernel().costs().copy(out.size()));
    return static_cast<int64_t>(out.size());
  }
  int64_t lseek(OpenFile& f, int64_t off, int whence) const override {
    return seek_in(f, f.node->data.size(), off, whence);
  }
  bool can_poll() const override { return false; }
  short poll_mask(PosixKernel&, const OpenFile&, const Wait&, uint32_t) const override { return kAlwaysReady; }
};

class DirectoryOps final : public FileOps {
 public:
  int64_t read(PosixKernel&, Process&, const std::shared_ptr<OpenFile>&, std::span<uint8_t>) const override {
    return -EISDIR;
  }
  // Never reached: a directory opens read-only only (sys_open), so write is EBADF first.
  int64_t write(PosixKernel&, Process&, const std::shared_ptr<OpenFile>&,
                std::span<const uint8_t>) const override {
    return -EISDIR;
  }
  int64_t lseek(OpenFile& f, int64_t off, int whence) const override { return seek_in(f, 0, off, whence); }
  bool can_poll() const override { return false; }
  short poll_mask(PosixKernel&, const OpenFile&, const Wait&, uint32_t) const override { return kAlwaysReady; }
};

// The host's standard streams, descriptors 0-2 of a program: no input (end of file);
// output goes to the host in program order.
class ConsoleOps final : public FileOps {
 public:
  int64_t read(PosixKernel&, Process&, const std::shared_ptr<OpenFile>&, std::span<uint8_t>) const override {
    return 0;
  }
  int64_t write(PosixKernel& px, Process&, const std::shared_ptr<OpenFile>& f,
                std::span<const uint8_t> out) const override {
    std::fflush(nullptr);  // keep order with the program's stdio output
    px.kernel().execute(px.kernel().costs().copy(out.size()));
    const ssize_t n = ::write(f->host_fd, out.data(), out.size());
    return n < 0 ? -errno : n;
  }
  short poll_mask(PosixKernel&, const OpenFile&, const Wait&, uint32_t) const override { return kAlwaysReady; }
};

}  // namespace

const FileOps& regular_file_ops() {
  static const RegularFileOps ops;
  return ops;
}

const FileOps& directory_ops() {
  static const DirectoryOps ops;
  return ops;
}

const FileOps& console_ops() {
  static const ConsoleOps ops;
  return ops;
}

}  // namespace shadowsel::drv
