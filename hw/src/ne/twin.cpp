// SPDX-License-Identifier: MIT
// ne::make_twin: the behavioural twin of ne_top, written by hand from rtl/ne/*.sv — one
// class per RTL module, wired as ne_top wires them. A cycle evaluates the blocks in the
// order of ne_top's combinational paths (every valid/ready output is a register, so each
// block only needs the registered state of the others and a few handshake terms computed
// before it), then commits every block at the rising edge. The Verilated RTL and this
// twin run side by side in ne::make_lockstep and ne::run_cosim to keep them equal.
#include <cstdint>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>

#include "alive.h"
#include "common.h"
#include "irq.h"
#include "lit.h"
#include "regs.h"
#include "ring.h"
#include "rit.h"
#include "rr_arb.h"
#include "rx.h"
#include "shadowsel/ne/core.h"
#include "tx.h"

namespace shadowsel::ne {

namespace {

using namespace twin;

constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();

uint64_t fault_after(const TwinFault& f, TwinFault::Kind k) { return f.kind == k ? f.after : kNever; }

// ne_top's parameters need tables of at least 2 entries; the index widths follow.
uint32_t checked_entries(uint32_t n, const char* what) {
  if (n < 2 || n > 4096)
    throw std::invalid_argument(std::string("ne::make_twin: ") + what + " must be 2..4096, not " +
                                std::to_string(n));
  return n;
}

class Twin final : public Core {
 public:
  explicit Twin(const Params& p)
      : regs_(fault_after(p.twin_fault, TwinFault::Kind::kReadDataFlipsBit0)),
        lit_(checked_entries(p.lit_entries, "lit_entries")),
        rit_(checked_entries(p.rit_entries, "rit_entries"), regs::kRdtEntries),
        tx_(fault_after(p.twin_fault, TwinFault::Kind::kNotifyMaskDropsLowest)) {
    // Power-on reset: the engine starts from its reset state, as the Verilated RTL does
    // (hw/src/ne_rtl: ne_top_sim's input registers start with rst_n low).
    Inputs in;
    in.rst_n = false;
    cycle(in);
  }

  std::string name() const override { return "twin"; }

  const Outputs& cycle(const Inputs& in) override {
    const uint64_t now = in.now & kTimeMask;
    const Regs::Request rq{in.mmio_req_valid, in.mmio_req_write, in.mmio_req_addr & (regs::kRegWindowBytes - 1),
                           in.mmio_req_wdata};
    const uint8_t rx_src = in.rx_src & kNodeMask;

    // Outputs driven by registers (idle comes after the blocks' busy terms).
    out_.mmio_req_ready = regs_.req_ready();
    out_.mmio_rsp_valid = regs_.rsp_valid();
    out_.mmio_rsp_rdata = regs_.rsp_rdata();
    out_.tx_valid = tx_.tx_valid();
    out_.tx_type = tx_.tx_type();
    out_.tx_dst_mask = tx_.tx_dst_mask();
    out_.tx_len = tx_.tx_len();
    out_.tx_payload = tx_.tx_payload();
    out_.rx_ready = rx_.rx_ready();
    out_.dma_valid = ring_.dma_valid();
    out_.dma_addr = ring_.dma_addr();
    out_.dma_data = ring_.dma_data();
    out_.dma_bytes = Ring::dma_bytes();
    out_.irq = irq_.irq(regs_.irq_enable());

    // MMIO: the executing request and its pulses (from registers only: the ring's
    // readiness below depends on them).
    regs_.eval_request(alive_.restart_ready(), ring_.busy());
    const Regs::Strobes& sb = regs_.strobes();

    // Records: round robin between the LIT, subscribes to unpublished objects and node-down.
    const uint32_t rreq = (lit_.rec_valid() ? 1u : 0u) | (rit_.rec_valid() ? 2u : 0u) |
                          (alive_.rec_valid() ? 4u : 0u);
    const bool rec_ready = ring_.rec_ready(sb.ring_clr);
    const uint32_t rgnt = rec_arb_.grant(rreq);
    const bool lrec_ready = rec_ready && (rgnt & 1);
    const bool rrec_ready = rec_ready && (rgnt & 2);
    const bool arec_ready = rec_ready && (rgnt & 4);

    // Packets: the tx arbiter (sources are registers).
    const uint32_t treq = (lit_.sub_valid() ? Tx::kSub : 0) | (rit_.ans_valid() ? Tx::kAns : 0) |
                          (rit_.ntf_valid() ? Tx::kNtf : 0) | (alive_.alive_valid() ? Tx::kAlive : 0);
    tx_.arbitrate(treq, in.tx_ready);


    rx_.eval(Rx::In{regs_.enable(), in.rx_valid, in.rx_type, rx_src, in.rx_len, &in.rx_payload,
                    lit_.pkt_ready(), rit_.sub_ready()});

    lit_.eval(Lit::In{regs_.arm_valid(), regs_.key_owner(), regs_.key_object(), regs_.key_event(),
                      regs_.key_version(), regs_.arm_cancel(), rx_.pkt_valid(), rx_.pkt_src(), rx_.pkt_object(),
                      rx_.pkt_event(), rx_.pkt_version(), rx_.pkt_state(), rx_.pkt_notify(),
                      rx_.pkt_is_ready(), tx_.ready(Tx::kSub), lrec_ready, rx_.pkt_stamp()});

    const bool rit_cmd_ready = rit_.cmd_ready(rx_.sub_valid());
    rit_.eval(Rit::In{regs_.rit_valid(), regs_.rit_code(), regs_.key_object(), regs_.key_event(),
                      regs_.key_version(), regs_.ans_dst(), regs_.ans_state(), regs_.ans_ready(),
                      regs_.rdy_state(), rx_.sub_valid(), rx_.pkt_src(), rx_.pkt_object(), rx_.pkt_event(),
                      rx_.pkt_version(), rx_.pkt_unsub(), tx_.ready(Tx::kAns), tx_.ready(Tx::kNtf), rrec_ready, regs_.stamp()});

    alive_.eval(Alive::In{now, regs_.enable(), regs_.node_id(), regs_.alive_period(), sb.period_wr,
                          regs_.period_wdata(), regs_.alive_timeout(), regs_.alive_mask(), sb.cfg_chg,
                          sb.restart_valid, sb.restart_nodes, sb.down_clr, rx_.seen_valid(),
                          rx_.seen_src(), tx_.ready(Tx::kAlive), arec_ready});

    // The record offered to the ring: the granted source's fields (the LIT's by default).
    // A SUBSCRIBE or NODE_DOWN record is stamped with the cycle the ring accepts it.
    Ring::Record rec{lit_.rec_kind(),   lit_.rec_src(),      lit_.rec_event(), lit_.rec_state(), lit_.rec_object(),
                     lit_.rec_version(), lit_.rec_is_ready(), lit_.rec_tag(),   lit_.rec_stamp()};
    if (rgnt & 2) {
      rec = {kKindSubscribe, rit_.rec_src(), rit_.rec_event(), 0, rit_.rec_object(), rit_.rec_version(),
             false, false, static_cast<uint32_t>(now)};
    } else if (rgnt & 4) {
      rec = {kKindNodeDown, alive_.rec_node(), 0, 0, 0, 0, false, false, static_cast<uint32_t>(now)};
    }
    ring_.eval(Ring::In{regs_.ring_base(), regs_.ring_size(), regs_.ring_tail(), sb.ring_clr, rreq != 0,
                        &rec, in.dma_ready});

    // a record that wakes nobody (an ANSWER saying "not ready") does not count for RECORDS
    const uint8_t* dd = ring_.dma_data().data();
    const bool rec_wakes = !(regs::ready_record::get_kind(dd) == static_cast<uint32_t>(regs::RecordKind::kAnswer) &&
                             !regs::ready_record::get_ready(dd));
    irq_.eval(Irq::In{now, regs_.coalesce_count(), regs_.coalesce_cycles(), sb.irq_ack, ring_.written() && rec_wakes,
                      ring_.dropped(), ring_.nd_done()});

    // Commands and read data, now that the tables' and the ports' pulses are known.
    const Regs::Events ev{lit_.arm_ready(rx_.pkt_valid()), lit_.arm_done(), lit_.arm_result(), lit_.arm_full(),
                          rit_cmd_ready, rit_.done(), rit_.done_tx(), rit_.full(), rit_.rdt_full(),
                          tx_.cmd_done(), ring_.tag_done(), ring_.dropped()};
    if (regs_.reads()) {
      const Regs::ReadSources rs{irq_.status(), ring_.head(), alive_.nodes_down(), lit_.subscribes_sent(),
                                 lit_.suppressed(), lit_.stray(), lit_.lit_full_count(), rit_.answers_sent(),
                                 rit_.rit_full_count(), rit_.notifies_sent(), rit_.notify_dropped(),
                                 ring_.records_written(), ring_.overflow_count(),
                                 rit_.subscribes_answered(), rit_.rdt_full_count()};
      regs_.eval_commands(ev, &rs);
    } else {
      regs_.eval_commands(ev, nullptr);
    }

    // idle and the earliest deadline
    // (wake_at is registered and deadlines change only after a cycle with work: idle
    // waits one cycle after the last work)
    // (the RTL's three comparisons side by side, each on 33 bits: when idle the deadlines
    // that are on lie less than 2^32 ahead of now, so they order them as `<` would)
    const auto before33 = [](uint64_t x, uint64_t y) { return ((x - y) >> 32) & 1; };
    const bool ion = irq_.wake_on(), don = alive_.down_on(), aon = alive_.alive_on();
    const uint64_t wi = irq_.deadline(), wd = alive_.down_deadline(), wa = alive_.alive_deadline();
    uint64_t wake_min = kTimeMask;
    if (ion && (!don || before33(wi, wd)) && (!aon || before33(wi, wa))) wake_min = wi;
    else if (aon && (!don || before33(wa, wd))) wake_min = wa;
    else if (don) wake_min = wd;
    const bool work = regs_.busy() || lit_.busy() || rit_.busy() || rx_.busy() || tx_.busy() || ring_.busy() ||
                      irq_.busy(now, regs_.coalesce_count()) || alive_.busy() || in.mmio_req_valid ||
                      in.rx_valid;
    out_.idle = !work && !work_q_;
    out_.wake_at = wake_at_q_;

    // rising edge: the packet fields are the sources' registers before it
    const Tx::Fields tf{lit_.sub_owner(),   lit_.sub_object(),   lit_.sub_event(),  lit_.sub_version(),
                        lit_.sub_unsub(),
                        rit_.pkt_dst_mask(), rit_.pkt_object(),   rit_.pkt_event(),  rit_.pkt_version(),
                        rit_.pkt_state(),   rit_.pkt_is_ready(), rit_.pkt_cmd(),    alive_.alive_mask(),
                        rit_.pkt_stamp()};
    const bool rst_n = in.rst_n;
    const bool rec_taken = rreq != 0 && rec_ready;
    regs_.commit(rst_n, rq);
    rx_.commit(rst_n);
    lit_.commit(rst_n);
    rit_.commit(rst_n);
    alive_.commit(rst_n);
    tx_.commit(rst_n, tf);
    rec_arb_.commit(rst_n, rec_taken, rgnt);
    ring_.commit(rst_n);
    irq_.commit(rst_n);
    wake_at_q_ = rst_n ? wake_min : kTimeMask;
    work_q_ = rst_n ? work : true;
    return out_;
  }

 private:
  static constexpr uint32_t kKindSubscribe = static_cast<uint32_t>(regs::RecordKind::kSubscribe);
  static constexpr uint32_t kKindNodeDown = static_cast<uint32_t>(regs::RecordKind::kNodeDown);

  Regs regs_;
  Rx rx_;
  Lit lit_;
  Rit rit_;
  Alive alive_;
  Tx tx_;
  RrArb rec_arb_{3};
  Ring ring_;
  Irq irq_;
  uint64_t wake_at_q_ = 0;
  bool work_q_ = true;
  Outputs out_;
};

}  // namespace

std::unique_ptr<Core> make_twin(const Params& p) { return std::make_unique<Twin>(p); }

}  // namespace shadowsel::ne
