// SPDX-License-Identifier: MIT
// The operations of one kind of open file, as Linux's struct file_operations: a pipe or
// FIFO end, a regular file, a directory, the console, a socket, a TTY. The
// POSIX layer (PosixKernel) keeps the descriptor tables, the open file descriptions
// and the select/poll loop, and reaches a description's object only through these.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "shadowsel/driver/posix_kernel.h"
#include "shadowsel/driver/select_db.h"

namespace shadowsel::drv {

class FileOps {
 public:
  virtual ~FileOps() = default;

  /// read(2)/write(2) on a description open for it; -errno on failure. May block.
  virtual int64_t read(PosixKernel& px, Process& self, const std::shared_ptr<OpenFile>& f,
                       std::span<uint8_t> buf) const = 0;
  virtual int64_t write(PosixKernel& px, Process& self, const std::shared_ptr<OpenFile>& f,
                        std::span<const uint8_t> buf) const = 0;
  /// lseek(2): the new offset, or -errno.
  virtual int64_t lseek(OpenFile& f, int64_t off, int whence) const;

  // --- select/poll (PosixKernel::do_poll) and epoll ---
  /// Linux's file_can_poll(): false for regular files and directories, which epoll
  /// refuses (EPERM) and select/poll report always ready.
  virtual bool can_poll() const { return true; }
  /// Registers call `w`'s item `slot` (which may report the bits `allowed`) with
  /// whatever can change them: a local object records the waiter (when `may_block`);
  /// a remote one appends the (connection, event) items to ask its owner about.
  virtual void poll_arm(PosixKernel& px, const std::shared_ptr<Wait>& w, uint32_t slot,
                        const OpenFile& f, short allowed, bool may_block,
                        std::vector<Wait::Item>& remote) const;
  /// The poll bits now (before masking with what was asked): the local object's, or
  /// for a remote one what the call's answers and ready records say.
  virtual short poll_mask(PosixKernel& px, const OpenFile& f, const Wait& w, uint32_t slot) const = 0;
  /// The bits a ready record linked into a sleeping call reports for this description.
  virtual short record_mask(PosixKernel& px, const OpenFile& f, const ReadyRecord& r) const;
  /// For a remote object: the (connection, event) its owner is asked about for `i`,
  /// and the port of this CPU's agent for this kind. The agents and the notify
  /// engine's driver serve any kind through these.
  virtual SelectKey select_key(const OpenFile& f, Interest i) const;
  virtual uint32_t agent_port(const OpenFile& f) const;

  // --- life of a description ---
  /// The last descriptor naming `f` on this CPU was closed.
  virtual void release(PosixKernel& px, Process& self, OpenFile& f) const;
  /// A child spawned on CPU `cpu` will hold a description of this one: have the
  /// object count it before the child exists.
  virtual void share_with(PosixKernel& px, Process& self, const OpenFile& f, uint32_t cpu) const;
  /// This CPU received such a description for a child (the process manager).
  virtual void adopt(PosixKernel& px, const OpenFile& f) const;
};

/// The operations of each kind.
const FileOps& file_ops(OpenFile::Type t);

}  // namespace shadowsel::drv
