// SPDX-License-Identifier: MIT
#include "shadowsel/sim/stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string_view>

namespace shadowsel::sim {

void Distribution::sort() const {
  if (!sorted_) {
    std::sort(samples_.begin(), samples_.end());
    sorted_ = true;
  }
}

uint64_t Distribution::bucket_lo(uint64_t v) {
  if (v < 4) return v;
  const int shift = 63 - __builtin_clzll(v) - 2;
  return (v >> shift) << shift;
}

std::vector<Distribution::Bucket> Distribution::histogram() const {
  sort();
  std::vector<Bucket> out;
  for (uint64_t v : samples_) {
    const uint64_t lo = bucket_lo(v);
    if (out.empty() || out.back().lo != lo) {
      const uint64_t width = lo < 4 ? 1 : uint64_t{1} << (63 - __builtin_clzll(lo) - 2);
      out.push_back({lo, lo + width, 0});
    }
    ++out.back().count;
  }
  return out;
}

void WindowSeries::add(uint64_t from, uint64_t to) {
  if (to <= from) return;
  if (from >= open_from_ && to - open_from_ <= window_ && open_ < values_.size()) {
    values_[open_] += to - from;
    return;
  }
  while ((to - 1) / window_ >= kMaxWindows) {
    // Twice the window: neighbouring windows merged.
    for (size_t i = 0; i < values_.size(); i += 2)
      values_[i / 2] = values_[i] + (i + 1 < values_.size() ? values_[i + 1] : 0);
    values_.resize((values_.size() + 1) / 2);
    window_ *= 2;
  }
  const size_t last = static_cast<size_t>((to - 1) / window_);
  if (values_.size() <= last) values_.resize(last + 1, 0);
  for (uint64_t w = from / window_; w <= last; ++w)
    values_[w] += std::min(to, (w + 1) * window_) - std::max(from, w * window_);
  open_ = last;
  open_from_ = last * window_;
}

uint64_t Distribution::percentile(double p) const {
  if (samples_.empty()) return 0;
  sort();
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
  // stats.json promises a unit beside every figure (docs/outputs.md).
  if (e.unit.empty()) throw std::logic_error("statistic registered without a unit: " + path);
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

void Stats::series(const std::string& path, const WindowSeries* w, std::string unit, std::string desc) {
  Entry e;
  e.series = w;
  e.unit = std::move(unit);
  e.desc = std::move(desc);
  add(path, std::move(e));
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
  throw std::out_of_range("statistic " + path + " is a distribution or a series");
}

namespace {

// The member `key` of object `node`, added if missing. Paths come in sorted order, so
// the member wanted is nearly always the last one added: an ordered_json object is a
// vector searched from the front, which made dumping n stats O(n^2).
nlohmann::ordered_json& member(nlohmann::ordered_json& node, std::string_view key) {
  if (node.is_object()) {
    auto& members = node.get_ref<nlohmann::ordered_json::object_t&>();
    if (!members.empty() && members.back().first == key) return members.back().second;
  }
  return node[std::string(key)];
}

nlohmann::ordered_json& at_path(nlohmann::ordered_json& root, std::string_view path) {
  nlohmann::ordered_json* node = &root;
  size_t start = 0;
  for (;;) {
    const size_t dot = path.find('.', start);
    node = &member(*node, path.substr(start, dot - start));
    if (dot == std::string_view::npos) return *node;
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
      // For plots of the distribution (docs/report.md): non-empty buckets, 4 per power of two.
      nlohmann::ordered_json lo = nlohmann::ordered_json::array(), hi = lo, count = lo;
      for (const Distribution::Bucket& b : e.dist->histogram()) {
        lo.push_back(b.lo);
        hi.push_back(b.hi);
        count.push_back(b.count);
      }
      slot["histogram"] = {{"lo", std::move(lo)}, {"hi", std::move(hi)}, {"count", std::move(count)}};
    } else if (e.series) {
      slot = {{"window_cycles", e.series->window_cycles()}, {"values", e.series->values()}};
    } else {
      slot = round6(e.formula());
    }
    // paths are unique (the keys of entries_): appended without a search
    units.get_ref<nlohmann::ordered_json::object_t&>().Container::emplace_back(path, e.unit);
  }
  root["units"] = std::move(units);
  return root;
}

}  // namespace shadowsel::sim
