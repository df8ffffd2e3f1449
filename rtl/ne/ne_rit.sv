// SPDX-License-Identifier: MIT
// ne_rit: the owner side of the notify engine (docs/notify-engine.md §2, step T10 of
// docs/select.md): the remote interest table and the readiness table.
//
// Remote interest table: RIT_ENTRIES entries, each valid, (object, event, version) and a
// mask of the nodes that were answered "not ready" for it. Readiness table: RDT_ENTRIES
// entries, each valid, object, version and the readiness word PUBLISH wrote (RDY_STATE:
// a state and a ready bit per event for keys of that version, and for the others).
//
// Operations come one at a time: commands from ne_regs (ANSWER, NOTIFY, PUBLISH,
// UNPUBLISH) and NE_SUBSCRIBE packets from ne_rx (these first). Each takes three cycles
// (accept, match, act = commit); a PUBLISH whose object has remembered interests then
// scans them, one per cycle, lowest index first. A subscribe to a published object is
// answered here as the ANSWER command would answer it (no record, no interrupt); one to
// an object not in the readiness table becomes a SUBSCRIBE record for software. Packets
// go into one output register, offered on the answer or the notify port, so the owner's
// packets leave in operation order; pkt_cmd_o tells ne_tx whether the packet is the
// packet of the command in progress (STATUS.BUSY waits for it) or the engine's own.
//
// Decisions where the contract is open:
// * An operation is accepted only while the output and record registers are empty, so
//   the commit never waits.
// * ANSWER with ready 1 leaves the table unchanged (an interest recorded earlier for the
//   destination stays; its later NOTIFY is at worst stray at the requester).
// * NOTIFY sends ready 1; the mask goes out as it is (this node's own bit included, if an
//   ANSWER ever named it).
// * PUBLISH notifies from its own operands even when the readiness table is full; it
//   finishes (done) when its scan has loaded its last packet.
// * ANSWERS_SENT counts ANSWER commands, SUBSCRIBES_ANSWERED the engine's own answers,
//   NOTIFIES_SENT every NE_NOTIFY of kind NOTIFY (NOTIFY commands and PUBLISH scans).
module ne_rit #(
  parameter int RIT_ENTRIES = ne_pkg::RIT_ENTRIES,  /// remote interest entries, at least 2
  parameter int RDT_ENTRIES = ne_pkg::RDT_ENTRIES,  /// readiness entries, at least 2
  parameter int MAX_NODES   = ipb_pkg::MAX_NODES    /// width of a node mask
) (
  input  logic        clk_i,   /// clock
  input  logic        rst_ni,  /// synchronous reset, active low

  // command; operands stable while cmd_valid_i
  input  logic        cmd_valid_i,
  output logic        cmd_ready_o,
  input  logic [7:0]  cmd_code_i,       /// ANSWER, NOTIFY, PUBLISH or UNPUBLISH
  input  logic [31:0] cmd_object_i,
  input  logic [7:0]  cmd_event_i,
  input  logic [31:0] cmd_version_i,
  input  logic [5:0]  cmd_dst_i,        /// ANSWER: destination
  input  logic [7:0]  cmd_state_i,      /// ANSWER, NOTIFY: pipe state to send
  input  logic        cmd_is_ready_i,   /// ANSWER: ready bit
  input  logic [19:0] cmd_rdy_i,        /// PUBLISH: RDY_STATE[19:0]
  input  logic [31:0] cmd_stamp_i,      /// ANSWER, NOTIFY, PUBLISH: STAMP, sent in the packets
  output logic        done_o,           /// pulse: a command finished
  output logic        done_tx_o,        /// with done_o: it made a packet
  output logic        full_o,           /// pulse: an answer found the interest table full
  output logic        rdt_full_o,       /// pulse: a PUBLISH found the readiness table full

  // NE_SUBSCRIBE arrived (ne_rx); fields stable while sub_valid_i
  input  logic                         sub_valid_i,
  output logic                         sub_ready_o,
  input  logic [$clog2(MAX_NODES)-1:0] sub_src_i,
  input  logic [31:0]                  sub_object_i,
  input  logic [7:0]                   sub_event_i,
  input  logic [31:0]                  sub_version_i,

  // SUBSCRIBE record for software (the object is not published)
  output logic                         rec_valid_o,
  input  logic                         rec_ready_i,
  output logic [$clog2(MAX_NODES)-1:0] rec_src_o,
  output logic [31:0]                  rec_object_o,
  output logic [7:0]                   rec_event_o,
  output logic [31:0]                  rec_version_o,

  // NE_NOTIFY to send: kind ANSWER on the ans port, NOTIFY on the ntf port (one at a time)
  output logic                 ans_valid_o,
  input  logic                 ans_ready_i,
  output logic                 ntf_valid_o,
  input  logic                 ntf_ready_i,
  output logic [MAX_NODES-1:0] pkt_dst_mask_o,
  output logic [31:0]          pkt_object_o,
  output logic [7:0]           pkt_event_o,
  output logic [31:0]          pkt_version_o,
  output logic [7:0]           pkt_state_o,
  output logic                 pkt_is_ready_o,
  output logic [31:0]          pkt_stamp_o,     /// the change's STAMP
  output logic                 pkt_cmd_o,       /// the packet of the command in progress

  // counters (32 bits, wrap)
  output logic [31:0] answers_sent_o,
  output logic [31:0] rit_full_count_o,
  output logic [31:0] notifies_sent_o,
  output logic [31:0] notify_dropped_o,
  output logic [31:0] subscribes_answered_o,
  output logic [31:0] rdt_full_count_o,

  output logic        busy_o            /// an operation, packet or record is pending
);
  localparam int IW = $clog2(RIT_ENTRIES);
  localparam int DW = $clog2(RDT_ENTRIES);
  localparam int NW = $clog2(MAX_NODES);
  localparam logic [MAX_NODES-1:0] One = {{(MAX_NODES - 1) {1'b0}}, 1'b1};

  typedef enum logic [1:0] {
    RIdle,
    RMatch,
    RAct,
    RScan
  } rit_state_e;

  typedef enum logic [2:0] {
    OpAnswer,
    OpNotify,
    OpPublish,
    OpUnpublish,
    OpSub
  } rit_op_e;

  rit_state_e st_q, st_d;

  rit_op_e     op_q, op_d;
  logic [31:0] op_object_q, op_object_d;
  logic [7:0]  op_event_q, op_event_d;
  logic [31:0] op_version_q, op_version_d;
  logic [NW-1:0] op_dst_q, op_dst_d;
  logic [7:0]  op_state_q, op_state_d;
  logic        op_is_ready_q, op_is_ready_d;
  logic [19:0] op_rdy_q, op_rdy_d;
  logic [31:0] op_stamp_q, op_stamp_d;
  logic        can_take, op_load, take_sub;

  logic          hit_q, hit_d;
  logic [IW-1:0] hit_idx_q, hit_idx_d;
  logic          free_q, free_d;
  logic [IW-1:0] free_idx_q, free_idx_d;
  logic          rhit_q, rhit_d;
  logic [DW-1:0] ridx_q, ridx_d;
  logic          rfree_q, rfree_d;
  logic [DW-1:0] rfree_idx_q, rfree_idx_d;

  logic [RIT_ENTRIES-1:0] valid_q, valid_d;
  logic [31:0]          object_q  [RIT_ENTRIES];
  logic [7:0]           event_q   [RIT_ENTRIES];
  logic [31:0]          version_q [RIT_ENTRIES];
  logic [MAX_NODES-1:0] mask_q    [RIT_ENTRIES];
  logic                 alloc_we, or_we;
  logic [MAX_NODES-1:0] dst_bit;

  logic [RDT_ENTRIES-1:0] rvalid_q, rvalid_d;
  logic [31:0]          robject_q  [RDT_ENTRIES];
  logic [31:0]          rversion_q [RDT_ENTRIES];
  logic [19:0]          rrdy_q     [RDT_ENTRIES];
  logic [31:0]          rstamp_q   [RDT_ENTRIES];
  logic                 rdt_we;
  logic [DW-1:0]        rdt_widx;

  // scan of a PUBLISH: the interest entries of its object still to look at
  logic [RIT_ENTRIES-1:0] scan_q, scan_d, scan_one;
  logic [IW-1:0]          scan_idx;
  logic                   scan_same, scan_ready;

  // the answer of the operation in RAct (ANSWER command or a subscribe's)
  logic        ans_same, ans_ready, ans_state_sel;
  logic [7:0]  ans_state;
  logic [31:0] ans_stamp;

  logic                 out_valid_q, out_valid_d, out_load, out_taken;
  logic                 out_notify_q, out_notify_d, out_cmd_q, out_cmd_d;
  logic [MAX_NODES-1:0] out_mask_q, out_mask_d;
  logic [31:0]          out_object_q;
  logic [7:0]           out_event_q, out_event_d;
  logic [31:0]          out_version_q, out_version_d;
  logic [7:0]           out_state_q, out_state_d;
  logic                 out_is_ready_q, out_is_ready_d;
  logic [31:0]          out_stamp_q, out_stamp_d;
  logic                 rec_v_q, rec_v_d, rec_load;

  logic [31:0] cnt_ans_q, cnt_full_q, cnt_ntf_q, cnt_drop_q, cnt_suba_q, cnt_rfull_q;
  logic        inc_ans, inc_full, inc_ntf, inc_drop, inc_suba, inc_rfull;

  // Commit of the operation in RAct, whether it is a subscribe, a packet loaded by a
  // PUBLISH's scan and the scan's end. Observed by the testbench's reference model.
  logic commit      /* verilator public_flat_rd */;
  logic commit_sub  /* verilator public_flat_rd */;
  logic scan_load   /* verilator public_flat_rd */;
  logic scan_end    /* verilator public_flat_rd */;

  // ---------------------------------------------------------------------------------
  // Accept: an arriving subscribe first
  assign can_take    = (st_q == RIdle) && !out_valid_q && !rec_v_q;
  assign sub_ready_o = can_take;
  assign cmd_ready_o = can_take && !sub_valid_i;
  assign take_sub    = sub_valid_i;
  assign op_load     = can_take && (sub_valid_i || cmd_valid_i);

  always @* begin
    op_d          = op_q;
    op_object_d   = op_object_q;
    op_event_d    = op_event_q;
    op_version_d  = op_version_q;
    op_dst_d      = op_dst_q;
    op_state_d    = op_state_q;
    op_is_ready_d = op_is_ready_q;
    op_rdy_d      = op_rdy_q;
    op_stamp_d    = op_stamp_q;
    if (op_load && take_sub) begin
      op_d         = OpSub;
      op_object_d  = sub_object_i;
      op_event_d   = sub_event_i;
      op_version_d = sub_version_i;
      op_dst_d     = sub_src_i;
    end else if (op_load) begin
      case (cmd_code_i)
        ne_pkg::CMD_NOTIFY:    op_d = OpNotify;
        ne_pkg::CMD_PUBLISH:   op_d = OpPublish;
        ne_pkg::CMD_UNPUBLISH: op_d = OpUnpublish;
        default:               op_d = OpAnswer;
      endcase
      op_object_d   = cmd_object_i;
      op_event_d    = cmd_event_i;
      op_version_d  = cmd_version_i;
      op_dst_d      = cmd_dst_i[NW-1:0];
      op_state_d    = cmd_state_i;
      op_is_ready_d = cmd_is_ready_i;
      op_rdy_d      = cmd_rdy_i;
      op_stamp_d    = cmd_stamp_i;
    end
  end

  // ---------------------------------------------------------------------------------
  // Match: one-hot (an answer allocates only on a miss, a PUBLISH only on a miss), encoded
  // by OR; a free entry is the lowest one (as in ne_lit).
  localparam logic [RIT_ENTRIES-1:0] EntOne = {{(RIT_ENTRIES - 1) {1'b0}}, 1'b1};
  localparam logic [RDT_ENTRIES-1:0] RdtOne = {{(RDT_ENTRIES - 1) {1'b0}}, 1'b1};
  logic [RIT_ENTRIES-1:0] match_vec, obj_vec, free_vec, free_one;
  logic [RDT_ENTRIES-1:0] rmatch_vec, rfree_vec, rfree_one;

  // index of the set bit of a one-hot vector (0 when none)
  function automatic logic [IW-1:0] onehot_index(input logic [RIT_ENTRIES-1:0] v);
    logic [IW-1:0] r;
    r = '0;
    for (int i = 0; i < RIT_ENTRIES; i++) begin
      if (v[i]) r = r | i[IW-1:0];
    end
    onehot_index = r;
  endfunction

  function automatic logic [DW-1:0] onehot_rindex(input logic [RDT_ENTRIES-1:0] v);
    logic [DW-1:0] r;
    r = '0;
    for (int i = 0; i < RDT_ENTRIES; i++) begin
      if (v[i]) r = r | i[DW-1:0];
    end
    onehot_rindex = r;
  endfunction

  for (genvar g = 0; g < RIT_ENTRIES; g++) begin : g_match
    assign obj_vec[g]   = valid_q[g] && object_q[g] == op_object_q;
    assign match_vec[g] = obj_vec[g] && event_q[g] == op_event_q && version_q[g] == op_version_q;
  end

  for (genvar g = 0; g < RDT_ENTRIES; g++) begin : g_rmatch
    assign rmatch_vec[g] = rvalid_q[g] && robject_q[g] == op_object_q;
  end

  assign free_vec    = ~valid_q;
  assign free_one    = free_vec & (~free_vec + EntOne);
  assign hit_d       = |match_vec;
  assign free_d      = |free_vec;
  assign hit_idx_d   = onehot_index(match_vec);
  assign free_idx_d  = onehot_index(free_one);
  assign rfree_vec   = ~rvalid_q;
  assign rfree_one   = rfree_vec & (~rfree_vec + RdtOne);
  assign rhit_d      = |rmatch_vec;
  assign rfree_d     = |rfree_vec;
  assign ridx_d      = onehot_rindex(rmatch_vec);
  assign rfree_idx_d = onehot_rindex(rfree_one);

  always_ff @(posedge clk_i) begin
    if (st_q == RMatch) begin
      hit_q       <= hit_d;
      hit_idx_q   <= hit_idx_d;
      free_q      <= free_d;
      free_idx_q  <= free_idx_d;
      rhit_q      <= rhit_d;
      ridx_q      <= ridx_d;
      rfree_q     <= rfree_d;
      rfree_idx_q <= rfree_idx_d;
    end
  end

  // ---------------------------------------------------------------------------------
  // The answer in RAct: the command's operands, or the readiness table's for a subscribe
  always @* begin
    ans_same      = op_version_q == rversion_q[ridx_q];
    ans_state_sel = !ans_same;
    ans_state     = op_state_q;
    ans_ready     = op_is_ready_q;
    ans_stamp     = op_stamp_q;
    if (op_q == OpSub) begin
      ans_stamp = rstamp_q[ridx_q];
      ans_state = ans_state_sel ? rrdy_q[ridx_q][15:8] : rrdy_q[ridx_q][7:0];
      ans_ready = ans_same ? rrdy_q[ridx_q][16 + {4'd0, op_event_q[0]}]
                           : rrdy_q[ridx_q][18 + {4'd0, op_event_q[0]}];
    end
  end

  // The scan's entry: the lowest still to look at
  always @* begin
    scan_one   = scan_q & (~scan_q + EntOne);
    scan_idx   = onehot_index(scan_one);
    scan_same  = version_q[scan_idx] == op_version_q;
    scan_ready = scan_same ? op_rdy_q[16 + {4'd0, event_q[scan_idx][0]}]
                           : op_rdy_q[18 + {4'd0, event_q[scan_idx][0]}];
  end

  // ---------------------------------------------------------------------------------
  // Act and scan
  always @* begin
    st_d           = st_q;
    valid_d        = valid_q;
    rvalid_d       = rvalid_q;
    scan_d         = scan_q;
    alloc_we       = 1'b0;
    or_we          = 1'b0;
    rdt_we         = 1'b0;
    rdt_widx       = ridx_q;
    out_load       = 1'b0;
    rec_load       = 1'b0;
    out_notify_d   = 1'b0;
    out_cmd_d      = 1'b1;
    out_mask_d     = '0;
    out_event_d    = op_event_q;
    out_version_d  = op_version_q;
    out_state_d    = ans_state;
    out_is_ready_d = 1'b1;
    out_stamp_d    = op_stamp_q;
    inc_ans        = 1'b0;
    inc_full       = 1'b0;
    inc_ntf        = 1'b0;
    inc_drop       = 1'b0;
    inc_suba       = 1'b0;
    inc_rfull      = 1'b0;
    full_o         = 1'b0;
    rdt_full_o     = 1'b0;
    done_o         = 1'b0;
    scan_load      = 1'b0;
    scan_end       = 1'b0;
    dst_bit        = One << op_dst_q;
    commit         = (st_q == RAct);
    commit_sub     = commit && op_q == OpSub;
    out_taken      = out_notify_q ? ntf_ready_i : ans_ready_i;

    case (st_q)
      RIdle:   if (op_load) st_d = RMatch;
      RMatch:  st_d = RAct;
      RAct:    st_d = RIdle;
      RScan:   st_d = RScan;
      default: st_d = RIdle;
    endcase

    if (commit && (op_q == OpAnswer || (op_q == OpSub && rhit_q))) begin
      // an answer: one unicast; remember the interest if not ready
      inc_ans        = op_q == OpAnswer;
      inc_suba       = op_q == OpSub;
      out_load       = 1'b1;
      out_cmd_d      = op_q == OpAnswer;
      out_mask_d     = dst_bit;
      out_is_ready_d = ans_ready;
      out_stamp_d    = ans_stamp;
      if (!ans_ready) begin
        if (hit_q) begin
          or_we = 1'b1;
        end else if (free_q) begin
          alloc_we            = 1'b1;
          valid_d[free_idx_q] = 1'b1;
        end else begin
          inc_full       = 1'b1;
          full_o         = 1'b1;
          out_is_ready_d = 1'b1;  // the requester re-asks rather than waits forever
        end
      end
      done_o = op_q == OpAnswer;
    end else if (commit && op_q == OpSub) begin
      rec_load = 1'b1;  // not published: software answers
    end else if (commit && op_q == OpNotify) begin
      // NOTIFY: one multicast to the interested nodes, then forget them
      if (hit_q && mask_q[hit_idx_q] != '0) begin
        inc_ntf            = 1'b1;
        out_load           = 1'b1;
        out_notify_d       = 1'b1;
        out_mask_d         = mask_q[hit_idx_q];
        out_state_d        = op_state_q;
        valid_d[hit_idx_q] = 1'b0;
      end else begin
        inc_drop = 1'b1;
      end
      done_o = 1'b1;
    end else if (commit && op_q == OpPublish) begin
      // keep the readiness, then notify the interests it makes ready
      if (rhit_q) begin
        rdt_we = 1'b1;
      end else if (rfree_q) begin
        rdt_we               = 1'b1;
        rdt_widx             = rfree_idx_q;
        rvalid_d[rfree_idx_q] = 1'b1;
      end else begin
        inc_rfull  = 1'b1;
        rdt_full_o = 1'b1;
      end
      scan_d = obj_vec;
      if (obj_vec != '0) st_d = RScan;
      else done_o = 1'b1;
    end else if (commit) begin
      // UNPUBLISH
      if (rhit_q) rvalid_d[ridx_q] = 1'b0;
      done_o = 1'b1;
    end

    if (st_q == RScan) begin
      if (!scan_ready) begin
        scan_d = scan_q & ~scan_one;
      end else if (!out_valid_q || out_taken) begin
        scan_load             = 1'b1;
        out_load              = 1'b1;
        out_notify_d          = 1'b1;
        out_cmd_d             = 1'b0;
        out_mask_d            = mask_q[scan_idx];
        out_event_d           = event_q[scan_idx];
        out_version_d         = version_q[scan_idx];
        out_state_d           = scan_same ? op_rdy_q[7:0] : op_rdy_q[15:8];
        valid_d[scan_idx]     = 1'b0;
        inc_ntf               = 1'b1;
        scan_d                = scan_q & ~scan_one;
      end
      scan_end = scan_d == '0;
      if (scan_end) begin
        st_d   = RIdle;
        done_o = 1'b1;
      end
    end
    done_tx_o = commit && out_load && (op_q == OpAnswer || op_q == OpNotify);

    out_valid_d = (out_valid_q && !out_taken) || out_load;
    rec_v_d     = (rec_v_q && !rec_ready_i) || rec_load;
  end

  // ---------------------------------------------------------------------------------
  // Registers
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      st_q        <= RIdle;
      valid_q     <= '0;
      rvalid_q    <= '0;
      out_valid_q <= 1'b0;
      rec_v_q     <= 1'b0;
      cnt_ans_q   <= '0;
      cnt_full_q  <= '0;
      cnt_ntf_q   <= '0;
      cnt_drop_q  <= '0;
      cnt_suba_q  <= '0;
      cnt_rfull_q <= '0;
    end else begin
      st_q        <= st_d;
      valid_q     <= valid_d;
      rvalid_q    <= rvalid_d;
      out_valid_q <= out_valid_d;
      rec_v_q     <= rec_v_d;
      cnt_ans_q   <= cnt_ans_q + {31'd0, inc_ans};
      cnt_full_q  <= cnt_full_q + {31'd0, inc_full};
      cnt_ntf_q   <= cnt_ntf_q + {31'd0, inc_ntf};
      cnt_drop_q  <= cnt_drop_q + {31'd0, inc_drop};
      cnt_suba_q  <= cnt_suba_q + {31'd0, inc_suba};
      cnt_rfull_q <= cnt_rfull_q + {31'd0, inc_rfull};
    end
  end

  // the operation and the scan (no reset: meaningful only in their states)
  always_ff @(posedge clk_i) begin
    op_q          <= op_d;
    op_object_q   <= op_object_d;
    op_event_q    <= op_event_d;
    op_version_q  <= op_version_d;
    op_dst_q      <= op_dst_d;
    op_state_q    <= op_state_d;
    op_is_ready_q <= op_is_ready_d;
    op_rdy_q      <= op_rdy_d;
    op_stamp_q    <= op_stamp_d;
    scan_q        <= scan_d;
  end

  // entry contents: no reset, guarded by valid_q and rvalid_q
  always_ff @(posedge clk_i) begin
    if (alloc_we) begin
      object_q[free_idx_q]  <= op_object_q;
      event_q[free_idx_q]   <= op_event_q;
      version_q[free_idx_q] <= op_version_q;
      mask_q[free_idx_q]    <= dst_bit;
    end
    if (or_we) mask_q[hit_idx_q] <= mask_q[hit_idx_q] | dst_bit;
  end

  always_ff @(posedge clk_i) begin
    if (rdt_we) begin
      robject_q[rdt_widx]  <= op_object_q;
      rversion_q[rdt_widx] <= op_version_q;
      rrdy_q[rdt_widx]     <= op_rdy_q;
      rstamp_q[rdt_widx]   <= op_stamp_q;
    end
  end

  always_ff @(posedge clk_i) begin
    if (out_load) begin
      out_notify_q   <= out_notify_d;
      out_cmd_q      <= out_cmd_d;
      out_mask_q     <= out_mask_d;
      out_object_q   <= op_object_q;
      out_event_q    <= out_event_d;
      out_version_q  <= out_version_d;
      out_state_q    <= out_state_d;
      out_is_ready_q <= out_is_ready_d;
      out_stamp_q    <= out_stamp_d;
    end
  end

  // ---------------------------------------------------------------------------------
  // Outputs
  assign ans_valid_o           = out_valid_q && !out_notify_q;
  assign ntf_valid_o           = out_valid_q && out_notify_q;
  assign pkt_dst_mask_o        = out_mask_q;
  assign pkt_object_o          = out_object_q;
  assign pkt_event_o           = out_event_q;
  assign pkt_version_o         = out_version_q;
  assign pkt_state_o           = out_state_q;
  assign pkt_is_ready_o        = out_is_ready_q;
  assign pkt_stamp_o           = out_stamp_q;
  assign pkt_cmd_o             = out_cmd_q;
  assign rec_valid_o           = rec_v_q;
  assign rec_src_o             = op_dst_q;
  assign rec_object_o          = op_object_q;
  assign rec_event_o           = op_event_q;
  assign rec_version_o         = op_version_q;
  assign answers_sent_o        = cnt_ans_q;
  assign rit_full_count_o      = cnt_full_q;
  assign notifies_sent_o       = cnt_ntf_q;
  assign notify_dropped_o      = cnt_drop_q;
  assign subscribes_answered_o = cnt_suba_q;
  assign rdt_full_count_o      = cnt_rfull_q;
  assign busy_o                = (st_q != RIdle) || out_valid_q || rec_v_q;
endmodule
