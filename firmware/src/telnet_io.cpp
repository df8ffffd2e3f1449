// SPDX-License-Identifier: MIT
#include "shadowsel/firmware/telnet_io.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "shadowsel/driver/agent_protocol.h"
#include "shadowsel/driver/filesystem.h"
#include "shadowsel/driver/kernel.h"
#include "shadowsel/driver/tty.h"
#include "shadowsel/hw/time.h"
#include "shadowsel/hw/time.h"

namespace shadowsel::fw {

using drv::AgentMsg;
using drv::TtyOp;
using drv::WireReader;
using drv::WireWriter;

TelnetIo::TelnetIo(drv::PosixKernel& px, uint32_t lines)
    : px_(px),
      lines_(lines),
      line_input_(px, drv::kTelnetLinePort, "telnet-line", drv::kTelnetIoPort),
      interest_(px, drv::kTtyAgentPort, &c_.answers_sent, &c_.notifications_sent) {
  if (lines > drv::kMaxTtyLines) throw std::invalid_argument("telnet-io: too many TTY lines");
  for (uint32_t i = 0; i < lines; ++i) {
    lines_[i].t = drv::default_termios();
    auto node = std::make_shared<drv::FsNode>();
    node->type = drv::FsNode::Type::kTty;
    node->home_cpu = px_.kernel().cpu();
    node->pipe_id = drv::tty_object(i);
    if (px_.fs().create("/dev/tty" + std::to_string(i), node) < 0) {
      throw std::logic_error("telnet-io: /dev/tty" + std::to_string(i) + " exists already");
    }
  }
  px_.set_io_owner(drv::kTtyObjectBit, this);
}

TelnetIo::~TelnetIo() { px_.set_io_owner(drv::kTtyObjectBit, nullptr); }

void TelnetIo::start() {
  process_ = &px_.kernel().spawn_service(drv::kTelnetIoPort, "telnet-io", [this](drv::Process& self) { run(self); });
  line_input_.start();
}

void TelnetIo::type_at(uint32_t line, uint64_t at, std::string text) {
  if (line >= lines()) throw std::invalid_argument("telnet-io: no TTY line " + std::to_string(line));
  WireWriter w;
  w.put(AgentMsg::kTtyInput).put(line);
  w.bytes(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  line_input_.post_at(at, w.data());
}

void TelnetIo::type_after(uint32_t line, std::string after, uint64_t delay, std::string text) {
  if (line >= lines()) throw std::invalid_argument("telnet-io: no TTY line " + std::to_string(line));
  if (after.empty()) throw std::invalid_argument("telnet-io: an input must wait for some text");
  lines_[line].expects.push_back(Line::Expect{std::move(after), delay, std::move(text)});
}

void TelnetIo::react(uint32_t line, Line& l) {
  while (!l.expects.empty()) {
    const Line::Expect& e = l.expects.front();
    const size_t at = l.output.find(e.after, l.matched_to);
    if (at == std::string::npos) return;
    l.matched_to = at + e.after.size();
    type_at(line, hw::now_cycles() + e.delay, e.text);
    l.expects.pop_front();
  }
}

uint64_t TelnetIo::cpu_cycles() const { return process_ ? process_->cpu_cycles() : 0; }

void TelnetIo::step() { px_.kernel().execute(px_.kernel().costs().fd_check); }

void TelnetIo::run(drv::Process& self) {
  for (;;) handle(self, self.receive());
}

TelnetIo::Line* TelnetIo::find(uint32_t id) {
  if (!drv::is_tty_object(id) || drv::tty_line(id) >= lines()) return nullptr;
  return &lines_[drv::tty_line(id)];
}

void TelnetIo::handle(drv::Process& self, const drv::Message& m) {
  WireReader r(m.data);
  const auto kind = r.get<AgentMsg>();
  switch (kind) {
    case AgentMsg::kRemoteOp:
      on_op(self, m.data);
      return;
    case AgentMsg::kSubscribe:
    case AgentMsg::kWatchAdd: {
      const drv::SelectKey k = drv::get_key(r);
      const uint32_t from = r.get<uint32_t>();
      step();
      const Line* l = find(k.object);
      if (!l) throw std::logic_error("telnet-io: subscribe for a TTY line that does not exist");
      interest_.ask(self, k, from, state_of(*l), kind == AgentMsg::kWatchAdd);
      return;
    }
    case AgentMsg::kWatchDrop: {
      const drv::SelectKey k = drv::get_key(r);
      step();
      interest_.unwatch(k, r.get<uint32_t>());
      return;
    }
    case AgentMsg::kTtyInput:
      on_input(self, m.data);
      return;
    case AgentMsg::kCpuDown:
      // A line keeps no per-open state here (tty.h): only the dead CPU's interests go.
      interest_.forget_cpu(r.get<uint32_t>());
      ++c_.cpus_forgotten;
      return;
    default:
      throw std::logic_error("telnet-io: unexpected message kind " + std::to_string(static_cast<int>(kind)));
  }
}

// n_tty_poll(): readable when a read would return something (canonical mode: a whole
// line; else a byte); always writable (the terminal takes all output).
drv::ObjectState TelnetIo::state_of(const Line& l) const {
  drv::ObjectState st;
  st.kind = drv::ObjectState::Kind::kSocket;  // the owner's poll bits (docs/ttys.md)
  st.events = POLLOUT | POLLWRNORM;
  if (l.readable()) st.events |= POLLIN | POLLRDNORM;
  st.changed_at = l.changed_at;
  return st;
}

std::optional<drv::ObjectState> TelnetIo::object_state(uint32_t id) const {
  if (!drv::is_tty_object(id) || drv::tty_line(id) >= lines()) return std::nullopt;
  return state_of(lines_[drv::tty_line(id)]);
}

void TelnetIo::changed(drv::Process& self, uint32_t id, Line& l) {
  l.changed_at = hw::now_cycles();
  interest_.changed(self, id, state_of(l));
}

// n_tty_receive_buf(): each byte joins the input queue and is echoed when ECHO is on.
// The queue holds kTtyInputMax bytes; in canonical mode the last place is kept for the
// newline that ends the line (n_tty drops the other bytes, as here).
void TelnetIo::on_input(drv::Process& self, std::span<const uint8_t> body) {
  WireReader r(body);
  r.get<AgentMsg>();
  const uint32_t line = r.get<uint32_t>();
  const auto bytes = r.bytes();
  step();
  Line& l = lines_.at(line);
  const bool was_readable = l.readable();
  for (uint8_t b : bytes) {
    ++l.typed;
    const size_t room = drv::kTtyInputMax - (l.canonical() && b != '\n' ? 1 : 0);
    if (l.input.size() >= room) {
      ++l.dropped;
      continue;
    }
    l.input.push_back(b);
    l.newlines += b == '\n';
    if (l.t.c_lflag & ECHO) {
      l.output.push_back(static_cast<char>(b));
      ++l.echoed;
    }
  }
  px_.kernel().execute(px_.kernel().costs().copy(bytes.size()));
  if (!was_readable && l.readable()) changed(self, drv::tty_object(line), l);
  react(line, l);  // the echo may be what the terminal waits for
}

// n_tty_read() with VMIN = 1, VTIME = 0: canonical mode returns at most one line, up to
// and including its '\n' (the rest of a line longer than `max` stays for the next
// read); otherwise whatever is there, up to `max`. Nothing readable: EAGAIN (a blocking
// caller waits for readiness and asks again).
int64_t TelnetIo::op_read(Line& l, uint32_t max, std::vector<uint8_t>* data) {
  if (!l.readable()) {
    ++c_.empty_reads;
    return -EAGAIN;
  }
  size_t n = std::min<size_t>(max, l.input.size());
  if (l.canonical()) {
    const auto nl = std::find(l.input.begin(), l.input.end(), uint8_t{'\n'});
    n = std::min<size_t>(n, static_cast<size_t>(nl - l.input.begin()) + 1);
  }
  data->assign(l.input.begin(), l.input.begin() + static_cast<std::ptrdiff_t>(n));
  l.input.erase(l.input.begin(), l.input.begin() + static_cast<std::ptrdiff_t>(n));
  l.newlines -= static_cast<uint32_t>(std::count(data->begin(), data->end(), uint8_t{'\n'}));
  l.read += n;
  ++c_.reads;
  px_.kernel().execute(px_.kernel().costs().copy(n));
  return static_cast<int64_t>(n);
}

void TelnetIo::on_op(drv::Process& self, std::span<const uint8_t> body) {
  WireReader r(body);
  const drv::RemoteOpHead head = drv::get_remote_op(r);
  const uint64_t corr = head.corr;
  const uint32_t from = head.from, id = head.id;
  const auto op = static_cast<TtyOp>(head.op);
  ++c_.ops;
  step();
  Line* lp = find(id);
  if (!lp) throw std::logic_error("telnet-io: operation on a TTY line that does not exist");
  Line& l = *lp;
  int64_t ret = 0;
  std::vector<uint8_t> data;
  switch (op) {
    case TtyOp::kRead:
      ret = op_read(l, r.get<uint32_t>(), &data);
      break;
    case TtyOp::kWrite: {
      // No output processing (OPOST/ONLCR are kept, not applied; docs/ttys.md).
      const auto bytes = r.bytes();
      l.output.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
      l.written += bytes.size();
      px_.kernel().execute(px_.kernel().costs().copy(bytes.size()));
      ret = static_cast<int64_t>(bytes.size());
      react(drv::tty_line(id), l);
      break;
    }
    case TtyOp::kGetAttr:
      data.resize(sizeof l.t);
      std::memcpy(data.data(), &l.t, sizeof l.t);
      break;
    case TtyOp::kSetAttr: {
      const int action = r.get<int32_t>();
      const auto t = r.bytes();
      if (t.size() != sizeof l.t) throw std::logic_error("telnet-io: tcsetattr without a termios");
      const bool was_readable = l.readable();
      std::memcpy(&l.t, t.data(), sizeof l.t);
      if (action == TCSAFLUSH) {  // the input not yet read is discarded
        l.input.clear();
        l.newlines = 0;
      }
      // Switching ICANON changes what is readable: a partial line becomes readable in
      // raw mode, and stops being so back in canonical mode.
      if (l.readable() != was_readable) changed(self, id, l);
      break;
    }
    default:
      throw std::logic_error("telnet-io: unknown TTY operation " + std::to_string(static_cast<int>(op)));
  }
  self.post(drv::Address{from, drv::kTtyAgentPort}, drv::encode_remote_result(corr, ret, 0, data));
}

void TelnetIo::register_stats(sim::Stats& st) const {
  const std::string p = "cpu." + std::to_string(px_.kernel().cpu()) + ".telnet_io.";
  st.counter(p + "ops", &c_.ops, "operations", "TTY operations served");
  st.counter(p + "reads", &c_.reads, "reads", "reads that returned bytes");
  st.counter(p + "empty_reads", &c_.empty_reads, "reads", "reads that found nothing readable (EAGAIN)");
  st.counter(p + "answers_sent", &c_.answers_sent, "messages", "immediate answers to subscribes");
  st.counter(p + "notifications_sent", &c_.notifications_sent, "messages", "notifications of recorded interest");
  st.counter(p + "cpus_forgotten", &c_.cpus_forgotten, "cpus", "CPUs declared down whose interests were dropped");
  st.formula(p + "cpu_cycles", [this] { return static_cast<double>(cpu_cycles()); }, "cycles",
             "cycles the telnet I/O process held its CPU");
  for (uint32_t i = 0; i < lines(); ++i) {
    const std::string q = "tty." + std::to_string(i) + ".";
    const Line& l = lines_[i];
    st.counter(q + "typed_bytes", &l.typed, "bytes", "bytes typed on the line's terminal");
    st.counter(q + "dropped_bytes", &l.dropped, "bytes", "typed bytes dropped: the input queue was full");
    st.counter(q + "read_bytes", &l.read, "bytes", "bytes read from the line");
    st.counter(q + "written_bytes", &l.written, "bytes", "bytes written to the line");
    st.counter(q + "echoed_bytes", &l.echoed, "bytes", "typed bytes echoed to the terminal (ECHO)");
  }
}

}  // namespace shadowsel::fw
