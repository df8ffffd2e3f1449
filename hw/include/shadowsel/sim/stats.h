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

 private:
  mutable std::vector<uint64_t> samples_;
  mutable bool sorted_ = true;
};

class Stats {
 public:
  void counter(const std::string& path, const uint64_t* value, std::string unit, std::string desc);
  void distribution(const std::string& path, const Distribution* d, std::string unit,
                    std::string desc);
  void formula(const std::string& path, std::function<double()> f, std::string unit,
               std::string desc);

  /// {"a": {"b": value}} for every registered path, plus "units": {"a.b": unit}.
  nlohmann::ordered_json to_json() const;
  /// The value of one registered counter or formula (tests, summaries).
  double value(const std::string& path) const;

 private:
  struct Entry {
    const uint64_t* counter = nullptr;
    const Distribution* dist = nullptr;
    std::function<double()> formula;
    std::string unit;
    std::string desc;
  };
  void add(const std::string& path, Entry e);
  std::map<std::string, Entry> entries_;
};

}  // namespace shadowsel::sim
