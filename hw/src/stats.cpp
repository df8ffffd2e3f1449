// SPDX-License-Identifier: MIT
#include "shadowsel/sim/stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace shadowsel::sim {

uint64_t Distribution::percentile(double p) const {
  if (samples_.empty()) return 0;
  if (!sorted_) {
    std::sort(samples_.begin(), samples_.end());
    sorted_ = true;
  }
  // Nearest rank: the smallest sample with at least p% of samples <= it.
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * samples_.size()));
  rank = std::clamp<size_t>(rank, 1, samples_.size());
  return samples_[rank - 1];
}

double Distribution::mean() const {
  if (samples_.empty()) return 0;
  return std::accumulate(samples_.begin(), samples_.end(), 0.0) / samples_.size();
}

uint64_t Distribution::max() const {
  return samples_.empty() ? 0 : *std::max_element(samples_.begin(), samples_.end());
}

void Stats::add(const std::string& path, Entry e) {
  if (!entries_.emplace(path, std::move(e)).second) {
    throw std::logic_error("statistic registered twice: " + path);
  }
}

void Stats::counter(const std::string& path, const uint64_t* value, std::string unit,
                    std::string desc) {
  add(path, Entry{value, nullptr, {}, std::move(unit), std::move(desc)});
}

void Stats::distribution(const std::string& path, const Distribution* d, std::string unit,
                         std::string desc) {
  add(path, Entry{nullptr, d, {}, std::move(unit), std::move(desc)});
}

void Stats::formula(const std::string& path, std::function<double()> f, std::string unit,
                    std::string desc) {
  add(path, Entry{nullptr, nullptr, std::move(f), std::move(unit), std::move(desc)});
}

double Stats::value(const std::string& path) const {
  auto it = entries_.find(path);
  if (it == entries_.end()) throw std::out_of_range("no statistic " + path);
  if (it->second.counter) return static_cast<double>(*it->second.counter);
  if (it->second.formula) return it->second.formula();
  throw std::out_of_range("statistic " + path + " is a distribution");
}

namespace {

nlohmann::ordered_json& at_path(nlohmann::ordered_json& root, const std::string& path) {
  nlohmann::ordered_json* node = &root;
  size_t start = 0;
  for (;;) {
    const size_t dot = path.find('.', start);
    node = &(*node)[path.substr(start, dot - start)];
    if (dot == std::string::npos) return *node;
    start = dot + 1;
  }
}

// Rounded so that dumps are stable and readable; simulated figures only.
double round6(double v) { return std::round(v * 1e6) / 1e6; }

}  // namespace

nlohmann::ordered_json Stats::to_json() const {
  nlohmann::ordered_json root = nlohmann::ordered_json::object();
  nlohmann::ordered_json units = nlohmann::ordered_json::object();
  for (const auto& [path, e] : entries_) {
    auto& slot = at_path(root, path);
    if (e.counter) {
      slot = *e.counter;
    } else if (e.dist) {
      slot = {{"count", e.dist->count()},
              {"p50", e.dist->percentile(50)},
              {"p99", e.dist->percentile(99)},
              {"max", e.dist->max()},
              {"mean", round6(e.dist->mean())}};
    } else {
      slot = round6(e.formula());
    }
    units[path] = e.unit;
  }
  root["units"] = std::move(units);
  return root;
}

}  // namespace shadowsel::sim
