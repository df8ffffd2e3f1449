// SPDX-License-Identifier: MIT
// What every kind of open file does unless it says otherwise, and the table from a
// description's kind to its operations.
#include "shadowsel/driver/file_ops.h"

#include <cerrno>
#include <stdexcept>

namespace shadowsel::drv {

const FileOps& pipe_file_ops();
const FileOps& regular_file_ops();
const FileOps& directory_ops();
const FileOps& console_ops();
const FileOps& socket_file_ops();
const FileOps& tty_file_ops();
const FileOps& epoll_file_ops();
const FileOps& eventfd_file_ops();

int64_t FileOps::lseek(OpenFile&, int64_t, int) const { return -ESPIPE; }

void FileOps::poll_arm(PosixKernel&, const std::shared_ptr<Wait>&, uint32_t, const OpenFile&, short,
                       bool, std::vector<Wait::Item>&) const {}

short FileOps::record_mask(PosixKernel&, const OpenFile&, const ReadyRecord&) const { return 0; }

SelectKey FileOps::select_key(const OpenFile&, Interest) const {
  throw std::logic_error("select item on a kind of file with no remote object");
}

uint32_t FileOps::agent_port(const OpenFile&) const {
  throw std::logic_error("agent asked for a kind of file with no remote object");
}

void FileOps::release(PosixKernel&, Process&, OpenFile&) const {}

void FileOps::share_with(PosixKernel&, Process&, const OpenFile&, uint32_t) const {}

void FileOps::adopt(PosixKernel&, const OpenFile&) const {}

const FileOps& file_ops(OpenFile::Type t) {
  switch (t) {
    case OpenFile::Type::kPipe:
      return pipe_file_ops();
    case OpenFile::Type::kRegular:
      return regular_file_ops();
    case OpenFile::Type::kDirectory:
      return directory_ops();
    case OpenFile::Type::kConsole:
      return console_ops();
    case OpenFile::Type::kSocket:
      return socket_file_ops();
    case OpenFile::Type::kTty:
      return tty_file_ops();
    case OpenFile::Type::kEpoll:
      return epoll_file_ops();
    case OpenFile::Type::kEventfd:
      return eventfd_file_ops();
  }
  throw std::logic_error("open file of an unknown kind");
}

const FileOps& OpenFile::ops() const { return file_ops(type); }

}  // namespace shadowsel::drv
