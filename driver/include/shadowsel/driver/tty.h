// SPDX-License-Identifier: MIT
// TTYs (docs/ttys.md): the real TTY lines live in the telnet I/O process of the first
// I/O CPU (firmware/telnet_io.h): input queue, canonical-mode line assembly, termios,
// output, and the remote interest table. A description of /dev/ttyN on any CPU holds
// only the line's (owner, id); every read, write, tcgetattr and tcsetattr is a request
// to the telnet I/O process through this CPU's TTY agent, and select/poll ask it for
// readiness to read (a TTY is always writable: the line takes all output).
#pragma once

#include <termios.h>

#include <cstdint>
#include <span>
#include <vector>

#include "shadowsel/driver/posix_kernel.h"
#include "shadowsel/driver/socket.h"

namespace shadowsel::drv {

/// Lines of the telnet I/O process when the scenario does not say ([tty] lines).
constexpr uint32_t kDefaultTtyLines = 4;
/// Most lines a machine may have.
constexpr uint32_t kMaxTtyLines = 256;
/// Linux's N_TTY_BUF_SIZE: a line's input queue holds at most this many bytes.
constexpr uint32_t kTtyInputMax = 4096;

/// The object id of TTY line `line` at its owner.
constexpr uint32_t tty_object(uint32_t line) { return kTtyObjectBit | line; }
constexpr uint32_t tty_line(uint32_t object) { return object & ~kTtyObjectBit; }

/// Operations at a TTY line (AgentMsg::kOp to the TTY agent, forwarded to the telnet
/// I/O process). Fields after (owner u32, id u32):
enum class TtyOp : uint8_t {
  kRead = 1,     ///< max u32 (> 0). ret: bytes, or -EAGAIN when nothing is readable; data: the bytes
  kWrite = 2,    ///< data. ret: bytes taken (all)
  kGetAttr = 3,  ///< ret 0; data: struct termios
  kSetAttr = 4,  ///< action i32 (TCSANOW, TCSADRAIN, TCSAFLUSH), struct termios. ret 0
};

/// A new line's termios: Linux's tty_std_termios (ICANON and ECHO on).
struct ::termios default_termios();

/// One request to a TTY line's telnet I/O process through this CPU's TTY agent.
using TtyReply = OpReply;
inline TtyReply tty_call(PosixKernel& px, Process& self, uint32_t owner, uint32_t id, TtyOp op,
                         std::span<const uint8_t> fields = {}) {
  return agent_call(px, self, kTtyAgentPort, static_cast<uint8_t>(op), owner, id, fields);
}

}  // namespace shadowsel::drv
