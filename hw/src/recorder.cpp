// SPDX-License-Identifier: MIT
#include "shadowsel/sim/recorder.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
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

uint64_t msg_key(uint32_t src, uint32_t tag, bool reply) {
  return (static_cast<uint64_t>(src) << 40) | (static_cast<uint64_t>(reply) << 32) | tag;
}

}  // namespace

Recorder::~Recorder() { close_trace(); }

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
  emit(R"J({"ph":"M","name":"thread_name","pid":%u,"tid":%u,"args":{"name":%s}})J", cpu_pid(p.cpu), p.pid,
       label.c_str());
}

void Recorder::slice(uint32_t pid, uint32_t tid, const char* name, uint64_t start, uint64_t end,
                     const std::string& args) {
  if (!trace_) return;
  emit("%s", first_event_ ? "" : ",\n");
  first_event_ = false;
  emit(R"J({"ph":"X","name":"%s","pid":%u,"tid":%u,"ts":%.4f,"dur":%.4f%s})J",
               name, pid, tid, us(start), us(end - start), args.c_str());
}

void Recorder::bus_transfer(char lane, uint32_t src, uint64_t dst_mask, const char* type,
                            uint32_t frame_bytes, uint64_t start, uint64_t end,
                            TransferOutcome o) {
  if (!trace_) return;
  const char* outcome = o == TransferOutcome::kDelivered ? "delivered"
                        : o == TransferOutcome::kRefused ? "refused"
                                                         : "aborted";
  slice(kBusPid, lane == 'X' ? 1 : 2, type, start, end,
        fmt::format(R"J(,"args":{{"src":{},"dst_mask":"0x{:x}","bytes":{},"outcome":"{}"}})J", src,
                    dst_mask, frame_bytes, outcome));
}

void Recorder::instant(const std::string& name, char scope, uint32_t pid, uint32_t tid, uint64_t at) {
  if (!trace_) return;
  emit("%s", first_event_ ? "" : ",\n");
  first_event_ = false;
  emit(R"J({"ph":"i","s":"%c","name":"%s","pid":%u,"tid":%u,"ts":%.4f})J", scope, name.c_str(), pid, tid, us(at));
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
  emit(R"J({"ph":"i","s":"t","name":"%s","pid":%u,"tid":%u,"ts":%.4f%s})J", what,
               cpu_pid(cpu), kEngineTid, us(at),
               args.empty() ? "" : (",\"args\":{" + args + "}").c_str());
}

void Recorder::message_sent(uint32_t src_cpu, uint32_t tag, bool reply, uint64_t cycle) {
  msg_sent_at_[msg_key(src_cpu, tag, reply)] = cycle;
}

void Recorder::message_received(uint32_t src_cpu, uint32_t tag, bool reply, uint64_t cycle) {
  auto it = msg_sent_at_.find(msg_key(src_cpu, tag, reply));
  if (it == msg_sent_at_.end()) return;
  msg_latency_.sample(cycle - it->second);
  ++messages_delivered_;
  msg_sent_at_.erase(it);
}

void Recorder::select_woke(uint32_t cpu, uint32_t pid, bool remote, uint64_t changed_at,
                           uint64_t now) {
  (remote ? remote_wake_ : local_wake_).sample(now - changed_at);
  if (trace_) {
    slice(cpu_pid(cpu), pid, remote ? "select wake (remote)" : "select wake (local)", changed_at, now,
          "");
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
