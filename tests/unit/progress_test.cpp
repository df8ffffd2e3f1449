// SPDX-License-Identifier: MIT
// The progress line (tb/progress.h) on a file, with a fake clock: when it draws,
// what it says, how it ends. The terminal itself is tested end to end in
// tests/cli/cli_test.cpp (a pseudo-terminal).
#include <cstdio>
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "shadowsel/tb/progress.h"

namespace shadowsel::tb {
namespace {

using Clock = Progress::Clock;
using std::chrono::milliseconds;

// What the Progress wrote, through a temporary file.
class Captured {
 public:
  Captured() : f_(std::tmpfile()) {}
  ~Captured() { std::fclose(f_); }
  std::FILE* file() { return f_; }
  std::string text() {
    std::fflush(f_);
    std::string out;
    std::rewind(f_);
    for (int c; (c = std::fgetc(f_)) != EOF;) out += static_cast<char>(c);
    return out;
  }

 private:
  std::FILE* f_;
};

TEST(ProgressLine, SaysCyclesShareAndSpeed) {
  EXPECT_EQ(Progress::line(1500000, 0, 12.345), "shadowsel: 1500000 cycles simulated, 12.35 M cycles per wall second");
  EXPECT_EQ(Progress::line(250, 1000, 0.5),
            "shadowsel: 250 cycles simulated (25.0% of --max-cycles), 0.50 M cycles per wall second");
}

TEST(Progress, ShortRunDrawsNothing) {
  Captured out;
  const Clock::time_point t0{};
  Progress p(out.file(), 0, t0);
  p.update(100, t0 + milliseconds(10));
  p.update(200, t0 + Progress::kFirstAfter - milliseconds(1));
  p.finish(300, t0 + Progress::kFirstAfter - milliseconds(1));
  EXPECT_EQ(out.text(), "");
  EXPECT_EQ(p.drawn(), 0u);
}

TEST(Progress, RedrawsInPlaceAtMostTenTimesASecondAndEndsWithANewline) {
  Captured out;
  const Clock::time_point t0{};
  Progress p(out.file(), 4000000000, t0);
  // Every millisecond for two seconds after the first draw: at most 10 a second.
  for (int ms = 500; ms <= 2500; ++ms) p.update(uint64_t(ms) * 1000000, t0 + milliseconds(ms));
  EXPECT_GE(p.drawn(), 20u);
  EXPECT_LE(p.drawn(), 21u);
  p.finish(2600000000, t0 + milliseconds(2600));
  const std::string text = out.text();
  EXPECT_EQ(text.front(), '\r');
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << "one line, redrawn";
  EXPECT_EQ(uint64_t(std::count(text.begin(), text.end(), '\r')), p.drawn());
  // The last redraw: 2.6e9 cycles in 2.6 s, 65 % of the limit.
  const std::string last = text.substr(text.rfind('\r') + 1);
  EXPECT_EQ(last, Progress::line(2600000000, 4000000000, 1000.0) + "\n");
}

TEST(Progress, ShorterLineCoversTheLongerOne) {
  Captured out;
  const Clock::time_point t0{};
  Progress p(out.file(), 0, t0);
  p.update(1234567890, t0 + milliseconds(600));  // a long number, slow: 2057.61 M/s
  p.update(5, t0 + milliseconds(5000));            // shorter
  const std::string text = out.text();
  const size_t second = text.rfind('\r');
  EXPECT_EQ(text.size() - second, second) << "the second line is padded to the first's width";
}

TEST(Progress, WantedOnlyOnATerminalThatIsNotDumb) {
  EXPECT_FALSE(Progress::wanted(-1));
  Captured out;
  EXPECT_FALSE(Progress::wanted(fileno(out.file()))) << "a file is no terminal";
}

}  // namespace
}  // namespace shadowsel::tb
