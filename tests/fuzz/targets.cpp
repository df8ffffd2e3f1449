// SPDX-License-Identifier: MIT
#include "targets.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "shadowsel/tb/options.h"
#include "shadowsel/tb/scenario.h"

namespace shadowsel::fuzz {
namespace {

// A message a user would see: one line, short enough to read.
std::string check_message(std::string_view msg, std::string_view must_start) {
  if (msg.find('\n') != std::string_view::npos) return fmt::format("message has a newline: {}", msg.substr(0, 300));
  if (msg.size() > 400) return fmt::format("message is {} bytes long: {}", msg.size(), msg.substr(0, 300));
  if (msg.substr(0, must_start.size()) != must_start)
    return fmt::format("message does not start with '{}': {}", must_start, msg.substr(0, 300));
  return "";
}

// Depth of the deepest node under `root` (its children are at depth 1), walked
// without recursion: the point is to find trees deeper than the stack allows.
int tree_depth(const toml::table& root) {
  int deepest = 0;
  std::vector<std::pair<const toml::node*, int>> todo{{&root, 0}};
  while (!todo.empty()) {
    const auto [n, d] = todo.back();
    todo.pop_back();
    deepest = std::max(deepest, d);
    if (const auto* t = n->as_table())
      for (auto&& [k, v] : *t) todo.emplace_back(&v, d + 1);
    else if (const auto* a = n->as_array())
      for (const auto& v : *a) todo.emplace_back(&v, d + 1);
  }
  return deepest;
}

}  // namespace

std::string scenario_one(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string name = "fuzz.toml";
  bool refused_unparsed = false;  // by the checks before parsing: toml++ must not see it
  try {
    tb::load_scenario_text(text, name);
  } catch (const tb::ScenarioError& e) {
    const std::string msg = e.what();
    if (std::string bad = check_message(msg, name); !bad.empty()) return bad;
    refused_unparsed = msg.find(": nested more than ") != std::string::npos ||
                       msg.find(": non-ASCII character ") != std::string::npos ||
                       msg.find(": larger than ") != std::string::npos;
  } catch (const std::exception& e) {
    return fmt::format("{} escaped the reader: {}", typeid(e).name(), e.what());
  }
  // The nesting count is an upper bound of toml++'s depth: what it lets through
  // must not be deeper.
  if (!refused_unparsed) {
    try {
      const toml::table t = toml::parse(text);
      if (const int d = tree_depth(t); d > tb::kScenarioMaxNesting)
        return fmt::format("toml++ built a tree {} deep, past the nesting limit {} the reader checked",
                           d, tb::kScenarioMaxNesting);
    } catch (const toml::parse_error&) {
    }
  }
  return "";
}

namespace {

// What a parsed command line says, as canonical arguments (`--name=value`).
std::vector<std::string> canonical(const tb::CommandLine& cl) {
  std::vector<std::string> a;
  if (cl.scenario) a.push_back("--scenario=" + *cl.scenario);
  if (cl.cpus) a.push_back(fmt::format("--cpus={}", *cl.cpus));
  if (cl.seed) a.push_back(fmt::format("--seed={}", *cl.seed));
  if (cl.freq_mhz) a.push_back(fmt::format("--freq-mhz={}", *cl.freq_mhz));  // shortest exact form
  if (cl.out) a.push_back("--out=" + *cl.out);
  if (cl.notify) a.push_back(fmt::format("--notify={}", tb::to_string(*cl.notify)));
  if (cl.trace) a.push_back("--trace=" + *cl.trace);
  if (cl.max_cycles) a.push_back(fmt::format("--max-cycles={}", *cl.max_cycles));
  if (cl.version) a.push_back("--version");
  for (const tb::Setting& set : cl.sets) a.push_back(fmt::format("--set={}={}", set.key, set.value));
  return a;
}

bool same(const tb::CommandLine& a, const tb::CommandLine& b) {
  const bool freq = a.freq_mhz.has_value() == b.freq_mhz.has_value() &&
                    (!a.freq_mhz || *a.freq_mhz == *b.freq_mhz ||
                     (std::isnan(*a.freq_mhz) && std::isnan(*b.freq_mhz)));
  return freq && a.scenario == b.scenario && a.cpus == b.cpus && a.seed == b.seed && a.out == b.out &&
         a.notify == b.notify && a.trace == b.trace && a.max_cycles == b.max_cycles && a.version == b.version &&
         a.sets.size() == b.sets.size() &&
         std::equal(a.sets.begin(), a.sets.end(), b.sets.begin(), [](const tb::Setting& x, const tb::Setting& y) {
           return x.key == y.key && x.value == y.value;
         });
}

std::string one_option_set(const std::vector<std::string>& args, unsigned accepted) {
  tb::CommandLine cl;
  try {
    cl = tb::parse_command_line(args, accepted);
  } catch (const tb::ScenarioError& e) {
    const std::string msg = e.what();
    return check_message(msg, msg.rfind("unexpected argument '", 0) == 0 ? "unexpected argument '" : "-");
  } catch (const std::exception& e) {
    return fmt::format("{} escaped the option parser: {}", typeid(e).name(), e.what());
  }
  if (cl.help) return "";
  if (cl.cpus && (*cl.cpus < hw::kMinCpus || *cl.cpus > hw::kMaxCpus)) return fmt::format("--cpus {} accepted", *cl.cpus);
  for (const auto* path : {&cl.scenario, &cl.out, &cl.trace})
    if (*path && (*path)->empty()) return "an empty path accepted";
  // Exact conversions: the canonical form parses to the same values.
  try {
    if (!same(cl, tb::parse_command_line(canonical(cl), accepted))) return "canonical form parses differently";
  } catch (const tb::ScenarioError& e) {
    return fmt::format("canonical form refused: {}", e.what());
  }
  // Overrides on top of a scenario (not read from disk: the path is only a name;
  // --set values go through the scenario reader, on the built-in default).
  if (!cl.sets.empty() && cl.scenario) return "";
  try {
    const tb::Scenario s = tb::scenario_for(cl, [](const std::string& path, const std::vector<tb::Setting>& sets) {
      return tb::load_scenario_text("", path, sets);  // the built-in default, named `path`
    });
    if (cl.seed && s.machine.seed != *cl.seed) return "--seed not applied exactly";
    tb::validate_machine(s.machine, "--cpus");
  } catch (const tb::ScenarioError& e) {
    return check_message(e.what(), "--");
  } catch (const std::exception& e) {
    return fmt::format("{} escaped scenario_for: {}", typeid(e).name(), e.what());
  }
  return "";
}

}  // namespace

std::string options_one(const uint8_t* data, size_t size) {
  std::vector<std::string> args;
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  while (!rest.empty() && args.size() < 64) {
    const size_t nul = rest.find('\0');
    args.emplace_back(rest.substr(0, nul));
    rest.remove_prefix(nul == std::string_view::npos ? rest.size() : nul + 1);
  }
  for (unsigned accepted : {tb::kShadowselOptions, tb::kProgramOptions})
    if (std::string bad = one_option_set(args, accepted); !bad.empty()) return bad;
  return "";
}

}  // namespace shadowsel::fuzz
