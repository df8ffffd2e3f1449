// SPDX-License-Identifier: MIT
// A GoogleTest fixture run once per notify path (sw, model, rtl, lockstep) and what
// its tests share: the running test's path, and a statistic by name.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "shadowsel/driver/ne_driver.h"
#include "shadowsel/tb/simulation.h"

namespace shadowsel::test {
namespace {

// The notify path of the running test (set by the fixture's SetUp).
tb::NotifyPath g_path = tb::NotifyPath::kSw;

const auto kPaths = testing::Values(tb::NotifyPath::kSw, tb::NotifyPath::kModel,
                                    tb::NotifyPath::kRtl, tb::NotifyPath::kLockstep);

std::string path_name(const testing::TestParamInfo<tb::NotifyPath>& i) { return tb::to_string(i.param); }

void use_path(tb::NotifyPath p) {
  g_path = p;
  drv::NeDriver::default_options() = drv::NeDriverOptions{};
}

/// A test run once per notify path.
class OnEachPath : public testing::TestWithParam<tb::NotifyPath> {
 protected:
  void SetUp() override { use_path(GetParam()); }
};

inline uint64_t stat(tb::Simulation& sim, const std::string& path) {
  return static_cast<uint64_t>(sim.stats().value(path));
}

}  // namespace
}  // namespace shadowsel::test
