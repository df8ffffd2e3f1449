// SPDX-License-Identifier: MIT
// What the Linux-equivalence programs (tests/posix/) cannot compare with Linux:
//  - kill(0) reaches the caller's group on every CPU and not another program's;
//    kill(-1) reaches every process of the layer but the caller, of every program
//    (natively it would signal every process of the user), then ESRCH once nobody is
//    left;
//  - an eventfd used by a child on another CPU ends the run with a message naming the
//    call, the CPU and the process (docs/posix.md, eventfd);
//  - a stopped process's timer keeps running: its SIGALRM comes while it is stopped and
//    stays pending, the handler running only after SIGCONT;
//  - a process killed while its accept waits at the network I/O process leaves no
//    waiting accept there; killed as the connection is handed to it, it gives the
//    connection back: none is ever lost (the kill swept across the hand-over);
//  - a second kill landing while the first one's exit closes descriptors (calls to the
//    network I/O process) is dropped: every connection is closed, the status is the
//    first signal's;
//  - epoll_wait ends with EINTR after a stop and SIGCONT, no handler run, while a read
//    stopped the same way is made again (signal(7); natively the test would depend on
//    the child being in the call when it is stopped).
// Every test runs on each notify path (sw, model, rtl, lockstep).
#include <gtest/gtest.h>

#define SHADOWSEL_POSIX_NO_RENAME
#include "shadowsel/posix/posix.h"

#include <cstdint>
#include <string>

#include "on_each_path.h"
#include "shadowsel/firmware/net_io.h"
#include "shadowsel/firmware/services.h"
#include "shadowsel/hw/time.h"

namespace shadowsel::test {
namespace {

tb::Scenario scenario(uint32_t cpus) {
  tb::Scenario s;
  s.machine.cpus = cpus;
  s.notify = g_path;
  return s;
}

// --- kill(-1) and kill(0) ---------------------------------------------------------------

struct Broadcast {
  int group_kill = -1, all_kill = -1, after = -1, after_errno = 0;
  int statuses[4] = {-1, -1, -1, -1};
};
Broadcast g_b;
int g_hold[2];  // read end: children and the other program block on it

int hold(void*) {
  char c;
  return shadowsel_read(g_hold[0], &c, 1) == 0 ? 0 : 1;
}

class SignalBroadcast : public OnEachPath {};

TEST_P(SignalBroadcast, KillZeroReachesItsGroupKillMinusOneEveryProcessButTheCaller) {
  g_b = Broadcast{};
  tb::Simulation sim(scenario(4));
  // Another program (a group of its own) on CPU 2, blocked until signalled.
  drv::Process& other = sim.posix(2).start_program("other", [] {
    shadowsel_usleep(1000000);  // SIGTERM's default action ends it first
    return 7;
  });
  drv::Process& main = sim.posix(0).start_program("main", [] {
    if (shadowsel_pipe(g_hold) != 0) return 1;
    pid_t kids[4];
    for (int i = 0; i < 4; ++i) kids[i] = shadowsel_spawn(i, hold, nullptr);
    shadowsel_usleep(10000);  // every child blocked
    // kill(0): the caller's group, the caller included (it ignores SIGUSR2): its
    // children die of it, the other program does not
    shadowsel_signal(SIGUSR2, SIG_IGN);
    g_b.group_kill = shadowsel_kill(0, SIGUSR2);
    for (int i = 0; i < 4; ++i) shadowsel_waitpid(kids[i], &g_b.statuses[i], 0);
    // kill(-1): everybody but the caller, so the other program
    g_b.all_kill = shadowsel_kill(-1, SIGTERM);
    shadowsel_usleep(10000);  // the other program is gone
    g_b.after = shadowsel_kill(-1, 0);
    g_b.after_errno = errno;
    return 0;
  });
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  EXPECT_EQ(sim.posix(0).program_status(main.pid()), std::optional<int>(0));
  EXPECT_EQ(g_b.group_kill, 0);
  EXPECT_EQ(g_b.all_kill, 0);
  for (int st : g_b.statuses) {
    EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGUSR2) << "status " << st;
  }
  EXPECT_EQ(sim.posix(2).program_status(other.pid()), std::optional<int>(SIGTERM));
  EXPECT_EQ(g_b.after, -1);
  EXPECT_EQ(g_b.after_errno, ESRCH);
}

INSTANTIATE_TEST_SUITE_P(Paths, SignalBroadcast, kPaths, path_name);

// --- an eventfd on another CPU ----------------------------------------------------------------

int g_efd = -1;

int write_efd(void*) {
  const uint64_t v = 1;
  return shadowsel_write(g_efd, &v, sizeof v) == sizeof v ? 0 : 1;
}

class EventfdElsewhere : public OnEachPath {};

TEST_P(EventfdElsewhere, UsingItOnAnotherCpuEndsTheRunNamingTheCallCpuAndProcess) {
  tb::Simulation sim(scenario(3));
  sim.posix(0).start_program("main", [] {
    g_efd = shadowsel_eventfd(0, 0);
    const pid_t c = shadowsel_spawn(2, write_efd, nullptr);
    int st = 0;
    shadowsel_waitpid(c, &st, 0);
    return 0;
  });
  const tb::RunResult r = sim.run();
  EXPECT_NE(r.end, tb::RunResult::End::kFinished);
  EXPECT_NE(r.detail.find("eventfd: write on cpu 2 by pid "), std::string::npos) << r.detail;
  EXPECT_NE(r.detail.find("made on cpu 0"), std::string::npos) << r.detail;
}

INSTANTIATE_TEST_SUITE_P(Paths, EventfdElsewhere, kPaths, path_name);

// --- a stopped process's timer -----------------------------------------------------------

struct Stopped {
  int alarms = 0;
  uint64_t handler_at = 0;  // cycle the handler ran
  int read_ret = 0, read_errno = 0, stop_status = 0, cont_status = 0, exit_status = -1;
  uint64_t continued_at = 0;
};
Stopped g_s;
int g_block[2];

void on_alarm(int) {
  ++g_s.alarms;
  g_s.handler_at = hw::now_cycles();
}

// Its alarm in 100 ms, then a read that nothing will satisfy: SIGALRM ends it. Then
// a read until the parent closes the pipe, so that it outlives its continue report.
int alarmed_reader(void*) {
  shadowsel_close(g_block[1]);
  struct sigaction sa {};
  sa.sa_handler = on_alarm;
  shadowsel_sigaction(SIGALRM, &sa, nullptr);
  shadowsel_alarm(0);
  struct itimerval it {};
  it.it_value.tv_usec = 100000;
  shadowsel_setitimer(ITIMER_REAL, &it, nullptr);
  char c;
  g_s.read_ret = static_cast<int>(shadowsel_read(g_block[0], &c, 1));
  g_s.read_errno = errno;
  return static_cast<int>(shadowsel_read(g_block[0], &c, 1));  // 0 at EOF, once continued
}

// Child `c`, 10 ms after the call, gets SIGSTOP and, `stopped_us` later, SIGCONT; the
// waitpid reports of both, and the cycle SIGCONT was sent at.
struct StopCont {
  int stop_status = 0, cont_status = 0;
  uint64_t continued_at = 0;
};
StopCont stop_and_continue(pid_t c, useconds_t stopped_us) {
  StopCont s;
  shadowsel_usleep(10000);
  shadowsel_kill(c, SIGSTOP);
  shadowsel_waitpid(c, &s.stop_status, WUNTRACED);
  shadowsel_usleep(stopped_us);
  s.continued_at = hw::now_cycles();
  shadowsel_kill(c, SIGCONT);
  shadowsel_waitpid(c, &s.cont_status, WCONTINUED);
  return s;
}

class StoppedTimer : public OnEachPath {};

TEST_P(StoppedTimer, AlarmFiresWhileStoppedAndItsHandlerRunsAfterSigcont) {
  g_s = Stopped{};
  tb::Simulation sim(scenario(2));
  sim.posix(0).start_program("main", [] {
    if (shadowsel_pipe(g_block) != 0) return 1;
    const pid_t c = shadowsel_spawn(1, alarmed_reader, nullptr);
    const StopCont sc = stop_and_continue(c, 290000);  // the alarm is due at 100 ms
    g_s.stop_status = sc.stop_status;
    g_s.cont_status = sc.cont_status;
    g_s.continued_at = sc.continued_at;
    shadowsel_close(g_block[1]);  // its second read ends: it exits
    shadowsel_waitpid(c, &g_s.exit_status, 0);
    return 0;
  });
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  EXPECT_TRUE(WIFSTOPPED(g_s.stop_status) && WSTOPSIG(g_s.stop_status) == SIGSTOP) << g_s.stop_status;
  EXPECT_TRUE(WIFCONTINUED(g_s.cont_status)) << g_s.cont_status;
  EXPECT_EQ(g_s.alarms, 1);
  EXPECT_GE(g_s.handler_at, g_s.continued_at);  // pending while stopped, not run
  EXPECT_EQ(g_s.read_ret, -1);
  EXPECT_EQ(g_s.read_errno, EINTR);
  EXPECT_TRUE(WIFEXITED(g_s.exit_status) && WEXITSTATUS(g_s.exit_status) == 0) << g_s.exit_status;
}

INSTANTIATE_TEST_SUITE_P(Paths, StoppedTimer, kPaths, path_name);

// --- a process killed in accept ---------------------------------------------------------------

int g_listener = -1;

sockaddr_in loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  return a;
}

// A TCP listener on 127.0.0.1 at a port the layer picks, its address in *at; -1 if any
// step fails.
int listen_on_loopback(int backlog, sockaddr_in* at) {
  const int l = shadowsel_socket(AF_INET, SOCK_STREAM, 0);
  *at = loopback(0);
  socklen_t len = sizeof *at;
  if (shadowsel_bind(l, reinterpret_cast<sockaddr*>(at), sizeof *at) != 0 || shadowsel_listen(l, backlog) != 0 ||
      shadowsel_getsockname(l, reinterpret_cast<sockaddr*>(at), &len) != 0)
    return -1;
  return l;
}


int acceptor(void*) {
  shadowsel_accept(g_listener, nullptr, nullptr);
  return 3;
}

class KilledInAccept : public OnEachPath {};

TEST_P(KilledInAccept, LeavesNoWaitingAcceptAtTheIoProcess) {
  tb::Simulation sim(scenario(3));
  fw::NetworkIo* net = sim.services(0).net.get();
  ASSERT_NE(net, nullptr);
  static size_t waiting_in = 0, waiting_after = 0;
  static int status = -1;
  sim.posix(1).start_program("main", [net] {
    g_listener = shadowsel_socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a {};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (shadowsel_bind(g_listener, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return 1;
    if (shadowsel_listen(g_listener, 4) != 0) return 2;
    const pid_t c = shadowsel_spawn(2, acceptor, nullptr);
    shadowsel_usleep(10000);
    waiting_in = net->waiting_accepts();
    shadowsel_kill(c, SIGKILL);
    shadowsel_waitpid(c, &status, 0);
    shadowsel_usleep(10000);
    waiting_after = net->waiting_accepts();
    shadowsel_close(g_listener);
    return 0;
  });
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  EXPECT_EQ(waiting_in, 1u);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  EXPECT_EQ(waiting_after, 0u);
}

INSTANTIATE_TEST_SUITE_P(Paths, KilledInAccept, kPaths, path_name);

// --- killed as the I/O process hands its accept a connection -------------------------------

constexpr int kKillDelays = 60;
struct AcceptRace {
  int normal = 0, given_back = 0, still_queued = 0, lost = 0, other = 0;
};
AcceptRace g_race;

int accept_once(void*) {
  const int s = shadowsel_accept(g_listener, nullptr, nullptr);
  return s >= 0 ? 3 : 4;
}

pid_t g_acceptor = -1;
long g_kill_delay_ns = 0;

// On the acceptor's CPU, so that the kill does not cross the bus after the connect.
int kill_acceptor(void*) {
  const struct timespec delay {0, g_kill_delay_ns};
  if (g_kill_delay_ns > 0) shadowsel_nanosleep(&delay, nullptr);
  shadowsel_kill(g_acceptor, SIGKILL);
  return 0;
}

class KilledAsAcceptCompletes : public OnEachPath {};

// The acceptor on CPU 1 is killed at a delay after the connect that its accept will
// take, the delay swept across the moment the I/O process hands it the connection. Each
// round ends one of three ways: the accept returned first (the acceptor's exit closes
// the connection: the client reads end of file), the kill came first (its cancel leaves
// the connection queued at the listener), or the connection was handed to the accept
// as it died: the killed caller takes that result and gives it back (the client reads
// end of file, nothing stays queued). Never is a connection lost: neither closed nor
// queued. The sweep must cross the hand-over: some round gives a connection back.
TEST_P(KilledAsAcceptCompletes, NeverLosesTheConnection) {
  g_race = AcceptRace{};
  tb::Simulation sim(scenario(2));
  sim.posix(0).start_program("main", [] {
    sockaddr_in a;
    g_listener = listen_on_loopback(4, &a);
    if (g_listener < 0) return 1;
    for (int round = 0; round < kKillDelays; ++round) {
      const pid_t c = g_acceptor = shadowsel_spawn(1, accept_once, nullptr);
      shadowsel_usleep(1000);  // the accept waits at the I/O process
      const int client = shadowsel_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      g_kill_delay_ns = 300 * round;
      const pid_t killer = shadowsel_spawn(1, kill_acceptor, nullptr);
      if (shadowsel_connect(client, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 && errno != EINPROGRESS) return 4;
      int status = 0;
      shadowsel_waitpid(c, &status, 0);
      shadowsel_waitpid(killer, nullptr, 0);
      shadowsel_usleep(1000);  // a connection given back is closed by now
      char b;
      const ssize_t got = shadowsel_recv(client, &b, 1, MSG_DONTWAIT);
      // still queued at the listener: readable at once (the listener stays blocking,
      // as the next acceptor needs it)
      struct pollfd pl {g_listener, POLLIN, 0};
      const int queued = shadowsel_poll(&pl, 1, 0) == 1 ? shadowsel_accept(g_listener, nullptr, nullptr) : -1;
      const bool killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
      if (!killed && WIFEXITED(status) && WEXITSTATUS(status) == 3 && got == 0 && queued < 0) ++g_race.normal;
      else if (killed && got == 0 && queued < 0) ++g_race.given_back;
      else if (killed && got < 0 && errno == EAGAIN && queued >= 0) ++g_race.still_queued;
      else if (killed && got < 0 && queued < 0) ++g_race.lost;
      else ++g_race.other;
      if (queued >= 0) shadowsel_close(queued);
      shadowsel_close(client);
    }
    return 0;
  });
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  EXPECT_EQ(g_race.lost, 0);
  EXPECT_EQ(g_race.other, 0);
  EXPECT_GE(stat(sim, "cpu.1.posix.results_given_back"), 1u)
      << "no kill landed as the connection was handed over: the test proves nothing";
  EXPECT_EQ(stat(sim, "cpu.1.posix.results_given_back"), static_cast<uint64_t>(g_race.given_back))
      << "a round counted as given back was not (or the reverse)";
  EXPECT_EQ(g_race.given_back + g_race.normal + g_race.still_queued, kKillDelays)
      << "normal " << g_race.normal << ", given back " << g_race.given_back << ", still queued "
      << g_race.still_queued;
  EXPECT_GT(g_race.still_queued + g_race.normal, 0) << "every round was given back: the sweep is not across the hand-over";
}

INSTANTIATE_TEST_SUITE_P(Paths, KilledAsAcceptCompletes, kPaths, path_name);

// --- a second kill while the first one's exit closes the descriptors ---------------------------

constexpr int kHeldSockets = 3;
struct KilledTwice {
  int kills[2] = {-1, -1};
  int kill_errno = 0;
  int status = -1;
  int connected = 0;
  ssize_t read_ret[kHeldSockets];
  int read_errno[kHeldSockets];
};
KilledTwice g_k;
uint16_t g_port = 0;
pid_t g_holder = -1;

// Connections whose real sockets live at the network I/O process (CPU 0): closing one
// is a call there, so the exit that closes them waits on the bus.
int hold_connections(void*) {
  for (int i = 0; i < kHeldSockets; ++i) {
    const int s = shadowsel_socket(AF_INET, SOCK_STREAM, 0);
    const sockaddr_in a = loopback(g_port);
    if (shadowsel_connect(s, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0) ++g_k.connected;
  }
  shadowsel_usleep(1000000);  // killed long before
  return 5;
}

// On the holder's CPU: SIGTERM, then SIGKILL once the holder has begun to exit (it runs
// as soon as this one sleeps, and its first close takes a bus round trip, far longer
// than the nap).
int kill_twice(void*) {
  g_k.kills[0] = shadowsel_kill(g_holder, SIGTERM);
  const struct timespec nap {0, 400};
  shadowsel_nanosleep(&nap, nullptr);
  g_k.kills[1] = shadowsel_kill(g_holder, SIGKILL);
  g_k.kill_errno = errno;
  return 0;
}

class SecondKill : public OnEachPath {};

// kill(SIGTERM) then kill(SIGKILL) is the usual way to end a process. Here the second
// signal comes while the first one's exit is still closing descriptors: it changes
// nothing, as in Linux (a process in do_exit takes no more signals), and the exit closes
// every descriptor (each peer reads end of file) and reports the first signal.
TEST_P(SecondKill, LandingInTheExitStillClosesEveryDescriptorAndReportsTheFirst) {
  g_k = KilledTwice{};
  tb::Simulation sim(scenario(2));
  sim.posix(0).start_program("main", [] {
    sockaddr_in a;
    const int l = listen_on_loopback(kHeldSockets, &a);
    if (l < 0) return 1;
    g_port = ntohs(a.sin_port);
    g_holder = shadowsel_spawn(1, hold_connections, nullptr);
    int peers[kHeldSockets];
    for (int& p : peers) p = shadowsel_accept(l, nullptr, nullptr);
    shadowsel_usleep(10000);  // the holder sleeps, holding its connections
    const pid_t killer = shadowsel_spawn(1, kill_twice, nullptr);
    shadowsel_waitpid(g_holder, &g_k.status, 0);
    shadowsel_waitpid(killer, nullptr, 0);
    // every connection was closed by the holder's exit: end of file, not EAGAIN
    for (int i = 0; i < kHeldSockets; ++i) {
      char b;
      g_k.read_ret[i] = shadowsel_recv(peers[i], &b, 1, MSG_DONTWAIT);
      g_k.read_errno[i] = errno;
    }
    return 0;
  });
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  ASSERT_EQ(g_k.connected, kHeldSockets);
  EXPECT_EQ(stat(sim, "cpu.1.signals_while_exiting"), 1u)
      << "the second kill did not land in the exit: the test proves nothing";
  EXPECT_EQ(g_k.kills[0], 0);
  EXPECT_EQ(g_k.kills[1], 0) << "errno " << g_k.kill_errno;
  EXPECT_TRUE(WIFSIGNALED(g_k.status) && WTERMSIG(g_k.status) == SIGTERM) << g_k.status;
  for (int i = 0; i < kHeldSockets; ++i)
    EXPECT_EQ(g_k.read_ret[i], 0) << "connection " << i << " (errno " << g_k.read_errno[i]
                                  << "): the holder's end was never closed";
}

INSTANTIATE_TEST_SUITE_P(Paths, SecondKill, kPaths, path_name);

// --- a stop and SIGCONT: epoll_wait EINTR, read made again -------------------------------------

struct AfterStop {
  int epoll_ret = 0, epoll_errno = 0, read_ret = 0;
  char byte = 0;
};
AfterStop g_a;
int g_data[2];

int waits_twice(void*) {
  shadowsel_close(g_data[1]);
  const int ep = shadowsel_epoll_create1(0);
  struct epoll_event ev {};
  ev.events = EPOLLIN;
  shadowsel_epoll_ctl(ep, EPOLL_CTL_ADD, g_data[0], &ev);
  g_a.epoll_ret = shadowsel_epoll_wait(ep, &ev, 1, -1);
  g_a.epoll_errno = errno;
  g_a.read_ret = static_cast<int>(shadowsel_read(g_data[0], &g_a.byte, 1));
  return 0;
}

class AfterStopCont : public OnEachPath {};

TEST_P(AfterStopCont, EpollWaitGivesEintrAndReadIsMadeAgain) {
  g_a = AfterStop{};
  tb::Simulation sim(scenario(2));
  sim.posix(0).start_program("main", [] {
    if (shadowsel_pipe(g_data) != 0) return 1;
    const pid_t c = shadowsel_spawn(1, waits_twice, nullptr);
    stop_and_continue(c, 0);  // in epoll_wait
    stop_and_continue(c, 0);  // in read
    shadowsel_usleep(10000);
    int st = 0;
    shadowsel_write(g_data[1], "z", 1);
    shadowsel_waitpid(c, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 2;
  });
  const tb::RunResult r = sim.run();
  ASSERT_EQ(r.end, tb::RunResult::End::kFinished) << r.detail;
  EXPECT_EQ(g_a.epoll_ret, -1);
  EXPECT_EQ(g_a.epoll_errno, EINTR);
  EXPECT_EQ(g_a.read_ret, 1);
  EXPECT_EQ(g_a.byte, 'z');
}

INSTANTIATE_TEST_SUITE_P(Paths, AfterStopCont, kPaths, path_name);

}  // namespace
}  // namespace shadowsel::test
