// SPDX-License-Identifier: MIT
// The telnet I/O process (the seed's "Variations of Implementation for TTYs", claims 5-8:
// the remote end of a TTY is a continuously running I/O process): on port kTelnetIoPort
// of the first I/O CPU it owns every TTY line of the machine, /dev/tty0 .. /dev/ttyN-1:
// the input queue, canonical-mode line assembly, termios, echo, the output, and the
// remote interest table (which CPU waits for which line: step T10). Every TTY
// operation of any CPU reaches it as a message from that CPU's TTY agent.
//
// The terminal side of each line (the far end of a telnet connection) is the
// testbench's terminal model: it hands over the bytes typed and when (type_at), and a
// line process on the same CPU (port kTelnetLinePort) posts them to the telnet I/O
// process at that cycle, as a device's receive interrupt would; output written to a
// line is collected for the terminal (output()). docs/ttys.md.
#pragma once

#include <termios.h>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "shadowsel/driver/posix_kernel.h"
#include "shadowsel/driver/socket.h"
#include "shadowsel/driver/wire.h"
#include "shadowsel/firmware/deadline_poster.h"
#include "shadowsel/firmware/io_interest.h"
#include "shadowsel/sim/stats.h"

namespace shadowsel::fw {

struct TelnetIoCounters {
  uint64_t ops = 0;            ///< TTY operations served
  uint64_t reads = 0;          ///< reads that returned bytes
  uint64_t empty_reads = 0;    ///< reads that found nothing readable (EAGAIN)
  uint64_t answers_sent = 0;   ///< immediate answers to subscribes
  uint64_t notifications_sent = 0;  ///< notifications of recorded interest
  uint64_t cpus_forgotten = 0;  ///< CPUs declared down whose interests were dropped
};

class TelnetIo final : public drv::IoObjectOwner {
 public:
  /// Owns `lines` lines and names them /dev/tty0.. in the machine's file system.
  TelnetIo(drv::PosixKernel& px, uint32_t lines);
  ~TelnetIo() override;
  void start();
  /// The terminal of `line` types `text` at cycle `at`: the bytes reach this CPU then.
  void type_at(uint32_t line, uint64_t at, std::string text);
  /// The terminal of `line` types `text` `delay` cycles after its output shows `after`
  /// (as `expect` would): such inputs of a line wait in turn, each for its text in the
  /// output that follows the previous one's match.
  void type_after(uint32_t line, std::string after, uint64_t delay, std::string text);
  uint32_t lines() const { return static_cast<uint32_t>(lines_.size()); }
  /// Everything written to `line` (and echoed), as its terminal received it.
  const std::string& output(uint32_t line) const { return lines_.at(line).output; }
  /// Its terminal typed something or received output.
  bool used(uint32_t line) const { return lines_.at(line).typed || !lines_.at(line).output.empty(); }
  std::optional<drv::ObjectState> object_state(uint32_t id) const override;
  const TelnetIoCounters& counters() const { return c_; }
  uint64_t cpu_cycles() const;
  void register_stats(sim::Stats& s) const;

 private:
  struct Line {
    std::deque<uint8_t> input;  ///< typed, not yet read
    uint32_t newlines = 0;      ///< '\n' in input: complete lines for a canonical read
    struct ::termios t {};
    std::string output;
    uint64_t typed = 0, dropped = 0, read = 0, written = 0, echoed = 0;  ///< bytes
    uint64_t changed_at = 0;
    struct Expect {
      std::string after;
      uint64_t delay = 0;
      std::string text;
    };
    std::deque<Expect> expects;  ///< type_after() inputs not typed yet, in turn
    size_t matched_to = 0;       ///< the output before this has been matched
    bool canonical() const { return t.c_lflag & ICANON; }
    bool readable() const { return canonical() ? newlines > 0 : !input.empty(); }
  };

  void run(drv::Process& self);
  void handle(drv::Process& self, const drv::Message& m);
  void on_op(drv::Process& self, std::span<const uint8_t> body);
  void on_input(drv::Process& self, std::span<const uint8_t> body);
  /// Types the waiting type_after() inputs whose text the output now shows.
  void react(uint32_t line, Line& l);
  int64_t op_read(Line& l, uint32_t max, std::vector<uint8_t>* data);
  Line* find(uint32_t id);
  drv::ObjectState state_of(const Line& l) const;
  void changed(drv::Process& self, uint32_t id, Line& l);
  void step();  ///< charges one table lookup

  drv::PosixKernel& px_;
  std::vector<Line> lines_;
  drv::Process* process_ = nullptr;
  /// The receive side of the lines: posts what the terminals type at its cycle (kTtyInput).
  DeadlinePoster line_input_;
  TelnetIoCounters c_;
  IoInterest interest_;
};

}  // namespace shadowsel::fw
