// SPDX-License-Identifier: MIT
// ne_irq: interrupt causes and record coalescing of the notify engine
// (docs/notify-engine.md §3; registers IRQ_STATUS, IRQ_ENABLE, COALESCE_COUNT,
// COALESCE_CYCLES; cause bits ne_pkg::IRQ_CAUSE_*_BIT).
//
// Records written since the last clear of RECORDS are pending. RECORDS rises, one cycle
// after the condition holds, when COALESCE_COUNT of them are pending (0 acts as 1) or
// when `now` reaches the deadline set by the first of them, now + COALESCE_CYCLES.
// OVERFLOW and NODE_DOWN rise on their pulses. IRQ_STATUS is write-1-to-clear; the line
// is high while IRQ_STATUS & IRQ_ENABLE is not 0.
//
// Decisions where the contract is open:
// * A clear of RECORDS in the same cycle as its condition wins (the records it counted
//   are no longer pending); a record written in that cycle is the first pending one
//   after the clear. A clear of OVERFLOW or NODE_DOWN in the same cycle as a new event
//   loses (the event is not lost).
// * The pending count saturates at its maximum; the deadline saturates at all ones.
// * wake_at_o is the deadline while records are pending and RECORDS is not raised.
module ne_irq (
  input  logic        clk_i,          /// clock
  input  logic        rst_ni,         /// synchronous reset, active low
  input  logic [47:0] now_i,          /// cycle count (absolute time)

  input  logic [ne_pkg::COALESCE_COUNT_COUNT_WIDTH-1:0] count_i,  /// COALESCE_COUNT
  input  logic [31:0] cycles_i,       /// COALESCE_CYCLES
  input  logic [ne_pkg::IRQ_ENABLE_CAUSE_WIDTH-1:0] enable_i,     /// IRQ_ENABLE
  input  logic [ne_pkg::IRQ_STATUS_CAUSE_WIDTH-1:0] ack_i,        /// W1C of IRQ_STATUS (pulse)

  input  logic        written_i,      /// pulse: a record was written
  input  logic        overflow_i,     /// pulse: a record was dropped
  input  logic        node_down_i,    /// pulse: a NODE_DOWN record was written or dropped

  output logic [ne_pkg::IRQ_STATUS_CAUSE_WIDTH-1:0] status_o,     /// IRQ_STATUS
  output logic        irq_o,          /// interrupt line
  output logic        wake_on_o,      /// a coalescing deadline is pending...
  output logic [47:0] wake_at_o,      /// ... at this time (ne_top gates it)
  output logic        busy_o          /// RECORDS rises next cycle
);
  localparam int CW = ne_pkg::COALESCE_COUNT_COUNT_WIDTH;
  localparam int SW = ne_pkg::IRQ_STATUS_CAUSE_WIDTH;
  localparam int BRec = ne_pkg::IRQ_CAUSE_RECORDS_BIT;
  localparam int BOvf = ne_pkg::IRQ_CAUSE_OVERFLOW_BIT;
  localparam int BNd = ne_pkg::IRQ_CAUSE_NODE_DOWN_BIT;
  localparam logic [CW-1:0] CntOne = {{(CW - 1) {1'b0}}, 1'b1};
  localparam logic [SW-1:0] SOne = {{(SW - 1) {1'b0}}, 1'b1};
  localparam logic [SW-1:0] MRec = SOne << BRec;
  localparam logic [SW-1:0] MOvf = SOne << BOvf;
  localparam logic [SW-1:0] MNd = SOne << BNd;

  logic [CW-1:0] pend_q, pend_d, eff_count;
  logic [47:0]   dl_q, dl_d;
  logic [48:0]   dl_sum;
  logic [SW-1:0] status_q, status_d;
  logic          fire, ack_rec;
  /* verilator lint_off UNUSEDSIGNAL */  // only the borrow: now < deadline (see ne_alive lt48)
  logic [48:0]   dl_diff;
  logic [CW:0]   cnt_diff;  // pend - count: its borrow is pend < count
  /* verilator lint_on UNUSEDSIGNAL */

  assign eff_count = (count_i == '0) ? CntOne : count_i;

  always @* begin
    dl_diff   = {1'b0, now_i} - {1'b0, dl_q};
    cnt_diff  = {1'b0, pend_q} - {1'b0, eff_count};
    fire      = (pend_q != '0) && (!cnt_diff[CW] || !dl_diff[48]);
    ack_rec   = ack_i[BRec];
    dl_sum    = {1'b0, now_i} + {17'd0, cycles_i};

    if (ack_rec) pend_d = written_i ? CntOne : '0;
    else if (written_i && pend_q != '1) pend_d = pend_q + CntOne;
    else pend_d = pend_q;

    if (written_i && (ack_rec || pend_q == '0)) dl_d = dl_sum[48] ? '1 : dl_sum[47:0];
    else dl_d = dl_q;

    // RECORDS: the clear wins; OVERFLOW, NODE_DOWN: the event wins (one expression, not a
    // bit at a time)
    status_d = ((status_q | (fire ? MRec : '0)) & ~ack_i) | (overflow_i ? MOvf : '0) |
               (node_down_i ? MNd : '0);

    busy_o = fire && !status_q[BRec];
  end

  // apart from the block above, which reads now_i and the pulses
  assign wake_on_o = pend_q != '0 && !status_q[BRec];
  assign wake_at_o = dl_q;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      pend_q   <= '0;
      dl_q     <= '1;
      status_q <= '0;
    end else begin
      pend_q   <= pend_d;
      dl_q     <= dl_d;
      status_q <= status_d;
    end
  end

  assign status_o = status_q;
  assign irq_o    = |(status_q & enable_i);
endmodule
