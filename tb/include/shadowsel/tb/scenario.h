// SPDX-License-Identifier: MIT
// A scenario: the machine's parameters plus the workload that runs on it, read
// from a TOML file (docs/scenarios.md documents every key) or built in.
// Bad input is reported as one `FILE:LINE: what is wrong` line through
// ScenarioError; the caller prints it and exits 2.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "shadowsel/hw/params.h"

namespace shadowsel::tb {

/// What the simulated processes do. Each kind is a traffic generator in tb/workloads.
struct WorkloadParams {
  std::string kind = "ring";      ///< "ring", "saturate", "idle_gap", "dedup", "pipeline", "socket_server",
                                  ///< "net_server", "net_echo" or "tty_echo"
  uint32_t messages = 200;        ///< messages each sending process sends
  uint32_t bytes = 256;           ///< payload of a message, bytes
  uint32_t bytes_max = 0;         ///< if > bytes: payload uniform in [bytes, bytes_max]
  uint32_t reply_bytes = 16;      ///< payload of each reply, bytes ("ring")
  uint64_t think_cycles = 2000;   ///< user compute between two messages, cycles
  uint64_t think_jitter_cycles = 500;  ///< think time varies uniformly by +- this, cycles
  uint64_t gap_cycles = 1000000000;    ///< idle time between the two messages ("idle_gap")
  // "dedup": W waiters on waiter_cpu select one FIFO whose real structure is on owner_cpu.
  uint32_t waiters = 8;                ///< waiting processes ("dedup")
  uint32_t rounds = 20;                ///< readiness events ("dedup")
  uint64_t period_cycles = 1000000;    ///< one event per period ("dedup")
  uint32_t owner_cpu = 1;              ///< CPU holding the FIFO ("dedup")
  uint32_t waiter_cpu = 0;             ///< CPU of the waiters ("dedup"); = owner_cpu: all local
  uint32_t hogs = 0;                   ///< CPU-bound processes on owner_cpu and on waiter_cpu each ("dedup")
  // "pipeline": a producer on CPU 0 feeds a filter on each other CPU through
  // `inputs` pipes per filter; it writes `messages` records of `bytes` bytes.
  uint32_t inputs = 3;                 ///< pipes into each filter ("pipeline")
  // "socket_server": a TCP server on 127.0.0.1 with readers on CPUs 1..readers
  // serving `clients` client processes on the other CPUs; each client sends
  // `messages` requests of `bytes` bytes and reads a reply of the same size.
  uint32_t readers = 1;                ///< K: CPUs whose processes read each connection ("socket_server"), or /dev/tty0 ("tty_echo")
  uint32_t clients = 4;                ///< C: client processes, one connection each ("socket_server")
};

/// How the select hot path is done: software agents, or the notify engine as a
/// behavioural model, as Verilated RTL, or both in lockstep.
enum class NotifyPath { kSw, kModel, kRtl, kLockstep };

/// Which CPUs carry network ports (docs/sockets.md), and the link of the first one to
/// the testbench network (docs/network.md).
struct NetworkParams {
  /// Each runs a network I/O process; the first makes the sockets of every CPU.
  std::vector<uint32_t> io_cpus{0};
  /// The CPU of the network I/O process's backup (docs/faults.md, "Process pair"), or
  /// none: no process pair. Its node shares the first I/O CPU's port (dual-ported).
  std::optional<uint32_t> io_backup_cpu;
  uint64_t link_mbit_per_s = 1000;  ///< the link's bandwidth, each way
  uint64_t link_latency_ns = 10000; ///< a frame's propagation and switching delay, each way
};

/// The remote hosts of the testbench network (docs/network.md): each sends requests
/// (TCP) or datagrams (UDP) to a port of the I/O node and checks what comes back.
struct HostParams {
  uint32_t count = 0;             ///< H: hosts on the link; 0 attaches no link
  std::string protocol = "tcp";   ///< "tcp" or "udp"
  uint32_t port = 7000;           ///< the I/O node's port every host sends to
  uint32_t messages = 100;        ///< requests (datagrams) each host sends
  uint32_t bytes = 256;           ///< size of each, bytes
  uint32_t bytes_max = 0;         ///< if > bytes: each size uniform in [bytes, bytes_max]
  uint64_t interval_cycles = 0;   ///< request r goes no earlier than start + r x this
  uint32_t outstanding = 1;       ///< requests a host has sent before the first one's reply (tcp)
  uint64_t start_cycles = 0;      ///< when the hosts connect (tcp) or send their first datagram
};

/// What the terminal of a TTY line types, and when ([[tty.input]], docs/scenarios.md).
struct TtyInput {
  uint32_t line = 0;
  uint64_t at_cycle = 0;     ///< when it is typed, unless `after` is given
  std::string text;
  std::string after;         ///< if not empty: typed once the line's output shows this
  uint64_t delay_cycles = 0; ///< with `after`: this long after the output showed it
};

/// The TTY lines of the telnet I/O process (docs/ttys.md) and their terminal model.
struct TtyParams {
  uint32_t lines = 4;             ///< /dev/tty0 .. /dev/tty<lines-1>; 0: no telnet I/O process
  std::vector<TtyInput> input;    ///< in file order
};

/// One scheduled fault (docs/faults.md): a [[faults]] entry or a --fault option.
enum class FaultKind {
  kCpuHalt, kProcessKill, kLaneDown, kLaneUp, kCorruptPacket, kDropPacket, kEngineHang, kDropAck, kLaneFlap
};
inline constexpr FaultKind kAllFaultKinds[] = {FaultKind::kCpuHalt,       FaultKind::kProcessKill, FaultKind::kLaneDown,
                                               FaultKind::kLaneUp,        FaultKind::kCorruptPacket,
                                               FaultKind::kDropPacket,    FaultKind::kEngineHang,
                                               FaultKind::kDropAck,       FaultKind::kLaneFlap};
struct Fault {
  FaultKind kind = FaultKind::kCpuHalt;
  uint64_t at_cycle = 0;
  uint32_t cpu = 0;          ///< cpu_halt, engine_hang, process_kill
  std::string process;       ///< process_kill: the first live process of this name on `cpu`...
  uint32_t pid = 0;          ///< ... or this pid (0: by name)
  char lane = 0;             ///< 'X' or 'Y'; packet faults: 0 for either lane
  uint64_t count = 1;        ///< packet faults: this many transfers from at_cycle on, unless rate > 0
  double rate = 0;           ///< packet faults: each transfer from at_cycle on with this probability
  uint64_t until_cycle = 0;  ///< lane_flap: flapping ends, the lane up, by this cycle
  uint64_t mean_up_cycles = 0;    ///< lane_flap: mean of the (exponential) up times
  uint64_t mean_down_cycles = 0;  ///< lane_flap: mean of the (exponential) down times
  std::string where;         ///< "FILE:LINE" or "--fault", for messages
  bool needs_cpu() const {
    return kind == FaultKind::kCpuHalt || kind == FaultKind::kEngineHang || kind == FaultKind::kProcessKill;
  }
  bool on_packets() const {
    return kind == FaultKind::kCorruptPacket || kind == FaultKind::kDropPacket || kind == FaultKind::kDropAck;
  }
};
const char* to_string(FaultKind k);
/// The kind named `name`, or false.
bool parse_fault_kind(std::string_view name, FaultKind& out);

/// A lane_flap's schedule is drawn before the run (tb::lane_flap_schedule), a few tens
/// of bytes per lane change: a flap may expect at most this many changes.
constexpr uint64_t kMaxLaneFlapChanges = 1'000'000;
/// "" if lane_flap `f` expects at most kMaxLaneFlapChanges lane changes (a down and an
/// up per mean_up + mean_down + 2 cycles from at_cycle to until_cycle), else what is
/// wrong, for the option or key that gave it.
std::string lane_flap_size_error(const Fault& f);
/// Why `pipeline` with these inputs cannot run on `cpus` CPUs (its producer would hold
/// more descriptors than a process may), or "" if it can or is not the workload.
std::string pipeline_descriptors_error(const WorkloadParams& w, uint32_t cpus);

struct Scenario {
  std::string source = "<built-in default>";  ///< file it came from, for messages
  std::string name;  ///< free text from the file's `name` key; empty if not given
  hw::MachineParams machine;
  NetworkParams network;
  HostParams hosts;
  TtyParams tty;
  std::vector<Fault> faults;  ///< [[faults]] then --fault options, in order
  WorkloadParams workload;
  NotifyPath notify = NotifyPath::kSw;
  std::string notify_where;  ///< "FILE:LINE: notify = ..." when the file chose it, for messages
};

/// `FILE:LINE: what is wrong` (or `FILE: what is wrong` when no line applies).
class ScenarioError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Limits checked before the text is parsed (docs/scenarios.md, "Limits"): the
/// size of a scenario, and its nesting (tables, dotted keys, arrays, inline
/// tables), counted as documented there.
inline constexpr size_t kScenarioMaxBytes = 1u << 20;
inline constexpr int kScenarioMaxNesting = 32;

/// Reads a scenario file; throws ScenarioError on any bad input (missing or
/// unreadable file, not a regular file, syntax error, unknown key, wrong type,
/// impossible value, a limit exceeded).
Scenario load_scenario(const std::string& path);

/// One `--set KEY=VALUE`: a scenario key (dotted for a key in a table,
/// bus.width_bytes) and its value as TOML (a bare word is taken as a string).
struct Setting {
  std::string key;
  std::string value;
};

/// The same from text already in memory; `path` names it in messages and in
/// Scenario::source (the fuzzer's entry point). `sets` replace the text's values
/// of their keys, in order, before any check, and are checked with the same rules;
/// their errors name `--set KEY` (docs/scenarios.md, "Overriding keys").
Scenario load_scenario_text(std::string_view text, const std::string& path, const std::vector<Setting>& sets = {});

/// load_scenario with `sets` applied (load_scenario_text).
Scenario load_scenario_set(const std::string& path, const std::vector<Setting>& sets);

/// The values `s` holds for every key the reader knows, laid out like the file
/// (`bus.width_bytes` is ["bus"]["width_bytes"]; docs/outputs.md, config.json).
/// Made from the reader's own key tables, so no key is left out. A value TOML
/// cannot hold is null (network.io_backup_cpu when there is none); [[faults]] and
/// [[tty.input]] entries carry the keys that apply to them.
nlohmann::ordered_json scenario_json(const Scenario& s);

/// Every key the reader knows, dotted ("cpus", "bus.width_bytes", "faults").
std::vector<std::string> scenario_keys();

/// Checks values that may come from the command line as well as from a file.
/// Throws ScenarioError naming `where` (e.g. "--cpus" or "FILE:LINE").
void validate_machine(const hw::MachineParams& m, const std::string& where);

/// Shortest `period_cycles` at which the dedup workload can work with `waiters`
/// waiters and `hogs` CPU-bound processes on machine `m` (docs/scenarios.md);
/// load_scenario rejects less.
uint64_t dedup_min_period(uint32_t waiters, const hw::MachineParams& m, uint32_t hogs = 0);

/// `s` for a one-line message: control bytes escaped as \xNN, and clipped to
/// `max` printed characters (then "... (N bytes)" follows), as user text may be
/// megabytes, or a few hundred control bytes that print four times as long.
std::string printable(std::string_view s, size_t max = 64);

/// "sw", "model", "rtl", "lockstep" -> NotifyPath; throws ScenarioError otherwise.
NotifyPath parse_notify_path(const std::string& name, const std::string& where);
const char* to_string(NotifyPath p);

/// Checks the faults against the rest of the scenario (CPU numbers below cpus, an
/// engine on the engine_hang CPU's path); throws ScenarioError naming the fault's `where`.
void validate_faults(const Scenario& s);

}  // namespace shadowsel::tb
