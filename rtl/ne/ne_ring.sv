// SPDX-License-Identifier: MIT
// ne_ring: writes ready records by DMA into the ring in node memory (docs/notify-engine.md
// §3; layout ne_pkg ready_record, registers RING_BASE, RING_SIZE, RING_HEAD, RING_TAIL).
//
// One record at a time: a record is accepted when no DMA write is outstanding; at
// acceptance the ring is checked, and the record is either dropped (full: counted, the
// overflow pulse raises STATUS.OVERFLOW and the OVERFLOW cause, never silent) or
// formatted (seq = RING_HEAD mod 2^24) and offered on the DMA port until taken. RING_HEAD
// moves when the DMA write is taken.
//
// Decisions where the contract is open:
// * Full is RING_HEAD - RING_TAIL >= RING_SIZE (mod 2^32): the contract's "==" for a
//   driver that keeps TAIL between HEAD - SIZE and HEAD, and no writes over unread
//   records when a driver writes a TAIL out of that range. SIZE 0: every record overflows.
// * ring_clr_i (a write of RING_BASE or RING_SIZE) sets HEAD to 0; a DMA write taken in
//   the same cycle does not move it. No record is accepted in that cycle (it would be
//   formatted for the ring being replaced). ne_regs holds those writes while a DMA write
//   is pending; should one come anyway, the pending write is stale: it goes where it was
//   formatted for, and HEAD, which counts the new ring's records only, does not move.
// * The NODE_DOWN cause is raised when a NODE_DOWN record is written or dropped
//   (nd_done_o), as ne.yaml's irq_cause says.
module ne_ring (
  input  logic        clk_i,        /// clock
  input  logic        rst_ni,       /// synchronous reset, active low

  // configuration (ne_regs)
  input  logic [31:0] base_i,       /// RING_BASE, bytes (low bits ignored)
  input  logic [ne_pkg::RING_SIZE_RECORDS_WIDTH-1:0] size_i,  /// RING_SIZE, records
  input  logic [31:0] tail_i,       /// RING_TAIL, records consumed
  input  logic        ring_clr_i,   /// pulse: RING_HEAD := 0

  // record to write
  input  logic        rec_valid_i,
  output logic        rec_ready_o,
  input  logic [ne_pkg::READY_RECORD_KIND_WIDTH-1:0]    rec_kind_i,
  input  logic [ne_pkg::READY_RECORD_SRC_WIDTH-1:0]     rec_src_i,
  input  logic [ne_pkg::READY_RECORD_EVENT_WIDTH-1:0]   rec_event_i,
  input  logic [ne_pkg::READY_RECORD_STATE_WIDTH-1:0]   rec_state_i,
  input  logic [ne_pkg::READY_RECORD_OBJECT_WIDTH-1:0]  rec_object_i,
  input  logic [ne_pkg::READY_RECORD_VERSION_WIDTH-1:0] rec_version_i,
  input  logic        rec_is_ready_i,
  input  logic [ne_pkg::READY_RECORD_STAMP_WIDTH-1:0]   rec_stamp_i,
  input  logic        rec_tag_i,    /// the record of the command in progress

  // DMA write
  output logic        dma_valid_o,
  input  logic        dma_ready_i,
  output logic [31:0] dma_addr_o,
  output logic [8*ne_pkg::RECORD_BYTES-1:0] dma_data_o,
  output logic [5:0]  dma_bytes_o,

  output logic [31:0] head_o,             /// RING_HEAD
  output logic        written_o,          /// pulse: a record was written
  output logic        dropped_o,          /// pulse: a record was dropped (ring full)
  output logic        tag_done_o,         /// pulse: the tagged record was written or dropped
  output logic        nd_done_o,          /// pulse: a NODE_DOWN record was written or dropped
  output logic [31:0] records_written_o,  /// RECORDS_WRITTEN
  output logic [31:0] overflow_count_o,   /// RING_OVERFLOW_COUNT
  output logic        busy_o              /// a DMA write is pending
);
  localparam int SW = ne_pkg::RING_SIZE_RECORDS_WIDTH;
  localparam int RecShift = $clog2(ne_pkg::RECORD_BYTES);
  localparam int RecBits = 8 * ne_pkg::RECORD_BYTES;
  localparam logic [SW-1:0] SizeOne = {{(SW - 1) {1'b0}}, 1'b1};

  logic               dma_valid_q, dma_valid_d;
  logic [31:0]        dma_addr_q, dma_addr_d, addr_d;
  logic [RecBits-1:0] dma_data_q, dma_data_d;
  logic [RecBits-1:0] rec_d  /* verilator public_flat_rd */;  // the record accepted
  logic               dma_tag_q, dma_tag_d, dma_nd_q, dma_nd_d;
  logic               stale_q, stale_d;  // the pending write was formatted before a ring_clr_i
  logic [31:0]        head_q, head_d;
  logic [31:0]        cnt_wr_q, cnt_wr_d, cnt_ovf_q, cnt_ovf_d;
  logic               load;  // a record accepted and not dropped: the DMA write is loaded
  logic [SW-1:0]      slot;
  logic               full, accept, taken, is_nd;
  logic [31:0]        used;  // records not yet consumed: head - tail
  logic               probe_tag  /* verilator public_flat_rd */;

  // Ring accept and its decision. Observed by the testbench's reference model.
  logic probe_accept /* verilator public_flat_rd */;
  logic probe_full   /* verilator public_flat_rd */;

  assign rec_ready_o = !dma_valid_q && !ring_clr_i;

  // Acceptance, the record and the DMA write it loads: no dma_ready_i in this block, so
  // a simulator evaluates it only when a record or the ring changes.
  always @* begin
    accept      = rec_valid_i && rec_ready_o;
    // head - tail >= size, the compare narrowed to SIZE's width (one carry chain less)
    used        = head_q - tail_i;
    full        = (used[31:SW] != '0) || (used[SW-1:0] >= size_i);
    is_nd       = rec_kind_i == ne_pkg::RECORD_KIND_NODE_DOWN;
    slot        = head_q[SW-1:0] & (size_i - SizeOne);
    addr_d      = {base_i[31:RecShift], {RecShift{1'b0}}} +
                  {{(32 - SW - RecShift) {1'b0}}, slot, {RecShift{1'b0}}};

    rec_d = '0;
    rec_d[ne_pkg::READY_RECORD_KIND_LSB +: ne_pkg::READY_RECORD_KIND_WIDTH]       = rec_kind_i;
    rec_d[ne_pkg::READY_RECORD_SRC_LSB +: ne_pkg::READY_RECORD_SRC_WIDTH]         = rec_src_i;
    rec_d[ne_pkg::READY_RECORD_EVENT_LSB +: ne_pkg::READY_RECORD_EVENT_WIDTH]     = rec_event_i;
    rec_d[ne_pkg::READY_RECORD_STATE_LSB +: ne_pkg::READY_RECORD_STATE_WIDTH]     = rec_state_i;
    rec_d[ne_pkg::READY_RECORD_OBJECT_LSB +: ne_pkg::READY_RECORD_OBJECT_WIDTH]   = rec_object_i;
    rec_d[ne_pkg::READY_RECORD_VERSION_LSB +: ne_pkg::READY_RECORD_VERSION_WIDTH] = rec_version_i;
    rec_d[ne_pkg::READY_RECORD_READY_LSB]                                         = rec_is_ready_i;
    rec_d[ne_pkg::READY_RECORD_STAMP_LSB +: ne_pkg::READY_RECORD_STAMP_WIDTH]     = rec_stamp_i;
    rec_d[ne_pkg::READY_RECORD_SEQ_LSB +: ne_pkg::READY_RECORD_SEQ_WIDTH] =
        head_q[ne_pkg::READY_RECORD_SEQ_WIDTH-1:0];

    probe_accept = accept;
    probe_full   = full;
    probe_tag    = rec_tag_i;
    dropped_o    = accept && full;

    load        = accept && !full;
    cnt_ovf_d   = dropped_o ? cnt_ovf_q + 32'd1 : cnt_ovf_q;  // +1 enabled: a shorter path
    // the DMA write's fields: no reset, loaded with it
    dma_addr_d  = load ? addr_d : dma_addr_q;
    dma_data_d  = load ? rec_d : dma_data_q;
    dma_tag_d   = load ? rec_tag_i : dma_tag_q;
    dma_nd_d    = load ? is_nd : dma_nd_q;
  end

  // the DMA handshake and what it moves
  always @* begin
    taken       = dma_valid_q && dma_ready_i;
    head_d      = ring_clr_i ? '0 : ((taken && !stale_q) ? head_q + 32'd1 : head_q);
    written_o   = taken;
    tag_done_o  = (accept && full && rec_tag_i) || (taken && dma_tag_q);
    nd_done_o   = (accept && full && is_nd) || (taken && dma_nd_q);
    dma_valid_d = (dma_valid_q && !dma_ready_i) || load;
    stale_d     = (stale_q || ring_clr_i) && dma_valid_q && !dma_ready_i;
    cnt_wr_d    = taken ? cnt_wr_q + 32'd1 : cnt_wr_q;
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      dma_valid_q <= 1'b0;
      stale_q     <= 1'b0;
      head_q      <= '0;
      cnt_wr_q    <= '0;
      cnt_ovf_q   <= '0;
    end else begin
      dma_valid_q <= dma_valid_d;
      stale_q     <= stale_d;
      head_q      <= head_d;
      cnt_wr_q    <= cnt_wr_d;
      cnt_ovf_q   <= cnt_ovf_d;
    end
  end

  always_ff @(posedge clk_i) begin
    dma_addr_q <= dma_addr_d;
    dma_data_q <= dma_data_d;
    dma_tag_q  <= dma_tag_d;
    dma_nd_q   <= dma_nd_d;
  end

  // RING_BASE bits below a record are ignored (ne.yaml).
  /* verilator lint_off UNUSEDSIGNAL */
  logic unused_base;
  assign unused_base = ^base_i[RecShift-1:0];
  /* verilator lint_on UNUSEDSIGNAL */

  assign dma_valid_o       = dma_valid_q;
  assign dma_addr_o        = dma_addr_q;
  assign dma_data_o        = dma_data_q;
  assign dma_bytes_o       = ne_pkg::RECORD_BYTES[5:0];
  assign head_o            = head_q;
  assign records_written_o = cnt_wr_q;
  assign overflow_count_o  = cnt_ovf_q;
  assign busy_o            = dma_valid_q;
endmodule
