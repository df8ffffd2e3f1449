// SPDX-License-Identifier: MIT
// The timeline (docs/trace.md): flows from a select to its wake-up on every notify path,
// from a message's send to its delivery, counter tracks, and a trace that changes no
// simulated result. Runs the real binary; every trace is validated by check_trace.py.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "trace_check.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// A fresh folder per test, removed afterwards.
fs::path fresh_dir(const std::string& name) {
  const fs::path d = fs::path(testing::TempDir()) / ("shadowsel_trace_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

/// Runs shadowsel on a scenario of tb/scenarios (dedup by default) with `notify`; the
/// trace (if `trace`) is checked.
void run(const fs::path& out, const std::string& notify, const std::optional<fs::path>& trace,
         const std::string& scenario = "dedup", const std::string& extra = "") {
  std::string cmd = std::string("'") + SHADOWSEL_BIN + "' --scenario '" + SHADOWSEL_SOURCE_DIR + "/tb/scenarios/" +
                    scenario + ".toml' --notify " + notify + " --out '" + out.string() + "' " + extra;
  if (trace) cmd += " --trace '" + trace->string() + "'";
  cmd += " > '" + (out.string() + ".log") + "' 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd << "\n" << slurp(out.string() + ".log");
  if (trace) {
    ASSERT_EQ(shadowsel::test::check_trace(trace->string()), "");
  }
}

struct Step {
  std::string name;
  int pid, tid;
  bool in, out;
};

/// Every chain's steps in file order, by bind_id.
std::map<uint64_t, std::vector<Step>> flows(const json& events) {
  std::map<uint64_t, std::vector<Step>> f;
  for (const json& e : events)
    if (e.contains("bind_id"))
      f[e["bind_id"].get<uint64_t>()].push_back({e["name"], e["pid"], e["tid"], e.value("flow_in", false),
                                                 e.value("flow_out", false)});
  return f;
}

bool has(const std::vector<Step>& s, const std::string& name, int pid = -1) {
  for (const Step& x : s)
    if (x.name == name && (pid < 0 || x.pid == pid)) return true;
  return false;
}

class TraceFlows : public testing::TestWithParam<std::string> {};

// dedup: 64 waiters on CPU 0 select a FIFO whose real structure is on CPU 1 (pids 100, 101).
TEST_P(TraceFlows, ASelectFlowsToTheOwnerAndItsWakeUpToTheWaiter) {
  const std::string notify = GetParam();
  const fs::path d = fresh_dir("flows_" + notify);
  run(d / "out", notify, d / "trace.json");
  if (HasFatalFailure()) return;
  const json doc = json::parse(slurp(d / "trace.json"));
  const auto f = flows(doc["traceEvents"]);
  // The subscription: from the select on CPU 0, over the bus (pid 1), to the owner (CPU 1)
  // and back to CPU 0 with its answer.
  const std::string packet = notify == "sw" ? "MSG" : "NE_SUBSCRIBE";
  bool subscribe = false, wake = false;
  for (const auto& [id, steps] : f) {
    if (steps.front().name == "select" && steps.front().pid == 100 && !steps.front().in && has(steps, packet, 1) &&
        has(steps, notify == "sw" ? "receive" : "ring record", 101) && steps.back().pid == 100 && steps.back().in &&
        !steps.back().out)
      subscribe = true;
    // The wake-up: from the handler that took the notification to the waiter's call.
    if (steps.size() == 2 && steps[0].name == "wake" && steps[0].out && steps[1].name == "woken" && steps[1].in &&
        steps[1].pid == 100)
      wake = true;
  }
  EXPECT_TRUE(subscribe) << "no flow select (CPU 0) -> " << packet << " -> owner (CPU 1) -> CPU 0";
  EXPECT_TRUE(wake) << "no flow wake -> woken on CPU 0";
  // The notification: from the change on CPU 1, over the bus, to CPU 0.
  bool notification = false;
  for (const auto& [id, steps] : f)
    if (steps.front().pid == 101 && has(steps, notify == "sw" ? "MSG" : "NE_NOTIFY", 1) && steps.back().pid == 100)
      notification = true;
  EXPECT_TRUE(notification) << "no flow from CPU 1 over the bus to CPU 0";
}

INSTANTIATE_TEST_SUITE_P(Paths, TraceFlows, testing::Values("sw", "model", "rtl", "lockstep"));

// Every shipped scenario's trace (its first 2 million cycles) passes the checker, on the
// agents and on the engine.
class TraceScenarios : public testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(TraceScenarios, TheTracePassesTheChecker) {
  const auto& [scenario, notify] = GetParam();
  const fs::path d = fresh_dir("scenario_" + scenario + "_" + notify);
  run(d / "out", notify, d / "trace.json", scenario, "--max-cycles 2000000");
}

INSTANTIATE_TEST_SUITE_P(Shipped, TraceScenarios,
                         testing::Combine(testing::Values("busy8", "dedup", "idle_gap", "net_contention", "net_echo",
                                                          "net_echo_udp", "net_server", "pipeline", "ring4",
                                                          "socket_contention", "socket_server", "tty_echo"),
                                          testing::Values("sw", "rtl")),
                         [](const auto& info) {
                           return std::get<0>(info.param) + "_" + std::get<1>(info.param);
                         });

TEST(TraceFlows, AMessageFlowsFromItsSendToItsDelivery) {
  const fs::path d = fresh_dir("msg");
  run(d / "out", "sw", d / "trace.json");
  if (HasFatalFailure()) return;
  const json doc = json::parse(slurp(d / "trace.json"));
  bool request = false;
  for (const auto& [id, steps] : flows(doc["traceEvents"])) {
    // A remote request: send, its packets, the delivery in the receiver's interrupt, the
    // receive; then the reply back to the caller.
    std::vector<std::string> names;
    for (const Step& s : steps) names.push_back(s.name);
    auto at = [&](const std::string& n, size_t from) {
      for (size_t i = from; i < names.size(); ++i)
        if (names[i] == n) return i;
      return names.size();
    };
    const size_t send = at("send request", 0), msg = at("MSG", send), deliver = at("deliver", msg),
                 receive = at("receive", deliver), reply = at("send reply", receive),
                 back = at("receive", reply);
    if (back < names.size() && steps[deliver].tid == 0 && steps[deliver].pid != steps[send].pid &&
        steps[back].pid == steps[send].pid)
      request = true;
  }
  EXPECT_TRUE(request) << "no flow send request -> MSG -> deliver -> receive -> send reply -> receive";
}

TEST(TraceCounters, LanesRunnableRingAndMessagesInFlight) {
  const fs::path d = fresh_dir("counters");
  run(d / "out", "rtl", d / "trace.json");
  if (HasFatalFailure()) return;
  const json doc = json::parse(slurp(d / "trace.json"));
  std::map<std::string, std::set<int>> counters;  // name -> pids
  double peak_util = 0;
  for (const json& e : doc["traceEvents"]) {
    if (e["ph"] != "C") continue;
    counters[e["name"]].insert(e["pid"].get<int>());
    if (e["name"] == "lane X utilisation") peak_util = std::max(peak_util, e["args"]["percent"].get<double>());
  }
  EXPECT_EQ(counters["lane X utilisation"], std::set<int>{1});
  EXPECT_EQ(counters["runnable"], (std::set<int>{100, 101}));
  EXPECT_EQ(counters["notify ring"], (std::set<int>{100, 101}));
  EXPECT_EQ(counters["messages in flight"], std::set<int>{2});
  EXPECT_GT(peak_util, 0.0);
  EXPECT_LE(peak_util, 100.0);
}

// A trace is bookkeeping only: the same run without it gives the same stats.json.
TEST(TraceCost, ATraceChangesNoSimulatedResult) {
  for (const char* notify : {"sw", "rtl"}) {
    const fs::path d = fresh_dir(std::string("same_") + notify);
    run(d / "with", notify, d / "trace.json");
    run(d / "without", notify, std::nullopt);
    if (HasFatalFailure()) return;
    EXPECT_EQ(slurp(d / "with" / "stats.json"), slurp(d / "without" / "stats.json")) << notify;
    EXPECT_FALSE(slurp(d / "with" / "stats.json").empty());
  }
}

}  // namespace
