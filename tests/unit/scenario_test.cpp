// SPDX-License-Identifier: MIT
// Tests of the scenario file reader. Good files are loaded and every value is
// compared with the struct; bad input is data-driven: each file under
// tests/data/scenarios/bad/ starts with `# expect: LINE: message`, and the test
// checks that loading it throws exactly `FILE:LINE: message`. Adding a bad case
// means adding a file, not code.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <ostream>
#include <string>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>
#include <fmt/format.h>

#include "shadowsel/tb/options.h"
#include "shadowsel/tb/scenario.h"

#ifndef SHADOWSEL_TEST_DATA_DIR
#error "SHADOWSEL_TEST_DATA_DIR must name tests/data"
#endif

namespace shadowsel::tb {
namespace {

namespace fs = std::filesystem;

const fs::path kScenarios = fs::path(SHADOWSEL_TEST_DATA_DIR) / "scenarios";

// The message load_scenario throws for `path`, or "" if it loads.
std::string load_error(const std::string& path) {
  try {
    load_scenario(path);
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "";
}

TEST(ScenarioGood, FullSetsEveryKey) {
  const std::string path = (kScenarios / "good" / "full.toml").string();
  const Scenario s = load_scenario(path);
  EXPECT_EQ(s.source, path);
  EXPECT_EQ(s.name, "full coverage");

  const hw::MachineParams& m = s.machine;
  EXPECT_EQ(m.cpus, 8u);
  EXPECT_EQ(m.seed, 42u);
  EXPECT_DOUBLE_EQ(m.freq_mhz, 750.5);
  EXPECT_EQ(m.memory_bytes, 32768ull * 1024);
  EXPECT_EQ(m.process_stack_kib, 128u);
  EXPECT_EQ(m.timeslice_cycles, 123456u);
  EXPECT_EQ(s.notify, NotifyPath::kLockstep);

  EXPECT_EQ(m.bus.width_bytes, 8u);
  EXPECT_EQ(m.bus.arb_cycles, 3u);
  EXPECT_EQ(m.bus.max_payload_bytes, 128u);
  EXPECT_EQ(m.bus.rx_buffer_packets, 16u);
  EXPECT_EQ(m.bus.tx_window_packets, 2u);
  EXPECT_EQ(m.bus.retry_backoff_cycles, 32u);
  EXPECT_EQ(m.bus.x_down_at_cycle, 100000);
  EXPECT_EQ(m.bus.y_down_at_cycle, 0);

  EXPECT_EQ(m.costs.syscall_entry, 1111u);
  EXPECT_EQ(m.costs.context_switch, 2222u);
  EXPECT_EQ(m.costs.wakeup, 3333u);
  EXPECT_EQ(m.costs.copy_per_kib, 4444u);
  EXPECT_EQ(m.costs.irq_entry, 5555u);

  const WorkloadParams& w = s.workload;
  EXPECT_EQ(w.kind, "idle_gap");
  EXPECT_EQ(w.messages, 7u);
  EXPECT_EQ(w.bytes, 100u);
  EXPECT_EQ(w.bytes_max, 300u);
  EXPECT_EQ(w.reply_bytes, 32u);
  EXPECT_EQ(w.think_cycles, 5000u);
  EXPECT_EQ(w.think_jitter_cycles, 1000u);
  EXPECT_EQ(w.gap_cycles, 123456789u);
  EXPECT_EQ(w.readers, 3u);
  EXPECT_EQ(w.clients, 9u);

  EXPECT_EQ(s.network.io_cpus, (std::vector<uint32_t>{3, 1}));

  EXPECT_EQ(s.tty.lines, 6u);
  ASSERT_EQ(s.tty.input.size(), 2u);
  EXPECT_EQ(s.tty.input[0].line, 5u);
  EXPECT_EQ(s.tty.input[0].at_cycle, 777u);
  EXPECT_EQ(s.tty.input[0].text, "typed\n");
  EXPECT_EQ(s.tty.input[1].line, 0u);
  EXPECT_EQ(s.tty.input[1].at_cycle, 0u);
  EXPECT_EQ(s.tty.input[1].text, "x");
}

// full.toml is only a proof that each key arrives if every value differs from
// its default; guard that, so a changed default cannot hollow the test out.
TEST(ScenarioGood, FullDiffersFromDefaults) {
  const Scenario s = load_scenario((kScenarios / "good" / "full.toml").string());
  const Scenario d;
  const hw::MachineParams& m = s.machine;
  const hw::MachineParams& dm = d.machine;
  EXPECT_NE(s.name, d.name);
  EXPECT_NE(s.notify, d.notify);
  EXPECT_NE(m.cpus, dm.cpus);
  EXPECT_NE(m.seed, dm.seed);
  EXPECT_NE(m.freq_mhz, dm.freq_mhz);
  EXPECT_NE(m.memory_bytes, dm.memory_bytes);
  EXPECT_NE(m.process_stack_kib, dm.process_stack_kib);
  EXPECT_NE(m.timeslice_cycles, dm.timeslice_cycles);
  EXPECT_NE(m.bus.width_bytes, dm.bus.width_bytes);
  EXPECT_NE(m.bus.arb_cycles, dm.bus.arb_cycles);
  EXPECT_NE(m.bus.max_payload_bytes, dm.bus.max_payload_bytes);
  EXPECT_NE(m.bus.rx_buffer_packets, dm.bus.rx_buffer_packets);
  EXPECT_NE(m.bus.tx_window_packets, dm.bus.tx_window_packets);
  EXPECT_NE(m.bus.retry_backoff_cycles, dm.bus.retry_backoff_cycles);
  EXPECT_NE(m.bus.x_down_at_cycle, dm.bus.x_down_at_cycle);
  EXPECT_NE(m.bus.y_down_at_cycle, dm.bus.y_down_at_cycle);
  EXPECT_NE(m.costs.syscall_entry, dm.costs.syscall_entry);
  EXPECT_NE(m.costs.context_switch, dm.costs.context_switch);
  EXPECT_NE(m.costs.wakeup, dm.costs.wakeup);
  EXPECT_NE(m.costs.copy_per_kib, dm.costs.copy_per_kib);
  EXPECT_NE(m.costs.irq_entry, dm.costs.irq_entry);
  const WorkloadParams& w = s.workload;
  const WorkloadParams& dw = d.workload;
  EXPECT_NE(w.kind, dw.kind);
  EXPECT_NE(w.messages, dw.messages);
  EXPECT_NE(w.bytes, dw.bytes);
  EXPECT_NE(w.bytes_max, dw.bytes_max);
  EXPECT_NE(w.reply_bytes, dw.reply_bytes);
  EXPECT_NE(w.think_cycles, dw.think_cycles);
  EXPECT_NE(w.think_jitter_cycles, dw.think_jitter_cycles);
  EXPECT_NE(w.gap_cycles, dw.gap_cycles);
  EXPECT_NE(w.readers, dw.readers);
  EXPECT_NE(w.clients, dw.clients);
  EXPECT_NE(s.network.io_cpus, d.network.io_cpus);
  EXPECT_NE(s.tty.lines, d.tty.lines);
  EXPECT_NE(s.tty.input.size(), d.tty.input.size());
}

TEST(ScenarioGood, EmptyFileGivesDefaults) {
  const Scenario s = load_scenario((kScenarios / "good" / "empty.toml").string());
  const Scenario d;
  EXPECT_EQ(s.name, "");
  EXPECT_EQ(s.notify, d.notify);
  EXPECT_EQ(s.machine.cpus, d.machine.cpus);
  EXPECT_EQ(s.machine.seed, d.machine.seed);
  EXPECT_EQ(s.machine.freq_mhz, d.machine.freq_mhz);
  EXPECT_EQ(s.machine.memory_bytes, d.machine.memory_bytes);
  EXPECT_EQ(s.machine.bus.max_payload_bytes, d.machine.bus.max_payload_bytes);
  EXPECT_EQ(s.machine.bus.x_down_at_cycle, -1);
  EXPECT_EQ(s.machine.costs.wakeup, hw::CostTable::defaults().wakeup);
  EXPECT_EQ(s.workload.kind, d.workload.kind);
  EXPECT_EQ(s.workload.gap_cycles, d.workload.gap_cycles);
  EXPECT_EQ(s.network.io_cpus, std::vector<uint32_t>{0});
}

TEST(ScenarioGood, PartialKeepsOtherDefaults) {
  const Scenario s = load_scenario((kScenarios / "good" / "partial.toml").string());
  const hw::CostTable defaults = hw::CostTable::defaults();
  EXPECT_EQ(s.machine.cpus, 2u);
  EXPECT_DOUBLE_EQ(s.machine.freq_mhz, 1000.0);  // an integer is accepted for a float key
  EXPECT_EQ(s.machine.bus.width_bytes, 2u);      // dotted key
  EXPECT_EQ(s.machine.bus.arb_cycles, hw::BusParams{}.arb_cycles);
  EXPECT_EQ(s.machine.costs.wakeup, 7u);  // inline table
  EXPECT_EQ(s.machine.costs.syscall_entry, defaults.syscall_entry);
  EXPECT_EQ(s.machine.costs.context_switch, defaults.context_switch);
  EXPECT_EQ(s.machine.costs.copy_per_kib, defaults.copy_per_kib);
  EXPECT_EQ(s.machine.costs.irq_entry, defaults.irq_entry);
  EXPECT_EQ(s.workload.kind, "saturate");
  EXPECT_EQ(s.workload.think_cycles, 0u);
  EXPECT_EQ(s.workload.messages, WorkloadParams{}.messages);
}

// The message load_scenario_text throws for `text` (named "t"), or "" if it loads.
std::string text_error(const std::string& text) {
  try {
    load_scenario_text(text, "t");
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "";
}

// A UTF-8 byte order mark (editors add one) is not a non-ASCII character
// outside a string; UTF-8 in strings and comments is fine.
TEST(ScenarioGood, ByteOrderMarkAndUtf8Strings) {
  const Scenario s = load_scenario((kScenarios / "good" / "bom.toml").string());
  EXPECT_EQ(s.name, "a BOM");
  EXPECT_EQ(s.machine.cpus, 3u);
  EXPECT_EQ(load_scenario_text("name = \"caf\xc3\xa9\" # d\xc3\xa9j\xc3\xa0 vu\n", "t").name, "caf\xc3\xa9");
  // A comment right after a string is a comment; right after a bare value it may not be one to toml++.
  EXPECT_EQ(load_scenario_text("name = \"x\"# caf\xc3\xa9\n", "t").name, "x");
  EXPECT_EQ(text_error("cpus = 4# caf\xc3\xa9\n"), "t:1: non-ASCII character outside a string or comment");
  // Wherever TOML lets a string start: no space around '=', a quoted key, a dotted quoted key.
  EXPECT_EQ(load_scenario_text("name=\"\xc3\xa9\"\n", "t").name, "\xc3\xa9");
  EXPECT_EQ(load_scenario_text("\"name\"=\'\xc3\xa9\'\n", "t").name, "\xc3\xa9");
  EXPECT_EQ(load_scenario_text("workload.\"kind\"=\"dedup\"\nname = \"\"\"\n\xc3\xa9\"\"\"\n", "t").name, "\xc3\xa9");
}

// --- bad files, one per kind of mistake ---

struct BadCase {
  std::string path;
  std::string expected;  // the `# expect:` text, i.e. the error after `FILE:`
};

std::vector<BadCase> bad_cases() {
  std::vector<BadCase> cases;
  const fs::path dir = kScenarios / "bad";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".toml") continue;
    std::ifstream in(entry.path());
    std::string first;
    std::getline(in, first);
    const std::string tag = "# expect: ";
    BadCase c{entry.path().string(), ""};
    // A file without the tag keeps expected == "" and fails with a clear diff.
    if (first.rfind(tag, 0) == 0) c.expected = first.substr(tag.size());
    cases.push_back(std::move(c));
  }
  std::sort(cases.begin(), cases.end(), [](const BadCase& a, const BadCase& b) { return a.path < b.path; });
  return cases;
}

// Names the case in ctest listings instead of dumping its bytes.
void PrintTo(const BadCase& c, std::ostream* os) { *os << c.path; }

class ScenarioBad : public testing::TestWithParam<BadCase> {};

TEST_P(ScenarioBad, GivesExpectedError) {
  const BadCase& c = GetParam();
  ASSERT_FALSE(c.expected.empty()) << c.path << ": first line must be `# expect: LINE: message`";
  EXPECT_EQ(load_error(c.path), c.path + ":" + c.expected);
}

INSTANTIATE_TEST_SUITE_P(Files, ScenarioBad, testing::ValuesIn(bad_cases()),
                         [](const testing::TestParamInfo<BadCase>& info) {
                           std::string name = fs::path(info.param.path).stem().string();
                           for (char& ch : name)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return name;
                         });

// Catches a wrong SHADOWSEL_TEST_DATA_DIR, which would otherwise run no cases.
TEST(ScenarioBadFolder, HasTheCases) { EXPECT_GE(bad_cases().size(), 16u); }

TEST(ScenarioFile, MissingFile) {
  const std::string path = (kScenarios / "no_such_scenario.toml").string();
  EXPECT_EQ(load_error(path), path + ": cannot read: " + std::strerror(ENOENT));
}

TEST(ScenarioFile, DirectoryIsNotAFile) {
  const std::string path = (kScenarios / "good").string();
  EXPECT_EQ(load_error(path), path + ": cannot read: " + std::strerror(EISDIR));
}

// One short line, whatever the file holds (a 100 000-byte key is clipped).
TEST(ScenarioFile, ErrorIsOneShortLine) {
  for (const BadCase& c : bad_cases()) {
    const std::string e = load_error(c.path);
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
    EXPECT_LE(e.size(), c.path.size() + 300) << e.substr(0, 400);
  }
}

// A folder removed with its contents at the end of a test.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "shadowsel_unit_XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp: " << std::strerror(errno);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// open() of a FIFO without a writer blocks forever: the reader must refuse it
// without opening it. If it blocks, the test opens the writing end itself so
// that the reader (and the test) can finish.
TEST(ScenarioFile, FifoIsRefusedWithoutBlocking) {
  TempDir d;
  const std::string path = (d.path / "fifo.toml").string();
  ASSERT_EQ(mkfifo(path.c_str(), 0600), 0) << std::strerror(errno);
  auto pending = std::async(std::launch::async, [&] { return load_error(path); });
  if (pending.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK);
    if (fd >= 0) ::close(fd);
    ADD_FAILURE() << "load_scenario blocked on a FIFO";
  }
  EXPECT_EQ(pending.get(), path + ": cannot read: not a regular file (a FIFO)");
}

TEST(ScenarioFile, DeviceIsRefused) {
  EXPECT_EQ(load_error("/dev/null"), "/dev/null: cannot read: not a regular file (a character device)");
  EXPECT_EQ(load_error("/dev/zero"), "/dev/zero: cannot read: not a regular file (a character device)");
}

TEST(ScenarioFile, EmptyNameIsRefused) { EXPECT_EQ(load_error(""), "scenario file name is empty"); }

TEST(ScenarioFile, LargerThanTheLimitIsRefused) {
  TempDir d;
  const std::string path = (d.path / "large.toml").string();
  std::ofstream(path) << std::string(kScenarioMaxBytes - 9, '#') << "\ncpus = 4\n";  // one byte over
  EXPECT_EQ(load_error(path), path + ": cannot read: larger than 1048576 bytes, not a scenario (docs/scenarios.md, Limits)");
  fs::resize_file(path, kScenarioMaxBytes);  // exactly the limit: "cpus = 4" without its newline
  EXPECT_EQ(load_error(path), "");
}

// --- text in memory (the fuzzer's entry point) ---

TEST(ScenarioText, LoadsAndNamesTheSource) {
  const Scenario s = load_scenario_text("cpus = 3\n[bus]\nwidth_bytes = 2\n", "<fuzz>");
  EXPECT_EQ(s.source, "<fuzz>");
  EXPECT_EQ(s.machine.cpus, 3u);
  EXPECT_EQ(s.machine.bus.width_bytes, 2u);
}


// The documented count: twice each header part, one per dotted-key part and
// open bracket; 32 is allowed, 33 is not.
TEST(ScenarioText, NestingLimitIsExact) {
  auto dotted = [](int parts) {
    std::string k = "a";
    for (int i = 1; i < parts; ++i) k += ".a";
    return k;
  };
  const std::string deep = "t:1: nested more than 32 levels deep (docs/scenarios.md, Limits)";
  EXPECT_NE(text_error("[" + dotted(15) + "]\n"), deep);  // 31: toml++ reads it (an unknown table)
  EXPECT_EQ(text_error("[" + dotted(16) + "]\n"), deep);  // 33
  EXPECT_NE(text_error(dotted(32) + " = 1\n"), deep);
  EXPECT_EQ(text_error(dotted(33) + " = 1\n"), deep);
  EXPECT_NE(text_error("x = " + std::string(31, '[') + std::string(31, ']') + "\n"), deep);
  EXPECT_EQ(text_error("x = " + std::string(32, '[') + std::string(32, ']') + "\n"), deep);
  // Dots and brackets inside strings and comments do not count.
  EXPECT_EQ(text_error("name = \"" + dotted(100) + std::string(100, '[') + "\" # " + dotted(100) + "\n"), "");
  EXPECT_EQ(text_error("name = '''\n" + dotted(100) + "\n'''\n"), "");
  // Siblings do not add up: each key of an inline table starts from the table.
  std::string wide = "costs = {";
  for (int i = 0; i < 40; ++i) wide += std::string(i ? ", " : "") + "wakeup = " + std::to_string(i);
  EXPECT_NE(text_error(wide + "}\n"), deep);
}

// --- the pieces the command line reuses ---

TEST(ValidateMachine, DefaultsPass) { EXPECT_NO_THROW(validate_machine(hw::MachineParams{}, "--cpus")); }

std::string validate_error(const hw::MachineParams& m, const std::string& where) {
  try {
    validate_machine(m, where);
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "";
}

TEST(ValidateMachine, OptionNamesTheValue) {
  hw::MachineParams m;
  m.cpus = 65;
  EXPECT_EQ(validate_error(m, "--cpus"), "--cpus: must be 2..64, got 65");
  m.cpus = 1;
  EXPECT_EQ(validate_error(m, "--cpus"), "--cpus: must be 2..64, got 1");
  m = {};
  m.freq_mhz = 0;
  EXPECT_EQ(validate_error(m, "--freq-mhz"), "--freq-mhz: must be > 0 and <= 100000, got 0");
  m.freq_mhz = 100000.5;
  EXPECT_EQ(validate_error(m, "--freq-mhz"), "--freq-mhz: must be > 0 and <= 100000, got 100000.5");
}

// Whole Hz keep cycle <-> ns conversions exact: below 1 kHz too, never
// truncated; a fraction of a Hz is refused.
TEST(ValidateMachine, FrequencyIsAWholeNumberOfHz) {
  hw::MachineParams m;
  for (double ok : {0.0005, 0.0015, 0.000001, 750.5, 333.333333, 100000.0}) {
    m.freq_mhz = ok;
    EXPECT_EQ(validate_error(m, "--freq-mhz"), "") << ok;
  }
  m.freq_mhz = 0.0000015;
  EXPECT_EQ(validate_error(m, "--freq-mhz"),
            "--freq-mhz: must be a whole number of Hz (at most 6 decimals in MHz), got 1.5e-06");
  m.freq_mhz = 1e-7;
  EXPECT_EQ(validate_error(m, "--freq-mhz"),
            "--freq-mhz: must be a whole number of Hz (at most 6 decimals in MHz), got 1e-07");
}

// The run-length limits apply to the kinds that use the keys: a dedup file may
// keep a ring-sized think time that would pass the last cycle, and the reverse.
TEST(ScenarioDuration, LimitsApplyOnlyToTheKindThatUsesTheKeys) {
  const fs::path dir = fs::temp_directory_path() / ("scenario_duration_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string dedup = (dir / "dedup.toml").string();
  std::ofstream(dedup) << "[workload]\nkind = \"dedup\"\nmessages = 100000000\nthink_cycles = 1000000000000000\n";
  const std::string ring = (dir / "ring.toml").string();
  std::ofstream(ring) << "[workload]\nkind = \"ring\"\nrounds = 1000000\nperiod_cycles = 1000000000000000\n";
  // Just at the limit: 9223 x 10^15 + 9223 x 0 jitter fits 2^63 - 1.
  const std::string edge = (dir / "edge.toml").string();
  std::ofstream(edge) << "[workload]\nmessages = 9223\nthink_cycles = 1000000000000000\nthink_jitter_cycles = 0\n";
  EXPECT_EQ(load_error(dedup), "");
  EXPECT_EQ(load_error(ring), "");
  EXPECT_EQ(load_error(edge), "");
  fs::remove_all(dir);
}

TEST(ValidateMachine, OtherWhereNamesTheKey) {
  hw::MachineParams m;
  m.memory_bytes = 1024;
  EXPECT_EQ(validate_error(m, "x.toml"), "x.toml: memory_kib: must be 64..4194304, got 1");
  m = {};
  m.bus.tx_window_packets = 0;
  EXPECT_EQ(validate_error(m, "x.toml:3"), "x.toml:3: bus.tx_window_packets: must be 1..64, got 0");
  m = {};
  m.bus.x_down_at_cycle = 0;
  EXPECT_EQ(validate_error(m, "x.toml"), "");  // one lane down is allowed
  m.bus.y_down_at_cycle = 0;
  EXPECT_EQ(validate_error(m, "x.toml"),
            "x.toml: bus.x_down_at_cycle and bus.y_down_at_cycle are both 0: at least one lane must be up at cycle 0");
  m = {};
  m.costs.irq_entry = 1000000001;
  EXPECT_EQ(validate_error(m, "x.toml"), "x.toml: costs.irq_entry: must be 0..1000000000, got 1000000001");
}

TEST(NotifyPathNames, RoundTrip) {
  for (NotifyPath p : {NotifyPath::kSw, NotifyPath::kModel, NotifyPath::kRtl, NotifyPath::kLockstep})
    EXPECT_EQ(parse_notify_path(to_string(p), "--notify"), p);
  EXPECT_STREQ(to_string(NotifyPath::kLockstep), "lockstep");
}

TEST(NotifyPathNames, RejectsOthers) {
  for (const char* bad : {"", "SW", "hw", "model ", "lock-step"}) {
    try {
      parse_notify_path(bad, "--notify");
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const ScenarioError& e) {
      EXPECT_EQ(std::string(e.what()),
                std::string("--notify: must be sw, model, rtl or lockstep, got '") + bad + "'");
    }
  }
}

}  // namespace
}  // namespace shadowsel::tb

// The dedup bound of docs/scenarios.md, worked by hand for 64 waiters with the
// default costs and bus: packet = 1 + ceil(76 / 4) = 20; per waiter
// 2 * 785 + 113 + 60 + 15 + 2 * 20 = 1798; notification 2 * (897 + 785 + 60 + 113)
// + 8 * 20 = 3870; 4 * (64 * 1798 + 3870) = 475768. (tests/cli runs dedup there.)
TEST(ScenarioDedup, MinimumPeriodFollowsWaitersCostsAndBus) {
  shadowsel::hw::MachineParams m;
  EXPECT_EQ(shadowsel::tb::dedup_min_period(64, m), 475768u);
  EXPECT_EQ(shadowsel::tb::dedup_min_period(1, m), 4 * (1798u + 3870u));
  m.costs.context_switch += 100;
  EXPECT_EQ(shadowsel::tb::dedup_min_period(1, m), 4 * (1998u + 4070u));
}

// --set KEY=VALUE (docs/scenarios.md, "Overriding keys"): the file's reader checks
// the value as if the file had it, and every message names the option.
namespace shadowsel::tb {
namespace {

std::string set_error(const std::string& text, std::vector<Setting> sets) {
  try {
    load_scenario_text(text, "t", sets);
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "";
}

TEST(ScenarioSet, ReplacesAndAddsKeysInTablesAndAtTheTop) {
  const Scenario s = load_scenario_text("cpus = 3\n[bus]\nwidth_bytes = 2\n", "t",
                                        {{"cpus", "5"}, {"bus.width_bytes", "8"}, {"bus.arb_cycles", "7"},
                                         {"notify", "rtl"}, {"workload.kind", "\"ring\""}, {"costs.wakeup", "9"}});
  EXPECT_EQ(s.machine.cpus, 5u);
  EXPECT_EQ(s.machine.bus.width_bytes, 8u);
  EXPECT_EQ(s.machine.bus.arb_cycles, 7u);
  EXPECT_EQ(s.notify, NotifyPath::kRtl);
  EXPECT_EQ(s.workload.kind, "ring");
  EXPECT_EQ(s.machine.costs.wakeup, 9u);
  // Without a file: the built-in default with the keys set.
  EXPECT_EQ(load_scenario_text("", "d", {{"seed", "42"}}).machine.seed, 42u);
}

TEST(ScenarioSet, ErrorsNameTheOption) {
  EXPECT_EQ(set_error("", {{"cpus", "100"}}), "--set cpus: must be 2..64, got 100");
  EXPECT_EQ(set_error("", {{"cpus", "abc"}}), "--set cpus: expected an integer, found a string");
  EXPECT_EQ(set_error("", {{"bus.widht_bytes", "8"}}),
            "--set bus.widht_bytes: unknown key 'bus.widht_bytes'; did you mean 'bus.width_bytes'?");
  EXPECT_EQ(set_error("", {{"notify", "x"}}), "--set notify: must be sw, model, rtl or lockstep, got 'x'");
  EXPECT_EQ(set_error("name = \"n\"\n", {{"name.x", "1"}}), "--set name.x: name is a string in the scenario, not a table");
  // A table the --set had to make is its own: a check on it names the option, not the
  // file (was "<built-in default>: faults: ...").
  EXPECT_EQ(set_error("", {{"faults.cpu", "1"}}), "--set faults.cpu: faults: expected an array of tables, found a table");
  EXPECT_EQ(set_error("", {{"tty.input.line", "1"}}),
            "--set tty.input.line: tty.input: expected an array of tables, found a table");
  EXPECT_EQ(set_error("", {{"a..b", "1"}}).rfind("--set a..b: KEY must be a scenario key", 0), 0u);
  EXPECT_EQ(set_error("", {{"cpus", "[1"}}).rfind("--set cpus: VALUE '[1' is not a TOML value", 0), 0u);
  EXPECT_EQ(set_error("", {{"cpus", "1\nseed = 2"}}).rfind("--set cpus: VALUE", 0), 0u);
  // A cross-key rule broken by a --set names it; one broken in the file keeps FILE:LINE.
  EXPECT_EQ(set_error("[workload]\nkind = \"dedup\"\n", {{"workload.owner_cpu", "5"}}),
            "--set workload.owner_cpu: must be below cpus (4), got 5");
  EXPECT_EQ(set_error("cpus = 4\n[workload]\nowner_cpu = 3\n", {{"cpus", "2"}}),
            "t:3: workload.owner_cpu: must be below cpus (2), got 3");
}

TEST(ScenarioSet, CommandLineOptionIsRepeatable) {
  const CommandLine cl = parse_command_line({"--set", "cpus=4", "--set=bus.width_bytes=16"}, kShadowselOptions);
  ASSERT_EQ(cl.sets.size(), 2u);
  EXPECT_EQ(cl.sets[1].key, "bus.width_bytes");
  EXPECT_EQ(cl.sets[1].value, "16");
  const Scenario s = scenario_for(cl);
  EXPECT_EQ(s.machine.cpus, 4u);
  EXPECT_EQ(s.machine.bus.width_bytes, 16u);
  for (const char* bad : {"cpus", "=4", "cpus="}) {
    try {
      parse_command_line({"--set", bad}, kShadowselOptions);
      ADD_FAILURE() << bad;
    } catch (const ScenarioError& e) {
      EXPECT_EQ(std::string(e.what()), fmt::format("--set: expected KEY=VALUE, got '{}'", bad));
    }
  }
}

}  // namespace
}  // namespace shadowsel::tb
