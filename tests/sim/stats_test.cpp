// SPDX-License-Identifier: MIT
// The statistics registry's figures for plots (docs/report.md): a distribution's
// histogram (4 buckets per power of two) and a series of busy cycles per window
// that doubles its window instead of passing 1000 points.
#include <algorithm>
#include <array>
#include <cstdint>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "shadowsel/sim/stats.h"

namespace shadowsel::sim {
namespace {

TEST(StatsHistogram, FourBucketsPerPowerOfTwoExactBelowFour) {
  Distribution d;
  for (uint64_t v : {0, 1, 3, 4, 5, 7, 8, 9, 1000, 1023}) d.sample(v);
  const auto h = d.histogram();
  std::vector<std::array<uint64_t, 3>> got;
  for (const auto& b : h) got.push_back({b.lo, b.hi, b.count});
  const std::vector<std::array<uint64_t, 3>> want = {{0, 1, 1}, {1, 2, 1}, {3, 4, 1}, {4, 5, 1}, {5, 6, 1},
                                                     {7, 8, 1}, {8, 10, 2}, {896, 1024, 2}};
  EXPECT_EQ(got, want);
  EXPECT_EQ(Distribution::bucket_lo(1ull << 63), 1ull << 63);
  EXPECT_EQ(Distribution::bucket_lo(~0ull), (1ull << 63) + (3ull << 61));
  // Percentiles still see every sample.
  EXPECT_EQ(d.percentile(50), 5u);
  EXPECT_EQ(d.max(), 1023u);

  Stats s;
  s.distribution("x.latency_cycles", &d, "cycles", "test");
  const auto j = s.to_json();
  EXPECT_EQ(j["x"]["latency_cycles"]["histogram"]["lo"].size(), 8u);
  EXPECT_EQ(j["x"]["latency_cycles"]["histogram"]["count"][6], 2);
}

TEST(StatsWindowSeries, SpreadsIntervalsOverWindowsAndDoublesPastAThousand) {
  WindowSeries w;
  w.add(0, 500);
  w.add(900, 1100);  // across two windows
  EXPECT_EQ(w.window_cycles(), 1000u);
  EXPECT_EQ(w.values(), (std::vector<uint64_t>{600, 100}));
  w.add(999000, 1001000);  // past 1000 windows of 1000: the window doubles
  EXPECT_EQ(w.window_cycles(), 2000u);
  EXPECT_LE(w.values().size(), WindowSeries::kMaxWindows);
  EXPECT_EQ(w.values().front(), 700u);
  EXPECT_EQ(std::accumulate(w.values().begin(), w.values().end(), uint64_t{0}), 2700u);
  w.add(0, 100'000'000);  // a run 100 times longer: still at most 1000 points
  EXPECT_EQ(w.window_cycles(), 128000u);
  EXPECT_LE(w.values().size(), WindowSeries::kMaxWindows);
  EXPECT_EQ(std::accumulate(w.values().begin(), w.values().end(), uint64_t{0}), 100'002'700u);

  Stats s;
  s.series("bus.X.busy_cycles_over_time", &w, "cycles", "test");
  const auto j = s.to_json();
  EXPECT_EQ(j["bus"]["X"]["busy_cycles_over_time"]["window_cycles"], 128000);
  EXPECT_EQ(j["bus"]["X"]["busy_cycles_over_time"]["values"].size(), w.values().size());
}

// Intervals as a bus adds them (mostly in the window the last one ended in, some
// across windows or far ahead, a few zero-length): the same values as spreading every
// interval by division, as the series did before it kept the open window.
TEST(StatsWindowSeries, OpenWindowShortcutGivesTheValuesOfSpreadingEveryInterval) {
  struct Reference {
    uint64_t window = WindowSeries::kFirstWindow;
    std::vector<uint64_t> values;
    void add(uint64_t from, uint64_t to) {
      if (to <= from) return;
      while ((to - 1) / window >= WindowSeries::kMaxWindows) {
        for (size_t i = 0; i < values.size(); i += 2)
          values[i / 2] = values[i] + (i + 1 < values.size() ? values[i + 1] : 0);
        values.resize((values.size() + 1) / 2);
        window *= 2;
      }
      const size_t last = static_cast<size_t>((to - 1) / window);
      if (values.size() <= last) values.resize(last + 1, 0);
      for (uint64_t w = from / window; w <= last; ++w)
        values[w] += std::min(to, (w + 1) * window) - std::max(from, w * window);
    }
  };
  WindowSeries w;
  Reference ref;
  // at the open window's edges: up to its end, one past it, from its end
  for (const auto& [from, to] : {std::pair<uint64_t, uint64_t>{0, 10}, {10, 1000}, {1000, 1001},
                                 {1001, 2000}, {1999, 2001}, {2001, 2001}, {2001, 3000}}) {
    w.add(from, to);
    ref.add(from, to);
  }
  EXPECT_EQ(w.values(), ref.values);
  std::mt19937_64 rng(5);
  uint64_t now = 0;
  for (int i = 0; i < 200'000; ++i) {
    const uint64_t r = rng();
    const uint64_t gap = r % 16 == 0 ? rng() % 50'000 : rng() % 40;
    const uint64_t len = r % 64 == 1 ? 0 : rng() % (r % 8 == 2 ? 5'000 : 60);
    now += gap;
    // now and then an interval that started before the last one ended
    const uint64_t from = r % 32 == 3 && now > 500 ? now - 500 : now;
    w.add(from, now + len);
    ref.add(from, now + len);
    now += len;
  }
  EXPECT_GT(w.window_cycles(), WindowSeries::kFirstWindow);  // it doubled on the way
  EXPECT_EQ(w.window_cycles(), ref.window);
  EXPECT_EQ(w.values(), ref.values);
}

// to_json appends a new member without searching the object (paths come sorted); the
// tree must be the one a search by name builds, whatever the keys' characters sort
// around the '.' that separates them.
TEST(StatsToJson, NestsSortedPathsAsASearchByNameWould) {
  const std::vector<std::string> paths = {"a.b.x",      "a.b-c",      "a.b!",       "a.b_c",   "a.b0",   "a.b.y.z",
                                          "a.b.y.w",    "a.c",        "cpu.10.busy", "cpu.2.busy", "cpu.2.idle",
                                          "cpu.1.busy", "z",          "a.b.y.v",    "A.b",     "a b.c",  "a-b.c"};
  std::vector<uint64_t> values(paths.size());
  std::iota(values.begin(), values.end(), 1);
  Stats stats;
  for (size_t i = 0; i < paths.size(); ++i) stats.counter(paths[i], &values[i], "u", "d");

  nlohmann::ordered_json want = nlohmann::ordered_json::object(), units = want;
  std::vector<size_t> order(paths.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t x, size_t y) { return paths[x] < paths[y]; });
  for (size_t i : order) {
    nlohmann::ordered_json* node = &want;
    size_t start = 0;
    for (size_t dot; (dot = paths[i].find('.', start)) != std::string::npos; start = dot + 1)
      node = &(*node)[paths[i].substr(start, dot - start)];
    (*node)[paths[i].substr(start)] = values[i];
    units[paths[i]] = "u";
  }
  want["units"] = units;
  EXPECT_EQ(stats.to_json().dump(), want.dump());
}

TEST(StatsToJson, APathThatIsBothAValueAndAGroupIsAnError) {
  const uint64_t v = 1;
  for (const std::vector<std::string>& paths :
       {std::vector<std::string>{"a.s", "a.s.x"}, std::vector<std::string>{"a.s", "a.s-x", "a.s!", "a.s.x"}}) {
    Stats stats;
    for (const std::string& p : paths) stats.counter(p, &v, "u", "d");
    try {
      (void)stats.to_json();
      ADD_FAILURE() << "no error for " << paths.back();
    } catch (const std::logic_error& e) {
      EXPECT_STREQ(e.what(), "statistic a.s is also a group of statistics");
    }
  }
}

}  // namespace
}  // namespace shadowsel::sim
