// SPDX-License-Identifier: MIT
// ne_top: the notify engine (docs/notify-engine.md), one per node, between the kernel
// (MMIO registers, a ring of ready records in node memory, one interrupt line) and the bus
// interface (packet streams). Ports exactly as the contract's table (§5): flat vectors, so
// that Verilator, Icarus and Yosys all read it.
//
//   mmio --> ne_regs --(ARM)--------------> ne_lit --(subscribe)--+
//                   \--(ANSWER, NOTIFY,                           |
//                       PUBLISH, UNPUBLISH)--> ne_rit --(ans, ntf)-+--> ne_tx --> tx
//   rx ----> ne_rx --(NE_NOTIFY)--> ne_lit                        |
//                  \--(NE_SUBSCRIBE)--> ne_rit                    |
//                  \--(arrivals)--> ne_alive --(ALIVE)------------+
//   records: ne_lit, ne_rit (SUBSCRIBE), ne_alive (NODE_DOWN) --rr--> ne_ring --> dma
//   ne_irq: causes from ne_ring; irq; coalescing deadline -> wake_at. A record that wakes
//   nobody (an ANSWER saying "not ready": its requester polls the ring) does not count
//   towards RECORDS.
//
// Every valid/ready output is driven from a register and held until taken. idle is high
// when, in this cycle and the one before, no block has work (no request, response,
// command, packet, record or due timer) and no request or packet is offered on mmio or
// rx; wake_at is the earliest of the coalescing, alive and node-down deadlines,
// registered (the clock-stopping logic outside reads a flip-flop, not a 48-bit
// comparison). A deadline changes only at the end of a cycle with work (a record written,
// a register written, a sweep, a due timer), so it is in wake_at one cycle later, and
// idle, low for that cycle too, never comes with a stale wake_at.
module ne_top #(
  parameter int LIT_ENTRIES = ne_pkg::LIT_ENTRIES,  /// local interest table entries
  parameter int RIT_ENTRIES = ne_pkg::RIT_ENTRIES,  /// remote interest table entries
  parameter int RDT_ENTRIES = ne_pkg::RDT_ENTRIES   /// readiness table entries
) (
  input  logic         clk,
  input  logic         rst_n,           /// synchronous, active low

  // MMIO
  input  logic         mmio_req_valid,
  output logic         mmio_req_ready,
  input  logic         mmio_req_write,
  input  logic [11:0]  mmio_req_addr,
  input  logic [31:0]  mmio_req_wdata,
  output logic         mmio_rsp_valid,
  output logic [31:0]  mmio_rsp_rdata,

  // transmit
  output logic         tx_valid,
  input  logic         tx_ready,
  output logic [7:0]   tx_type,
  output logic [63:0]  tx_dst_mask,
  output logic [7:0]   tx_len,
  output logic [127:0] tx_payload,

  // receive
  input  logic         rx_valid,
  output logic         rx_ready,
  input  logic [7:0]   rx_type,
  input  logic [5:0]   rx_src,
  input  logic [7:0]   rx_len,
  input  logic [127:0] rx_payload,

  // DMA
  output logic         dma_valid,
  input  logic         dma_ready,
  output logic [31:0]  dma_addr,
  output logic [255:0] dma_data,
  output logic [5:0]   dma_bytes,

  input  logic [47:0]  now,             /// cycle count
  output logic         irq,             /// level
  output logic         idle,
  output logic [47:0]  wake_at          /// earliest deadline, all ones: none
);
  localparam int MaxNodes = ipb_pkg::MAX_NODES;
  localparam int NW = $clog2(MaxNodes);
  localparam int SrcPad = ne_pkg::READY_RECORD_SRC_WIDTH - NW;

  // ---------------------------------------------------------------------------------
  // Signals between the blocks
  logic [NW-1:0]  node_id, key_owner, ans_dst;
  logic           enable, ans_ready;
  logic [31:0]    key_object, key_version, ring_base, ring_tail, coalesce_cycles;
  logic [7:0]     key_event, ans_state;
  logic [ne_pkg::RING_SIZE_RECORDS_WIDTH-1:0]     ring_size;
  logic           ring_clr;
  logic [ne_pkg::IRQ_ENABLE_CAUSE_WIDTH-1:0]      irq_enable;
  logic [ne_pkg::IRQ_STATUS_CAUSE_WIDTH-1:0]      irq_ack, irq_status;
  logic [ne_pkg::COALESCE_COUNT_COUNT_WIDTH-1:0]  coalesce_count;
  logic [31:0]    alive_period, alive_period_wdata, alive_timeout;
  logic           alive_period_wr, alive_cfg_chg, alive_restart_valid, alive_restart_ready;
  logic [MaxNodes-1:0] alive_mask, alive_restart_nodes, alive_down_clr, nodes_down;

  logic           arm_valid, arm_cancel, arm_ready, arm_done, arm_full;
  logic [7:0]     arm_result;
  logic           rit_valid, rit_ready, rit_done, rit_done_tx, rit_full, rdt_full;
  logic [7:0]     rit_code;
  logic [30:0]    rdy_state;
  logic [31:0]    cmd_stamp, pkt_stamp, lrec_stamp, rpkt_stamp, rec_stamp;
  logic           tx_cmd_done, rec_cmd_done;

  logic [31:0]    cnt_sub, cnt_supp, cnt_stray, cnt_lit_full, cnt_ans, cnt_rit_full;
  logic [31:0]    cnt_ntf, cnt_drop, cnt_written, cnt_ovf, ring_head, cnt_suba, cnt_rfull;

  // rx -> lit, records, alive
  logic           seen_valid;
  logic [NW-1:0]  seen_src;
  logic           pkt_valid, pkt_ready, pkt_notify, pkt_is_ready, pkt_unsub;
  logic [NW-1:0]  pkt_src;
  logic [31:0]    pkt_object, pkt_version;
  logic [7:0]     pkt_event, pkt_state;
  logic           rxsub_valid, rxsub_ready;

  // lit -> tx, records
  logic           sub_valid, sub_ready, sub_unsub;
  logic [NW-1:0]  sub_owner;
  logic [31:0]    sub_object, sub_version;
  logic [7:0]     sub_event;
  logic           lrec_valid, lrec_ready, lrec_is_ready, lrec_tag;
  logic [7:0]     lrec_kind, lrec_event, lrec_state;
  logic [NW-1:0]  lrec_src;
  logic [31:0]    lrec_object, lrec_version;

  // rit -> tx
  logic           ans_valid, ans_rdy, ntf_valid, ntf_rdy, rpkt_is_ready, rpkt_cmd;
  logic           rrec_valid, rrec_ready;
  logic [NW-1:0]  rrec_src;
  logic [31:0]    rrec_object, rrec_version;
  logic [7:0]     rrec_event;
  logic [MaxNodes-1:0] rpkt_mask;
  logic [31:0]    rpkt_object, rpkt_version;
  logic [7:0]     rpkt_event, rpkt_state;

  // alive -> tx, records
  logic           alive_valid, alive_ready;
  logic [MaxNodes-1:0] alive_tx_mask;
  logic           arec_valid, arec_ready;
  logic [NW-1:0]  arec_node;

  // records -> ring
  logic [2:0]     rreq, rgnt;
  logic           rec_valid, rec_ready, rec_is_ready, rec_tag;
  logic [ne_pkg::READY_RECORD_KIND_WIDTH-1:0]    rec_kind;
  logic [ne_pkg::READY_RECORD_SRC_WIDTH-1:0]     rec_src;
  logic [ne_pkg::READY_RECORD_EVENT_WIDTH-1:0]   rec_event;
  logic [ne_pkg::READY_RECORD_STATE_WIDTH-1:0]   rec_state;
  logic [ne_pkg::READY_RECORD_OBJECT_WIDTH-1:0]  rec_object;
  logic [ne_pkg::READY_RECORD_VERSION_WIDTH-1:0] rec_version;
  logic           ring_written, ring_dropped, ring_nd_done, rec_wakes;

  logic [47:0]    irq_wake, down_wake, alive_wake;
  logic           irq_wake_on, down_on, alive_on;
  logic [47:0]    wake_min, wake_at_q;
  logic           work, work_q;
  logic           regs_busy, lit_busy, rit_busy, rx_busy, tx_busy, ring_busy, irq_busy;
  logic           alive_busy;

  // ---------------------------------------------------------------------------------
  // Blocks
  ne_regs #(
    .MAX_NODES(MaxNodes)
  ) u_regs (
    .clk_i                (clk),
    .rst_ni               (rst_n),
    .req_valid_i          (mmio_req_valid),
    .req_ready_o          (mmio_req_ready),
    .req_write_i          (mmio_req_write),
    .req_addr_i           (mmio_req_addr),
    .req_wdata_i          (mmio_req_wdata),
    .rsp_valid_o          (mmio_rsp_valid),
    .rsp_rdata_o          (mmio_rsp_rdata),
    .node_id_o            (node_id),
    .enable_o             (enable),
    .key_owner_o          (key_owner),
    .key_object_o         (key_object),
    .key_event_o          (key_event),
    .key_version_o        (key_version),
    .ans_dst_o            (ans_dst),
    .ans_state_o          (ans_state),
    .ans_ready_o          (ans_ready),
    .ring_base_o          (ring_base),
    .ring_size_o          (ring_size),
    .ring_tail_o          (ring_tail),
    .ring_clr_o           (ring_clr),
    .irq_enable_o         (irq_enable),
    .irq_ack_o            (irq_ack),
    .coalesce_count_o     (coalesce_count),
    .coalesce_cycles_o    (coalesce_cycles),
    .alive_period_o       (alive_period),
    .alive_period_wr_o    (alive_period_wr),
    .alive_period_wdata_o (alive_period_wdata),
    .alive_timeout_o      (alive_timeout),
    .alive_mask_o         (alive_mask),
    .alive_cfg_chg_o      (alive_cfg_chg),
    .alive_restart_valid_o(alive_restart_valid),
    .alive_restart_nodes_o(alive_restart_nodes),
    .alive_down_clr_o     (alive_down_clr),
    .alive_restart_ready_i(alive_restart_ready),
    .ring_busy_i          (ring_busy),
    .arm_valid_o          (arm_valid),
    .arm_cancel_o         (arm_cancel),
    .arm_ready_i          (arm_ready),
    .arm_done_i           (arm_done),
    .arm_result_i         (arm_result),
    .rit_valid_o          (rit_valid),
    .rit_ready_i          (rit_ready),
    .rit_code_o           (rit_code),
    .rdy_state_o          (rdy_state),
    .stamp_o              (cmd_stamp),
    .rit_done_i           (rit_done),
    .rit_done_tx_i        (rit_done_tx),
    .tx_cmd_done_i        (tx_cmd_done),
    .rec_cmd_done_i       (rec_cmd_done),
    .lit_full_i           (arm_full),
    .rit_full_i           (rit_full),
    .rdt_full_i           (rdt_full),
    .overflow_i           (ring_dropped),
    .irq_status_i         (irq_status),
    .nodes_down_i         (nodes_down),
    .ring_head_i          (ring_head),
    .subscribes_sent_i    (cnt_sub),
    .suppressed_i         (cnt_supp),
    .stray_i              (cnt_stray),
    .lit_full_count_i     (cnt_lit_full),
    .answers_sent_i       (cnt_ans),
    .rit_full_count_i     (cnt_rit_full),
    .notifies_sent_i      (cnt_ntf),
    .notify_dropped_i     (cnt_drop),
    .records_written_i    (cnt_written),
    .ring_overflow_count_i(cnt_ovf),
    .subscribes_answered_i(cnt_suba),
    .rdt_full_count_i     (cnt_rfull),
    .busy_o               (regs_busy)
  );

  ne_rx #(
    .MAX_NODES(MaxNodes)
  ) u_rx (
    .clk_i         (clk),
    .rst_ni        (rst_n),
    .enable_i      (enable),
    .rx_valid_i    (rx_valid),
    .rx_ready_o    (rx_ready),
    .rx_type_i     (rx_type),
    .rx_src_i      (rx_src),
    .rx_len_i      (rx_len),
    .rx_payload_i  (rx_payload),
    .seen_valid_o  (seen_valid),
    .seen_src_o    (seen_src),
    .pkt_valid_o   (pkt_valid),
    .pkt_ready_i   (pkt_ready),
    .pkt_src_o     (pkt_src),
    .pkt_object_o  (pkt_object),
    .pkt_event_o   (pkt_event),
    .pkt_version_o (pkt_version),
    .pkt_state_o   (pkt_state),
    .pkt_notify_o  (pkt_notify),
    .pkt_is_ready_o(pkt_is_ready),
    .pkt_stamp_o   (pkt_stamp),
    .pkt_unsub_o   (pkt_unsub),
    .sub_valid_o   (rxsub_valid),
    .sub_ready_i   (rxsub_ready),
    .busy_o        (rx_busy)
  );

  ne_lit #(
    .LIT_ENTRIES(LIT_ENTRIES)
  ) u_lit (
    .clk_i            (clk),
    .rst_ni           (rst_n),
    .arm_valid_i      (arm_valid),
    .arm_ready_o      (arm_ready),
    .arm_owner_i      (key_owner),
    .arm_object_i     (key_object),
    .arm_event_i      (key_event),
    .arm_version_i    (key_version),
    .arm_cancel_i     (arm_cancel),
    .arm_done_o       (arm_done),
    .arm_result_o     (arm_result),
    .arm_full_o       (arm_full),
    .pkt_valid_i      (pkt_valid),
    .pkt_ready_o      (pkt_ready),
    .pkt_src_i        (pkt_src),
    .pkt_object_i     (pkt_object),
    .pkt_event_i      (pkt_event),
    .pkt_version_i    (pkt_version),
    .pkt_state_i      (pkt_state),
    .pkt_notify_i     (pkt_notify),
    .pkt_is_ready_i   (pkt_is_ready),
    .pkt_stamp_i      (pkt_stamp),
    .sub_valid_o      (sub_valid),
    .sub_ready_i      (sub_ready),
    .sub_owner_o      (sub_owner),
    .sub_object_o     (sub_object),
    .sub_event_o      (sub_event),
    .sub_version_o    (sub_version),
    .sub_unsub_o      (sub_unsub),
    .rec_valid_o      (lrec_valid),
    .rec_ready_i      (lrec_ready),
    .rec_kind_o       (lrec_kind),
    .rec_src_o        (lrec_src),
    .rec_object_o     (lrec_object),
    .rec_event_o      (lrec_event),
    .rec_version_o    (lrec_version),
    .rec_state_o      (lrec_state),
    .rec_is_ready_o   (lrec_is_ready),
    .rec_stamp_o      (lrec_stamp),
    .rec_tag_o        (lrec_tag),
    .subscribes_sent_o(cnt_sub),
    .suppressed_o     (cnt_supp),
    .stray_o          (cnt_stray),
    .lit_full_count_o (cnt_lit_full),
    .busy_o           (lit_busy)
  );

  ne_rit #(
    .RIT_ENTRIES(RIT_ENTRIES),
    .RDT_ENTRIES(RDT_ENTRIES),
    .MAX_NODES  (MaxNodes)
  ) u_rit (
    .clk_i           (clk),
    .rst_ni          (rst_n),
    .cmd_valid_i     (rit_valid),
    .cmd_ready_o     (rit_ready),
    .cmd_code_i      (rit_code),
    .cmd_object_i    (key_object),
    .cmd_event_i     (key_event),
    .cmd_version_i   (key_version),
    .cmd_dst_i       (ans_dst),
    .cmd_state_i     (ans_state),
    .cmd_is_ready_i  (ans_ready),
    .cmd_rdy_i       (rdy_state),
    .cmd_stamp_i     (cmd_stamp),
    .done_o          (rit_done),
    .done_tx_o       (rit_done_tx),
    .full_o          (rit_full),
    .rdt_full_o      (rdt_full),
    .sub_valid_i     (rxsub_valid),
    .sub_ready_o     (rxsub_ready),
    .sub_src_i       (pkt_src),
    .sub_object_i    (pkt_object),
    .sub_event_i     (pkt_event),
    .sub_version_i   (pkt_version),
    .sub_unsub_i     (pkt_unsub),
    .rec_valid_o     (rrec_valid),
    .rec_ready_i     (rrec_ready),
    .rec_src_o       (rrec_src),
    .rec_object_o    (rrec_object),
    .rec_event_o     (rrec_event),
    .rec_version_o   (rrec_version),
    .ans_valid_o     (ans_valid),
    .ans_ready_i     (ans_rdy),
    .ntf_valid_o     (ntf_valid),
    .ntf_ready_i     (ntf_rdy),
    .pkt_dst_mask_o  (rpkt_mask),
    .pkt_object_o    (rpkt_object),
    .pkt_event_o     (rpkt_event),
    .pkt_version_o   (rpkt_version),
    .pkt_state_o     (rpkt_state),
    .pkt_is_ready_o  (rpkt_is_ready),
    .pkt_stamp_o     (rpkt_stamp),
    .pkt_cmd_o       (rpkt_cmd),
    .answers_sent_o  (cnt_ans),
    .rit_full_count_o(cnt_rit_full),
    .notifies_sent_o (cnt_ntf),
    .notify_dropped_o(cnt_drop),
    .subscribes_answered_o(cnt_suba),
    .rdt_full_count_o(cnt_rfull),
    .busy_o          (rit_busy)
  );

  ne_alive #(
    .MAX_NODES(MaxNodes)
  ) u_alive (
    .clk_i          (clk),
    .rst_ni         (rst_n),
    .now_i          (now),
    .enable_i       (enable),
    .node_id_i      (node_id),
    .period_i       (alive_period),
    .period_wr_i    (alive_period_wr),
    .period_wdata_i (alive_period_wdata),
    .timeout_i      (alive_timeout),
    .mask_i         (alive_mask),
    .cfg_chg_i      (alive_cfg_chg),
    .restart_valid_i(alive_restart_valid),
    .restart_nodes_i(alive_restart_nodes),
    .down_clr_i     (alive_down_clr),
    .restart_ready_o(alive_restart_ready),
    .seen_valid_i   (seen_valid),
    .seen_src_i     (seen_src),
    .alive_valid_o  (alive_valid),
    .alive_ready_i  (alive_ready),
    .alive_mask_o   (alive_tx_mask),
    .rec_valid_o    (arec_valid),
    .rec_ready_i    (arec_ready),
    .rec_node_o     (arec_node),
    .nodes_down_o   (nodes_down),
    .down_on_o      (down_on),
    .wake_down_o    (down_wake),
    .alive_on_o     (alive_on),
    .wake_alive_o   (alive_wake),
    .busy_o         (alive_busy)
  );

  ne_tx #(
    .MAX_NODES(MaxNodes)
  ) u_tx (
    .clk_i         (clk),
    .rst_ni        (rst_n),
    .sub_valid_i   (sub_valid),
    .sub_ready_o   (sub_ready),
    .sub_owner_i   (sub_owner),
    .sub_object_i  (sub_object),
    .sub_event_i   (sub_event),
    .sub_version_i (sub_version),
    .sub_unsub_i   (sub_unsub),
    .ans_valid_i   (ans_valid),
    .ans_ready_o   (ans_rdy),
    .ntf_valid_i   (ntf_valid),
    .ntf_ready_o   (ntf_rdy),
    .pkt_dst_mask_i(rpkt_mask),
    .pkt_object_i  (rpkt_object),
    .pkt_event_i   (rpkt_event),
    .pkt_version_i (rpkt_version),
    .pkt_state_i   (rpkt_state),
    .pkt_is_ready_i(rpkt_is_ready),
    .pkt_stamp_i   (rpkt_stamp),
    .pkt_cmd_i     (rpkt_cmd),
    .alive_valid_i (alive_valid),
    .alive_ready_o (alive_ready),
    .alive_mask_i  (alive_tx_mask),
    .tx_valid_o    (tx_valid),
    .tx_ready_i    (tx_ready),
    .tx_type_o     (tx_type),
    .tx_dst_mask_o (tx_dst_mask),
    .tx_len_o      (tx_len),
    .tx_payload_o  (tx_payload),
    .cmd_done_o    (tx_cmd_done),
    .busy_o        (tx_busy)
  );

  // ---------------------------------------------------------------------------------
  // Records: round robin between the local table, subscribes to unpublished objects and
  // node-down
  assign rreq = {arec_valid, rrec_valid, lrec_valid};

  ne_rr_arb #(
    .N(3)
  ) u_rec_arb (
    .clk_i    (clk),
    .rst_ni   (rst_n),
    .req_i    (rreq),
    .advance_i(rec_valid && rec_ready),
    .gnt_o    (rgnt)
  );

  assign rec_valid   = rreq != '0;
  assign lrec_ready  = rec_ready && rgnt[0];
  assign rrec_ready  = rec_ready && rgnt[1];
  assign arec_ready  = rec_ready && rgnt[2];

  always @* begin
    rec_kind     = lrec_kind;
    rec_src      = {{SrcPad{1'b0}}, lrec_src};
    rec_event    = lrec_event;
    rec_state    = lrec_state;
    rec_object   = lrec_object;
    rec_version  = lrec_version;
    rec_is_ready = lrec_is_ready;
    rec_tag      = lrec_tag;
    if (rgnt[1]) begin
      rec_kind     = ne_pkg::RECORD_KIND_SUBSCRIBE;
      rec_src      = {{SrcPad{1'b0}}, rrec_src};
      rec_event    = rrec_event;
      rec_state    = '0;
      rec_object   = rrec_object;
      rec_version  = rrec_version;
      rec_is_ready = 1'b0;
      rec_tag      = 1'b0;
    end else if (rgnt[2]) begin
      rec_kind     = ne_pkg::RECORD_KIND_NODE_DOWN;
      rec_src      = {{SrcPad{1'b0}}, arec_node};
      rec_event    = '0;
      rec_state    = '0;
      rec_object   = '0;
      rec_version  = '0;
      rec_is_ready = 1'b0;
      rec_tag      = 1'b0;
    end
  end

  // the stamp of a SUBSCRIBE or NODE_DOWN record: when the ring accepts it (apart from the
  // block above: this one reads `now`)
  assign rec_stamp = (rgnt[1] || rgnt[2]) ? now[31:0] : lrec_stamp;

  ne_ring u_ring (
    .clk_i            (clk),
    .rst_ni           (rst_n),
    .base_i           (ring_base),
    .size_i           (ring_size),
    .tail_i           (ring_tail),
    .ring_clr_i       (ring_clr),
    .rec_valid_i      (rec_valid),
    .rec_ready_o      (rec_ready),
    .rec_kind_i       (rec_kind),
    .rec_src_i        (rec_src),
    .rec_event_i      (rec_event),
    .rec_state_i      (rec_state),
    .rec_object_i     (rec_object),
    .rec_version_i    (rec_version),
    .rec_is_ready_i   (rec_is_ready),
    .rec_stamp_i      (rec_stamp),
    .rec_tag_i        (rec_tag),
    .dma_valid_o      (dma_valid),
    .dma_ready_i      (dma_ready),
    .dma_addr_o       (dma_addr),
    .dma_data_o       (dma_data),
    .dma_bytes_o      (dma_bytes),
    .head_o           (ring_head),
    .written_o        (ring_written),
    .dropped_o        (ring_dropped),
    .tag_done_o       (rec_cmd_done),
    .nd_done_o        (ring_nd_done),
    .records_written_o(cnt_written),
    .overflow_count_o (cnt_ovf),
    .busy_o           (ring_busy)
  );

  ne_irq u_irq (
    .clk_i      (clk),
    .rst_ni     (rst_n),
    .now_i      (now),
    .count_i    (coalesce_count),
    .cycles_i   (coalesce_cycles),
    .enable_i   (irq_enable),
    .ack_i      (irq_ack),
    .written_i  (ring_written && rec_wakes),
    .overflow_i (ring_dropped),
    .node_down_i(ring_nd_done),
    .status_o   (irq_status),
    .irq_o      (irq),
    .wake_on_o  (irq_wake_on),
    .wake_at_o  (irq_wake),
    .busy_o     (irq_busy)
  );

  // the record being written (on dma_data while its write is taken) wakes a process
  assign rec_wakes = !(dma_data[ne_pkg::READY_RECORD_KIND_LSB +: ne_pkg::READY_RECORD_KIND_WIDTH] ==
                       ne_pkg::RECORD_KIND_ANSWER && !dma_data[ne_pkg::READY_RECORD_READY_LSB]);

  // ---------------------------------------------------------------------------------
  // Idle and the earliest deadline
  // idle waits one cycle after the last work, when wake_at holds the deadlines that work
  // set: a flip-flop instead of comparing wake_at with the 48-bit minimum (too slow)
  assign work = regs_busy || lit_busy || rit_busy || rx_busy || tx_busy || ring_busy ||
                irq_busy || alive_busy || mmio_req_valid || rx_valid;
  assign idle = !work && !work_q;
  // minimum of three deadlines, the three comparisons side by side (in a row they would
  // not reach 50 MHz); a deadline counts only while on (all ones: none), which takes the
  // place of three multiplexers in the blocks. Each comparison is the top bit of a 33-bit
  // subtraction (on iCE40 half the logic cells of `<`, 15 bits shorter than 48): a
  // deadline that is on and not reached lies less than 2^32 ahead of now (a time written
  // plus COALESCE_CYCLES, ALIVE_PERIOD or ALIVE_TIMEOUT), so when idle, the one time
  // wake_at is read, the three are less than 2^32 apart and 33 bits order them.
  /* verilator lint_off UNUSEDSIGNAL */  // of the differences only the top bit is used
  logic [32:0] d_id, d_ia, d_ad;
  /* verilator lint_on UNUSEDSIGNAL */
  always @* begin
    d_id = irq_wake[32:0] - down_wake[32:0];
    d_ia = irq_wake[32:0] - alive_wake[32:0];
    d_ad = alive_wake[32:0] - down_wake[32:0];
    if (irq_wake_on && (!down_on || d_id[32]) && (!alive_on || d_ia[32])) wake_min = irq_wake;
    else if (alive_on && (!down_on || d_ad[32])) wake_min = alive_wake;
    else if (down_on) wake_min = down_wake;
    else wake_min = '1;
  end

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      wake_at_q <= '1;
      work_q    <= 1'b1;
    end else begin
      wake_at_q <= wake_min;
      work_q    <= work;
    end
  end
  assign wake_at = wake_at_q;
endmodule
