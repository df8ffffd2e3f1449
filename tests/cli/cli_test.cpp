// SPDX-License-Identifier: MIT
// End-to-end tests of the `shadowsel` command: each test runs the real binary
// as a child process and checks its exit status, its stdout and its stderr
// separately, plus the files it writes. No SystemC here: the simulator is only
// ever seen from the outside, the way a user sees it.
//
// Contract under test (tb/src/main.cpp): exit 0 finished, 1 run failed,
// 2 bad input with exactly one line on stderr and nothing on stdout. Every run
// has a 60 s limit; a run that takes longer is killed and fails the test
// (never a hang).
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <ostream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../trace/trace_check.h"
#include "shadowsel/tb/scenario.h"  // scenario_keys(): what config.json must hold

#ifndef SHADOWSEL_BIN
#error "SHADOWSEL_BIN must name the shadowsel binary"
#endif
#ifndef SHADOWSEL_TEST_DATA_DIR
#error "SHADOWSEL_TEST_DATA_DIR must name tests/data"
#endif
#ifndef SHADOWSEL_PROGRAM_BIN
#error "SHADOWSEL_PROGRAM_BIN must name a POSIX test program built with the runner"
#endif

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kBin = SHADOWSEL_BIN;
const fs::path kScenarios = fs::path(SHADOWSEL_TEST_DATA_DIR) / "scenarios";
// Per run; a macro only so the harness itself can be tried with a short limit.
#ifndef SHADOWSEL_CLI_TIMEOUT_S
#define SHADOWSEL_CLI_TIMEOUT_S 60
#endif
constexpr std::chrono::seconds kTimeout{SHADOWSEL_CLI_TIMEOUT_S};

// ---------------------------------------------------------------------------
// Running the binary
// ---------------------------------------------------------------------------

struct Result {
  std::string bin = kBin;
  std::vector<std::string> args;  // as passed, without argv[0]
  std::string out, err;
  bool spawned = false;
  bool timed_out = false;
  bool exited = false;    // WIFEXITED
  int exit_code = -1;     // WEXITSTATUS
  bool signaled = false;  // WIFSIGNALED
  int signal = 0;
  bool core = false;
  long max_rss_kib = -1;  // the child's peak resident memory (wait4's ru_maxrss)
  std::string spawn_error;

  // `shadowsel a b c`, for failure messages.
  std::string command() const {
    std::string s = bin;
    for (const auto& a : args) s += " '" + a + "'";
    return s;
  }
  // Everything a failure message needs to explain what the run did.
  std::string describe() const {
    std::ostringstream o;
    o << "command: " << command() << "\n";
    if (!spawned) o << "NOT SPAWNED: " << spawn_error << "\n";
    if (timed_out) o << "TIMED OUT after " << kTimeout.count() << " s (killed)\n";
    if (exited) o << "exit status: " << exit_code << "\n";
    if (signaled) o << "killed by signal " << signal << (core ? " (core dumped)" : "") << "\n";
    o << "--- stdout (" << out.size() << " bytes) ---\n" << clip(out) << "\n--- stderr (" << err.size()
      << " bytes) ---\n" << clip(err) << "\n---";
    return o.str();
  }
  // Long output is cut, so a runaway child cannot flood the test log.
  static std::string clip(const std::string& s) {
    constexpr size_t kMax = 4000;
    return s.size() <= kMax ? s : s.substr(0, kMax) + "\n[... " + std::to_string(s.size() - kMax) + " more bytes]";
  }
};

bool set_nonblock(int fd) {
  const int fl = fcntl(fd, F_GETFL);
  return fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0;
}

// How to run a binary besides its arguments.
struct RunOptions {
  std::optional<fs::path> cwd;               // working directory
  std::optional<rlim_t> file_size_limit;     // RLIMIT_FSIZE, bytes: writes beyond fail with EFBIG
};

// Runs `bin` with `args`; stdin is /dev/null. Reads stdout and stderr through
// two pipes with poll() so a chatty child cannot block on a full pipe, and
// kills the child (its whole process group) if it outlives kTimeout.
Result run_binary(const std::string& bin, std::vector<std::string> args, const RunOptions& opt) {
  Result r;
  r.bin = bin;
  r.args = std::move(args);
  const std::optional<fs::path>& cwd = opt.cwd;

  // Build everything the child needs before fork(): after it only
  // async-signal-safe calls are allowed.
  std::vector<std::string> argv_s;
  argv_s.push_back(bin);
  argv_s.insert(argv_s.end(), r.args.begin(), r.args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string cwd_s = cwd ? cwd->string() : std::string();

  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    r.spawn_error = std::string("pipe2: ") + std::strerror(errno);
    return r;
  }
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    r.spawn_error = std::string("pipe2: ") + std::strerror(errno);
    close(out_pipe[0]);
    close(out_pipe[1]);
    return r;
  }
  const int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);

  const pid_t pid = fork();
  if (pid < 0) {
    r.spawn_error = std::string("fork: ") + std::strerror(errno);
    for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1], devnull})
      if (fd >= 0) close(fd);
    return r;
  }
  if (pid == 0) {
    // Child. Its own process group, so a timeout kills everything it started.
    setpgid(0, 0);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    if (!cwd_s.empty() && chdir(cwd_s.c_str()) != 0) _exit(126);
    if (opt.file_size_limit) {
      // A write past the limit then fails with EFBIG instead of killing the child.
      signal(SIGXFSZ, SIG_IGN);
      const rlimit lim{*opt.file_size_limit, *opt.file_size_limit};
      if (setrlimit(RLIMIT_FSIZE, &lim) != 0) _exit(126);
    }
    execv(argv[0], argv.data());
    _exit(127);
  }
  r.spawned = true;
  // Parent: also set the group here, so there is no race with kill() below.
  setpgid(pid, pid);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (devnull >= 0) close(devnull);
  set_nonblock(out_pipe[0]);
  set_nonblock(err_pipe[0]);

  const auto deadline = std::chrono::steady_clock::now() + kTimeout;
  auto ms_left = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now())
        .count();
  };
  auto kill_child = [&] {
    r.timed_out = true;
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
  };

  int fds[2] = {out_pipe[0], err_pipe[0]};
  std::string* sinks[2] = {&r.out, &r.err};
  char buf[65536];
  while ((fds[0] >= 0 || fds[1] >= 0) && !r.timed_out) {
    const long left = ms_left();
    if (left <= 0) {
      kill_child();
      break;
    }
    pollfd p[2];
    for (int i = 0; i < 2; ++i) p[i] = {fds[i], POLLIN, 0};  // fd -1 is ignored by poll
    const int n = poll(p, 2, static_cast<int>(std::min<long>(left, 1000)));
    if (n < 0) {
      if (errno == EINTR) continue;
      kill_child();
      r.spawn_error = std::string("poll: ") + std::strerror(errno);
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i] < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      for (;;) {
        const ssize_t got = read(fds[i], buf, sizeof buf);
        if (got > 0) {
          sinks[i]->append(buf, static_cast<size_t>(got));
          continue;
        }
        if (got < 0 && errno == EINTR) continue;
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        close(fds[i]);  // EOF or a read error
        fds[i] = -1;
        break;
      }
    }
  }
  for (int fd : fds)
    if (fd >= 0) close(fd);

  // Both pipes are closed; the child may still be running (it could have
  // closed them itself), so wait with the same deadline.
  int status = 0;
  for (;;) {
    rusage usage{};
    const pid_t w = wait4(pid, &status, r.timed_out ? 0 : WNOHANG, &usage);
    if (w == pid) {
      r.max_rss_kib = usage.ru_maxrss;
      break;
    }
    if (w < 0 && errno != EINTR) {
      r.spawn_error = std::string("wait4: ") + std::strerror(errno);
      return r;
    }
    if (w == 0) {
      if (ms_left() <= 0) {
        kill_child();
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    }
  }
  r.exited = WIFEXITED(status);
  if (r.exited) r.exit_code = WEXITSTATUS(status);
  r.signaled = WIFSIGNALED(status);
  if (r.signaled) {
    r.signal = WTERMSIG(status);
#ifdef WCOREDUMP
    r.core = WCOREDUMP(status);
#endif
  }
  return r;
}

Result run_shadowsel(std::vector<std::string> args, const std::optional<fs::path>& cwd = std::nullopt) {
  return run_binary(kBin, std::move(args), RunOptions{cwd, std::nullopt});
}

// A temporary folder, removed with everything in it at the end of the test.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = (fs::path(base && *base ? base : "/tmp") / "shadowsel_cli_XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp " << tmpl << ": " << std::strerror(errno);
    }
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  std::string str() const { return path_.string(); }
  fs::path operator/(const std::string& s) const { return path_ / s; }

 private:
  fs::path path_;
};

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Parses a file as JSON; the parse error (or missing file) goes into *error.
std::optional<json> parse_json_file(const fs::path& p, std::string* error) {
  if (!fs::is_regular_file(p)) {
    *error = p.string() + ": missing";
    return std::nullopt;
  }
  try {
    return json::parse(read_file(p));
  } catch (const json::exception& e) {
    *error = p.string() + ": " + e.what();
    return std::nullopt;
  }
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

// The run ended by itself with this exit status, not by a signal, a core dump
// or the timeout.
void expect_clean_exit(const Result& r, int code) {
  ASSERT_TRUE(r.spawned) << r.describe();
  ASSERT_FALSE(r.timed_out) << r.describe();
  ASSERT_FALSE(r.signaled) << r.describe();
  ASSERT_TRUE(r.exited) << r.describe();
  ASSERT_EQ(r.exit_code, code) << r.describe();
}

// Bad input: exit 2, nothing on stdout, exactly one newline-terminated line
// on stderr. Returns that line (without the newline), or "" after a failure.
std::string expect_bad_input(const Result& r) {
  expect_clean_exit(r, 2);
  if (testing::Test::HasFatalFailure()) return "";
  EXPECT_TRUE(r.out.empty()) << "bad input must print nothing on stdout\n" << r.describe();
  EXPECT_FALSE(r.err.empty()) << r.describe();
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1)
      << "stderr must be exactly one line\n" << r.describe();
  EXPECT_TRUE(!r.err.empty() && r.err.back() == '\n')
      << "stderr must be one newline-terminated line\n" << r.describe();
  const std::string line = Result::clip(r.err.substr(0, r.err.find('\n')));
  EXPECT_FALSE(line.empty()) << "the stderr line must say something\n" << r.describe();
  return line;
}

// ---------------------------------------------------------------------------
// The binary itself
// ---------------------------------------------------------------------------

TEST(CliBinary, Exists) {
  ASSERT_TRUE(fs::is_regular_file(kBin)) << kBin;
  EXPECT_EQ(access(kBin.c_str(), X_OK), 0) << kBin << ": not executable";
}

// ---------------------------------------------------------------------------
// 1. Bad scenario files, data-driven: tests/data/scenarios/bad/*, each first
//    line `# expect: LINE: message`.
// ---------------------------------------------------------------------------

struct BadCase {
  std::string path;      // as passed on the command line
  std::string expected;  // text after `# expect: `
};

std::vector<BadCase> bad_cases() {
  std::vector<BadCase> cases;
  std::error_code ec;
  // Every file, whatever its extension: skip none.
  for (const auto& entry : fs::directory_iterator(kScenarios / "bad", ec)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path());
    std::string first;
    std::getline(in, first);
    const std::string tag = "# expect: ";
    BadCase c{entry.path().string(), ""};
    if (first.rfind(tag, 0) == 0) c.expected = first.substr(tag.size());
    cases.push_back(std::move(c));
  }
  std::sort(cases.begin(), cases.end(), [](const BadCase& a, const BadCase& b) { return a.path < b.path; });
  return cases;
}

// Names the case in ctest listings instead of dumping its bytes.
void PrintTo(const BadCase& c, std::ostream* os) { *os << c.path; }

class CliBadScenario : public testing::TestWithParam<BadCase> {};

TEST_P(CliBadScenario, ExitsTwoWithOneLine) {
  const BadCase& c = GetParam();
  ASSERT_FALSE(c.expected.empty()) << c.path << ": first line must be `# expect: LINE: message`";
  TempDir out;
  const Result r = run_shadowsel({"--scenario", c.path, "--out", (out / "o").string()});
  const std::string line = expect_bad_input(r);
  if (HasFatalFailure()) return;
  EXPECT_EQ(line, c.path + ":" + c.expected) << r.describe();
  EXPECT_FALSE(fs::exists(out / "o")) << "bad input must write no outputs";
}

INSTANTIATE_TEST_SUITE_P(Files, CliBadScenario, testing::ValuesIn(bad_cases()),
                         [](const testing::TestParamInfo<BadCase>& info) {
                           std::string name = fs::path(info.param.path).stem().string();
                           for (char& ch : name)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return name;
                         });

// Catches a wrong SHADOWSEL_TEST_DATA_DIR, which would otherwise run no cases.
TEST(CliBadScenarioFolder, HasTheCases) { EXPECT_GE(bad_cases().size(), 16u); }

// The message names the path exactly as it was given, also a relative one.
TEST(CliBadScenarioFolder, RelativePathIsEchoedAsGiven) {
  const auto cases = bad_cases();
  ASSERT_FALSE(cases.empty());
  const BadCase& c = cases.front();
  const std::string rel = "scenarios/bad/" + fs::path(c.path).filename().string();
  TempDir out;
  const Result r = run_shadowsel({"--scenario", rel, "--out", (out / "o").string()},
                              fs::path(SHADOWSEL_TEST_DATA_DIR));
  const std::string line = expect_bad_input(r);
  if (HasFatalFailure()) return;
  EXPECT_EQ(line, rel + ":" + c.expected) << r.describe();
}

// ---------------------------------------------------------------------------
// 2. Scenario files that cannot be read
// ---------------------------------------------------------------------------

void expect_unreadable(const std::string& path, int err) {
  TempDir out;
  const Result r = run_shadowsel({"--scenario", path, "--out", (out / "o").string()});
  const std::string line = expect_bad_input(r);
  if (testing::Test::HasFatalFailure()) return;
  EXPECT_EQ(line.rfind(path + ":", 0), 0u) << "the line must start with the path\n" << r.describe();
  EXPECT_EQ(line, path + ": cannot read: " + std::strerror(err)) << r.describe();
  EXPECT_FALSE(fs::exists(out / "o"));
}

TEST(CliScenarioFile, Missing) {
  TempDir d;
  expect_unreadable((d / "no_such_scenario.toml").string(), ENOENT);
}

// A control character in the path is escaped: the message stays one line.
TEST(CliScenarioFile, NewlineInThePathStaysOneLine) {
  TempDir d;
  const Result r = run_shadowsel({"--scenario", (d / "a\nb.toml").string(), "--out", (d / "o").string()});
  EXPECT_EQ(expect_bad_input(r), (d / "a\\x0ab.toml").string() + ": cannot read: " + std::strerror(ENOENT));
}

TEST(CliScenarioFile, DirectoryIsNotAFile) { expect_unreadable((kScenarios / "good").string(), EISDIR); }

// chmod 000 does not stop root, which runs these tests; a path under a
// regular file cannot be opened by anyone (ENOTDIR).
TEST(CliScenarioFile, Unreadable) {
  ASSERT_TRUE(fs::is_regular_file("/etc/passwd"));
  expect_unreadable("/etc/passwd/x", ENOTDIR);
}

// open() of a FIFO without a writer would block forever (the harness's timeout
// would fail the test): only regular files are read.
TEST(CliScenarioFile, FifoIsRefused) {
  TempDir d;
  const std::string fifo = (d / "scenario.toml").string();
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
  const Result r = run_shadowsel({"--scenario", fifo, "--out", (d / "o").string()});
  EXPECT_EQ(expect_bad_input(r), fifo + ": cannot read: not a regular file (a FIFO)");
  EXPECT_FALSE(fs::exists(d / "o"));
}

TEST(CliScenarioFile, DeviceIsRefused) {
  TempDir d;
  const Result r = run_shadowsel({"--scenario", "/dev/zero", "--out", (d / "o").string()});
  EXPECT_EQ(expect_bad_input(r), "/dev/zero: cannot read: not a regular file (a character device)");
}

// ---------------------------------------------------------------------------
// 3. Command-line misuse
// ---------------------------------------------------------------------------

struct Misuse {
  std::string name;
  std::vector<std::string> args;  // --out TMP is prepended
  std::string line;               // exact stderr line, or "" to check only `contains`
  std::string contains;           // the line must name this
};

void PrintTo(const Misuse& m, std::ostream* os) {
  *os << "shadowsel";
  for (const auto& a : m.args) *os << ' ' << a;
}

class CliMisuse : public testing::TestWithParam<Misuse> {};

TEST_P(CliMisuse, ExitsTwoWithOneLine) {
  const Misuse& m = GetParam();
  TempDir out;
  std::vector<std::string> args = {"--out", (out / "o").string()};
  args.insert(args.end(), m.args.begin(), m.args.end());
  const Result r = run_shadowsel(args);
  const std::string line = expect_bad_input(r);
  if (HasFatalFailure()) return;
  if (!m.line.empty()) {
    EXPECT_EQ(line, m.line) << r.describe();
  }
  EXPECT_NE(line.find(m.contains), std::string::npos)
      << "the line must name '" << m.contains << "'\n" << r.describe();
  EXPECT_FALSE(fs::exists(out / "o")) << "bad input must write no outputs";
}

INSTANTIATE_TEST_SUITE_P(
    Options, CliMisuse,
    testing::Values(
        // --list-stats runs nothing, so the options of a run are refused (--out is always given here)
        Misuse{"ListStatsWithOut", {"--list-stats"}, "--out: does not go with --list-stats, which runs nothing",
               "--out"},
        Misuse{"ListStatsWithTrace", {"--list-stats", "--trace", "t.json"},
               "--trace: does not go with --list-stats, which runs nothing", "--trace"},
        Misuse{"ListStatsWithWaves", {"--notify", "rtl", "--waves", "w.fst", "--list-stats"},
               "--waves: does not go with --list-stats, which runs nothing", "--waves"},
        Misuse{"ListStatsWithMaxCycles", {"--list-stats", "--max-cycles", "10"},
               "--max-cycles: does not go with --list-stats, which runs nothing", "--max-cycles"},
        Misuse{"ListStatsWithQuiet", {"--quiet", "--list-stats"},
               "--quiet: does not go with --list-stats, which runs nothing", "--quiet"},
        Misuse{"ListStatsTwice", {"--list-stats", "--list-stats"}, "--list-stats: given twice", "--list-stats"},
        Misuse{"ListStatsWithValue", {"--list-stats=yes"}, "--list-stats: takes no value", "--list-stats"},
        Misuse{"CpusZero", {"--cpus", "0"}, "--cpus: must be 2..64, got 0", "--cpus"},
        Misuse{"CpusOne", {"--cpus", "1"}, "--cpus: must be 2..64, got 1", "--cpus"},
        Misuse{"Cpus65", {"--cpus", "65"}, "--cpus: must be 2..64, got 65", "--cpus"},
        Misuse{"CpusNotANumber", {"--cpus", "abc"}, "--cpus: expected an integer, got 'abc'", "--cpus"},
        Misuse{"CpusTooManyForPipelineDescriptors",
               {"--set", "workload.kind=pipeline", "--set", "workload.inputs=64", "--cpus", "9"},
               "--cpus: --set workload.inputs: pipeline's producer holds 3 + 2 x inputs x (cpus - 1) = 1027 "
               "descriptors, more than a process may (1024): with 9 CPUs, inputs is at most 63, got 64",
               "--cpus"},
        Misuse{"CpusLeadingZero", {"--cpus", "04"},
               "--cpus: an integer has no leading zero (as in a scenario file), got '04'", "--cpus"},
        Misuse{"SeedLeadingZero", {"--seed", "010"},
               "--seed: an integer has no leading zero (as in a scenario file), got '010'", "--seed"},
        Misuse{"CpusHuge",
               {"--cpus", "99999999999999999999999"},
               "--cpus: must be 2..64, got 99999999999999999999999",
               "--cpus"},
        Misuse{"CpusEquals", {"--cpus=1"}, "--cpus: must be 2..64, got 1", "--cpus"},
        Misuse{"SeedNegative", {"--seed", "-1"}, "--seed: must be 0..18446744073709551615, got -1", "--seed"},
        // One past the largest seed: rejected, not clamped.
        Misuse{"SeedTooLarge",
               {"--seed", "18446744073709551616"},
               "--seed: must be 0..18446744073709551615, got 18446744073709551616",
               "--seed"},
        Misuse{"MaxCyclesTooLarge",
               {"--max-cycles", "18446744073709551616"},
               "--max-cycles: must be 0..9223372036854775807 (the last cycle), got 18446744073709551616",
               "--max-cycles"},
        Misuse{"MaxCyclesNegative",
               {"--max-cycles", "-5"},
               "--max-cycles: must be 0..9223372036854775807 (the last cycle), got -5",
               "--max-cycles"},
        Misuse{"FreqZero", {"--freq-mhz", "0"}, "--freq-mhz: must be > 0 and <= 100000, got 0", "--freq-mhz"},
        Misuse{"FreqNotANumber", {"--freq-mhz", "5x"}, "--freq-mhz: expected a number, got '5x'", "--freq-mhz"},
        Misuse{"NotifyBogus",
               {"--notify", "bogus"},
               "--notify: must be sw, model, rtl or lockstep, got 'bogus'",
               "--notify"},
        // A control character is escaped: the message stays one line.
        Misuse{"NotifyNewline",
               {"--notify", "a\nb"},
               "--notify: must be sw, model, rtl or lockstep, got 'a\\x0ab'",
               "--notify"},
        // Empty values are errors, never the default.
        Misuse{"CpusEmpty", {"--cpus", ""}, "--cpus: empty value (--cpus N)", "--cpus"},
        Misuse{"SeedEmpty", {"--seed="}, "--seed: empty value (--seed S)", "--seed"},
        Misuse{"NotifyEmpty", {"--notify", ""}, "--notify: empty value (--notify PATH)", "--notify"},
        Misuse{"ScenarioEmpty", {"--scenario", ""}, "--scenario: empty value (--scenario FILE)", "--scenario"},
        Misuse{"TraceEmpty", {"--trace", ""}, "--trace: empty value (--trace FILE)", "--trace"},
        Misuse{"FreqEmpty", {"--freq-mhz", ""}, "--freq-mhz: empty value (--freq-mhz F)", "--freq-mhz"},
        Misuse{"MaxCyclesEmpty", {"--max-cycles", ""}, "--max-cycles: empty value (--max-cycles N)", "--max-cycles"},
        Misuse{"UnknownOption", {"--bogus"}, "--bogus: unknown option (see --help)", "--bogus"},
        Misuse{"StrayArgument",
               {"extra"},
               "unexpected argument 'extra'; options are --name VALUE (see --help)",
               "extra"},
        Misuse{"GivenTwice", {"--cpus", "3", "--cpus=4"}, "--cpus: given twice", "--cpus"},
        Misuse{"HelpWithValue", {"--help=1"}, "--help: takes no value", "--help"},
        Misuse{"FaultNoCycle", {"--fault", "cpu_halt"}, "--fault: expected KIND@CYCLE[:TARGET], got 'cpu_halt'",
               "--fault"},
        Misuse{"FaultUnknownKind", {"--fault", "meteor@5"},
               "--fault: unknown fault kind 'meteor' (cpu_halt, process_kill, lane_down, lane_up, lane_flap, "
               "corrupt_packet, drop_packet, drop_ack, engine_hang)",
               "--fault"},
        Misuse{"FaultNoCpu", {"--fault", "cpu_halt@5"}, "--fault: cpu_halt needs a CPU: cpu_halt@CYCLE:CPU", "--fault"},
        Misuse{"FaultCpuTooHigh", {"--fault", "cpu_halt@5:9"}, "--fault: cpu_halt: cpu must be below cpus (4), got 9",
               "--fault"},
        // a number's error names its field in the spec's syntax
        Misuse{"FaultCycleNotANumber", {"--fault", "cpu_halt@x:2"},
               "--fault: cpu_halt@CYCLE: expected an integer, got 'x'", "--fault"},
        Misuse{"FaultCycleNegative", {"--fault", "lane_down@-1:X"},
               "--fault: lane_down@CYCLE: must be 0..1000000000000000, got -1", "--fault"},
        Misuse{"FaultCpuAboveAnyMachine", {"--fault", "engine_hang@5:99", "--notify", "model"},
               "--fault: engine_hang@CYCLE:CPU: must be 0..63, got 99", "--fault"},
        Misuse{"FaultPidTooLarge", {"--fault", "process_kill@5:1/70000"},
               "--fault: process_kill@CYCLE:CPU/PID: must be 0..65535, got 70000", "--fault"},
        Misuse{"FaultFlapMeanDownNotANumber", {"--fault", "lane_flap@0:X/500/10/ten"},
               "--fault: lane_flap@CYCLE:LANE/UNTIL/MEAN_UP/MEAN_DOWN: expected an integer, got 'ten'", "--fault"},
        Misuse{"FaultCountLeadingZero", {"--fault", "corrupt_packet@5:X/010"},
               "--fault: corrupt_packet@CYCLE:LANE/COUNT: an integer has no leading zero (as in a scenario file), "
               "got '010'",
               "--fault"},
        Misuse{"FaultRateNotANumber", {"--fault", "drop_ack@5:Y/0.1x"},
               "--fault: drop_ack@CYCLE:LANE/RATE: expected a number, got '0.1x'", "--fault"},
        Misuse{"FaultBadLane", {"--fault", "lane_down@5:Z"},
               "--fault: lane_down needs a lane: lane_down@CYCLE:X or :Y, got 'Z'", "--fault"},
        Misuse{"FaultBadRate", {"--fault", "drop_packet@5:X/1.5"},
               "--fault: drop_packet: a rate must be above 0 and at most 1, got 1.5", "--fault"},
        Misuse{"FaultFlapNoTimes", {"--fault", "lane_flap@0:X"},
               "--fault: lane_flap needs lane_flap@CYCLE:X or Y/UNTIL/MEAN_UP/MEAN_DOWN (cycles), got 'X'", "--fault"},
        Misuse{"FaultFlapUntilNotAfter", {"--fault", "lane_flap@500:Y/500/10/10"},
               "--fault: lane_flap: UNTIL must be after the start cycle (500), got 500", "--fault"},
        Misuse{"FaultFlapZeroMean", {"--fault", "lane_flap@0:Y/500/0/10"},
               "--fault: lane_flap: the mean up and down times must be at least 1 cycle", "--fault"},
        // drawn before the run: a schedule that would not fit in memory is refused (was bad_alloc)
        Misuse{"FaultFlapTooManyChanges", {"--fault", "lane_flap@0:X/100000000/1/1"},
               "--fault: lane_flap: about 50000000 lane changes expected (2 x (until 100000000 - start 0) / (mean up 1 "
               "+ mean down 1 + 2)), at most 1000000: the schedule is drawn before the run",
               "--fault"},
        Misuse{"FaultEngineOnDefaultSw", {"--fault", "engine_hang@5:1"},
               "--fault: engine_hang: notify = sw (the default) has no notify engine to hang (use model, rtl or "
               "lockstep)",
               "--fault"},
        Misuse{"FaultEngineOnSw", {"--fault", "engine_hang@5:1", "--notify", "sw"},
               "--fault: engine_hang: notify = sw (--notify sw) has no notify engine to hang (use model, rtl or "
               "lockstep)",
               "--fault"},
        // Last on the line, so nothing can be taken for its value.
        Misuse{"MissingValue", {"--cpus"}, "--cpus: missing value (--cpus N)", "--cpus"},
        // The next option is not taken for the value.
        Misuse{"MissingValueBeforeOption",
               {"--cpus", "--seed", "3"},
               "--cpus: missing value (--cpus N)",
               "--cpus"},
        Misuse{"MissingScenarioBeforeOption",
               {"--scenario", "--cpus", "3"},
               "--scenario: missing value (--scenario FILE)",
               "--scenario"}),
    [](const testing::TestParamInfo<Misuse>& info) { return info.param.name; });

// --out that cannot be written is found before the run: exit 2, one line,
// nothing simulated (nothing on stdout).
struct OutCase {
  std::string name, dir, line;
};
void PrintTo(const OutCase& c, std::ostream* os) { *os << "--out '" << c.dir << "'"; }

class CliOutUnwritable : public testing::TestWithParam<OutCase> {};

TEST_P(CliOutUnwritable, ExitsTwoBeforeRunning) {
  const Result r = run_shadowsel({"--out", GetParam().dir});
  EXPECT_EQ(expect_bad_input(r), GetParam().line);
}

INSTANTIATE_TEST_SUITE_P(
    Paths, CliOutUnwritable,
    testing::Values(OutCase{"RegularFile", "/etc/passwd", "--out: /etc/passwd: cannot create: Not a directory"},
                    OutCase{"DevNull", "/dev/null", "--out: /dev/null: cannot create: Not a directory"},
                    OutCase{"Proc", "/proc/1/shadowsel_out",
                            "--out: /proc/1/shadowsel_out: cannot create: No such file or directory"},
                    OutCase{"Empty", "", "--out: empty value (--out DIR)"}),
    [](const testing::TestParamInfo<OutCase>& info) { return info.param.name; });

// Bad input found after the trace file was opened leaves no trace file.
TEST(CliOut, UnwritableLeavesNoTrace) {
  TempDir d;
  const Result r = run_shadowsel({"--out", "/dev/null", "--trace", (d / "t.json").string()});
  EXPECT_EQ(expect_bad_input(r), "--out: /dev/null: cannot create: Not a directory");
  EXPECT_FALSE(fs::exists(d / "t.json"));
}

// A write that fails after the run (here a file size limit: EFBIG; config.json,
// written before the run, fits) is not silent: the summary is printed, then one
// line, exit 1.
TEST(CliOut, WriteErrorAfterTheRunFailsTheRun) {
  TempDir d;
  const Result r = run_binary(kBin, {"--out", d.str()}, RunOptions{std::nullopt, 8192});
  expect_clean_exit(r, 1);
  if (HasFatalFailure()) return;
  EXPECT_NE(r.out.find("simulated "), std::string::npos) << r.describe();
  EXPECT_EQ(r.err, "shadowsel: --out: " + (d / "stats.json").string() + ": cannot write: " +
                       std::strerror(EFBIG) + "\n") << r.describe();
  EXPECT_EQ(r.out.find("outputs "), std::string::npos) << r.describe();
}

// /dev/full takes no byte: refused before the run (the header is flushed at once).
// config.json is written before the run: when that fails, nothing runs (exit 1,
// one line naming the file, no summary).
TEST(CliOut, ConfigWriteErrorStopsBeforeTheRun) {
  TempDir d;
  const Result r = run_binary(kBin, {"--out", d.str()}, RunOptions{std::nullopt, 1024});
  expect_clean_exit(r, 1);
  if (HasFatalFailure()) return;
  EXPECT_EQ(r.out, "") << r.describe();
  EXPECT_EQ(r.err, "shadowsel: --out: " + (d / "config.json").string() + ": cannot write: " +
                       std::strerror(EFBIG) + "\n") << r.describe();
  EXPECT_FALSE(fs::exists(d / "stats.json"));
}

TEST(CliTrace, DevFullIsRefusedBeforeRunning) {
  TempDir d;
  const Result r = run_shadowsel({"--trace", "/dev/full", "--out", (d / "o").string()});
  EXPECT_EQ(expect_bad_input(r), std::string("--trace: /dev/full: cannot write: ") + std::strerror(ENOSPC));
  EXPECT_FALSE(fs::exists(d / "o"));
}

// A FIFO nobody reads would block the open forever.
TEST(CliTrace, FifoWithoutReaderIsRefused) {
  TempDir d;
  const std::string fifo = (d / "trace.json").string();
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
  const Result r = run_shadowsel({"--trace", fifo, "--out", (d / "o").string()});
  EXPECT_EQ(expect_bad_input(r), "--trace: " + fifo + ": cannot write: " + std::strerror(ENXIO));
}

// The trace grows past a file size limit during the run: the write errors are
// kept, and the run fails with one line (exit 1) instead of reporting success.
TEST(CliTrace, WriteErrorDuringTheRunFailsTheRun) {
  TempDir d;
  const fs::path trace = d / "trace.json";
  const Result r = run_binary(kBin, {"--out", (d / "o").string(), "--trace", trace.string()},
                              RunOptions{std::nullopt, 512 * 1024});  // above stats.json, below the trace
  expect_clean_exit(r, 1);
  if (HasFatalFailure()) return;
  EXPECT_EQ(r.err, "shadowsel: --trace: " + trace.string() + ": cannot write: " + std::strerror(EFBIG) + "\n")
      << r.describe();
  EXPECT_TRUE(fs::is_regular_file(d / "o" / "stats.json")) << "the other outputs are still written";
}

// A FIFO whose reader leaves during the run: the writes fail with EPIPE and the run
// fails with one line, as for a full disk; the process is not killed by SIGPIPE.
TEST(CliTrace, FifoWhoseReaderLeavesFailsTheRun) {
  TempDir d;
  const std::string fifo = (d / "trace.json").string();
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
  // opened before the run, so that the simulator's open finds a reader; it reads the
  // first 256 KiB (the run has started then), then goes away
  const int fd = open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);  // not the child's
  ASSERT_GE(fd, 0) << std::strerror(errno);
  std::thread reader([fd] {
    std::vector<char> buf(4096);
    for (size_t got = 0; got < 256 * 1024;) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 60'000) != 1) break;
      const ssize_t n = read(fd, buf.data(), buf.size());
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    close(fd);
  });
  const Result r = run_shadowsel({"--trace", fifo, "--out", (d / "o").string(), "--max-cycles", "2000000"});
  reader.join();
  expect_clean_exit(r, 1);
  if (HasFatalFailure()) return;
  EXPECT_EQ(r.err, "shadowsel: --trace: " + fifo + ": cannot write: " + std::strerror(EPIPE) + "\n")
      << r.describe();
  EXPECT_TRUE(fs::is_regular_file(d / "o" / "stats.json")) << "the other outputs are still written";
}

// A new run first removes the outputs an earlier run left in its folder: killed
// before its end, it would otherwise leave its config.json beside the other run's
// stats.json; files that are not outputs stay.
TEST(CliOutputs, AnEarlierRunsOutputsGoBeforeTheRunStarts) {
  TempDir d;
  fs::create_directory(d / "o");
  for (const char* name : {"stats.json", "run.json", "tty99.txt", "tty099.txt", "notes.txt"})
    std::ofstream(d / "o" / name) << "earlier\n";
  const std::string fifo = (d / "trace.json").string();
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
  const int fd = open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  // what the folder holds while the run is going on (256 KiB of its trace read)
  bool seen = false, stats_during = true, config_during = false;
  std::thread reader([&] {
    std::vector<char> buf(4096);
    for (size_t got = 0;;) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 60'000) != 1) break;
      const ssize_t n = read(fd, buf.data(), buf.size());
      if (n <= 0) break;
      got += static_cast<size_t>(n);
      if (!seen && got >= 256 * 1024) {
        seen = true;
        stats_during = fs::exists(d / "o" / "stats.json");
        config_during = fs::exists(d / "o" / "config.json");
      }
    }
    close(fd);
  });
  const Result r = run_shadowsel({"--trace", fifo, "--out", (d / "o").string(), "--max-cycles", "2000000"});
  reader.join();
  expect_clean_exit(r, 0);
  ASSERT_TRUE(seen) << "the trace was shorter than 256 KiB";
  EXPECT_TRUE(config_during);
  EXPECT_FALSE(stats_during) << "the earlier run's stats.json was still there during the run";
  EXPECT_NE(read_file(d / "o" / "stats.json"), "earlier\n");
  EXPECT_NE(read_file(d / "o" / "run.json"), "earlier\n");
  EXPECT_FALSE(fs::exists(d / "o" / "tty99.txt")) << "a TTY line this run did not use";
  EXPECT_EQ(read_file(d / "o" / "tty099.txt"), "earlier\n") << "not a name the run writes";
  EXPECT_EQ(read_file(d / "o" / "notes.txt"), "earlier\n");
}

// Outputs that would overwrite the scenario file or each other are refused before
// anything is opened: the files are as they were.
TEST(CliOutputs, AnOutputThatIsTheScenarioFileIsRefused) {
  TempDir d;
  const fs::path scenario = d / "victim.toml";
  fs::copy_file(kScenarios / "good" / "partial.toml", scenario);
  const std::string before = read_file(scenario);
  const Result trace = run_shadowsel({"--scenario", scenario.string(), "--trace", scenario.string(),
                                      "--out", (d / "o").string()});
  EXPECT_EQ(expect_bad_input(trace), "--trace: " + scenario.string() + ": is the scenario file (--scenario " +
                                         scenario.string() + "), which the run would overwrite");
  // the same file by another name, and as the config.json of --out
  const std::string other = (d / "." / "victim.toml").string();
  const Result waves = run_shadowsel({"--scenario", scenario.string(), "--waves", other, "--out", (d / "o").string()});
  EXPECT_EQ(expect_bad_input(waves), "--waves: " + other + ": is the scenario file (--scenario " +
                                         scenario.string() + "), which the run would overwrite");
  fs::create_directory(d / "od");
  fs::copy_file(scenario, d / "od" / "config.json");
  const Result out = run_shadowsel({"--scenario", (d / "od" / "config.json").string(), "--out", (d / "od").string()});
  EXPECT_EQ(expect_bad_input(out), "--out's config.json: " + (d / "od" / "config.json").string() +
                                       ": is the scenario file (--scenario " + (d / "od" / "config.json").string() +
                                       "), which the run would overwrite");
  EXPECT_EQ(read_file(scenario), before);
  EXPECT_EQ(read_file(d / "od" / "config.json"), before);
  EXPECT_FALSE(fs::exists(d / "o"));
}

TEST(CliOutputs, TwoOutputsInOneFileAreRefused) {
  TempDir d;
  const std::string same = (d / "same.x").string();
  const Result r = run_shadowsel({"--trace", same, "--waves", same, "--out", (d / "o").string()});
  EXPECT_EQ(expect_bad_input(r), "--waves: " + same + ": the same file as --trace (" + same + "); the run writes both");
  const std::string stats = (d / "o" / "stats.json").string();
  const Result in_out = run_shadowsel({"--trace", stats, "--out", (d / "o").string()});
  EXPECT_EQ(expect_bad_input(in_out),
            "--out's stats.json: " + stats + ": the same file as --trace (" + stats + "); the run writes both");
  // on an engine path the RTL's waves go beside the machine's
  const std::string rtl = (d / "w.rtl.fst").string();
  const Result beside = run_shadowsel(
      {"--notify", "rtl", "--waves", (d / "w.fst").string(), "--trace", rtl, "--out", (d / "o").string()});
  EXPECT_EQ(expect_bad_input(beside),
            "--waves (its RTL file): " + rtl + ": the same file as --trace (" + rtl + "); the run writes both");
  EXPECT_FALSE(fs::exists(d / "o"));
  EXPECT_FALSE(fs::exists(same));
  // a device is not a file the run destroys: the check leaves it alone
  const Result null = run_shadowsel({"--trace", "/dev/null", "--out", (d / "o").string(), "--max-cycles", "1000"});
  expect_clean_exit(null, 0);
}

// A run whose CPUs all halted has no process left, like a finished one, but nothing
// survived to finish the workload: it fails.
TEST(CliRun, EveryCpuHaltedFailsTheRun) {
  TempDir d;
  const Result r = run_shadowsel({"--fault", "cpu_halt@1000:0", "--fault", "cpu_halt@1000:1", "--fault",
                                  "cpu_halt@1000:2", "--fault", "cpu_halt@1000:3", "--out", d.str()});
  expect_clean_exit(r, 1);
  if (HasFatalFailure()) return;
  EXPECT_NE(r.out.find("NOT FINISHED: every CPU halted, none is left to run the workload; cpu 0 halted at cycle 1000 "
                       "(fault)"),
            std::string::npos)
      << r.describe();
  std::string error;
  const auto stats = parse_json_file(d / "stats.json", &error);
  ASSERT_TRUE(stats) << error;
  EXPECT_EQ(stats->at("end").get<std::string>(), "failed");
}

// A call to a CPU that liveness has already declared down ends at once with the
// error, as one in flight at the declaration does; it used to go out to the halted
// CPU and wait for ever. Here I'm-alive interrupts that take most of each period
// (irq_entry 60000 of 100000) make CPUs 1 and 3 halt themselves in a regroup, and the
// client on CPU 0 then calls CPU 1.
TEST(CliFaults, CallToACpuAlreadyDeclaredDownFailsAtOnce) {
  TempDir d;
  const Result r = run_shadowsel({"--set", "costs.irq_entry=60000", "--out", d.str()});
  expect_clean_exit(r, 1);
  if (HasFatalFailure()) return;
  EXPECT_NE(r.out.find("NOT FINISHED: cpu 0 client: call to cpu 1 port 16: cpu 1 was declared down"),
            std::string::npos)
      << r.describe();
  std::string error;
  const auto stats = parse_json_file(d / "stats.json", &error);
  ASSERT_TRUE(stats) << error;
  EXPECT_EQ(stats->at("end").get<std::string>(), "failed");
  const json& cpu = stats->at("stats").at("cpu");
  EXPECT_EQ(cpu.at("0").at("membership").at("cpus_declared_down"), 2) << "CPUs 1 and 3 were declared down";
  EXPECT_EQ(cpu.at("0").at("msg").at("calls_to_down_cpus"), 1) << "the call after the declaration";
}

// The summary goes to a terminal: a control character of the scenario's name is
// printed escaped, not sent to the terminal as a command.
TEST(CliRun, ControlCharactersOfTheNameAreEscapedInTheSummary) {
  TempDir d;
  const fs::path scenario = d / "s.toml";
  std::ofstream(scenario) << "name = \"a\\u0007\\u001b[31mred\"\n";
  const Result r = run_shadowsel({"--scenario", scenario.string(), "--out", (d / "o").string(), "--max-cycles", "1000"});
  expect_clean_exit(r, 0);
  if (HasFatalFailure()) return;
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << r.describe();
  EXPECT_EQ(r.out.rfind("shadowsel: a\\x07\\x1b[31mred (" + scenario.string() + "), ", 0), 0u) << r.describe();
}

// Remote hosts keep what is in flight, not a slot per message of the run: the largest
// count of messages the scenario allows takes no more memory than a short run (it took
// 8 bytes per message before the first cycle, 800 MB here, and bad_alloc further up).
TEST(CliRun, HostsWithAHundredMillionMessagesStartInLittleMemory) {
  TempDir d;
  const fs::path scenario = d / "s.toml";
  std::ofstream(scenario) << "[hosts]\ncount = 1\nmessages = 100000000\nprotocol = \"udp\"\n"
                             "[workload]\nkind = \"net_echo\"\n";
  const Result r = run_shadowsel({"--scenario", scenario.string(), "--out", (d / "o").string(), "--max-cycles", "1000"});
  expect_clean_exit(r, 0);
  if (HasFatalFailure()) return;
  EXPECT_LT(r.max_rss_kib, 300 * 1024) << r.describe();
}

// What a host has yet to send is not built in memory at once: a TCP host's `outstanding`
// requests become bytes only as segments leave (400 of 1 MiB were 400 MB at once), and a
// UDP burst waits in its host for the link (8000 datagrams of 64 KiB were 500 MB).
// The largest the scenario allows (10^6 of 1 MiB, 10^8 datagrams) take as little.
void expect_hosts_in_little_memory(const std::string& hosts, uint64_t min_requests_sent) {
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer keeps freed memory in its quarantine (256 MB by default) to catch
  // uses after free; the node copies hundreds of MB through its buffers, so that the
  // quarantine alone passes the limit. Without it, the run's own memory is measured
  // (76 MB here against 348 MB with it).
  const char* asan = std::getenv("ASAN_OPTIONS");
  const std::string saved = asan ? asan : "";
  setenv("ASAN_OPTIONS", (saved + (saved.empty() ? "" : ":") + "quarantine_size_mb=0").c_str(), 1);
  struct Restore {
    std::string saved;
    bool had;
    ~Restore() { had ? setenv("ASAN_OPTIONS", saved.c_str(), 1) : unsetenv("ASAN_OPTIONS"); }
  } restore{saved, asan != nullptr};
#endif
  TempDir d;
  const fs::path scenario = d / "s.toml";
  std::ofstream(scenario) << "[hosts]\ncount = 1\n" << hosts << "[workload]\nkind = \"net_echo\"\n";
  const Result r = run_shadowsel({"--scenario", scenario.string(), "--out", (d / "o").string(), "--max-cycles", "30000000"});
  expect_clean_exit(r, 0);
  if (testing::Test::HasFatalFailure()) return;
  EXPECT_LT(r.max_rss_kib, 300 * 1024) << r.describe();
  std::string error;
  const auto stats = parse_json_file(d / "o" / "stats.json", &error);
  ASSERT_TRUE(stats) << error;
  const json& net = stats->at("stats").at("network").at("hosts");
  EXPECT_GE(net.at("requests_sent").get<uint64_t>(), min_requests_sent) << "the host sent its requests";
  EXPECT_GT(net.at("replies_received").get<uint64_t>(), 0u) << "and replies came back";
}

TEST(CliRun, TcpHostWithManyLargeRequestsOutstandingRunsInLittleMemory) {
  expect_hosts_in_little_memory("messages = 1000\nbytes = 1048576\noutstanding = 400\n", 400);
}

TEST(CliRun, UdpBurstRunsInLittleMemory) {
  expect_hosts_in_little_memory("protocol = \"udp\"\nmessages = 8000\nbytes = 65507\n", 1);
}

// Bad input found after the trace was opened (here --out, a file) removes the trace
// file the run began, but not what is not a file of its own: a FIFO stays a FIFO, as
// /dev/null stays a device (`--trace /dev/null` with bad input removed /dev/null, and
// the next writer made it a regular file).
TEST(CliTrace, BadInputAfterOpeningRemovesOnlyARegularFile) {
  TempDir d;
  const fs::path not_a_folder = d / "file";
  std::ofstream(not_a_folder) << "x";
  const fs::path fifo = d / "trace.fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
  const int fd = open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);  // a reader, so the open succeeds
  ASSERT_GE(fd, 0) << std::strerror(errno);
  const Result r = run_shadowsel({"--trace", fifo.string(), "--out", not_a_folder.string()});
  close(fd);
  EXPECT_EQ(expect_bad_input(r).rfind("--out: ", 0), 0u) << r.describe();
  struct stat st{};
  ASSERT_EQ(lstat(fifo.c_str(), &st), 0) << "the FIFO was removed";
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  // a trace file the run began is removed
  const fs::path file = d / "t.json";
  const Result f = run_shadowsel({"--trace", file.string(), "--out", not_a_folder.string()});
  EXPECT_EQ(expect_bad_input(f).rfind("--out: ", 0), 0u) << f.describe();
  EXPECT_FALSE(fs::exists(file));
}

// The whole 64-bit range, exactly: nothing clamped.
// --seed takes every uint64; --max-cycles every cycle simulated time can reach (2^63 - 1)
// and no more, exactly: nothing is clamped.
TEST(CliRun, MaxCyclesPastTheLastCycleIsBadInput) {
  TempDir d;
  const Result r = run_shadowsel({"--max-cycles", "9223372036854775808", "--out", d.str()});
  EXPECT_EQ(expect_bad_input(r),
            "--max-cycles: must be 0..9223372036854775807 (the last cycle), got 9223372036854775808");
}

TEST(CliRun, SeedAndMaxCyclesTakeTheFullRange) {
  TempDir d;
  const Result r = run_shadowsel(
      {"--seed", "18446744073709551615", "--max-cycles", "9223372036854775807", "--out", d.str()});
  expect_clean_exit(r, 0);
  if (HasFatalFailure()) return;
  EXPECT_NE(r.out.find("seed 18446744073709551615,"), std::string::npos) << r.describe();
  EXPECT_NE(r.out.find("(finished)"), std::string::npos) << r.describe();
  std::string error;
  const auto stats = parse_json_file(d / "stats.json", &error);
  ASSERT_TRUE(stats) << error;
  EXPECT_EQ(stats->at("scenario").at("seed").get<uint64_t>(), 18446744073709551615ull);
}

// The runner of POSIX test programs parses its options with the same code.
TEST(CliProgramRunner, SharesTheOptionRules) {
  TempDir d;
  const Result empty = run_binary(SHADOWSEL_PROGRAM_BIN, {"--cpus", ""}, {});
  EXPECT_EQ(expect_bad_input(empty), "--cpus: empty value (--cpus N)");
  const Result missing = run_binary(SHADOWSEL_PROGRAM_BIN, {"--notify", "--cpus", "3"}, {});
  EXPECT_EQ(expect_bad_input(missing), "--notify: missing value (--notify PATH)");
  const Result seed = run_binary(SHADOWSEL_PROGRAM_BIN, {"--seed", "3"}, {});
  EXPECT_EQ(expect_bad_input(seed), "--seed: unknown option (see --help)");
  const Result out = run_binary(SHADOWSEL_PROGRAM_BIN, {"--out", "/dev/null"}, {});
  EXPECT_EQ(expect_bad_input(out), "--out: /dev/null: cannot create: Not a directory");
  const Result trace = run_binary(SHADOWSEL_PROGRAM_BIN, {"--trace", "/dev/full"}, {});
  EXPECT_EQ(expect_bad_input(trace), std::string("--trace: /dev/full: cannot write: ") + std::strerror(ENOSPC));
}

// Its --out folder holds the same files as shadowsel's, config.json included.
TEST(CliProgramRunner, OutHoldsConfigStatsAndRun) {
  TempDir d;
  const Result r = run_binary(SHADOWSEL_PROGRAM_BIN, {"--out", d.str(), "--cpus", "3"}, {});
  expect_clean_exit(r, 0);
  if (HasFatalFailure()) return;
  std::string error;
  const auto config = parse_json_file(d / "config.json", &error);
  ASSERT_TRUE(config) << error;
  EXPECT_EQ(config->at("cpus"), 3);
  EXPECT_TRUE(fs::exists(d / "stats.json"));
  EXPECT_TRUE(fs::exists(d / "run.json"));
}

// ---------------------------------------------------------------------------
// 4. Notify paths
// ---------------------------------------------------------------------------

// An engine path builds a notify engine per CPU: the summary has an engines line and
// stats.json each engine's counters (the reset cycles at least).
void expect_engines(const Result& r, const fs::path& out, const std::string& core, int cpus) {
  expect_clean_exit(r, 0);
  if (testing::Test::HasFatalFailure()) return;
  EXPECT_TRUE(r.err.empty()) << "a good run prints nothing on stderr\n" << r.describe();
  EXPECT_NE(r.out.find("notify " + core), std::string::npos) << r.describe();
  const std::string name = core == "model" ? "twin" : core;  // the line names the ne::Core
  EXPECT_NE(r.out.find("engines     " + std::to_string(cpus) + " (" + name + ")"), std::string::npos)
      << r.describe();
  std::string error;
  const auto stats = parse_json_file(out / "stats.json", &error);
  ASSERT_TRUE(stats) << error;
  for (int i = 0; i < cpus; ++i) {
    const json::json_pointer clocked("/stats/cpu/" + std::to_string(i) + "/ne/cycles_clocked");
    ASSERT_TRUE(stats->contains(clocked)) << "no " << clocked.to_string();
    EXPECT_GT(stats->at(clocked).get<double>(), 0.0);
  }
  EXPECT_FALSE(stats->contains(json::json_pointer("/stats/cpu/" + std::to_string(cpus) + "/ne")));
}

class CliNotifyEngine : public testing::TestWithParam<std::string> {};

TEST_P(CliNotifyEngine, OptionBuildsAnEnginePerCpu) {
  TempDir out;
  const Result r = run_shadowsel({"--notify", GetParam(), "--cpus", "3", "--out", out.str()});
  expect_engines(r, out.path(), GetParam(), 3);
}

TEST_P(CliNotifyEngine, ScenarioKeyBuildsAnEnginePerCpu) {
  TempDir out;
  const fs::path toml = out / "engine.toml";
  std::ofstream(toml) << "cpus = 2\nnotify = \"" << GetParam() << "\"\n";
  const Result r = run_shadowsel({"--scenario", toml.string(), "--out", (out / "o").string()});
  expect_engines(r, out / "o", GetParam(), 2);
}

INSTANTIATE_TEST_SUITE_P(Paths, CliNotifyEngine, testing::Values("rtl", "model", "lockstep"),
                         [](const testing::TestParamInfo<std::string>& info) { return info.param; });

// The twin (model) and the twin in lockstep with the RTL run the default scenario, and
// since the twin equals the RTL cycle for cycle, the machine's figures are the RTL's.
class CliNotifyTwin : public testing::TestWithParam<std::string> {};

TEST_P(CliNotifyTwin, RunsTheDefaultScenarioAsTheRtlDoes) {
  TempDir out;
  const Result r = run_shadowsel({"--notify", GetParam(), "--out", (out / "o").string()});
  expect_engines(r, out / "o", GetParam(), 4);
  if (HasFatalFailure()) return;
  const Result rtl = run_shadowsel({"--notify", "rtl", "--out", (out / "rtl").string()});
  expect_clean_exit(rtl, 0);
  if (HasFatalFailure()) return;
  const auto simulated = [](const std::string& summary) {
    const auto at = summary.find("simulated ");
    return at == std::string::npos ? std::string() : summary.substr(at, summary.find('\n', at) - at);
  };
  EXPECT_FALSE(simulated(r.out).empty()) << r.describe();
  EXPECT_EQ(simulated(r.out), simulated(rtl.out));
  // stats.json differs only in the path's name
  std::string stats = read_file(out / "o" / "stats.json");
  const std::string key = "\"notify\": \"" + GetParam() + "\"";
  ASSERT_NE(stats.find(key), std::string::npos);
  stats.replace(stats.find(key), key.size(), "\"notify\": \"rtl\"");
  EXPECT_EQ(stats, read_file(out / "rtl" / "stats.json"));
}

INSTANTIATE_TEST_SUITE_P(Paths, CliNotifyTwin, testing::Values("model", "lockstep"),
                         [](const testing::TestParamInfo<std::string>& info) { return info.param; });

TEST(CliNotify, SwBuildsNoEngine) {
  TempDir out;
  const Result r = run_shadowsel({"--notify", "sw", "--out", out.str()});
  expect_clean_exit(r, 0);
  if (HasFatalFailure()) return;
  EXPECT_EQ(r.out.find("engines "), std::string::npos) << r.describe();
  EXPECT_EQ(read_file(out / "stats.json").find("\"ne\""), std::string::npos);
}

TEST(CliNotify, SwRuns) {
  TempDir out;
  const Result r = run_shadowsel({"--notify", "sw", "--out", out.str()});
  expect_clean_exit(r, 0);
  if (HasFatalFailure()) return;
  EXPECT_TRUE(r.err.empty()) << "a good run prints nothing on stderr\n" << r.describe();
  EXPECT_NE(r.out.find("notify sw"), std::string::npos) << r.describe();
  EXPECT_TRUE(fs::is_regular_file(out / "stats.json"));
}

// ---------------------------------------------------------------------------
// 5. A default run: summary and output files
// ---------------------------------------------------------------------------

// Checks the summary on stdout: one line per thing, each with its number.
void expect_summary(const Result& r) {
  const auto lines = lines_of(r.out);
  auto find_line = [&](const std::regex& re, std::smatch* m) {
    for (const auto& l : lines)
      if (std::regex_search(l, *m, re)) return true;
    return false;
  };
  std::smatch m;
  // simulated   1417326 cycles = 2834.7 us at 500 MHz (finished)
  if (find_line(std::regex(R"(^simulated\s+(\d+) cycles\b)"), &m)) {
    EXPECT_GT(std::stoull(m[1].str()), 0u) << r.describe();
  } else {
    ADD_FAILURE() << "no 'simulated N cycles' line\n" << r.describe();
  }
  for (const char* lane : {"X", "Y"}) {
    // bus X       6347 packets (MSG=6347), utilisation 7.6%, ...
    const std::regex re(std::string(R"(^bus )") + lane + R"(\s+\d+ packets\b.*\butilisation [0-9.]+%)");
    EXPECT_TRUE(find_line(re, &m)) << "no 'bus " << lane << " N packets ... utilisation P%' line\n"
                                   << r.describe();
  }
  EXPECT_TRUE(find_line(std::regex(R"(^retries\s+\d+)"), &m)) << "no 'retries N' line\n" << r.describe();
  // messages    1600 delivered, latency p50 2001 cycles (4002 ns), p99 4982 cycles (9964 ns)
  if (find_line(std::regex(R"(latency p50 (\d+) cycles.*\bp99 (\d+) cycles)"), &m)) {
    const auto p50 = std::stoull(m[1].str()), p99 = std::stoull(m[2].str());
    EXPECT_GT(p50, 0u) << r.describe();
    EXPECT_GE(p99, p50) << r.describe();
  } else {
    ADD_FAILURE() << "no 'latency p50 N cycles ... p99 N cycles' line\n" << r.describe();
  }
  // wall        0.006 s, 250.52 M simulated cycles per wall second
  EXPECT_TRUE(find_line(std::regex(R"(^wall\s+[0-9.]+ s\b.*simulated cycles per wall second)"), &m))
      << "no 'wall T s, R M simulated cycles per wall second' line\n" << r.describe();
  EXPECT_EQ(r.out.find("NOT FINISHED"), std::string::npos) << r.describe();
}

// Checks stats.json and run.json in `dir`.
void expect_outputs(const fs::path& dir) {
  std::string error;
  const auto stats = parse_json_file(dir / "stats.json", &error);
  ASSERT_TRUE(stats) << error;
  const auto run = parse_json_file(dir / "run.json", &error);
  ASSERT_TRUE(run) << error;
  ASSERT_TRUE(run->is_object()) << run->dump(2);

  const json::json_pointer cycles("/stats/sim/cycles");
  ASSERT_TRUE(stats->contains(cycles)) << "stats.json has no stats.sim.cycles";
  ASSERT_TRUE(stats->at(cycles).is_number()) << stats->at(cycles);
  EXPECT_GT(stats->at(cycles).get<double>(), 0.0);

  const json::json_pointer p50("/stats/msg/latency_cycles/p50");
  ASSERT_TRUE(stats->contains(p50)) << "stats.json has no stats.msg.latency_cycles.p50";
  ASSERT_TRUE(stats->at(p50).is_number()) << stats->at(p50);
  EXPECT_GT(stats->at(p50).get<double>(), 0.0);
}

TEST(CliRun, DefaultPrintsSummaryAndWritesJson) {
  TempDir out;
  const Result r = run_shadowsel({"--out", out.str()});
  expect_clean_exit(r, 0);
  if (HasFatalFailure()) return;
  EXPECT_TRUE(r.err.empty()) << "a good run prints nothing on stderr\n" << r.describe();
  expect_summary(r);
  expect_outputs(out.path());
}

// Literally no arguments: the outputs go into ./out, so run it in a temporary
// working directory, never the source tree.
TEST(CliRun, NoArgumentsWritesOutInWorkingDirectory) {
  TempDir cwd;
  const Result r = run_shadowsel({}, cwd.path());
  expect_clean_exit(r, 0);
  if (HasFatalFailure()) return;
  EXPECT_TRUE(r.err.empty()) << "a good run prints nothing on stderr\n" << r.describe();
  expect_summary(r);
  expect_outputs(cwd / "out");
}

// ---------------------------------------------------------------------------
// 5b. Scheduling at the edges of the documented ranges
// ---------------------------------------------------------------------------

// Runs `toml` (a scenario text) and expects a finished run: exit 0, nothing on
// stderr, "(finished)". Returns the stdout, or "" after a failure.
std::string expect_scenario_finishes(const std::string& toml) {
  TempDir dir;
  const fs::path file = dir / "s.toml";
  std::ofstream(file) << toml;
  const Result r = run_shadowsel({"--scenario", file.string(), "--out", (dir / "o").string()});
  expect_clean_exit(r, 0);
  if (testing::Test::HasFatalFailure()) return "";
  EXPECT_TRUE(r.err.empty()) << r.describe();
  EXPECT_NE(r.out.find(" (finished)\n"), std::string::npos) << r.describe();
  return r.out;
}

struct SliceCase {
  std::string name;
  std::string toml;  // machine keys; the ring workload is the default
};

void PrintTo(const SliceCase& c, std::ostream* os) { *os << c.name; }

class CliTimeslice : public testing::TestWithParam<SliceCase> {};

// Slices below, at and above the context-switch cost, and the largest context
// switch: the ring finishes with every request answered (a client checks each
// reply's size and fails the run otherwise), as does the pipeline, whose
// producer checks every filter's byte count.
TEST_P(CliTimeslice, RingAndPipelineFinish) {
  const std::string ring = expect_scenario_finishes(GetParam().toml);
  if (HasFatalFailure()) return;
  EXPECT_NE(ring.find("messages    1600 delivered"), std::string::npos) << ring;
  expect_scenario_finishes(GetParam().toml + "[workload]\nkind = \"pipeline\"\n");
}

INSTANTIATE_TEST_SUITE_P(
    Edges, CliTimeslice,
    testing::Values(SliceCase{"Slice1", "timeslice_cycles = 1\n[costs]\ncontext_switch = 1000\n"},
                    SliceCase{"Slice100", "timeslice_cycles = 100\n[costs]\ncontext_switch = 1000\n"},
                    SliceCase{"SliceEqualsSwitch", "timeslice_cycles = 1000\n[costs]\ncontext_switch = 1000\n"},
                    // 10^12-cycle runs: liveness off, or 10^7 liveness ticks of host time (about
                    // slices and switches, not liveness).
                    SliceCase{"HugeSwitch", "[costs]\ncontext_switch = 1000000000\n[liveness]\nenabled = false\n"},
                    SliceCase{"HugeSwitchShortSlice",
                              "timeslice_cycles = 1\n[costs]\ncontext_switch = 1000000000\n[liveness]\nenabled = false\n"}),
    [](const testing::TestParamInfo<SliceCase>& info) { return info.param.name; });

// ---------------------------------------------------------------------------
// 6. Determinism
// ---------------------------------------------------------------------------

// stats.json of a run with `extra` arguments, or "" after a failure.
std::string stats_of(const std::vector<std::string>& extra) {
  TempDir out;
  std::vector<std::string> args = {"--out", out.str()};
  args.insert(args.end(), extra.begin(), extra.end());
  const Result r = run_shadowsel(args);
  expect_clean_exit(r, 0);
  if (testing::Test::HasFatalFailure()) return "";
  const std::string text = read_file(out / "stats.json");
  EXPECT_FALSE(text.empty()) << "no stats.json\n" << r.describe();
  return text;
}

// The first line where two texts differ, for a readable failure.
std::string first_difference(const std::string& a, const std::string& b) {
  const auto la = lines_of(a), lb = lines_of(b);
  for (size_t i = 0; i < std::max(la.size(), lb.size()); ++i) {
    const std::string x = i < la.size() ? la[i] : "<end of file>";
    const std::string y = i < lb.size() ? lb[i] : "<end of file>";
    if (x != y) return "line " + std::to_string(i + 1) + ":\n  first:  " + x + "\n  second: " + y;
  }
  return "same lines, different bytes (line endings?)";
}

void expect_deterministic(const std::vector<std::string>& base) {
  auto with = [&](const std::string& seed) {
    std::vector<std::string> a = base;
    a.insert(a.end(), {"--seed", seed});
    return a;
  };
  const std::string a = stats_of(with("1"));
  if (testing::Test::HasFatalFailure()) return;
  const std::string b = stats_of(with("1"));
  if (testing::Test::HasFatalFailure()) return;
  ASSERT_FALSE(a.empty());
  EXPECT_TRUE(a == b) << "same seed, different stats.json: " << first_difference(a, b);
  const std::string c = stats_of(with("2"));
  if (testing::Test::HasFatalFailure()) return;
  ASSERT_FALSE(c.empty());
  EXPECT_NE(a, c) << "seed 1 and seed 2 give the same stats.json";
}

TEST(CliDeterminism, DefaultScenario) { expect_deterministic({}); }

TEST(CliDeterminism, SevenCpus) { expect_deterministic({"--cpus", "7"}); }

TEST(CliDeterminism, RtlEngines) { expect_deterministic({"--notify", "rtl"}); }

// Without --seed the scenario's seed applies, and that run too repeats itself.
TEST(CliDeterminism, DefaultSeedRepeats) {
  const std::string a = stats_of({});
  if (HasFatalFailure()) return;
  const std::string b = stats_of({});
  if (HasFatalFailure()) return;
  ASSERT_FALSE(a.empty());
  EXPECT_TRUE(a == b) << "two default runs differ: " << first_difference(a, b);
}

// A lane fault scheduled after the run's end must not disturb the run: the
// same stats.json as without it (it once moved one packet from Y to X).
TEST(CliDeterminism, LaneFaultBeyondTheEndChangesNothing) {
  TempDir dir;
  const fs::path file = dir / "late_fault.toml";
  std::ofstream(file) << "[bus]\nx_down_at_cycle = 100000000\ny_down_at_cycle = 200000000\n";
  const std::string a = stats_of({});
  if (HasFatalFailure()) return;
  const std::string b = stats_of({"--scenario", file.string()});
  if (HasFatalFailure()) return;
  ASSERT_FALSE(a.empty());
  EXPECT_TRUE(a == b) << "a fault beyond the end changed stats.json: " << first_difference(a, b);
}

// lane_flap and drop_ack from the command line (docs/faults.md): both lanes flap (both
// down at times) and 5 % of acknowledgements are lost; the faults happen and are
// counted, receivers discard the copies, and the ring delivers all its messages.
// A CPU halted in the default ring: every survivor declares it down (the faults line),
// the survivors' line adds up what they did, and the client calling the dead CPU's
// server fails saying why, with the usual exit status of a run that did not finish.
TEST(CliFaults, CpuHaltIsDeclaredDownAndTheSurvivorsLineSaysWhatTheyDid) {
  TempDir out;
  const Result r = run_shadowsel({"--out", out.str(), "--fault", "cpu_halt@500000:2"});
  expect_clean_exit(r, 1);
  if (HasFatalFailure()) return;
  EXPECT_NE(r.out.find("cpu 2 declared down at cycle 800897 by 3 CPUs (regroup)"), std::string::npos)
      << r.describe();
  EXPECT_NE(r.out.find("survivors   operations ended: none; select items woken 0; children killed with their CPU 0"),
            std::string::npos)
      << r.describe();
  EXPECT_NE(r.out.find("call to cpu 2 port 16: cpu 2 was declared down"), std::string::npos) << r.describe();
  std::string error;
  const auto stats = parse_json_file(out / "stats.json", &error);
  ASSERT_TRUE(stats) << error;
  const json& st = stats->at("stats");
  EXPECT_EQ(st["faults"]["cpu_halt"], 1);
  for (const char* c : {"0", "1", "3"}) EXPECT_EQ(st["cpu"][c]["membership"]["cpus_declared_down"], 1) << c;
}

// A fault that finds no target is counted and the summary says why (was "missed (target
// already gone)" for all, a workload server that is alive included).
TEST(CliFaults, MissedFaultsSayWhy) {
  TempDir out;
  // (the halt as in CpuHaltIsDeclaredDown...: a halt at cycle 100 makes a client's call
  // fail while AddressSanitizer cannot follow SystemC's stack switch, a false
  // stack-use-after-scope under make test-sanitize)
  const Result r = run_shadowsel({"--out", out.str(), "--fault", "process_kill@2000:1/server", "--fault",
                                  "process_kill@3000:2/nobody", "--fault", "cpu_halt@500000:2", "--fault",
                                  "cpu_halt@600000:2"});
  expect_clean_exit(r, 1);  // CPU 2 halted: its clients' calls fail
  if (HasFatalFailure()) return;
  EXPECT_NE(r.out.find("faults      1 applied (cpu_halt 1), 3 missed (process_kill at cycle 2000: 'server' on cpu 1 "
                       "is a workload server, not a user process; process_kill at cycle 3000: no live user process "
                       "'nobody' on cpu 2; cpu_halt at cycle 600000: cpu 2 was already halted)"),
            std::string::npos)
      << r.describe();
  std::string error;
  const auto stats = parse_json_file(out / "stats.json", &error);
  ASSERT_TRUE(stats) << error;
  EXPECT_EQ(stats->at("stats")["faults"]["missed"], 3);
  EXPECT_EQ(stats->at("stats")["faults"]["cpu_halt"], 1);
}

TEST(CliFaults, LaneFlapAndDropAckHappenAndNothingIsLost) {
  TempDir out;
  const Result r = run_shadowsel({"--out", out.str(), "--fault", "lane_flap@0:X/3000000/60000/40000", "--fault",
                                  "lane_flap@0:Y/3000000/60000/40000", "--fault", "drop_ack@0:XY/0.05"});
  expect_clean_exit(r, 0);
  if (HasFatalFailure()) return;
  std::string error;
  const auto stats = parse_json_file(out / "stats.json", &error);
  ASSERT_TRUE(stats) << error;
  const json& st = stats->at("stats");
  EXPECT_GT(st["faults"]["lane_flap"].get<uint64_t>(), 0u);
  EXPECT_EQ(st["faults"]["lane_flap"], st["faults"]["lane_down"]);
  EXPECT_GT(st["faults"]["drop_ack"].get<uint64_t>(), 0u);
  EXPECT_EQ(st["bus"]["X"]["acks_dropped_by_fault"].get<uint64_t>() + st["bus"]["Y"]["acks_dropped_by_fault"].get<uint64_t>(),
            st["faults"]["drop_ack"].get<uint64_t>());
  EXPECT_GT(st["bus"]["no_lane_periods"].get<uint64_t>(), 0u);
  uint64_t duplicates = 0;
  for (const auto& [n, node] : st["node"].items()) {
    duplicates += node["biu"]["rx_duplicates"].get<uint64_t>();
    EXPECT_EQ(node["biu"]["rx_seq_errors"], 0) << "node " << n;
  }
  EXPECT_GT(duplicates, 0u);
  EXPECT_EQ(st["msg"]["delivered"], 1600);  // the default ring's messages, as without faults
  EXPECT_NE(r.out.find("lane_flap"), std::string::npos) << r.describe();
}

// ---------------------------------------------------------------------------
// 7. Trace
// ---------------------------------------------------------------------------

TEST(CliTrace, WritesPerfettoJsonWithBusSlices) {
  TempDir out;
  const fs::path trace = out / "trace.json";
  const Result r = run_shadowsel({"--out", out.str(), "--trace", trace.string()});
  expect_clean_exit(r, 0);
  if (HasFatalFailure()) return;

  std::string error;
  const auto t = parse_json_file(trace, &error);
  ASSERT_TRUE(t) << error;
  EXPECT_EQ(shadowsel::test::check_trace(trace.string()), "");
  ASSERT_TRUE(t->is_object());
  ASSERT_TRUE(t->contains("traceEvents"));
  const json& events = t->at("traceEvents");
  ASSERT_TRUE(events.is_array());
  ASSERT_FALSE(events.empty());

  // The bus track: the process named "IPB" and its lane threads.
  std::optional<json> bus_pid;
  for (const json& e : events)
    if (e.value("ph", "") == "M" && e.value("name", "") == "process_name" && e.contains("args") &&
        e["args"].value("name", "") == "IPB" && e.contains("pid"))
      bus_pid = e["pid"];
  ASSERT_TRUE(bus_pid) << "no process_name metadata event named IPB (the bus)";
  std::set<std::string> lane_tids;
  for (const json& e : events)
    if (e.value("ph", "") == "M" && e.value("name", "") == "thread_name" && e.value("pid", json()) == *bus_pid &&
        e.contains("args") && e["args"].value("name", "").rfind("lane ", 0) == 0 && e.contains("tid"))
      lane_tids.insert(e["tid"].dump());
  EXPECT_EQ(lane_tids.size(), 2u) << "expected thread names for lane X and lane Y";

  size_t bus_slices = 0;
  for (const json& e : events) {
    if (e.value("ph", "") != "X" || e.value("pid", json()) != *bus_pid) continue;
    ++bus_slices;
    EXPECT_TRUE(e.contains("tid") && lane_tids.count(e["tid"].dump())) << e.dump();
    EXPECT_TRUE(e.contains("ts") && e["ts"].is_number()) << e.dump();
    EXPECT_TRUE(e.contains("dur") && e["dur"].is_number() && e["dur"].get<double>() >= 0) << e.dump();
    if (HasFailure()) break;  // one bad event is enough to report
  }
  EXPECT_GT(bus_slices, 0u) << "no \"ph\":\"X\" events on the bus track";

  // Every CPU and its services are named, though the machine (and so the names) is
  // built before the trace is opened.
  std::set<std::string> names;
  for (const json& e : events)
    if (e.value("ph", "") == "M" && e.contains("args")) names.insert(e["args"].value("name", ""));
  for (const char* n : {"CPU 0", "CPU 3", "pipe-agent (pid 1)", "fifo-agent (pid 2)", "proc-manager (pid 3)"})
    EXPECT_TRUE(names.count(n)) << "no metadata name '" << n << "'";
}

// ---------------------------------------------------------------------------
// 8. Help
// ---------------------------------------------------------------------------

TEST(CliHelp, ListsTheOptions) {
  const Result r = run_shadowsel({"--help"});
  expect_clean_exit(r, 0);
  if (HasFatalFailure()) return;
  for (const char* opt : {"--scenario", "--cpus", "--seed", "--freq-mhz", "--out", "--notify"})
    EXPECT_NE(r.out.find(opt), std::string::npos) << "--help does not list " << opt << "\n" << r.describe();
}

}  // namespace

// ---------------------------------------------------------------------------
// Distributed-select scenarios shipped in tb/scenarios
// ---------------------------------------------------------------------------

const fs::path kShipped = fs::path(SHADOWSEL_TEST_DATA_DIR).parent_path().parent_path() / "tb" / "scenarios";

// dedup: one subscribe request per readiness event, however many waiters.
TEST(CliSelectScenarios, DedupSendsOneRequestPerEvent) {
  TempDir out;
  const Result r = run_shadowsel({"--scenario", (kShipped / "dedup.toml").string(), "--out", out.str()});
  expect_clean_exit(r, 0);
  if (HasFatalFailure()) return;
  EXPECT_NE(r.out.find("select      remote wake p50"), std::string::npos) << r.describe();
  std::string error;
  const auto stats = parse_json_file(out / "stats.json", &error);
  ASSERT_TRUE(stats) << error;
  const json& s = stats->at("stats");
  EXPECT_EQ(s.at("select").at("requests_sent").get<double>(), 20.0);
  EXPECT_EQ(s.at("select").at("notifications").get<double>(), 20.0);
  EXPECT_EQ(s.at("select").at("requests_suppressed").get<double>(), 20.0 * 63);
  EXPECT_EQ(s.at("cpu").at("0").at("agent").at("fifo").at("waiters_woken").get<int>(), 20 * 64);
  EXPECT_EQ(s.at("cpu").at("0").at("posix").at("rescans").get<int>(), 0);
  EXPECT_EQ(s.at("select").at("remote_wake_latency_cycles").at("count").get<int>(), 20 * 64);
  EXPECT_GT(s.at("select").at("remote_wake_latency_cycles").at("p50").get<int>(), 0);
}

// dedup on the engine: the same one request per event, now sent by the engines' ARMs
// (the agents send nothing), and the summary says so on its driver line.
class CliSelectOnEngine : public testing::TestWithParam<const char*> {};

TEST_P(CliSelectOnEngine, DedupSendsOneSubscribePerEvent) {
  TempDir out;
  const Result r = run_shadowsel(
      {"--scenario", (kShipped / "dedup.toml").string(), "--notify", GetParam(), "--out", out.str()});
  expect_clean_exit(r, 0);
  if (HasFatalFailure()) return;
  EXPECT_NE(r.out.find("ne driver   20 requests sent, 1260 suppressed, 20 notifications, 0 fallbacks"),
            std::string::npos)
      << r.describe();
  std::string error;
  const auto stats = parse_json_file(out / "stats.json", &error);
  ASSERT_TRUE(stats) << error;
  const json& s = stats->at("stats");
  EXPECT_EQ(s.at("select").at("requests_sent").get<double>(), 0.0);  // the agents'
  EXPECT_EQ(s.at("select").at("ne").at("requests_sent").get<double>(), 20.0);
  EXPECT_EQ(s.at("select").at("ne").at("requests_suppressed").get<double>(), 20.0 * 63);
  EXPECT_EQ(s.at("select").at("remote_wake_latency_cycles").at("count").get<int>(), 20 * 64);
  EXPECT_EQ(s.at("cpu").at("0").at("posix").at("rescans").get<int>(), 0);
}

INSTANTIATE_TEST_SUITE_P(Paths, CliSelectOnEngine, testing::Values("model", "rtl", "lockstep"),
                         [](const testing::TestParamInfo<const char*>& info) { return std::string(info.param); });

// pipeline: filters on CPUs 1..3 select on three pipes each and read to EOF;
// the producer checks every filter's byte count through its exit status.
TEST(CliSelectScenarios, PipelineFinishes) {
  TempDir out;
  const Result r = run_shadowsel({"--scenario", (kShipped / "pipeline.toml").string(), "--out", out.str()});
  expect_clean_exit(r, 0);
  if (HasFatalFailure()) return;
  std::string error;
  const auto stats = parse_json_file(out / "stats.json", &error);
  ASSERT_TRUE(stats) << error;
  const json& cpu = stats->at("stats").at("cpu");
  for (const char* c : {"1", "2", "3"}) {
    EXPECT_GT(cpu.at(c).at("agent").at("pipe").at("ops_forwarded").get<int>(), 0) << "cpu " << c;
    EXPECT_GT(cpu.at(c).at("posix").at("selects").get<int>(), 0) << "cpu " << c;
  }
  EXPECT_GT(cpu.at("0").at("agent").at("pipe").at("ops_served").get<int>(), 0);
}

// pipeline at 16, 32 and 64 CPUs: CPU 0 owns 3 pipes per filter, more than its engine's
// 16-entry remote interest table holds. Every path finishes with the producer's check
// passed, and the engine paths take about the sw path's time: a full owner table costs
// one fallback to the agents per item, never a rescan storm (once 3 925 subscribes for
// 30 notifications at 15 CPUs, a stack overflow from 16 up).
class CliPipelineWide : public testing::TestWithParam<int> {};

TEST_P(CliPipelineWide, EveryPathFinishesWithoutARescanStorm) {
  const std::string cpus = std::to_string(GetParam());
  std::optional<double> sw_cycles;
  for (const char* path : {"sw", "model", "rtl", "lockstep"}) {
    SCOPED_TRACE(std::string("--notify ") + path + " --cpus " + cpus);
    TempDir out;
    const Result r = run_shadowsel({"--scenario", (kShipped / "pipeline.toml").string(), "--cpus", cpus,
                                    "--notify", path, "--out", out.str()});
    expect_clean_exit(r, 0);
    if (HasFatalFailure()) return;
    std::string error;
    const auto stats = parse_json_file(out / "stats.json", &error);
    ASSERT_TRUE(stats) << error;
    EXPECT_EQ(stats->at("end").get<std::string>(), "finished");
    const json& s = stats->at("stats");
    uint64_t selects = 0, rescans = 0, owner_full = 0;
    for (const auto& [cpu, c] : s.at("cpu").items()) {
      selects += c.at("posix").at("selects").get<uint64_t>();
      rescans += c.at("posix").at("rescans").get<uint64_t>();
      if (cpu != "0") {
        EXPECT_GT(c.at("posix").at("selects").get<int>(), 0) << "cpu " << cpu;
      }
      if (c.contains("ne_driver")) owner_full += c.at("ne_driver").at("owner_full_fallbacks").get<uint64_t>();
    }
    EXPECT_LE(rescans, static_cast<uint64_t>(GetParam())) << r.describe();
    const double cycles = s.at("sim").at("cycles").get<double>();
    if (!sw_cycles) {
      sw_cycles = cycles;
      continue;
    }
    // The case under test really happened: the owner's table overflowed.
    EXPECT_GT(owner_full, 0u);
    EXPECT_LE(s.at("select").at("ne").at("requests_sent").get<double>(), 4.0 * selects);
    EXPECT_LE(cycles, 1.25 * *sw_cycles);
  }
}

INSTANTIATE_TEST_SUITE_P(Cpus, CliPipelineWide, testing::Values(16, 32, 64));

// --cpus can take away the CPU a dedup workload names: one line, exit 2.
TEST(CliSelectScenarios, CpusOverrideBelowOwnerCpuIsBadInput) {
  TempDir dir;
  const fs::path file = dir.path() / "dedup4.toml";
  std::ofstream(file) << "cpus = 4\n[workload]\nkind = \"dedup\"\nowner_cpu = 3\n";
  const Result r = run_shadowsel({"--scenario", file.string(), "--cpus", "2", "--out", dir.str()});
  const std::string line = expect_bad_input(r);
  EXPECT_NE(line.find("owner_cpu"), std::string::npos) << line;
  EXPECT_NE(line.find(file.string()), std::string::npos) << line;
}

// ---------------------------------------------------------------------------
// Socket scenarios shipped in tb/scenarios (docs/scenarios.md, socket_server)
// ---------------------------------------------------------------------------

// One run of a socket scenario on a notify path: it finishes, every request and
// reply was read and checked (the workload fails the run on a wrong byte), and
// the figures of the network I/O process on CPU 0 are returned.
std::optional<json> run_socket_scenario(const std::string& file, const char* notify) {
  TempDir out;
  const Result r = run_shadowsel({"--scenario", (kShipped / file).string(), "--notify", notify, "--out", out.str()});
  expect_clean_exit(r, 0);
  if (testing::Test::HasFatalFailure()) return std::nullopt;
  EXPECT_NE(r.out.find("4 connections, 80 requests read (20480 bytes), 80 replies read (20480 bytes)"),
            std::string::npos)
      << r.describe();
  EXPECT_NE(r.out.find("every byte checked"), std::string::npos) << r.describe();
  std::string error;
  const auto stats = parse_json_file(out / "stats.json", &error);
  EXPECT_TRUE(stats) << error;
  if (!stats) return std::nullopt;
  EXPECT_EQ(stats->at("end").get<std::string>(), "finished");
  const json& w = stats->at("stats").at("workload");
  EXPECT_EQ(w.at("connections").get<int>(), 4);
  EXPECT_EQ(w.at("requests").get<int>(), 4 * 20);
  EXPECT_EQ(w.at("replies").get<int>(), 4 * 20);
  EXPECT_EQ(w.at("request_bytes").get<int>(), 4 * 20 * 256);
  EXPECT_EQ(w.at("reply_bytes").get<int>(), 4 * 20 * 256);
  return stats->at("stats");
}

class CliSocketScenarios : public testing::TestWithParam<const char*> {};

// readers = 1: one server process on CPU 1 serves every connection in a poll
// loop. Data forwarding: the I/O process pushes requests to the server's shadow
// and never serves a read from data held at the real socket.
TEST_P(CliSocketScenarios, ServerWithOneReaderForwardsData) {
  const auto s = run_socket_scenario("socket_server.toml", GetParam());
  if (!s) return;
  const json& io = s->at("cpu").at("0").at("net_io");
  EXPECT_EQ(io.at("connections").get<int>(), 4);
  EXPECT_GT(io.at("pushes").get<int>(), 0);
  EXPECT_GE(io.at("forwarded_bytes").get<int>(), 2 * 4 * 20 * 256);  // requests and replies
  EXPECT_EQ(io.at("held_reads").get<int>(), 0);
  EXPECT_EQ(io.at("to_contention").get<int>(), 0);
  EXPECT_EQ(s->at("workload").at("reader_switches").get<int>(), 0);
}

// readers = 2: each connection is read on CPUs 1 and 2 in turn. Contention: the
// connections switch mode and reads are served from the real socket.
TEST_P(CliSocketScenarios, ContentionWithTwoReadersHoldsData) {
  const auto s = run_socket_scenario("socket_contention.toml", GetParam());
  if (!s) return;
  const json& io = s->at("cpu").at("0").at("net_io");
  EXPECT_EQ(io.at("connections").get<int>(), 4);
  EXPECT_GE(io.at("to_contention").get<int>(), 1);
  EXPECT_GT(io.at("held_reads").get<int>(), 0);
  EXPECT_EQ(s->at("workload").at("reader_switches").get<int>(), 4 * 19);  // every request but each first
}

INSTANTIATE_TEST_SUITE_P(Paths, CliSocketScenarios, testing::Values("sw", "model"),
                         [](const testing::TestParamInfo<const char*>& info) { return std::string(info.param); });

// ---------------------------------------------------------------------------
// Network scenarios shipped in tb/scenarios (docs/network.md): remote hosts on the
// link of the I/O node's port
// ---------------------------------------------------------------------------

// One run of a network scenario: it finishes, every host is done with every reply
// checked (a host fails the run on a wrong byte), and the statistics are returned.
std::optional<json> run_network_scenario(const std::string& file, const char* notify, int hosts, int messages) {
  TempDir out;
  const Result r = run_shadowsel({"--scenario", (kShipped / file).string(), "--notify", notify, "--out", out.str()});
  expect_clean_exit(r, 0);
  if (testing::Test::HasFatalFailure()) return std::nullopt;
  const std::string done = "hosts       " + std::to_string(hosts) + " of " + std::to_string(hosts) + " done, " +
                           std::to_string(hosts * messages) + " requests sent";
  EXPECT_NE(r.out.find(done), std::string::npos) << r.describe();
  std::string error;
  const auto stats = parse_json_file(out / "stats.json", &error);
  EXPECT_TRUE(stats) << error;
  if (!stats) return std::nullopt;
  EXPECT_EQ(stats->at("end").get<std::string>(), "finished");
  const json& h = stats->at("stats").at("network").at("hosts");
  EXPECT_EQ(h.at("done").get<int>(), hosts);
  EXPECT_EQ(h.at("requests_sent").get<int>(), hosts * messages);
  EXPECT_EQ(h.at("replies_received").get<int>(), hosts * messages);
  EXPECT_EQ(h.at("connect_failures").get<int>(), 0);
  EXPECT_EQ(h.at("datagrams_lost").get<int>(), 0);
  // What the hosts sent crossed the link and the port, and what came back too.
  const json& link = stats->at("stats").at("network").at("link");
  const json& port = stats->at("stats").at("cpu").at("0").at("net_port");
  EXPECT_EQ(link.at("to_node_bytes").get<int64_t>(), h.at("bytes_sent").get<int64_t>());
  EXPECT_EQ(port.at("rx_bytes").get<int64_t>(), h.at("bytes_sent").get<int64_t>());
  EXPECT_EQ(port.at("tx_bytes").get<int64_t>(), link.at("to_hosts_bytes").get<int64_t>());
  return stats->at("stats");
}

class CliNetworkScenarios : public testing::TestWithParam<const char*> {};

// One reader CPU: the data of each frame from a host goes to the server's shadow
// socket in one push, and no read is served at the real socket.
TEST_P(CliNetworkScenarios, ServerForHostsForwardsEachFrame) {
  const auto s = run_network_scenario("net_server.toml", GetParam(), 4, 20);
  if (!s) return;
  const json& io = s->at("cpu").at("0").at("net_io");
  EXPECT_EQ(io.at("remote_connections").get<int>(), 4);
  EXPECT_EQ(io.at("held_reads").get<int>(), 0);
  EXPECT_EQ(io.at("to_contention").get<int>(), 0);
  const int64_t data = s->at("workload").at("request_bytes").get<int64_t>() + 4 * 4;  // and the hellos
  EXPECT_EQ(io.at("forwarded_bytes").get<int64_t>(), data);
  // At most one push per frame that arrived (data, FIN) plus one per connection's state.
  EXPECT_LE(io.at("pushes").get<int64_t>(), io.at("frames_in").get<int64_t>() + 4);
  EXPECT_EQ(s->at("workload").at("requests").get<int>(), 80);
}

// Two reader CPUs: each connection is read on both in turn, so reads are served
// at the real socket on the I/O node.
TEST_P(CliNetworkScenarios, ServerForHostsWithTwoReadersContends) {
  const auto s = run_network_scenario("net_contention.toml", GetParam(), 4, 20);
  if (!s) return;
  const json& io = s->at("cpu").at("0").at("net_io");
  EXPECT_GE(io.at("to_contention").get<int>(), 4);
  EXPECT_GT(io.at("held_reads").get<int>(), 0);
  EXPECT_EQ(s->at("workload").at("reader_switches").get<int>(), 4 * 19);
}

TEST_P(CliNetworkScenarios, EchoOverTcp) {
  const auto s = run_network_scenario("net_echo.toml", GetParam(), 3, 50);
  if (!s) return;
  EXPECT_EQ(s->at("workload").at("connections").get<int>(), 3);
  EXPECT_EQ(s->at("workload").at("echoed_bytes").get<int64_t>(),
            s->at("network").at("hosts").at("bytes_sent").get<int64_t>());
}

TEST_P(CliNetworkScenarios, EchoOverUdp) {
  const auto s = run_network_scenario("net_echo_udp.toml", GetParam(), 3, 50);
  if (!s) return;
  EXPECT_EQ(s->at("workload").at("datagrams").get<int>(), 150);
  EXPECT_EQ(s->at("cpu").at("0").at("net_io").at("datagrams_dropped").get<int>(), 0);
}

INSTANTIATE_TEST_SUITE_P(Paths, CliNetworkScenarios, testing::Values("sw", "model", "rtl"),
                         [](const testing::TestParamInfo<const char*>& info) { return std::string(info.param); });

// --cpus can take away the CPUs the socket scenario's readers need: one line, exit 2.
TEST(CliSocketScenarios, CpusOverrideBelowReadersIsBadInput) {
  TempDir out;
  const std::string file = (kShipped / "socket_contention.toml").string();
  const Result r = run_shadowsel({"--scenario", file, "--cpus", "2", "--out", (out / "o").string()});
  const std::string line = expect_bad_input(r);
  if (HasFatalFailure()) return;
  // the file's rule, checked again with the new count: it names the option and the key's line
  EXPECT_EQ(line, "--cpus: " + file + ":15: workload.readers: must be below cpus (2): readers run on CPUs 1..readers "
                  "and the clients on the others, got 2")
      << r.describe();
  EXPECT_FALSE(fs::exists(out / "o"));
}

// --cpus can take away a network I/O CPU of the scenario: one line, exit 2.
TEST(CliSocketScenarios, CpusOverrideBelowAnIoCpuIsBadInput) {
  TempDir dir;
  const fs::path file = dir.path() / "io3.toml";
  std::ofstream(file) << "cpus = 4\n[network]\nio_cpus = [0, 3]\n";
  const Result r = run_shadowsel({"--scenario", file.string(), "--cpus", "3", "--out", (dir / "o").string()});
  const std::string line = expect_bad_input(r);
  if (HasFatalFailure()) return;
  EXPECT_EQ(line, "--cpus: " + file.string() + ":3: network.io_cpus[1]: must be below cpus (3), got 3")
      << r.describe();
  EXPECT_FALSE(fs::exists(dir / "o"));
}

// Every rule of the file that depends on the CPU count holds after --cpus too, and its
// error names the option and the key's line (dedup's owner CPU and a [[faults]] CPU were
// found only when the workload was installed, without a line, or not at all).
TEST(CliScenarioFile, CpusOverrideChecksEveryRuleOfTheFileThatNamesACpu) {
  TempDir dir;
  const std::pair<std::string, std::string> cases[] = {
      {"cpus = 4\n[workload]\nkind = \"dedup\"\nowner_cpu = 3\n", ":4: workload.owner_cpu: must be below cpus (2), got 3"},
      {"cpus = 4\n[[faults]]\nkind = \"cpu_halt\"\nat_cycle = 5\ncpu = 3\n",
       ":5: faults[0].cpu: must be below cpus (3), got 3"},
      {"cpus = 4\n[network]\nio_backup_cpu = 3\n", ":3: network.io_backup_cpu: must be below cpus (2), got 3"},
  };
  for (size_t i = 0; i < std::size(cases); ++i) {
    const fs::path file = dir.path() / ("c" + std::to_string(i) + ".toml");
    std::ofstream(file) << cases[i].first;
    const std::string cpus = i == 1 ? "3" : "2";
    const Result r = run_shadowsel({"--scenario", file.string(), "--cpus", cpus, "--out", (dir / "o").string()});
    const std::string line = expect_bad_input(r);
    if (HasFatalFailure()) return;
    EXPECT_EQ(line, "--cpus: " + file.string() + cases[i].second) << r.describe();
    EXPECT_FALSE(fs::exists(dir / "o"));
  }
}

// A process pair ([network] io_backup_cpu, docs/faults.md "Process pair"): the primary's
// CPU halts, the backup takes over; the summary's io pair line and stats.json say so.
// (idle_gap's receiver waits for a message from the halted CPU: the run stalls, exit 1.)
TEST(CliSocketScenarios, ProcessPairTakeoverIsOnTheSummaryAndInStats) {
  TempDir dir;
  const fs::path file = dir.path() / "pair.toml";
  std::ofstream(file) << "cpus = 4\n[network]\nio_backup_cpu = 2\n[workload]\nkind = \"idle_gap\"\n";
  const Result r =
      run_shadowsel({"--scenario", file.string(), "--fault", "cpu_halt@1000:0", "--out", (dir / "o").string()});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.out.find("io pair     primary cpu 0, backup cpu 2; "), std::string::npos) << r.describe();
  EXPECT_NE(r.out.find("takeovers: cpu 2 at cycle "), std::string::npos) << r.describe();
  std::string error;
  const auto stats = parse_json_file(dir / "o" / "stats.json", &error);
  ASSERT_TRUE(stats) << error;
  EXPECT_EQ(stats->at(json::json_pointer("/stats/cpu/2/net_io/takeovers")).get<double>(), 1.0);
  EXPECT_GT(stats->at(json::json_pointer("/stats/cpu/2/net_io/takeover_at")).get<double>(), 1000.0);
  // The new backup is the next CPU up after the new primary.
  EXPECT_EQ(stats->at(json::json_pointer("/stats/cpu/2/net_io/backups_created")).get<double>(), 1.0);
  EXPECT_GE(stats->at(json::json_pointer("/stats/cpu/3/net_io/checkpoints_received")).get<double>(), 1.0);
  EXPECT_EQ(stats->at(json::json_pointer("/stats/cpu/1/agent/socket/takeovers")).get<double>(), 1.0);
}

// ---------------------------------------------------------------------------
// TTY scenario shipped in tb/scenarios (docs/scenarios.md tty_echo, docs/ttys.md)
// ---------------------------------------------------------------------------

class CliTtyScenario : public testing::TestWithParam<const char*> {};

// Three readers on CPUs 1-3 select /dev/tty0; the terminal model types four lines.
// out/tty0.txt is what the terminal received: each typed line's echo, then one
// reply per line from whichever reader read it (which one depends on timing, so
// the CPU number is not checked).
TEST_P(CliTtyScenario, TtyEchoWritesTheTerminalsOutput) {
  TempDir out;
  const Result r =
      run_shadowsel({"--scenario", (kShipped / "tty_echo.toml").string(), "--notify", GetParam(), "--out", out.str()});
  expect_clean_exit(r, 0);
  if (HasFatalFailure()) return;
  EXPECT_NE(r.out.find(out.str() + "/tty0.txt"), std::string::npos) << r.describe();
  EXPECT_NE(r.out.find("ttys        4 lines read (39 bytes), 4 replies"), std::string::npos) << r.describe();
  std::ifstream in(out / "tty0.txt", std::ios::binary);
  ASSERT_TRUE(in) << "no tty0.txt\n" << r.describe();
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string any_cpu = std::regex_replace(text, std::regex("cpu[123]: "), "cpuN: ");
  EXPECT_EQ(any_cpu,
            "hello\ncpuN: hello\nselect on a TTY\ncpuN: select on a TTY\npartial line\nbye\n"
            "cpuN: partial line\ncpuN: bye\n");
  EXPECT_FALSE(fs::exists(out / "tty1.txt"));  // line 1 was not used
  std::string error;
  const auto stats = parse_json_file(out / "stats.json", &error);
  ASSERT_TRUE(stats) << error;
  EXPECT_EQ(stats->at("end").get<std::string>(), "finished");
  const json& st = stats->at("stats");
  EXPECT_EQ(st.at("workload").at("lines").get<int>(), 4);
  EXPECT_EQ(st.at("workload").at("replies").get<int>(), 4);
  const json& line = st.at("tty").at("0");
  constexpr int kTyped = 6 + 16 + 8 + 9;  // "hello\n", "select on a TTY\n", "partial ", "line\nbye\n"
  EXPECT_EQ(line.at("typed_bytes").get<int>(), kTyped);
  EXPECT_EQ(line.at("echoed_bytes").get<int>(), kTyped);
  EXPECT_EQ(line.at("read_bytes").get<int>(), kTyped);
  EXPECT_EQ(line.at("written_bytes").get<int>(), static_cast<int>(text.size()) - kTyped);
  EXPECT_EQ(st.at("cpu").at("0").at("telnet_io").at("reads").get<int>(), 4);
}

INSTANTIATE_TEST_SUITE_P(Paths, CliTtyScenario, testing::Values("sw", "model"),
                         [](const testing::TestParamInfo<const char*>& info) { return std::string(info.param); });

// --cpus can take away the CPUs tty_echo's readers need: one line, exit 2.
TEST(CliTtyScenario, CpusOverrideBelowReadersIsBadInput) {
  TempDir out;
  const std::string file = (kShipped / "tty_echo.toml").string();
  const Result r = run_shadowsel({"--scenario", file, "--cpus", "3", "--out", (out / "o").string()});
  const std::string line = expect_bad_input(r);
  if (HasFatalFailure()) return;
  EXPECT_EQ(line, "--cpus: " + file + ":34: workload.readers: must be below cpus (3): tty_echo's readers run on CPUs "
                  "1..readers, got 3")
      << r.describe();
  EXPECT_FALSE(fs::exists(out / "o"));
}

// ---------------------------------------------------------------------------
// Clock frequency at the edges
// ---------------------------------------------------------------------------

// Cycles are the unit of simulated time; the frequency only converts them to
// ns. dedup is a POSIX program timed in ns (clock_gettime, nanosleep), so at
// any whole-Hz frequency its run in cycles is the same: below 1 kHz (a
// division by zero with whole-kHz arithmetic) and at 1.5 kHz (made 1 kHz,
// which shortened every period by a third).
TEST(CliFrequency, DedupRunsTheSameCyclesAtAnyWholeHz) {
  TempDir out;
  auto run = [&](const std::string& mhz) {
    const fs::path dir = out / mhz;
    const Result r = run_shadowsel(
        {"--scenario", (kShipped / "dedup.toml").string(),
         "--freq-mhz", mhz, "--out", dir.string()});
    expect_clean_exit(r, 0);
    std::string error;
    auto stats = parse_json_file(dir / "stats.json", &error);
    EXPECT_TRUE(stats) << error << "\n" << r.describe();
    if (!stats) return json();
    // The two figures that are the frequency itself and time in ns.
    EXPECT_EQ(stats->at("stats").at("sim").at("freq_mhz").get<double>(), std::stod(mhz));
    stats->at("stats").at("sim").erase("freq_mhz");
    stats->at("stats").at("sim").erase("ns");
    return *stats;
  };
  const json at500mhz = run("500");
  if (HasFailure()) return;
  for (const std::string mhz : {"0.0005", "0.0015"}) {
    const json slow = run(mhz);
    if (HasFailure()) return;
    EXPECT_TRUE(slow == at500mhz) << "--freq-mhz " << mhz << ": " << first_difference(slow.dump(1), at500mhz.dump(1));
  }
}

// At 1 Hz a 10^15-cycle period is 10^24 ns, far past int64_t: the workload's
// ns arithmetic is 128-bit, and every round still sends one request.
TEST(CliFrequency, DedupAtOneHzWithTheLongestPeriod) {
  TempDir dir;
  const fs::path file = dir / "slow.toml";
  // 3.75 x 10^15 cycles: a liveness tick every 10^5 would be 10^10 ticks of host time;
  // this is about the frequency and the idle bus, not liveness.
  std::ofstream(file) << "cpus = 2\nfreq_mhz = 0.000001\n[workload]\nkind = \"dedup\"\nwaiters = 4\nrounds = 3\n"
                         "period_cycles = 1000000000000000\n[liveness]\nenabled = false\n";
  const Result r = run_shadowsel({"--scenario", file.string(), "--out", (dir / "o").string()});
  expect_clean_exit(r, 0);
  if (HasFatalFailure()) return;
  std::string error;
  const auto stats = parse_json_file(dir / "o" / "stats.json", &error);
  ASSERT_TRUE(stats) << error;
  const json& s = stats->at("stats");
  EXPECT_EQ(s.at("select").at("requests_sent").get<double>(), 3.0);
  EXPECT_EQ(s.at("select").at("notifications").get<double>(), 3.0);
  EXPECT_EQ(s.at("select").at("remote_wake_latency_cycles").at("count").get<int>(), 3 * 4);
  // Four periods (the first round starts one in), the last event at 3/4 of the last.
  EXPECT_GT(s.at("sim").at("cycles").get<double>(), 3.75e15);
  EXPECT_LT(s.at("sim").at("cycles").get<double>(), 3.76e15);
}

// A fraction of a Hz cannot be converted exactly: refused, not truncated.
TEST(CliFrequency, FractionOfAHzIsBadInput) {
  TempDir out;
  const Result r = run_shadowsel({"--freq-mhz", "0.0000015", "--out", (out / "o").string()});
  const std::string line = expect_bad_input(r);
  EXPECT_EQ(line, "--freq-mhz: must be a whole number of Hz (at most 6 decimals in MHz), got 1.5e-06");
  EXPECT_FALSE(fs::exists(out / "o"));
}

// ---------------------------------------------------------------------------
// Stalls say why, in one short line
// ---------------------------------------------------------------------------

// The NOT FINISHED line of a run's stdout, or "" (with a failure) if none.
std::string not_finished_line(const Result& r) {
  for (const auto& l : lines_of(r.out)) {
    if (l.rfind("NOT FINISHED: ", 0) == 0) return l;
  }
  ADD_FAILURE() << "no NOT FINISHED line\n" << r.describe();
  return "";
}

TEST(CliStall, BothLanesDownIsNamedAsTheCause) {
  TempDir dir;
  const fs::path file = dir / "no_bus.toml";
  std::ofstream(file) << "[bus]\nx_down_at_cycle = 1000\ny_down_at_cycle = 2000\n";
  const Result r = run_shadowsel({"--scenario", file.string(), "--out", (dir / "out").string()});
  expect_clean_exit(r, 1);
  if (HasFatalFailure()) return;
  const std::string line = not_finished_line(r);
  EXPECT_NE(line.find("both bus lanes down (X since cycle 1000, Y since cycle 2000)"), std::string::npos) << line;
  EXPECT_TRUE(std::regex_search(line, std::regex(R"(, [1-9][0-9]* packets waiting to be sent; blocked forever: )")))
      << line;
  EXPECT_NE(line.find("client on cpu 0, client on cpu 1, client on cpu 2, client on cpu 3"), std::string::npos)
      << "four processes are listed by name\n" << line;
}

// 1000 blocked waiters are summarised (counts per CPU and name, the first few),
// not listed one by one in a 20 KB line.
TEST(CliStall, ManyBlockedProcessesAreSummarised) {
  TempDir dir;
  const fs::path file = dir / "many.toml";
  std::ofstream(file) << "[bus]\nx_down_at_cycle = 900000\ny_down_at_cycle = 900000\n"
                         "[workload]\nkind = \"dedup\"\nwaiters = 1000\nperiod_cycles = 8000000\n";
  const Result r = run_shadowsel({"--scenario", file.string(), "--out", (dir / "out").string()});
  expect_clean_exit(r, 1);
  if (HasFatalFailure()) return;
  const std::string line = not_finished_line(r);
  EXPECT_LT(line.size(), 400u) << line;
  EXPECT_TRUE(std::regex_search(line, std::regex(R"(blocked forever: [0-9]+ processes \(cpu 0: [0-9]+, cpu 1: 1; child: [0-9]+, fifo-owner: 1\), first child on cpu 0, )")))
      << line;
}

// ---------------------------------------------------------------------------
// Message-level flow control (docs/messages.md)
// ---------------------------------------------------------------------------

// A ring with messages near the 128 KiB nodes' limits once dropped 4 messages
// ("receiving kernel memory full") and stalled; now the receivers refuse what
// they cannot buffer yet and every message arrives.
TEST(CliMessages, RingWithLargeMessagesOnSmallNodesDeliversEverything) {
  TempDir dir;
  const fs::path file = dir / "large.toml";
  std::ofstream(file) << "memory_kib = 128\n[workload]\nkind = \"ring\"\nmessages = 10\n"
                         "bytes = 20000\nbytes_max = 36000\nreply_bytes = 40000\n";
  const Result r = run_shadowsel({"--scenario", file.string(), "--out", (dir / "out").string()});
  expect_clean_exit(r, 0);
  if (HasFatalFailure()) return;
  EXPECT_EQ(r.out.find("WARNING"), std::string::npos) << r.describe();
  std::string error;
  const auto stats = parse_json_file(dir / "out" / "stats.json", &error);
  ASSERT_TRUE(stats) << error;
  uint64_t received = 0, deferred = 0;
  for (const auto& [cpu, v] : stats->at("stats").at("cpu").items()) {
    received += v.at("msg").at("received").get<uint64_t>();
    deferred += v.at("msg").at("rx_deferred").get<uint64_t>();
  }
  EXPECT_EQ(received, 4u * 10 * 2) << "every request and every reply taken";
  EXPECT_GT(deferred, 0u) << "no receiver was ever full: the test proves nothing";
}

// ---------------------------------------------------------------------------
// dedup at its shortest period
// ---------------------------------------------------------------------------

// period_cycles below the bound is bad input (tests/data/scenarios/bad/dedup_*);
// at the bound itself (475768 for 64 waiters, tests/unit/scenario_test.cpp) the
// run finishes on the agents and on the engine, every waiter woken every round.
class CliDedupAtBound : public testing::TestWithParam<std::string> {};

TEST_P(CliDedupAtBound, Finishes) {
  TempDir dir;
  const fs::path file = dir / "tight.toml";
  std::ofstream(file) << "cpus = 2\n[workload]\nkind = \"dedup\"\nwaiters = 64\nperiod_cycles = 475768\n";
  const Result r =
      run_shadowsel({"--scenario", file.string(), "--notify", GetParam(), "--out", (dir / "out").string()});
  expect_clean_exit(r, 0);
  if (HasFatalFailure()) return;
  EXPECT_NE(r.out.find("(1280 wakes)"), std::string::npos) << "64 waiters x 20 rounds\n" << r.describe();
}

INSTANTIATE_TEST_SUITE_P(Paths, CliDedupAtBound, testing::Values("sw", "rtl"));

// ---------------------------------------------------------------------------
// Retry storms (docs/bus.md, back-off)
// ---------------------------------------------------------------------------

// Every interrupt handler runs 10^9 cycles, so receivers stay full for that
// long: with a fixed 16-cycle wait this was ~62 M refused transfers per second
// of busy time and minutes of wall time. With the back-off each waiting packet
// costs about flat + log2 + busy / cap refusals (~1 000 here, cap 2^20).
TEST(CliRetryStorm, ALongInterruptHandlerCostsFewRetries) {
  TempDir dir;
  const fs::path file = dir / "storm.toml";
  // Liveness off: a liveness tick taking 10^9 cycles every 10^5 leaves no CPU time for
  // anything (every view would be a false suspicion); this is about the bus's back-off.
  std::ofstream(file) << "[costs]\nirq_entry = 1000000000\n[workload]\nmessages = 5\n[liveness]\nenabled = false\n";
  const Result r = run_shadowsel({"--scenario", file.string(), "--out", (dir / "out").string()});
  expect_clean_exit(r, 0);
  if (HasFatalFailure()) return;
  std::string error;
  const auto stats = parse_json_file(dir / "out" / "stats.json", &error);
  ASSERT_TRUE(stats) << error;
  const json& bus = stats->at("stats").at("bus");
  const uint64_t refused = bus.at("X").at("refused").get<uint64_t>() + bus.at("Y").at("refused").get<uint64_t>();
  const double cycles = stats->at("stats").at("sim").at("cycles").get<double>();
  EXPECT_GT(cycles, 1e10) << "the handlers did not run long: the test proves nothing";
  EXPECT_GT(refused, 64u) << "no packet waited through a handler: the test proves nothing";
  EXPECT_LT(refused, 4000u) << "a retry storm: " << refused << " refused transfers";
}

// ---------------------------------------------------------------------------
// The output folder (docs/outputs.md): config.json, stats.json, run.json
// ---------------------------------------------------------------------------

// "bus.width_bytes" -> /bus/width_bytes
json::json_pointer key_pointer(const std::string& key) {
  std::string p = "/" + key;
  std::replace(p.begin(), p.end(), '.', '/');
  return json::json_pointer(p);
}

// config.json has every key of the reader (iterated from its table, so a new key
// without a place in config.json fails here), with the effective values: the
// file's, then the command line's, plus the version, the run and the constants.
TEST(CliOutputs, ConfigJsonHoldsEveryKeyWithItsEffectiveValue) {
  TempDir dir;
  const fs::path file = dir / "s.toml";
  std::ofstream(file) << "cpus = 3\n[bus]\nwidth_bytes = 8\n[costs]\nwakeup = 7\n";
  const Result r = run_shadowsel({"--scenario", file.string(), "--out", (dir / "out").string(), "--seed",
                                  "18446744073709551615", "--notify", "model", "--max-cycles", "200000", "--fault",
                                  "cpu_halt@100000:1"});
  expect_clean_exit(r, 0);
  if (HasFatalFailure()) return;
  EXPECT_NE(r.out.find((dir / "out" / "config.json").string()), std::string::npos) << "outputs line\n" << r.out;
  std::string error;
  const auto config = parse_json_file(dir / "out" / "config.json", &error);
  ASSERT_TRUE(config) << error;
  for (const std::string& key : shadowsel::tb::scenario_keys())
    EXPECT_TRUE(config->contains(key_pointer(key))) << key << " is missing from config.json";
  const json& c = *config;
  EXPECT_EQ(c.at("cpus"), 3);                                  // the file
  EXPECT_EQ(c.at("bus").at("width_bytes"), 8);                 // the file, in its table
  EXPECT_EQ(c.at("bus").at("arb_cycles"), 1);                  // a default
  EXPECT_EQ(c.at("seed").get<uint64_t>(), 18446744073709551615ull);  // the command line
  EXPECT_EQ(c.at("notify"), "model");
  EXPECT_EQ(c.at("costs").at("wakeup"), 7);
  EXPECT_EQ(c.at("costs").at("context_switch"), 785) << "the measured default (hw/src/cost_table.cpp)";
  EXPECT_EQ(c.at("faults"), json::parse(R"([{"kind": "cpu_halt", "at_cycle": 100000, "cpu": 1}])"));
  EXPECT_EQ(c.at("run").at("scenario_file"), file.string());
  EXPECT_EQ(c.at("run").at("max_cycles"), 200000);
  EXPECT_EQ(c.at("shadowsel").at("schema_version"), 1);
  EXPECT_EQ(c.at("constants").at("frame").at("header_bytes"), 8);
  EXPECT_EQ(c.at("constants").at("engine").at("ring_records"), 512);

  // The version is the one --version prints, from git describe at build time.
  const Result v = run_shadowsel({"--version"});
  expect_clean_exit(v, 0);
  const std::string version = c.at("shadowsel").at("version").get<std::string>();
  EXPECT_FALSE(version.empty());
  // "unknown" only without git or outside a git checkout (cmake/version.cmake).
  if (fs::exists(fs::path(SHADOWSEL_TEST_DATA_DIR).parent_path().parent_path() / ".git")) {
    EXPECT_NE(version, "unknown") << "built from a git checkout";
  }
  EXPECT_EQ(v.out, "shadowsel " + version + "\n");
  EXPECT_TRUE(v.err.empty()) << v.describe();
}

// stats.json carries its schema version and a unit for every figure.
TEST(CliOutputs, StatsJsonHasSchemaVersionAndAUnitForEveryFigure) {
  TempDir out;
  const Result r = run_shadowsel({"--out", out.str(), "--notify", "rtl"});
  expect_clean_exit(r, 0);
  if (HasFatalFailure()) return;
  std::string error;
  const auto stats = parse_json_file(out / "stats.json", &error);
  ASSERT_TRUE(stats) << error;
  EXPECT_EQ(stats->at("schema_version"), 1);
  const json& figures = stats->at("stats");
  const json& units = figures.at("units");
  size_t n = 0;
  const json flat = figures.flatten();
  for (const auto& [path, value] : flat.items()) {
    if (path.rfind("/units/", 0) == 0) continue;
    // A distribution's fields (/msg/latency_cycles/p50, its histogram's /histogram/lo/3)
    // and a series' (/bus/X/busy_cycles_over_time/values/7, window_cycles) share the
    // figure's unit.
    std::string name = path.substr(1);
    std::replace(name.begin(), name.end(), '/', '.');
    static const std::set<std::string> kFields = {"count", "p50", "p99", "max", "mean", "histogram",
                                                  "lo", "hi", "values", "window_cycles"};
    while (!units.contains(name)) {
      const size_t dot = name.rfind('.');
      if (dot == std::string::npos) break;
      const std::string last = name.substr(dot + 1);
      const bool index = !last.empty() && std::all_of(last.begin(), last.end(), ::isdigit);
      if (!index && !kFields.count(last)) break;
      name.resize(dot);
    }
    ASSERT_TRUE(units.contains(name)) << name << " has no unit";
    EXPECT_FALSE(units.at(name).get<std::string>().empty()) << name << " has an empty unit";
    ++n;
  }
  EXPECT_GT(n, 100u);
}

// --list-stats: every figure a run writes to stats.json, with the same unit, its kind
// and a description, and nothing else; nothing is run or written.
class CliListStats : public testing::TestWithParam<std::vector<std::string>> {};

TEST_P(CliListStats, ListsEveryFigureOfTheRunWithItsUnitKindAndDescription) {
  const std::vector<std::string>& scenario = GetParam();
  TempDir out;
  std::vector<std::string> list = scenario;
  list.push_back("--list-stats");
  const Result listed = run_shadowsel(list, out.path());
  expect_clean_exit(listed, 0);
  if (HasFatalFailure()) return;
  EXPECT_TRUE(fs::is_empty(out.path())) << "--list-stats wrote a file";
  std::vector<std::string> run = scenario;
  for (const char* a : {"--out", "o", "--max-cycles", "300000"}) run.push_back(a);
  const Result ran = run_shadowsel(run, out.path());
  ASSERT_TRUE(ran.exit_code == 0 || ran.exit_code == 1) << ran.describe();
  std::string error;
  const auto stats = parse_json_file(out / "o" / "stats.json", &error);
  ASSERT_TRUE(stats) << error;
  const json& units = stats->at("stats").at("units");

  std::map<std::string, std::string> listed_units;
  std::istringstream lines(listed.out);
  static const std::set<std::string> kKinds = {"counter", "formula", "distribution", "series"};
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> f;
    for (size_t from = 0;;) {
      const size_t tab = line.find('\t', from);
      f.push_back(line.substr(from, tab - from));
      if (tab == std::string::npos) break;
      from = tab + 1;
    }
    ASSERT_EQ(f.size(), 4u) << "not PATH, UNIT, KIND, DESCRIPTION: '" << line << "'";
    EXPECT_TRUE(kKinds.count(f[2])) << line;
    EXPECT_FALSE(f[3].empty()) << f[0] << " has no description";
    EXPECT_TRUE(listed_units.emplace(f[0], f[1]).second) << f[0] << " listed twice";
  }
  std::map<std::string, std::string> run_units;
  for (const auto& [path, unit] : units.items()) run_units.emplace(path, unit.get<std::string>());
  EXPECT_EQ(listed_units, run_units);
  EXPECT_GT(listed_units.size(), 100u);
}

std::string list_stats_case_name(const testing::TestParamInfo<std::vector<std::string>>& i) {
  const std::vector<std::string> names = {"Default", "Rtl", "Busy8On3Cpus", "TtyEcho", "NetEchoOnModel",
                                          "FaultWithoutLiveness"};
  return names.at(i.index);
}

INSTANTIATE_TEST_SUITE_P(
    Scenarios, CliListStats,
    testing::Values(std::vector<std::string>{}, std::vector<std::string>{"--notify", "rtl"},
                    std::vector<std::string>{"--scenario", (kShipped / "busy8.toml").string(), "--cpus", "3"},
                    std::vector<std::string>{"--scenario", (kShipped / "tty_echo.toml").string()},
                    std::vector<std::string>{"--scenario", (kShipped / "net_echo.toml").string(), "--notify",
                                             "model"},
                    std::vector<std::string>{"--fault", "cpu_halt@100000:1", "--set", "liveness.enabled=false"}),
    list_stats_case_name);

// ---------------------------------------------------------------------------
// Progress on a terminal (README, "Progress")
// ---------------------------------------------------------------------------

// Runs shadowsel with stderr on a pseudo-terminal (stdout to /dev/null) and TERM
// set to `term`; returns what the terminal received and the exit status.
struct PtyRun {
  std::string tty;
  int status = -1;
};
PtyRun run_on_pty(const std::vector<std::string>& args, const char* term) {
  PtyRun r;
  std::vector<std::string> argv_s = {kBin};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  int master = -1;
  const pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  if (pid < 0) {
    ADD_FAILURE() << "forkpty: " << std::strerror(errno);
    return r;
  }
  if (pid == 0) {
    const int null = open("/dev/null", O_WRONLY);
    if (null < 0 || dup2(null, STDOUT_FILENO) < 0) _exit(126);
    setenv("TERM", term, 1);
    execv(argv[0], argv.data());
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + kTimeout;
  char buf[4096];
  for (;;) {
    pollfd p{master, POLLIN, 0};
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      ADD_FAILURE() << "timed out";
      break;
    }
    if (poll(&p, 1, 1000) <= 0) continue;
    const ssize_t n = read(master, buf, sizeof buf);
    if (n <= 0) break;  // EIO: the child closed the terminal
    r.tty.append(buf, static_cast<size_t>(n));
  }
  close(master);
  int status = 0;
  waitpid(pid, &status, 0);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// A run long enough for several lines: busy8 made to outlast the cycle limit,
// about 1.6 s of wall time on the 2-core VM (60 M cycles per second); the first
// line comes after 0.5 s (tb/progress.h).
const std::vector<std::string> kLongRun = {"--scenario",  (kShipped / "busy8.toml").string(),
                                           "--set",       "workload.messages=40000",
                                           "--max-cycles", "100000000"};

// The run in `out` lasted long enough for the progress line to be due, so that
// "nothing on the terminal" is a finding and not the mark of a short run.
void expect_run_outlasted_first_line(const fs::path& out) {
  const auto run = nlohmann::json::parse(read_file(out / "run.json"));
  EXPECT_GT(run.at("wall_s").get<double>(), 0.7) << "the run was too short to test the progress line";
}

TEST(CliProgress, OnATerminalOneLineRedrawnThenTheSameResults) {
  TempDir dir;
  std::vector<std::string> args = kLongRun;
  args.insert(args.end(), {"--out", (dir / "tty").string()});
  const PtyRun r = run_on_pty(args, "xterm");
  ASSERT_EQ(r.status, 0) << r.tty;
  expect_run_outlasted_first_line(dir / "tty");
  // The terminal turns "\n" into "\r\n": one line, redrawn with '\r', ended once.
  const std::regex line(R"(\rshadowsel: [0-9]+ cycles simulated \([0-9]+\.[0-9]% of --max-cycles\), )"
                        R"([0-9]+\.[0-9]{2} M cycles per wall second *)");
  std::string rest = r.tty;
  size_t lines = 0;
  for (std::smatch m; std::regex_search(rest, m, line) && m.position() == 0; rest = m.suffix()) ++lines;
  EXPECT_GE(lines, 2u) << "expected a line redrawn at least twice:\n" << r.tty;
  EXPECT_EQ(rest, "\r\n") << "the last line ends with one newline:\n" << r.tty;
  EXPECT_NE(r.tty.find("(100.0% of --max-cycles)"), std::string::npos) << "the final line: " << r.tty;
  // Drawing the line changes nothing in what the run computes.
  std::vector<std::string> plain_args = kLongRun;
  plain_args.insert(plain_args.end(), {"--out", (dir / "plain").string()});
  const Result plain = run_shadowsel(plain_args);
  expect_clean_exit(plain, 0);
  EXPECT_TRUE(plain.err.empty()) << "stderr is no terminal: no progress\n" << plain.describe();
  const std::string a = read_file(dir / "tty" / "stats.json"), b = read_file(dir / "plain" / "stats.json");
  EXPECT_FALSE(a.empty());
  EXPECT_TRUE(a == b) << "progress changed stats.json: " << first_difference(a, b);
}

TEST(CliProgress, QuietSilencesIt) {
  TempDir dir;
  std::vector<std::string> args = kLongRun;
  args.insert(args.end(), {"--out", dir.str(), "--quiet"});
  const PtyRun r = run_on_pty(args, "xterm");
  EXPECT_EQ(r.status, 0);
  expect_run_outlasted_first_line(dir.path());
  EXPECT_EQ(r.tty, "") << "--quiet: nothing on the terminal";
}

TEST(CliProgress, DumbTerminalGetsNone) {
  TempDir dir;
  std::vector<std::string> args = kLongRun;
  args.insert(args.end(), {"--out", dir.str()});
  const PtyRun r = run_on_pty(args, "dumb");
  EXPECT_EQ(r.status, 0);
  expect_run_outlasted_first_line(dir.path());
  EXPECT_EQ(r.tty, "") << "TERM=dumb: nothing on the terminal";
}

TEST(CliProgress, QuietTakesNoValue) {
  const std::string line = expect_bad_input(run_shadowsel({"--quiet=yes"}));
  EXPECT_EQ(line, "--quiet: takes no value");
}

// The conventions: --help and --version on stdout with status 0, usage errors 2.
TEST(CliConventions, HelpAndVersionOnStdoutExitZero) {
  for (const char* opt : {"--help", "--version"}) {
    const Result r = run_shadowsel({opt});
    expect_clean_exit(r, 0);
    EXPECT_FALSE(r.out.empty()) << r.describe();
    EXPECT_TRUE(r.err.empty()) << r.describe();
  }
  const Result h = run_shadowsel({"--help"});
  EXPECT_NE(h.out.find("--quiet"), std::string::npos) << h.out;
  EXPECT_EQ(expect_bad_input(run_shadowsel({"--bogus"})), "--bogus: unknown option (see --help)");
}
