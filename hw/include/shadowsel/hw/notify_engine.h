// SPDX-License-Identifier: MIT
// A node's notify engine as a SystemC module: one ne::Core (twin, Verilated RTL or both
// in lockstep) between the CPU (MMIO registers, a ring of ready records in node memory
// written by DMA, the interrupt line IrqLine::kNotifyEngine) and the bus interface
// (NE_SUBSCRIBE, NE_NOTIFY and ALIVE packets). The core is clocked only while it is busy
// (not idle) or a timer deadline (wake_at) is due, so idle time costs nothing.
//
// The driver reaches the engine only through mmio_read/mmio_write, the ring in memory
// and the interrupt; it never calls into the core.
#pragma once

#include <systemc>

#include <cstdint>
#include <memory>

#include "shadowsel/ne/core.h"

namespace shadowsel::hw {

class Node;

struct NotifyEngineCounters {
  uint64_t cycles_clocked = 0;  ///< cycles the core was stepped
  uint64_t mmio_reads = 0;
  uint64_t mmio_writes = 0;
  uint64_t tx_packets = 0;      ///< packets handed to the bus interface
  uint64_t rx_packets = 0;      ///< packets taken from the bus interface
  uint64_t dma_writes = 0;      ///< ring records written to memory
};

class NotifyEngine : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(NotifyEngine);
  NotifyEngine(sc_core::sc_module_name name, Node& node, std::unique_ptr<ne::Core> core);
  ~NotifyEngine() override;

  // --- CPU side: called by kernel code in a CPU context (a process or a handler) ---
  /// One MMIO access: blocks the calling SystemC thread until the engine's response, as a
  /// CPU stalls on an uncached load or store.
  uint32_t mmio_read(uint32_t addr);
  void mmio_write(uint32_t addr, uint32_t data);

  const NotifyEngineCounters& counters() const { return c_; }
  const ne::Core& core() const { return *core_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  Node& node_;
  std::unique_ptr<ne::Core> core_;
  NotifyEngineCounters c_;
};

}  // namespace shadowsel::hw
