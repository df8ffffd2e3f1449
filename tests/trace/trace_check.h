// SPDX-License-Identifier: MIT
// The repository's trace checker (tests/trace/check_trace.py) for tests that write a
// trace: every trace a test writes is validated by it (docs/trace.md).
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace shadowsel::test {

/// "" when the checker accepts the trace at `path`, else its report (exit status and errors).
inline std::string check_trace(const std::string& path) {
  const std::string cmd = std::string("python3 '") + SHADOWSEL_TRACE_CHECKER + "' '" + path + "' 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return "cannot run " + cmd;
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int st = ::pclose(p);
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return "";
  return cmd + " failed (status " + std::to_string(st) + "):\n" + out;
}

}  // namespace shadowsel::test
