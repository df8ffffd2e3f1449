// SPDX-License-Identifier: MIT
// The one place where every simulated event is reported: bus transfers,
// interrupts, process run slices, message send and delivery. It keeps the
// machine-wide distributions (message latency) and, when a trace file is
// open, streams each event to it in the Chrome trace-event / Perfetto JSON
// format, with one track per bus lane, per CPU's interrupts and per process
// (and one for its calls), per notify engine; flow arrows that follow a select,
// a message or a remote request from step to step; counter tracks (docs/trace.md).
//
// Timestamps are written from integer cycles: cycle c is floor(c * 1e9 / hz) ns
// (hw::ns_at), printed as an exact decimal number of microseconds with three
// places. Exact when a cycle is a whole number of ns (100, 125, 200, 250, 500,
// 1000 MHz...); otherwise each instant is the ns its cycle falls in (monotone,
// so slices that nest in cycles nest in the file).
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "shadowsel/hw/clock.h"
#include "shadowsel/sim/stats.h"

namespace shadowsel::sim {

enum class TransferOutcome { kDelivered, kRefused, kAborted };
class Waves;

class Recorder {
 public:
  explicit Recorder(double freq_mhz);
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

  /// A trace file is open: callers skip work that only feeds the timeline.
  bool tracing() const { return trace_ != nullptr; }

  // --- flows (arrows between slices; docs/trace.md) ---
  /// A new causal chain's id, 0 (no flow: nothing is written) when no trace is open.
  uint64_t new_flow() { return trace_ ? ++last_flow_ : 0; }
  /// Where a step of a chain is drawn: a CPU's interrupt track, a process's calls
  /// track (`pid`), or the CPU's notify engine track.
  enum class Track : uint8_t { kIrq, kCalls, kEngine };
  /// One step of chain `flow` (no-op when 0): a slice [start, end] on `track` of CPU
  /// `cpu`, the end of the arrow from the chain's previous step (if one is open) and,
  /// with `out`, the start of the arrow to its next one.
  void flow_step(uint32_t cpu, Track track, uint32_t pid, const char* name, uint64_t start, uint64_t end,
                 uint64_t flow, bool out);
  /// A system call's span on the process's calls track (no flow).
  void call_slice(uint32_t cpu, uint32_t pid, const char* name, uint64_t start, uint64_t end);

  // --- counter tracks: written on change only ---
  /// Processes ready or running on `cpu`.
  void runnable(uint32_t cpu, uint32_t n, uint64_t at);
  /// Records in `cpu`'s notify ring: +1 per record its engine wrote, -n when the driver took n.
  void ring_records(uint32_t cpu, int64_t delta, uint64_t at);
  /// The flow carried by a ring record the engine wrote at `addr` (taken once by the driver).
  void ring_record_flow(uint32_t cpu, uint64_t addr, uint64_t flow);
  uint64_t take_ring_record_flow(uint32_t cpu, uint64_t addr);

  // Track naming for the timeline.
  void name_cpu(uint32_t cpu);
  void name_process(uint32_t cpu, uint32_t pid, const std::string& name);

  /// One transfer on a lane (`flow`: the frame's chain, 0 none); also feeds the
  /// lane's utilisation counter (busy share of each kUtilWindowNs window).
  void bus_transfer(char lane, uint32_t src, uint64_t dst_mask, const char* type,
                    uint32_t frame_bytes, uint64_t start, uint64_t end, TransferOutcome o,
                    uint64_t flow = 0);
  static constexpr uint64_t kUtilWindowNs = 10'000;
  void lane_down(char lane, uint64_t at);
  void lane_up(char lane, uint64_t at);
  /// An injected fault (docs/faults.md), an instant on the failing part's track:
  /// a lane's, or a CPU's (its engine's included).
  void fault_on_lane(char lane, const std::string& what, uint64_t at);
  void fault_on_cpu(uint32_t cpu, const std::string& what, uint64_t at);
  /// CPU `cpu` declared CPU `down` down (`by`: "regroup", "engine"), on `cpu`'s track.
  void cpu_declared_down(uint32_t cpu, uint32_t down, const std::string& by, uint64_t at);
  /// The network I/O process's backup on `cpu` took over from CPU `from` (docs/faults.md).
  void io_takeover(uint32_t cpu, uint32_t from, uint64_t at);
  void interrupt(uint32_t cpu, uint64_t start, uint64_t end);
  void process_ran(uint32_t cpu, uint32_t pid, uint64_t start, uint64_t end);
  /// The notify engine track of a CPU: a slice per period its core was clocked, an
  /// instant per packet sent or taken, ready record written and interrupt edge
  /// (`args`: a JSON object's members, without braces).
  void engine_busy(uint32_t cpu, uint64_t start, uint64_t end);
  void engine_event(uint32_t cpu, const char* what, uint64_t at, const std::string& args = "");
  /// A step of the engine's (rx, tx, record, command): a zero-length slice on its track,
  /// a step of chain `flow` when not 0.
  void engine_step(uint32_t cpu, const char* what, uint64_t at, const std::string& args, uint64_t flow, bool out);

  /// Message latency: from the sender's send call to the receiver's receive returning.
  void message_sent(uint32_t src_cpu, uint32_t tag, bool reply, uint64_t cycle);
  void message_received(uint32_t src_cpu, uint32_t tag, bool reply, uint64_t cycle);
  const Distribution& message_latency() const { return msg_latency_; }

  /// A blocked select/poll of process `pid` returned at `now` because a pipe
  /// changed at `changed_at`; `remote`: on another CPU (an agent notification); it
  /// went to sleep at `slept_at` (the timeline's slice starts at the later of the two).
  void select_woke(uint32_t cpu, uint32_t pid, bool remote, uint64_t changed_at, uint64_t now,
                   uint64_t slept_at = 0);
  const Distribution& remote_wake_latency() const { return remote_wake_; }
  const Distribution& local_wake_latency() const { return local_wake_; }

  void register_stats(Stats& s) const;

  /// The machine's waveform (waves.h) the models report their signals to; nullptr
  /// without --waves.
  Waves* waves() const { return waves_; }
  void set_waves(Waves* w) { waves_ = w; }

 private:
  /// An instant event (`scope`: g global, p process, t thread) on track (pid, tid).
  void instant(const std::string& name, char scope, uint32_t pid, uint32_t tid, uint64_t at);
  void slice(uint32_t pid, uint32_t tid, const char* name, uint64_t start, uint64_t end,
             const std::string& args);
  /// `cycles` as the exact decimal microseconds of its ns (see the file comment).
  const char* us(uint64_t cycles);
  const char* us_dur(uint64_t start, uint64_t end);
  /// A slice that is a step of chain `flow` (a plain slice for 0); see recorder.cpp.
  void flow_slice(uint32_t pid, uint32_t tid, const char* name, uint64_t start, uint64_t end, uint64_t flow,
                  bool out, const std::string& args);
  struct PendingStep {
    std::string head;  ///< the slice's members up to its flow fields
    std::string tail;  ///< after them (args)
    bool in;           ///< an arrow ends here
    uint64_t start;    ///< cycle
  };
  void write_step(uint64_t flow, const PendingStep& p, bool out);
  void write_pending(std::map<uint64_t, PendingStep>::iterator it, bool out);
  static constexpr size_t kMaxPendingFlows = 4096;
  void counter(uint32_t pid, const char* name, const char* key, uint64_t value, uint64_t at);
  void lane_util(int lane, uint64_t start, uint64_t end);
  void flush_util(int lane, uint64_t upto_window);
  void name_engine_track(uint32_t cpu);
  /// Every trace write: fprintf, keeping the first error (and writing no more after it).
  void emit(const char* format, ...) __attribute__((format(printf, 2, 3)));

  double freq_mhz_;
  uint64_t hz_;
  uint64_t util_window_cycles_;
  char ts_buf_[2][48];
  uint64_t last_flow_ = 0;
  std::map<uint64_t, PendingStep> pending_;          ///< flow -> its last step, not yet written
  std::map<uint64_t, uint64_t> bound_;  ///< flow -> start of its latest step written with an arrow end
  std::map<uint64_t, uint64_t> alias_;  ///< flow -> the id a branch of it goes on under (flow_slice)
  std::unordered_map<uint64_t, uint64_t> ring_flows_;  ///< (cpu, record address) -> flow
  std::vector<uint32_t> runnable_;                   ///< per CPU, last written (UINT32_MAX none)
  std::vector<int64_t> ring_count_;                  ///< per CPU
  struct LaneUtil {
    uint64_t window = 0;      ///< index of the window being summed
    uint64_t busy = 0;        ///< its busy cycles so far
    bool last_zero = true;    ///< the last value written was 0 (or none)
  };
  LaneUtil util_[2];
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
  Waves* waves_ = nullptr;
};

}  // namespace shadowsel::sim
