// SPDX-License-Identifier: MIT
// The scenario file as text, before toml++ sees it: reading it (a regular file, at
// most kScenarioMaxBytes) and the checks that keep toml++ out of trouble (nesting,
// non-ASCII text where toml++ 3.3 has undefined behaviour). Internal to the reader.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace shadowsel::tb {

/// The file's text; throws ScenarioError ("PATH: cannot read: ...") for anything
/// that is not a readable regular file of at most kScenarioMaxBytes.
std::string read_scenario_file(const std::string& path);

// What the checks before parsing found: the line and what is wrong, or line 0.
struct Precheck {
  uint32_t line = 0;
  std::string what;
};

/// The first problem found before parsing, or line 0 (docs/scenarios.md, Limits).
Precheck precheck_scenario(std::string_view text);

}  // namespace shadowsel::tb
