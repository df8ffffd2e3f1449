// SPDX-License-Identifier: MIT
// The check every waveform file passes before a run (FST writers report no open error of
// their own, and need a file they can seek in): create or truncate `path` and make sure
// it is a regular file. Header-only, so both waveform writers (in different libraries)
// share it.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace shadowsel::sim {

/// Throws std::runtime_error("PATH: cannot write: why") unless `path` is a regular file
/// this process can write (created empty if missing, emptied if present).
inline void check_seekable_output(const std::string& path) {
  // O_NONBLOCK: a FIFO without a reader fails at once instead of blocking the open.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0644);
  if (fd < 0) throw std::runtime_error(path + ": cannot write: " + std::strerror(errno));
  struct stat st {};
  const bool regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  ::close(fd);
  if (!regular) throw std::runtime_error(path + ": cannot write: not a regular file (an FST file is written with seeks)");
}

}  // namespace shadowsel::sim
