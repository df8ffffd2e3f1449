// SPDX-License-Identifier: MIT
// The machine's own signals as a waveform (--waves FILE.fst, docs/waves.md), written with
// GTKWave's fstapi: each bus lane's grant, source, destinations, packet type and length;
// each CPU's state (idle, a process, kernel, interrupt, halted); each notify engine's
// interrupt line, ring head and tail and clock. The models report a change in the cycle
// it happens (the hooks below, reached through Recorder::waves()); changes of one cycle
// are merged, only those inside the window are written, and the values at its first
// cycle are written there. The time axis is WaveWindow's, shared with the RTL's file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "shadowsel/sim/wave_window.h"

namespace shadowsel::sim {

/// What a CPU is doing; the waveform's `mode` signal holds these numbers.
enum class CpuMode : uint8_t { kIdle = 0, kProcess = 1, kKernel = 2, kInterrupt = 3, kHalted = 4 };

class Waves {
 public:
  /// Opens `path` for `cpus` CPUs (engine signals when `engines`); throws
  /// std::runtime_error("PATH: cannot write: why") when it cannot.
  Waves(const std::string& path, const WaveWindow& window, uint32_t cpus, bool engines);
  ~Waves();
  Waves(const Waves&) = delete;
  Waves& operator=(const Waves&) = delete;

  const std::string& path() const { return path_; }
  const WaveWindow& window() const { return window_; }

  // --- hooks: a change in cycle `at` (never earlier than the last one reported) ---
  /// Lane `lane` (0 X, 1 Y) is granted to `src` for a frame of `bytes` bytes.
  void lane_transfer(int lane, uint32_t src, uint64_t dst_mask, std::string_view type, uint32_t bytes,
                     uint64_t at);
  /// The lane's transfer ended (delivered, refused or cut).
  void lane_idle(int lane, uint64_t at);
  void lane_up(int lane, bool up, uint64_t at);
  /// What the CPU runs outside interrupt handlers: a process (`pid`, `name`), the kernel
  /// switching to one, nothing (idle) or nothing ever again (halted).
  void cpu_mode(uint32_t cpu, CpuMode mode, uint32_t pid, std::string_view name, uint64_t at);
  /// The CPU entered (`on`) or left its interrupt handlers.
  void cpu_interrupt(uint32_t cpu, bool on, uint64_t at);
  void engine_irq(uint32_t cpu, bool on, uint64_t at);
  void engine_head(uint32_t cpu, uint32_t head, uint64_t at);
  void engine_tail(uint32_t cpu, uint32_t tail, uint64_t at);
  /// The engine's core is clocked from `at` on (`on`) or stopped.
  void engine_clocked(uint32_t cpu, bool on, uint64_t at);

  /// Writes what is left and closes the file; the run ended at cycle `end`. Idempotent.
  void close(uint64_t end);

 private:
  struct Signal {
    uint32_t handle = 0;
    uint32_t bits = 0;            ///< 0: a string
    uint64_t value = 0, prev = 0;  ///< now, and as of the last cycle gathered before
    std::string text, prev_text;
    bool dirty = false;           ///< set in the cycle being gathered
  };
  struct Lane {
    uint32_t grant, src, dst, type, len, transfer, up;  // signal numbers
    uint64_t transfers = 0;
  };
  struct Cpu {
    uint32_t state, mode, pid;           // signal numbers
    uint32_t irq, head, tail, clocked;   // the engine's; unused without engines
    CpuMode base = CpuMode::kIdle;       ///< outside interrupt handlers
    uint32_t base_pid = 0;
    std::string base_name;
    bool in_interrupt = false;
  };
  /// A change reported ahead of the cycle being gathered.
  struct Later {
    uint64_t at;
    uint32_t sig;
    uint64_t value;
  };

  uint32_t add(const char* name, uint32_t bits);
  void set(uint32_t sig, uint64_t value, uint64_t at);
  void set(uint32_t sig, std::string_view text, uint64_t at);
  /// Moves to cycle `at` through the changes queued before it.
  void advance(uint64_t at);
  void move_to(uint64_t at);
  /// Writes the changes of cycle now_ when inside the window, and commits them.
  void flush();
  void commit();
  /// Writes every signal's value at the window's first cycle.
  void start();
  void emit(Signal& s);
  void time(uint64_t cycle);
  void update_cpu(uint32_t cpu, uint64_t at);

  std::string path_;
  WaveWindow window_;
  void* fst_ = nullptr;
  std::vector<Signal> sigs_;
  std::vector<uint32_t> dirty_;
  std::vector<Later> later_;  ///< by cycle
  Lane lanes_[2]{};
  std::vector<Cpu> cpus_;
  uint64_t now_ = 0;      ///< the cycle whose changes are being gathered
  bool started_ = false;  ///< the values at the window's start are written
  bool timed_ = false;    ///< a time was written (last_time_ is valid)
  uint64_t last_time_ = 0;
};

}  // namespace shadowsel::sim
