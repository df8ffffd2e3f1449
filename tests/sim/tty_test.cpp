// SPDX-License-Identifier: MIT
// Mechanism tests of the TTYs (docs/ttys.md): the telnet I/O process on CPU 0 owns the
// lines, every CPU's TTY agent (sw) or notify engine driver (model, rtl, lockstep)
// keeps the select database, and the scenario's terminal model types the lines:
//  - one typed line wakes every selecting CPU's waiters, after the line's arrival and
//    not before, with one subscribe per (CPU, event) sent to the owner (duplicate
//    suppression) and one notification per CPU (sw) or one multicast NOTIFY (engine);
//  - canonical mode reads a line at a time (a short buffer takes the rest next time),
//    ECHO off through tcsetattr stops the echo, non-canonical mode reads bytes without
//    a newline and select/poll see them; tcgetattr/isatty/open errors as Linux's.
// Programs run as simulated POSIX processes and record what they saw in globals (one
// Simulation per test process); the test body checks them and the statistics.
#include <gtest/gtest.h>

#define SHADOWSEL_POSIX_NO_RENAME
#include "shadowsel/posix/posix.h"

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "shadowsel/hw/time.h"
#include "shadowsel/tb/simulation.h"
#include "on_each_path.h"

namespace shadowsel::test {
namespace {

bool engine_path() { return g_path != tb::NotifyPath::kSw; }

// What a terminal types on `line` at cycle `at`.
tb::TtyInput typed(uint32_t line, uint64_t at, std::string text) {
  tb::TtyInput in;
  in.line = line;
  in.at_cycle = at;
  in.text = std::move(text);
  return in;
}

tb::Scenario scenario(uint32_t cpus, std::vector<tb::TtyInput> input) {
  tb::Scenario s;
  s.machine.cpus = cpus;
  s.notify = g_path;
  EXPECT_EQ(s.network.io_cpus, std::vector<uint32_t>{0});  // the lines live on CPU 0
  s.tty.lines = 4;
  s.tty.input = std::move(input);
  return s;
}

uint64_t telnet(tb::Simulation& sim, const std::string& what) { return stat(sim, "cpu.0.telnet_io." + what); }
uint64_t tty_agent(tb::Simulation& sim, uint32_t cpu, const std::string& what) {
  return stat(sim, "cpu." + std::to_string(cpu) + ".agent.tty." + what);
}
uint64_t ne_driver(tb::Simulation& sim, uint32_t cpu, const std::string& what) {
  return sim.engine(cpu) ? stat(sim, "cpu." + std::to_string(cpu) + ".ne_driver." + what) : 0;
}

// --- 1. one typed line wakes every selecting CPU's waiters ----------------------------------

constexpr uint32_t kWaiterCpus[] = {1, 2, 3};
constexpr int kWaitersPerCpu = 3;
constexpr int kWaiters = 3 * kWaitersPerCpu;
constexpr uint64_t kTypedAt = 1'000'000;  // 2 ms at 500 MHz: every select is asleep by then

struct Waiters {
  int entered = 0;
  uint64_t last_entered_at = 0;  // cycle the last waiter entered select
  int woken = 0, bad = 0;
  uint64_t woke_at[kWaiters] = {};
  int index = 0;
};
Waiters g_w;

int waiter() {
  const int me = g_w.index++;
  const int fd = shadowsel_open("/dev/tty0", O_RDONLY | O_NONBLOCK);
  if (fd < 0) return 1;
  fd_set r;
  FD_ZERO(&r);
  FD_SET(fd, &r);
  ++g_w.entered;
  g_w.last_entered_at = hw::now_cycles();
  const int n = shadowsel_select(fd + 1, &r, nullptr, nullptr, nullptr);
  g_w.woke_at[me] = hw::now_cycles();
  if (n == 1 && FD_ISSET(fd, &r)) {
    ++g_w.woken;
  } else {
    ++g_w.bad;
  }
  shadowsel_close(fd);
  return 0;
}

class TtySelect : public OnEachPath {};

TEST_P(TtySelect, OneTypedLineWakesEverySelectingCpusWaiters) {
  g_w = Waiters{};
  tb::Simulation sim(scenario(4, {typed(0, kTypedAt, "ping\n")}));
  std::vector<std::pair<uint32_t, uint32_t>> procs;  // (cpu, pid)
  for (uint32_t cpu : kWaiterCpus) {
    for (int i = 0; i < kWaitersPerCpu; ++i) {
      procs.emplace_back(cpu, sim.posix(cpu).start_program("waiter", waiter).pid());
    }
  }
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  for (const auto& [cpu, pid] : procs) EXPECT_EQ(sim.posix(cpu).program_status(pid), std::optional<int>(0));
  EXPECT_EQ(g_w.entered, kWaiters);
  EXPECT_LT(g_w.last_entered_at, kTypedAt);  // else the test does not test waking
  EXPECT_EQ(g_w.woken, kWaiters);
  EXPECT_EQ(g_w.bad, 0);
  for (int i = 0; i < kWaiters; ++i) EXPECT_GT(g_w.woke_at[i], kTypedAt) << "waiter " << i;
  EXPECT_EQ(stat(sim, "tty.0.typed_bytes"), 5u);
  EXPECT_EQ(sim.telnet()->output(0), "ping\n");  // the echo (ECHO is on by default)

  // Per CPU: the first waiter's item sends the subscribe; the other two find the key in
  // flight or subscribed and send nothing. The owner answers "not ready" to each CPU
  // once, and notifies each once when the line arrives (sw: a message per CPU; engine:
  // one NOTIFY the engine multicasts to the three CPUs).
  const uint64_t w = kWaitersPerCpu;
  for (uint32_t cpu : kWaiterCpus) {
    if (!engine_path()) {
      EXPECT_EQ(tty_agent(sim, cpu, "requests_sent"), 1u) << "cpu " << cpu;
      EXPECT_EQ(tty_agent(sim, cpu, "requests_suppressed"), w - 1) << "cpu " << cpu;
      EXPECT_EQ(tty_agent(sim, cpu, "answers_received"), 1u) << "cpu " << cpu;
      EXPECT_EQ(tty_agent(sim, cpu, "notifications_received"), 1u) << "cpu " << cpu;
      EXPECT_EQ(tty_agent(sim, cpu, "waiters_woken"), w) << "cpu " << cpu;
    } else {
      EXPECT_EQ(ne_driver(sim, cpu, "requests_sent"), 1u) << "cpu " << cpu;
      EXPECT_EQ(ne_driver(sim, cpu, "requests_suppressed"), w - 1) << "cpu " << cpu;
      EXPECT_EQ(ne_driver(sim, cpu, "answers_received"), 1u) << "cpu " << cpu;
      EXPECT_EQ(ne_driver(sim, cpu, "notifications_received"), 1u) << "cpu " << cpu;
      EXPECT_EQ(ne_driver(sim, cpu, "waiters_woken"), w) << "cpu " << cpu;
      EXPECT_EQ(ne_driver(sim, cpu, "full_fallbacks"), 0u) << "cpu " << cpu;
      for (const char* what : {"requests_sent", "requests_suppressed", "waiters_woken"}) {
        EXPECT_EQ(tty_agent(sim, cpu, what), 0u) << "cpu " << cpu << " " << what;
      }
    }
    EXPECT_EQ(stat(sim, "cpu." + std::to_string(cpu) + ".posix.rescans"), 0u) << "cpu " << cpu;
  }
  if (!engine_path()) {
    EXPECT_EQ(telnet(sim, "answers_sent"), 3u);
    EXPECT_EQ(telnet(sim, "notifications_sent"), 3u);
  } else {
    EXPECT_EQ(ne_driver(sim, 0, "answers_sent"), 3u);
    EXPECT_EQ(ne_driver(sim, 0, "notifications_sent"), 1u);
    EXPECT_EQ(telnet(sim, "answers_sent"), 0u);
    EXPECT_EQ(telnet(sim, "notifications_sent"), 0u);
  }
  // Nobody read: the line is still there, and no read reached the owner.
  EXPECT_EQ(telnet(sim, "reads"), 0u);
  EXPECT_EQ(stat(sim, "tty.0.read_bytes"), 0u);
}

// --- 2. canonical mode, ECHO, non-canonical mode, errors ------------------------------------

constexpr uint64_t kT1 = 200'000, kT2 = 400'000, kT3 = 600'000, kT4 = 750'000;

struct Modes {
  tcflag_t lflag = 0;
  std::vector<std::string> reads;
  uint64_t echo_off_at = 0, raw_at = 0;
  int select_raw = -1;          // select on the partial line in non-canonical mode
  int poll_canon_partial = -1;  // poll on a partial line in canonical mode (timeout 0)
  int isatty_tty = -1, isatty_pipe = -1, tcget_pipe_errno = 0, open_missing_errno = 0;
  int tcset_bad_errno = 0;
  int step = 0;
};
Modes g_m;

std::string read_once(int fd, size_t max) {
  char buf[64];
  const ssize_t n = shadowsel_read(fd, buf, std::min(max, sizeof buf));
  return n < 0 ? "error " + std::to_string(errno) : std::string(buf, static_cast<size_t>(n));
}

int modes_main() {
  const int fd = shadowsel_open("/dev/tty1", O_RDWR);
  if (fd < 0) return 1;
  termios t;
  if (shadowsel_tcgetattr(fd, &t) != 0) return 2;
  g_m.lflag = t.c_lflag;
  g_m.isatty_tty = shadowsel_isatty(fd);
  int p[2];
  if (shadowsel_pipe(p) != 0) return 3;
  g_m.isatty_pipe = shadowsel_isatty(p[0]);
  termios pt;
  g_m.tcget_pipe_errno = shadowsel_tcgetattr(p[0], &pt) == 0 ? 0 : errno;
  g_m.open_missing_errno = shadowsel_open("/dev/tty4", O_RDWR) >= 0 ? 0 : errno;
  g_m.tcset_bad_errno = shadowsel_tcsetattr(fd, 99, &t) == 0 ? 0 : errno;
  // T1 "one\ntwo\n": a blocking read returns one line at a time.
  g_m.reads.push_back(read_once(fd, 64));
  g_m.reads.push_back(read_once(fd, 64));
  // T2 "abcdef\n" read with a 3-byte buffer: the rest of the line comes next.
  g_m.reads.push_back(read_once(fd, 3));
  g_m.reads.push_back(read_once(fd, 64));
  // ECHO off before T3 "secret\n".
  t.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  if (shadowsel_tcsetattr(fd, TCSANOW, &t) != 0) return 4;
  g_m.echo_off_at = hw::now_cycles();
  g_m.reads.push_back(read_once(fd, 64));
  // T4 "xy" (no newline): canonical mode does not see it...
  shadowsel_usleep(500);  // 250,000 cycles: past T4
  pollfd pf{fd, POLLIN, 0};
  g_m.poll_canon_partial = shadowsel_poll(&pf, 1, 0);
  // ...non-canonical mode does, for select and read.
  t.c_lflag &= ~static_cast<tcflag_t>(ICANON);
  if (shadowsel_tcsetattr(fd, TCSANOW, &t) != 0) return 5;
  g_m.raw_at = hw::now_cycles();
  fd_set r;
  FD_ZERO(&r);
  FD_SET(fd, &r);
  timeval tv{0, 0};
  g_m.select_raw = shadowsel_select(fd + 1, &r, nullptr, nullptr, &tv);
  g_m.reads.push_back(read_once(fd, 64));
  if (shadowsel_write(fd, "done\n", 5) != 5) return 6;
  shadowsel_close(p[0]);
  shadowsel_close(p[1]);
  shadowsel_close(fd);
  return 0;
}

class TtyModes : public OnEachPath {};

TEST_P(TtyModes, CanonicalLinesEchoOffAndRawBytes) {
  g_m = Modes{};
  tb::Simulation sim(scenario(3, {typed(1, kT1, "one\ntwo\n"), typed(1, kT2, "abcdef\n"), typed(1, kT3, "secret\n"),
                                  typed(1, kT4, "xy")}));
  const uint32_t pid = sim.posix(2).start_program("modes", modes_main).pid();
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  EXPECT_EQ(sim.posix(2).program_status(pid), std::optional<int>(0));
  // Linux's defaults: canonical mode with echo.
  EXPECT_TRUE(g_m.lflag & ICANON);
  EXPECT_TRUE(g_m.lflag & ECHO);
  EXPECT_EQ(g_m.isatty_tty, 1);
  EXPECT_EQ(g_m.isatty_pipe, 0);
  EXPECT_EQ(g_m.tcget_pipe_errno, ENOTTY);
  EXPECT_EQ(g_m.open_missing_errno, ENOENT);  // 4 lines: /dev/tty0..3
  EXPECT_EQ(g_m.tcset_bad_errno, EINVAL);
  EXPECT_LT(g_m.echo_off_at, kT3);  // else the echo check below proves nothing
  EXPECT_GT(g_m.raw_at, kT4);
  EXPECT_EQ(g_m.poll_canon_partial, 0);
  EXPECT_EQ(g_m.select_raw, 1);
  EXPECT_EQ(g_m.reads, (std::vector<std::string>{"one\n", "two\n", "abc", "def\n", "secret\n", "xy"}));
  // The echo of what was typed while ECHO was on, then the program's write.
  EXPECT_EQ(sim.telnet()->output(1), "one\ntwo\nabcdef\ndone\n");
  EXPECT_EQ(stat(sim, "tty.1.typed_bytes"), 8u + 7u + 7u + 2u);
  EXPECT_EQ(stat(sim, "tty.1.read_bytes"), 8u + 7u + 7u + 2u);
  EXPECT_EQ(stat(sim, "tty.1.echoed_bytes"), 15u);
  EXPECT_EQ(stat(sim, "tty.1.written_bytes"), 5u);
}

INSTANTIATE_TEST_SUITE_P(Paths, TtySelect, kPaths, path_name);
INSTANTIATE_TEST_SUITE_P(Paths, TtyModes, kPaths, path_name);

}  // namespace
}  // namespace shadowsel::test
