// SPDX-License-Identifier: MIT
// fstapi is the copy Verilator ships and compiles into its FST tracing (library
// shadowsel_ne_rtl): a second copy would not link (TOOLCHAIN.md).
#include "shadowsel/sim/waves.h"

#include <gtkwave/fstapi.h>

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "shadowsel/sim/output_file.h"

namespace shadowsel::sim {
namespace {

const char* mode_text(CpuMode m) {
  switch (m) {
    case CpuMode::kIdle: return "idle";
    case CpuMode::kProcess: return "process";
    case CpuMode::kKernel: return "kernel";
    case CpuMode::kInterrupt: return "interrupt";
    case CpuMode::kHalted: return "halted";
  }
  return "?";
}

}  // namespace

Waves::Waves(const std::string& path, const WaveWindow& window, uint32_t cpus, bool engines)
    : path_(path), window_(window) {
  check_seekable_output(path);
  fst_ = fstWriterCreate(path.c_str(), 1);
  if (!fst_) throw std::runtime_error(path + ": cannot write: the FST writer could not open it");
  fstWriterSetPackType(fst_, FST_WR_PT_LZ4);
  fstWriterSetTimescale(fst_, -12);  // 1 ps (wave_window.h)
  fstWriterSetVersion(fst_, "shadowsel");
  fstWriterSetComment(fst_, "the machine's signals; time 0 is cycle 0 (docs/waves.md)");

  const uint32_t node_bits = std::max<uint32_t>(cpus, 1);
  fstWriterSetScope(fst_, FST_ST_VCD_MODULE, "machine", nullptr);
  fstWriterSetScope(fst_, FST_ST_VCD_MODULE, "bus", nullptr);
  for (int l = 0; l < 2; ++l) {
    fstWriterSetScope(fst_, FST_ST_VCD_MODULE, l == 0 ? "X" : "Y", nullptr);
    Lane& lane = lanes_[l];
    lane.grant = add("grant", node_bits);
    lane.src = add("src", 6);
    lane.dst = add("dst", node_bits);
    lane.type = add("type", 0);
    lane.len = add("len", 16);
    lane.transfer = add("transfer", 32);
    lane.up = add("up", 1);
    sigs_[lane.up].value = sigs_[lane.up].prev = 1;
    fstWriterSetUpscope(fst_);
  }
  fstWriterSetUpscope(fst_);
  cpus_.resize(cpus);
  for (uint32_t c = 0; c < cpus; ++c) {
    fstWriterSetScope(fst_, FST_ST_VCD_MODULE, fmt::format("cpu{}", c).c_str(), nullptr);
    Cpu& cpu = cpus_[c];
    cpu.state = add("state", 0);
    sigs_[cpu.state].text = sigs_[cpu.state].prev_text = mode_text(CpuMode::kIdle);
    cpu.mode = add("mode", 3);
    cpu.pid = add("pid", 16);
    if (engines) {
      fstWriterSetScope(fst_, FST_ST_VCD_MODULE, "ne", nullptr);
      cpu.irq = add("irq", 1);
      cpu.head = add("ring_head", 32);
      cpu.tail = add("ring_tail", 32);
      cpu.clocked = add("clocked", 1);
      fstWriterSetUpscope(fst_);
    }
    fstWriterSetUpscope(fst_);
  }
  fstWriterSetUpscope(fst_);
}

Waves::~Waves() {
  if (fst_) fstWriterClose(fst_);
}

uint32_t Waves::add(const char* name, uint32_t bits) {
  Signal s;
  s.handle = bits ? fstWriterCreateVar(fst_, FST_VT_VCD_WIRE, FST_VD_IMPLICIT, bits, name, 0)
                  : fstWriterCreateVar(fst_, FST_VT_GEN_STRING, FST_VD_IMPLICIT, 0, name, 0);
  s.bits = bits;
  sigs_.push_back(std::move(s));
  return static_cast<uint32_t>(sigs_.size() - 1);
}

void Waves::set(uint32_t sig, uint64_t value, uint64_t at) {
  if (at > window_.to) return;  // never written
  advance(at);
  Signal& s = sigs_[sig];
  s.value = value;
  if (!s.dirty) {
    s.dirty = true;
    dirty_.push_back(sig);
  }
}

void Waves::set(uint32_t sig, std::string_view text, uint64_t at) {
  if (at > window_.to) return;
  advance(at);
  Signal& s = sigs_[sig];
  s.text.assign(text);
  if (!s.dirty) {
    s.dirty = true;
    dirty_.push_back(sig);
  }
}

void Waves::advance(uint64_t at) {
  if (!fst_) return;
  // Changes queued for a later cycle (engine_clocked) come first, each in its cycle.
  while (!later_.empty() && later_.front().at <= at) {
    const Later l = later_.front();
    later_.erase(later_.begin());
    move_to(l.at);
    Signal& s = sigs_[l.sig];
    s.value = l.value;
    if (!s.dirty) {
      s.dirty = true;
      dirty_.push_back(l.sig);
    }
  }
  move_to(at);
}

void Waves::move_to(uint64_t at) {
  if (at <= now_) return;  // a change reported for a cycle already gathered is drawn in it
  flush();
  // Nothing changes between now_ and at: the values at the window's start are these.
  if (!started_ && now_ < window_.from && at > window_.from) start();
  now_ = at;
}

void Waves::flush() {
  if (!started_ && now_ == window_.from) {
    commit();
    start();
    return;
  }
  if (started_ && now_ <= window_.to) {
    bool timed = false;
    for (uint32_t i : dirty_) {
      Signal& s = sigs_[i];
      if (s.value == s.prev && s.text == s.prev_text) continue;
      if (!timed) {
        time(now_);
        timed = true;
      }
      s.prev = s.value;
      s.prev_text = s.text;
      emit(s);
    }
  }
  commit();
}

void Waves::commit() {
  for (uint32_t i : dirty_) {
    Signal& s = sigs_[i];
    s.prev = s.value;
    s.prev_text = s.text;
    s.dirty = false;
  }
  dirty_.clear();
}

void Waves::start() {
  started_ = true;
  time(window_.from);
  for (Signal& s : sigs_) emit(s);
}

void Waves::emit(Signal& s) {
  if (s.bits) {
    fstWriterEmitValueChange64(fst_, s.handle, s.bits, s.prev);
  } else {
    fstWriterEmitVariableLengthValueChange(fst_, s.handle, s.prev_text.data(),
                                           static_cast<uint32_t>(s.prev_text.size()));
  }
}

void Waves::time(uint64_t cycle) {
  const uint64_t t = window_.ps(cycle);
  if (timed_ && t <= last_time_) return;
  fstWriterEmitTimeChange(fst_, t);
  last_time_ = t;
  timed_ = true;
}

void Waves::close(uint64_t end) {
  if (!fst_) return;
  advance(end);
  flush();
  if (!started_ && end >= window_.from) start();
  if (started_) time(std::min(end, window_.to));
  fstWriterClose(fst_);
  fst_ = nullptr;
}

// --- hooks -------------------------------------------------------------------

void Waves::lane_transfer(int lane, uint32_t src, uint64_t dst_mask, std::string_view type, uint32_t bytes,
                          uint64_t at) {
  Lane& l = lanes_[lane];
  set(l.grant, src < 64 ? uint64_t{1} << src : 0, at);
  set(l.src, src, at);
  set(l.dst, dst_mask, at);
  set(l.type, type, at);
  set(l.len, bytes, at);
  set(l.transfer, ++l.transfers, at);
}

void Waves::lane_idle(int lane, uint64_t at) {
  const Lane& l = lanes_[lane];
  set(l.grant, 0, at);
  set(l.src, 0, at);
  set(l.dst, 0, at);
  set(l.type, "", at);
  set(l.len, 0, at);
}

void Waves::lane_up(int lane, bool up, uint64_t at) { set(lanes_[lane].up, up, at); }

void Waves::cpu_mode(uint32_t cpu, CpuMode mode, uint32_t pid, std::string_view name, uint64_t at) {
  Cpu& c = cpus_.at(cpu);
  if (c.base == CpuMode::kHalted) return;  // for good
  c.base = mode;
  c.base_pid = mode == CpuMode::kProcess || mode == CpuMode::kKernel ? pid : 0;
  c.base_name.assign(name);
  update_cpu(cpu, at);
}

void Waves::cpu_interrupt(uint32_t cpu, bool on, uint64_t at) {
  cpus_.at(cpu).in_interrupt = on;
  update_cpu(cpu, at);
}

void Waves::update_cpu(uint32_t cpu, uint64_t at) {
  if (at > window_.to) return;
  const Cpu& c = cpus_[cpu];
  const CpuMode shown = c.in_interrupt && c.base != CpuMode::kHalted ? CpuMode::kInterrupt : c.base;
  set(c.mode, static_cast<uint64_t>(shown), at);
  set(c.pid, c.base_pid, at);
  if (shown == CpuMode::kProcess) {
    set(c.state, fmt::format("{} ({})", c.base_name, c.base_pid), at);
  } else {
    set(c.state, mode_text(shown), at);
  }
}

void Waves::engine_irq(uint32_t cpu, bool on, uint64_t at) { set(cpus_.at(cpu).irq, on, at); }
void Waves::engine_head(uint32_t cpu, uint32_t head, uint64_t at) { set(cpus_.at(cpu).head, head, at); }
void Waves::engine_tail(uint32_t cpu, uint32_t tail, uint64_t at) { set(cpus_.at(cpu).tail, tail, at); }

void Waves::engine_clocked(uint32_t cpu, bool on, uint64_t at) {
  const uint32_t sig = cpus_.at(cpu).clocked;
  if (at <= now_) {
    set(sig, on, at);
    return;
  }
  // The clock stops after the cycle being simulated: keep it for its cycle.
  const Later l{at, sig, on};
  later_.insert(std::upper_bound(later_.begin(), later_.end(), l,
                                 [](const Later& a, const Later& b) { return a.at < b.at; }),
                l);
}

}  // namespace shadowsel::sim
