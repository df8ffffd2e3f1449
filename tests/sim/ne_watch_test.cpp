// SPDX-License-Identifier: MIT
// Epoll watches as the notify engine's persistent keys (docs/epoll.md, docs/ne-driver.md,
// docs/notify-engine.md §2a), on model, rtl and lockstep:
//  - a remote pipe watched by three items in two instances of one CPU is registered once
//    (one NE_SUBSCRIBE) however many epoll_waits follow; each write reaches that CPU as
//    one notification; the reader's own reads send nothing (skip node);
//  - deleting the items sends one NE_UNSUBSCRIBE, and later writes send nothing there;
//  - engines with small tables, the waiter's or the owner's: watches beyond them go to
//    the agents, every write is still reported;
//  - watches of pipes the owner's readiness table has no room for are told by the owner's
//    driver (NOTIFY commands on the persistent keys);
//  - a read by the watcher's own CPU that wakes the writers' side reaches its watch of
//    the write end (the skip node applies to readiness flips only), on every path;
//  - a watch whose subscribe the owner's full ring dropped is asked again; a full ring
//    at the watcher arms again only the watches whose answers fit it, the rest go to the agents;
// NODE_DOWN (EPOLLHUP as on sw) is Survivors.PipeOwnerCpuHaltWakesEpollWaitWithEpollhup
// (survivor_test.cpp, on every path).
#include <gtest/gtest.h>

#define SHADOWSEL_POSIX_NO_RENAME
#include "shadowsel/posix/posix.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "shadowsel/driver/ne_driver.h"
#include "shadowsel/gen/ipb.h"
#include "shadowsel/gen/ne.h"
#include "shadowsel/tb/simulation.h"

namespace shadowsel::test {
namespace {

namespace ipb = gen::ipb;

class NeWatch : public testing::TestWithParam<tb::NotifyPath> {
 protected:
  void SetUp() override { drv::NeDriver::default_options() = drv::NeDriverOptions{}; }
  void TearDown() override { drv::NeDriver::default_options() = drv::NeDriverOptions{}; }
  tb::Scenario scenario(uint32_t cpus) {
    tb::Scenario s;
    s.machine.cpus = cpus;
    s.notify = GetParam();
    return s;
  }
};

class NeWatchEveryPath : public NeWatch {};

uint64_t stat(tb::Simulation& sim, const std::string& path) {
  return static_cast<uint64_t>(sim.stats().value(path));
}

uint64_t transfers(tb::Simulation& sim, ipb::PacketType t) {
  const auto i = static_cast<uint8_t>(t);
  return sim.platform().bus().counters(0).by_type[i] + sim.platform().bus().counters(1).by_type[i];
}

tb::Simulation* g_sim = nullptr;

// --- one watch per key and CPU, a notification per write, one unsubscribe -------------------

constexpr int kWrites = 4;
struct Once {
  int p[2] = {-1, -1};
  int got[kWrites] = {};
  int got_other[kWrites] = {};
  bool deleted = false;
  uint64_t subscribes_after_add = 0, notifies_at_del = 0, unsubscribes_at_del = 0;
};
Once g_once;

int once_reader(void*) {  // CPU 0: the read end of CPU 1's pipe in three items
  shadowsel_close(g_once.p[1]);
  shadowsel_usleep(200);  // the close's drop reaches the owner before the watch
  const int ep1 = shadowsel_epoll_create1(0), ep2 = shadowsel_epoll_create1(0);
  const int dup = shadowsel_dup(g_once.p[0]);
  epoll_event e{};
  e.events = EPOLLIN;
  if (shadowsel_epoll_ctl(ep1, EPOLL_CTL_ADD, g_once.p[0], &e) != 0) return 1;
  if (shadowsel_epoll_ctl(ep1, EPOLL_CTL_ADD, dup, &e) != 0) return 2;
  e.events = EPOLLIN | EPOLLET;
  if (shadowsel_epoll_ctl(ep2, EPOLL_CTL_ADD, g_once.p[0], &e) != 0) return 3;
  g_once.subscribes_after_add = transfers(*g_sim, ipb::PacketType::kNeSubscribe);
  for (int i = 0; i < kWrites; ++i) {
    epoll_event got[2]{};
    g_once.got[i] = shadowsel_epoll_wait(ep1, got, 2, -1);  // both items of ep1
    g_once.got_other[i] = shadowsel_epoll_wait(ep2, got, 2, -1);
    char c;
    if (shadowsel_read(g_once.p[0], &c, 1) != 1) return 4;
  }
  shadowsel_epoll_ctl(ep1, EPOLL_CTL_DEL, g_once.p[0], nullptr);
  shadowsel_epoll_ctl(ep1, EPOLL_CTL_DEL, dup, nullptr);
  shadowsel_close(ep2);  // its item goes with it
  shadowsel_usleep(200);  // the unsubscribe reaches the owner
  g_once.notifies_at_del = transfers(*g_sim, ipb::PacketType::kNeNotify);
  g_once.unsubscribes_at_del = transfers(*g_sim, ipb::PacketType::kNeUnsubscribe);
  g_once.deleted = true;
  shadowsel_usleep(4000);  // the writer's later writes
  return 0;
}

TEST_P(NeWatch, AWatchIsRegisteredOnceAndEachWriteIsOneNotification) {
  g_once = Once{};
  tb::Simulation sim(scenario(2));
  g_sim = &sim;
  drv::Process& writer = sim.posix(1).start_program("writer", [] {
    if (shadowsel_pipe(g_once.p) != 0) return 1;
    const pid_t r = shadowsel_spawn(0, &once_reader, nullptr);
    if (r <= 0) return 2;
    for (int i = 0; i < kWrites; ++i) {
      shadowsel_usleep(2000);
      if (shadowsel_write(g_once.p[1], "x", 1) != 1) return 3;
    }
    while (!g_once.deleted) shadowsel_usleep(100);
    if (shadowsel_write(g_once.p[1], "yz", 2) != 2) return 4;  // nobody watches now
    shadowsel_usleep(100);
    char c[2];
    if (shadowsel_read(g_once.p[0], c, 2) != 2) return 5;
    int st = -1;
    return shadowsel_waitpid(r, &st, 0) == r && st == 0 ? 0 : 6;
  });
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  ASSERT_EQ(sim.posix(1).program_status(writer.pid()), std::optional<int>(0));
  for (int i = 0; i < kWrites; ++i) {
    EXPECT_EQ(g_once.got[i], 2) << i;
    EXPECT_EQ(g_once.got_other[i], 1) << i;
  }
  // One NE_SUBSCRIBE for three items (the first armed the key, the others were answered
  // from the watch database), none for the epoll_waits.
  EXPECT_EQ(g_once.subscribes_after_add, 1u);
  EXPECT_EQ(transfers(sim, ipb::PacketType::kNeSubscribe), 1u);
  EXPECT_EQ(stat(sim, "cpu.0.ne_driver.watches_armed"), 1u);
  EXPECT_EQ(stat(sim, "cpu.0.ne_driver.watches_suppressed"), 2u);
  // The answer and one notification per write: the reader's reads (their results carry
  // the state) send nothing.
  EXPECT_EQ(stat(sim, "cpu.0.ne_driver.watch_answers"), 1u);
  EXPECT_EQ(stat(sim, "cpu.0.ne_driver.watch_notifications"), static_cast<uint64_t>(kWrites));
  EXPECT_EQ(g_once.notifies_at_del, 1u + kWrites);
  EXPECT_GE(stat(sim, "cpu.1.ne_driver.publish_skips"), static_cast<uint64_t>(kWrites));
  // The last item's going: one CANCEL, one NE_UNSUBSCRIBE; the later write sent nothing.
  EXPECT_EQ(stat(sim, "cpu.0.ne_driver.watch_cancels"), 1u);
  EXPECT_EQ(g_once.unsubscribes_at_del, 1u);
  EXPECT_EQ(transfers(sim, ipb::PacketType::kNeUnsubscribe), 1u);
  EXPECT_EQ(transfers(sim, ipb::PacketType::kNeNotify), g_once.notifies_at_del);
  EXPECT_EQ(sim.posix(0).ne_driver()->watches(), 0u);
  // Nothing went through the agents.
  EXPECT_EQ(stat(sim, "cpu.0.agent.pipe.watches_sent"), 0u);
  EXPECT_EQ(stat(sim, "cpu.1.agent.pipe.watch_states_received"), 0u);
  EXPECT_EQ(stat(sim, "cpu.1.agent.pipe.notifications_sent"), 0u);
}

// --- small tables: watches beyond them go to the agents ----------------------------------

constexpr int kPipes = 8;
struct Small {
  int p[kPipes][2];
  bool armed = false;
  int seen[kPipes] = {};
  int total = 0;
};
Small g_small;

int small_reader(void*) {  // CPU 0: every read end of CPU 1's pipes in one instance
  const int ep = shadowsel_epoll_create1(0);
  for (int i = 0; i < kPipes; ++i) {
    epoll_event e{};
    e.events = EPOLLIN;
    e.data.u32 = static_cast<uint32_t>(i);
    if (shadowsel_epoll_ctl(ep, EPOLL_CTL_ADD, g_small.p[i][0], &e) != 0) return 1;
  }
  g_small.armed = true;
  while (g_small.total < kPipes) {
    epoll_event got[kPipes]{};
    const int n = shadowsel_epoll_wait(ep, got, kPipes, -1);
    if (n <= 0) return 2;
    for (int j = 0; j < n; ++j) {
      const uint32_t i = got[j].data.u32;
      char c;
      if (shadowsel_read(g_small.p[i][0], &c, 1) != 1) return 3;
      ++g_small.seen[i];
      ++g_small.total;
    }
  }
  return 0;
}

struct Fallbacks {
  uint64_t local_full, owner_full, armed, agent_watches;
};

int small_writer(void*) {  // CPU 1: pipes 0-3 (4-7, if any, came from CPU 2), the reader, the writes
  for (int i = 0; i < kPipes; ++i)
    if (g_small.p[i][0] < 0 && shadowsel_pipe(g_small.p[i]) != 0) return 1;
  const pid_t r = shadowsel_spawn(0, &small_reader, nullptr);
  if (r <= 0) return 2;
  while (!g_small.armed) shadowsel_usleep(100);
  for (int i = 0; i < kPipes; ++i) {
    shadowsel_usleep(500);
    if (shadowsel_write(g_small.p[i][1], "x", 1) != 1) return 3;
  }
  int st = -1;
  return shadowsel_waitpid(r, &st, 0) == r && st == 0 ? 0 : 4;
}

// Eight pipes watched by one instance of CPU 0, all of CPU 1 or half of CPU 2
// (`two_owners`), with engines of 4 local and 2 remote interest slots (the small size the
// Verilated RTL has); every write is reported.
Fallbacks small_tables(tb::NotifyPath path, bool two_owners) {
  g_small = Small{};
  for (auto& pp : g_small.p) pp[0] = pp[1] = -1;
  const ne::Params small{4, 2, {}};
  hw::CoreFactory cores = [path, small](uint32_t) -> std::unique_ptr<ne::Core> {
    if (path == tb::NotifyPath::kRtl) return ne::make_rtl(small);
    if (path == tb::NotifyPath::kModel) return ne::make_twin(small);
    return ne::make_lockstep(ne::make_rtl(small), ne::make_twin(small));
  };
  tb::Scenario sc;
  sc.machine.cpus = 3;
  sc.notify = path;
  tb::Simulation sim(sc, cores);
  int top = 1;
  drv::Process* first = nullptr;
  if (two_owners) {
    top = 2;
    first = &sim.posix(2).start_program("owner2", [] {
      for (int i = kPipes / 2; i < kPipes; ++i)
        if (shadowsel_pipe(g_small.p[i]) != 0) return 1;
      const pid_t w = shadowsel_spawn(1, &small_writer, nullptr);
      int st = -1;
      return w > 0 && shadowsel_waitpid(w, &st, 0) == w && st == 0 ? 0 : 2;
    });
  } else {
    first = &sim.posix(1).start_program("writer", [] { return small_writer(nullptr); });
  }
  const tb::RunResult r = sim.run();
  EXPECT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  EXPECT_EQ(sim.posix(top).program_status(first->pid()), std::optional<int>(0));
  for (int i = 0; i < kPipes; ++i) EXPECT_EQ(g_small.seen[i], 1) << i;
  return {stat(sim, "cpu.0.ne_driver.watch_full_fallbacks"), stat(sim, "cpu.0.ne_driver.watch_owner_full_fallbacks"),
          stat(sim, "cpu.0.ne_driver.watches_armed"), stat(sim, "cpu.0.agent.pipe.watches_sent")};
}

// Two owners (3 places each for 4 keys): the waiter's 5 places fill first, ARM_RESULT =
// FULL for some keys, which go to the agents.
TEST_P(NeWatch, WatchesBeyondASmallLocalTableGoToTheAgentsAndEveryWriteIsReported) {
  const Fallbacks f = small_tables(GetParam(), true);
  EXPECT_GT(f.local_full, 0u);
  EXPECT_EQ(f.agent_watches, f.local_full + f.owner_full);  // each fallback is one agent watch
  EXPECT_EQ(f.armed + f.local_full, static_cast<uint64_t>(kPipes));
}

// One owner of eight watched pipes (3 places): ANSWER ready=1 for the watches beyond.
TEST_P(NeWatch, WatchesBeyondASmallOwnersTableGoToTheAgentsAndEveryWriteIsReported) {
  const Fallbacks f = small_tables(GetParam(), false);
  EXPECT_GT(f.owner_full, 0u);
  EXPECT_EQ(f.agent_watches, f.local_full + f.owner_full);
  EXPECT_EQ(f.armed + f.local_full, static_cast<uint64_t>(kPipes));
}

// --- watches of objects the owner's readiness table has no room for -----------------------

constexpr int kFill = 20, kWatched = 6;
struct Unpub {
  int p[kFill + kWatched][2];
  bool filled = false, written = false, armed = false;
  int seen[kWatched] = {};
  int total = 0;
};
Unpub g_unpub;

int unpub_reader(void*) {  // CPU 0
  // Each of the first pipes asked once (a poll that times out): published at the owner.
  for (int i = 0; i < kFill; ++i) {
    struct pollfd f{g_unpub.p[i][0], POLLIN, 0};
    if (shadowsel_poll(&f, 1, 1) != 0) return 1;
  }
  g_unpub.filled = true;
  while (!g_unpub.written) shadowsel_usleep(100);
  shadowsel_usleep(500);  // the notifications of those writes are in
  const int ep = shadowsel_epoll_create1(0);
  for (int i = 0; i < kWatched; ++i) {
    epoll_event e{};
    e.events = EPOLLIN;
    e.data.u32 = static_cast<uint32_t>(i);
    if (shadowsel_epoll_ctl(ep, EPOLL_CTL_ADD, g_unpub.p[kFill + i][0], &e) != 0) return 3;
  }
  g_unpub.armed = true;
  while (g_unpub.total < 2 * kWatched) {
    epoll_event got[kWatched]{};
    const int n = shadowsel_epoll_wait(ep, got, kWatched, -1);
    if (n <= 0) return 4;
    for (int j = 0; j < n; ++j) {
      const uint32_t i = got[j].data.u32;
      char c;
      if (shadowsel_read(g_unpub.p[kFill + i][0], &c, 1) != 1) return 5;
      ++g_unpub.seen[i];
      ++g_unpub.total;
    }
  }
  return 0;
}

// The owner's readiness table is full of the objects a poll asked about (their one-shot
// interests freed by a write each); the pipes watched next are not published, so the
// owner's driver tells their watches by NOTIFY commands: every write is reported.
TEST_P(NeWatch, WatchesOfObjectsNotPublishedAreNotifiedByTheOwnersDriver) {
  g_unpub = Unpub{};
  tb::Simulation sim(scenario(2));
  drv::Process& owner = sim.posix(1).start_program("owner", [] {
    for (auto& pp : g_unpub.p)
      if (shadowsel_pipe(pp) != 0) return 1;
    const pid_t r = shadowsel_spawn(0, &unpub_reader, nullptr);
    if (r <= 0) return 2;
    while (!g_unpub.filled) shadowsel_usleep(100);
    for (int i = 0; i < kFill; ++i)  // frees the polls' interests (the data stays)
      if (shadowsel_write(g_unpub.p[i][1], "f", 1) != 1) return 3;
    g_unpub.written = true;
    while (!g_unpub.armed) shadowsel_usleep(100);
    for (int round = 0; round < 2; ++round) {
      for (int i = 0; i < kWatched; ++i) {
        shadowsel_usleep(500);
        if (shadowsel_write(g_unpub.p[kFill + i][1], "x", 1) != 1) return 4;
      }
    }
    int st = -1;
    return shadowsel_waitpid(r, &st, 0) == r && st == 0 ? 0 : 5;
  });
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  ASSERT_EQ(sim.posix(1).program_status(owner.pid()), std::optional<int>(0));
  for (int i = 0; i < kWatched; ++i) EXPECT_EQ(g_unpub.seen[i], 2) << i;
  EXPECT_GT(stat(sim, "cpu.1.ne_driver.publish_full"), 0u);
  EXPECT_GT(stat(sim, "cpu.1.ne_driver.watch_notifies_sent"), 0u);
  EXPECT_EQ(stat(sim, "cpu.0.ne_driver.watches_armed"), static_cast<uint64_t>(kWatched));
  EXPECT_EQ(stat(sim, "cpu.0.agent.pipe.watches_sent"), 0u);
}

// --- the maker of a change hears of a wake it caused (watch_rule.h), on every path --------

constexpr int kReads = 3;
struct Maker {
  int p[2] = {-1, -1};
  int initial = -2, again = -2;
  int after_read[kReads] = {};
};
Maker g_maker;

int maker_child(void*) {  // CPU 0: watches the write end of CPU 1's pipe and reads the read end
  const int ep = shadowsel_epoll_create1(0);
  epoll_event e{};
  e.events = EPOLLOUT | EPOLLET;
  if (shadowsel_epoll_ctl(ep, EPOLL_CTL_ADD, g_maker.p[1], &e) != 0) return 1;
  epoll_event got{};
  g_maker.initial = shadowsel_epoll_wait(ep, &got, 1, 0);  // writable: the edge of the ADD
  g_maker.again = shadowsel_epoll_wait(ep, &got, 1, 0);    // edge-triggered: nothing new
  for (int i = 0; i < kReads; ++i) {
    char c;
    if (shadowsel_read(g_maker.p[0], &c, 1) != 1) return 2;  // wakes the writers' side
    shadowsel_usleep(200);
    g_maker.after_read[i] = shadowsel_epoll_wait(ep, &got, 1, 0);
  }
  return 0;
}

// A read by the watcher's own CPU wakes the writers' side: the watch of the write end
// hears of it on every path, although the read's result carries the state (on the
// engine, the PUBLISH without the skip node).
TEST_P(NeWatchEveryPath, AReadThatWakesTheWritersReachesTheReadersOwnWriteWatch) {
  g_maker = Maker{};
  tb::Scenario sc;
  sc.machine.cpus = 2;
  sc.notify = GetParam();
  tb::Simulation sim(sc);
  drv::Process& owner = sim.posix(1).start_program("owner", [] {
    if (shadowsel_pipe(g_maker.p) != 0) return 1;
    if (shadowsel_write(g_maker.p[1], "abc", 3) != 3) return 2;
    const pid_t c = shadowsel_spawn(0, &maker_child, nullptr);
    int st = -1;
    return c > 0 && shadowsel_waitpid(c, &st, 0) == c && st == 0 ? 0 : 3;
  });
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  ASSERT_EQ(sim.posix(1).program_status(owner.pid()), std::optional<int>(0));
  EXPECT_EQ(g_maker.initial, 1);
  EXPECT_EQ(g_maker.again, 0);
  for (int i = 0; i < kReads; ++i) EXPECT_EQ(g_maker.after_read[i], 1) << i;
  if (GetParam() != tb::NotifyPath::kSw) {
    EXPECT_EQ(stat(sim, "cpu.0.ne_driver.watches_armed"), 1u);
    EXPECT_EQ(stat(sim, "cpu.0.agent.pipe.watches_sent"), 0u);
    EXPECT_GE(stat(sim, "cpu.0.ne_driver.watch_notifications"), static_cast<uint64_t>(kReads));
  }
}

// --- a watch's subscribe lost at the owner is asked again ---------------------------------

constexpr int kLost = 8;
struct Lost {
  int p[kLost][2];
  bool go = false;
  int armed = 0;
  int got[kLost] = {};
};
Lost g_lost;

int lost_watcher(void* arg) {  // one fresh pipe each, all at once
  const auto i = static_cast<int>(reinterpret_cast<intptr_t>(arg));
  while (!g_lost.go) shadowsel_usleep(10);
  // every watcher arms at the same instant (2 ms), so that the subscribes meet at the owner
  timespec now{};
  shadowsel_clock_gettime(CLOCK_MONOTONIC, &now);
  const long left_ns = 2'000'000L - (now.tv_sec * 1'000'000'000L + now.tv_nsec);
  if (left_ns > 0) {
    const timespec d{0, left_ns};
    shadowsel_nanosleep(&d, nullptr);
  }
  const int ep = shadowsel_epoll_create1(0);
  epoll_event e{};
  e.events = EPOLLIN;
  if (shadowsel_epoll_ctl(ep, EPOLL_CTL_ADD, g_lost.p[i][0], &e) != 0) return 1;
  ++g_lost.armed;
  epoll_event got{};
  g_lost.got[i] = shadowsel_epoll_wait(ep, &got, 1, -1);
  return g_lost.got[i] == 1 ? 0 : 2;
}

struct LostRun {
  tb::RunResult::End end;
  std::string detail;
  int owner_status = -1;
  uint64_t overflows_owner = 0, overflows_watchers = 0, asked_again = 0, resync_fallbacks = 0,
           agent_watches = 0;
};

uint32_t g_lost_cpus = 0;  // watchers on CPUs 1..g_lost_cpus-1 in turn, or all on CPU 1

// Eight processes watch a fresh pipe of CPU 0 each, at the same instant; then each pipe
// is written. `rings`: RING_SIZE of CPUs whose ring is small.
LostRun lost_watches(tb::NotifyPath path, uint32_t cpus, const std::map<uint32_t, uint32_t>& rings) {
  g_lost = Lost{};
  g_lost_cpus = cpus;
  drv::NeDriver::default_options().ring_records_of_cpu = rings;
  tb::Scenario sc;
  sc.machine.cpus = cpus;
  sc.notify = path;
  tb::Simulation sim(sc);
  drv::Process& owner = sim.posix(0).start_program("owner", [] {
    for (auto& pp : g_lost.p)
      if (shadowsel_pipe(pp) != 0) return 1;
    pid_t c[kLost];
    for (int i = 0; i < kLost; ++i) {
      const int cpu = 1 + i % static_cast<int>(g_lost_cpus - 1);
      c[i] = shadowsel_spawn(cpu, &lost_watcher, reinterpret_cast<void*>(static_cast<intptr_t>(i)));
      if (c[i] <= 0) return 2;
    }
    g_lost.go = true;
    while (g_lost.armed < kLost) shadowsel_usleep(100);
    for (auto& pp : g_lost.p)
      if (shadowsel_write(pp[1], "!", 1) != 1) return 3;
    for (const pid_t pid : c) {
      int st = -1;
      if (shadowsel_waitpid(pid, &st, 0) != pid || st != 0) return 4;
    }
    return 0;
  });
  // a watch waiting for ever naps without end: the limit ends such a run
  const tb::RunResult r = sim.run(50'000'000);
  LostRun out{r.end, r.detail + " (" + std::to_string(g_lost.armed) + " armed)"};
  out.owner_status = sim.posix(0).program_status(owner.pid()).value_or(-1);
  out.overflows_owner = stat(sim, "cpu.0.ne_driver.ring_overflows");
  for (uint32_t c = 1; c < cpus; ++c) {
    const std::string n = "cpu." + std::to_string(c) + ".";
    out.overflows_watchers += stat(sim, n + "ne_driver.ring_overflows");
    out.asked_again += stat(sim, n + "ne_driver.watches_asked_again");
    out.resync_fallbacks += stat(sim, n + "ne_driver.watch_resync_fallbacks");
    out.agent_watches += stat(sim, n + "agent.pipe.watches_sent");
  }
  return out;
}

// The owner's ring holds one record: eight first subscribes from eight CPUs reach its
// software at once and it drops some. A watch whose subscribe was lost is armed again after the longest
// nap (R11 of ne-driver.md), so every EPOLL_CTL_ADD returns and every write is reported
// through the engine (before, the ADD waited for ever).
TEST_P(NeWatch, AWatchWhoseSubscribeTheOwnersFullRingDroppedIsAskedAgain) {
  const LostRun r = lost_watches(GetParam(), 1 + kLost, {{0, 1}});
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  EXPECT_EQ(r.owner_status, 0);
  for (int i = 0; i < kLost; ++i) EXPECT_EQ(g_lost.got[i], 1) << i;
  // The fault happened: the owner's ring dropped subscribes, and the watches were asked again.
  EXPECT_GE(r.overflows_owner, 1u);
  EXPECT_GE(r.asked_again, 1u);
  EXPECT_EQ(r.overflows_watchers, 0u);
  EXPECT_EQ(r.agent_watches, 0u);
}

// One CPU watches the eight pipes, its ring holds one record: the answers overflow it, and
// the resynchronisation cannot arm them all again (their answers would overflow it again,
// for ever, as they did before): the watches beyond half the ring go to the agents, and
// every write is reported.
TEST_P(NeWatch, AResynchronisationArmsAgainOnlyTheWatchesWhoseAnswersFitTheRing) {
  const LostRun r = lost_watches(GetParam(), 2, {{1, 1}});
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  EXPECT_EQ(r.owner_status, 0);
  for (int i = 0; i < kLost; ++i) EXPECT_EQ(g_lost.got[i], 1) << i;
  EXPECT_GE(r.overflows_watchers, 1u);
  EXPECT_GE(r.resync_fallbacks, 1u);
  EXPECT_EQ(r.agent_watches, r.resync_fallbacks);
}

INSTANTIATE_TEST_SUITE_P(Paths, NeWatchEveryPath,
                         testing::Values(tb::NotifyPath::kSw, tb::NotifyPath::kModel, tb::NotifyPath::kRtl,
                                         tb::NotifyPath::kLockstep),
                         [](const auto& i) { return std::string(tb::to_string(i.param)); });

INSTANTIATE_TEST_SUITE_P(Paths, NeWatch,
                         testing::Values(tb::NotifyPath::kModel, tb::NotifyPath::kRtl,
                                         tb::NotifyPath::kLockstep),
                         [](const auto& i) { return std::string(tb::to_string(i.param)); });

}  // namespace
}  // namespace shadowsel::test
