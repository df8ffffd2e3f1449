// SPDX-License-Identifier: MIT
// Replays every input the fuzzers start from or once found through the same
// entry points (targets.h), built with the ordinary compiler: the checked-in
// corpus, the scenario examples and the bad-scenario regressions. A finding
// fixed once stays fixed without clang or libFuzzer.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "targets.h"

#ifndef SHADOWSEL_SOURCE_DIR
#error "SHADOWSEL_SOURCE_DIR must name the source tree"
#endif

namespace {

namespace fs = std::filesystem;
const fs::path kSource = SHADOWSEL_SOURCE_DIR;

std::vector<fs::path> files_in(const std::vector<fs::path>& dirs) {
  std::vector<fs::path> files;
  for (const fs::path& d : dirs)
    for (const auto& e : fs::directory_iterator(kSource / d))
      if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::string bytes_of(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

template <typename Entry>
size_t replay(const std::vector<fs::path>& files, Entry entry) {
  for (const fs::path& f : files) {
    const std::string b = bytes_of(f);
    EXPECT_EQ(entry(reinterpret_cast<const uint8_t*>(b.data()), b.size()), "") << f;
  }
  return files.size();
}

TEST(FuzzReplay, ScenarioCorpusAndRegressions) {
  const auto files = files_in({"tests/fuzz/corpus/scenario", "tests/data/scenarios/good",
                               "tests/data/scenarios/bad", "tb/scenarios"});
  EXPECT_GE(replay(files, shadowsel::fuzz::scenario_one), 50u) << "corpus folders missing?";
}

TEST(FuzzReplay, OptionsCorpus) {
  EXPECT_GE(replay(files_in({"tests/fuzz/corpus/options"}), shadowsel::fuzz::options_one), 10u)
      << "corpus folder missing?";
}

}  // namespace
