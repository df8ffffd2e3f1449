// SPDX-License-Identifier: MIT
// scenario_json (the scenario part of config.json) and scenario_keys: every key
// the reader knows is shown, where the file puts it, with the value the file
// gave; and docs/scenarios.md documents every one of them.
#include <algorithm>
#include <filesystem>
#include <functional>
#include <sstream>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include "shadowsel/tb/scenario.h"

#ifndef SHADOWSEL_TEST_DATA_DIR
#error "SHADOWSEL_TEST_DATA_DIR must name tests/data"
#endif
#ifndef SHADOWSEL_DOCS_DIR
#error "SHADOWSEL_DOCS_DIR must name docs"
#endif

namespace shadowsel::tb {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

const fs::path kEveryKey = fs::path(SHADOWSEL_TEST_DATA_DIR) / "config" / "every_key.toml";

// "bus.width_bytes" -> /bus/width_bytes
json::json_pointer pointer(const std::string& key) {
  std::string p = "/" + key;
  for (char& c : p)
    if (c == '.') c = '/';
  return json::json_pointer(p);
}

// A TOML value as JSON, to compare with what scenario_json shows.
json from_toml(const toml::node& n) {
  if (const auto* t = n.as_table()) {
    json o = json::object();
    for (auto&& [k, v] : *t) o[std::string(k.str())] = from_toml(v);
    return o;
  }
  if (const auto* a = n.as_array()) {
    json arr = json::array();
    for (const toml::node& e : *a) arr.push_back(from_toml(e));
    return arr;
  }
  if (const auto* i = n.as_integer()) return i->get();
  if (const auto* f = n.as_floating_point()) return f->get();
  if (const auto* b = n.as_boolean()) return b->get();
  if (const auto* s = n.as_string()) return s->get();
  ADD_FAILURE() << "unexpected TOML type at line " << n.source().begin.line;
  return nullptr;
}

json every_key_file() {
  std::ifstream in(kEveryKey);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return from_toml(toml::parse(text, kEveryKey.string()));
}

TEST(ScenarioKeys, ListsTablesDotted) {
  const std::vector<std::string> keys = scenario_keys();
  const std::set<std::string> set(keys.begin(), keys.end());
  EXPECT_EQ(set.size(), keys.size()) << "a key listed twice";
  for (const char* k : {"cpus", "seed", "notify", "bus.width_bytes", "costs.irq_entry", "liveness.period_cycles",
                        "network.io_backup_cpu", "hosts.protocol", "tty.input", "workload.kind", "faults"})
    EXPECT_TRUE(set.count(k)) << k;
  EXPECT_FALSE(set.count("bus")) << "a table is listed by its keys, not itself";
}

// The default scenario shows a value for every key (a key whose show is missing
// throws here), and nothing else.
TEST(ScenarioJson, DefaultShowsEveryKeyAndNothingElse) {
  const json j = scenario_json(Scenario{});
  const std::vector<std::string> keys = scenario_keys();
  for (const std::string& key : keys) EXPECT_TRUE(j.contains(pointer(key))) << key << " is missing";
  auto known = [&](const std::string& k) { return std::find(keys.begin(), keys.end(), k) != keys.end(); };
  for (const auto& [name, value] : j.items()) {
    if (!value.is_object()) {
      EXPECT_TRUE(known(name)) << name << " is not a scenario key";
      continue;
    }
    for (const auto& [key, v] : value.items()) EXPECT_TRUE(known(name + "." + key)) << name << "." << key;
  }
  EXPECT_EQ(j.at("bus").at("width_bytes"), hw::BusParams{}.width_bytes);
  EXPECT_EQ(j.at("costs").at("context_switch"), hw::CostTable::defaults().context_switch);
  EXPECT_TRUE(j.at("network").at("io_backup_cpu").is_null()) << "no backup: null";
  EXPECT_EQ(j.at("faults"), json::array());
}

// The test file gives every key, each unlike its default.
TEST(ScenarioJson, TestFileGivesEveryKeyUnlikeItsDefault) {
  const json file = every_key_file();
  const json defaults = scenario_json(Scenario{});
  for (const std::string& key : scenario_keys()) {
    ASSERT_TRUE(file.contains(pointer(key))) << kEveryKey << " does not give " << key;
    EXPECT_NE(file.at(pointer(key)), defaults.at(pointer(key))) << key << " is at its default in " << kEveryKey;
  }
}

// Each key shows the value the file gave, where the file put it: a key shown
// from another key's field, or under another name, fails here.
TEST(ScenarioJson, ShowsWhatTheFileGave) {
  const json file = every_key_file();
  const json shown = scenario_json(load_scenario(kEveryKey.string()));
  for (const std::string& key : scenario_keys()) {
    const json::json_pointer p = pointer(key);
    ASSERT_TRUE(shown.contains(p)) << key;
    // Compared without key order (TOML tables are sorted by name).
    EXPECT_EQ(nlohmann::json::parse(shown.at(p).dump()), nlohmann::json::parse(file.at(p).dump())) << key;
  }
  EXPECT_EQ(shown.size(), file.size()) << shown.dump(2);
}

// What scenario_json shows, written back as TOML, reads as the same scenario.
TEST(ScenarioJson, RoundTripsThroughTheReader) {
  const Scenario s = load_scenario(kEveryKey.string());
  json j = scenario_json(s);
  j.at("network").erase("io_backup_cpu");  // null in JSON; set below, TOML has no null
  std::function<void(const json&, toml::table&)> to_toml;
  std::function<toml::array(const json&)> to_array = [&](const json& a) {
    toml::array out;
    for (const json& e : a) {
      if (e.is_object()) {
        toml::table t;
        to_toml(e, t);
        out.push_back(std::move(t));
      } else {
        out.push_back(e.get<int64_t>());
      }
    }
    return out;
  };
  to_toml = [&](const json& o, toml::table& t) {
    for (const auto& [k, v] : o.items()) {
      if (v.is_object()) {
        toml::table sub;
        to_toml(v, sub);
        t.insert(k, std::move(sub));
      } else if (v.is_array()) {
        t.insert(k, to_array(v));
      } else if (v.is_string()) {
        t.insert(k, v.get<std::string>());
      } else if (v.is_boolean()) {
        t.insert(k, v.get<bool>());
      } else if (v.is_number_float()) {
        t.insert(k, v.get<double>());
      } else {
        t.insert(k, v.get<int64_t>());
      }
    }
  };
  toml::table t;
  to_toml(j, t);
  t["network"].as_table()->insert("io_backup_cpu", int64_t{*s.network.io_backup_cpu});
  std::ostringstream text;
  text << t;
  const Scenario again = load_scenario_text(text.str(), "round-trip");
  EXPECT_EQ(scenario_json(again), scenario_json(s)) << text.str();
}

// Faults given on the command line (kinds the file cannot spell: either lane).
TEST(ScenarioJson, FaultOnEitherLaneHasNoLane) {
  Scenario s;
  Fault f;
  f.kind = FaultKind::kDropAck;
  f.at_cycle = 5;
  f.count = 2;
  s.faults.push_back(f);
  EXPECT_EQ(scenario_json(s).at("faults"), json::parse(R"([{"kind": "drop_ack", "at_cycle": 5, "count": 2}])"));
}

// docs/scenarios.md has a row for each key in its table's section ("Top level",
// "`[bus]`", "`[[faults]]`" ...): the reader's list and the docs cannot drift.
TEST(ScenarioKeys, EveryKeyIsDocumented) {
  std::ifstream in(fs::path(SHADOWSEL_DOCS_DIR) / "scenarios.md");
  ASSERT_TRUE(in) << "docs/scenarios.md";
  std::set<std::string> documented;  // "bus.width_bytes", "faults" for a [[faults]] section
  std::string section;
  bool in_keys = false;
  const std::regex heading(R"(^## (?:Top level|`\[\[?([a-z_.]+)\]\]?`.*))");
  const std::regex row(R"(^\| `([a-z_]+)` \|)");
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (line.rfind("## ", 0) == 0) {
      in_keys = std::regex_match(line, m, heading);
      section = in_keys ? m[1].str() : "";
      if (in_keys && line.find("[[") != std::string::npos) documented.insert(section);
    } else if (in_keys && std::regex_search(line, m, row)) {
      documented.insert(section.empty() ? m[1].str() : section + "." + m[1].str());
    }
  }
  for (const std::string& key : scenario_keys()) EXPECT_TRUE(documented.count(key)) << key << " is not in docs/scenarios.md";
}

}  // namespace
}  // namespace shadowsel::tb
