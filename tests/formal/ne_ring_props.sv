// SPDX-License-Identifier: MIT
// ne_ring_props: formal properties of ne_ring, the ready-record writer
// (docs/notify-engine.md §3 and its invariant: no record is lost while the ring has room).
//
// Every input of ne_ring is free except:
// * reset in the first cycle;
// * RING_SIZE is 0 or a power of two up to MAX_RING_RECORDS (ne.yaml);
// * the driver keeps RING_TAIL between RING_HEAD - RING_SIZE and RING_HEAD (it consumes
//   only written records), so "full" is exactly the contract's head - tail == size.
// The ring may be cleared (RING_BASE or RING_SIZE written) in any cycle, a DMA write
// pending or not: ne_regs holds those writes while one is pending, but ne_ring does not
// rely on it.
// A reference model kept from the ports alone follows RING_HEAD (f_head) and the record
// accepted and not yet written (f_pend, with its expected DMA address and data).
//
// Properties (on ports):
//   a_no_loss       a record accepted while the ring has room is not dropped
//   a_full_drops    a record accepted while the ring is full is dropped and counted,
//                   never written over an unread one
//   a_drop_only_full  the overflow pulse comes only with an accepted record and a full
//                   ring (head - tail == size)
//   a_dma_once      a DMA write is offered exactly while an accepted record is unwritten:
//                   one write per record, none without one
//   a_dma_at_head   that write goes to RING_BASE + (head mod size) * RECORD_BYTES, carries
//                   the record in the ready_record layout with seq = head mod 2^24, and
//                   RECORD_BYTES bytes
//   a_head          RING_HEAD counts the writes taken since the ring was set up: it moves
//                   by one per write, at the write
//   a_counters      RECORDS_WRITTEN and RING_OVERFLOW_COUNT count writes and drops
//   a_write_current_ring  a write that RING_HEAD counts was not started before the ring
//                   was cleared: a write pending across a clear does not move RING_HEAD
//   a_no_accept_at_clear  no record is accepted in the cycle the ring is cleared (it
//                   would be formatted for the ring being replaced)
// The model's state is visible on the ports: the auxiliary invariants (i_*) are about
// the model, and one ties the model's "cleared while pending" to the design's stale_q
// (a probe) for the induction step.
//
// Fault (test only; negative checks): 1 the model believes the ring always has room (the
// driver's view if it ignored RING_TAIL), so the design's correct drop of a record into a
// full ring must show as a loss: a_no_loss must fail. Design faults are injected with
// run_formal.py --force (dut.full tied to 1: every record dropped, a_no_loss must fail;
// tied to 0: a full ring is written over, a_full_drops must fail).
module ne_ring_props #(
  parameter int Fault = 0,  /// test only: injected fault, 0 none
  parameter bit Aux   = 1   /// the auxiliary invariant on a probe (negative checks: 0)
) (
  input logic        clk_i,
  input logic        rst_ni,
  input logic [31:0] base_i,
  input logic [ne_pkg::RING_SIZE_RECORDS_WIDTH-1:0] size_i,
  input logic [31:0] tail_i,
  input logic        ring_clr_i,
  input logic        rec_valid_i,
  input logic [7:0]  rec_kind_i,
  input logic [7:0]  rec_src_i,
  input logic [7:0]  rec_event_i,
  input logic [7:0]  rec_state_i,
  input logic [31:0] rec_object_i,
  input logic [31:0] rec_version_i,
  input logic        rec_is_ready_i,
  input logic [31:0] rec_stamp_i,
  input logic        rec_tag_i,
  input logic        dma_ready_i
);
  localparam int SW = ne_pkg::RING_SIZE_RECORDS_WIDTH;
  localparam int RB = ne_pkg::RECORD_BYTES;
  localparam int RS = $clog2(RB);  // address bits within a record

  // ---------------------------------------------------------------------------------
  // The design
  logic          rec_ready_o, dma_valid_o;
  logic [31:0]   dma_addr_o, head_o, records_written_o, overflow_count_o;
  logic [8*RB-1:0] dma_data_o;
  logic [5:0]    dma_bytes_o;
  logic          written_o, dropped_o, tag_done_o, nd_done_o, busy_o;

  ne_ring dut (
    .clk_i, .rst_ni, .base_i, .size_i, .tail_i, .ring_clr_i,
    .rec_valid_i, .rec_ready_o, .rec_kind_i, .rec_src_i, .rec_event_i, .rec_state_i,
    .rec_object_i, .rec_version_i, .rec_is_ready_i, .rec_stamp_i, .rec_tag_i,
    .dma_valid_o, .dma_ready_i, .dma_addr_o, .dma_data_o, .dma_bytes_o,
    .head_o, .written_o, .dropped_o, .tag_done_o, .nd_done_o,
    .records_written_o, .overflow_count_o, .busy_o
  );

  // ---------------------------------------------------------------------------------
  // Environment
  logic f_past = 1'b0;
  always_ff @(posedge clk_i) f_past <= 1'b1;
  logic [31:0] size32, used;
  assign size32 = {{(32 - SW) {1'b0}}, size_i};
  assign used   = f_head - tail_i;
  always_comb begin
    if (!f_past) assume (!rst_ni);
    assume ((size_i & (size_i - 1'b1)) == '0 && size_i <= SW'(ne_pkg::MAX_RING_RECORDS));
    assume (used <= size32);
  end

  // ---------------------------------------------------------------------------------
  // Reference model
  logic accept, taken, room;
  assign accept = rec_valid_i && rec_ready_o;
  assign taken  = dma_valid_o && dma_ready_i;
  assign room   = (Fault == 1) ? (used <= size32) : (used != size32);

  ne_pkg::ready_record_t rec;
  always_comb begin
    rec         = '0;
    rec.kind    = rec_kind_i;
    rec.src     = rec_src_i;
    rec.event_  = rec_event_i;
    rec.state   = rec_state_i;
    rec.object  = rec_object_i;
    rec.version = rec_version_i;
    rec.ready   = rec_is_ready_i;
    rec.seq     = f_head[23:0];
    rec.stamp   = rec_stamp_i;
  end

  logic [31:0]     f_head, f_nwr, f_ndrop, f_addr;
  logic            f_pend, f_clr;  // f_clr: the ring was cleared while f_pend
  logic            f_stale_taken;  // last cycle a write pending across a clear was taken
  logic [31:0]     f_head_before;  // RING_HEAD then
  logic            p_stale;        //@probe p_stale = dut.stale_q
  logic [8*RB-1:0] f_data;
  logic [SW-1:0]   slot;
  assign slot = f_head[SW-1:0] & (size_i - 1'b1);

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      f_head  <= '0;
      f_pend  <= 1'b0;
      f_clr   <= 1'b0;
      f_nwr   <= '0;
      f_ndrop <= '0;
      f_stale_taken <= 1'b0;
    end else begin
      f_stale_taken <= taken && f_clr && !ring_clr_i;
      f_head_before <= head_o;
      if (ring_clr_i) f_head <= '0;
      else if (taken && !f_clr) f_head <= f_head + 32'd1;
      if (ring_clr_i && f_pend) f_clr <= 1'b1;
      if (taken) begin
        f_pend <= 1'b0;
        f_clr  <= 1'b0;
        f_nwr  <= f_nwr + 32'd1;
      end
      if (accept && room) begin
        f_pend <= 1'b1;
        f_data <= rec;
        f_addr <= {base_i[31:RS], RS'(0)} + {{(32 - SW - RS) {1'b0}}, slot, RS'(0)};
      end
      if (accept && !room) f_ndrop <= f_ndrop + 32'd1;
    end
  end

  // ---------------------------------------------------------------------------------
  // Properties
  always_ff @(posedge clk_i) begin
    if (f_past && rst_ni) begin
      if (accept && room) a_no_loss: assert (!dropped_o);
      if (accept && !room) a_full_drops: assert (dropped_o);
      if (dropped_o) a_drop_only_full: assert (accept && used == size32);
      a_dma_once: assert (dma_valid_o == f_pend);
      if (f_pend) begin
        a_dma_at_head: assert (dma_addr_o == f_addr && dma_data_o == f_data &&
                               dma_bytes_o == 6'(RB));
      end
      a_head: assert (head_o == f_head);
      a_written: assert (written_o == taken);
      a_counters: assert (records_written_o == f_nwr && overflow_count_o == f_ndrop);
      // a write formatted for a ring since cleared is not counted by the new one
      if (f_stale_taken) a_write_current_ring: assert (head_o == f_head_before);
      if (ring_clr_i) a_no_accept_at_clear: assert (!rec_ready_o);
      // auxiliary invariants of the model
      i_clr_pend: assert (!f_clr || f_pend);
      if (Aux) i_stale: assert (p_stale == f_clr);
    end
  end
endmodule
