// SPDX-License-Identifier: MIT
// sc_main for SystemC test binaries: runs GoogleTest. ctest runs each test in
// its own process (gtest_discover_tests), because SystemC elaborates once per
// process (TOOLCHAIN.md).
#include <systemc>

#include <cstdlib>

#include <gtest/gtest.h>

namespace {
const bool kQuietBanner = setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1) == 0;
}

int sc_main(int argc, char* argv[]) {
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
