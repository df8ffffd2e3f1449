// SPDX-License-Identifier: MIT
#include "scenario_text.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "shadowsel/tb/scenario.h"

namespace shadowsel::tb {
namespace {
// A scenario is a few hundred bytes, and toml++ recurses once per nesting level (a
// 50 000-level table header overflowed the stack): both are bounded before parsing.
constexpr size_t kMaxFileBytes = kScenarioMaxBytes;
constexpr int kMaxNesting = kScenarioMaxNesting;
}  // namespace

std::string read_scenario_file(const std::string& path) {
  auto cannot = [&](std::string_view why) { return ScenarioError(fmt::format("{}: cannot read: {}", path, why)); };
  auto not_regular = [&](mode_t mode) {
    if (S_ISDIR(mode)) return cannot(std::strerror(EISDIR));
    const char* what = S_ISFIFO(mode) ? "a FIFO" : S_ISCHR(mode) ? "a character device"
                       : S_ISBLK(mode) ? "a block device" : S_ISSOCK(mode) ? "a socket" : "a special file";
    return cannot(fmt::format("not a regular file ({})", what));
  };
  auto too_large = [&] {
    return cannot(fmt::format("larger than {} bytes, not a scenario (docs/scenarios.md, Limits)", kMaxFileBytes));
  };
  if (path.empty()) throw ScenarioError("scenario file name is empty");
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw cannot(std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw not_regular(st.st_mode);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) throw cannot(std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  if (::fstat(fd, &st) != 0) throw cannot(std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw not_regular(st.st_mode);
  if (static_cast<uint64_t>(st.st_size) > kMaxFileBytes) throw too_large();
  std::string text;
  char buf[1 << 14];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      text.append(buf, static_cast<size_t>(n));
      if (text.size() > kMaxFileBytes) throw too_large();  // grew after fstat
    } else if (n == 0) {
      break;
    } else if (errno != EINTR) {
      throw cannot(std::strerror(errno));
    }
  }
  return text;
}


// Checks `text` before toml++ parses it, without parsing (docs/scenarios.md,
// Limits):
// - Nesting. toml++ recurses once per level (building, and again destroying,
//   the tree), so a deep enough file overflows the stack. The count is an upper
//   bound on the depth of the tree toml++ would build (the fuzzer checks that):
//   for each key, twice the parts of its table header (a part may be an array
//   of tables, which adds a level), plus one, plus the dots outside strings
//   along the key's path (dotted keys; a float's dot counts too, harmlessly),
//   plus the brackets and braces still open.
// - Non-ASCII characters where toml++ 3.3 asks whether they are whitespace:
//   its table of non-ASCII whitespace reaches __builtin_unreachable for many
//   code points (undefined behaviour, found by the fuzzer). That is outside
//   strings and comments (never valid TOML) and, in a multi-line basic
//   string, right after a backslash and the whitespace that follows it. A
//   string or comment counts as one only where toml++ cannot be reading a bare
//   value (see the modes below).
// Strings and comments are skipped as TOML defines them; on text that is not
// TOML the count may be off, but toml++ then stops at the first error, and
// before it the text is TOML.
Precheck precheck_scenario(std::string_view text) {
  uint32_t line = 1;
  size_t i = 0;
  const size_t n = text.size();
  auto at = [&](size_t k) { return k < n ? text[k] : '\0'; };
  auto starts = [&](std::string_view w) { return text.substr(i, w.size()) == w; };
  auto non_ascii = [](char c) { return static_cast<unsigned char>(c) >= 0x80; };
  Precheck found;
  if (starts("\xEF\xBB\xBF")) i = 3;  // a UTF-8 byte order mark, which TOML allows
  // Skips the string starting at i (its opening quote) and leaves i after it;
  // sets `found` on a non-ASCII character after a backslash in a multi-line
  // basic string.
  auto skip_string = [&] {
    const char q = text[i];
    const bool basic = q == '"';
    if (starts(basic ? "\"\"\"" : "'''")) {
      i += 3;
      while (i < n) {
        if (basic && text[i] == '\\') {
          ++i;
          bool trimmed = false;  // a line-ending backslash: the whitespace after it is dropped
          while (i < n && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n')) {
            if (text[i] == '\n') ++line;
            ++i;
            trimmed = true;
          }
          if (i < n && non_ascii(text[i])) {
            found = {line, "non-ASCII character right after a backslash in a multi-line string: not supported "
                           "(docs/scenarios.md, Limits)"};
            return;
          }
          // An escaped character is content; after trimming, the next character is
          // read afresh (it may be another backslash).
          if (!trimmed && i < n) ++i;
        } else if (text[i] == q && at(i + 1) == q && at(i + 2) == q) {
          i += 3;
          // Up to two more quotes belong to the content (`""""a"""""`).
          for (int extra = 0; extra < 2 && at(i) == q; ++extra) ++i;
          return;
        } else {
          if (text[i] == '\n') ++line;
          ++i;
        }
      }
      return;
    }
    ++i;
    while (i < n && text[i] != '\n') {
      if (basic && text[i] == '\\') {
        i += at(i + 1) == '\n' ? 1 : 2;  // a backslash-newline is an error; leave the newline
      } else if (text[i] == q) {
        ++i;
        return;
      } else {
        ++i;
      }
    }
  };

  // Where a string or a comment may begin depends on what toml++ is reading:
  // a key, the start of a value, a bare value (a number, a date, a word), or
  // nothing more. Inside a bare value toml++ reads on through quotes, '#' and
  // non-ASCII bytes (`x = +1"é`, `x = 0b="é`, `x = 1979-05-27 1#é`), so there
  // they are plain characters; valid TOML never has them there.
  enum class Mode { kKey, kValue, kBare, kDone };
  Mode mode = Mode::kKey;
  char prev = '\n';
  // In a key, a quote opens a string only as a whole part of it (`"a".'b'`).
  auto string_starts = [&](char c) {
    if (c != '"' && c != '\'') return false;
    if (mode == Mode::kValue) return true;
    return mode == Mode::kKey && (prev == '\n' || prev == ' ' || prev == '\t' || prev == '\r' || prev == '.' ||
                                  prev == '[' || prev == '{' || prev == ',');
  };
  int header = 0;            // 2 x the parts of the current table header
  int dots = 0;              // dots along the current key's path
  std::vector<int> open;     // `dots` when each open [ or { was opened
  std::vector<char> kinds;   // '[' or '{', for each entry of `open`
  bool statement_start = true;
  auto deep = [&] { return header + 1 + dots + static_cast<int>(open.size()) > kMaxNesting; };
  auto too_deep = [&] {
    return Precheck{line, fmt::format("nested more than {} levels deep (docs/scenarios.md, Limits)", kMaxNesting)};
  };
  auto outside = [&] { return Precheck{line, "non-ASCII character outside a string or comment"}; };
  while (i < n) {
    const char c = text[i];
    if (c == '\n' || c == ' ' || c == '\t' || c == '\r') {
      if (mode == Mode::kBare) mode = Mode::kDone;  // whitespace ends a bare value
      if (c == '\n') {
        ++line;
        if (open.empty()) {
          dots = 0;
          statement_start = true;
          mode = Mode::kKey;
        }
      }
      prev = c;
      ++i;
      continue;
    }
    if (c == '#' && mode != Mode::kBare) {
      while (i < n && text[i] != '\n') ++i;
      continue;
    }
    if (string_starts(c)) {
      skip_string();
      if (found.line != 0) return found;
      statement_start = false;
      if (mode == Mode::kValue) mode = Mode::kDone;
      prev = c;
      continue;
    }
    if (non_ascii(c)) return outside();
    if (statement_start && open.empty() && c == '[') {
      // A table header, [a.b] or [[a.b]]: ends at its ']' or the line's end.
      statement_start = false;
      dots = 0;
      int parts = 1;
      prev = c;
      ++i;
      while (i < n && text[i] != ']' && text[i] != '\n') {
        if (string_starts(text[i])) {
          prev = text[i];
          skip_string();
          if (found.line != 0) return found;
          continue;
        }
        if (non_ascii(text[i])) return outside();
        if (text[i] == '.') ++parts;
        prev = text[i];
        ++i;
      }
      mode = Mode::kDone;
      header = parts > kMaxNesting ? kMaxNesting + 1 : 2 * parts;
      if (header + 1 > kMaxNesting) return too_deep();
      continue;
    }
    statement_start = false;
    if (c == '[' || c == '{') {
      open.push_back(dots);
      kinds.push_back(c);
      if (mode == Mode::kValue) {
        mode = c == '[' ? Mode::kValue : Mode::kKey;
      } else {
        mode = Mode::kBare;  // not where a value starts: toml++ stops there, or reads on
      }
    } else if ((c == ']' || c == '}') && !open.empty()) {
      dots = open.back();
      open.pop_back();
      kinds.pop_back();
      mode = Mode::kDone;
    } else if (c == ',' && !open.empty()) {
      dots = open.back();  // the next element or key starts from its container
      mode = kinds.back() == '{' ? Mode::kKey : Mode::kValue;
    } else if (c == '=' && mode == Mode::kKey) {
      mode = Mode::kValue;
    } else {
      if (c == '.') ++dots;
      if (mode != Mode::kKey) mode = Mode::kBare;  // a bare value, or text toml++ refuses
    }
    if (deep()) return too_deep();
    prev = c;
    ++i;
  }
  return {};
}

}  // namespace shadowsel::tb
