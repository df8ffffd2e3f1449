// SPDX-License-Identifier: MIT
#include "shadowsel/sim/recorder.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace shadowsel::sim {
namespace {

// Perfetto process ids: 1 is the bus, 100 + n is CPU n.
constexpr uint32_t kBusPid = 1;
uint32_t cpu_pid(uint32_t cpu) { return 100 + cpu; }
constexpr uint32_t kIrqTid = 0;
constexpr uint32_t kEngineTid = 1'000'000;  // beyond any pid
constexpr uint32_t kCallsTid = 2'000'000;   // + pid: a process's calls track
// The machine: counters of the whole machine.
constexpr uint32_t kMachinePid = 2;

// ns as microseconds with three decimals: exact (no double on the way).
void format_us(char* out, size_t n, hw::Nanos ns) {
  char digits[48];
  int len = 0;
  hw::Nanos whole = ns / 1000;
  do {
    digits[len++] = static_cast<char>('0' + static_cast<int>(whole % 10));
    whole /= 10;
  } while (whole != 0 && len < 40);
  size_t o = 0;
  while (len > 0 && o + 1 < n) out[o++] = digits[--len];
  std::snprintf(out + o, n - o, ".%03u", static_cast<unsigned>(ns % 1000));
}

uint64_t hz_of(double mhz) {
  if (auto hz = hw::hz_from_mhz(mhz)) return *hz;
  return std::max<uint64_t>(1, static_cast<uint64_t>(std::llround(mhz * 1e6)));
}

uint64_t msg_key(uint32_t src, uint32_t tag, bool reply) {
  return (static_cast<uint64_t>(src) << 40) | (static_cast<uint64_t>(reply) << 32) | tag;
}

}  // namespace

Recorder::Recorder(double freq_mhz)
    : freq_mhz_(freq_mhz),
      hz_(hz_of(freq_mhz)),
      util_window_cycles_(std::max<uint64_t>(1, *hw::cycles_for(kUtilWindowNs, hz_))) {}

Recorder::~Recorder() { close_trace(); }

const char* Recorder::us(uint64_t cycles) {
  format_us(ts_buf_[0], sizeof ts_buf_[0], hw::ns_at(cycles, hz_));
  return ts_buf_[0];
}

const char* Recorder::us_dur(uint64_t start, uint64_t end) {
  format_us(ts_buf_[1], sizeof ts_buf_[1], hw::ns_at(end, hz_) - hw::ns_at(start, hz_));
  return ts_buf_[1];
}

void Recorder::open_trace(const std::string& path) {
  auto fail = [&](int err) { return std::runtime_error(fmt::format("{}: cannot write: {}", path, std::strerror(err))); };
  // O_NONBLOCK: a FIFO without a reader fails (ENXIO) instead of blocking the
  // open forever; writes then block as usual.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0644);
  if (fd < 0) throw fail(errno);
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0 || (trace_ = ::fdopen(fd, "w")) == nullptr) {
    const int err = errno;
    ::close(fd);
    throw fail(err);
  }
  trace_path_ = path;
  trace_error_.clear();
  emit("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n");
  first_event_ = true;
  const std::string meta = R"J("ph":"M","name":"process_name")J";
  auto line = [&](const std::string& s) {
    emit("%s%s", first_event_ ? "" : ",\n", s.c_str());
    first_event_ = false;
  };
  line(fmt::format(R"J({{{},"pid":{},"args":{{"name":"IPB"}}}})J", meta, kBusPid));
  line(fmt::format(R"J({{"ph":"M","name":"thread_name","pid":{},"tid":1,"args":{{"name":"lane X"}}}})J", kBusPid));
  line(fmt::format(R"J({{"ph":"M","name":"thread_name","pid":{},"tid":2,"args":{{"name":"lane Y"}}}})J", kBusPid));
  line(fmt::format(R"J({{{},"pid":{},"args":{{"name":"machine"}}}})J", meta, kMachinePid));
  for (uint32_t cpu : named_cpus_) emit_cpu_name(cpu);
  for (const NamedProcess& p : named_processes_) emit_process_name(p);
  // Flush now so a file that cannot take data (/dev/full) is refused before the run.
  if (std::fflush(trace_) != 0 && trace_error_.empty()) trace_error_ = fmt::format("{}: cannot write: {}", path, std::strerror(errno));
  if (!trace_error_.empty()) {
    const std::string why = trace_error_;
    std::fclose(trace_);
    trace_ = nullptr;
    throw std::runtime_error(why);
  }
}

void Recorder::emit(const char* format, ...) {
  if (!trace_error_.empty()) return;  // the first error is the one reported; stop writing
  va_list ap;
  va_start(ap, format);
  const int n = std::vfprintf(trace_, format, ap);
  va_end(ap);
  if (n < 0) trace_error_ = fmt::format("{}: cannot write: {}", trace_path_, std::strerror(errno));
}

void Recorder::close_trace() {
  if (!trace_) return;
  for (int lane = 0; lane < 2; ++lane) flush_util(lane, UINT64_MAX);
  while (!pending_.empty()) write_pending(pending_.begin(), false);
  emit("\n]}\n");
  if (std::fflush(trace_) != 0 && trace_error_.empty())
    trace_error_ = fmt::format("{}: cannot write: {}", trace_path_, std::strerror(errno));
  if (std::fclose(trace_) != 0 && trace_error_.empty())
    trace_error_ = fmt::format("{}: cannot write: {}", trace_path_, std::strerror(errno));
  trace_ = nullptr;
}

// Names are remembered, as CPUs and their services are named while the machine is
// built, before a trace is opened; open_trace() writes the ones given so far.
void Recorder::name_cpu(uint32_t cpu) {
  named_cpus_.push_back(cpu);
  if (trace_) emit_cpu_name(cpu);
}

void Recorder::name_process(uint32_t cpu, uint32_t pid, const std::string& name) {
  named_processes_.push_back({cpu, pid, name});
  if (trace_) emit_process_name(named_processes_.back());
}

void Recorder::emit_cpu_name(uint32_t cpu) {
  emit("%s", first_event_ ? "" : ",\n");
  first_event_ = false;
  emit(
               R"J({"ph":"M","name":"process_name","pid":%u,"args":{"name":"CPU %u"}},)J"
               "\n"
               R"J({"ph":"M","name":"thread_name","pid":%u,"tid":%u,"args":{"name":"interrupts"}})J",
               cpu_pid(cpu), cpu, cpu_pid(cpu), kIrqTid);
}

void Recorder::emit_process_name(const NamedProcess& p) {
  emit("%s", first_event_ ? "" : ",\n");
  first_event_ = false;
  // A JSON string: process names come from programs and scenarios.
  const std::string label = nlohmann::json(fmt::format("{} (pid {})", p.name, p.pid)).dump();
  const std::string calls = nlohmann::json(fmt::format("{} (pid {}) calls", p.name, p.pid)).dump();
  emit(R"J({"ph":"M","name":"thread_name","pid":%u,"tid":%u,"args":{"name":%s}},)J"
       "\n"
       R"J({"ph":"M","name":"thread_name","pid":%u,"tid":%u,"args":{"name":%s}})J",
       cpu_pid(p.cpu), p.pid, label.c_str(), cpu_pid(p.cpu), kCallsTid + p.pid, calls.c_str());
}

void Recorder::slice(uint32_t pid, uint32_t tid, const char* name, uint64_t start, uint64_t end,
                     const std::string& args) {
  if (!trace_) return;
  emit("%s", first_event_ ? "" : ",\n");
  first_event_ = false;
  emit(R"J({"ph":"X","name":"%s","pid":%u,"tid":%u,"ts":%s,"dur":%s%s})J", name, pid, tid, us(start),
       us_dur(start, end), args.c_str());
}

void Recorder::bus_transfer(char lane, uint32_t src, uint64_t dst_mask, const char* type,
                            uint32_t frame_bytes, uint64_t start, uint64_t end,
                            TransferOutcome o, uint64_t flow) {
  if (!trace_) return;
  const char* outcome = o == TransferOutcome::kDelivered ? "delivered"
                        : o == TransferOutcome::kRefused ? "refused"
                                                         : "aborted";
  // A frame that is delivered or retried goes on: its arrow continues.
  flow_slice(kBusPid, lane == 'X' ? 1 : 2, type, start, end, flow, true,
             fmt::format(R"J(,"args":{{"src":{},"dst_mask":"0x{:x}","bytes":{},"outcome":"{}"}})J", src, dst_mask,
                         frame_bytes, outcome));
  lane_util(lane == 'X' ? 0 : 1, start, end);
}

// --- utilisation: busy cycles per window, written when the lane moves past it --------

void Recorder::lane_util(int lane, uint64_t start, uint64_t end) {
  const uint64_t w = util_window_cycles_;
  for (uint64_t t = start; t < end;) {
    const uint64_t win = t / w;
    flush_util(lane, win);
    const uint64_t stop = std::min(end, (win + 1) * w);
    util_[lane].busy += stop - t;
    t = stop;
  }
}

void Recorder::flush_util(int lane, uint64_t upto_window) {
  LaneUtil& u = util_[lane];
  if (u.window >= upto_window) return;
  const char* name = lane == 0 ? "lane X utilisation" : "lane Y utilisation";
  const uint64_t w = util_window_cycles_;
  if (u.busy > 0 || !u.last_zero) {
    // Percent with one decimal, as an integer of tenths: no double in the file.
    const uint64_t tenths = u.busy * 1000 / w;
    emit("%s", first_event_ ? "" : ",\n");
    first_event_ = false;
    emit(R"J({"ph":"C","name":"%s","pid":%u,"ts":%s,"args":{"percent":%llu.%llu}})J", name, kBusPid,
         us(u.window * w), static_cast<unsigned long long>(tenths / 10),
         static_cast<unsigned long long>(tenths % 10));
    u.last_zero = u.busy == 0;
    // The window after a busy one reads 0 until a transfer says otherwise.
    if (!u.last_zero && u.window + 1 < upto_window && upto_window != UINT64_MAX) {
      emit(R"J(,
{"ph":"C","name":"%s","pid":%u,"ts":%s,"args":{"percent":0.0}})J", name, kBusPid, us((u.window + 1) * w));
      u.last_zero = true;
    }
  }
  u.window = upto_window;
  u.busy = 0;
}

// --- flows ------------------------------------------------------------------------------

// A step is written once the chain's next step is known: with flow_out if there is one
// (the arrow's start), without when the chain ends there. So every arrow has both ends,
// whatever the chain's length, and one ending in nothing (a subscribe the engine
// suppressed, a run that stopped first) leaves no dangling start.
void Recorder::flow_slice(uint32_t pid, uint32_t tid, const char* name, uint64_t start, uint64_t end,
                          uint64_t flow, bool out, const std::string& args) {
  if (!trace_) return;
  if (flow == 0) {
    slice(pid, tid, name, start, end, args);
    return;
  }
  if (auto a = alias_.find(flow); a != alias_.end()) flow = a->second;
  bool in = false;
  auto it = pending_.find(flow);
  const auto bound = bound_.find(flow);
  // A viewer binds each flow_in to the flow_out before it in time. A step earlier than
  // its chain's last one (two branches of one chain interleaving: an answer's record
  // and a new subscribe) would bind the other branch's arrows: the chain ends there and
  // this branch goes on under an id of its own, without an arrow into this step.
  if ((it != pending_.end() && start < it->second.start) ||
      (it == pending_.end() && bound != bound_.end() && start < bound->second)) {
    if (it != pending_.end()) write_pending(it, false);
    const uint64_t branch = ++last_flow_;
    alias_[flow] = branch;
    if (alias_.size() > kMaxPendingFlows) alias_.erase(alias_.begin());
    flow = branch;
  } else if (it != pending_.end()) {
    in = true;
    write_pending(it, true);
  }
  std::string head = fmt::format(R"J({{"ph":"X","name":"{}","pid":{},"tid":{},"ts":{})J", name, pid, tid, us(start));
  head += fmt::format(R"J(,"dur":{})J", us_dur(start, end));
  if (out) {
    pending_.emplace(flow, PendingStep{std::move(head), args, in, start});
    // Bounded: the oldest chains (lowest ids) end where they are.
    if (pending_.size() > kMaxPendingFlows) write_pending(pending_.begin(), false);
  } else {
    write_step(flow, PendingStep{std::move(head), args, in, start}, false);
  }
}

void Recorder::write_pending(std::map<uint64_t, PendingStep>::iterator it, bool out) {
  write_step(it->first, it->second, out);
  pending_.erase(it);
}

void Recorder::write_step(uint64_t flow, const PendingStep& p, bool out) {
  emit("%s", first_event_ ? "" : ",\n");
  first_event_ = false;
  if (p.in || out) {
    uint64_t& last = bound_[flow];
    last = std::max(last, p.start);
    if (bound_.size() > kMaxPendingFlows) bound_.erase(bound_.begin());  // the oldest chains
    emit("%s,\"bind_id\":%llu%s%s%s}", p.head.c_str(), static_cast<unsigned long long>(flow),
         p.in ? ",\"flow_in\":true" : "", out ? ",\"flow_out\":true" : "", p.tail.c_str());
  } else {
    emit("%s%s}", p.head.c_str(), p.tail.c_str());
  }
}

void Recorder::flow_step(uint32_t cpu, Track track, uint32_t pid, const char* name, uint64_t start,
                         uint64_t end, uint64_t flow, bool out) {
  if (!trace_) return;
  const uint32_t tid = track == Track::kIrq ? kIrqTid : track == Track::kEngine ? kEngineTid : kCallsTid + pid;
  if (track == Track::kEngine) name_engine_track(cpu);
  flow_slice(cpu_pid(cpu), tid, name, start, end, flow, out, "");
}

void Recorder::call_slice(uint32_t cpu, uint32_t pid, const char* name, uint64_t start, uint64_t end) {
  if (!trace_) return;
  slice(cpu_pid(cpu), kCallsTid + pid, name, start, end, "");
}

// --- counters ---------------------------------------------------------------------------

void Recorder::counter(uint32_t pid, const char* name, const char* key, uint64_t value, uint64_t at) {
  emit("%s", first_event_ ? "" : ",\n");
  first_event_ = false;
  emit(R"J({"ph":"C","name":"%s","pid":%u,"ts":%s,"args":{"%s":%llu}})J", name, pid, us(at), key,
       static_cast<unsigned long long>(value));
}

void Recorder::runnable(uint32_t cpu, uint32_t n, uint64_t at) {
  if (!trace_) return;
  if (runnable_.size() <= cpu) runnable_.resize(cpu + 1, UINT32_MAX);
  if (runnable_[cpu] == n) return;
  runnable_[cpu] = n;
  counter(cpu_pid(cpu), "runnable", "processes", n, at);
}

void Recorder::ring_records(uint32_t cpu, int64_t delta, uint64_t at) {
  if (!trace_ || delta == 0) return;
  if (ring_count_.size() <= cpu) ring_count_.resize(cpu + 1, 0);
  ring_count_[cpu] = std::max<int64_t>(0, ring_count_[cpu] + delta);
  counter(cpu_pid(cpu), "notify ring", "records", static_cast<uint64_t>(ring_count_[cpu]), at);
}

void Recorder::ring_record_flow(uint32_t cpu, uint64_t addr, uint64_t flow) {
  if (flow) ring_flows_[(static_cast<uint64_t>(cpu) << 48) ^ addr] = flow;
}

uint64_t Recorder::take_ring_record_flow(uint32_t cpu, uint64_t addr) {
  if (!trace_) return 0;
  auto it = ring_flows_.find((static_cast<uint64_t>(cpu) << 48) ^ addr);
  if (it == ring_flows_.end()) return 0;
  const uint64_t f = it->second;
  ring_flows_.erase(it);
  return f;
}

void Recorder::instant(const std::string& name, char scope, uint32_t pid, uint32_t tid, uint64_t at) {
  if (!trace_) return;
  emit("%s", first_event_ ? "" : ",\n");
  first_event_ = false;
  emit(R"J({"ph":"i","s":"%c","name":"%s","pid":%u,"tid":%u,"ts":%s})J", scope, name.c_str(), pid, tid, us(at));
}

void Recorder::lane_down(char lane, uint64_t at) {
  instant(fmt::format("lane {} down", lane), 'g', kBusPid, lane == 'X' ? 1 : 2, at);
}

void Recorder::lane_up(char lane, uint64_t at) {
  instant(fmt::format("lane {} up", lane), 'g', kBusPid, lane == 'X' ? 1 : 2, at);
}

void Recorder::fault_on_lane(char lane, const std::string& what, uint64_t at) {
  instant("fault: " + what, 't', kBusPid, lane == 'X' ? 1 : 2, at);
}

void Recorder::fault_on_cpu(uint32_t cpu, const std::string& what, uint64_t at) {
  instant("fault: " + what, 'p', cpu_pid(cpu), 0, at);
}

void Recorder::cpu_declared_down(uint32_t cpu, uint32_t down, const std::string& by, uint64_t at) {
  instant(fmt::format("cpu {} down ({})", down, by), 'p', cpu_pid(cpu), 0, at);
}

void Recorder::io_takeover(uint32_t cpu, uint32_t from, uint64_t at) {
  instant(fmt::format("net-io takeover from cpu {}", from), 'p', cpu_pid(cpu), 0, at);
}

void Recorder::interrupt(uint32_t cpu, uint64_t start, uint64_t end) {
  slice(cpu_pid(cpu), kIrqTid, "irq", start, end, "");
}

void Recorder::process_ran(uint32_t cpu, uint32_t pid, uint64_t start, uint64_t end) {
  if (end > start) slice(cpu_pid(cpu), pid, "run", start, end, "");
}

void Recorder::name_engine_track(uint32_t cpu) {
  if (engine_track_named_.size() <= cpu) engine_track_named_.resize(cpu + 1);
  if (engine_track_named_[cpu]) return;
  engine_track_named_[cpu] = true;
  // A machine without kernels (a test bench of engines) has not named its CPUs.
  if (std::find(named_cpus_.begin(), named_cpus_.end(), cpu) == named_cpus_.end()) name_cpu(cpu);
  emit("%s", first_event_ ? "" : ",\n");
  first_event_ = false;
  emit(
               R"J({"ph":"M","name":"thread_name","pid":%u,"tid":%u,"args":{"name":"notify engine"}})J",
               cpu_pid(cpu), kEngineTid);
}

void Recorder::engine_busy(uint32_t cpu, uint64_t start, uint64_t end) {
  if (!trace_) return;
  name_engine_track(cpu);
  slice(cpu_pid(cpu), kEngineTid, "clocked", start, end,
        fmt::format(R"J(,"args":{{"cycles":{}}})J", end - start));
}

void Recorder::engine_event(uint32_t cpu, const char* what, uint64_t at, const std::string& args) {
  if (!trace_) return;
  name_engine_track(cpu);
  emit(",\n");
  emit(R"J({"ph":"i","s":"t","name":"%s","pid":%u,"tid":%u,"ts":%s%s})J", what,
               cpu_pid(cpu), kEngineTid, us(at),
               args.empty() ? "" : (",\"args\":{" + args + "}").c_str());
}

void Recorder::engine_step(uint32_t cpu, const char* what, uint64_t at, const std::string& args, uint64_t flow,
                           bool out) {
  if (!trace_) return;
  name_engine_track(cpu);
  flow_slice(cpu_pid(cpu), kEngineTid, what, at, at, flow, out, args.empty() ? "" : ",\"args\":{" + args + "}");
}

void Recorder::message_sent(uint32_t src_cpu, uint32_t tag, bool reply, uint64_t cycle) {
  msg_sent_at_[msg_key(src_cpu, tag, reply)] = cycle;
  if (trace_) counter(kMachinePid, "messages in flight", "messages", msg_sent_at_.size(), cycle);
}

void Recorder::message_received(uint32_t src_cpu, uint32_t tag, bool reply, uint64_t cycle) {
  auto it = msg_sent_at_.find(msg_key(src_cpu, tag, reply));
  if (it == msg_sent_at_.end()) return;
  msg_latency_.sample(cycle - it->second);
  ++messages_delivered_;
  msg_sent_at_.erase(it);
  if (trace_) counter(kMachinePid, "messages in flight", "messages", msg_sent_at_.size(), cycle);
}

void Recorder::select_woke(uint32_t cpu, uint32_t pid, bool remote, uint64_t changed_at, uint64_t now,
                           uint64_t slept_at) {
  (remote ? remote_wake_ : local_wake_).sample(now - changed_at);
  // On the calls track, inside the call's span: from the change (or the sleep, when the
  // change came first) to the return.
  if (trace_) {
    slice(cpu_pid(cpu), kCallsTid + pid, remote ? "select wake (remote)" : "select wake (local)",
          std::max(changed_at, slept_at), now,
          fmt::format(R"J(,"args":{{"changed_at_cycle":{}}})J", changed_at));
  }
}

void Recorder::register_stats(Stats& s) const {
  s.distribution("select.remote_wake_latency_cycles", &remote_wake_, "cycles",
                 "change of a real pipe on another CPU to the return of a select/poll it woke");
  s.distribution("select.local_wake_latency_cycles", &local_wake_, "cycles",
                 "change of a real pipe on the same CPU to the return of a select/poll it woke");
  s.distribution("msg.latency_cycles", &msg_latency_, "cycles",
                 "send call to receive return, per message (requests, posts and replies)");
  s.counter("msg.delivered", &messages_delivered_, "messages", "messages received by a process");
}

}  // namespace shadowsel::sim
