// SPDX-License-Identifier: MIT
// ne_rit: remote interest table of the notify engine, the owner side (docs/notify-engine.md
// §2, step T10 of docs/select.md).
//
// RIT_ENTRIES entries, each: valid, (object, event, version) and a mask of the nodes that
// were answered "not ready" for it. Commands come one at a time from ne_regs (ANSWER,
// NOTIFY); each takes three cycles (accept, match, act = commit). The packet a command
// makes goes into one output register, offered on the answer or the notify port, so the
// owner's packets leave in command order.
//
// Decisions where the contract is open:
// * A command is accepted only while the output register is empty, so the commit never
//   waits.
// * ANSWER with ready 1 leaves the table unchanged (an interest recorded earlier for the
//   destination stays; its later NOTIFY is at worst stray at the requester).
// * NOTIFY sends ready 1; the mask goes out as it is (this node's own bit included, if an
//   ANSWER ever named it).
// * ANSWERS_SENT counts every ANSWER command, NOTIFIES_SENT every NOTIFY that sent.
module ne_rit #(
  parameter int RIT_ENTRIES = ne_pkg::RIT_ENTRIES,  /// table entries, at least 2
  parameter int MAX_NODES   = ipb_pkg::MAX_NODES    /// width of a node mask
) (
  input  logic        clk_i,   /// clock
  input  logic        rst_ni,  /// synchronous reset, active low

  // command; operands stable while cmd_valid_i
  input  logic        cmd_valid_i,
  output logic        cmd_ready_o,
  input  logic        cmd_notify_i,     /// 1: NOTIFY, 0: ANSWER
  input  logic [31:0] cmd_object_i,
  input  logic [7:0]  cmd_event_i,
  input  logic [31:0] cmd_version_i,
  input  logic [5:0]  cmd_dst_i,        /// ANSWER: destination
  input  logic [7:0]  cmd_state_i,      /// pipe state to send
  input  logic        cmd_is_ready_i,   /// ANSWER: ready bit
  output logic        done_o,           /// pulse: a command committed
  output logic        done_tx_o,        /// with done_o: it made a packet
  output logic        full_o,           /// pulse: an ANSWER found the table full

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

  // counters (32 bits, wrap)
  output logic [31:0] answers_sent_o,
  output logic [31:0] rit_full_count_o,
  output logic [31:0] notifies_sent_o,
  output logic [31:0] notify_dropped_o,

  output logic        busy_o            /// a command or a packet is pending
);
  localparam int IW = $clog2(RIT_ENTRIES);
  localparam int NW = $clog2(MAX_NODES);
  localparam logic [MAX_NODES-1:0] One = {{(MAX_NODES - 1) {1'b0}}, 1'b1};

  typedef enum logic [1:0] {
    RIdle,
    RMatch,
    RAct
  } rit_state_e;

  rit_state_e st_q, st_d;

  logic        op_notify_q;
  logic [31:0] op_object_q;
  logic [7:0]  op_event_q;
  logic [31:0] op_version_q;
  logic [NW-1:0] op_dst_q;
  logic [7:0]  op_state_q;
  logic        op_is_ready_q;
  logic        op_load;

  logic          hit_q, hit_d;
  logic [IW-1:0] hit_idx_q, hit_idx_d;
  logic          free_q, free_d;
  logic [IW-1:0] free_idx_q, free_idx_d;

  logic [RIT_ENTRIES-1:0] valid_q, valid_d;
  logic [31:0]          object_q  [RIT_ENTRIES];
  logic [7:0]           event_q   [RIT_ENTRIES];
  logic [31:0]          version_q [RIT_ENTRIES];
  logic [MAX_NODES-1:0] mask_q    [RIT_ENTRIES];
  logic                 alloc_we, or_we;
  logic [MAX_NODES-1:0] dst_bit;

  logic                 out_valid_q, out_valid_d, out_load, out_taken;
  logic                 out_notify_q;
  logic [MAX_NODES-1:0] out_mask_q, out_mask_d;
  logic [31:0]          out_object_q;
  logic [7:0]           out_event_q;
  logic [31:0]          out_version_q;
  logic [7:0]           out_state_q;
  logic                 out_is_ready_q, out_is_ready_d;

  logic [31:0] cnt_ans_q, cnt_full_q, cnt_ntf_q, cnt_drop_q;
  logic        inc_ans, inc_full, inc_ntf, inc_drop;

  // Commit of the command in RAct. Observed by the testbench's reference model.
  logic commit  /* verilator public_flat_rd */;

  // ---------------------------------------------------------------------------------
  // Accept
  assign cmd_ready_o = (st_q == RIdle) && !out_valid_q;
  assign op_load     = cmd_valid_i && cmd_ready_o;

  always_ff @(posedge clk_i) begin
    if (op_load) begin
      op_notify_q   <= cmd_notify_i;
      op_object_q   <= cmd_object_i;
      op_event_q    <= cmd_event_i;
      op_version_q  <= cmd_version_i;
      op_dst_q      <= cmd_dst_i[NW-1:0];
      op_state_q    <= cmd_state_i;
      op_is_ready_q <= cmd_is_ready_i;
    end
  end

  // ---------------------------------------------------------------------------------
  // Match: one-hot (an ANSWER allocates only on a miss), encoded by OR; the free entry is
  // the lowest one (as in ne_lit).
  localparam logic [RIT_ENTRIES-1:0] EntOne = {{(RIT_ENTRIES - 1) {1'b0}}, 1'b1};
  logic [RIT_ENTRIES-1:0] match_vec, free_vec, free_one;

  // index of the set bit of a one-hot vector (0 when none)
  function automatic logic [IW-1:0] onehot_index(input logic [RIT_ENTRIES-1:0] v);
    logic [IW-1:0] r;
    r = '0;
    for (int i = 0; i < RIT_ENTRIES; i++) begin
      if (v[i]) r = r | i[IW-1:0];
    end
    onehot_index = r;
  endfunction

  for (genvar g = 0; g < RIT_ENTRIES; g++) begin : g_match
    assign match_vec[g] = valid_q[g] && object_q[g] == op_object_q && event_q[g] == op_event_q &&
                          version_q[g] == op_version_q;
  end

  assign free_vec   = ~valid_q;
  assign free_one   = free_vec & (~free_vec + EntOne);
  assign hit_d      = |match_vec;
  assign free_d     = |free_vec;
  assign hit_idx_d  = onehot_index(match_vec);
  assign free_idx_d = onehot_index(free_one);

  always_ff @(posedge clk_i) begin
    if (st_q == RMatch) begin
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
    alloc_we       = 1'b0;
    or_we          = 1'b0;
    out_load       = 1'b0;
    out_mask_d     = '0;
    out_is_ready_d = 1'b1;
    inc_ans        = 1'b0;
    inc_full       = 1'b0;
    inc_ntf        = 1'b0;
    inc_drop       = 1'b0;
    full_o         = 1'b0;
    dst_bit        = One << op_dst_q;
    commit         = (st_q == RAct);

    case (st_q)
      RIdle:   if (op_load) st_d = RMatch;
      RMatch:  st_d = RAct;
      RAct:    st_d = RIdle;
      default: st_d = RIdle;
    endcase

    if (commit && !op_notify_q) begin
      // ANSWER: one unicast; remember the interest if not ready
      inc_ans        = 1'b1;
      out_load       = 1'b1;
      out_mask_d     = dst_bit;
      out_is_ready_d = op_is_ready_q;
      if (!op_is_ready_q) begin
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
    end else if (commit) begin
      // NOTIFY: one multicast to the interested nodes, then forget them
      if (hit_q && mask_q[hit_idx_q] != '0) begin
        inc_ntf            = 1'b1;
        out_load           = 1'b1;
        out_mask_d         = mask_q[hit_idx_q];
        valid_d[hit_idx_q] = 1'b0;
      end else begin
        inc_drop = 1'b1;
      end
    end
    done_o    = commit;
    done_tx_o = out_load;

    out_taken   = out_notify_q ? ntf_ready_i : ans_ready_i;
    out_valid_d = (out_valid_q && !out_taken) || out_load;
  end

  // ---------------------------------------------------------------------------------
  // Registers
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      st_q        <= RIdle;
      valid_q     <= '0;
      out_valid_q <= 1'b0;
      cnt_ans_q   <= '0;
      cnt_full_q  <= '0;
      cnt_ntf_q   <= '0;
      cnt_drop_q  <= '0;
    end else begin
      st_q        <= st_d;
      valid_q     <= valid_d;
      out_valid_q <= out_valid_d;
      cnt_ans_q   <= cnt_ans_q + {31'd0, inc_ans};
      cnt_full_q  <= cnt_full_q + {31'd0, inc_full};
      cnt_ntf_q   <= cnt_ntf_q + {31'd0, inc_ntf};
      cnt_drop_q  <= cnt_drop_q + {31'd0, inc_drop};
    end
  end

  // entry contents: no reset, guarded by valid_q
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
    if (out_load) begin
      out_notify_q   <= op_notify_q;
      out_mask_q     <= out_mask_d;
      out_object_q   <= op_object_q;
      out_event_q    <= op_event_q;
      out_version_q  <= op_version_q;
      out_state_q    <= op_state_q;
      out_is_ready_q <= out_is_ready_d;
    end
  end

  // ---------------------------------------------------------------------------------
  // Outputs
  assign ans_valid_o      = out_valid_q && !out_notify_q;
  assign ntf_valid_o      = out_valid_q && out_notify_q;
  assign pkt_dst_mask_o   = out_mask_q;
  assign pkt_object_o     = out_object_q;
  assign pkt_event_o      = out_event_q;
  assign pkt_version_o    = out_version_q;
  assign pkt_state_o      = out_state_q;
  assign pkt_is_ready_o   = out_is_ready_q;
  assign answers_sent_o   = cnt_ans_q;
  assign rit_full_count_o = cnt_full_q;
  assign notifies_sent_o  = cnt_ntf_q;
  assign notify_dropped_o = cnt_drop_q;
  assign busy_o           = (st_q != RIdle) || out_valid_q;
endmodule
