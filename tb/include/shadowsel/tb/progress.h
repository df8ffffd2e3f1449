// SPDX-License-Identifier: MIT
// The progress line of a long run on stderr (README, "Progress"): simulated
// cycles, the share of --max-cycles, simulated Mcycles per wall second, redrawn
// in place with '\r' at most 10 times a second, and ended with a newline.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace shadowsel::tb {

class Progress {
 public:
  using Clock = std::chrono::steady_clock;
  /// No line before a run has taken this long: short runs print nothing.
  static constexpr std::chrono::milliseconds kFirstAfter{500};
  /// At most 10 lines a second.
  static constexpr std::chrono::milliseconds kEvery{100};

  /// Whether the line belongs on `fd`: a terminal whose TERM is not "dumb"
  /// (tqdm's and gem5's rule; a pipe or a file gets nothing).
  static bool wanted(int fd);
  /// The text of one line, without '\r'.
  static std::string line(uint64_t cycles, uint64_t max_cycles, double mcycles_per_wall_s);

  /// Draws on `out`; `max_cycles` 0: no limit (no share shown).
  Progress(std::FILE* out, uint64_t max_cycles, Clock::time_point start = Clock::now());
  /// The run is at `cycles` at wall time `now`: redraws if the line is due.
  void update(uint64_t cycles, Clock::time_point now = Clock::now());
  /// The run ended at `cycles`: the last figures and a newline, if a line was drawn.
  void finish(uint64_t cycles, Clock::time_point now = Clock::now());
  /// Lines drawn so far.
  uint64_t drawn() const { return drawn_; }

 private:
  void draw(uint64_t cycles, Clock::time_point now);

  std::FILE* out_;
  uint64_t max_cycles_;
  Clock::time_point start_;
  Clock::time_point last_{};
  size_t width_ = 0;  // of the last line: a shorter one is padded to cover it
  uint64_t drawn_ = 0;
};

}  // namespace shadowsel::tb
