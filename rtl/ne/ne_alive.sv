// SPDX-License-Identifier: MIT
// ne_alive: liveness of the notify engine (docs/notify-engine.md §4; registers
// ALIVE_PERIOD, ALIVE_TIMEOUT, ALIVE_MASK_LO/HI, NODES_DOWN_LO/HI).
//
// Sending: while enabled, ALIVE_PERIOD != 0 and ALIVE_MASK names another node, an ALIVE
// packet to those nodes is offered when `now` reaches the deadline; the next deadline is
// now + ALIVE_PERIOD (a write of ALIVE_PERIOD sets it from the time of the write).
//
// Watching: each node's last arrival time (now at the handshake of its last engine
// packet, or the time its watch (re)started) is kept in a 64 x 48-bit memory with one
// write and one registered read port, so that it can map to block RAM. A scanner reads
// the nodes one per cycle through a 3-stage pipeline: a watched node whose time +
// ALIVE_TIMEOUT <= now is declared down (its NODES_DOWN bit set, a NODE_DOWN record
// offered); the others that are not due give the minimum deadline, which becomes
// wake_down_o when a sweep ends with nothing changed meanwhile. A new sweep starts when
// that deadline is reached, or when something that can lower it changes (configuration,
// the start time of a restart written, a packet while restarts are pending, a packet from
// the node that holds the minimum, a due node whose declaration waits). With nothing
// watchable there is no sweep and no deadline. Times: the deadline time + ALIVE_TIMEOUT
// keeps its carry (49 bits, never due before 2^48); the deadlines that are not due lie
// less than 2^32 ahead, so the minimum and its test against now use 33-bit differences
// (the minimum's loop was the critical path with 48-bit compares).
// Watched = enabled, in ALIVE_MASK, not this node, not down, not waiting for its restart
// time, ALIVE_TIMEOUT != 0.
//
// Restarts: a restart (CTRL.ENABLE rising, NODE_ID written: every node of ALIVE_MASK;
// ALIVE_MASK written: the nodes added; a 1 written to a NODES_DOWN bit: that node) records
// the time of the write and writes it into each named node's entry, visiting the nodes
// in turn, one per cycle when the arrival port does not write (a packet from the node
// meanwhile writes a later time and ends its restart): at most MAX_NODES cycles. restart_ready_o is low while a restart is in progress; ne_regs
// holds back the writes that restart until it is high, so every restart keeps its own
// time exactly.
//
// Decisions where the contract is open: the above restarts ("silence counted from that
// write" for NODES_DOWN; the same rule for the other ways a node starts being watched);
// a declaration in the same cycle as a W1C of the node's bit wins; a declaration waits
// while the previous NODE_DOWN record has not been taken (the node stays overdue and is
// declared by a later sweep); a due ALIVE while the previous one has not left is skipped.
module ne_alive #(
  parameter int MAX_NODES = ipb_pkg::MAX_NODES  /// nodes, a power of two
) (
  input  logic        clk_i,             /// clock
  input  logic        rst_ni,            /// synchronous reset, active low
  input  logic [47:0] now_i,             /// cycle count (absolute time)

  // configuration (ne_regs)
  input  logic                      enable_i,         /// CTRL.ENABLE
  input  logic [$clog2(MAX_NODES)-1:0] node_id_i,     /// NODE_ID
  input  logic [31:0]               period_i,         /// ALIVE_PERIOD
  input  logic                      period_wr_i,      /// pulse: ALIVE_PERIOD written...
  input  logic [31:0]               period_wdata_i,   /// ... with this value
  input  logic [31:0]               timeout_i,        /// ALIVE_TIMEOUT
  input  logic [MAX_NODES-1:0]      mask_i,           /// ALIVE_MASK
  input  logic                      cfg_chg_i,        /// pulse: a liveness setting changed
  input  logic                      restart_valid_i,  /// pulse: restart the nodes below
  input  logic [MAX_NODES-1:0]      restart_nodes_i,
  input  logic [MAX_NODES-1:0]      down_clr_i,       /// W1C of NODES_DOWN (pulse)
  output logic                      restart_ready_o,  /// no restart in progress

  // arrival of an engine packet (ne_rx, at the rx handshake)
  input  logic                      seen_valid_i,
  input  logic [$clog2(MAX_NODES)-1:0] seen_src_i,

  // ALIVE packet to send (registered)
  output logic                      alive_valid_o,
  input  logic                      alive_ready_i,
  output logic [MAX_NODES-1:0]      alive_mask_o,

  // NODE_DOWN record to write (registered)
  output logic                      rec_valid_o,
  input  logic                      rec_ready_i,
  output logic [$clog2(MAX_NODES)-1:0] rec_node_o,

  output logic [MAX_NODES-1:0]      nodes_down_o,     /// NODES_DOWN
  output logic                      down_on_o,        /// a node-down deadline is known...
  output logic [47:0]               wake_down_o,      /// ... at this time
  output logic                      alive_on_o,       /// ALIVE packets are sent...
  output logic [47:0]               wake_alive_o,     /// ... at this deadline (ne_top gates it)
  output logic                      busy_o            /// work pending
);
  localparam int NW = $clog2(MAX_NODES);
  localparam logic [MAX_NODES-1:0] One = {{(MAX_NODES - 1) {1'b0}}, 1'b1};
  localparam logic [NW-1:0] LastNode = {NW{1'b1}};

  // x < y as the borrow of x - y: Yosys maps a relational operator on iCE40 to a carry
  // chain plus about two LUTs a bit, the borrow of a subtraction to the chain plus one
  // LUT a bit that packs with it (48 bits: 51 instead of 101 logic cells)
  function automatic logic lt48(input logic [47:0] x, input logic [47:0] y);
    /* verilator lint_off UNUSEDSIGNAL */  // only the borrow
    logic [48:0] d;
    /* verilator lint_on UNUSEDSIGNAL */
    begin
      d    = {1'b0, x} - {1'b0, y};
      lt48 = d[48];
    end
  endfunction

  // x before y in 33-bit serial order (x - y mod 2^33 at least 2^32), which is x < y when
  // the two are less than 2^32 apart: compares of deadlines with each other and with now,
  // 15 bits shorter than lt48 (the minimum's loop was the critical path)
  function automatic logic before33(input logic [32:0] x, input logic [32:0] y);
    /* verilator lint_off UNUSEDSIGNAL */  // only the top bit
    logic [32:0] d;
    /* verilator lint_on UNUSEDSIGNAL */
    begin
      d        = x - y;
      before33 = d[32];
    end
  endfunction

  // the same on 49 bits (a deadline with its carry: time + ALIVE_TIMEOUT, not saturated)
  function automatic logic lt49(input logic [48:0] x, input logic [48:0] y);
    /* verilator lint_off UNUSEDSIGNAL */  // only the borrow
    logic [49:0] d;
    /* verilator lint_on UNUSEDSIGNAL */
    begin
      d    = {1'b0, x} - {1'b0, y};
      lt49 = d[49];
    end
  endfunction

  // ---------------------------------------------------------------------------------
  // Sending
  logic [MAX_NODES-1:0] targets;
  logic                 al_on, al_due, al_load;
  logic [47:0]          next_q, next_d, next_sum;
  logic                 alive_valid_q, alive_valid_d;
  logic [MAX_NODES-1:0] alive_mask_q, alive_mask_d;

  // An ALIVE packet is loaded. Observed by the testbench's reference model.
  logic probe_alive_load /* verilator public_flat_rd */;

  // Blocks that read now_i, the arrival port or a handshake are kept apart from those
  // that do not: a simulator then evaluates the latter only when the state changes.
  always @* begin
    targets = mask_i & ~(One << node_id_i);
    al_on   = enable_i && period_i != '0 && targets != '0;
  end

  always @* begin
    al_due  = al_on && !lt48(now_i, next_q);
    al_load = al_due && !alive_valid_q;
    // one adder for both loads
    next_sum = now_i + {16'd0, period_wr_i ? period_wdata_i : period_i};
    next_d   = (period_wr_i || al_due) ? next_sum : next_q;
    alive_valid_d    = (alive_valid_q && !alive_ready_i) || al_load;
    alive_mask_d     = al_load ? targets : alive_mask_q;  // no reset, loaded with the packet
    probe_alive_load = al_load;
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      next_q        <= '0;
      alive_valid_q <= 1'b0;
    end else begin
      next_q        <= next_d;
      alive_valid_q <= alive_valid_d;
    end
  end

  always_ff @(posedge clk_i) begin
    alive_mask_q <= alive_mask_d;
  end

  // ---------------------------------------------------------------------------------
  // Arrival times: one write port (arrivals first, then restarts), one read port
  logic                 wr_en;
  logic [NW-1:0]        wr_addr;
  logic [47:0]          wr_data;
  logic [MAX_NODES-1:0] mat_pend_q, mat_pend_d, rst_set, mat_bit, seen_bit;
  logic [NW-1:0]        mat_idx_d, mat_idx_q;
  logic                 rst_ready_q, rst_ready_d;  // mat_pend_q == 0, registered off the MMIO path
  logic                 mat_we, mat_cur;
  logic [47:0]          mat_t_q, mat_t_d;
  logic [MAX_NODES-1:0] down_q, down_d;

  always @* begin
    mat_cur = mat_pend_q[mat_idx_q];
    rst_set = (restart_valid_i ? restart_nodes_i : '0) | (down_clr_i & down_q);
  end

  always @* begin
    // a pointer goes round the nodes while restarts are pending; the node it points at
    // gets its restart time unless an arrival writes this cycle (then it waits) or has
    // already ended its restart (at most MAX_NODES cycles per restart, no wide logic)
    mat_we   = mat_cur && !seen_valid_i;
    mat_bit  = mat_we ? (One << mat_idx_q) : '0;
    seen_bit = seen_valid_i ? (One << seen_src_i) : '0;
    wr_en    = seen_valid_i || mat_we;
    wr_addr  = seen_valid_i ? seen_src_i : mat_idx_q;
    wr_data  = seen_valid_i ? now_i : mat_t_q;
    mat_pend_d = (mat_pend_q & ~mat_bit & ~seen_bit) | rst_set;
    if (!rst_ready_q && !(mat_cur && seen_valid_i)) mat_idx_d = mat_idx_q + 1'b1;
    else mat_idx_d = mat_idx_q;
    rst_ready_d = mat_pend_d == '0;
    // no reset: the time of the last restart. It follows now_i while no restart is
    // pending (it is read only while one is, and ne_regs holds a restarting write until
    // none is), so it holds the time of the write that set the pending nodes without a
    // 64-bit rst_set != 0 on its enable (a critical path)
    mat_t_d     = rst_ready_q ? now_i : mat_t_q;
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      mat_pend_q  <= '0;
      mat_idx_q   <= '0;
      rst_ready_q <= 1'b1;
    end else begin
      mat_pend_q  <= mat_pend_d;
      mat_idx_q   <= mat_idx_d;
      rst_ready_q <= rst_ready_d;
    end
  end

  always_ff @(posedge clk_i) begin
    mat_t_q <= mat_t_d;
  end

  // ---------------------------------------------------------------------------------
  // Scanner
  logic          sc_run_q, sc_run_d;
  logic [NW:0]   sc_idx_q, sc_idx_d;
  logic          rd_en, rd_col_q, rd_col_d;
  logic [NW-1:0] rd_addr;
  logic          rd_v_q, rd_v_d;
  logic [NW-1:0] rd_idx_q, rd_idx_d;
  logic [47:0]   rd_data_q;
  logic          ev_v_q, ev_v_d, ev_last_q, ev_last_d;
  logic [NW-1:0] ev_idx_q  /* verilator public_flat_rd */;
  logic [NW-1:0] ev_idx_d;
  logic [48:0]   ev_dl_q, ev_dl_d;  // time + ALIVE_TIMEOUT with its carry (no saturation)
  logic [47:0]   acc_min_q, acc_min_d;
  logic          acc_set_q, acc_set_d;  // acc_min holds a deadline (else all ones)
  logic [NW-1:0] acc_arg_q, acc_arg_d;
  logic          dirty_q, dirty_d, chg, start, min_due;
  logic          min_v_q, min_v_d;
  logic [NW-1:0] arg_q, arg_d;
  logic          mon, due, contribute, last, none, ev_lower;
  logic [MAX_NODES-1:0] watch;
  logic          rec_valid_q, rec_valid_d;
  logic [NW-1:0] rec_node_q, rec_node_d;

  // A node is declared down. Observed by the testbench's reference model.
  logic          declare  /* verilator public_flat_rd */;

  // Three stages per node: read (R), deadline = time + ALIVE_TIMEOUT (A), compare with now
  // and the minimum (E); one carry chain per stage. The deadline keeps its carry (49 bits)
  // instead of saturating at all ones (48 LUTs): a deadline past 2^48 - 1 is never due
  // and never the minimum, as the saturated one was, but at now = 2^48 - 1 itself. A node whose entry is written in R or
  // A, or whose timeout changes in A, is dropped from E: such a change always makes the
  // sweep start again (chg), so nothing is lost (the node is evaluated by the next sweep).
  always @* begin
    ev_last_d = rd_v_q && rd_idx_q == LastNode;
    ev_idx_d  = rd_idx_q;  // ev_idx and ev_dl: no reset
    ev_dl_d   = {1'b0, rd_data_q} + {17'd0, timeout_i};
  end

  assign ev_v_d = rd_v_q && !rd_col_q && !(wr_en && wr_addr == rd_idx_q) && !cfg_chg_i;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      ev_v_q    <= 1'b0;
      ev_last_q <= 1'b0;
    end else begin
      ev_v_q    <= ev_v_d;
      ev_last_q <= ev_last_d;
    end
  end

  always_ff @(posedge clk_i) begin
    ev_idx_q <= ev_idx_d;
    ev_dl_q  <= ev_dl_d;
  end

  always @* begin
    // evaluation (E) of the node whose deadline was computed last cycle
    // watched nodes but for enable and timeout: in ALIVE_MASK, not this node, not down, no
    // restart pending
    watch = targets & ~down_q & ~mat_pend_q;
    mon   = enable_i && timeout_i != '0 && watch[ev_idx_q];
    // below the minimum so far. The deadlines that contribute are not due: they lie within
    // ALIVE_TIMEOUT (< 2^32) after the now of their evaluation, so 33 bits order them; a
    // deadline past 2^48 - 1 never is the minimum
    ev_lower = !ev_dl_q[48] && (!acc_set_q || before33(ev_dl_q[32:0], acc_min_q[32:0]));
    last     = ev_last_q;
    // nothing can be watched: no sweep needed, no deadline
    none  = !enable_i || timeout_i == '0 || watch == '0;
  end

  always @* begin
    due        = ev_v_q && mon && !lt49({1'b0, now_i}, ev_dl_q);
    declare    = due && !rec_valid_q;
    // a due node whose declaration waits for the previous record does not contribute (its
    // deadline may lie any time before now): it makes the sweep run again (chg)
    contribute = ev_v_q && mon && !due;

    acc_min_d = acc_min_q;
    acc_arg_d = acc_arg_q;
    acc_set_d = acc_set_q;
    if (contribute && ev_lower) begin
      acc_set_d = 1'b1;
      acc_min_d = ev_dl_q[47:0];  // ev_lower: no carry
      acc_arg_d = ev_idx_q;
    end

    // what can lower the minimum deadline: a node joining the watch (its restart time
    // written, or an arrival ending its restart: any arrival while restarts are pending,
    // which needs no 64:1 lookup of the pending bit), a setting, an arrival during a sweep
    // or from the node holding the minimum (a restart itself only takes nodes off the watch)
    chg = cfg_chg_i || mat_we || (due && rec_valid_q) ||
          (seen_valid_i && (!rst_ready_q || sc_run_q || !min_v_q || seen_src_i == arg_q));
    // a sweep starts as soon as now reaches the minimum, which lies less than 2^32 ahead
    // of now when the sweep ends: 33 bits tell whether now has reached it
    min_due = min_v_q && acc_set_q && !before33(now_i[32:0], acc_min_q[32:0]);
    start = !sc_run_q && (dirty_q || min_due);

    sc_run_d = sc_run_q;
    sc_idx_d = sc_idx_q;
    dirty_d  = dirty_q || chg;
    min_v_d  = min_v_q;
    arg_d    = arg_q;
    rd_en    = 1'b0;
    // the minimum deadline (valid: min_v) is the accumulator itself: it changes only
    // during a sweep, while min_v is low, and holds the sweep's result after it
    if (start && none) begin
      dirty_d   = chg;
      min_v_d   = 1'b1;
      acc_min_d = '1;
      acc_set_d = 1'b0;
    end else if (start) begin
      sc_run_d  = 1'b1;
      sc_idx_d  = '0;
      dirty_d   = chg;
      min_v_d   = 1'b0;
      acc_min_d = '1;
      acc_set_d = 1'b0;
      acc_arg_d = '0;
    end else if (sc_run_q) begin
      if (!sc_idx_q[NW]) begin
        rd_en    = 1'b1;
        sc_idx_d = sc_idx_q + 1'b1;
      end
      if (last) begin
        sc_run_d = 1'b0;
        if (!dirty_d) begin
          min_v_d = 1'b1;
          arg_d   = acc_arg_d;
        end
      end
    end

    down_d = down_q & ~down_clr_i;
    if (declare) down_d[ev_idx_q] = 1'b1;
  end

  assign rd_addr = sc_idx_q[NW-1:0];

  always @* begin
    rd_col_d    = wr_en && wr_addr == rd_addr;  // a write this cycle: the read is void
    rd_idx_d    = rd_en ? rd_addr : rd_idx_q;   // no reset, loaded with the read
    rd_v_d      = rd_en;
    rec_valid_d = (rec_valid_q && !rec_ready_i) || declare;
    rec_node_d  = declare ? ev_idx_q : rec_node_q;  // no reset, loaded with the record
  end

  // Arrival times in block RAM: one write port (arrivals first, then restarts), one
  // registered read port. A read in the cycle of a write to the same node returns no
  // defined value there; that node is dropped from E (rd_col), so no bypass is needed.
  ne_ram #(
    .WIDTH(48),
    .DEPTH(MAX_NODES)
  ) u_seen (
    .clk_i  (clk_i),
    .we_i   (wr_en),
    .waddr_i(wr_addr),
    .wdata_i(wr_data),
    .re_i   (rd_en),
    .raddr_i(rd_addr),
    .rdata_o(rd_data_q)
  );

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      sc_run_q    <= 1'b0;
      sc_idx_q    <= '0;
      rd_v_q      <= 1'b0;
      rd_col_q    <= 1'b0;
      acc_min_q   <= '1;
      acc_set_q   <= 1'b0;
      acc_arg_q   <= '0;
      dirty_q     <= 1'b1;
      min_v_q     <= 1'b0;
      arg_q       <= '0;
      down_q      <= '0;
      rec_valid_q <= 1'b0;
    end else begin
      sc_run_q    <= sc_run_d;
      sc_idx_q    <= sc_idx_d;
      rd_v_q      <= rd_v_d;
      rd_col_q    <= rd_col_d;
      acc_min_q   <= acc_min_d;
      acc_set_q   <= acc_set_d;
      acc_arg_q   <= acc_arg_d;
      dirty_q     <= dirty_d;
      min_v_q     <= min_v_d;
      arg_q       <= arg_d;
      down_q      <= down_d;
      rec_valid_q <= rec_valid_d;
    end
  end

  always_ff @(posedge clk_i) begin
    rd_idx_q   <= rd_idx_d;
    rec_node_q <= rec_node_d;
  end

  // ---------------------------------------------------------------------------------
  // Outputs
  assign down_on_o    = min_v_q && acc_set_q;  // a deadline, not all ones
  assign wake_down_o  = acc_min_q;
  assign alive_on_o   = al_on;
  assign wake_alive_o = next_q;

  assign restart_ready_o = rst_ready_q;
  assign alive_valid_o   = alive_valid_q;
  assign alive_mask_o    = alive_mask_q;
  assign rec_valid_o     = rec_valid_q;
  assign rec_node_o      = rec_node_q;
  assign nodes_down_o    = down_q;
  // !rst_ready_q is mat_pend_q != 0 (both registered from mat_pend_d)
  assign busy_o = sc_run_q || dirty_q || min_due || !rst_ready_q ||
                  rec_valid_q || alive_valid_q || al_due;
endmodule
