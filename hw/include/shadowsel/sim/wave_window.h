// SPDX-License-Identifier: MIT
// The cycles a waveform covers (--waves-from, --waves-to) and its time axis, shared by the
// machine's waveform (sim::Waves) and the RTL's (ne::RtlWaves) so that both files have one
// time base (docs/waves.md): the timescale is 1 ps, time 0 is cycle 0 and cycle c starts at
// floor(c * 1e12 / hz) ps, the simulated time at the run's clock frequency. Without
// SystemC or Verilator.
#pragma once

#include <cstdint>
#include <string>

#include "shadowsel/hw/clock.h"

namespace shadowsel::sim {

struct WaveWindow {
  uint64_t from = 0;                 ///< first cycle written
  uint64_t to = hw::kLastCycle;      ///< last cycle written (inclusive)
  uint64_t hz = 500'000'000;         ///< clock frequency (hw::hz_from_mhz)

  bool contains(uint64_t cycle) const { return cycle >= from && cycle <= to; }
  /// The start of `cycle` on the time axis, in ps.
  uint64_t ps(uint64_t cycle) const { return halves_ps(2 * static_cast<unsigned __int128>(cycle)); }
  /// The middle of `cycle` (where the RTL's rising edge is drawn), in ps.
  uint64_t mid_ps(uint64_t cycle) const { return halves_ps(2 * static_cast<unsigned __int128>(cycle) + 1); }

 private:
  uint64_t halves_ps(unsigned __int128 halves) const {
    return static_cast<uint64_t>(halves * 1'000'000'000'000ull / (2 * static_cast<unsigned __int128>(hz)));
  }
};

/// The file the RTL's waveform goes to beside the machine's `path`: its name with ".fst"
/// replaced by (or, without it, followed by) ".rtl.fst".
inline std::string rtl_waves_path(const std::string& path) {
  const std::string ext = ".fst";
  const bool has = path.size() > ext.size() && path.compare(path.size() - ext.size(), ext.size(), ext) == 0;
  return (has ? path.substr(0, path.size() - ext.size()) : path) + ".rtl.fst";
}

}  // namespace shadowsel::sim
