// SPDX-License-Identifier: MIT
// The statistics registry. Each model owns its counters and distributions and
// registers them here under a dotted path with a unit and a description (as
// gem5's statistics groups do); the registry dumps them as JSON in path order.
// Only simulated figures belong here: the same scenario and seed must give a
// byte-identical dump.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace shadowsel::sim {

/// Every sample kept, so percentiles are exact (nearest-rank).
class Distribution {
 public:
  void sample(uint64_t v) { samples_.push_back(v); sorted_ = false; }
  uint64_t count() const { return samples_.size(); }
  /// Nearest-rank percentile, p in [0, 100]; 0 when empty.
  uint64_t percentile(double p) const;
  double mean() const;
  uint64_t max() const;
  /// Lower bound of the histogram bucket of `v`: 4 buckets per power of two
  /// (the leading bit and the next two), exact below 4.
  static uint64_t bucket_lo(uint64_t v);
  /// The non-empty buckets in order: {lower bound, upper bound (excluded), samples}.
  struct Bucket {
    uint64_t lo, hi, count;
  };
  std::vector<Bucket> histogram() const;

 private:
  void sort() const;
  mutable std::vector<uint64_t> samples_;
  mutable bool sorted_ = true;
};

/// Busy cycles per fixed window of simulated time, for plots over time. The
/// window starts at kFirstWindow cycles and doubles (neighbours merged) whenever
/// the series would pass kMaxWindows windows, so a run of any length gives at
/// most kMaxWindows points.
class WindowSeries {
 public:
  static constexpr uint64_t kFirstWindow = 1000;
  static constexpr size_t kMaxWindows = 1000;
  /// The cycles [from, to) were busy.
  void add(uint64_t from, uint64_t to);
  uint64_t window_cycles() const { return window_; }
  const std::vector<uint64_t>& values() const { return values_; }

 private:
  uint64_t window_ = kFirstWindow;
  std::vector<uint64_t> values_;
  // The window the last interval ended in, [open_from_, open_from_ + window_): most
  // intervals fall in it, and adding one then takes no division (two 64-bit divisions
  // per transfer were most of what this series cost a busy bus).
  size_t open_ = 0;
  uint64_t open_from_ = 0;
};

class Stats {
 public:
  void counter(const std::string& path, const uint64_t* value, std::string unit, std::string desc);
  void distribution(const std::string& path, const Distribution* d, std::string unit,
                    std::string desc);
  void formula(const std::string& path, std::function<double()> f, std::string unit,
               std::string desc);
  /// Dumped as {"window_cycles": W, "values": [...]}, `unit` per window.
  void series(const std::string& path, const WindowSeries* w, std::string unit, std::string desc);

  /// {"a": {"b": value}} for every registered path, plus "units": {"a.b": unit}.
  nlohmann::ordered_json to_json() const;
  /// The value of one registered counter or formula (tests, summaries).
  double value(const std::string& path) const;

  /// What each registered statistic is, in path order (shadowsel --list-stats).
  struct Description {
    std::string_view path, unit, kind, text;  ///< kind: counter, formula, distribution, series
  };
  std::vector<Description> describe() const;

 private:
  struct Entry {
    const uint64_t* counter = nullptr;
    const Distribution* dist = nullptr;
    std::function<double()> formula;
    std::string unit;
    std::string desc;
    const WindowSeries* series = nullptr;
  };
  void add(const std::string& path, Entry e);
  std::map<std::string, Entry> entries_;
};

}  // namespace shadowsel::sim
