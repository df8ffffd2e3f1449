// SPDX-License-Identifier: MIT
// One clock cycle of a notify engine, whatever implements it: the behavioural twin
// (ne::make_twin), the Verilated RTL (ne::make_rtl) or both in lockstep
// (ne::make_lockstep). The ports are those of ne_top (docs/notify-engine.md §5); the
// SystemC module hw::NotifyEngine drives one Core and clocks it only while it is busy.
//
// A cycle: the inputs are held for the whole cycle, the outputs are the values seen
// during it (after any combinational path from the inputs), then the rising edge is
// taken. A handshake happened in a cycle when valid and ready were both high in it.
// No SystemC and no Verilator here, so tests and benchmarks can drive a Core directly.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

namespace shadowsel::ne {

using Bytes16 = std::array<uint8_t, 16>;
/// One ready record as the DMA port carries it (RECORD_BYTES of ne.yaml).
using Bytes32 = std::array<uint8_t, 32>;

/// wake_at when no timer is running (48 bits, all ones).
inline constexpr uint64_t kNoDeadline = (uint64_t{1} << 48) - 1;

struct Inputs {
  bool rst_n = true;  ///< synchronous, active low
  // MMIO request
  bool mmio_req_valid = false;
  bool mmio_req_write = false;
  uint32_t mmio_req_addr = 0;  ///< 12 bits
  uint32_t mmio_req_wdata = 0;
  // transmit stream: the bus interface takes a packet
  bool tx_ready = true;
  // receive stream
  bool rx_valid = false;
  uint8_t rx_type = 0;
  uint8_t rx_src = 0;  ///< 6 bits
  uint8_t rx_len = 0;
  Bytes16 rx_payload{};
  // DMA: memory takes a write
  bool dma_ready = true;
  uint64_t now = 0;  ///< 48 bits: the cycle count
  bool operator==(const Inputs&) const = default;
};

struct Outputs {
  bool mmio_req_ready = false;
  bool mmio_rsp_valid = false;
  uint32_t mmio_rsp_rdata = 0;
  bool tx_valid = false;
  uint8_t tx_type = 0;
  uint64_t tx_dst_mask = 0;
  uint8_t tx_len = 0;
  Bytes16 tx_payload{};
  bool rx_ready = false;
  bool dma_valid = false;
  uint32_t dma_addr = 0;
  Bytes32 dma_data{};
  uint8_t dma_bytes = 0;  ///< 6 bits
  bool irq = false;
  bool idle = false;
  uint64_t wake_at = kNoDeadline;
  bool operator==(const Outputs&) const = default;
};

/// A deliberate difference for the lockstep test (test-only; never set in normal use):
/// the twin behaves wrongly from the `after`-th occurrence of `kind` on.
struct TwinFault {
  enum class Kind : uint8_t {
    kNone,
    kNotifyMaskDropsLowest,  ///< a multicast NOTIFY loses the lowest CPU of its mask
    kReadDataFlipsBit0,      ///< an MMIO read returns its value with bit 0 flipped
  };
  Kind kind = Kind::kNone;
  uint64_t after = 0;  ///< occurrences of `kind` that stay correct before the fault
};

class RtlWaves;

struct Params {
  uint32_t lit_entries = 16;  ///< LIT_ENTRIES (ne.yaml default)
  uint32_t rit_entries = 16;  ///< RIT_ENTRIES
  TwinFault twin_fault;       ///< test-only
  /// make_rtl: the model built with Verilator's FST tracing, which attach_waves() needs
  /// and which is slower (docs/waves.md). Default tables only; other sizes are untraced.
  bool traced = false;
};

class Core {
 public:
  virtual ~Core() = default;
  /// "twin", "rtl" or "lockstep".
  virtual std::string name() const = 0;
  /// One clock cycle (see the file comment). The reference stays valid until the next call.
  virtual const Outputs& cycle(const Inputs& in) = 0;
  /// Puts the core's RTL signals into `w` (rtl_waves.h); false when it has none (the twin,
  /// an RTL core made without Params::traced).
  virtual bool attach_waves(RtlWaves& w) {
    (void)w;
    return false;
  }
};

/// Thrown by the lockstep core at the first cycle whose outputs differ. what() is the
/// one-screen report: the cycle (`now`), each differing port with both values, and
/// the inputs of that cycle.
class LockstepMismatch : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The behavioural twin (hw/src/ne/): the same transactions on the same cycles as the RTL.
std::unique_ptr<Core> make_twin(const Params& p);
/// The Verilated RTL (library shadowsel_ne_rtl). Only the default table sizes are built
/// in; other sizes throw std::invalid_argument. `instance` names the model (its scope in
/// waveforms); empty: ne_top_N, N counting the cores made.
std::unique_ptr<Core> make_rtl(const Params& p, const std::string& instance = "");
/// Drives `reference` and `twin` with the same inputs; throws LockstepMismatch when their
/// outputs differ (payloads compared only while their valid is high).
std::unique_ptr<Core> make_lockstep(std::unique_ptr<Core> reference, std::unique_ptr<Core> twin);

}  // namespace shadowsel::ne
