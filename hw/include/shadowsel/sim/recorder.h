// SPDX-License-Identifier: MIT
// The one place where every simulated event is reported: bus transfers,
// interrupts, process run slices, message send and delivery. It keeps the
// machine-wide distributions (message latency) and, when a trace file is
// open, streams each event to it in the Chrome trace-event / Perfetto JSON
// format, with one track per bus lane, per CPU's interrupts and per process.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <unordered_map>
#include <vector>

#include "shadowsel/hw/clock.h"
#include "shadowsel/sim/stats.h"

namespace shadowsel::sim {

enum class TransferOutcome { kDelivered, kRefused, kAborted };

class Recorder {
 public:
  explicit Recorder(double freq_mhz) : freq_mhz_(freq_mhz) {}
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  /// Starts streaming trace events to `path`; throws std::runtime_error
  /// ("PATH: cannot write: why") if it cannot open it or write its header.
  void open_trace(const std::string& path);
  /// Ends the trace file. A write or close error of the whole trace is kept in
  /// trace_error(): the caller must report it (a run is not silently lost).
  void close_trace();
  /// "PATH: cannot write: why" after the first failed write, else "".
  const std::string& trace_error() const { return trace_error_; }

  // Track naming for the timeline.
  void name_cpu(uint32_t cpu);
  void name_process(uint32_t cpu, uint32_t pid, const std::string& name);

  void bus_transfer(char lane, uint32_t src, uint64_t dst_mask, const char* type,
                    uint32_t frame_bytes, uint64_t start, uint64_t end, TransferOutcome o);
  void lane_down(char lane, uint64_t at);
  void lane_up(char lane, uint64_t at);
  /// An injected fault (docs/faults.md), an instant on the failing part's track:
  /// a lane's, or a CPU's (its engine's included).
  void fault_on_lane(char lane, const std::string& what, uint64_t at);
  void fault_on_cpu(uint32_t cpu, const std::string& what, uint64_t at);
  void interrupt(uint32_t cpu, uint64_t start, uint64_t end);
  void process_ran(uint32_t cpu, uint32_t pid, uint64_t start, uint64_t end);
  /// The notify engine track of a CPU: a slice per period its core was clocked, an
  /// instant per packet sent or taken, ready record written and interrupt edge
  /// (`args`: a JSON object's members, without braces).
  void engine_busy(uint32_t cpu, uint64_t start, uint64_t end);
  void engine_event(uint32_t cpu, const char* what, uint64_t at, const std::string& args = "");

  /// Message latency: from the sender's send call to the receiver's receive returning.
  void message_sent(uint32_t src_cpu, uint32_t tag, bool reply, uint64_t cycle);
  void message_received(uint32_t src_cpu, uint32_t tag, bool reply, uint64_t cycle);
  const Distribution& message_latency() const { return msg_latency_; }

  /// A blocked select/poll of process `pid` returned at `now` because a pipe
  /// changed at `changed_at`; `remote`: on another CPU (an agent notification).
  void select_woke(uint32_t cpu, uint32_t pid, bool remote, uint64_t changed_at, uint64_t now);
  const Distribution& remote_wake_latency() const { return remote_wake_; }
  const Distribution& local_wake_latency() const { return local_wake_; }

  void register_stats(Stats& s) const;

 private:
  /// An instant event (`scope`: g global, p process, t thread) on track (pid, tid).
  void instant(const std::string& name, char scope, uint32_t pid, uint32_t tid, uint64_t at);
  void slice(uint32_t pid, uint32_t tid, const char* name, uint64_t start, uint64_t end,
             const std::string& args);
  double us(uint64_t cycles) const { return hw::report_us(static_cast<double>(cycles), freq_mhz_); }
  void name_engine_track(uint32_t cpu);
  /// Every trace write: fprintf, keeping the first error (and writing no more after it).
  void emit(const char* format, ...) __attribute__((format(printf, 2, 3)));

  double freq_mhz_;
  struct NamedProcess {
    uint32_t cpu, pid;
    std::string name;
  };
  void emit_cpu_name(uint32_t cpu);
  void emit_process_name(const NamedProcess& p);

  std::vector<uint32_t> named_cpus_;
  std::vector<NamedProcess> named_processes_;
  std::FILE* trace_ = nullptr;
  std::string trace_path_;
  std::string trace_error_;
  bool first_event_ = true;
  Distribution msg_latency_;
  Distribution remote_wake_;
  Distribution local_wake_;
  uint64_t messages_delivered_ = 0;
  std::unordered_map<uint64_t, uint64_t> msg_sent_at_;  // key(src, tag, reply) -> cycle
  std::vector<bool> engine_track_named_;  // per CPU
};

}  // namespace shadowsel::sim
