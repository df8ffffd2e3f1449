// SPDX-License-Identifier: MIT
// What a CPU's death does to the survivors (docs/faults.md, "What a failure does"):
// processes blocked on an object whose real structure was on the dead CPU wake with
// the result a vanished peer gives on Linux, new operations fail at once, the dead
// CPU's descriptors are released at their owners, and processes that did not depend
// on it finish as they would have. Each test asserts that the CPU really halted and
// was declared down, and that the waiter woke within the detection bound.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/wait.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <optional>
#include <string>

#include "shadowsel/driver/membership.h"
#include "shadowsel/hw/time.h"
#include "shadowsel/tb/simulation.h"
#include "halt.h"
#include "on_each_path.h"

// Last, and without its renaming macros (Process::sleep is not sleep()).
#define SHADOWSEL_POSIX_NO_RENAME 1
#include "shadowsel/posix/posix.h"
#include "shadowsel/posix/spawn.h"
#include "shadowsel/tb/loopback.h"

namespace shadowsel::test {
namespace {

using tb::loopback::connect_to;
using tb::loopback::listen_on;
using tb::loopback::wait_until;

tb::Scenario scenario(uint32_t cpus, uint32_t halted_cpu) {
  tb::Scenario s;
  s.machine.cpus = cpus;
  s.notify = g_path;
  add_halt(s, halted_cpu, kHaltAt);
  use_fast_liveness(s);
  return s;
}

// The CPU halted, every survivor declared it down, within the bound.
void expect_declared_down(tb::Simulation& sim, uint32_t dead) {
  EXPECT_TRUE(sim.kernel(dead).halted());
  EXPECT_EQ(stat(sim, "faults.cpu_halt"), 1u);
  for (uint32_t c = 0; c < sim.cpus(); ++c) {
    if (c == dead) continue;
    const uint64_t at = sim.kernel(c).membership().declared_at(dead);
    EXPECT_GT(at, kHaltAt) << "cpu " << c;
    EXPECT_LE(at, kHaltAt + kDetectBound) << "cpu " << c;
  }
}

// A waiter woke after the halt, within the detection bound and the survivor's own
// turn to act on the declaration (the liveness service, then the agent, then it).
void expect_woke_within_bound(uint64_t woke_at) {
  constexpr uint64_t kActing = 20000;
  EXPECT_GT(woke_at, kHaltAt);
  EXPECT_LE(woke_at, kHaltAt + kDetectBound + kActing);
}

struct Seen {
  int64_t first = -2, second = -2, third = -2;
  int errno_first = 0, errno_second = 0;
  short revents = 0;
  uint64_t woke_at = 0;
  int status = -1;
};
Seen g;

class Survivors : public OnEachPath {
 protected:
  void SetUp() override {
    OnEachPath::SetUp();
    g = Seen{};
  }
};

// Pipe owned by CPU 0; its only writer is a child on CPU 2, which halts. The reader on
// CPU 0 sees the bytes written, then EOF (the owner released CPU 2's write end), and
// waitpid reports the child killed by SIGKILL.
TEST_P(Survivors, PipeWriterCpuHaltGivesTheReaderEofAndTheParentSigkill) {
  tb::Scenario s = scenario(3, 2);
  tb::Simulation sim(s);
  drv::Process& parent = sim.posix(0).start_program("parent", [] {
    int fds[2];
    if (shadowsel_pipe(fds) != 0) return 1;
    const pid_t pid = shadowsel_spawn(
        2,
        [](void* arg) {
          const int* p = static_cast<const int*>(arg);
          shadowsel_close(p[0]);
          shadowsel_write(p[1], "hello", 5);
          for (;;) shadowsel_usleep(100);  // holds the write end until its CPU dies
          return 0;
        },
        fds);
    if (pid <= 0) return 2;
    shadowsel_close(fds[1]);
    char buf[16];
    g.first = shadowsel_read(fds[0], buf, sizeof buf);
    g.second = shadowsel_read(fds[0], buf, sizeof buf);  // blocks until CPU 2 is declared down
    g.woke_at = hw::now_cycles();
    if (shadowsel_waitpid(pid, &g.status, 0) != pid) return 3;
    return 0;
  });
  const tb::RunResult r = sim.run(10'000'000);
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  EXPECT_EQ(sim.posix(0).program_status(parent.pid()), std::optional<int>(0));
  expect_declared_down(sim, 2);
  EXPECT_EQ(g.first, 5);
  EXPECT_EQ(g.second, 0);  // EOF
  expect_woke_within_bound(g.woke_at);
  EXPECT_TRUE(WIFSIGNALED(g.status)) << g.status;
  EXPECT_EQ(WTERMSIG(g.status), SIGKILL);
  EXPECT_EQ(stat(sim, "cpu.0.posix.children_lost"), 1u);
  EXPECT_GE(stat(sim, "cpu.0.agent.pipe.holders_released"), 1u);
}

// Pipe owned by CPU 1, which halts. A child on CPU 0 blocked reading it wakes with
// EOF, polls POLLHUP; a child on CPU 2 writing it gets EPIPE (SIGPIPE ignored).
TEST_P(Survivors, PipeOwnerCpuHaltWakesReadersWithEofAndFailsWritersWithEpipe) {
  tb::Scenario s = scenario(3, 1);
  tb::Simulation sim(s);
  static int fds[2];
  sim.posix(1).start_program("owner", [] {
    if (shadowsel_pipe(fds) != 0) return 1;
    shadowsel_spawn(
        0,
        [](void*) {
          shadowsel_close(fds[1]);
          char buf[16];
          g.first = shadowsel_read(fds[0], buf, sizeof buf);  // blocks: nothing is written
          g.woke_at = hw::now_cycles();
          pollfd p{fds[0], POLLIN, 0};
          g.second = shadowsel_poll(&p, 1, 0);
          g.revents = p.revents;
          return 0;
        },
        nullptr);
    shadowsel_spawn(
        2,
        [](void*) {
          shadowsel_signal(SIGPIPE, SIG_IGN);
          shadowsel_close(fds[0]);
          wait_until([] { return hw::now_cycles() > kHaltAt + kDetectBound; });
          g.third = shadowsel_write(fds[1], "x", 1);
          g.errno_first = errno;
          return 0;
        },
        nullptr);
    for (;;) shadowsel_usleep(100);  // lives until its CPU halts
    return 0;
  });
  const tb::RunResult r = sim.run(10'000'000);
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  expect_declared_down(sim, 1);
  EXPECT_EQ(g.first, 0);  // EOF
  expect_woke_within_bound(g.woke_at);
  EXPECT_EQ(g.second, 1);
  EXPECT_EQ(g.revents, POLLHUP);
  EXPECT_EQ(g.third, -1);
  EXPECT_EQ(g.errno_first, EPIPE);
  // The blocked read waited in a select item of the agents' database (sw: and the poll
  // after it was answered there at once) or of the engine's driver.
  if (g_path == tb::NotifyPath::kSw) {
    EXPECT_EQ(stat(sim, "cpu.0.agent.pipe.waiters_woken_owner_down"), 2u);
  } else {
    EXPECT_EQ(stat(sim, "cpu.0.ne_driver.node_down_wakes"), 1u);
  }
  EXPECT_EQ(stat(sim, "cpu.0.agent.pipe.owner_down.eof"), 1u);  // the read after the wake-up
  EXPECT_EQ(stat(sim, "cpu.2.agent.pipe.owner_down.EPIPE"), 1u);
}

// Pipe owned by CPU 1, which halts. An epoll instance on CPU 0 watches its read end (a
// persistent watch at the owner, docs/epoll.md) and sleeps in epoll_wait: it wakes with
// EPOLLHUP, the watched object having vanished with its owner, and reports it again
// (level-triggered) until the item is deleted.
TEST_P(Survivors, PipeOwnerCpuHaltWakesEpollWaitWithEpollhup) {
  tb::Scenario s = scenario(3, 1);
  tb::Simulation sim(s);
  static int fds[2];
  sim.posix(1).start_program("owner", [] {
    if (shadowsel_pipe(fds) != 0) return 1;
    shadowsel_spawn(
        0,
        [](void*) {
          shadowsel_close(fds[1]);
          const int ep = shadowsel_epoll_create1(0);
          epoll_event e{};
          e.events = EPOLLIN;
          e.data.u64 = 42;
          if (shadowsel_epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &e) != 0) return 1;
          epoll_event got{};
          g.first = shadowsel_epoll_wait(ep, &got, 1, -1);  // nothing is written: until the halt
          g.woke_at = hw::now_cycles();
          g.revents = static_cast<short>(got.events);
          g.status = static_cast<int>(got.data.u64);
          g.second = shadowsel_epoll_wait(ep, &got, 1, 0);
          shadowsel_epoll_ctl(ep, EPOLL_CTL_DEL, fds[0], nullptr);
          g.third = shadowsel_epoll_wait(ep, &got, 1, 0);
          return 0;
        },
        nullptr);
    for (;;) shadowsel_usleep(100);  // lives until its CPU halts
    return 0;
  });
  const tb::RunResult r = sim.run(10'000'000);
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  expect_declared_down(sim, 1);
  EXPECT_EQ(g.first, 1);
  expect_woke_within_bound(g.woke_at);
  EXPECT_EQ(g.revents, EPOLLHUP);
  EXPECT_EQ(g.status, 42);
  EXPECT_EQ(g.second, 1);  // level-triggered: still hung up
  EXPECT_EQ(g.third, 0);
  // It was a watch (sw: the agents', else the engine's persistent key), answered as vanished.
  EXPECT_EQ(stat(sim, "cpu.0.agent.pipe.requests_sent"), 0u);
  if (g_path == tb::NotifyPath::kSw) {
    EXPECT_EQ(stat(sim, "cpu.0.agent.pipe.watches_sent"), 1u);
    EXPECT_EQ(stat(sim, "cpu.0.agent.pipe.waiters_woken_owner_down"), 1u);
  } else {
    EXPECT_EQ(stat(sim, "cpu.0.agent.pipe.watches_sent"), 0u);
    EXPECT_EQ(stat(sim, "cpu.0.ne_driver.watches_armed"), 1u);
    EXPECT_EQ(stat(sim, "cpu.0.ne_driver.node_down_wakes"), 1u);
  }
}

// FIFO made on CPU 1, which halts. A blocking open on CPU 0 waiting for a writer there
// fails with ENXIO; an open after that fails at once the same way.
TEST_P(Survivors, FifoOwnerCpuHaltFailsBlockedAndNewOpensWithEnxio) {
  tb::Scenario s = scenario(2, 1);
  tb::Simulation sim(s);
  static bool made = false;
  made = false;
  sim.posix(1).start_program("maker", [] {
    if (shadowsel_mkfifo("/tmp/f", 0600) != 0) return 1;
    made = true;
    for (;;) shadowsel_usleep(100);
    return 0;
  });
  drv::Process& opener = sim.posix(0).start_program("opener", [] {
    wait_until([] { return made; });
    g.first = shadowsel_open("/tmp/f", O_RDONLY, 0);  // waits for a writer that never comes
    g.errno_first = errno;
    g.woke_at = hw::now_cycles();
    const uint64_t t0 = hw::now_cycles();
    g.second = shadowsel_open("/tmp/f", O_WRONLY | O_NONBLOCK, 0);
    g.errno_second = errno;
    g.third = static_cast<int64_t>(hw::now_cycles() - t0);
    return 0;
  });
  const tb::RunResult r = sim.run(10'000'000);
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  EXPECT_EQ(sim.posix(0).program_status(opener.pid()), std::optional<int>(0));
  expect_declared_down(sim, 1);
  EXPECT_EQ(g.first, -1);
  EXPECT_EQ(g.errno_first, ENXIO);
  expect_woke_within_bound(g.woke_at);
  EXPECT_EQ(g.second, -1);
  EXPECT_EQ(g.errno_second, ENXIO);
  EXPECT_LT(g.third, 20000);  // at once: no bus round trip to wait for
  EXPECT_EQ(stat(sim, "cpu.0.agent.fifo.ops_failed_owner_down"), 2u);
  EXPECT_EQ(stat(sim, "cpu.0.agent.fifo.owner_down.ENXIO"), 2u);
}

// A CPU that only waits (a select on a pipe owned by CPU 0) halts: the pipe's owner
// releases its read end and forgets its interest, and the processes on CPUs 0 and 1
// that use the pipe finish with the very results of a run without the fault (every
// byte the writer wrote, read once).
TEST_P(Survivors, WaiterOnlyCpuHaltLeavesTheOthersResultsUnchanged) {
  constexpr int kChunks = 200, kChunk = 100;
  tb::Scenario s = scenario(3, 2);
  tb::Simulation sim(s);
  static uint64_t bytes, sum;
  bytes = sum = 0;
  static int fds[2];
  drv::Process& writer = sim.posix(0).start_program("writer", [] {
    if (shadowsel_pipe(fds) != 0) return 1;
    shadowsel_spawn(
        2,
        [](void*) {  // a waiter only: it never reads
          fd_set rd;
          FD_ZERO(&rd);
          FD_SET(fds[0], &rd);
          shadowsel_select(fds[0] + 1, &rd, nullptr, nullptr, nullptr);
          for (;;) shadowsel_usleep(100);
          return 0;
        },
        nullptr);
    shadowsel_spawn(
        1,
        [](void*) {
          shadowsel_close(fds[1]);
          uint8_t buf[256];
          for (;;) {
            const ssize_t n = shadowsel_read(fds[0], buf, sizeof buf);
            if (n <= 0) break;
            bytes += static_cast<uint64_t>(n);
            for (ssize_t i = 0; i < n; ++i) sum += buf[i];
          }
          return 0;
        },
        nullptr);
    shadowsel_close(fds[0]);
    uint8_t chunk[kChunk];
    for (int i = 0; i < kChunks; ++i) {
      for (int j = 0; j < kChunk; ++j) chunk[j] = static_cast<uint8_t>(i * 7 + j);
      shadowsel_write(fds[1], chunk, sizeof chunk);
      shadowsel_usleep(20);
    }
    shadowsel_close(fds[1]);
    return 0;
  });
  const tb::RunResult r = sim.run(50'000'000);
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  EXPECT_EQ(sim.posix(0).program_status(writer.pid()), std::optional<int>(0));
  expect_declared_down(sim, 2);
  uint64_t want = 0;
  for (int i = 0; i < kChunks; ++i) {
    for (int j = 0; j < kChunk; ++j) want += static_cast<uint8_t>(i * 7 + j);
  }
  EXPECT_EQ(bytes, uint64_t{kChunks} * kChunk);
  EXPECT_EQ(sum, want);
  EXPECT_EQ(stat(sim, "cpu.0.agent.pipe.holders_released"), 1u);  // the halted CPU's read end
}

// A spawn onto a CPU declared down fails with EAGAIN, as fork() does when it cannot.
TEST_P(Survivors, SpawnOntoADeadCpuFailsWithEagain) {
  tb::Scenario s = scenario(2, 1);
  tb::Simulation sim(s);
  sim.posix(0).start_program("parent", [] {
    wait_until([] { return hw::now_cycles() > kHaltAt + kDetectBound; });
    g.first = shadowsel_spawn(1, [](void*) { return 0; }, nullptr);
    g.errno_first = errno;
    return 0;
  });
  const tb::RunResult r = sim.run(10'000'000);
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  expect_declared_down(sim, 1);
  EXPECT_EQ(g.first, -1);
  EXPECT_EQ(g.errno_first, EAGAIN);
}

// The I/O CPU halts: a client on CPU 0 blocked in recv() on a connection wakes with
// ECONNRESET, its next send fails the same way, and a new socket() gives ENETDOWN.
TEST_P(Survivors, IoCpuHaltResetsConnectionsAndLeavesNoNetwork) {
  tb::Scenario s = scenario(3, 2);
  s.network.io_cpus = {2};
  tb::Simulation sim(s);
  static uint16_t port = 0;
  port = 0;
  sim.posix(1).start_program("server", [] {
    const int lfd = listen_on(0, false, &port);
    if (lfd < 0) return 1;
    const int fd = shadowsel_accept(lfd, nullptr, nullptr);
    if (fd < 0) return 2;
    char buf[8];
    g.third = shadowsel_recv(fd, buf, sizeof buf, 0);  // the server is blocked too
    return 0;
  });
  drv::Process& client = sim.posix(0).start_program("client", [] {
    wait_until([] { return port != 0; });
    const int fd = connect_to(port);
    if (fd < 0) return 1;
    char buf[8];
    g.first = shadowsel_recv(fd, buf, sizeof buf, 0);
    g.errno_first = errno;
    g.woke_at = hw::now_cycles();
    g.second = shadowsel_send(fd, "x", 1, MSG_NOSIGNAL);
    g.errno_second = errno;
    g.status = shadowsel_socket(AF_INET, SOCK_STREAM, 0) < 0 ? errno : 0;
    return 0;
  });
  const tb::RunResult r = sim.run(10'000'000);
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  EXPECT_EQ(sim.posix(0).program_status(client.pid()), std::optional<int>(0));
  expect_declared_down(sim, 2);
  EXPECT_EQ(g.first, -1);
  EXPECT_EQ(g.errno_first, ECONNRESET);
  expect_woke_within_bound(g.woke_at);
  EXPECT_EQ(g.second, -1);
  EXPECT_EQ(g.errno_second, ECONNRESET);
  EXPECT_EQ(g.status, ENETDOWN);
  EXPECT_EQ(g.third, -1);
  EXPECT_EQ(stat(sim, "cpu.0.agent.socket.owner_down.ECONNRESET"), 2u);  // recv, send
  EXPECT_EQ(stat(sim, "cpu.0.agent.socket.owner_down.ENETDOWN"), 1u);    // socket
  EXPECT_EQ(stat(sim, "cpu.1.agent.socket.owner_down.ECONNRESET"), 1u);  // the server's recv
}

// A process holding one end of a connection is killed: its exit closes the socket, so
// the peer on another CPU reads EOF, as on Linux.
TEST_P(Survivors, KilledSocketPeerGivesTheOtherEndEof) {
  tb::Scenario s = scenario(3, 0);
  s.faults.clear();
  tb::Fault f;
  f.kind = tb::FaultKind::kProcessKill;
  f.at_cycle = kHaltAt;
  f.cpu = 1;
  f.process = "peer";
  f.where = "test";
  s.faults.push_back(f);
  tb::Simulation sim(s);
  static uint16_t port = 0;
  port = 0;
  sim.posix(1).start_program("peer", [] {
    const int lfd = listen_on(0, false, &port);
    if (lfd < 0) return 1;
    const int fd = shadowsel_accept(lfd, nullptr, nullptr);
    if (fd < 0) return 2;
    for (;;) shadowsel_usleep(100);  // holds the connection until killed
    return 0;
  });
  drv::Process& reader = sim.posix(2).start_program("reader", [] {
    wait_until([] { return port != 0; });
    const int fd = connect_to(port);
    if (fd < 0) return 1;
    char buf[8];
    g.first = shadowsel_recv(fd, buf, sizeof buf, 0);
    g.woke_at = hw::now_cycles();
    return 0;
  });
  const tb::RunResult r = sim.run(10'000'000);
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  EXPECT_EQ(sim.posix(2).program_status(reader.pid()), std::optional<int>(0));
  EXPECT_EQ(stat(sim, "faults.process_kill"), 1u);
  EXPECT_EQ(g.first, 0);
  EXPECT_GT(g.woke_at, kHaltAt);
}

// The only writer of a pipe, a child on CPU 1, is killed (SIGKILL by the fault
// injector) while the reader on CPU 0 waits: its exit closes the write end, so the
// reader gets the bytes written, then EOF; the parent reaps it as killed.
TEST_P(Survivors, KilledPipeWriterGivesTheReaderEof) {
  tb::Scenario s = scenario(2, 0);
  s.faults.clear();
  tb::Fault f;
  f.kind = tb::FaultKind::kProcessKill;
  f.at_cycle = kHaltAt;
  f.cpu = 1;
  f.process = "child";
  f.where = "test";
  s.faults.push_back(f);
  tb::Simulation sim(s);
  drv::Process& parent = sim.posix(0).start_program("parent", [] {
    int fds[2];
    if (shadowsel_pipe(fds) != 0) return 1;
    const pid_t pid = shadowsel_spawn(
        1,
        [](void* arg) {
          const int* p = static_cast<const int*>(arg);
          shadowsel_close(p[0]);
          shadowsel_write(p[1], "abc", 3);
          for (;;) shadowsel_usleep(100);  // until killed
          return 0;
        },
        fds);
    if (pid <= 0) return 2;
    shadowsel_close(fds[1]);
    char buf[8];
    g.first = shadowsel_read(fds[0], buf, sizeof buf);
    g.second = shadowsel_read(fds[0], buf, sizeof buf);
    g.woke_at = hw::now_cycles();
    if (shadowsel_waitpid(pid, &g.status, 0) != pid) return 3;
    return 0;
  });
  const tb::RunResult r = sim.run(10'000'000);
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  EXPECT_EQ(sim.posix(0).program_status(parent.pid()), std::optional<int>(0));
  EXPECT_EQ(stat(sim, "faults.process_kill"), 1u);
  EXPECT_EQ(g.first, 3);
  EXPECT_EQ(g.second, 0);
  EXPECT_GT(g.woke_at, kHaltAt);
  EXPECT_TRUE(WIFSIGNALED(g.status)) << g.status;
  EXPECT_EQ(WTERMSIG(g.status), SIGKILL);
  EXPECT_EQ(stat(sim, "cpu.0.posix.children_lost"), 0u);  // killed, not lost with a CPU
}

INSTANTIATE_TEST_SUITE_P(Paths, Survivors, kPaths, path_name);

}  // namespace
}  // namespace shadowsel::test
