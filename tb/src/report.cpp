// SPDX-License-Identifier: MIT
#include "shadowsel/tb/report.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <string_view>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "shadowsel/driver/membership.h"
#include "shadowsel/driver/msg.h"
#include "shadowsel/firmware/agent.h"
#include "shadowsel/hw/clock.h"
#include "shadowsel/hw/frame.h"
#include "shadowsel/tb/config.h"

namespace shadowsel::tb {
namespace {

// Which CPUs liveness declared down, when (the first survivor's cycle), by whom and by
// how many survivors; and which CPUs halted themselves (docs/faults.md, Liveness).
// What the survivors did about the CPUs declared down (docs/faults.md, "What a failure
// does to the survivors"): operations on the dead CPUs' objects by what they ended
// with, select items woken, children reported killed, objects released at owners.
std::string survivors(Simulation& sim) {
  auto& st = sim.stats();
  std::map<std::string, double> ended;
  double woken = 0, children = 0, released = 0;
  for (uint32_t i = 0; i < sim.cpus(); ++i) {
    const std::string c = fmt::format("cpu.{}.", i);
    for (const char* kind : {"pipe", "fifo", "socket", "tty"}) {
      const std::string a = c + "agent." + kind + ".";
      for (size_t r = 0; r < static_cast<size_t>(fw::OwnerDownResult::kCount); ++r) {
        const char* name = fw::name(static_cast<fw::OwnerDownResult>(r));
        if (std::string_view(name) != "none") ended[name] += st.value(a + "owner_down." + name);
      }
      woken += st.value(a + "waiters_woken_owner_down");
      released += st.value(a + "holders_released");
    }
    if (sim.engine(i)) woken += st.value(c + "ne_driver.node_down_wakes");
    if (sim.services(i).net) released += st.value(c + "net_io.sockets_released_cpu_down");
    children += st.value(c + "posix.children_lost");
  }
  std::string by;
  for (const auto& [name, n] : ended) {
    if (n > 0) by += fmt::format("{}{} {:.0f}", by.empty() ? "" : ", ", name, n);
  }
  return fmt::format("survivors   operations ended: {}; select items woken {:.0f}; children killed with their CPU "
                     "{:.0f}; objects released at their owners {:.0f}\n",
                     by.empty() ? "none" : by, woken, children, released);
}

std::string declared_down(Simulation& sim) {
  std::string out;
  for (uint32_t d = 0; d < sim.cpus(); ++d) {
    uint64_t first = 0;
    uint32_t count = 0;
    std::string by;
    for (uint32_t i = 0; i < sim.cpus(); ++i) {
      const drv::Membership& m = sim.kernel(i).membership();
      if (i == d || m.up(d)) continue;
      if (count++ == 0 || m.declared_at(d) < first) first = m.declared_at(d), by = m.declared_by(d);
    }
    if (count)
      out += fmt::format("{}cpu {} declared down at cycle {} by {} CPU{} ({})", out.empty() ? "" : ", ", d, first,
                         count, count == 1 ? "" : "s", by);
  }
  for (uint32_t i = 0; i < sim.cpus(); ++i) {
    const fw::Liveness& l = sim.services(i).liveness;
    if (!l.halt_reason().empty())
      out += fmt::format("{}cpu {} halted itself at cycle {}: {}", out.empty() ? "" : ", ", i,
                         l.counters().last_round_at, l.halt_reason());
  }
  return out;
}

// Writes `text` to `p` with every error checked, close() included (a full
// disk may only tell at close).
void write_file(const std::filesystem::path& p, const std::string& text) {
  auto fail = [&](int err) { return std::runtime_error(fmt::format("{}: cannot write: {}", p.string(), std::strerror(err))); };
  const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NONBLOCK, 0644);
  if (fd < 0) throw fail(errno);
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : EIO;
      ::close(fd);
      throw fail(err);
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) throw fail(errno);
}

const char* end_name(RunResult::End e) {
  switch (e) {
    case RunResult::End::kFinished: return "finished";
    case RunResult::End::kCycleLimit: return "cycle_limit";
    case RunResult::End::kStalled: return "stalled";
    case RunResult::End::kFailed: return "failed";
    case RunResult::End::kLockstepMismatch: return "lockstep_mismatch";
  }
  return "?";
}

}  // namespace

std::string summary(Simulation& sim, const RunResult& r) {
  const auto& s = sim.scenario();
  const double mhz = s.machine.freq_mhz;
  auto ns = [mhz](double cycles) { return hw::report_ns(cycles, mhz); };
  std::string out;
  out += fmt::format("shadowsel: {} ({}), {} CPUs, seed {}, notify {}, workload {}\n",
                     // a terminal must not take control characters of a name or path as commands
                     s.name.empty() ? "scenario" : printable(s.name, std::string::npos),
                     printable(s.source, std::string::npos), s.machine.cpus,
                     s.machine.seed, to_string(s.notify), s.workload.kind);
  out += fmt::format("simulated   {} cycles = {:.1f} us at {} MHz ({})\n", r.cycles,
                     ns(r.cycles) / 1000.0, mhz, end_name(r.end));
  auto& bus = sim.platform().bus();
  for (int lane = 0; lane < 2; ++lane) {
    const auto& c = bus.counters(lane);
    std::string types;
    for (auto t : hw::ipb::kAllPacketType) {
      const uint64_t n = c.by_type[static_cast<uint8_t>(t)];
      if (n) types += fmt::format(" {}={}", hw::ipb::to_string(t), n);
    }
    out += fmt::format(
        "bus {}       {} packets ({}), utilisation {:.1f}%, refused {}, aborted {}{}\n",
        lane == 0 ? 'X' : 'Y', c.transfers, types.empty() ? "none" : types.substr(1),
        r.cycles ? 100.0 * c.busy_cycles / r.cycles : 0.0, c.refused, c.aborted,
        bus.lane_up(lane) ? "" : ", DOWN");
  }
  uint64_t retries = 0, seq_errors = 0;
  uint64_t duplicates = 0;
  for (uint32_t i = 0; i < sim.cpus(); ++i) {
    retries += sim.platform().node(i).biu().counters().tx_retries;
    seq_errors += sim.platform().node(i).biu().counters().rx_seq_errors;
    duplicates += sim.platform().node(i).biu().counters().rx_duplicates;
  }
  out += fmt::format("retries     {} (receiver full), sequence errors {}, copies of taken frames discarded {}\n",
                     retries, seq_errors, duplicates);
  const std::string down = declared_down(sim);
  if (const std::string f = sim.faults().summary(); !f.empty()) {
    uint64_t crc = 0, lost = 0;
    for (uint32_t i = 0; i < sim.cpus(); ++i) {
      crc += sim.platform().node(i).biu().counters().rx_check_errors;
      lost += sim.platform().node(i).biu().counters().rx_discarded_dead;
    }
    out += fmt::format("faults      {}; CRC errors caught {}, frames lost at dead receivers {}{}\n", f, crc, lost,
                       down.empty() ? "" : "; " + down);
  } else if (!down.empty()) {
    out += fmt::format("liveness    {}\n", down);
  }
  if (!down.empty()) out += survivors(sim);
  if (s.network.io_backup_cpu) {
    // The network I/O process pair (docs/faults.md, "Process pair"): checkpoints, and
    // each takeover with what survived it.
    auto& st = sim.stats();
    double ckpts = 0, records = 0, moved = 0, reset = 0;
    std::string takeovers;
    for (uint32_t i = 0; i < sim.cpus(); ++i) {
      const std::string p = fmt::format("cpu.{}.net_io.", i), q = fmt::format("cpu.{}.posix.", i);
      ckpts += st.value(p + "checkpoints_sent");
      records += st.value(p + "checkpoint_entries_sent");
      moved += st.value(q + "sockets_moved");
      reset += st.value(q + "shadows_reset");
      if (st.value(p + "takeovers") > 0)
        takeovers += fmt::format("{}cpu {} at cycle {:.0f} ({:.0f} sockets survived)", takeovers.empty() ? "" : ", ", i,
                                 st.value(p + "takeover_at"), st.value(p + "sockets_survived"));
    }
    out += fmt::format("io pair     primary cpu {}, backup cpu {}; {:.0f} checkpoints ({:.0f} records); takeovers: {}; "
                       "shadows moved {:.0f}, reset {:.0f}\n",
                       s.network.io_cpus.front(), *s.network.io_backup_cpu, ckpts, records,
                       takeovers.empty() ? "none" : takeovers, moved, reset);
  }
  if (sim.engine(0)) {
    hw::NotifyEngineCounters t;
    for (uint32_t i = 0; i < sim.cpus(); ++i) {
      const auto& c = sim.engine(i)->counters();
      t.cycles_clocked += c.cycles_clocked;
      t.tx_packets += c.tx_packets;
      t.rx_packets += c.rx_packets;
      t.dma_writes += c.dma_writes;
      t.irq_raised += c.irq_raised;
      t.mmio_reads += c.mmio_reads;
      t.mmio_writes += c.mmio_writes;
    }
    out += fmt::format("engines     {} ({}): {} cycles clocked, {} register accesses, {} packets sent, "
                       "{} taken, {} records, {} interrupts\n",
                       sim.cpus(), sim.engine(0)->core().name(), t.cycles_clocked,
                       t.mmio_reads + t.mmio_writes, t.tx_packets, t.rx_packets, t.dma_writes,
                       t.irq_raised);
  }
  const auto& lat = sim.recorder().message_latency();
  out += fmt::format("messages    {} delivered, latency p50 {} cycles ({:.0f} ns), p99 {} cycles ({:.0f} ns)\n",
                     lat.count(), lat.percentile(50), ns(lat.percentile(50)), lat.percentile(99),
                     ns(lat.percentile(99)));
  const auto& remote = sim.recorder().remote_wake_latency();
  const auto& local = sim.recorder().local_wake_latency();
  if (remote.count() || local.count()) {
    auto& st = sim.stats();
    out += fmt::format("select      remote wake p50 {} p99 {} cycles ({} wakes); local wake p50 {} p99 {} cycles ({} wakes)\n",
                       remote.percentile(50), remote.percentile(99), remote.count(),
                       local.percentile(50), local.percentile(99), local.count());
    out += fmt::format("agents      {:.0f} requests sent, {:.0f} suppressed, {:.0f} notifications; "
                       "{:.0f} agent cycles per notification\n",
                       st.value("select.requests_sent"), st.value("select.requests_suppressed"),
                       st.value("select.notifications"), st.value("select.agent_cycles_per_notification"));
    if (sim.engine(0)) {
      out += fmt::format("ne driver   {:.0f} requests sent, {:.0f} suppressed, {:.0f} notifications, {:.0f} "
                         "fallbacks to the agents; {:.0f} driver cycles per notification\n",
                         st.value("select.ne.requests_sent"), st.value("select.ne.requests_suppressed"),
                         st.value("select.ne.notifications"), st.value("select.ne.full_fallbacks"),
                         st.value("select.ne.driver_cycles_per_notification"));
    }
  }
  if (Network* net = sim.network()) {
    // What the hosts sent and got back, and the link (docs/network.md).
    const NetworkCounters& c = net->counters();
    const auto& rtt = net->round_trips();
    out += fmt::format("hosts       {} of {} done, {} requests sent ({} bytes), {} replies checked ({} bytes), {} "
                       "lost, {} connect failures; round trip p50 {} p99 {} cycles\n",
                       c.hosts_done, s.hosts.count, c.requests_sent, c.bytes_sent, c.replies_received,
                       c.bytes_received, c.datagrams_lost, c.connect_failures, rtt.percentile(50),
                       rtt.percentile(99));
    const double cyc = r.cycles ? double(r.cycles) : 1.0;
    out += fmt::format("link        to node {} frames ({} bytes), to hosts {} frames ({} bytes); busy {:.1f}% and "
                       "{:.1f}%\n",
                       c.to_node_frames, c.to_node_bytes, c.to_hosts_frames, c.to_hosts_bytes,
                       100.0 * double(c.to_node_busy_cycles) / cyc, 100.0 * double(c.to_hosts_busy_cycles) / cyc);
  }
  if (s.workload.kind == "socket_server" || s.workload.kind == "net_server") {
    // What the server did, and how the network I/O processes carried it (docs/scenarios.md).
    auto& st = sim.stats();
    const bool remote = s.workload.kind == "net_server";  // the hosts read and check the replies
    const double want =
        remote ? double(s.hosts.count) * s.hosts.messages : double(s.workload.clients) * s.workload.messages;
    const bool all = st.value("workload.requests") == want && (remote || st.value("workload.replies") == want);
    const std::string replies = remote ? "replies checked by the hosts"
                                       : fmt::format("{:.0f} replies read ({:.0f} bytes)", st.value("workload.replies"),
                                                     st.value("workload.reply_bytes"));
    out += fmt::format("sockets     {:.0f} connections, {:.0f} requests read ({:.0f} bytes), {}, {:.0f} reader turns; "
                       "{}\n",
                       st.value("workload.connections"), st.value("workload.requests"),
                       st.value("workload.request_bytes"), replies, st.value("workload.reader_switches"),
                       all ? "every byte checked" : fmt::format("{:.0f} of each expected", want));
    for (uint32_t cpu : s.network.io_cpus) {
      const std::string p = fmt::format("cpu.{}.net_io.", cpu);
      out += fmt::format("net_io {:<4} {:.0f} ops, {:.0f} pushes ({:.0f} bytes), {:.0f} held reads, {:.0f} to "
                         "contention, {:.0f} to forwarding, {:.0f} bytes reclaimed\n",
                         cpu, st.value(p + "ops"), st.value(p + "pushes"), st.value(p + "forwarded_bytes"),
                         st.value(p + "held_reads"), st.value(p + "to_contention"), st.value(p + "to_forwarding"),
                         st.value(p + "reclaimed_bytes"));
    }
  }
  if (s.workload.kind == "tty_echo") {
    // What the readers did, and how the telnet I/O process served them (docs/ttys.md).
    auto& st = sim.stats();
    const std::string p = fmt::format("cpu.{}.telnet_io.", s.network.io_cpus.front());
    out += fmt::format("ttys        {:.0f} lines read ({:.0f} bytes), {:.0f} replies, {:.0f} reads found the line "
                       "taken; telnet_io {:.0f} ops, {:.0f} answers, {:.0f} notifications\n",
                       st.value("workload.lines"), st.value("workload.line_bytes"), st.value("workload.replies"),
                       st.value("workload.empty_reads"), st.value(p + "ops"), st.value(p + "answers_sent"),
                       st.value(p + "notifications_sent"));
  }
  uint64_t undeliverable = 0, deferred = 0;
  for (uint32_t i = 0; i < sim.cpus(); ++i) {
    undeliverable += sim.kernel(i).msg().counters().undeliverable;
    deferred += sim.kernel(i).msg().counters().rx_deferred;
  }
  if (deferred) {  // flow control at work (docs/messages.md): slower, nothing lost
    out += fmt::format("flow        {} message starts refused for lack of receive-pool memory, sent again "
                       "(cpu.N.msg.rx_deferred)\n", deferred);
  }
  if (undeliverable) {
    out += fmt::format("WARNING     {} messages dropped: no process owns the port (cpu.N.msg.undeliverable)\n", undeliverable);
  }
  const double rate = r.wall_s > 0 ? r.cycles / r.wall_s / 1e6 : 0.0;
  out += fmt::format("wall        {:.3f} s, {:.2f} M simulated cycles per wall second\n", r.wall_s,
                     rate);
  if (r.end != RunResult::End::kFinished) out += fmt::format("NOT FINISHED: {}\n", r.detail);
  return out;
}

namespace {

// ttyN.txt, N decimal without leading zeros (the names tty_outputs gives)
bool is_tty_output_name(std::string_view name) {
  if (!name.starts_with("tty") || !name.ends_with(".txt")) return false;
  const std::string_view n = name.substr(3, name.size() - 7);
  if (n.empty() || (n.size() > 1 && n[0] == '0')) return false;
  return n.find_first_not_of("0123456789") == std::string_view::npos;
}

}  // namespace

void discard_output_file(const std::string& path) {
  struct stat st{};
  if (lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) std::remove(path.c_str());
}

void prepare_output_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  // create_directories gives no error for an existing non-folder on every
  // library version: check what is there.
  if (ec) throw std::runtime_error(fmt::format("{}: cannot create: {}", dir, ec.message()));
  if (!fs::is_directory(dir, ec)) throw std::runtime_error(fmt::format("{}: not a folder", dir));
  // Probe: create, write and remove a file, as the outputs will (a read-only
  // or full file system, /proc, lack of permission).
  std::string probe = (fs::path(dir) / ".shadowsel-probe-XXXXXX").string();
  const int fd = ::mkstemp(probe.data());
  if (fd < 0) throw std::runtime_error(fmt::format("{}: cannot write: {}", dir, std::strerror(errno)));
  const bool wrote = ::write(fd, "{}\n", 3) == 3;
  const int err = errno;
  const bool closed = ::close(fd) == 0;
  const int close_err = errno;
  ::unlink(probe.c_str());
  if (!wrote) throw std::runtime_error(fmt::format("{}: cannot write: {}", dir, std::strerror(err)));
  if (!closed) throw std::runtime_error(fmt::format("{}: cannot write: {}", dir, std::strerror(close_err)));
}

void write_config(const Scenario& s, uint64_t max_cycles, const std::string& dir) {
  // An earlier run's outputs go first: a run killed before its end would otherwise
  // leave its config.json beside the stats of another scenario, and a run with fewer
  // TTY lines would leave the earlier run's ttyN.txt beside its own.
  namespace fs = std::filesystem;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name == "stats.json" || name == "run.json" || is_tty_output_name(name)) discard_output_file(e.path().string());
  }
  write_file(std::filesystem::path(dir) / "config.json", config_json(s, max_cycles).dump(2) + "\n");
}

std::vector<std::string> tty_outputs(Simulation& sim) {
  std::vector<std::string> out;
  if (const fw::TelnetIo* t = sim.telnet()) {
    for (uint32_t i = 0; i < t->lines(); ++i) {
      if (t->used(i)) out.push_back(fmt::format("tty{}.txt", i));
    }
  }
  return out;
}

void write_outputs(Simulation& sim, const RunResult& r, const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw std::runtime_error(dir + ": cannot create: " + ec.message());
  const auto& s = sim.scenario();

  nlohmann::ordered_json stats;
  stats["schema_version"] = kStatsSchemaVersion;
  stats["scenario"] = {{"name", s.name},       {"cpus", s.machine.cpus},
                       {"seed", s.machine.seed}, {"notify", to_string(s.notify)},
                       {"workload", s.workload.kind}};
  stats["end"] = end_name(r.end);
  stats["stats"] = sim.stats().to_json();
  write_file(fs::path(dir) / "stats.json", stats.dump(2) + "\n");

  nlohmann::ordered_json run;
  run["wall_s"] = r.wall_s;
  run["sim_cycles"] = r.cycles;
  run["sim_mcycles_per_wall_s"] = r.wall_s > 0 ? r.cycles / r.wall_s / 1e6 : 0.0;
  run["activations"] = r.activations;
  write_file(fs::path(dir) / "run.json", run.dump(2) + "\n");
  // What each used TTY line's terminal received (output and echo), byte for byte.
  for (const std::string& name : tty_outputs(sim)) {
    const uint32_t line = static_cast<uint32_t>(std::stoul(name.substr(3)));
    write_file(fs::path(dir) / name, sim.telnet()->output(line));
  }
}

}  // namespace shadowsel::tb
