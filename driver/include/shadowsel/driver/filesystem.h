// SPDX-License-Identifier: MIT
// The machine-wide name space: directories, regular files, FIFO names and the TTY
// lines (/dev/ttyN, made by the telnet I/O process for the lines it owns).
// The file system itself is not modelled on the bus (there is no disk
// process): a lookup is charged as a system call on the caller's CPU. A FIFO
// name records the CPU that holds its real structure (where mkfifo ran);
// opening it from elsewhere goes through the FIFO agents.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace shadowsel::drv {

struct FsNode {
  enum class Type { kDirectory, kRegular, kFifo, kTty };
  Type type = Type::kRegular;
  uint64_t id = 0;
  std::vector<uint8_t> data;  ///< regular file contents
  uint32_t home_cpu = 0;      ///< FIFO, TTY: CPU of its real structure
  uint32_t pipe_id = 0;       ///< FIFO, TTY: the structure's id there
};

class FileSystem {
 public:
  FileSystem();  ///< "/", "/tmp" and "/dev" exist
  /// Absolute form of `path` (relative paths are taken from "/").
  static std::string normalize(const std::string& path);
  std::shared_ptr<FsNode> lookup(const std::string& path) const;
  /// 0, -EEXIST, -ENOENT (no parent directory) or -ENOTDIR.
  int create(const std::string& path, std::shared_ptr<FsNode> node);
  /// 0, -ENOENT or -EISDIR.
  int unlink(const std::string& path);
  /// Nodes by id, including unlinked ones still open somewhere.
  std::shared_ptr<FsNode> by_id(uint64_t id) const;

 private:
  std::map<std::string, std::shared_ptr<FsNode>> names_;
  std::unordered_map<uint64_t, std::shared_ptr<FsNode>> ids_;
  uint64_t next_id_ = 1;
};

}  // namespace shadowsel::drv
