// SPDX-License-Identifier: MIT
// ne::make_lockstep: two cores driven with the same inputs, their outputs compared every
// cycle. The report of the first difference names the cycle, each differing port with
// both values, the inputs of that cycle and the last transactions before it, so a
// difference can be understood without rerunning.
#include <algorithm>
#include <array>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <string>

#include "shadowsel/ne/lockstep.h"

namespace shadowsel::ne {

namespace {

std::string fmt(const char* f, ...) __attribute__((format(printf, 1, 2)));
std::string fmt(const char* f, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, f);
  std::vsnprintf(buf, sizeof buf, f, ap);
  va_end(ap);
  return buf;
}

template <size_t N>
std::string hex(const std::array<uint8_t, N>& b, size_t n = N) {
  // most significant byte first, as a wide port reads in a waveform
  std::string s;
  for (size_t i = std::min(n, N); i-- > 0;) s += fmt("%02x", b[i]);
  return s;
}

// One handshake seen on the reference's ports, kept raw (formatted only for a report).
struct Event {
  enum class Kind : uint8_t { kReset, kMmio, kRsp, kRx, kTx, kDma } kind;
  uint64_t cycle = 0, now = 0;
  bool write = false;
  uint8_t type = 0, src = 0, len = 0;
  uint32_t addr = 0, value = 0;
  uint64_t mask = 0;
  Bytes32 bytes{};  // a packet's payload in the first 16
};

std::string describe(const Event& e) {
  const std::string at = fmt("cycle %" PRIu64 " now %" PRIu64 ": ", e.cycle, e.now);
  switch (e.kind) {
    case Event::Kind::kReset: return at + "reset";
    case Event::Kind::kMmio:
      return at + (e.write ? fmt("mmio write [0x%03x] = 0x%08x", e.addr, e.value)
                           : fmt("mmio read [0x%03x]", e.addr));
    case Event::Kind::kRsp: return at + fmt("mmio response 0x%08x", e.value);
    case Event::Kind::kRx:
      return at + fmt("rx type %u src %u len %u payload ", e.type, e.src, e.len) + hex(e.bytes, 16);
    case Event::Kind::kTx:
      return at + fmt("tx type %u mask 0x%016" PRIx64 " len %u payload ", e.type, e.mask, e.len) +
             hex(e.bytes, 16);
    case Event::Kind::kDma:
      return at + fmt("dma [0x%08x] %u bytes ", e.addr, e.len) + hex(e.bytes);
  }
  return at;
}

std::string describe(const Inputs& in) {
  std::string s = fmt("  rst_n=%d now=%" PRIu64 " (0x%012" PRIx64 ") tx_ready=%d dma_ready=%d\n", in.rst_n,
                      in.now, in.now, in.tx_ready, in.dma_ready);
  s += fmt("  mmio_req_valid=%d write=%d addr=0x%03x wdata=0x%08x\n", in.mmio_req_valid,
           in.mmio_req_write, in.mmio_req_addr, in.mmio_req_wdata);
  s += fmt("  rx_valid=%d type=%u src=%u len=%u payload=", in.rx_valid, in.rx_type, in.rx_src, in.rx_len) +
       hex(in.rx_payload) + "\n";
  return s;
}

class LockstepCore final : public Core {
 public:
  LockstepCore(std::unique_ptr<Core> reference, std::unique_ptr<Core> twin)
      : ref_(std::move(reference)), twin_(std::move(twin)) {
    if (!ref_ || !twin_) throw std::invalid_argument("ne::make_lockstep: a core is missing");
  }

  std::string name() const override { return "lockstep"; }
  const LockstepCounts& counts() const { return counts_; }
  bool attach_waves(RtlWaves& w) override {
    const bool ref = ref_->attach_waves(w);
    return twin_->attach_waves(w) || ref;
  }

  const Outputs& cycle(const Inputs& in) override {
    const Outputs& a = ref_->cycle(in);
    const Outputs& b = twin_->cycle(in);
    std::string diff;
    compare(a, b, diff);
    if (!diff.empty()) throw LockstepMismatch(report(in, diff));
    remember(in, a);
    ++counts_.cycles;
    return a;
  }

 private:
  static constexpr size_t kHistory = 12;

  void compare(const Outputs& a, const Outputs& b, std::string& diff) const {
    const auto bit = [&](const char* port, bool x, bool y) {
      if (x != y) diff += fmt("  %-15s %18d %18d\n", port, x, y);
    };
    const auto num = [&](const char* port, uint64_t x, uint64_t y) {
      if (x != y) diff += fmt("  %-15s %#18" PRIx64 " %#18" PRIx64 "\n", port, x, y);
    };
    const auto wide = [&](const char* port, const auto& x, const auto& y) {
      if (x != y) diff += fmt("  %-15s\n    %s\n    %s\n", port, hex(x).c_str(), hex(y).c_str());
    };
    bit("mmio_req_ready", a.mmio_req_ready, b.mmio_req_ready);
    bit("mmio_rsp_valid", a.mmio_rsp_valid, b.mmio_rsp_valid);
    if (a.mmio_rsp_valid && b.mmio_rsp_valid) num("mmio_rsp_rdata", a.mmio_rsp_rdata, b.mmio_rsp_rdata);
    bit("tx_valid", a.tx_valid, b.tx_valid);
    if (a.tx_valid && b.tx_valid) {
      num("tx_type", a.tx_type, b.tx_type);
      num("tx_dst_mask", a.tx_dst_mask, b.tx_dst_mask);
      num("tx_len", a.tx_len, b.tx_len);
      wide("tx_payload", a.tx_payload, b.tx_payload);
    }
    bit("rx_ready", a.rx_ready, b.rx_ready);
    bit("dma_valid", a.dma_valid, b.dma_valid);
    if (a.dma_valid && b.dma_valid) {
      num("dma_addr", a.dma_addr, b.dma_addr);
      num("dma_bytes", a.dma_bytes, b.dma_bytes);
      wide("dma_data", a.dma_data, b.dma_data);
    }
    bit("irq", a.irq, b.irq);
    bit("idle", a.idle, b.idle);
    num("wake_at", a.wake_at, b.wake_at);
  }

  void push(const Event& e) {
    history_[next_ % kHistory] = e;
    ++next_;
  }

  // Handshakes of this cycle as the reference saw them (the twin agreed on every port).
  void remember(const Inputs& in, const Outputs& o) {
    const uint64_t c = counts_.cycles;
    if (!in.rst_n) {
      // one entry per reset, not per reset cycle
      if (next_ == 0 || history_[(next_ - 1) % kHistory].kind != Event::Kind::kReset)
        push({Event::Kind::kReset, c, in.now});
      return;
    }
    if (in.mmio_req_valid && o.mmio_req_ready) {
      ++counts_.operations;
      Event e{Event::Kind::kMmio, c, in.now};
      e.write = in.mmio_req_write;
      e.addr = in.mmio_req_addr;
      e.value = in.mmio_req_wdata;
      push(e);
    }
    if (in.rx_valid && o.rx_ready) {
      ++counts_.operations;
      Event e{Event::Kind::kRx, c, in.now};
      e.type = in.rx_type;
      e.src = in.rx_src;
      e.len = in.rx_len;
      std::copy(in.rx_payload.begin(), in.rx_payload.end(), e.bytes.begin());
      push(e);
    }
    if (o.mmio_rsp_valid) {
      Event e{Event::Kind::kRsp, c, in.now};
      e.value = o.mmio_rsp_rdata;
      push(e);
    }
    if (o.tx_valid && in.tx_ready) {
      Event e{Event::Kind::kTx, c, in.now};
      e.type = o.tx_type;
      e.mask = o.tx_dst_mask;
      e.len = o.tx_len;
      std::copy(o.tx_payload.begin(), o.tx_payload.end(), e.bytes.begin());
      push(e);
    }
    if (o.dma_valid && in.dma_ready) {
      Event e{Event::Kind::kDma, c, in.now};
      e.addr = o.dma_addr;
      e.len = o.dma_bytes;
      e.bytes = o.dma_data;
      push(e);
    }
  }

  std::string report(const Inputs& in, const std::string& diff) const {
    std::string s = fmt("lockstep mismatch at now %" PRIu64 " (compared cycle %" PRIu64 ", %" PRIu64
                        " operations before it)\n",
                        in.now, counts_.cycles, counts_.operations);
    s += fmt("  %-15s %18s %18s\n", "port", ref_->name().c_str(), twin_->name().c_str());
    s += diff;
    s += "inputs of that cycle:\n" + describe(in);
    s += "last transactions (cycle = compared cycle):\n";
    const size_t n = next_ < kHistory ? next_ : kHistory;
    if (n == 0) s += "  (none)\n";
    for (size_t i = next_ - n; i < next_; ++i) s += "  " + describe(history_[i % kHistory]) + "\n";
    return s;
  }

  std::unique_ptr<Core> ref_, twin_;
  LockstepCounts counts_;
  std::array<Event, kHistory> history_{};
  uint64_t next_ = 0;  // events pushed so far
};

}  // namespace

std::unique_ptr<Core> make_lockstep(std::unique_ptr<Core> reference, std::unique_ptr<Core> twin) {
  return std::make_unique<LockstepCore>(std::move(reference), std::move(twin));
}

const LockstepCounts* lockstep_counts(const Core& core) {
  const auto* l = dynamic_cast<const LockstepCore*>(&core);
  return l ? &l->counts() : nullptr;
}

}  // namespace shadowsel::ne
