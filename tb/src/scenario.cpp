// SPDX-License-Identifier: MIT
// Scenario file reader: parses a TOML scenario (docs/scenarios.md) with toml++,
// checks every key, type and range, and fills Scenario. Any bad input becomes a
// single `FILE:LINE: what is wrong` line thrown as ScenarioError, so a user can
// fix the file without reading source. validate_machine and parse_notify_path
// are shared with the command line, which overrides some of the file's values.
#include "shadowsel/tb/scenario.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include "shadowsel/hw/clock.h"
#include "scenario_text.h"

#if !TOML_EXCEPTIONS
#error "scenario.cpp relies on toml::parse throwing toml::parse_error"
#endif

namespace shadowsel::tb {
namespace {

constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();

// Ranges of docs/scenarios.md; shared by the file reader and validate_machine so
// both sides always agree.
constexpr int64_t kMinMemoryKib = 64;
constexpr int64_t kMaxMemoryKib = 4ll << 20;  // 4 GiB
constexpr int64_t kMinStackKib = 64;
constexpr int64_t kMaxStackKib = 65536;
constexpr int64_t kMaxTimeslice = 1'000'000'000'000;
constexpr double kMaxFreqMhz = 100000.0;
constexpr int64_t kFragmentHeaderBytes = 16;  // a payload must fit this plus 1 byte
constexpr int64_t kMaxCostCycles = 1000000000;
constexpr int64_t kMaxMessages = 100000000;
constexpr int64_t kMaxMessageBytes = 16ll << 20;  // 16 MiB
constexpr int64_t kMaxGapCycles = 1000000000000000ll;
// socket_server: every reader keeps a request buffer per connection.
constexpr int64_t kMaxSocketClients = 256;
constexpr int64_t kMaxSocketBytes = 1 << 20;
constexpr int64_t kMaxHosts = 65534;         // 10.1.0.1 .. 10.1.255.254
constexpr int64_t kMaxDatagramBytes = 65507; // 65535 less the IP and UDP headers
// [tty]: lines of the telnet I/O process (drv::kMaxTtyLines).
constexpr int64_t kMaxTtyLines = 256;
// The file cap also bounds text given directly (load_scenario_text); scenario_text.cpp
// reads files and bounds nesting.
constexpr size_t kMaxFileBytes = kScenarioMaxBytes;
// Longest key, string or parser message echoed in an error, so a line stays short.
constexpr size_t kMaxParserMessage = 200;

struct IntRange {
  int64_t lo;
  int64_t hi;
};
constexpr IntRange kBusWidth{1, 64};
constexpr IntRange kBusArb{0, 1000};
constexpr IntRange kBusPayload{kFragmentHeaderBytes + 1, 4096};
constexpr IntRange kBusRx{1, 1024};
constexpr IntRange kBusTx{1, 64};
constexpr IntRange kBusBackoff{1, 1000000};
constexpr IntRange kBusBackoffFlat{0, 1000000};
constexpr IntRange kBusBackoffMax{1, 1'000'000'000'000};
constexpr const char* kBackoffMaxBelowBase = "must be >= bus.retry_backoff_cycles";
constexpr IntRange kDownAt{-1, kI64Max};
// The engine's ALIVE_TIMEOUT register (32 bits) holds missed_periods x period_cycles
// plus half a period: 20.5 x 10^8 fits.
constexpr IntRange kLivenessPeriod{10'000, 100'000'000};
constexpr IntRange kLivenessMissed{1, 20};

std::string range_text(int64_t lo, int64_t hi) {
  if (hi == kI64Max) return fmt::format(">= {}", lo);
  return fmt::format("{}..{}", lo, hi);
}

// The payload limit is not obvious from the range alone, so its message says why.
std::string range_note(std::string_view key) {
  if (key == "bus.max_payload_bytes")
    return fmt::format(" (a {}-byte fragment header plus at least 1 byte)", kFragmentHeaderBytes);
  return {};
}

const char* type_name(toml::node_type t) {
  switch (t) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

// Optimal string alignment distance (Levenshtein plus adjacent transposition),
// case-insensitive: "widht" and "CPUS" are typos worth a hint.
// Only distances up to 2 matter, and lengths that differ by more than 2 are
// further apart than that: skip them, so a megabyte-long key costs nothing.
size_t edit_distance(std::string_view a, std::string_view b) {
  if (a.size() > b.size() + 2 || b.size() > a.size() + 2) return 3;
  auto low = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<size_t>> d(n + 1, std::vector<size_t>(m + 1));
  for (size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      const size_t cost = low(a[i - 1]) == low(b[j - 1]) ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && low(a[i - 1]) == low(b[j - 2]) && low(a[i - 2]) == low(b[j - 1]))
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[n][m];
}

// True when `where` is the command-line spelling of `key` ("--freq-mhz" for
// freq_mhz): then repeating the key in the message would only add noise.
bool names_key(std::string_view where, std::string_view key) {
  while (!where.empty() && where.front() == '-') where.remove_prefix(1);
  if (where.size() != key.size()) return false;
  auto norm = [](char c) { return c == '-' || c == '.' ? '_' : c; };
  for (size_t i = 0; i < key.size(); ++i)
    if (norm(where[i]) != norm(key[i])) return false;
  return true;
}

std::string lead(const std::string& where, std::string_view key) {
  if (names_key(where, key)) return where + ": ";
  if (where.empty()) return fmt::format("{}: ", key);
  return fmt::format("{}: {}: ", where, key);
}

void check_unsigned(const std::string& where, std::string_view key, uint64_t v, IntRange r) {
  // Every range here has lo >= 0, so comparing as unsigned is exact.
  if (v < static_cast<uint64_t>(r.lo) || v > static_cast<uint64_t>(r.hi))
    throw ScenarioError(
        fmt::format("{}must be {}{}, got {}", lead(where, key), range_text(r.lo, r.hi), range_note(key), v));
}

void check_signed(const std::string& where, std::string_view key, int64_t v, IntRange r) {
  if (v < r.lo || v > r.hi)
    throw ScenarioError(fmt::format("{}must be {}, got {}", lead(where, key), range_text(r.lo, r.hi), v));
}

bool freq_in_range(double f) { return f > 0.0 && f <= kMaxFreqMhz; }  // false for NaN too

// A whole number of Hz keeps every cycle <-> ns conversion exact (hw/clock.h).
bool freq_ok(double f) { return freq_in_range(f) && hw::hz_from_mhz(f).has_value(); }

std::string freq_problem(double f) {
  if (!freq_in_range(f)) return fmt::format("must be > 0 and <= {}, got {}", kMaxFreqMhz, f);
  return fmt::format("must be a whole number of Hz (at most 6 decimals in MHz), got {}", f);
}

// The product of two scenario values that together set how long a run lasts,
// when it passes the last simulated cycle: the run could only end in a
// TimeOverflow, so say so before simulating. "" when it fits.
std::string duration_problem(std::string_view key, std::string_view product, uint64_t a, uint64_t b) {
  if (hw::cycles_product(a, b)) return {};
  return fmt::format("workload.{}: {} must be at most {} cycles (2^63 - 1, the last simulated cycle), got {} x {}",
                     key, product, hw::kLastCycle, a, b);
}

constexpr std::string_view kLanesBothDown =
    "bus.x_down_at_cycle and bus.y_down_at_cycle are both 0: at least one lane must be up at cycle 0";

// Reads a whole file; errno-based so a permission problem gets the system's own
// words. Only a regular file is read: open() on a FIFO without a writer would
// block forever, and a device may never end or may act on being opened. stat()
// before open() keeps devices unopened; O_NONBLOCK and fstat() close the race
// of a path swapped for a FIFO in between.

// Line of each key given in one table, for cross-key checks that must point at
// a line the user wrote.
using Lines = std::map<std::string, uint32_t, std::less<>>;

// Line of `key` if it was given, else 0 (which fail() prints as no line).
uint32_t line_of(const Lines& lines, std::string_view key) {
  const auto it = lines.find(key);
  return it == lines.end() ? 0 : it->second;
}

// One known key of a table: its name, how to check and store its value (the
// callback receives the value node and the key's dotted label), and how to show
// the value it holds (config.json). A [table] has `keys` and no show: it shows
// as an object of its keys. One list per table serves the reader, config.json
// and scenario_keys(), so a key cannot be read and left out of config.json.
struct Key {
  std::string_view name;
  std::function<void(const toml::node&, const std::string&)> read;
  // Empty only for the keys of one [[faults]] or [[tty.input]] entry, which
  // show_faults and show_tty_input write.
  std::function<nlohmann::ordered_json()> show = {};
  const std::vector<Key>* keys = nullptr;
};

// Lines from kSetLine on stand for the --set options (a value given on the command
// line has no line in the file): kSetLine + i is the i-th --set.
constexpr uint32_t kSetLine = 0xF0000000u;
// The values the keys hold, as an object laid out like the file.
nlohmann::ordered_json show_keys(const std::vector<Key>& keys) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const Key& k : keys) out[std::string(k.name)] = k.keys != nullptr ? show_keys(*k.keys) : k.show();
  return out;
}

// [[tty.input]] and [[faults]] entries: the keys each entry gave (the others
// do not apply to it), as the entry's reader in with_keys takes them.
nlohmann::ordered_json show_tty_input(const std::vector<TtyInput>& input) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const TtyInput& in : input) {
    nlohmann::ordered_json e = {{"line", in.line}};
    if (in.after.empty()) {
      e["at_cycle"] = in.at_cycle;
    } else {
      e["after"] = in.after;
      e["delay_cycles"] = in.delay_cycles;
    }
    e["text"] = in.text;
    out.push_back(std::move(e));
  }
  return out;
}

nlohmann::ordered_json show_faults(const std::vector<Fault>& faults) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const Fault& f : faults) {
    nlohmann::ordered_json e = {{"kind", to_string(f.kind)}, {"at_cycle", f.at_cycle}};
    if (f.needs_cpu()) e["cpu"] = f.cpu;
    if (f.kind == FaultKind::kProcessKill) {
      if (f.pid != 0) {
        e["pid"] = f.pid;
      } else {
        e["process"] = f.process;
      }
    }
    if (f.lane != 0) e["lane"] = std::string(1, f.lane);  // packet faults: absent for either lane
    if (f.on_packets()) {
      if (f.rate > 0) {
        e["rate"] = f.rate;
      } else {
        e["count"] = f.count;
      }
    }
    if (f.kind == FaultKind::kLaneFlap) {
      e["until_cycle"] = f.until_cycle;
      e["mean_up_cycles"] = f.mean_up_cycles;
      e["mean_down_cycles"] = f.mean_down_cycles;
    }
    out.push_back(std::move(e));
  }
  return out;
}

// Every key's dotted name, tables walked ("bus.width_bytes").
void list_keys(const std::vector<Key>& keys, const std::string& prefix, std::vector<std::string>& out) {
  for (const Key& k : keys) {
    const std::string name = prefix + std::string(k.name);
    if (k.keys != nullptr) {
      list_keys(*k.keys, name + ".", out);
    } else {
      out.push_back(name);
    }
  }
}

class Reader {
 public:
  explicit Reader(std::string file, std::vector<std::string> sets = {})
      : file_(std::move(file)), sets_(std::move(sets)) {}

  [[noreturn]] void fail(uint32_t line, std::string_view what) const {
    if (line >= kSetLine && line - kSetLine < sets_.size()) {
      // "--set KEY: what", without repeating KEY when `what` starts with it.
      const std::string& set = sets_[line - kSetLine];
      const std::string_view key = std::string_view(set).substr(6);  // after "--set "
      if (what.size() > key.size() + 2 && what.substr(0, key.size()) == key && what.substr(key.size(), 2) == ": ")
        what.remove_prefix(key.size() + 2);
      throw ScenarioError(fmt::format("{}: {}", set, what));
    }
    if (line == 0) throw ScenarioError(fmt::format("{}: {}", file_, what));
    throw ScenarioError(fmt::format("{}:{}: {}", file_, line, what));
  }

  [[noreturn]] void fail(const toml::node& n, std::string_view label, std::string_view what) const {
    fail(line(n), fmt::format("{}: {}", label, what));
  }

  /// The node's line in the file, kSetLine + i for the i-th --set's value (and
  /// what is inside it), 0 when unknown.
  uint32_t line(const toml::node& n) const {
    if (const auto& p = n.source().path; p && *p != file_) {
      const auto it = std::find(sets_.begin(), sets_.end(), *p);
      if (it != sets_.end()) return kSetLine + static_cast<uint32_t>(it - sets_.begin());
    }
    return n.source().begin.line;
  }

  std::string where(const toml::node& n) const {
    const uint32_t l = line(n);
    if (l >= kSetLine && l - kSetLine < sets_.size()) return sets_[l - kSetLine];
    return l == 0 ? file_ : fmt::format("{}:{}", file_, l);
  }

  /// "WHERE: LABEL", or only "--set LABEL" when a --set gave it.
  std::string where_key(const toml::node& n, std::string_view label) const {
    const std::string w = where(n);
    return w == fmt::format("--set {}", label) ? w : fmt::format("{}: {}", w, label);
  }

  [[noreturn]] void wrong_type(const toml::node& n, std::string_view label, std::string_view expected) const {
    fail(n, label, fmt::format("expected {}, found {}", expected, type_name(n.type())));
  }

  int64_t integer(const toml::node& n, const std::string& label, IntRange r) const {
    const auto* v = n.as_integer();
    if (v == nullptr) wrong_type(n, label, "an integer");
    const int64_t x = v->get();
    if (x < r.lo || x > r.hi)
      fail(n, label, fmt::format("must be {}{}, got {}", range_text(r.lo, r.hi), range_note(label), x));
    return x;
  }

  // A float key accepts an integer too: `freq_mhz = 500` is what people write.
  double number(const toml::node& n, const std::string& label) const {
    if (const auto* i = n.as_integer()) return static_cast<double>(i->get());
    if (const auto* f = n.as_floating_point()) return f->get();
    wrong_type(n, label, "a number");
  }

  bool boolean(const toml::node& n, const std::string& label) const {
    const auto* b = n.as_boolean();
    if (b == nullptr) wrong_type(n, label, "a boolean");
    return b->get();
  }

  std::string string(const toml::node& n, const std::string& label) const {
    const auto* s = n.as_string();
    if (s == nullptr) wrong_type(n, label, "a string");
    return s->get();
  }

  const toml::table& table(const toml::node& n, const std::string& label) const {
    const auto* t = n.as_table();
    if (t == nullptr) wrong_type(n, label, "a table");
    return *t;
  }

  // Reads the keys of `t` in file order (toml::table is sorted by name), so the
  // first error reported is the first one in the file. An unknown key is an
  // error with a hint when a known key is close.
  Lines walk(const toml::table& t, std::string_view section, const std::vector<Key>& keys) const {
    std::vector<std::pair<const toml::key*, const toml::node*>> entries;
    for (auto&& [k, v] : t) entries.emplace_back(&k, &v);
    auto pos = [](const toml::key* k) {
      return std::pair{k->source().begin.line, k->source().begin.column};
    };
    std::stable_sort(entries.begin(), entries.end(),
                     [&](const auto& a, const auto& b) { return pos(a.first) < pos(b.first); });

    Lines lines;
    for (const auto& entry : entries) {
      const toml::key* k = entry.first;  // not a structured binding: clang 14 cannot capture one
      const toml::node* v = entry.second;
      const std::string label = section.empty() ? std::string(k->str()) : fmt::format("{}.{}", section, k->str());
      auto known = std::find_if(keys.begin(), keys.end(), [&](const Key& key) { return key.name == k->str(); });
      if (known == keys.end()) unknown(*k, *v, section, label, keys);
      known->read(*v, label);
      lines.emplace(std::string(k->str()), line(*v));
    }
    return lines;
  }

 private:
  [[noreturn]] void unknown(const toml::key& k, const toml::node& v, std::string_view section,
                            const std::string& label, const std::vector<Key>& keys) const {
    const std::string_view name = k.str();
    if (const size_t dot = name.rfind('.'); dot != std::string_view::npos) {
      // `"bus.width_bytes" = 8` names one key with dots in it, not width_bytes in [bus]:
      // legal TOML that no scenario key matches, so say what the quotes did
      const std::string in = section.empty() ? std::string() : std::string(section) + ".";
      fail(k.source().begin.line != 0 ? k.source().begin.line : line(v),
           fmt::format("unknown {} '{}\"{}\"': a quoted key is one name, dots included; without the quotes it "
                       "would be {} in the table {}{}",
                       v.is_table() ? "table" : "key", printable(in), printable(name),
                       printable(name.substr(dot + 1)), printable(in), printable(name.substr(0, dot))));
    }
    std::string msg = fmt::format("unknown {} '{}'", v.is_table() ? "table" : "key", printable(label));
    const Key* best = nullptr;
    size_t best_d = 3;  // hint only within edit distance 2
    for (const Key& key : keys) {
      const size_t d = edit_distance(k.str(), key.name);
      if (d < best_d) best_d = d, best = &key;
    }
    if (best != nullptr)
      msg += section.empty() ? fmt::format("; did you mean '{}'?", best->name)
                             : fmt::format("; did you mean '{}.{}'?", section, best->name);
    fail(k.source().begin.line != 0 ? k.source().begin.line : line(v), msg);
  }

  std::string file_;
  std::vector<std::string> sets_;  // "--set KEY", the source path of each --set's value
};

template <typename T>
T narrow(int64_t v) {
  return static_cast<T>(v);  // callers have range-checked v to fit T
}

}  // namespace

// Keys and strings come from the user and may hold control characters or be
// megabytes long; escape and clip them so every message stays one short line.
std::string printable(std::string_view s, size_t max) {
  std::string out;
  size_t taken = 0;
  for (; taken < s.size(); ++taken) {
    const auto c = static_cast<unsigned char>(s[taken]);
    const bool control = c < 0x20 || c == 0x7f;
    // the clip counts what is printed: an escaped byte takes four characters
    if (out.size() + (control ? 4 : 1) > max) break;
    if (control)
      out += fmt::format("\\x{:02x}", c);
    else
      out += static_cast<char>(c);
  }
  if (taken < s.size()) out += fmt::format("... ({} bytes)", s.size());
  return out;
}

const char* to_string(NotifyPath p) {
  switch (p) {
    case NotifyPath::kSw: return "sw";
    case NotifyPath::kModel: return "model";
    case NotifyPath::kRtl: return "rtl";
    case NotifyPath::kLockstep: return "lockstep";
  }
  return "?";
}

const char* to_string(FaultKind k) {
  switch (k) {
    case FaultKind::kCpuHalt: return "cpu_halt";
    case FaultKind::kProcessKill: return "process_kill";
    case FaultKind::kLaneDown: return "lane_down";
    case FaultKind::kLaneUp: return "lane_up";
    case FaultKind::kCorruptPacket: return "corrupt_packet";
    case FaultKind::kDropPacket: return "drop_packet";
    case FaultKind::kEngineHang: return "engine_hang";
    case FaultKind::kDropAck: return "drop_ack";
    case FaultKind::kLaneFlap: return "lane_flap";
  }
  return "?";
}

bool parse_fault_kind(std::string_view name, FaultKind& out) {
  for (FaultKind k : kAllFaultKinds) {
    if (name == to_string(k)) {
      out = k;
      return true;
    }
  }
  return false;
}

std::string pipeline_descriptors_error(const WorkloadParams& w, uint32_t cpus) {
  if (w.kind != "pipeline") return "";
  // The producer holds its standard descriptors and both ends of every pipe until it
  // has spawned the filters, and each filter inherits them all.
  const uint64_t fds = hw::kStdFds + 2ull * w.inputs * (cpus - 1);
  if (fds <= static_cast<uint64_t>(hw::kMaxFdsPerProcess)) return "";
  return fmt::format("pipeline's producer holds {} + 2 x inputs x (cpus - 1) = {} descriptors, more than a process "
                     "may ({}): with {} CPUs, inputs is at most {}, got {}",
                     hw::kStdFds, fds, hw::kMaxFdsPerProcess, cpus,
                     (hw::kMaxFdsPerProcess - hw::kStdFds) / 2 / (cpus - 1), w.inputs);
}

std::string lane_flap_size_error(const Fault& f) {
  const unsigned __int128 period = static_cast<unsigned __int128>(f.mean_up_cycles) + f.mean_down_cycles + 2;
  const unsigned __int128 changes = 2 * static_cast<unsigned __int128>(f.until_cycle - f.at_cycle) / period;
  if (changes <= kMaxLaneFlapChanges) return "";
  return fmt::format("lane_flap: about {} lane changes expected (2 x (until {} - start {}) / (mean up {} + mean down "
                     "{} + 2)), at most {}: the schedule is drawn before the run",
                     static_cast<uint64_t>(changes), f.until_cycle, f.at_cycle, f.mean_up_cycles, f.mean_down_cycles,
                     kMaxLaneFlapChanges);
}

void validate_faults(const Scenario& s) {
  for (const Fault& f : s.faults) {
    if (f.needs_cpu() && f.cpu >= s.machine.cpus)
      throw ScenarioError(fmt::format("{}: {}: cpu must be below cpus ({}), got {}", f.where, to_string(f.kind),
                                      s.machine.cpus, f.cpu));
    if (f.kind == FaultKind::kEngineHang && s.notify == NotifyPath::kSw)
      throw ScenarioError(fmt::format("{}: engine_hang: notify = sw ({}) has no notify engine to hang (use model, "
                                      "rtl or lockstep)",
                                      f.where, s.notify_where.empty() ? "the default" : s.notify_where));
  }
}

NotifyPath parse_notify_path(const std::string& name, const std::string& where) {
  for (NotifyPath p : {NotifyPath::kSw, NotifyPath::kModel, NotifyPath::kRtl, NotifyPath::kLockstep})
    if (name == to_string(p)) return p;
  throw ScenarioError(fmt::format("{}: must be sw, model, rtl or lockstep, got '{}'", where, printable(name)));
}

void validate_machine(const hw::MachineParams& m, const std::string& where) {
  check_unsigned(where, "cpus", m.cpus, {hw::kMinCpus, hw::kMaxCpus});
  if (m.memory_bytes < static_cast<uint64_t>(kMinMemoryKib) * 1024 ||
      m.memory_bytes > static_cast<uint64_t>(kMaxMemoryKib) * 1024) {
    // The file speaks KiB; only a value from elsewhere can be a partial KiB.
    const std::string got = m.memory_bytes % 1024 == 0 ? fmt::format("{}", m.memory_bytes / 1024)
                                                       : fmt::format("{} bytes", m.memory_bytes);
    throw ScenarioError(fmt::format("{}must be {}, got {}", lead(where, "memory_kib"),
                                    range_text(kMinMemoryKib, kMaxMemoryKib), got));
  }
  if (!freq_ok(m.freq_mhz)) throw ScenarioError(lead(where, "freq_mhz") + freq_problem(m.freq_mhz));
  check_unsigned(where, "process_stack_kib", m.process_stack_kib, {kMinStackKib, kMaxStackKib});

  const hw::BusParams& b = m.bus;
  check_unsigned(where, "bus.width_bytes", b.width_bytes, kBusWidth);
  check_unsigned(where, "bus.arb_cycles", b.arb_cycles, kBusArb);
  check_unsigned(where, "bus.max_payload_bytes", b.max_payload_bytes, kBusPayload);
  check_unsigned(where, "bus.rx_buffer_packets", b.rx_buffer_packets, kBusRx);
  check_unsigned(where, "bus.tx_window_packets", b.tx_window_packets, kBusTx);
  check_unsigned(where, "bus.retry_backoff_cycles", b.retry_backoff_cycles, kBusBackoff);
  check_unsigned(where, "bus.retry_backoff_flat", b.retry_backoff_flat, kBusBackoffFlat);
  check_unsigned(where, "bus.retry_backoff_max_cycles", b.retry_backoff_max_cycles, kBusBackoffMax);
  if (b.retry_backoff_max_cycles < b.retry_backoff_cycles)
    throw ScenarioError(fmt::format("{}{} ({}), got {}", lead(where, "bus.retry_backoff_max_cycles"),
                                    kBackoffMaxBelowBase, b.retry_backoff_cycles, b.retry_backoff_max_cycles));
  check_signed(where, "bus.x_down_at_cycle", b.x_down_at_cycle, kDownAt);
  check_signed(where, "bus.y_down_at_cycle", b.y_down_at_cycle, kDownAt);
  if (b.x_down_at_cycle == 0 && b.y_down_at_cycle == 0)
    throw ScenarioError(where.empty() ? std::string(kLanesBothDown) : fmt::format("{}: {}", where, kLanesBothDown));

  check_unsigned(where, "liveness.period_cycles", m.liveness.period_cycles, kLivenessPeriod);
  check_unsigned(where, "liveness.missed_periods", m.liveness.missed_periods, kLivenessMissed);

  const hw::CostTable& c = m.costs;
  for (const auto& [key, v] : {std::pair{"costs.syscall_entry", c.syscall_entry},
                               std::pair{"costs.context_switch", c.context_switch},
                               std::pair{"costs.wakeup", c.wakeup},
                               std::pair{"costs.copy_per_kib", c.copy_per_kib},
                               std::pair{"costs.irq_entry", c.irq_entry},
                               std::pair{"costs.fd_check", c.fd_check}})
    check_unsigned(where, key, v, {0, kMaxCostCycles});
}

namespace {

// A bare word typed for a string key (--set notify=rtl): a letter, then letters,
// digits and _ . : / + -. Anything else must be a TOML value.
bool bare_word(std::string_view v) {
  if (v.empty() || !std::isalpha(static_cast<unsigned char>(v.front()))) return false;
  return std::all_of(v.begin(), v.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("_.:/+-", c) != nullptr;
  });
}

// Puts each --set value into the parsed file at its dotted key, replacing what
// the file had there; the values keep "--set KEY" as their source, so that the
// reader's checks name the option (Reader::line). Only the form is checked here.
void apply_settings(toml::table& root, const std::vector<Setting>& sets) {
  for (const Setting& set : sets) {
    const std::string name = "--set " + printable(set.key);
    auto bad = [&](std::string_view what) { throw ScenarioError(fmt::format("{}: {}", name, what)); };
    std::vector<std::string> parts;
    for (std::string_view k = set.key;;) {
      const size_t dot = k.find('.');
      parts.emplace_back(k.substr(0, dot));
      if (dot == std::string_view::npos) break;
      k.remove_prefix(dot + 1);
    }
    const bool key_ok = parts.size() <= 4 && std::all_of(parts.begin(), parts.end(), [](const std::string& p) {
      return !p.empty() && std::all_of(p.begin(), p.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
      });
    });
    if (!key_ok) bad("KEY must be a scenario key, dotted for a key in a table (bus.width_bytes)");
    if (set.value.size() > kMaxFileBytes) bad(fmt::format("value larger than {} bytes", kMaxFileBytes));
    const std::string text = "v = " + set.value;
    toml::table doc;
    std::string problem;
    if (const Precheck p = precheck_scenario(text); p.line != 0) {
      problem = p.what;
    } else {
      try {
        doc = toml::parse(text, std::string_view(name));
        if (doc.size() != 1 || !doc.contains("v")) problem = "more than one value";
      } catch (const toml::parse_error& e) {
        problem = printable(e.description(), kMaxParserMessage);
      }
    }
    if (!problem.empty()) {
      if (!bare_word(set.value))
        bad(fmt::format("VALUE '{}' is not a TOML value (a number, true/false, \"text\", [list]): {}",
                        printable(set.value), problem));
      doc = toml::parse(fmt::format("v = \"{}\"", set.value), std::string_view(name));
    }
    toml::table* t = &root;
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      toml::node* n = t->get(parts[i]);
      if (n == nullptr) {
        // the table made for the key carries this --set as its source, like the value,
        // so that a check on it (faults.cpu: faults is an array of tables) names the option
        toml::table made = toml::parse("v = {}", std::string_view(name));
        n = &t->insert_or_assign(parts[i], std::move(*made.get("v"))).first->second;
      }
      if (!n->is_table())
        bad(fmt::format("{} is {} in the scenario, not a table", fmt::join(parts.begin(), parts.begin() + i + 1, "."),
                        type_name(n->type())));
      t = n->as_table();
    }
    doc.get("v")->visit([&](auto& v) { t->insert_or_assign(parts.back(), std::move(v)); });
  }
}

Scenario with_keys(Scenario s, const std::string& path, const toml::table* root, nlohmann::ordered_json* shown,
                   std::vector<std::string>* names, const std::vector<std::string>& set_names = {});
}  // namespace

Scenario load_scenario(const std::string& path) { return load_scenario_text(read_scenario_file(path), path); }

Scenario load_scenario_set(const std::string& path, const std::vector<Setting>& sets) {
  return load_scenario_text(read_scenario_file(path), path, sets);
}

Scenario load_scenario_text(std::string_view text, const std::string& path, const std::vector<Setting>& sets) {
  if (text.size() > kMaxFileBytes)
    throw ScenarioError(
        fmt::format("{}: larger than {} bytes, not a scenario (docs/scenarios.md, Limits)", path, kMaxFileBytes));
  if (const Precheck p = precheck_scenario(text); p.line != 0) Reader(path).fail(p.line, p.what);
  toml::table root;
  try {
    root = toml::parse(text, std::string_view(path));
  } catch (const toml::parse_error& e) {
    Reader(path).fail(e.source().begin.line, printable(e.description(), kMaxParserMessage));
  }

  apply_settings(root, sets);
  std::vector<std::string> set_names;
  for (const Setting& set : sets) set_names.push_back("--set " + printable(set.key));

  Scenario s;
  s.source = path;
  return with_keys(std::move(s), path, &root, nullptr, nullptr, set_names);
}

nlohmann::ordered_json scenario_json(const Scenario& s) {
  nlohmann::ordered_json out;
  with_keys(s, s.source, nullptr, &out, nullptr);
  return out;
}

std::vector<std::string> scenario_keys() {
  std::vector<std::string> out;
  with_keys(Scenario{}, "", nullptr, nullptr, &out);
  return out;
}

namespace {

// The reader's key tables, bound to `s`. With `root`: reads the file into `s`
// and checks it whole; with `shown`: writes the values `s` holds; with `names`:
// lists the keys.
Scenario with_keys(Scenario s, const std::string& path, const toml::table* root, nlohmann::ordered_json* shown,
                   std::vector<std::string>* names, const std::vector<std::string>& set_names) {
  hw::MachineParams& m = s.machine;
  hw::BusParams& b = m.bus;
  hw::CostTable& c = m.costs;  // starts as CostTable::defaults(); given keys override
  WorkloadParams& w = s.workload;
  const Reader r(path, set_names);
  using N = const toml::node&;
  using L = const std::string&;
  // A key holding an integer field, checked against `range` (most keys).
  auto int_key = [&](std::string_view name, auto& field, IntRange range) {
    using T = std::remove_reference_t<decltype(field)>;
    return Key{name, [&r, &field, range](N n, L l) { field = narrow<T>(r.integer(n, l, range)); },
               [&field] { return field; }};
  };

  const std::vector<Key> bus_keys = {
      int_key("width_bytes", b.width_bytes, kBusWidth),
      int_key("arb_cycles", b.arb_cycles, kBusArb),
      int_key("max_payload_bytes", b.max_payload_bytes, kBusPayload),
      int_key("rx_buffer_packets", b.rx_buffer_packets, kBusRx),
      int_key("tx_window_packets", b.tx_window_packets, kBusTx),
      int_key("retry_backoff_cycles", b.retry_backoff_cycles, kBusBackoff),
      int_key("retry_backoff_flat", b.retry_backoff_flat, kBusBackoffFlat),
      int_key("retry_backoff_max_cycles", b.retry_backoff_max_cycles, kBusBackoffMax),
      int_key("x_down_at_cycle", b.x_down_at_cycle, kDownAt),
      int_key("y_down_at_cycle", b.y_down_at_cycle, kDownAt),
  };

  hw::LivenessParams& lv = m.liveness;
  const std::vector<Key> liveness_keys = {
      {"enabled", [&](N n, L l) { lv.enabled = r.boolean(n, l); }, [&] { return lv.enabled; }},
      int_key("period_cycles", lv.period_cycles, kLivenessPeriod),
      int_key("missed_periods", lv.missed_periods, kLivenessMissed),
  };

  auto cost = [&](std::string_view name, uint32_t& field) { return int_key(name, field, {0, kMaxCostCycles}); };
  const std::vector<Key> cost_keys = {
      cost("syscall_entry", c.syscall_entry), cost("context_switch", c.context_switch),
      cost("wakeup", c.wakeup),               cost("copy_per_kib", c.copy_per_kib),
      cost("irq_entry", c.irq_entry),         cost("fd_check", c.fd_check),
  };

  Lines workload_lines;  // kept for the dedup period check, which needs [costs] and [bus] too
  const std::vector<Key> workload_keys = {
      {"kind",
       [&](N n, L l) {
         w.kind = r.string(n, l);
         if (w.kind != "ring" && w.kind != "saturate" && w.kind != "idle_gap" && w.kind != "dedup" &&
             w.kind != "pipeline" && w.kind != "socket_server" && w.kind != "net_server" && w.kind != "net_echo" &&
             w.kind != "tty_echo")
           r.fail(n, l,
                  fmt::format("must be ring, saturate, idle_gap, dedup, pipeline, socket_server, net_server, net_echo "
                              "or tty_echo, got '{}'",
                              printable(w.kind)));
       },
       [&] { return w.kind; }},
      int_key("messages", w.messages, {0, kMaxMessages}),
      int_key("bytes", w.bytes, {0, kMaxMessageBytes}),
      int_key("bytes_max", w.bytes_max, {0, kMaxMessageBytes}),
      int_key("reply_bytes", w.reply_bytes, {0, kMaxMessageBytes}),
      int_key("think_cycles", w.think_cycles, {0, kMaxGapCycles}),
      int_key("think_jitter_cycles", w.think_jitter_cycles, {0, kMaxGapCycles}),
      int_key("gap_cycles", w.gap_cycles, {0, kMaxGapCycles}),
      int_key("waiters", w.waiters, {1, 1000}),
      int_key("rounds", w.rounds, {1, 1000000}),
      int_key("period_cycles", w.period_cycles, {1000, kMaxGapCycles}),
      int_key("owner_cpu", w.owner_cpu, {0, hw::kMaxCpus - 1}),
      int_key("waiter_cpu", w.waiter_cpu, {0, hw::kMaxCpus - 1}),
      int_key("hogs", w.hogs, {0, 64}),
      int_key("inputs", w.inputs, {1, 64}),
      int_key("readers", w.readers, {1, hw::kMaxCpus - 1}),
      int_key("clients", w.clients, {1, kMaxSocketClients}),
  };

  // [network]: the CPUs with a network port, each running a network I/O process.
  // Their line is kept: whether each is below `cpus` is known after the whole file.
  std::vector<uint32_t> io_cpu_lines;
  uint32_t io_backup_line = 0;
  const std::vector<Key> network_keys = {
      {"io_cpus",
       [&](N n, L l) {
         const auto* a = n.as_array();
         if (a == nullptr) r.wrong_type(n, l, "an array of integers");
         if (a->empty()) r.fail(n, l, "must list at least one CPU, got []");
         std::vector<uint32_t> cpus;
         io_cpu_lines.clear();
         for (size_t i = 0; i < a->size(); ++i) {
           const toml::node& e = *a->get(i);
           const std::string label = fmt::format("{}[{}]", l, i);
           const auto c = narrow<uint32_t>(r.integer(e, label, {0, hw::kMaxCpus - 1}));
           const auto dup = std::find(cpus.begin(), cpus.end(), c);
           if (dup != cpus.end())
             r.fail(e, label, fmt::format("CPU {} is listed twice (also {}[{}])", c, l, dup - cpus.begin()));
           cpus.push_back(c);
           io_cpu_lines.push_back(r.line(e) != 0 ? r.line(e) : r.line(n));
         }
         s.network.io_cpus = std::move(cpus);
       },
       [&] { return s.network.io_cpus; }},
      {"io_backup_cpu",
       [&](N n, L l) {
         s.network.io_backup_cpu = narrow<uint32_t>(r.integer(n, l, {0, hw::kMaxCpus - 1}));
         io_backup_line = r.line(n);
       },
       [&] {
         return s.network.io_backup_cpu ? nlohmann::ordered_json(*s.network.io_backup_cpu) : nullptr;
       }},
      int_key("link_mbit_per_s", s.network.link_mbit_per_s, {1, 1000000}),
      int_key("link_latency_ns", s.network.link_latency_ns, {0, 1000000000}),
  };

  // [hosts]: the remote hosts of the testbench network (docs/network.md).
  HostParams& h = s.hosts;
  Lines host_lines;
  const std::vector<Key> host_keys = {
      int_key("count", h.count, {0, kMaxHosts}),
      {"protocol",
       [&](N n, L l) {
         h.protocol = r.string(n, l);
         if (h.protocol != "tcp" && h.protocol != "udp")
           r.fail(n, l, fmt::format("must be tcp or udp, got '{}'", printable(h.protocol)));
       },
       [&] { return h.protocol; }},
      int_key("port", h.port, {1, 65535}),
      int_key("messages", h.messages, {1, kMaxMessages}),
      int_key("bytes", h.bytes, {1, kMaxSocketBytes}),
      int_key("bytes_max", h.bytes_max, {0, kMaxSocketBytes}),
      int_key("interval_cycles", h.interval_cycles, {0, kMaxGapCycles}),
      int_key("outstanding", h.outstanding, {1, 1000000}),
      int_key("start_cycles", h.start_cycles, {0, kMaxGapCycles}),
  };

  // [tty]: the telnet I/O process's lines and what their terminals type. Whether each
  // input's line exists is known after the whole file (`lines` may come later).
  std::vector<uint32_t> tty_input_lines;
  uint32_t tty_lines_line = 0;
  const std::vector<Key> tty_keys = {
      {"lines",
       [&](N n, L l) {
         s.tty.lines = narrow<uint32_t>(r.integer(n, l, {0, kMaxTtyLines}));
         tty_lines_line = r.line(n);
       },
       [&] { return s.tty.lines; }},
      {"input",
       [&](N n, L l) {
         const auto* a = n.as_array();
         if (a == nullptr) r.wrong_type(n, l, "an array of tables");
         s.tty.input.clear();
         tty_input_lines.clear();
         for (size_t i = 0; i < a->size(); ++i) {
           const toml::node& e = *a->get(i);
           const std::string label = fmt::format("{}[{}]", l, i);
           TtyInput in;
           bool has_line = false, has_at = false, has_text = false, has_after = false, has_delay = false;
           uint32_t line_key = 0;  // where `line` was given: a line that does not exist is blamed there
           const std::vector<Key> input_keys = {
               {"line",
                [&](N v, L vl) {
                  in.line = narrow<uint32_t>(r.integer(v, vl, {0, kMaxTtyLines - 1}));
                  has_line = true;
                  line_key = r.line(v);
                }},
               {"at_cycle",
                [&](N v, L vl) {
                  in.at_cycle = narrow<uint64_t>(r.integer(v, vl, {0, kMaxGapCycles}));
                  has_at = true;
                }},
               {"text",
                [&](N v, L vl) {
                  in.text = r.string(v, vl);
                  if (in.text.empty()) r.fail(v, vl, "must not be empty");
                  has_text = true;
                }},
               {"after",
                [&](N v, L vl) {
                  in.after = r.string(v, vl);
                  if (in.after.empty()) r.fail(v, vl, "must not be empty");
                  has_after = true;
                }},
               {"delay_cycles",
                [&](N v, L vl) {
                  in.delay_cycles = narrow<uint64_t>(r.integer(v, vl, {0, kMaxGapCycles}));
                  has_delay = true;
                }},
           };
           r.walk(r.table(e, label), label, input_keys);
           const uint32_t line = r.line(e) != 0 ? r.line(e) : r.line(n);
           if (has_at && has_after)
             r.fail(line, fmt::format("{}: at_cycle and after both given: an input is typed at a cycle or after "
                                      "some output, not both",
                                      label));
           if (has_delay && !has_after)
             r.fail(line, fmt::format("{}: delay_cycles counts from the output `after` waits for; give after too",
                                      label));
           for (const auto& [given, key] : {std::pair{has_line, "line"}, std::pair{has_at || has_after, "at_cycle"},
                                             std::pair{has_text, "text"}}) {
             if (!given)
               r.fail(line, fmt::format("{}: missing key '{}' (each input needs line, at_cycle or after, and text)",
                                        label, key));
           }
           s.tty.input.push_back(std::move(in));
           tty_input_lines.push_back(line_key != 0 ? line_key : line);
         }
       },
       [&] { return show_tty_input(s.tty.input); }},
  };

  // [[faults]]: the fault injector's schedule (docs/faults.md). Which keys a kind
  // takes is checked per entry; CPU numbers against cpus after the whole file.
  std::vector<uint32_t> fault_cpu_lines;
  const std::vector<Key> fault_top = {
      {"faults",
       [&](N n, L l) {
         const auto* a = n.as_array();
         if (a == nullptr) r.wrong_type(n, l, "an array of tables");
         s.faults.clear();
         fault_cpu_lines.clear();
         for (size_t i = 0; i < a->size(); ++i) {
           const toml::node& e = *a->get(i);
           const std::string label = fmt::format("{}[{}]", l, i);
           const uint32_t line = r.line(e) != 0 ? r.line(e) : r.line(n);
           Fault f;
           f.where = r.where(e.source().begin.line != 0 ? e : n);
           bool has_kind = false, has_at = false, has_cpu = false, has_process = false, has_pid = false,
                has_lane = false, has_count = false, has_rate = false, has_until = false, has_mean_up = false,
                has_mean_down = false;
           std::map<std::string, uint32_t> key_line;
           // lane_flap's keys: cycles, lo..10^15.
           auto flap_key = [&](const char* key, uint64_t& out, bool& given, int64_t lo) {
             return Key{key, [&, key, lo](N v, L vl) {
                          out = narrow<uint64_t>(r.integer(v, vl, {lo, kMaxGapCycles}));
                          given = true;
                          key_line[key] = r.line(v);
                        }};
           };
           const std::vector<Key> keys = {
               {"kind",
                [&](N v, L vl) {
                  const std::string k = r.string(v, vl);
                  if (!parse_fault_kind(k, f.kind))
                    r.fail(v, vl,
                           fmt::format("must be cpu_halt, process_kill, lane_down, lane_up, lane_flap, "
                                       "corrupt_packet, drop_packet, drop_ack or engine_hang, got '{}'",
                                       printable(k)));
                  has_kind = true;
                }},
               {"at_cycle",
                [&](N v, L vl) {
                  f.at_cycle = narrow<uint64_t>(r.integer(v, vl, {0, kMaxGapCycles}));
                  has_at = true;
                }},
               {"cpu",
                [&](N v, L vl) {
                  f.cpu = narrow<uint32_t>(r.integer(v, vl, {0, hw::kMaxCpus - 1}));
                  has_cpu = true;
                  key_line["cpu"] = r.line(v);
                }},
               {"process",
                [&](N v, L vl) {
                  f.process = r.string(v, vl);
                  if (f.process.empty()) r.fail(v, vl, "must not be empty");
                  has_process = true;
                  key_line["process"] = r.line(v);
                }},
               {"pid",
                [&](N v, L vl) {
                  f.pid = narrow<uint32_t>(r.integer(v, vl, {16, 65535}));
                  has_pid = true;
                  key_line["pid"] = r.line(v);
                }},
               {"lane",
                [&](N v, L vl) {
                  const std::string ln = r.string(v, vl);
                  if (ln != "X" && ln != "Y") r.fail(v, vl, fmt::format("must be X or Y, got '{}'", printable(ln)));
                  f.lane = ln[0];
                  has_lane = true;
                  key_line["lane"] = r.line(v);
                }},
               {"count",
                [&](N v, L vl) {
                  f.count = narrow<uint64_t>(r.integer(v, vl, {1, 1000000000}));
                  has_count = true;
                  key_line["count"] = r.line(v);
                }},
               {"rate",
                [&](N v, L vl) {
                  f.rate = r.number(v, vl);
                  if (!(f.rate > 0 && f.rate <= 1))
                    r.fail(v, vl, fmt::format("must be above 0 and at most 1, got {}", f.rate));
                  has_rate = true;
                  key_line["rate"] = r.line(v);
                }},
               flap_key("until_cycle", f.until_cycle, has_until, 0),
               flap_key("mean_up_cycles", f.mean_up_cycles, has_mean_up, 1),
               flap_key("mean_down_cycles", f.mean_down_cycles, has_mean_down, 1),
           };
           r.walk(r.table(e, label), label, keys);
           if (!has_kind) r.fail(line, fmt::format("{}: missing key 'kind'", label));
           if (!has_at) r.fail(line, fmt::format("{}: missing key 'at_cycle'", label));
           const char* kind = to_string(f.kind);
           // A key the kind does not take is an error where it was written.
           auto not_for = [&](bool given, const char* key) {
             if (given)
               r.fail(key_line[key], fmt::format("{}.{}: {} takes no {} (docs/faults.md)", label, key, kind, key));
           };
           if (f.needs_cpu() && !has_cpu) r.fail(line, fmt::format("{}: missing key 'cpu' ({} needs it)", label, kind));
           if (!f.needs_cpu()) not_for(has_cpu, "cpu");
           if (f.kind == FaultKind::kProcessKill) {
             if (has_process == has_pid)
               r.fail(has_pid ? key_line["pid"] : line,
                      fmt::format("{}: process_kill needs exactly one of 'process' (a name) and 'pid'", label));
           } else {
             not_for(has_process, "process");
             not_for(has_pid, "pid");
           }
           if (f.kind == FaultKind::kLaneFlap) {
             for (const auto& [given, key] : {std::pair{has_until, "until_cycle"}, std::pair{has_mean_up, "mean_up_cycles"},
                                              std::pair{has_mean_down, "mean_down_cycles"}}) {
               if (!given) r.fail(line, fmt::format("{}: missing key '{}' (lane_flap needs it)", label, key));
             }
             if (f.until_cycle <= f.at_cycle)
               r.fail(key_line["until_cycle"], fmt::format("{}.until_cycle: must be after at_cycle ({}), got {}", label,
                                                           f.at_cycle, f.until_cycle));
             if (const std::string e = lane_flap_size_error(f); !e.empty())
               r.fail(key_line["until_cycle"], fmt::format("{}: {}", label, e));
           } else {
             not_for(has_until, "until_cycle");
             not_for(has_mean_up, "mean_up_cycles");
             not_for(has_mean_down, "mean_down_cycles");
           }
           if (f.kind == FaultKind::kLaneDown || f.kind == FaultKind::kLaneUp || f.kind == FaultKind::kLaneFlap) {
             if (!has_lane) r.fail(line, fmt::format("{}: missing key 'lane' ({} needs X or Y)", label, kind));
           } else if (!f.on_packets()) {
             not_for(has_lane, "lane");
           }
           if (f.on_packets()) {
             if (has_count && has_rate)
               r.fail(key_line["rate"], fmt::format("{}: count and rate both given: a packet fault hits a number "
                                                    "of transfers or a fraction of them, not both",
                                                    label));
           } else {
             not_for(has_count, "count");
             not_for(has_rate, "rate");
           }
           fault_cpu_lines.push_back(has_cpu ? key_line["cpu"] : line);
           s.faults.push_back(std::move(f));
         }
       },
       [&] { return show_faults(s.faults); }},
  };

  std::vector<Key> top_keys = {
      {"name", [&](N n, L l) { s.name = r.string(n, l); }, [&] { return s.name; }},
      int_key("cpus", m.cpus, {hw::kMinCpus, hw::kMaxCpus}),
      int_key("seed", m.seed, {0, kI64Max}),
      {"freq_mhz",
       [&](N n, L l) {
         m.freq_mhz = r.number(n, l);
         if (!freq_ok(m.freq_mhz)) r.fail(n, l, freq_problem(m.freq_mhz));
       },
       [&] { return m.freq_mhz; }},
      {"memory_kib",
       [&](N n, L l) { m.memory_bytes = narrow<uint64_t>(r.integer(n, l, {kMinMemoryKib, kMaxMemoryKib})) * 1024; },
       [&] { return m.memory_bytes / 1024; }},
      int_key("process_stack_kib", m.process_stack_kib, {kMinStackKib, kMaxStackKib}),
      int_key("timeslice_cycles", m.timeslice_cycles, {0, kMaxTimeslice}),
      {"notify",
       [&](N n, L l) {
         s.notify = parse_notify_path(r.string(n, l), r.where_key(n, l));
         s.notify_where = fmt::format("{}: {} = \"{}\"", r.where(n), l, to_string(s.notify));
       },
       [&] { return to_string(s.notify); }},
      {"bus",
       [&](N n, L l) {
         const Lines lines = r.walk(r.table(n, l), "bus", bus_keys);
         // Defaults are -1, so both 0 means both keys were given; blame the later.
         if (b.x_down_at_cycle == 0 && b.y_down_at_cycle == 0)
           r.fail(std::max(line_of(lines, "x_down_at_cycle"), line_of(lines, "y_down_at_cycle")), kLanesBothDown);
         if (b.retry_backoff_max_cycles < b.retry_backoff_cycles) {
           const uint32_t given = line_of(lines, "retry_backoff_max_cycles");
           r.fail(given != 0 ? given : line_of(lines, "retry_backoff_cycles"),
                  fmt::format("bus.retry_backoff_max_cycles: {} ({}), got {}", kBackoffMaxBelowBase,
                              b.retry_backoff_cycles, b.retry_backoff_max_cycles));
         }
       },
       nullptr, &bus_keys},
      {"costs", [&](N n, L l) { r.walk(r.table(n, l), "costs", cost_keys); }, nullptr, &cost_keys},
      {"liveness", [&](N n, L l) { r.walk(r.table(n, l), "liveness", liveness_keys); }, nullptr, &liveness_keys},
      {"network", [&](N n, L l) { r.walk(r.table(n, l), "network", network_keys); }, nullptr, &network_keys},
      {"hosts",
       [&](N n, L l) {
         host_lines = r.walk(r.table(n, l), "hosts", host_keys);
         if (h.bytes_max != 0 && h.bytes_max < h.bytes) {
           const uint32_t given = line_of(host_lines, "bytes_max");
           r.fail(given != 0 ? given : line_of(host_lines, "bytes"),
                  fmt::format("hosts.bytes_max: must be 0 or >= hosts.bytes ({}), got {}", h.bytes, h.bytes_max));
         }
         if (h.protocol == "udp") {
           // A datagram starts with its request's number and must fit one UDP datagram.
           for (const auto& [key, v] : {std::pair{"bytes", h.bytes}, std::pair{"bytes_max", h.bytes_max}}) {
             if ((v != 0 || std::string(key) == "bytes") && (v < 4 || v > kMaxDatagramBytes)) {
               const uint32_t given = line_of(host_lines, key);
               r.fail(given != 0 ? given : line_of(host_lines, "protocol"),
                      fmt::format("hosts.{}: must be 4..{} with protocol = \"udp\", got {}", key, kMaxDatagramBytes,
                                  v));
             }
           }
         }
         // Request r goes at start + r x interval at the earliest: the last one must be in time.
         const auto span = hw::cycles_product(h.messages, h.interval_cycles);
         if (!span || h.start_cycles > hw::kLastCycle - *span) {
           const uint32_t given = line_of(host_lines, "interval_cycles");
           r.fail(given != 0 ? given : line_of(host_lines, "start_cycles"),
                  fmt::format("hosts.{}: start_cycles + messages x interval_cycles must be at most {} cycles (2^63 - "
                              "1, the last simulated cycle), got {} + {} x {}",
                              given != 0 ? "interval_cycles" : "start_cycles", hw::kLastCycle, h.start_cycles,
                              h.messages, h.interval_cycles));
         }
       },
       nullptr, &host_keys},
      {"tty", [&](N n, L l) { r.walk(r.table(n, l), "tty", tty_keys); }, nullptr, &tty_keys},
      {"workload",
       [&](N n, L l) {
         const Lines lines = r.walk(r.table(n, l), "workload", workload_keys);
         workload_lines = lines;
         // Cross-key rules point at the key that was given: the dependent one if
         // present, else the one whose new value broke the other's default.
         if (w.bytes_max != 0 && w.bytes_max < w.bytes) {
           const uint32_t given = line_of(lines, "bytes_max");
           r.fail(given != 0 ? given : line_of(lines, "bytes"),
                  fmt::format("workload.bytes_max: must be 0 or >= workload.bytes ({}), got {}", w.bytes,
                              w.bytes_max));
         }
         if (w.think_jitter_cycles > w.think_cycles) {
           if (const uint32_t given = line_of(lines, "think_jitter_cycles"); given != 0)
             r.fail(given,
                    fmt::format("workload.think_jitter_cycles: must be <= workload.think_cycles ({}), got {}",
                                w.think_cycles, w.think_jitter_cycles));
           r.fail(line_of(lines, "think_cycles"),
                  fmt::format("workload.think_cycles: must be >= workload.think_jitter_cycles ({}), got {}",
                              w.think_jitter_cycles, w.think_cycles));
         }
         // How long the kinds that use these keys must run, at least.
         auto first_given = [&](std::initializer_list<const char*> keys) {
           for (const char* k : keys)
             if (const uint32_t given = line_of(lines, k); given != 0) return given;
           return 0u;
         };
         if (w.kind == "ring" || w.kind == "saturate") {
           // Each sender thinks up to think + jitter before each of its messages.
           const std::string why = duration_problem("think_cycles", "messages x (think_cycles + think_jitter_cycles)",
                                                    w.messages, w.think_cycles + w.think_jitter_cycles);
           if (!why.empty()) r.fail(first_given({"think_cycles", "think_jitter_cycles", "messages"}), why);
         }
         if (w.kind == "dedup") {
           // The first round starts one period in: rounds + 1 periods in all.
           const std::string why =
               duration_problem("period_cycles", "(rounds + 1) x period_cycles", w.rounds + 1ull, w.period_cycles);
           if (!why.empty()) r.fail(first_given({"period_cycles", "rounds"}), why);
         }
         for (const char* key : {"owner_cpu", "waiter_cpu"}) {
           const uint32_t v = std::string(key) == "owner_cpu" ? w.owner_cpu : w.waiter_cpu;
           if (v >= m.cpus && line_of(lines, key) != 0)
             r.fail(line_of(lines, key),
                    fmt::format("workload.{}: must be below cpus ({}), got {}", key, m.cpus, v));
         }
       },
       nullptr, &workload_keys},
  };
  top_keys.push_back(fault_top.front());

  if (shown != nullptr) *shown = show_keys(top_keys);
  if (names != nullptr) list_keys(top_keys, "", *names);
  if (root == nullptr) return s;
  r.walk(*root, "", top_keys);
  // After the whole file: `cpus` may come after [network] (a dotted key).
  for (size_t i = 0; i < s.faults.size(); ++i) {
    const Fault& f = s.faults[i];
    if (f.needs_cpu() && f.cpu >= m.cpus)
      r.fail(fault_cpu_lines.at(i), fmt::format("faults[{}].cpu: must be below cpus ({}), got {}", i, m.cpus, f.cpu));
  }
  for (size_t i = 0; i < s.network.io_cpus.size(); ++i) {
    if (s.network.io_cpus[i] >= m.cpus)
      r.fail(io_cpu_lines.at(i), fmt::format("network.io_cpus[{}]: must be below cpus ({}), got {}", i, m.cpus,
                                             s.network.io_cpus[i]));
  }
  if (const auto b = s.network.io_backup_cpu) {
    if (*b >= m.cpus)
      r.fail(io_backup_line, fmt::format("network.io_backup_cpu: must be below cpus ({}), got {}", m.cpus, *b));
    const auto& io = s.network.io_cpus;
    if (std::find(io.begin(), io.end(), *b) != io.end())
      r.fail(io_backup_line,
             fmt::format("network.io_backup_cpu: must not be an I/O CPU (network.io_cpus = {}): the backup's CPU "
                         "shares the first I/O CPU's port, got {}",
                         fmt::join(io, ", "), *b));
  }
  if (w.kind == "net_server" || w.kind == "net_echo") {
    if (h.count == 0 && line_of(host_lines, "count") != 0)
      r.fail(line_of(host_lines, "count"),
             fmt::format("hosts.count: must be at least 1 for {}, which serves the remote hosts (docs/network.md), "
                         "got 0",
                         w.kind));
    if (h.count == 0)
      r.fail(line_of(workload_lines, "kind"),
             fmt::format("workload.kind: {} serves the remote hosts: hosts.count must be at least 1 "
                         "(docs/network.md), got 0",
                         w.kind));
    if (w.kind == "net_server" && h.protocol != "tcp")
      r.fail(line_of(host_lines, "protocol"),
             "hosts.protocol: net_server serves TCP connections; use net_echo for udp, got 'udp'");
    if (w.kind == "net_server" && w.readers >= m.cpus) {
      const uint32_t given = line_of(workload_lines, "readers");
      r.fail(given != 0 ? given : line_of(workload_lines, "kind"),
             fmt::format("workload.readers: must be below cpus ({}): readers run on CPUs 1..readers, got {}", m.cpus,
                         w.readers));
    }
  } else if (h.count > 0) {
    r.fail(line_of(host_lines, "count"),
           fmt::format("hosts.count: only net_server and net_echo serve remote hosts, and workload.kind is {}, got {}",
                       w.kind, h.count));
  }
  for (size_t i = 0; i < s.tty.input.size(); ++i) {
    if (s.tty.input[i].line >= s.tty.lines)
      r.fail(tty_input_lines.at(i), fmt::format("tty.input[{}].line: must be below tty.lines ({}), got {}", i,
                                                s.tty.lines, s.tty.input[i].line));
  }
  if (w.kind == "tty_echo") {
    // Readers on CPUs 1..readers select and read /dev/tty0.
    if (s.tty.lines == 0)
      r.fail(tty_lines_line != 0 ? tty_lines_line : line_of(workload_lines, "kind"),
             "tty.lines: must be at least 1 for tty_echo (its readers use /dev/tty0), got 0");
    if (w.readers >= m.cpus) {
      const uint32_t given = line_of(workload_lines, "readers");
      r.fail(given != 0 ? given : line_of(workload_lines, "kind"),
             fmt::format("workload.readers: must be below cpus ({}): tty_echo's readers run on CPUs 1..readers, "
                         "got {}",
                         m.cpus, w.readers));
    }
  }
  if (const std::string e = pipeline_descriptors_error(w, m.cpus); !e.empty()) {
    const uint32_t given = line_of(workload_lines, "inputs");
    r.fail(given != 0 ? given : line_of(workload_lines, "kind"), "workload.inputs: " + e);
  }
  if (w.kind == "socket_server") {
    // Readers on CPUs 1..readers, clients on the others: at least one CPU is left.
    if (w.readers >= m.cpus) {
      const uint32_t given = line_of(workload_lines, "readers");
      r.fail(given != 0 ? given : line_of(workload_lines, "kind"),
             fmt::format("workload.readers: must be below cpus ({}): readers run on CPUs 1..readers and the "
                         "clients on the others, got {}",
                         m.cpus, w.readers));
    }
    if (w.bytes_max > kMaxSocketBytes) {
      r.fail(line_of(workload_lines, "bytes_max"),
             fmt::format("workload.bytes_max: must be 0 or {} for socket_server, got {}",
                         range_text(w.bytes, kMaxSocketBytes), w.bytes_max));
    }
    if (w.messages == 0 || w.bytes == 0 || w.bytes > kMaxSocketBytes) {
      const char* key = w.messages == 0 ? "messages" : "bytes";
      const uint32_t given = line_of(workload_lines, key);
      r.fail(given != 0 ? given : line_of(workload_lines, "kind"),
             fmt::format("workload.{}: must be {} for socket_server, got {}", key,
                         w.messages == 0 ? range_text(1, kMaxMessages) : range_text(1, kMaxSocketBytes),
                         w.messages == 0 ? w.messages : w.bytes));
    }
  }
  // After the whole file: these bounds depend on memory_kib, [costs] and [bus].
  if (w.kind == "ring" || w.kind == "saturate" || w.kind == "idle_gap") {
    // Messages the message system could never buffer (docs/messages.md). The
    // defaults always fit, so the key that breaks the bound was given.
    const uint64_t max_request = hw::msg_max_request_bytes(m.memory_bytes);
    for (const auto& [key, v] : {std::pair{"bytes", w.bytes}, std::pair{"bytes_max", w.bytes_max}}) {
      if (v > max_request && line_of(workload_lines, key) != 0)
        r.fail(line_of(workload_lines, key),
               fmt::format("workload.{}: must be <= {} with memory_kib = {} (a request or post must fit the "
                           "message system's pools; docs/messages.md), got {}",
                           key, max_request, m.memory_bytes / 1024, v));
    }
    const uint64_t max_reply = hw::msg_max_reply_bytes(m.memory_bytes);
    if (w.kind == "ring" && w.reply_bytes > max_reply && line_of(workload_lines, "reply_bytes") != 0)
      r.fail(line_of(workload_lines, "reply_bytes"),
             fmt::format("workload.reply_bytes: must be <= {} with memory_kib = {} (a reply must fit the message "
                         "system's pools; docs/messages.md), got {}",
                         max_reply, m.memory_bytes / 1024, w.reply_bytes));
  }
  if (w.kind == "dedup" && w.hogs != 0 && m.timeslice_cycles == 0) {
    const uint32_t hogs = line_of(workload_lines, "hogs");
    r.fail(hogs != 0 ? hogs : line_of(workload_lines, "kind"),
           fmt::format("workload.hogs: CPU-bound processes need timeslice_cycles > 0 (run-to-block would never "
                       "let the waiters run), got {} hogs",
                       w.hogs));
  }
  if (w.kind == "dedup") {
    const uint64_t min = dedup_min_period(w.waiters, m, w.hogs);
    if (w.period_cycles < min) {
      const uint32_t period = line_of(workload_lines, "period_cycles");
      const uint32_t waiters = line_of(workload_lines, "waiters");
      constexpr const char* kWhy =
          "with these costs and bus (each waiter must see the FIFO's byte before the owner drains it a quarter "
          "period later; docs/scenarios.md)";
      if (period != 0 || waiters == 0)
        r.fail(period != 0 ? period : line_of(workload_lines, "kind"),
               fmt::format("workload.period_cycles: must be >= {} for {} waiters{} {}, got {}", min, w.waiters,
                           w.hogs ? fmt::format(" and {} hogs", w.hogs) : "", kWhy, w.period_cycles));
      r.fail(waiters, fmt::format("workload.waiters: {} waiters need period_cycles >= {} {}, got period_cycles {}",
                                  w.waiters, min, kWhy, w.period_cycles));
    }
  }
  // Every field was checked above with its line; this only guards against the
  // two sets of rules drifting apart.
  validate_machine(m, path);
  return s;
}

}  // namespace

uint64_t dedup_min_period(uint32_t waiters, const hw::MachineParams& m, uint32_t hogs) {
  // A write must reach every waiter before the drain a quarter period later.
  // The waiters wake one after another on their CPU (a context switch, a
  // wake-up, the select's return and descriptor check each, plus their share
  // of bus packets; on sw another switch, as the agent, a system process,
  // runs between the waiters to take each one's dropped interest), after the
  // notification's way from the owner (an
  // interrupt, a switch, a call and a wake-up at each end, and a few
  // packets). Calibrated on the sw path, the slowest, and checked to finish
  // at the bound on sw and rtl for 1..1000 waiters with default, doubled,
  // zero costs and slow or wide buses.
  const hw::CostTable& c = m.costs;
  const hw::BusParams& b = m.bus;
  const uint64_t packet = b.arb_cycles + (8 + b.max_payload_bytes + 4 + b.width_bytes - 1) / b.width_bytes;
  const uint64_t per_waiter = 2 * uint64_t{c.context_switch} + c.wakeup + c.syscall_entry + c.fd_check + 2 * packet;
  const uint64_t notify =
      2 * (uint64_t{c.irq_entry} + c.context_switch + c.syscall_entry + c.wakeup) + 8 * packet;
  // With `hogs` CPU-bound processes on the waiters' CPU, the woken waiters may queue
  // behind each hog's time slice.
  return 4 * (waiters * per_waiter + notify + uint64_t{hogs} * m.timeslice_cycles);
}

}  // namespace shadowsel::tb
