// SPDX-License-Identifier: MIT
// ne_lit: local interest table of the notify engine, the requesting side's select
// database (docs/notify-engine.md §1, docs/select.md "Duplicate suppression").
//
// LIT_ENTRIES entries, each: valid, key (owner, object, event, version), status
// (IN_FLIGHT or SUBSCRIBED) and the last state answered. The table does one operation
// at a time, in the order it accepts them: an ARM or CANCEL command or an arriving
// NE_NOTIFY. CANCEL frees the key's entry whatever its status, and sends nothing.
// An operation takes three cycles: accept (operands registered), match (the key is
// compared with every entry, the result registered) and act (the table, the counters
// and the outputs change: the "commit"), plus any wait for the record output.
//
// Decisions where the contract is open:
// * An arriving packet is accepted before an ARM offered in the same cycle.
// * An ARM is accepted only while the subscribe output is empty, so the table never
//   waits for the transmit port: arriving packets keep flowing whatever the bus does
//   (an ARM waiting on the bus while answers queue behind it could deadlock two nodes).
// * SUBSCRIBES_SENT counts at the commit of an ARM that allocates (ARM_RESULT SENT);
//   that subscribe always leaves, even when a packet frees the entry before it has
//   gone (the answer to it is then stray).
// * An ANSWER on a SUBSCRIBED entry acts as on an IN_FLIGHT one (a repeated answer);
//   a NOTIFY frees the entry whatever its status.
// * The record of an arriving packet carries the packet's kind, state and ready bit
//   (NOTIFY: ready 1), matched or stray; the immediate ANSWER record of an ARM on a
//   SUBSCRIBED entry has ready 0 and is tagged (rec_tag_o) as the command's own.
module ne_lit #(
  parameter int LIT_ENTRIES = ne_pkg::LIT_ENTRIES  /// table entries, at least 2
) (
  input  logic        clk_i,   /// clock
  input  logic        rst_ni,  /// synchronous reset, active low

  // ARM command; operands stable while arm_valid_i
  input  logic        arm_valid_i,
  output logic        arm_ready_o,
  input  logic [5:0]  arm_owner_i,        /// key: owner node
  input  logic [31:0] arm_object_i,       /// key: object (owner's pipe id)
  input  logic [7:0]  arm_event_i,        /// key: event
  input  logic [31:0] arm_version_i,      /// key: version
  input  logic        arm_cancel_i,       /// 1: CANCEL, 0: ARM
  output logic        arm_done_o,         /// pulse: an ARM or CANCEL committed
  output logic [7:0]  arm_result_o,       /// with arm_done_o: ne_pkg::ARM_RESULT_*
  output logic        arm_full_o,         /// pulse: an ARM found the table full

  // arriving NE_NOTIFY (decoded by ne_rx)
  input  logic        pkt_valid_i,
  output logic        pkt_ready_o,
  input  logic [5:0]  pkt_src_i,          /// sender: the key's owner
  input  logic [31:0] pkt_object_i,
  input  logic [7:0]  pkt_event_i,
  input  logic [31:0] pkt_version_i,
  input  logic [7:0]  pkt_state_i,        /// pipe state
  input  logic        pkt_notify_i,       /// 1: kind NOTIFY, 0: kind ANSWER
  input  logic        pkt_is_ready_i,     /// ANSWER's ready bit
  input  logic [31:0] pkt_stamp_i,        /// the owner's STAMP

  // NE_SUBSCRIBE to send (registered, stable until taken)
  output logic        sub_valid_o,
  input  logic        sub_ready_i,
  output logic [5:0]  sub_owner_o,
  output logic [31:0] sub_object_o,
  output logic [7:0]  sub_event_o,
  output logic [31:0] sub_version_o,

  // ready record to write (registered, stable until taken)
  output logic        rec_valid_o,
  input  logic        rec_ready_i,
  output logic [7:0]  rec_kind_o,         /// ne_pkg::RECORD_KIND_ANSWER or _NOTIFY
  output logic [5:0]  rec_src_o,
  output logic [31:0] rec_object_o,
  output logic [7:0]  rec_event_o,
  output logic [31:0] rec_version_o,
  output logic [7:0]  rec_state_o,
  output logic        rec_is_ready_o,
  output logic [31:0] rec_stamp_o,        /// the packet's stamp; 0 for an ARM's record
  output logic        rec_tag_o,          /// the record of an ARM command

  // counters (32 bits, wrap)
  output logic [31:0] subscribes_sent_o,
  output logic [31:0] suppressed_o,
  output logic [31:0] stray_o,
  output logic [31:0] lit_full_count_o,

  output logic        busy_o              /// an operation or an output is pending
);
  localparam int IW = $clog2(LIT_ENTRIES);

  typedef enum logic [1:0] {
    LIdle,
    LMatch,
    LAct
  } lit_state_e;

  // ---------------------------------------------------------------------------------
  // State
  lit_state_e st_q, st_d;

  // the operation in progress
  logic        op_pkt_q  /* verilator public_flat_rd */;  // 1: arriving packet, 0: command
  logic        op_cancel_q /* verilator public_flat_rd */;  // the command is CANCEL
  logic [5:0]  op_owner_q;
  logic [31:0] op_object_q;
  logic [7:0]  op_event_q;
  logic [31:0] op_version_q;
  logic [7:0]  op_state_q;
  logic        op_notify_q;
  logic        op_is_ready_q;
  logic [31:0] op_stamp_q;
  logic        op_load;

  // the match result
  logic          hit_q, hit_d;
  logic [IW-1:0] hit_idx_q, hit_idx_d;
  logic          free_q, free_d;
  logic [IW-1:0] free_idx_q, free_idx_d;

  // the table
  logic [LIT_ENTRIES-1:0] valid_q, valid_d;
  logic [LIT_ENTRIES-1:0] subd_q, subd_d;  // 1: SUBSCRIBED, 0: IN_FLIGHT
  logic [5:0]  owner_q   [LIT_ENTRIES];
  logic [31:0] object_q  [LIT_ENTRIES];
  logic [7:0]  event_q   [LIT_ENTRIES];
  logic [31:0] version_q [LIT_ENTRIES];
  logic [7:0]  lstate_q  [LIT_ENTRIES];
  logic        alloc_we, state_we;

  // outputs
  logic        sub_valid_q, sub_valid_d;
  logic [5:0]  sub_owner_q;
  logic [31:0] sub_object_q;
  logic [7:0]  sub_event_q;
  logic [31:0] sub_version_q;

  logic        rec_valid_q, rec_valid_d, rec_load;
  logic [7:0]  rec_kind_q, rec_kind_d;
  logic [7:0]  rec_state_q, rec_state_d;
  logic        rec_is_ready_q, rec_is_ready_d;
  logic        rec_tag_q;
  logic [5:0]  rec_src_q;
  logic [31:0] rec_object_q;
  logic [7:0]  rec_event_q;
  logic [31:0] rec_version_q;
  logic [31:0] rec_stamp_q;

  logic [31:0] cnt_sent_q, cnt_supp_q, cnt_stray_q, cnt_full_q;
  logic        inc_sent, inc_supp, inc_stray, inc_full;

  // Commit of the operation in LAct. Observed by the testbench's reference model.
  logic commit  /* verilator public_flat_rd */;
  logic need_rec;

  // ---------------------------------------------------------------------------------
  // Accept: a packet first, then an ARM (only when the subscribe output is empty)
  always @* begin
    pkt_ready_o = (st_q == LIdle);
    arm_ready_o = (st_q == LIdle) && !pkt_valid_i && !sub_valid_q;
    op_load     = (pkt_valid_i && pkt_ready_o) || (arm_valid_i && arm_ready_o);
  end

  always_ff @(posedge clk_i) begin
    if (op_load) begin
      op_pkt_q      <= pkt_valid_i;
      op_cancel_q   <= !pkt_valid_i && arm_cancel_i;
      op_owner_q    <= pkt_valid_i ? pkt_src_i : arm_owner_i;
      op_object_q   <= pkt_valid_i ? pkt_object_i : arm_object_i;
      op_event_q    <= pkt_valid_i ? pkt_event_i : arm_event_i;
      op_version_q  <= pkt_valid_i ? pkt_version_i : arm_version_i;
      op_state_q    <= pkt_state_i;
      op_notify_q   <= pkt_notify_i;
      op_is_ready_q <= pkt_is_ready_i;
      op_stamp_q    <= pkt_valid_i ? pkt_stamp_i : '0;
    end
  end

  // ---------------------------------------------------------------------------------
  // Match: at most one entry holds a key (an ARM allocates only on a miss), so the match
  // vector is one-hot and its index an OR; the free entry is the lowest one. Both are
  // trees (no chain through the entries), registered before use.
  localparam logic [LIT_ENTRIES-1:0] EntOne = {{(LIT_ENTRIES - 1) {1'b0}}, 1'b1};
  logic [LIT_ENTRIES-1:0] match_vec, free_vec, free_one;

  // index of the set bit of a one-hot vector (0 when none)
  function automatic logic [IW-1:0] onehot_index(input logic [LIT_ENTRIES-1:0] v);
    logic [IW-1:0] r;
    r = '0;
    for (int i = 0; i < LIT_ENTRIES; i++) begin
      if (v[i]) r = r | i[IW-1:0];
    end
    onehot_index = r;
  endfunction

  for (genvar g = 0; g < LIT_ENTRIES; g++) begin : g_match
    assign match_vec[g] = valid_q[g] && owner_q[g] == op_owner_q && object_q[g] == op_object_q &&
                          event_q[g] == op_event_q && version_q[g] == op_version_q;
  end

  assign free_vec   = ~valid_q;
  assign free_one   = free_vec & (~free_vec + EntOne);
  assign hit_d      = |match_vec;
  assign free_d     = |free_vec;
  assign hit_idx_d  = onehot_index(match_vec);
  assign free_idx_d = onehot_index(free_one);

  always_ff @(posedge clk_i) begin
    if (st_q == LMatch) begin
      hit_q      <= hit_d;
      hit_idx_q  <= hit_idx_d;
      free_q     <= free_d;
      free_idx_q <= free_idx_d;
    end
  end

  // ---------------------------------------------------------------------------------
  // Act
  always @* begin
    st_d           = st_q;
    valid_d        = valid_q;
    subd_d         = subd_q;
    alloc_we       = 1'b0;
    state_we       = 1'b0;
    rec_load       = 1'b0;
    rec_kind_d     = ne_pkg::RECORD_KIND_ANSWER;
    rec_state_d    = op_state_q;
    rec_is_ready_d = 1'b0;
    inc_sent       = 1'b0;
    inc_supp       = 1'b0;
    inc_stray      = 1'b0;
    inc_full       = 1'b0;
    arm_result_o   = ne_pkg::ARM_RESULT_NONE;
    arm_full_o     = 1'b0;

    // a packet always gives a record; an ARM only on a SUBSCRIBED entry
    need_rec = op_pkt_q || (!op_cancel_q && hit_q && subd_q[hit_idx_q]);
    commit   = (st_q == LAct) && (!need_rec || !rec_valid_q || rec_ready_i);

    case (st_q)
      LIdle:  if (op_load) st_d = LMatch;
      LMatch: st_d = LAct;
      LAct:   if (commit) st_d = LIdle;
      default: st_d = LIdle;
    endcase

    if (commit && op_pkt_q) begin
      rec_load       = 1'b1;
      rec_kind_d     = op_notify_q ? ne_pkg::RECORD_KIND_NOTIFY : ne_pkg::RECORD_KIND_ANSWER;
      rec_is_ready_d = op_notify_q || op_is_ready_q;
      if (!hit_q) begin
        inc_stray = 1'b1;
      end else if (op_notify_q || op_is_ready_q) begin
        valid_d[hit_idx_q] = 1'b0;  // NOTIFY, or ANSWER ready: freed
      end else begin
        subd_d[hit_idx_q] = 1'b1;   // ANSWER not ready: SUBSCRIBED
        state_we          = 1'b1;
      end
    end else if (commit && op_cancel_q) begin
      if (hit_q) valid_d[hit_idx_q] = 1'b0;  // forgotten, whatever its status
    end else if (commit) begin
      if (hit_q) begin
        inc_supp = 1'b1;
        if (subd_q[hit_idx_q]) begin
          arm_result_o = ne_pkg::ARM_RESULT_SUPPRESSED_SUBSCRIBED;
          rec_load     = 1'b1;
          rec_state_d  = lstate_q[hit_idx_q];
        end else begin
          arm_result_o = ne_pkg::ARM_RESULT_SUPPRESSED_IN_FLIGHT;
        end
      end else if (free_q) begin
        arm_result_o        = ne_pkg::ARM_RESULT_SENT;
        inc_sent            = 1'b1;
        alloc_we            = 1'b1;
        valid_d[free_idx_q] = 1'b1;
        subd_d[free_idx_q]  = 1'b0;
      end else begin
        arm_result_o = ne_pkg::ARM_RESULT_FULL;
        arm_full_o   = 1'b1;
        inc_full     = 1'b1;
      end
    end
    arm_done_o = commit && !op_pkt_q;

    sub_valid_d = (sub_valid_q && !sub_ready_i) || alloc_we;
    rec_valid_d = (rec_valid_q && !rec_ready_i) || rec_load;
  end

  // ---------------------------------------------------------------------------------
  // Registers
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      st_q        <= LIdle;
      valid_q     <= '0;
      subd_q      <= '0;
      sub_valid_q <= 1'b0;
      rec_valid_q <= 1'b0;
      cnt_sent_q  <= '0;
      cnt_supp_q  <= '0;
      cnt_stray_q <= '0;
      cnt_full_q  <= '0;
    end else begin
      st_q        <= st_d;
      valid_q     <= valid_d;
      subd_q      <= subd_d;
      sub_valid_q <= sub_valid_d;
      rec_valid_q <= rec_valid_d;
      cnt_sent_q  <= cnt_sent_q + {31'd0, inc_sent};
      cnt_supp_q  <= cnt_supp_q + {31'd0, inc_supp};
      cnt_stray_q <= cnt_stray_q + {31'd0, inc_stray};
      cnt_full_q  <= cnt_full_q + {31'd0, inc_full};
    end
  end

  // entry contents: no reset, guarded by valid_q
  always_ff @(posedge clk_i) begin
    if (alloc_we) begin
      owner_q[free_idx_q]   <= op_owner_q;
      object_q[free_idx_q]  <= op_object_q;
      event_q[free_idx_q]   <= op_event_q;
      version_q[free_idx_q] <= op_version_q;
    end
    if (state_we) lstate_q[hit_idx_q] <= op_state_q;
  end

  always_ff @(posedge clk_i) begin
    if (alloc_we) begin
      sub_owner_q   <= op_owner_q;
      sub_object_q  <= op_object_q;
      sub_event_q   <= op_event_q;
      sub_version_q <= op_version_q;
    end
    if (rec_load) begin
      rec_kind_q     <= rec_kind_d;
      rec_src_q      <= op_owner_q;
      rec_object_q   <= op_object_q;
      rec_event_q    <= op_event_q;
      rec_version_q  <= op_version_q;
      rec_state_q    <= rec_state_d;
      rec_is_ready_q <= rec_is_ready_d;
      rec_stamp_q    <= op_stamp_q;
      rec_tag_q      <= !op_pkt_q;
    end
  end

  // ---------------------------------------------------------------------------------
  // Outputs
  assign sub_valid_o       = sub_valid_q;
  assign sub_owner_o       = sub_owner_q;
  assign sub_object_o      = sub_object_q;
  assign sub_event_o       = sub_event_q;
  assign sub_version_o     = sub_version_q;
  assign rec_valid_o       = rec_valid_q;
  assign rec_kind_o        = rec_kind_q;
  assign rec_src_o         = rec_src_q;
  assign rec_object_o      = rec_object_q;
  assign rec_event_o       = rec_event_q;
  assign rec_version_o     = rec_version_q;
  assign rec_state_o       = rec_state_q;
  assign rec_is_ready_o    = rec_is_ready_q;
  assign rec_stamp_o       = rec_stamp_q;
  assign rec_tag_o         = rec_tag_q;
  assign subscribes_sent_o = cnt_sent_q;
  assign suppressed_o      = cnt_supp_q;
  assign stray_o           = cnt_stray_q;
  assign lit_full_count_o  = cnt_full_q;
  assign busy_o            = (st_q != LIdle) || sub_valid_q || rec_valid_q;
endmodule
