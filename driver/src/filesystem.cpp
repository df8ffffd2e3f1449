// SPDX-License-Identifier: MIT
#include "shadowsel/driver/filesystem.h"

#include <cerrno>

namespace shadowsel::drv {

FileSystem::FileSystem() {
  for (const char* d : {"/", "/tmp", "/dev"}) {
    auto n = std::make_shared<FsNode>();
    n->type = FsNode::Type::kDirectory;
    create(d, n);
  }
}

std::string FileSystem::normalize(const std::string& path) {
  std::string p = path.empty() || path[0] != '/' ? "/" + path : path;
  std::string out;
  for (char c : p) {
    if (c == '/' && !out.empty() && out.back() == '/') continue;
    out += c;
  }
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

std::shared_ptr<FsNode> FileSystem::lookup(const std::string& path) const {
  auto it = names_.find(normalize(path));
  return it == names_.end() ? nullptr : it->second;
}

int FileSystem::create(const std::string& path, std::shared_ptr<FsNode> node) {
  const std::string p = normalize(path);
  if (names_.count(p)) return -EEXIST;
  if (p != "/") {
    const auto slash = p.find_last_of('/');
    const std::string parent = slash == 0 ? "/" : p.substr(0, slash);
    auto dir = lookup(parent);
    if (!dir) return -ENOENT;
    if (dir->type != FsNode::Type::kDirectory) return -ENOTDIR;
  }
  node->id = next_id_++;
  ids_[node->id] = node;
  names_[p] = std::move(node);
  return 0;
}

int FileSystem::unlink(const std::string& path) {
  auto it = names_.find(normalize(path));
  if (it == names_.end()) return -ENOENT;
  if (it->second->type == FsNode::Type::kDirectory) return -EISDIR;
  names_.erase(it);
  return 0;
}

std::shared_ptr<FsNode> FileSystem::by_id(uint64_t id) const {
  auto it = ids_.find(id);
  return it == ids_.end() ? nullptr : it->second;
}

}  // namespace shadowsel::drv
