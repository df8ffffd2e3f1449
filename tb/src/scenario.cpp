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
#include <utility>
#include <vector>

#include <fmt/format.h>
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

// One known key of a table: its name, and how to check and store its value
// (the callback receives the value node and the key's dotted label).
struct Key {
  std::string_view name;
  std::function<void(const toml::node&, const std::string&)> read;
};

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(uint32_t line, std::string_view what) const {
    if (line == 0) throw ScenarioError(fmt::format("{}: {}", file_, what));
    throw ScenarioError(fmt::format("{}:{}: {}", file_, line, what));
  }

  [[noreturn]] void fail(const toml::node& n, std::string_view label, std::string_view what) const {
    fail(n.source().begin.line, fmt::format("{}: {}", label, what));
  }

  std::string where(const toml::node& n) const {
    const uint32_t line = n.source().begin.line;
    return line == 0 ? file_ : fmt::format("{}:{}", file_, line);
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
      lines.emplace(std::string(k->str()), v->source().begin.line);
    }
    return lines;
  }

 private:
  [[noreturn]] void unknown(const toml::key& k, const toml::node& v, std::string_view section,
                            const std::string& label, const std::vector<Key>& keys) const {
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
    const uint32_t line = k.source().begin.line != 0 ? k.source().begin.line : v.source().begin.line;
    fail(line, msg);
  }

  std::string file_;
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
  const size_t n = std::min(s.size(), max);
  out.reserve(n);
  for (unsigned char c : s.substr(0, n)) {
    if (c < 0x20 || c == 0x7f)
      out += fmt::format("\\x{:02x}", c);
    else
      out += static_cast<char>(c);
  }
  if (s.size() > max) out += fmt::format("... ({} bytes)", s.size());
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

void validate_faults(const Scenario& s) {
  for (const Fault& f : s.faults) {
    if (f.needs_cpu() && f.cpu >= s.machine.cpus)
      throw ScenarioError(fmt::format("{}: {}: cpu must be below cpus ({}), got {}", f.where, to_string(f.kind),
                                      s.machine.cpus, f.cpu));
    if (f.kind == FaultKind::kEngineHang && s.notify == NotifyPath::kSw)
      throw ScenarioError(fmt::format("{}: engine_hang: notify = sw has no notify engine to hang (use model, rtl "
                                      "or lockstep)",
                                      f.where));
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

  const hw::CostTable& c = m.costs;
  for (const auto& [key, v] : {std::pair{"costs.syscall_entry", c.syscall_entry},
                               std::pair{"costs.context_switch", c.context_switch},
                               std::pair{"costs.wakeup", c.wakeup},
                               std::pair{"costs.copy_per_kib", c.copy_per_kib},
                               std::pair{"costs.irq_entry", c.irq_entry},
                               std::pair{"costs.fd_check", c.fd_check}})
    check_unsigned(where, key, v, {0, kMaxCostCycles});
}

Scenario load_scenario(const std::string& path) { return load_scenario_text(read_scenario_file(path), path); }

Scenario load_scenario_text(std::string_view text, const std::string& path) {
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

  Scenario s;
  s.source = path;
  hw::MachineParams& m = s.machine;
  hw::BusParams& b = m.bus;
  hw::CostTable& c = m.costs;  // starts as CostTable::defaults(); given keys override
  WorkloadParams& w = s.workload;
  const Reader r(path);
  using N = const toml::node&;
  using L = const std::string&;

  const std::vector<Key> bus_keys = {
      {"width_bytes", [&](N n, L l) { b.width_bytes = narrow<uint32_t>(r.integer(n, l, kBusWidth)); }},
      {"arb_cycles", [&](N n, L l) { b.arb_cycles = narrow<uint32_t>(r.integer(n, l, kBusArb)); }},
      {"max_payload_bytes",
       [&](N n, L l) { b.max_payload_bytes = narrow<uint32_t>(r.integer(n, l, kBusPayload)); }},
      {"rx_buffer_packets",
       [&](N n, L l) { b.rx_buffer_packets = narrow<uint32_t>(r.integer(n, l, kBusRx)); }},
      {"tx_window_packets",
       [&](N n, L l) { b.tx_window_packets = narrow<uint32_t>(r.integer(n, l, kBusTx)); }},
      {"retry_backoff_cycles",
       [&](N n, L l) { b.retry_backoff_cycles = narrow<uint32_t>(r.integer(n, l, kBusBackoff)); }},
      {"retry_backoff_flat",
       [&](N n, L l) { b.retry_backoff_flat = narrow<uint32_t>(r.integer(n, l, kBusBackoffFlat)); }},
      {"retry_backoff_max_cycles",
       [&](N n, L l) { b.retry_backoff_max_cycles = narrow<uint64_t>(r.integer(n, l, kBusBackoffMax)); }},
      {"x_down_at_cycle", [&](N n, L l) { b.x_down_at_cycle = r.integer(n, l, kDownAt); }},
      {"y_down_at_cycle", [&](N n, L l) { b.y_down_at_cycle = r.integer(n, l, kDownAt); }},
  };

  auto cost = [&](uint32_t& field) {
    return [&r, &field](N n, L l) { field = narrow<uint32_t>(r.integer(n, l, {0, kMaxCostCycles})); };
  };
  const std::vector<Key> cost_keys = {
      {"syscall_entry", cost(c.syscall_entry)}, {"context_switch", cost(c.context_switch)},
      {"wakeup", cost(c.wakeup)},               {"copy_per_kib", cost(c.copy_per_kib)},
      {"irq_entry", cost(c.irq_entry)},         {"fd_check", cost(c.fd_check)},
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
       }},
      {"messages", [&](N n, L l) { w.messages = narrow<uint32_t>(r.integer(n, l, {0, kMaxMessages})); }},
      {"bytes", [&](N n, L l) { w.bytes = narrow<uint32_t>(r.integer(n, l, {0, kMaxMessageBytes})); }},
      {"bytes_max", [&](N n, L l) { w.bytes_max = narrow<uint32_t>(r.integer(n, l, {0, kMaxMessageBytes})); }},
      {"reply_bytes",
       [&](N n, L l) { w.reply_bytes = narrow<uint32_t>(r.integer(n, l, {0, kMaxMessageBytes})); }},
      {"think_cycles", [&](N n, L l) { w.think_cycles = narrow<uint64_t>(r.integer(n, l, {0, kMaxGapCycles})); }},
      {"think_jitter_cycles",
       [&](N n, L l) { w.think_jitter_cycles = narrow<uint64_t>(r.integer(n, l, {0, kMaxGapCycles})); }},
      {"gap_cycles", [&](N n, L l) { w.gap_cycles = narrow<uint64_t>(r.integer(n, l, {0, kMaxGapCycles})); }},
      {"waiters", [&](N n, L l) { w.waiters = narrow<uint32_t>(r.integer(n, l, {1, 1000})); }},
      {"rounds", [&](N n, L l) { w.rounds = narrow<uint32_t>(r.integer(n, l, {1, 1000000})); }},
      {"period_cycles",
       [&](N n, L l) { w.period_cycles = narrow<uint64_t>(r.integer(n, l, {1000, kMaxGapCycles})); }},
      {"owner_cpu", [&](N n, L l) { w.owner_cpu = narrow<uint32_t>(r.integer(n, l, {0, hw::kMaxCpus - 1})); }},
      {"waiter_cpu", [&](N n, L l) { w.waiter_cpu = narrow<uint32_t>(r.integer(n, l, {0, hw::kMaxCpus - 1})); }},
      {"inputs", [&](N n, L l) { w.inputs = narrow<uint32_t>(r.integer(n, l, {1, 64})); }},
      {"readers", [&](N n, L l) { w.readers = narrow<uint32_t>(r.integer(n, l, {1, hw::kMaxCpus - 1})); }},
      {"clients", [&](N n, L l) { w.clients = narrow<uint32_t>(r.integer(n, l, {1, kMaxSocketClients})); }},
  };

  // [network]: the CPUs with a network port, each running a network I/O process.
  // Their line is kept: whether each is below `cpus` is known after the whole file.
  std::vector<uint32_t> io_cpu_lines;
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
           io_cpu_lines.push_back(e.source().begin.line != 0 ? e.source().begin.line : n.source().begin.line);
         }
         s.network.io_cpus = std::move(cpus);
         s.network.io_cpus_where = r.where(n);
       }},
      {"link_mbit_per_s",
       [&](N n, L l) { s.network.link_mbit_per_s = narrow<uint64_t>(r.integer(n, l, {1, 1000000})); }},
      {"link_latency_ns",
       [&](N n, L l) { s.network.link_latency_ns = narrow<uint64_t>(r.integer(n, l, {0, 1000000000})); }},
  };

  // [hosts]: the remote hosts of the testbench network (docs/network.md).
  HostParams& h = s.hosts;
  Lines host_lines;
  const std::vector<Key> host_keys = {
      {"count", [&](N n, L l) { h.count = narrow<uint32_t>(r.integer(n, l, {0, kMaxHosts})); }},
      {"protocol",
       [&](N n, L l) {
         h.protocol = r.string(n, l);
         if (h.protocol != "tcp" && h.protocol != "udp")
           r.fail(n, l, fmt::format("must be tcp or udp, got '{}'", printable(h.protocol)));
       }},
      {"port", [&](N n, L l) { h.port = narrow<uint32_t>(r.integer(n, l, {1, 65535})); }},
      {"messages", [&](N n, L l) { h.messages = narrow<uint32_t>(r.integer(n, l, {1, kMaxMessages})); }},
      {"bytes", [&](N n, L l) { h.bytes = narrow<uint32_t>(r.integer(n, l, {1, kMaxSocketBytes})); }},
      {"bytes_max", [&](N n, L l) { h.bytes_max = narrow<uint32_t>(r.integer(n, l, {0, kMaxSocketBytes})); }},
      {"interval_cycles",
       [&](N n, L l) { h.interval_cycles = narrow<uint64_t>(r.integer(n, l, {0, kMaxGapCycles})); }},
      {"outstanding", [&](N n, L l) { h.outstanding = narrow<uint32_t>(r.integer(n, l, {1, 1000000})); }},
      {"start_cycles", [&](N n, L l) { h.start_cycles = narrow<uint64_t>(r.integer(n, l, {0, kMaxGapCycles})); }},
  };

  // [tty]: the telnet I/O process's lines and what their terminals type. Whether each
  // input's line exists is known after the whole file (`lines` may come later).
  std::vector<uint32_t> tty_input_lines;
  uint32_t tty_lines_line = 0;
  const std::vector<Key> tty_keys = {
      {"lines",
       [&](N n, L l) {
         s.tty.lines = narrow<uint32_t>(r.integer(n, l, {0, kMaxTtyLines}));
         tty_lines_line = n.source().begin.line;
       }},
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
                  line_key = v.source().begin.line;
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
           const uint32_t line = e.source().begin.line != 0 ? e.source().begin.line : n.source().begin.line;
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
       }},
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
           const uint32_t line = e.source().begin.line != 0 ? e.source().begin.line : n.source().begin.line;
           Fault f;
           f.where = fmt::format("{}:{}", path, line);
           bool has_kind = false, has_at = false, has_cpu = false, has_process = false, has_pid = false,
                has_lane = false, has_count = false, has_rate = false;
           std::map<std::string, uint32_t> key_line;
           const std::vector<Key> keys = {
               {"kind",
                [&](N v, L vl) {
                  const std::string k = r.string(v, vl);
                  if (!parse_fault_kind(k, f.kind))
                    r.fail(v, vl,
                           fmt::format("must be cpu_halt, process_kill, lane_down, lane_up, corrupt_packet, "
                                       "drop_packet or engine_hang, got '{}'",
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
                  key_line["cpu"] = v.source().begin.line;
                }},
               {"process",
                [&](N v, L vl) {
                  f.process = r.string(v, vl);
                  if (f.process.empty()) r.fail(v, vl, "must not be empty");
                  has_process = true;
                  key_line["process"] = v.source().begin.line;
                }},
               {"pid",
                [&](N v, L vl) {
                  f.pid = narrow<uint32_t>(r.integer(v, vl, {16, 65535}));
                  has_pid = true;
                  key_line["pid"] = v.source().begin.line;
                }},
               {"lane",
                [&](N v, L vl) {
                  const std::string ln = r.string(v, vl);
                  if (ln != "X" && ln != "Y") r.fail(v, vl, fmt::format("must be X or Y, got '{}'", printable(ln)));
                  f.lane = ln[0];
                  has_lane = true;
                  key_line["lane"] = v.source().begin.line;
                }},
               {"count",
                [&](N v, L vl) {
                  f.count = narrow<uint64_t>(r.integer(v, vl, {1, 1000000000}));
                  has_count = true;
                  key_line["count"] = v.source().begin.line;
                }},
               {"rate",
                [&](N v, L vl) {
                  f.rate = r.number(v, vl);
                  if (!(f.rate > 0 && f.rate <= 1))
                    r.fail(v, vl, fmt::format("must be above 0 and at most 1, got {}", f.rate));
                  has_rate = true;
                  key_line["rate"] = v.source().begin.line;
                }},
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
           if (f.kind == FaultKind::kLaneDown || f.kind == FaultKind::kLaneUp) {
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
       }},
  };

  std::vector<Key> top_keys = {
      {"name", [&](N n, L l) { s.name = r.string(n, l); }},
      {"cpus", [&](N n, L l) { m.cpus = narrow<uint32_t>(r.integer(n, l, {hw::kMinCpus, hw::kMaxCpus})); }},
      {"seed", [&](N n, L l) { m.seed = narrow<uint64_t>(r.integer(n, l, {0, kI64Max})); }},
      {"freq_mhz",
       [&](N n, L l) {
         m.freq_mhz = r.number(n, l);
         if (!freq_ok(m.freq_mhz)) r.fail(n, l, freq_problem(m.freq_mhz));
       }},
      {"memory_kib",
       [&](N n, L l) { m.memory_bytes = narrow<uint64_t>(r.integer(n, l, {kMinMemoryKib, kMaxMemoryKib})) * 1024; }},
      {"process_stack_kib",
       [&](N n, L l) { m.process_stack_kib = narrow<uint32_t>(r.integer(n, l, {kMinStackKib, kMaxStackKib})); }},
      {"timeslice_cycles",
       [&](N n, L l) { m.timeslice_cycles = narrow<uint64_t>(r.integer(n, l, {0, kMaxTimeslice})); }},
      {"notify",
       [&](N n, L l) {
         s.notify = parse_notify_path(r.string(n, l), fmt::format("{}: {}", r.where(n), l));
         s.notify_where = fmt::format("{}: {} = \"{}\"", r.where(n), l, to_string(s.notify));
       }},
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
       }},
      {"costs", [&](N n, L l) { r.walk(r.table(n, l), "costs", cost_keys); }},
      {"network", [&](N n, L l) { r.walk(r.table(n, l), "network", network_keys); }},
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
       }},
      {"tty", [&](N n, L l) { r.walk(r.table(n, l), "tty", tty_keys); }},
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
       }},
  };
  top_keys.push_back(fault_top.front());

  r.walk(root, "", top_keys);
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
  if (w.kind == "dedup") {
    const uint64_t min = dedup_min_period(w.waiters, m);
    if (w.period_cycles < min) {
      const uint32_t period = line_of(workload_lines, "period_cycles");
      const uint32_t waiters = line_of(workload_lines, "waiters");
      constexpr const char* kWhy =
          "with these costs and bus (each waiter must see the FIFO's byte before the owner drains it a quarter "
          "period later; docs/scenarios.md)";
      if (period != 0 || waiters == 0)
        r.fail(period != 0 ? period : line_of(workload_lines, "kind"),
               fmt::format("workload.period_cycles: must be >= {} for {} waiters {}, got {}", min, w.waiters, kWhy,
                           w.period_cycles));
      r.fail(waiters, fmt::format("workload.waiters: {} waiters need period_cycles >= {} {}, got period_cycles {}",
                                  w.waiters, min, kWhy, w.period_cycles));
    }
  }
  // Every field was checked above with its line; this only guards against the
  // two sets of rules drifting apart.
  validate_machine(m, path);
  return s;
}

uint64_t dedup_min_period(uint32_t waiters, const hw::MachineParams& m) {
  // A write must reach every waiter before the drain a quarter period later.
  // The waiters wake one after another on their CPU (a context switch, a
  // wake-up, the select's return and descriptor check each, plus their share
  // of bus packets), after the notification's way from the owner (an
  // interrupt, a switch, a call and a wake-up at each end, and a few
  // packets). Calibrated on the sw path, the slowest, and checked to finish
  // at the bound on sw and rtl for 1..1000 waiters with default, doubled,
  // zero costs and slow or wide buses.
  const hw::CostTable& c = m.costs;
  const hw::BusParams& b = m.bus;
  const uint64_t packet = b.arb_cycles + (8 + b.max_payload_bytes + 4 + b.width_bytes - 1) / b.width_bytes;
  const uint64_t per_waiter = uint64_t{c.context_switch} + c.wakeup + c.syscall_entry + c.fd_check + 2 * packet;
  const uint64_t notify =
      2 * (uint64_t{c.irq_entry} + c.context_switch + c.syscall_entry + c.wakeup) + 8 * packet;
  return 4 * (waiters * per_waiter + notify);
}

}  // namespace shadowsel::tb
