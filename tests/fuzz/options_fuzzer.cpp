// SPDX-License-Identifier: MIT
// libFuzzer target over the options entry point (targets.h); built by make fuzz.
#include <cstdio>
#include <cstdlib>

#include "targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bad = shadowsel::fuzz::options_one(data, size);
  if (!bad.empty()) {
    std::fprintf(stderr, "options_fuzzer: %s\n", bad.c_str());
    std::abort();  // a finding: libFuzzer saves the input
  }
  return 0;
}
