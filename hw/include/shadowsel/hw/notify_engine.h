// SPDX-License-Identifier: MIT
// A node's notify engine as a SystemC module: one ne::Core (twin, Verilated RTL or both
// in lockstep) between the CPU (MMIO registers, a ring of ready records in node memory
// written by DMA, the interrupt line IrqLine::kNotifyEngine) and the bus interface
// (NE_SUBSCRIBE, NE_NOTIFY and ALIVE packets). The core is clocked only while it is busy
// (not idle) or a timer deadline (wake_at) is due, so idle time costs nothing.
//
// The driver reaches the engine only through mmio_read/mmio_write, the ring in memory
// and the interrupt; it never calls into the core.
//
// Timing (docs/notify-engine.md, "In the machine"): one SystemC thread clocks the core,
// one cycle per simulated cycle, never the same cycle twice. New work (an MMIO request,
// a packet in the BIU's engine queue) is presented at the first cycle not yet clocked.
#pragma once

#include <systemc>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "shadowsel/ne/core.h"
#include "shadowsel/sim/recorder.h"
#include "shadowsel/sim/stats.h"

namespace shadowsel::hw {

class Node;

struct NotifyEngineCounters {
  uint64_t cycles_clocked = 0;  ///< cycles the core was stepped
  uint64_t wakeups = 0;         ///< times the clock restarted after the engine slept
  uint64_t activations = 0;     ///< resumptions of the engine's SystemC thread (host cost: run.json, not stats)
  uint64_t mmio_reads = 0;
  uint64_t mmio_writes = 0;
  uint64_t mmio_stall_cycles = 0;  ///< cycles CPUs waited for MMIO responses
  uint64_t tx_packets = 0;      ///< packets handed to the bus interface
  uint64_t tx_answers = 0;      ///< of which NE_NOTIFY of kind ANSWER (a command's or the engine's own)
  uint64_t tx_notifies = 0;     ///< of which NE_NOTIFY of kind NOTIFY (a command's or a PUBLISH's)
  uint64_t tx_stall_cycles = 0; ///< cycles tx_valid was held with tx_ready low (BIU full)
  uint64_t tx_unroutable = 0;   ///< packets whose mask named no existing node (not sent)
  uint64_t rx_packets = 0;      ///< packets taken from the bus interface
  uint64_t dma_writes = 0;      ///< ring records written to memory
  uint64_t irq_raised = 0;      ///< rising edges of the irq line
};

class NotifyEngine : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(NotifyEngine);
  /// Cycles one ready record's DMA write holds node memory: it takes the write in the
  /// cycle the engine offers it (dma_ready always high). A term of the latency floor.
  static constexpr uint32_t kDmaCyclesPerRecord = 1;

  NotifyEngine(sc_core::sc_module_name name, Node& node, std::unique_ptr<ne::Core> core,
               sim::Recorder& rec);
  ~NotifyEngine() override;

  // --- CPU side: called by kernel code in a CPU context (a process or a handler) ---
  /// One MMIO access: blocks the calling SystemC thread until the engine's response, as a
  /// CPU stalls on an uncached load or store.
  uint32_t mmio_read(uint32_t addr);
  void mmio_write(uint32_t addr, uint32_t data);

  const NotifyEngineCounters& counters() const { return c_; }

  /// Fault (docs/faults.md): from its next clock on the engine answers nothing, ever:
  /// MMIO accesses stall their CPU for good, its packets are lost at its BIU.
  void hang();
  bool hung() const { return hung_; }
  const ne::Core& core() const { return *core_; }
  ne::Core& core() { return *core_; }
  /// The lockstep core's report when it stopped the run ("" otherwise).
  const std::string& mismatch() const { return mismatch_; }

  /// The timeline's flow of the next command the CPU writes (docs/trace.md): the engine's
  /// packets, records and commands go on with the flow of what it last took (a command, a
  /// packet). Bookkeeping of the trace only: no effect on the core.
  void set_flow(uint64_t f) { cmd_flow_ = f; }

  /// Registers the counters as `prefix`.<name> (e.g. "cpu.3.ne").
  void register_stats(sim::Stats& s, const std::string& prefix) const;

  // --- bus interface side ---
  /// A packet for the engine arrived, or transmit room was freed: clock again.
  void kick() { work_.notify(sc_core::SC_ZERO_TIME); }

 private:
  struct Access {
    bool write;
    uint32_t addr;
    uint32_t wdata;
    uint32_t rdata = 0;
    bool done = false;
    sc_core::sc_event* done_ev;
  };

  uint32_t access(bool write, uint32_t addr, uint32_t data);
  void run();
  void loop();
  /// True when something outside the core waits for it (a request, a packet).
  bool work_waiting() const;
  /// Clocks the cycle now_cycles() and handles its handshakes; true when the next cycle
  /// must be clocked too.
  bool step();
  void transmit();
  /// The ring registers a CPU write accepted in cycle `now` changes, in the waveform.
  void show_ring_write(uint32_t addr, uint32_t data, uint64_t now);

  Node& node_;
  std::unique_ptr<ne::Core> core_;
  sim::Recorder& rec_;
  NotifyEngineCounters c_;
  std::deque<Access*> requests_;   ///< not yet accepted by the core (oldest first)
  std::deque<Access*> responses_;  ///< accepted, waiting for their response (in order)
  sc_core::sc_event work_;
  ne::Outputs out_;                ///< of the last cycle clocked
  uint64_t next_cycle_ = 0;        ///< first cycle not yet clocked
  bool irq_ = false;
  bool hung_ = false;
  sc_core::sc_event never_;  ///< never notified: a hung engine waits on it
  uint64_t busy_since_ = 0;        ///< first cycle of the current busy period (timeline)
  uint32_t ring_head_ = 0;         ///< RING_HEAD as the DMA writes show it (waveform only)
  std::string mismatch_;
  uint64_t cmd_flow_ = 0;  ///< set_flow()
  uint64_t flow_ = 0;      ///< the flow of the engine's latest input (timeline)
};

}  // namespace shadowsel::hw
