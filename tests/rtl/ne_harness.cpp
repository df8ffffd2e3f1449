// SPDX-License-Identifier: MIT
#include "ne_harness.h"

#include <charconv>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>

#include "ne_rtl/ports.h"  // hw/src
#include "shadowsel/gen/ne.h"
#include "verilated.h"
#ifdef NE_TB_SMALL
#include "Vne_top_small.h"
#include "Vne_top_small___024root.h"
#else
#include "Vne_top.h"
#include "Vne_top___024root.h"
static_assert(ne_tb::kTbLitEntries == shadowsel::gen::ne::kLitEntries &&
              ne_tb::kTbRitEntries == shadowsel::gen::ne::kRitEntries);
#endif

namespace ne_tb {

namespace {

std::string fmt(const char* f, ...) __attribute__((format(printf, 1, 2)));
std::string fmt(const char* f, ...) {
  char buf[256];
  va_list ap;
  va_start(ap, f);
  std::vsnprintf(buf, sizeof buf, f, ap);
  va_end(ap);
  return buf;
}

}  // namespace

Harness::Harness(const std::string& stim_out, bool use_model)
    : ctx_(std::make_unique<VerilatedContext>()),
      top_(std::make_unique<NeTop>(ctx_.get(), "ne_top")),
      model_(kTbLitEntries, kTbRitEntries),
      use_model_(use_model) {
  if (!stim_out.empty()) {
    stim_.open(stim_out);
    if (!stim_) fail("cannot write " + stim_out);
    stim_ << "# ne_top stimulus and expected outputs (tests/rtl/ne_stim.md)\n";
  }
  top_->clk = 0;
  top_->tx_ready = 1;
  top_->dma_ready = 1;
  for (int i = 0; i < kResetCycles; ++i) tick();
}

Harness::Harness(std::unique_ptr<shadowsel::ne::Core> core)
    : core_(std::move(core)), model_(kTbLitEntries, kTbRitEntries), use_model_(false) {
  for (int i = 0; i < kResetCycles; ++i) tick();
}

Harness::~Harness() {
  if (!top_) return;
  // Verilator 5.006 erases the model's scopes from the thread's current context: make it
  // this model's (several harnesses may live at once).
  Verilated::threadContextp(ctx_.get());
  top_->final();
  top_.reset();
}

void Harness::fail(const std::string& what) {
  if (error_.empty()) error_ = what;
}

void Harness::record(const std::string& line) {
  if (stim_.is_open()) stim_ << line << '\n';
}

namespace {
Bytes16 payload16(const Bytes32& b) {
  Bytes16 p{};
  std::copy_n(b.begin(), p.size(), p.begin());
  return p;
}
Bytes32 widen(const Bytes16& p) {
  Bytes32 b{};
  std::copy(p.begin(), p.end(), b.begin());
  return b;
}
}  // namespace

std::string Harness::line(const Output& o) {
  switch (o.tag) {
    case 't':
      return fmt("t %" PRIu64 " %u %016" PRIx64 " %u ", o.cycle, static_cast<unsigned>(o.a), o.b,
                 static_cast<unsigned>(o.c)) +
             hex(payload16(o.data));
    case 'd':
      return fmt("d %" PRIu64 " %08x %u ", o.cycle, static_cast<unsigned>(o.a),
                 static_cast<unsigned>(o.b)) +
             hex(o.data);
    case 'r':
      return fmt("r %" PRIu64 " %08x", o.cycle, static_cast<unsigned>(o.a));
    case 'i':
      return fmt("i %" PRIu64 " %d", o.cycle, static_cast<int>(o.a));
    default:
      return fmt("w %" PRIu64 " %d %012" PRIx64, o.cycle, static_cast<int>(o.a), o.b);
  }
}

void Harness::emit(const Output& o) {
  if (!replaying_) {
    if (stim_.is_open()) record(line(o));
    return;
  }
  if (rp_expect_.empty())
    fail("replay: unexpected output '" + line(o) + "'");
  else if (!(rp_expect_.front().out == o))
    fail("replay: output '" + line(o) + "', expected '" + std::string(rp_expect_.front().text) +
         "'");
  else
    rp_expect_.pop_front();
}

void Harness::mmio(bool write, uint32_t addr, uint32_t wdata) {
  mmio_q_.push_back({cycle_, {write, addr, wdata}});
  ++mmio_issued_;
  record(fmt("M %" PRIu64 " %d %03x %08x", cycle_, write ? 1 : 0, addr, wdata));
}

void Harness::rx(const RxPkt& p) {
  rx_q_.push_back({cycle_, p});
  record(fmt("X %" PRIu64 " %u %u %u ", cycle_, p.type, p.src, p.len) + hex(p.payload));
}

void Harness::set_tx_ready(bool v) {
  if (v != tx_ready_) record(fmt("T %" PRIu64 " %d", cycle_, v ? 1 : 0));
  tx_ready_ = v;
}

void Harness::set_dma_ready(bool v) {
  if (v != dma_ready_) record(fmt("D %" PRIu64 " %d", cycle_, v ? 1 : 0));
  dma_ready_ = v;
}

void Harness::random_ready(uint64_t seed, double p_tx_low, double p_dma_low) {
  rnd_ready_ = true;
  rng_ready_.seed(seed);
  p_tx_low_ = p_tx_low;
  p_dma_low_ = p_dma_low;
}

void Harness::allow_jumps(uint64_t seed, double p, bool exact) {
  jumps_ = true;
  rng_jump_.seed(seed);
  p_jump_ = p;
  jump_exact_ = exact;
}

bool Harness::irq() const { return out_.irq; }
bool Harness::idle() const { return out_.idle; }
uint64_t Harness::wake_at() const { return out_.wake_at; }

void Harness::evaluate() {
  if (core_) {
    out_ = core_->cycle(in_);  // the rising edge included: edge() has nothing left to do
    return;
  }
  shadowsel::ne::ports::drive(*top_, in_);
  top_->eval();
  shadowsel::ne::ports::read(*top_, out_);
}

void Harness::edge() {
  if (core_) return;
  top_->clk = 1;
  top_->eval();
  top_->clk = 0;
}

void Harness::tick() {
  const bool rst = cycle_ < static_cast<uint64_t>(kResetCycles);
  now_ = cycle_ == 0 ? 0 : now_ + 1;

  // readiness levels for this cycle
  if (replaying_) {
    while (!rp_txr_.empty() && rp_txr_.front().first == cycle_) {
      tx_ready_ = rp_txr_.front().second;
      rp_txr_.pop_front();
    }
    while (!rp_dmar_.empty() && rp_dmar_.front().first == cycle_) {
      dma_ready_ = rp_dmar_.front().second;
      rp_dmar_.pop_front();
    }
  } else if (rnd_ready_ && !rst) {
    // two-state chains with bursts of mean length 8
    std::uniform_real_distribution<double> u(0, 1);
    const auto flip = [&](bool level, double p_low) {
      const double to_high = 1.0 / 8, to_low = p_low >= 1 ? 1 : to_high * p_low / (1 - p_low);
      return level ? !(u(rng_ready_) < to_low) : (u(rng_ready_) < to_high);
    };
    set_tx_ready(flip(tx_ready_, p_tx_low_));
    set_dma_ready(flip(dma_ready_, p_dma_low_));
  }

  // drive
  in_.rst_n = !rst;
  in_.tx_ready = tx_ready_;
  in_.dma_ready = dma_ready_;
  const bool mm_v = !rst && !mmio_q_.empty() && mmio_q_.front().cycle <= cycle_;
  in_.mmio_req_valid = mm_v;
  if (mm_v) {
    in_.mmio_req_write = mmio_q_.front().req.write;
    in_.mmio_req_addr = mmio_q_.front().req.addr;
    in_.mmio_req_wdata = mmio_q_.front().req.wdata;
  }
  const bool rx_v = !rst && !rx_q_.empty() && rx_q_.front().cycle <= cycle_;
  in_.rx_valid = rx_v;
  if (rx_v) {
    const RxPkt& p = rx_q_.front().pkt;
    in_.rx_type = p.type;
    in_.rx_src = p.src;
    in_.rx_len = p.len;
    in_.rx_payload = p.payload;
  }
  // the wrapper stopping the clock while idle: a replayed jump is known before the cycle
  if (replaying_ && !rp_jump_.empty() && rp_jump_.front().first == cycle_) {
    now_ = rp_jump_.front().second;
    rp_jump_.pop_front();
  }
  in_.now = now_;
  evaluate();

  // a random jump depends on this cycle's idle and wake_at (this testbench's ne_top only:
  // it evaluates the inputs without the edge)
  if (!replaying_ && jumps_ && !rst && out_.idle && out_.wake_at > now_ &&
      std::uniform_real_distribution<double>(0, 1)(rng_jump_) < p_jump_) {
    const uint64_t wake = out_.wake_at;
    uint64_t to;
    if (wake == kNoDeadline)
      to = now_ + 1 + rng_jump_() % 5000;
    else if (jump_exact_)
      to = wake;
    else
      to = now_ + 1 + rng_jump_() % (wake - now_);
    now_ = to;
    record(fmt("J %" PRIu64 " %012" PRIx64, cycle_, now_));
    in_.now = now_;
    evaluate();
  }

  if (!rst) {
    CycleObs o;
    o.cycle = cycle_;
    o.now = now_;
    o.mmio_hs = mm_v && out_.mmio_req_ready;
    if (o.mmio_hs) o.mmio = mmio_q_.front().req;
    o.rx_hs = rx_v && out_.rx_ready;
    if (o.rx_hs) o.rx = rx_q_.front().pkt;
    o.tx_hs = out_.tx_valid && tx_ready_;
    if (o.tx_hs) {
      o.tx.type = out_.tx_type;
      o.tx.mask = out_.tx_dst_mask;
      o.tx.len = out_.tx_len;
      o.tx.payload = out_.tx_payload;
    }
    o.dma_hs = out_.dma_valid && dma_ready_;
    if (o.dma_hs) {
      o.dma.addr = out_.dma_addr;
      o.dma.bytes = out_.dma_bytes;
      o.dma.data = out_.dma_data;
    }
    o.rsp = out_.mmio_rsp_valid;
    o.rdata = out_.mmio_rsp_rdata;
    o.irq = out_.irq;
    o.idle = out_.idle;
    o.wake_at = out_.wake_at;
    // the probes feed only the model (a replay runs without it)
    if (use_model_) {
      const auto* r = top_->rootp;
      o.exec = r->ne_top__DOT__u_regs__DOT__exec;
      o.lit_commit = r->ne_top__DOT__u_lit__DOT__commit;
      o.lit_pkt = r->ne_top__DOT__u_lit__DOT__op_pkt_q;
      o.rit_commit = r->ne_top__DOT__u_rit__DOT__commit;
      o.rit_sub = r->ne_top__DOT__u_rit__DOT__commit_sub;
      o.rit_scan_load = r->ne_top__DOT__u_rit__DOT__scan_load;
      o.rit_scan_end = r->ne_top__DOT__u_rit__DOT__scan_end;
      o.ring_accept = r->ne_top__DOT__u_ring__DOT__probe_accept;
      o.ring_full = r->ne_top__DOT__u_ring__DOT__probe_full;
      o.ring_tag = r->ne_top__DOT__u_ring__DOT__probe_tag;
      shadowsel::ne::ports::to_bytes(o.ring_rec, r->ne_top__DOT__u_ring__DOT__rec_d);
      o.alive_load = r->ne_top__DOT__u_alive__DOT__probe_alive_load;
      o.declare = r->ne_top__DOT__u_alive__DOT__declare;
      o.declare_node = r->ne_top__DOT__u_alive__DOT__ev_idx_q;
    }

    if (use_model_ && !model_.step(o)) fail("model: " + model_.error());

    // outputs, recorded or compared
    if (o.tx_hs) {
      tx_log.push_back(o.tx);
      emit({'t', cycle_, o.tx.type, o.tx.mask, o.tx.len, widen(o.tx.payload)});
    }
    if (o.dma_hs) {
      dma_log.push_back(o.dma);
      emit({'d', cycle_, o.dma.addr, o.dma.bytes, 0, o.dma.data});
    }
    if (o.rsp) {
      rsp_log.push_back(o.rdata);
      emit({'r', cycle_, o.rdata, 0, 0, {}});
    }
    if (o.irq != prev_irq_) emit({'i', cycle_, o.irq ? 1u : 0u, 0, 0, {}});
    prev_irq_ = o.irq;
    if (!prev_idle_valid_ || o.idle != prev_idle_ || o.wake_at != prev_wake_)
      emit({'w', cycle_, o.idle ? 1u : 0u, o.wake_at, 0, {}});
    prev_idle_valid_ = true;
    prev_idle_ = o.idle;
    prev_wake_ = o.wake_at;

    if (o.mmio_hs) mmio_q_.pop_front();
    if (o.rx_hs) rx_q_.pop_front();
  }

  edge();
  ++cycle_;
}

void Harness::run(uint64_t cycles) {
  for (uint64_t i = 0; i < cycles && ok(); ++i) tick();
}

bool Harness::run_until(const std::function<bool()>& cond, uint64_t max) {
  for (uint64_t i = 0; i < max && ok(); ++i) {
    if (cond()) return true;
    tick();
  }
  return cond();
}

void Harness::write(uint32_t addr, uint32_t wdata) {
  const size_t want = rsp_log.size() + mmio_q_.size() + 1;
  mmio(true, addr, wdata);
  if (!run_until([&] { return rsp_log.size() >= want; }))
    fail(fmt("no response to the write of %03x", addr));
}

uint32_t Harness::read(uint32_t addr) {
  const size_t want = rsp_log.size() + mmio_q_.size() + 1;
  mmio(false, addr, 0);
  if (!run_until([&] { return rsp_log.size() >= want; })) {
    fail(fmt("no response to the read of %03x", addr));
    return 0;
  }
  return rsp_log[want - 1];
}

void Harness::send(const RxPkt& p) {
  const size_t before = rx_q_.size();
  rx(p);
  if (!run_until([&] { return rx_q_.size() <= before; })) fail("rx packet never taken");
}

bool Harness::wait_idle(uint64_t max) {
  return run_until(
      [&] { return mmio_q_.empty() && rx_q_.empty() && prev_idle_valid_ && prev_idle_; }, max);
}

void Harness::finish() { record(fmt("E %" PRIu64, cycle_)); }

namespace {

// Reads the fields of one stimulus line; any malformed field turns ok off.
class Fields {
 public:
  explicit Fields(std::string_view s) : s_(s) {}
  uint64_t dec() { return num(10); }
  uint64_t hex() { return num(16); }
  // Up to 2N hex digits, most significant byte first (as Verilog's %h prints it).
  template <size_t N = 16>
  std::array<uint8_t, N> bytes() {
    const std::string_view t = token();
    std::array<uint8_t, N> b{};
    if (t.empty() || t.size() > 2 * N) ok = false;
    for (size_t i = 0; i < t.size() && ok; ++i) {
      const char ch = t[t.size() - 1 - i];
      const int v = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
      if (v < 0)
        ok = false;
      else
        b[i / 2] |= static_cast<uint8_t>(v << (4 * (i % 2)));
    }
    return b;
  }
  bool done() { return token().empty(); }
  bool ok = true;

 private:
  std::string_view token() {
    size_t i = 0;
    while (i < s_.size() && s_[i] == ' ') ++i;
    size_t j = i;
    while (j < s_.size() && s_[j] != ' ') ++j;
    const std::string_view t = s_.substr(i, j - i);
    s_.remove_prefix(j);
    return t;
  }
  uint64_t num(int base) {
    const std::string_view t = token();
    uint64_t v = 0;
    const auto r = std::from_chars(t.data(), t.data() + t.size(), v, base);
    if (t.empty() || r.ec != std::errc() || r.ptr != t.data() + t.size()) ok = false;
    return v;
  }
  std::string_view s_;
};

}  // namespace

bool Harness::replay(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    fail("cannot read " + path);
    return false;
  }
  in.seekg(0, std::ios::end);
  rp_text_.resize(static_cast<size_t>(in.tellg()));
  in.seekg(0);
  in.read(rp_text_.data(), static_cast<std::streamsize>(rp_text_.size()));
  uint64_t end = 0;
  std::string_view rest = rp_text_;
  for (size_t line_no = 1; !rest.empty() && ok(); ++line_no) {
    const size_t nl = rest.find('\n');
    const std::string_view text = rest.substr(0, nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    if (text.empty() || text[0] == '#') continue;
    Fields f(text.substr(1));
    const char tag = text[0];
    const uint64_t c = f.dec();
    switch (tag) {
      case 'M': {
        const bool w = f.dec() != 0;
        const auto a = static_cast<uint32_t>(f.hex());
        const auto d = static_cast<uint32_t>(f.hex());
        mmio_q_.push_back({c, {w, a, d}});
        break;
      }
      case 'X': {
        RxPkt p;
        p.type = static_cast<uint8_t>(f.dec());
        p.src = static_cast<uint8_t>(f.dec());
        p.len = static_cast<uint8_t>(f.dec());
        p.payload = f.bytes();
        rx_q_.push_back({c, p});
        break;
      }
      case 'T':
        rp_txr_.push_back({c, f.dec() != 0});
        break;
      case 'D':
        rp_dmar_.push_back({c, f.dec() != 0});
        break;
      case 'J':
        rp_jump_.push_back({c, f.hex()});
        break;
      case 'E':
        end = c;
        break;
      case 't': {
        Output o{tag, c};
        o.a = f.dec(), o.b = f.hex(), o.c = f.dec(), o.data = widen(f.bytes());
        rp_expect_.push_back({o, text});
        break;
      }
      case 'd': {
        Output o{tag, c};
        o.a = f.hex(), o.b = f.dec(), o.data = f.bytes<32>();
        rp_expect_.push_back({o, text});
        break;
      }
      case 'r':
        rp_expect_.push_back({{tag, c, f.hex()}, text});
        break;
      case 'i':
        rp_expect_.push_back({{tag, c, f.dec()}, text});
        break;
      case 'w': {
        Output o{tag, c};
        o.a = f.dec(), o.b = f.hex();
        rp_expect_.push_back({o, text});
        break;
      }
      default:
        f.ok = false;
        break;
    }
    if (!f.ok || !f.done())
      fail(path + ":" + std::to_string(line_no) + ": bad line '" + std::string(text) + "'");
  }
  if (!ok()) return false;
  replaying_ = true;
  while (cycle_ < end && ok()) tick();
  if (ok() && !rp_expect_.empty())
    fail("replay: missing output '" + std::string(rp_expect_.front().text) + "'");
  return ok();
}

}  // namespace ne_tb
