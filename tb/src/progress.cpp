// SPDX-License-Identifier: MIT
#include "shadowsel/tb/progress.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

namespace shadowsel::tb {

bool Progress::wanted(int fd) {
  const char* term = std::getenv("TERM");
  return ::isatty(fd) == 1 && !(term != nullptr && std::strcmp(term, "dumb") == 0);
}

std::string Progress::line(uint64_t cycles, uint64_t max_cycles, double mcycles_per_wall_s) {
  std::string share;
  if (max_cycles != 0) share = fmt::format(" ({:.1f}% of --max-cycles)", 100.0 * double(cycles) / double(max_cycles));
  return fmt::format("shadowsel: {} cycles simulated{}, {:.2f} M cycles per wall second", cycles, share,
                     mcycles_per_wall_s);
}

Progress::Progress(std::FILE* out, uint64_t max_cycles, Clock::time_point start)
    : out_(out), max_cycles_(max_cycles), start_(start) {}

void Progress::update(uint64_t cycles, Clock::time_point now) {
  if (now - start_ < kFirstAfter || (drawn_ != 0 && now - last_ < kEvery)) return;
  draw(cycles, now);
}

void Progress::finish(uint64_t cycles, Clock::time_point now) {
  if (drawn_ == 0) return;
  draw(cycles, now);
  std::fputc('\n', out_);
  std::fflush(out_);
}

void Progress::draw(uint64_t cycles, Clock::time_point now) {
  const double s = std::chrono::duration<double>(now - start_).count();
  std::string text = line(cycles, max_cycles_, s > 0 ? double(cycles) / s / 1e6 : 0.0);
  const size_t width = text.size();
  // '\r' alone does not erase: spaces cover what a longer previous line left.
  if (width < width_) text.append(width_ - width, ' ');
  width_ = width;
  std::fputc('\r', out_);
  std::fputs(text.c_str(), out_);
  std::fflush(out_);
  last_ = now;
  ++drawn_;
}

}  // namespace shadowsel::tb
