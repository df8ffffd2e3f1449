// SPDX-License-Identifier: MIT
#include "shadowsel/sim/stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string_view>
#include <vector>

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

std::vector<Stats::Description> Stats::describe() const {
  std::vector<Description> out;
  out.reserve(entries_.size());
  for (const auto& [path, e] : entries_) {
    const std::string_view kind = e.counter  ? "counter"
                                  : e.dist   ? "distribution"
                                  : e.series ? "series"
                                             : "formula";
    out.push_back({path, e.unit, kind, e.desc});
  }
  return out;
}

namespace {

struct Leaf {
  std::string_view path;
  nlohmann::ordered_json value;
};

// The object of the leaves [first, last), whose paths share their first `offset`
// characters (the keys of the objects above and their dots). The leaves under one key
// are consecutive: the paths are sorted, and every path sorted between two that start
// with "S." starts with "S." too. A path that is both a value and a group ("S" and
// "S.x") is a registration error, found here: "S" comes first, then at most members
// whose keys extend it with characters sorted before '.' ("S-x"), then the group.
// Each object's members are counted before it is filled: an ordered_json object is a
// vector of (const key, value) pairs, whose growth copies every member, subtrees
// included, since the const key makes the move possibly throwing (filling by
// operator[] was three quarters of busy8's stats dump); `spare_members` leaves room for
// members added after.
nlohmann::ordered_json nest(std::vector<Leaf>::iterator first, std::vector<Leaf>::iterator last,
                            size_t offset, size_t spare_members = 0) {
  const auto key_of = [offset](const Leaf& l) {
    const std::string_view rest = l.path.substr(offset);
    return rest.substr(0, rest.find('.'));
  };
  const auto group_end = [&](std::vector<Leaf>::iterator it) {
    const std::string_view key = key_of(*it);
    do ++it;
    while (it != last && key_of(*it) == key);
    return it;
  };
  size_t keys = 0;
  for (auto it = first; it != last; it = group_end(it)) ++keys;
  nlohmann::ordered_json node = nlohmann::ordered_json::object();
  auto& members = node.get_ref<nlohmann::ordered_json::object_t&>();
  members.reserve(keys + spare_members);
  for (auto it = first; it != last;) {
    const std::string_view key = key_of(*it);
    const auto end = group_end(it);
    const bool leaf = it->path.size() == offset + key.size();
    bool value_and_group = leaf && end - it > 1;  // "S", "S.x"
    for (auto m = members.rbegin(); !leaf && m != members.rend() && m->first.starts_with(key); ++m)
      value_and_group = value_and_group || m->first == key;  // "S", "S-x", "S.x"
    if (value_and_group) {
      throw std::logic_error("statistic " + std::string(it->path.substr(0, offset + key.size())) +
                             " is also a group of statistics");
    }
    members.Container::emplace_back(
        std::string(key), leaf ? std::move(it->value) : nest(it, end, offset + key.size() + 1));
    it = end;
  }
  return node;
}

// Rounded so that dumps are stable and readable; simulated figures only.
double round6(double v) { return std::round(v * 1e6) / 1e6; }

}  // namespace

nlohmann::ordered_json Stats::to_json() const {
  std::vector<Leaf> leaves;
  leaves.reserve(entries_.size());
  nlohmann::ordered_json units = nlohmann::ordered_json::object();
  auto& unit_members = units.get_ref<nlohmann::ordered_json::object_t&>();
  unit_members.reserve(entries_.size());
  for (const auto& [path, e] : entries_) {
    nlohmann::ordered_json value;
    if (e.counter) {
      value = *e.counter;
    } else if (e.dist) {
      value = {{"count", e.dist->count()},
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
      value["histogram"] = {
          {"lo", std::move(lo)}, {"hi", std::move(hi)}, {"count", std::move(count)}};
    } else if (e.series) {
      value = {{"window_cycles", e.series->window_cycles()}, {"values", e.series->values()}};
    } else {
      value = round6(e.formula());
    }
    leaves.push_back({path, std::move(value)});
    // paths are unique (the keys of entries_): appended without a search
    unit_members.Container::emplace_back(path, e.unit);
  }
  nlohmann::ordered_json root = nest(leaves.begin(), leaves.end(), 0, 1);
  root["units"] = std::move(units);
  return root;
}

}  // namespace shadowsel::sim
