// SPDX-License-Identifier: MIT
// The fuzzers' entry points, shared by the libFuzzer binaries (make fuzz,
// clang) and by the replay test that runs the checked-in corpus and the
// regression inputs through them in the ordinary ctest suite (any compiler).
// Each returns "" when the input was handled as promised, else what went
// wrong; the libFuzzer wrapper turns that into a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace shadowsel::fuzz {

/// The input is a scenario file's text: load_scenario_text must return a
/// scenario or throw one short `FILE:LINE: message` line, never anything else;
/// text it lets through the nesting limit must not nest deeper in toml++.
std::string scenario_one(const uint8_t* data, size_t size);

/// The input is a command line, arguments separated by NUL bytes: both
/// programs' option sets either parse or throw one short `--option: message`
/// line; what parses converts back and reparses to the same values (exact).
std::string options_one(const uint8_t* data, size_t size);

}  // namespace shadowsel::fuzz
