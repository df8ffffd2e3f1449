// SPDX-License-Identifier: MIT
// Distributed select (the seed's claims 2, 23, 24 and its Figs. 3 and 5),
// seen through the counters of the POSIX layer and the pipe agents:
//  - one request per (connection, event) and CPU, however many processes or
//    descriptors of one process wait for it; the rest are answered from the
//    select database;
//  - one notification from the owner wakes every waiter through its ready
//    list, with no rescan;
//  - answers go to the agent, so a caller that timed out or exited meanwhile
//    is harmless;
//  - poll() reports for remote descriptors what select() does;
//  - local descriptors cost no agent message;
//  - a notification queued right behind an answer from the select database
//    is not lost (SelectRace below).
// Programs run as simulated POSIX processes and record what they saw in
// globals (one Simulation per test process); the test body checks them and
// the statistics after the run.
//
// Every test runs on each notify path (sw, model, rtl, lockstep) with the same
// select/poll results. On the
// engine paths the select hot path is the notify engine's driver
// (driver/src/ne_driver.cpp): the figures named like the agent's count the
// agent's and the driver's together (an ARM that sends NE_SUBSCRIBE is a
// request sent, a NOTIFY record a notification received).
#include <gtest/gtest.h>

#define SHADOWSEL_POSIX_NO_RENAME
#include "shadowsel/posix/posix.h"

#include <algorithm>
#include <cstdlib>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "child.h"
#include "shadowsel/driver/ne_driver.h"
#include "shadowsel/hw/time.h"
#include "shadowsel/tb/simulation.h"
#include "on_each_path.h"

namespace shadowsel::test {
namespace {

constexpr uint32_t kCyclesPerUs = 500;  // the default 500 MHz clock

tb::Scenario scenario(uint32_t cpus) {
  tb::Scenario s;
  s.machine.cpus = cpus;
  s.notify = g_path;
  EXPECT_EQ(s.machine.freq_mhz, 500.0);
  return s;
}


// The select hot path's figure on `cpu`: the pipe agent's, plus the engine driver's.
uint64_t pipe_agent(tb::Simulation& sim, uint32_t cpu, const std::string& what) {
  const std::string c = "cpu." + std::to_string(cpu);
  uint64_t v = stat(sim, c + ".agent.pipe." + what);
  static const std::set<std::string> kDriver = {"requests_sent", "requests_suppressed", "answers_received",
                                                "notifications_received", "waiters_woken"};
  // The owner's answers and notifications: the engine's packets, whether a command of
  // the driver or the engine itself (a published pipe) sent them.
  static const std::map<std::string, std::string> kEngine = {{"answers_sent", ".ne.tx_answers"},
                                                             {"notifications_sent", ".ne.tx_notifies"}};
  if (sim.engine(cpu) && kDriver.count(what)) v += stat(sim, c + ".ne_driver." + what);
  if (sim.engine(cpu) && kEngine.count(what)) v += stat(sim, c + kEngine.at(what));
  return v;
}

// Machine-wide select.* totals: the agents' plus the drivers' (select.ne.*).
uint64_t select_total(tb::Simulation& sim, const std::string& what) {
  uint64_t v = stat(sim, "select." + what);
  if (sim.engine(0)) v += stat(sim, "select.ne." + what);
  return v;
}

// The same figures read live by a simulated program.
uint64_t live(tb::Simulation& sim, uint32_t cpu, uint64_t fw::AgentCounters::*a,
              uint64_t drv::NeDriverCounters::*d) {
  uint64_t v = sim.services(cpu).pipes.counters().*a;
  if (drv::NeDriver* ne = sim.posix(cpu).ne_driver()) v += ne->counters().*d;
  return v;
}

uint64_t posix(tb::Simulation& sim, uint32_t cpu, const std::string& what) {
  return stat(sim, "cpu." + std::to_string(cpu) + ".posix." + what);
}

// select() for read on one descriptor; returns the count, sets *isset.
int select_read(int fd, struct timeval* tv, bool* isset) {
  fd_set r;
  FD_ZERO(&r);
  FD_SET(fd, &r);
  const int n = shadowsel_select(fd + 1, &r, nullptr, nullptr, tv);
  *isset = n >= 0 && FD_ISSET(fd, &r);
  return n;
}

// --- fan-out: N processes on CPU 0 select on one pipe of CPU 1 -------------------------

struct Fanout {
  int data[2] = {-1, -1};
  int spawned = 0;
  int children_ok = 0;        // children whose select returned 1 with the bit set
  int children_exited_ok = 0; // waitpid statuses 0
  uint64_t agent_items_before_write = 0;  // requests sent + suppressed on CPU 0
  uint64_t scanned_before_write = 0;      // cpu.0.posix.fds_scanned
  uint64_t woken_before_write = 0;
  uint64_t write_at = 0;
  int64_t written = 0;
  uint64_t earliest_return = UINT64_MAX;
  uint64_t latest_return = 0;
};
Fanout g_fan;

int fan_child(void*) {
  bool isset = false;
  const int n = select_read(g_fan.data[0], nullptr, &isset);
  const uint64_t t = hw::now_cycles();
  g_fan.earliest_return = std::min(g_fan.earliest_return, t);
  g_fan.latest_return = std::max(g_fan.latest_return, t);
  const bool ok = n == 1 && isset;
  g_fan.children_ok += ok;
  return ok ? 0 : 1;
}

// Runs the scenario: N children on CPU 0, pipe and writer on CPU 1.
void run_fanout(tb::Simulation& sim, int n) {
  g_fan = Fanout{};
  drv::PosixKernel& px0 = sim.posix(0);
  drv::Process& parent = sim.posix(1).start_program("parent", [n, &px0, &sim] {
    if (shadowsel_pipe(g_fan.data) != 0) return 1;
    std::vector<pid_t> pids;
    for (int i = 0; i < n; ++i) {
      const pid_t pid = shadowsel_spawn(0, &fan_child, nullptr);
      if (pid <= 0) return 2;
      pids.push_back(pid);
      ++g_fan.spawned;
    }
    shadowsel_usleep(2000);  // 1,000,000 cycles: every child is blocked
    using A = fw::AgentCounters;
    using D = drv::NeDriverCounters;
    g_fan.agent_items_before_write = live(sim, 0, &A::requests_sent, &D::requests_sent) +
                                     live(sim, 0, &A::requests_suppressed, &D::requests_suppressed);
    g_fan.scanned_before_write = px0.counters().fds_scanned;
    g_fan.woken_before_write = live(sim, 0, &A::waiters_woken, &D::waiters_woken);
    g_fan.write_at = hw::now_cycles();
    g_fan.written = shadowsel_write(g_fan.data[1], "!", 1);
    for (pid_t pid : pids) {
      int status = -1;
      if (shadowsel_waitpid(pid, &status, 0) != pid) return 3;
      g_fan.children_exited_ok += WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    return 0;
  });
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  ASSERT_EQ(sim.posix(1).program_status(parent.pid()), std::optional<int>(0));
  ASSERT_EQ(g_fan.spawned, n);
  EXPECT_EQ(g_fan.written, 1);
  EXPECT_EQ(g_fan.children_ok, n);
  EXPECT_EQ(g_fan.children_exited_ok, n);
  // Before the write every child's item had reached the agent and every child
  // had done its scan (so it was blocked), and nobody had been woken.
  EXPECT_EQ(g_fan.agent_items_before_write, static_cast<uint64_t>(n));
  EXPECT_EQ(g_fan.scanned_before_write, static_cast<uint64_t>(n));
  EXPECT_EQ(g_fan.woken_before_write, 0u);
  EXPECT_GT(g_fan.earliest_return, g_fan.write_at);
}

class SelectFanout : public testing::TestWithParam<std::tuple<int, tb::NotifyPath>> {
 protected:
  void SetUp() override { use_path(std::get<1>(GetParam())); }
};

// Claims 2 and 24: N processes on one CPU wait for the same (pipe, read) of
// another CPU: one request goes out, N-1 are answered from the select
// database; one notification comes back and the distributor wakes all N.
TEST_P(SelectFanout, OneRequestAndOneNotificationServeEveryProcess) {
  const int n = std::get<0>(GetParam());
  tb::Simulation sim(scenario(2));
  run_fanout(sim, n);
  if (HasFatalFailure()) return;
  const uint64_t un = static_cast<uint64_t>(n);
  EXPECT_EQ(pipe_agent(sim, 0, "requests_sent"), 1u);
  EXPECT_EQ(pipe_agent(sim, 0, "requests_suppressed"), un - 1);
  EXPECT_EQ(pipe_agent(sim, 0, "answers_received"), 1u);
  EXPECT_EQ(pipe_agent(sim, 0, "notifications_received"), 1u);
  EXPECT_EQ(pipe_agent(sim, 0, "waiters_woken"), un);
  EXPECT_EQ(pipe_agent(sim, 1, "answers_sent"), 1u);
  EXPECT_EQ(pipe_agent(sim, 1, "notifications_sent"), 1u);
  EXPECT_EQ(pipe_agent(sim, 1, "requests_sent"), 0u);
  EXPECT_EQ(select_total(sim, "requests_sent"), 1u);
  EXPECT_EQ(select_total(sim, "requests_suppressed"), un - 1);
  EXPECT_EQ(select_total(sim, "notifications"), 1u);
  std::printf("fanout N=%d: requests_sent %llu suppressed %llu notifications %llu woken %llu\n", n,
              (unsigned long long)pipe_agent(sim, 0, "requests_sent"),
              (unsigned long long)pipe_agent(sim, 0, "requests_suppressed"),
              (unsigned long long)pipe_agent(sim, 0, "notifications_received"),
              (unsigned long long)pipe_agent(sim, 0, "waiters_woken"));
}

// The woken selects read their ready lists: no rescan, and the only
// descriptors ever scanned are the one each select scanned at its start.
TEST_P(SelectFanout, RemoteWakeIsAnsweredFromTheReadyListWithoutRescan) {
  const int n = std::get<0>(GetParam());
  tb::Simulation sim(scenario(2));
  run_fanout(sim, n);
  if (HasFatalFailure()) return;
  const uint64_t un = static_cast<uint64_t>(n);
  EXPECT_EQ(posix(sim, 0, "selects"), un);
  EXPECT_EQ(posix(sim, 0, "rescans"), 0u);
  EXPECT_EQ(posix(sim, 0, "ready_list_wakes"), un);
  EXPECT_EQ(posix(sim, 0, "fds_scanned"), un);  // one descriptor, one scan per child
  EXPECT_EQ(posix(sim, 0, "local_notifications"), 0u);
  EXPECT_EQ(posix(sim, 1, "selects"), 0u);
  std::printf("fanout N=%d: cpu0 selects %llu fds_scanned %llu rescans %llu ready_list_wakes %llu\n",
              n, (unsigned long long)posix(sim, 0, "selects"),
              (unsigned long long)posix(sim, 0, "fds_scanned"),
              (unsigned long long)posix(sim, 0, "rescans"),
              (unsigned long long)posix(sim, 0, "ready_list_wakes"));
}

// Each remote wake is one sample of the wake latency: the write on CPU 1 to
// the return of the select on CPU 0.
TEST_P(SelectFanout, RemoteWakeLatencyIsRecordedPerWake) {
  const int n = std::get<0>(GetParam());
  tb::Simulation sim(scenario(2));
  run_fanout(sim, n);
  if (HasFatalFailure()) return;
  const auto j = sim.stats().to_json();
  const auto& remote = j["select"]["remote_wake_latency_cycles"];
  EXPECT_EQ(remote["count"].get<uint64_t>(), static_cast<uint64_t>(n));
  EXPECT_GT(remote["p50"].get<uint64_t>(), 0u);
  EXPECT_GE(remote["max"].get<uint64_t>(), remote["p50"].get<uint64_t>());
  // The pipe changed inside the write call: every sample is at most its
  // child's return less the write call's start.
  const auto& d = sim.recorder().remote_wake_latency();
  EXPECT_GT(d.percentile(0), 0u);
  EXPECT_LE(d.percentile(0), g_fan.earliest_return - g_fan.write_at);
  EXPECT_LE(d.max(), g_fan.latest_return - g_fan.write_at);
  EXPECT_EQ(sim.recorder().remote_wake_latency().percentile(50), remote["p50"].get<uint64_t>());
  EXPECT_EQ(j["select"]["local_wake_latency_cycles"]["count"].get<uint64_t>(), 0u);
  std::printf("fanout N=%d: remote_wake_latency_cycles %s\n", n, remote.dump().c_str());
}

INSTANTIATE_TEST_SUITE_P(Children, SelectFanout, testing::Combine(testing::Values(1, 8, 64), kPaths),
                         [](const auto& i) {
                           return "N" + std::to_string(std::get<0>(i.param)) + "_" +
                                  tb::to_string(std::get<1>(i.param));
                         });

// --- one process, eight descriptors of one remote pipe (claim 23) ------------------------

struct Dups {
  int data[2] = {-1, -1};
  int fds[8] = {};
  int dup_fail = 0;
  int ret = -2;
  int bits = 0;
  int child_status = -1;
};
Dups g_dups;

int dups_child(void*) {
  g_dups.fds[0] = g_dups.data[0];
  for (int i = 1; i < 8; ++i) {
    g_dups.fds[i] = shadowsel_dup(g_dups.data[0]);
    g_dups.dup_fail += g_dups.fds[i] < 0;
  }
  fd_set r;
  FD_ZERO(&r);
  int maxfd = 0;
  for (int fd : g_dups.fds) {
    FD_SET(fd, &r);
    maxfd = std::max(maxfd, fd);
  }
  g_dups.ret = shadowsel_select(maxfd + 1, &r, nullptr, nullptr, nullptr);
  for (int fd : g_dups.fds) g_dups.bits += FD_ISSET(fd, &r) ? 1 : 0;
  return 0;
}

class SelectSameProcess : public OnEachPath {};

TEST_P(SelectSameProcess, EightDescriptorsOfOneRemotePipeCostOneRequest) {
  g_dups = Dups{};
  tb::Simulation sim(scenario(2));
  drv::Process& parent = sim.posix(1).start_program("parent", [] {
    if (shadowsel_pipe(g_dups.data) != 0) return 1;
    const pid_t pid = shadowsel_spawn(0, &dups_child, nullptr);
    if (pid <= 0) return 2;
    shadowsel_usleep(2000);
    if (shadowsel_write(g_dups.data[1], "!", 1) != 1) return 3;
    if (shadowsel_waitpid(pid, &g_dups.child_status, 0) != pid) return 4;
    return 0;
  });
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  ASSERT_EQ(sim.posix(1).program_status(parent.pid()), std::optional<int>(0));
  EXPECT_EQ(g_dups.child_status, 0);
  EXPECT_EQ(g_dups.dup_fail, 0);
  EXPECT_EQ(g_dups.ret, 8);
  EXPECT_EQ(g_dups.bits, 8);
  EXPECT_EQ(pipe_agent(sim, 0, "requests_sent"), 1u);
  EXPECT_EQ(pipe_agent(sim, 0, "requests_suppressed"), 7u);
  EXPECT_EQ(pipe_agent(sim, 0, "answers_received"), 1u);
  EXPECT_EQ(pipe_agent(sim, 0, "notifications_received"), 1u);
  EXPECT_EQ(pipe_agent(sim, 0, "waiters_woken"), 8u);
  EXPECT_EQ(pipe_agent(sim, 1, "answers_sent"), 1u);
  EXPECT_EQ(pipe_agent(sim, 1, "notifications_sent"), 1u);
  EXPECT_EQ(posix(sim, 0, "selects"), 1u);
  EXPECT_EQ(posix(sim, 0, "fds_scanned"), 8u);
  EXPECT_EQ(posix(sim, 0, "rescans"), 0u);
  EXPECT_EQ(posix(sim, 0, "ready_list_wakes"), 1u);
  EXPECT_EQ(sim.recorder().remote_wake_latency().count(), 1u);
}

// --- local: both ends on one CPU -----------------------------------------------------------

struct Local {
  int data[2] = {-1, -1};
  int ret = -2;
  bool isset = false;
  int child_status = -1;
};
Local g_local;

int local_child(void*) {
  g_local.ret = select_read(g_local.data[0], nullptr, &g_local.isset);
  return 0;
}

class SelectLocal : public OnEachPath {};

TEST_P(SelectLocal, LocalWakeIsAnsweredFromTheReadyListWithoutRescan) {
  g_local = Local{};
  tb::Simulation sim(scenario(2));
  drv::Process& parent = sim.posix(0).start_program("parent", [] {
    if (shadowsel_pipe(g_local.data) != 0) return 1;
    const pid_t pid = shadowsel_spawn(0, &local_child, nullptr);
    if (pid <= 0) return 2;
    shadowsel_usleep(1000);
    if (shadowsel_write(g_local.data[1], "!", 1) != 1) return 3;
    if (shadowsel_waitpid(pid, &g_local.child_status, 0) != pid) return 4;
    return 0;
  });
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  ASSERT_EQ(sim.posix(0).program_status(parent.pid()), std::optional<int>(0));
  EXPECT_EQ(g_local.child_status, 0);
  EXPECT_EQ(g_local.ret, 1);
  EXPECT_TRUE(g_local.isset);
  EXPECT_EQ(posix(sim, 0, "selects"), 1u);
  EXPECT_EQ(posix(sim, 0, "fds_scanned"), 1u);
  EXPECT_EQ(posix(sim, 0, "local_notifications"), 1u);
  EXPECT_EQ(posix(sim, 0, "rescans"), 0u);
  EXPECT_EQ(posix(sim, 0, "ready_list_wakes"), 1u);
  EXPECT_EQ(sim.recorder().local_wake_latency().count(), 1u);
  EXPECT_EQ(sim.recorder().remote_wake_latency().count(), 0u);
  EXPECT_EQ(select_total(sim, "requests_sent"), 0u);
}

// --- answers go to the agent: a caller that timed out and exited is harmless ----------

struct Late {
  int data[2] = {-1, -1};
  int a_ret = -2;
  bool a_isset = true;
  long a_left_us = -1;
  uint64_t a_returned_at = 0;
  int a_status = -1;
  uint64_t write_at = 0;
  uint64_t a_notes_before_write = 0;
  int b_ret = -2;
  bool b_isset = false;
  int b_status = -1;
  uint64_t notes_before_b = 0;
  uint64_t woken_before_b = 0;
};
Late g_late;

int late_a(void*) {
  struct timeval tv = {0, 100};  // 100 us
  g_late.a_ret = select_read(g_late.data[0], &tv, &g_late.a_isset);
  g_late.a_left_us = tv.tv_sec * 1000000 + tv.tv_usec;
  g_late.a_returned_at = hw::now_cycles();
  return 0;
}

int late_b(void*) {
  struct timeval tv = {0, 10000};  // 10 ms, never reached
  g_late.b_ret = select_read(g_late.data[0], &tv, &g_late.b_isset);
  return 0;
}

class SelectAnswersToAgent : public OnEachPath {};

TEST_P(SelectAnswersToAgent, ANotificationForACallerThatTimedOutAndExitedWakesNobody) {
  g_late = Late{};
  tb::Simulation sim(scenario(2));
  using A = fw::AgentCounters;
  using D = drv::NeDriverCounters;
  drv::Process& parent = sim.posix(1).start_program("parent", [&sim] {
    if (shadowsel_pipe(g_late.data) != 0) return 1;
    const pid_t a = shadowsel_spawn(0, &late_a, nullptr);
    if (a <= 0) return 2;
    if (shadowsel_waitpid(a, &g_late.a_status, 0) != a) return 3;  // A timed out and exited
    shadowsel_usleep(1000);
    g_late.a_notes_before_write = live(sim, 0, &A::notifications_received, &D::notifications_received);
    g_late.write_at = hw::now_cycles();
    if (shadowsel_write(g_late.data[1], "!", 1) != 1) return 4;
    shadowsel_usleep(1000);  // the notification reaches CPU 0's agent
    g_late.notes_before_b = live(sim, 0, &A::notifications_received, &D::notifications_received);
    g_late.woken_before_b = live(sim, 0, &A::waiters_woken, &D::waiters_woken);
    const pid_t b = shadowsel_spawn(0, &late_b, nullptr);
    if (b <= 0) return 5;
    if (shadowsel_waitpid(b, &g_late.b_status, 0) != b) return 6;
    return 0;
  });
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  ASSERT_EQ(sim.posix(1).program_status(parent.pid()), std::optional<int>(0));
  // A: a timeout, nothing set, no time left, returned before the write.
  EXPECT_EQ(g_late.a_status, 0);
  EXPECT_EQ(g_late.a_ret, 0);
  EXPECT_FALSE(g_late.a_isset);
  EXPECT_EQ(g_late.a_left_us, 0);
  EXPECT_LT(g_late.a_returned_at, g_late.write_at);
  EXPECT_GE(g_late.a_returned_at, 100u * kCyclesPerUs);
  EXPECT_EQ(g_late.a_notes_before_write, 0u);
  // The owner notified CPU 0 for A's recorded interest; its agent took it
  // and woke nobody.
  EXPECT_EQ(g_late.notes_before_b, 1u);
  EXPECT_EQ(g_late.woken_before_b, 0u);
  // B: a fresh request, answered "ready" at once.
  EXPECT_EQ(g_late.b_status, 0);
  EXPECT_EQ(g_late.b_ret, 1);
  EXPECT_TRUE(g_late.b_isset);
  EXPECT_EQ(pipe_agent(sim, 0, "requests_sent"), 2u);
  EXPECT_EQ(pipe_agent(sim, 0, "requests_suppressed"), 0u);
  EXPECT_EQ(pipe_agent(sim, 0, "answers_received"), 2u);
  EXPECT_EQ(pipe_agent(sim, 0, "notifications_received"), 1u);
  EXPECT_EQ(pipe_agent(sim, 0, "waiters_woken"), 0u);
  EXPECT_EQ(pipe_agent(sim, 1, "answers_sent"), 2u);
  EXPECT_EQ(pipe_agent(sim, 1, "notifications_sent"), 1u);
  EXPECT_EQ(posix(sim, 0, "selects"), 2u);
  EXPECT_EQ(posix(sim, 0, "ready_list_wakes"), 0u);
  EXPECT_EQ(posix(sim, 0, "rescans"), 0u);
  EXPECT_EQ(sim.recorder().remote_wake_latency().count(), 0u);
}

// --- poll with remote descriptors reports what select does ---------------------------------

struct PollRemote {
  int data[2] = {-1, -1};
  // Each step: poll's return and revents, select's return and read bit.
  struct Step {
    int poll_ret = -2;
    short revents = -1;
    int select_ret = -2;
    bool isset = false;
  };
  Step empty, with_data, drained, hup;
  uint64_t data_at = 0, hup_at = 0;
  uint64_t write_at = 0, parent_close_at = 0, last_close_at = 0;
  int64_t read_byte = -2, read_eof = -2;
  int c_status = -1, w_status = -1;
};
PollRemote g_poll;

// Polls (blocking if `block`) then selects with a zero timeout.
PollRemote::Step poll_then_select(int fd, bool block, uint64_t* at) {
  PollRemote::Step s;
  struct pollfd p = {fd, POLLIN, 0};
  s.poll_ret = shadowsel_poll(&p, 1, block ? -1 : 0);
  s.revents = p.revents;
  if (at) *at = hw::now_cycles();
  struct timeval tv = {0, 0};
  s.select_ret = select_read(fd, &tv, &s.isset);
  return s;
}

int poll_reader(void*) {  // CPU 0
  shadowsel_close(g_poll.data[1]);
  const int fd = g_poll.data[0];
  g_poll.empty = poll_then_select(fd, false, nullptr);
  g_poll.with_data = poll_then_select(fd, true, &g_poll.data_at);
  char c = 0;
  g_poll.read_byte = shadowsel_read(fd, &c, 1);
  g_poll.drained = poll_then_select(fd, false, nullptr);
  g_poll.hup = poll_then_select(fd, true, &g_poll.hup_at);
  g_poll.read_eof = shadowsel_read(fd, &c, 1);
  return 0;
}

int poll_writer(void*) {  // CPU 2: the last writer
  shadowsel_close(g_poll.data[0]);
  shadowsel_usleep(3000);
  g_poll.last_close_at = hw::now_cycles();
  shadowsel_close(g_poll.data[1]);
  return 0;
}

class SelectPollRemote : public OnEachPath {};

TEST_P(SelectPollRemote, PollReportsWhatSelectDoesForARemotePipe) {
  g_poll = PollRemote{};
  tb::Simulation sim(scenario(3));
  drv::Process& parent = sim.posix(1).start_program("parent", [] {
    if (shadowsel_pipe(g_poll.data) != 0) return 1;
    const pid_t c = shadowsel_spawn(0, &poll_reader, nullptr);
    const pid_t w = shadowsel_spawn(2, &poll_writer, nullptr);
    if (c <= 0 || w <= 0) return 2;
    shadowsel_close(g_poll.data[0]);
    shadowsel_usleep(1000);
    g_poll.write_at = hw::now_cycles();
    if (shadowsel_write(g_poll.data[1], "!", 1) != 1) return 3;
    shadowsel_usleep(1000);
    g_poll.parent_close_at = hw::now_cycles();
    shadowsel_close(g_poll.data[1]);
    if (shadowsel_waitpid(c, &g_poll.c_status, 0) != c) return 4;
    if (shadowsel_waitpid(w, &g_poll.w_status, 0) != w) return 5;
    return 0;
  });
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  ASSERT_EQ(sim.posix(1).program_status(parent.pid()), std::optional<int>(0));
  EXPECT_EQ(g_poll.c_status, 0);
  EXPECT_EQ(g_poll.w_status, 0);
  // Empty, writers open: nothing.
  EXPECT_EQ(g_poll.empty.poll_ret, 0);
  EXPECT_EQ(g_poll.empty.revents, 0);
  EXPECT_EQ(g_poll.empty.select_ret, 0);
  EXPECT_FALSE(g_poll.empty.isset);
  // Data: POLLIN; readable.
  EXPECT_EQ(g_poll.with_data.poll_ret, 1);
  EXPECT_EQ(g_poll.with_data.revents, POLLIN);
  EXPECT_EQ(g_poll.with_data.select_ret, 1);
  EXPECT_TRUE(g_poll.with_data.isset);
  EXPECT_GT(g_poll.data_at, g_poll.write_at);
  EXPECT_EQ(g_poll.read_byte, 1);
  // Drained, writers still open: nothing again.
  EXPECT_EQ(g_poll.drained.poll_ret, 0);
  EXPECT_EQ(g_poll.drained.revents, 0);
  EXPECT_EQ(g_poll.drained.select_ret, 0);
  EXPECT_FALSE(g_poll.drained.isset);
  // Every writer closed (the parent's on CPU 1, then the last on CPU 2):
  // POLLHUP alone, and select reports the descriptor readable (EOF).
  EXPECT_EQ(g_poll.hup.poll_ret, 1);
  EXPECT_EQ(g_poll.hup.revents, POLLHUP);
  EXPECT_EQ(g_poll.hup.select_ret, 1);
  EXPECT_TRUE(g_poll.hup.isset);
  EXPECT_GT(g_poll.last_close_at, g_poll.parent_close_at);
  EXPECT_GT(g_poll.hup_at, g_poll.last_close_at) << "POLLHUP before the last writer closed";
  EXPECT_EQ(g_poll.read_eof, 0);
  EXPECT_EQ(posix(sim, 0, "rescans"), 0u);
}

// The write side: a remote write end of a full pipe reports nothing, then
// POLLOUT once the owner's reader makes room, then POLLERR alone (the pipe
// full again) once every reader closed; select's write set agrees each time.
struct PollOut {
  int data[2] = {-1, -1};
  int fill_writes = 0;
  int64_t fill_error = 0;
  struct Step {
    int poll_ret = -2;
    short revents = -1;
    int select_ret = -2;
    bool isset = false;
  };
  Step full, room, refull, err;
  int64_t refill = -2;
  uint64_t room_at = 0, err_at = 0, read_at = 0, close_at = 0;
  int c_status = -1;
};
PollOut g_out;

PollOut::Step pollout_then_select(int fd, bool block, uint64_t* at) {
  PollOut::Step s;
  struct pollfd p = {fd, POLLOUT, 0};
  s.poll_ret = shadowsel_poll(&p, 1, block ? -1 : 0);
  s.revents = p.revents;
  if (at) *at = hw::now_cycles();
  fd_set w;
  FD_ZERO(&w);
  FD_SET(fd, &w);
  struct timeval tv = {0, 0};
  s.select_ret = shadowsel_select(fd + 1, nullptr, &w, nullptr, &tv);
  s.isset = s.select_ret >= 0 && FD_ISSET(fd, &w);
  return s;
}

int pollout_writer(void*) {  // CPU 0
  shadowsel_close(g_out.data[0]);
  const int fd = g_out.data[1];
  g_out.full = pollout_then_select(fd, false, nullptr);
  g_out.room = pollout_then_select(fd, true, &g_out.room_at);
  static const char page[4096] = {};
  g_out.refill = shadowsel_write(fd, page, sizeof page);  // O_NONBLOCK: takes the free slot
  g_out.refull = pollout_then_select(fd, false, nullptr);
  g_out.err = pollout_then_select(fd, true, &g_out.err_at);
  return 0;
}

TEST_P(SelectPollRemote, PollOutThenPollErrOnARemoteWriteEnd) {
  g_out = PollOut{};
  tb::Simulation sim(scenario(2));
  drv::Process& parent = sim.posix(1).start_program("parent", [] {
    if (shadowsel_pipe(g_out.data) != 0) return 1;
    if (shadowsel_fcntl(g_out.data[1], F_SETFL, O_NONBLOCK) != 0) return 2;
    static const char page[4096] = {};
    for (;;) {
      const ssize_t n = shadowsel_write(g_out.data[1], page, sizeof page);
      if (n < 0) {
        g_out.fill_error = errno;
        break;
      }
      ++g_out.fill_writes;
    }
    const pid_t c = shadowsel_spawn(0, &pollout_writer, nullptr);
    if (c <= 0) return 3;
    shadowsel_usleep(1000);
    static char buf[4096];
    g_out.read_at = hw::now_cycles();
    if (shadowsel_read(g_out.data[0], buf, sizeof buf) != 4096) return 4;
    shadowsel_usleep(1000);
    g_out.close_at = hw::now_cycles();
    shadowsel_close(g_out.data[0]);
    if (shadowsel_waitpid(c, &g_out.c_status, 0) != c) return 5;
    return 0;
  });
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  ASSERT_EQ(sim.posix(1).program_status(parent.pid()), std::optional<int>(0));
  EXPECT_EQ(g_out.fill_writes, 16);
  EXPECT_EQ(g_out.fill_error, EAGAIN);
  EXPECT_EQ(g_out.c_status, 0);
  EXPECT_EQ(g_out.full.poll_ret, 0);
  EXPECT_EQ(g_out.full.revents, 0);
  EXPECT_EQ(g_out.full.select_ret, 0);
  EXPECT_FALSE(g_out.full.isset);
  EXPECT_EQ(g_out.room.poll_ret, 1);
  EXPECT_EQ(g_out.room.revents, POLLOUT);
  EXPECT_EQ(g_out.room.select_ret, 1);
  EXPECT_TRUE(g_out.room.isset);
  EXPECT_GT(g_out.room_at, g_out.read_at);
  EXPECT_EQ(g_out.refill, 4096);
  EXPECT_EQ(g_out.refull.poll_ret, 0);
  EXPECT_EQ(g_out.refull.revents, 0);
  EXPECT_EQ(g_out.refull.select_ret, 0);
  EXPECT_FALSE(g_out.refull.isset);
  EXPECT_EQ(g_out.err.poll_ret, 1);
  EXPECT_EQ(g_out.err.revents, POLLERR);
  EXPECT_EQ(g_out.err.select_ret, 1);
  EXPECT_TRUE(g_out.err.isset);
  EXPECT_GT(g_out.err_at, g_out.close_at);
  EXPECT_EQ(posix(sim, 0, "rescans"), 0u);
  EXPECT_EQ(posix(sim, 0, "ready_list_wakes"), 2u);
}

// --- local descriptors need no agent -------------------------------------------------------

int noagent_writer(void* arg) {
  const int fd = *static_cast<int*>(arg);
  shadowsel_usleep(500);
  return shadowsel_write(fd, "!", 1) == 1 ? 0 : 1;
}

// On its own CPU: a select with a zero timeout, one blocked until a local
// child writes, a poll for write, and a poll with a timeout that expires.
int noagent_program(int cpu) {
  int d[2];
  if (shadowsel_pipe(d) != 0) return 1;
  struct timeval zero = {0, 0};
  bool isset = true;
  if (select_read(d[0], &zero, &isset) != 0 || isset) return 2;
  struct pollfd w = {d[1], POLLOUT, 0};
  if (shadowsel_poll(&w, 1, 0) != 1 || w.revents != POLLOUT) return 3;
  struct pollfd r = {d[0], POLLIN, 0};
  if (shadowsel_poll(&r, 1, 1) != 0 || r.revents != 0) return 4;  // 1 ms, expires
  static int wfd[2];
  wfd[cpu] = d[1];
  const pid_t pid = shadowsel_spawn(cpu, &noagent_writer, &wfd[cpu]);
  if (pid <= 0) return 5;
  if (select_read(d[0], nullptr, &isset) != 1 || !isset) return 6;
  int status = -1;
  if (shadowsel_waitpid(pid, &status, 0) != pid || status != 0) return 7;
  return 0;
}

class SelectLocalOnly : public OnEachPath {};

TEST_P(SelectLocalOnly, SelectsOnLocalPipesSendNoAgentMessages) {
  tb::Simulation sim(scenario(2));
  std::vector<drv::Process*> progs;
  for (int cpu = 0; cpu < 2; ++cpu) {
    progs.push_back(&sim.posix(cpu).start_program("local" + std::to_string(cpu),
                                                  [cpu] { return noagent_program(cpu); }));
  }
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  for (uint32_t cpu = 0; cpu < 2; ++cpu) {
    EXPECT_EQ(sim.posix(cpu).program_status(progs[cpu]->pid()), std::optional<int>(0)) << "cpu " << cpu;
    for (const char* kind : {"pipe", "fifo"}) {
      const std::string p = "cpu." + std::to_string(cpu) + ".agent." + kind + ".";
      for (const char* what : {"requests_sent", "requests_suppressed", "answers_received",
                               "notifications_received", "waiters_woken", "notifications_sent",
                               "answers_sent", "ops_forwarded", "ops_served"}) {
        EXPECT_EQ(stat(sim, p + what), 0u) << p + what;
      }
    }
    EXPECT_EQ(posix(sim, cpu, "selects"), 4u);
    EXPECT_EQ(posix(sim, cpu, "remote_ops"), 0u);
    EXPECT_EQ(posix(sim, cpu, "local_notifications"), 1u);
    EXPECT_EQ(posix(sim, cpu, "ready_list_wakes"), 1u);
    EXPECT_EQ(posix(sim, cpu, "rescans"), 0u);
  }
  EXPECT_EQ(select_total(sim, "requests_sent"), 0u);
  EXPECT_EQ(select_total(sim, "notifications"), 0u);
  // Liveness packets (I'm-alive, regroup) are not select traffic.
  uint64_t transfers = 0;
  for (int lane = 0; lane < 2; ++lane) {
    const hw::LaneCounters& c = sim.platform().bus().counters(lane);
    transfers += c.transfers - c.by_type[static_cast<uint8_t>(hw::PacketType::kAlive)] -
                 c.by_type[static_cast<uint8_t>(hw::PacketType::kRegroup)];
  }
  EXPECT_EQ(transfers, 0u);
}

// --- a notification queued behind an answer from the select database ---------------------
//
// Regression (PosixKernel::do_poll). A select/poll whose remote item CPU 0's
// pipe agent answers from its select database (entry kSubscribed, left by an
// earlier call that timed out) gets the stale "not ready" answer; if the
// owner's notification reaches the agent before the selecting process runs
// again, the distributor links a ready record into Wait::ready. The scan used
// to look at the answers only and clear the ready list before sleeping,
// losing the record; the owner's interest was spent, so the call slept to its
// timeout (or forever). Reproduction with the default cost table: CPU 1 makes
// a pipe; child A on CPU 0 selects on the read end with a zero timeout and
// exits; child P on CPU 0 enters select (5 ms timeout) at cycle 2,001,855; the
// parent writes 1 byte from 1,040 cycles before to 20 cycles after that. The
// test sweeps the write across the call; every run must see the byte.
struct Race {
  int data[2] = {-1, -1};
  uint64_t at_select = 0, at_write = 0;
  int ret = -2;
  bool isset = false;
  uint64_t t_sel = 0, t_ret = 0;
};
Race g_race;

void sleep_until(uint64_t t) {
  const uint64_t now = hw::now_cycles();
  if (t <= now) return;
  const struct timespec ts = {0, static_cast<long>((t - now) * 1000 / kCyclesPerUs)};
  shadowsel_nanosleep(&ts, nullptr);
}

int race_timed_out(void*) {  // leaves CPU 0's database entry subscribed
  struct timeval tv = {0, 0};
  bool isset;
  return select_read(g_race.data[0], &tv, &isset) == 0 ? 0 : 1;
}

int race_selector(void*) {
  sleep_until(g_race.at_select);
  g_race.t_sel = hw::now_cycles();
  struct timeval tv = {0, 5000};  // 5 ms
  g_race.ret = select_read(g_race.data[0], &tv, &g_race.isset);
  g_race.t_ret = hw::now_cycles();
  return 0;
}

struct RaceResult {
  int end = -1, ret = -2, isset = 0;
  uint64_t t_sel = 0, t_ret = 0, woken = 0;
};

RaceResult race_run(int64_t delta) {
  const std::string out = run_in_child([delta] {
    g_race = Race{};
    g_race.at_select = 2'000'000;
    g_race.at_write = static_cast<uint64_t>(2'000'000 + delta);
    tb::Simulation sim(scenario(2));
    sim.posix(1).start_program("parent", [] {
      if (shadowsel_pipe(g_race.data) != 0) return 1;
      int st = -1;
      const pid_t a = shadowsel_spawn(0, &race_timed_out, nullptr);
      if (a <= 0 || shadowsel_waitpid(a, &st, 0) != a || st != 0) return 2;
      const pid_t p = shadowsel_spawn(0, &race_selector, nullptr);
      if (p <= 0) return 3;
      sleep_until(g_race.at_write);
      if (shadowsel_write(g_race.data[1], "!", 1) != 1) return 4;
      return shadowsel_waitpid(p, &st, 0) == p ? 0 : 5;
    });
    const tb::RunResult r = sim.run();
    if (r.end != tb::RunResult::End::kFinished) std::fprintf(stderr, "delta %lld: %s\n", (long long)delta, r.detail.c_str());
    return std::to_string(static_cast<int>(r.end)) + " " + std::to_string(g_race.ret) + " " +
           std::to_string(g_race.isset) + " " + std::to_string(g_race.t_sel) + " " +
           std::to_string(g_race.t_ret) + " " +
           std::to_string(pipe_agent(sim, 0, "waiters_woken"));
  });
  RaceResult r;
  std::istringstream in(out);
  in >> r.end >> r.ret >> r.isset >> r.t_sel >> r.t_ret >> r.woken;
  return r;
}

class SelectRace : public OnEachPath {};

TEST_P(SelectRace, ANotificationQueuedBehindADatabaseAnswerIsNotLost) {
  // The write moves across the selector's call: before it the notification
  // comes first (a fresh request, answered "ready"); after it the call is
  // woken through its ready list. Every run must see the byte, long before
  // the timeout.
  int fresh = 0, via_ready_list = 0;
  for (int64_t delta = -3000; delta <= 1000; delta += 20) {
    const RaceResult r = race_run(delta);
    EXPECT_EQ(r.end, static_cast<int>(tb::RunResult::End::kFinished)) << "delta " << delta;
    EXPECT_EQ(r.ret, 1) << "delta " << delta;
    EXPECT_EQ(r.isset, 1) << "delta " << delta;
    EXPECT_LT(r.t_ret - r.t_sel, 100'000u) << "delta " << delta;
    (r.woken ? via_ready_list : fresh) += 1;
  }
  EXPECT_GT(fresh, 0);
  EXPECT_GT(via_ready_list, 0);
}

INSTANTIATE_TEST_SUITE_P(Paths, SelectAnswersToAgent, kPaths, path_name);
INSTANTIATE_TEST_SUITE_P(Paths, SelectLocal, kPaths, path_name);
INSTANTIATE_TEST_SUITE_P(Paths, SelectLocalOnly, kPaths, path_name);
INSTANTIATE_TEST_SUITE_P(Paths, SelectPollRemote, kPaths, path_name);
INSTANTIATE_TEST_SUITE_P(Paths, SelectRace, kPaths, path_name);
INSTANTIATE_TEST_SUITE_P(Paths, SelectSameProcess, kPaths, path_name);

}  // namespace
}  // namespace shadowsel::test
