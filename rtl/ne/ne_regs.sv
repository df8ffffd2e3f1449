// SPDX-License-Identifier: MIT
// ne_regs: MMIO register file and command decoder of the notify engine (registers of
// rtl/data/ne.yaml through ne_pkg: offsets, fields, reset values; docs/ne-regs.md).
//
// MMIO: one request register. A request is taken when it is empty; it executes the cycle
// after (reads sample that cycle's values, writes take effect at its end) unless it is
// held back, and its response follows one cycle later: two cycles from handshake to
// response at best, responses in order.
//
// Held-back writes: CMD, KEY_*, ANS_*, RDY_STATE and STAMP while a command is executing (STATUS.BUSY, as
// ne.yaml says); NODE_ID, CTRL, ALIVE_MASK_* and NODES_DOWN_* while ne_alive is still
// writing the start time of a previous restart (restart_ready_i low, at most MAX_NODES
// cycles); RING_BASE and RING_SIZE while a ready record's DMA write is pending
// (ring_busy_i), so no record formatted for the old ring lands in the new one. Reads
// and the other writes are never held.
//
// Commands: a CMD write (CTRL.ENABLE 1, code ARM, CANCEL, ANSWER, NOTIFY, PUBLISH or
// UNPUBLISH; anything else is ignored) starts the command: it is offered to ne_lit (ARM,
// CANCEL) or ne_rit
// (the others) with the operands in KEY_*, ANS_*, RDY_STATE and STAMP, which cannot change until
// it ends; it ends when the table has finished it and its packet has been taken on the tx
// port (tx_cmd_done_i)
// and its record written or dropped (rec_cmd_done_i). STATUS.BUSY is high meanwhile;
// ARM_RESULT changes at the ARM's commit.
//
// Decisions where the contract is open:
// * Address bits [1:0] are ignored; unmapped offsets read 0 and ignore writes.
// * A sticky STATUS bit set in the same cycle as its W1C stays set.
// * RING_BASE is kept as written (the ring uses it with bits [3:0] cleared).
// * Restarts of the liveness watch: CTRL.ENABLE 0 -> 1 and any NODE_ID write restart every
//   node of ALIVE_MASK; an ALIVE_MASK write restarts the nodes it adds (see ne_alive).
module ne_regs #(
  parameter int MAX_NODES = ipb_pkg::MAX_NODES  /// nodes (64: two 32-bit mask registers)
) (
  input  logic        clk_i,   /// clock
  input  logic        rst_ni,  /// synchronous reset, active low

  // MMIO
  input  logic        req_valid_i,
  output logic        req_ready_o,
  input  logic        req_write_i,
  input  logic [ne_pkg::REG_ADDR_WIDTH-1:0] req_addr_i,
  input  logic [31:0] req_wdata_i,
  output logic        rsp_valid_o,
  output logic [31:0] rsp_rdata_o,

  // settings
  output logic [ne_pkg::NODE_ID_NODE_WIDTH-1:0]        node_id_o,
  output logic                                         enable_o,
  output logic [ne_pkg::KEY_OWNER_OWNER_WIDTH-1:0]     key_owner_o,
  output logic [31:0]                                  key_object_o,
  output logic [ne_pkg::KEY_EVENT_EVENT_WIDTH-1:0]     key_event_o,
  output logic [31:0]                                  key_version_o,
  output logic [ne_pkg::ANS_DST_DST_WIDTH-1:0]         ans_dst_o,
  output logic [ne_pkg::ANS_STATE_STATE_WIDTH-1:0]     ans_state_o,
  output logic                                         ans_ready_o,
  output logic [31:0]                                  ring_base_o,
  output logic [ne_pkg::RING_SIZE_RECORDS_WIDTH-1:0]   ring_size_o,
  output logic [31:0]                                  ring_tail_o,
  output logic                                         ring_clr_o,        /// pulse: RING_HEAD := 0
  output logic [ne_pkg::IRQ_ENABLE_CAUSE_WIDTH-1:0]    irq_enable_o,
  output logic [ne_pkg::IRQ_STATUS_CAUSE_WIDTH-1:0]    irq_ack_o,         /// pulse: W1C bits
  output logic [ne_pkg::COALESCE_COUNT_COUNT_WIDTH-1:0] coalesce_count_o,
  output logic [31:0]                                  coalesce_cycles_o,
  output logic [31:0]                                  alive_period_o,
  output logic                                         alive_period_wr_o, /// pulse...
  output logic [31:0]                                  alive_period_wdata_o,  /// ...value
  output logic [31:0]                                  alive_timeout_o,
  output logic [MAX_NODES-1:0]                         alive_mask_o,
  output logic                                         alive_cfg_chg_o,   /// pulse
  output logic                                         alive_restart_valid_o,  /// pulse
  output logic [MAX_NODES-1:0]                         alive_restart_nodes_o,
  output logic [MAX_NODES-1:0]                         alive_down_clr_o,  /// pulse: W1C bits
  input  logic                                         alive_restart_ready_i,
  input  logic                                         ring_busy_i,       /// a ready record's DMA write is pending (ne_ring)

  // commands
  output logic        arm_valid_o,
  output logic        arm_cancel_o,     /// with arm_valid_o: CANCEL
  input  logic        arm_ready_i,
  input  logic        arm_done_i,       /// pulse: the ARM committed
  input  logic [7:0]  arm_result_i,     /// with arm_done_i
  output logic        rit_valid_o,
  input  logic        rit_ready_i,
  output logic [7:0]  rit_code_o,       /// ANSWER, NOTIFY, PUBLISH or UNPUBLISH
  output logic [30:0] rdy_state_o,      /// RDY_STATE[30:0]
  output logic [31:0] stamp_o,          /// STAMP
  input  logic        rit_done_i,       /// pulse: the ANSWER or NOTIFY committed
  input  logic        rit_done_tx_i,    /// with rit_done_i: it made a packet
  input  logic        tx_cmd_done_i,    /// pulse: the command's packet was taken
  input  logic        rec_cmd_done_i,   /// pulse: the command's record was written or dropped

  // status and counters
  input  logic        lit_full_i,       /// pulse
  input  logic        rit_full_i,       /// pulse
  input  logic        rdt_full_i,       /// pulse
  input  logic        overflow_i,       /// pulse
  input  logic [ne_pkg::IRQ_STATUS_CAUSE_WIDTH-1:0] irq_status_i,
  input  logic [MAX_NODES-1:0] nodes_down_i,
  input  logic [31:0] ring_head_i,
  input  logic [31:0] subscribes_sent_i,
  input  logic [31:0] suppressed_i,
  input  logic [31:0] stray_i,
  input  logic [31:0] lit_full_count_i,
  input  logic [31:0] answers_sent_i,
  input  logic [31:0] rit_full_count_i,
  input  logic [31:0] notifies_sent_i,
  input  logic [31:0] notify_dropped_i,
  input  logic [31:0] records_written_i,
  input  logic [31:0] ring_overflow_count_i,
  input  logic [31:0] subscribes_answered_i,
  input  logic [31:0] rdt_full_count_i,

  output logic        busy_o            /// a request, response or command is pending
);
  localparam int AW = ne_pkg::REG_ADDR_WIDTH;

  typedef enum logic [1:0] {
    CIdle,
    CIssue,
    CWait,
    CDrain
  } cmd_state_e;

  // ---------------------------------------------------------------------------------
  // Request register and execution
  logic          req_v_q, req_v_d;
  logic          req_we_q, req_we_d;
  /* verilator lint_off UNUSEDSIGNAL */  // bits [1:0]: registers are words
  logic [AW-1:0] req_addr_q;
  /* verilator lint_on UNUSEDSIGNAL */
  logic [AW-1:0] req_addr_d;
  logic [31:0]   req_wdata_q, req_wdata_d;
  logic [AW-1:0] a;  // word-aligned offset
  logic          hold, busy_cmd;
  logic          rsp_v_q, rsp_v_d;
  logic [31:0]   rsp_rdata_q, rsp_rdata_d, rdata;
  logic          wr;
  // the request's write target, decoded when it is taken (one flip-flop per register
  // written, and the class of writes that may be held back) instead of from req_addr_q
  // in the cycle it executes: execution starts many paths
  localparam int NSel = 26;
  logic [AW-1:0]   ad;  // word-aligned offset of the request taken
  logic [NSel-1:0] sel_q, sel_d;
  logic            h_cmd_q, h_cmd_d, h_alive_q, h_alive_d, h_ring_q, h_ring_d;

  // Execution of a request. Observed by the testbench's reference model.
  logic          exec /* verilator public_flat_rd */;

  assign req_ready_o = !req_v_q;

  // the request register: taken when empty, emptied when it executes; the request's
  // fields have no reset
  always @* begin
    req_v_d     = req_v_q;
    req_we_d    = req_we_q;
    req_addr_d  = req_addr_q;
    req_wdata_d = req_wdata_q;
    if (req_valid_i && req_ready_o) begin
      req_v_d     = 1'b1;
      req_we_d    = req_write_i;
      req_addr_d  = req_addr_i;
      req_wdata_d = req_wdata_i;
    end else if (exec) begin
      req_v_d = 1'b0;
    end
  end

  // the decoded selects of the request being taken (no reset, loaded with it); decoded
  // only in the cycle a request is taken (the same logic; the Verilated model skips it)
  always @* begin
    ad        = {req_addr_i[AW-1:2], 2'b00};  // bits [1:0] ignored
    sel_d     = sel_q;
    h_cmd_d   = h_cmd_q;
    h_alive_d = h_alive_q;
    h_ring_d  = h_ring_q;
    if (req_valid_i && req_ready_o) begin
      sel_d[0]   = ad == ne_pkg::NODE_ID_OFFSET;  // node_id
      sel_d[1]   = ad == ne_pkg::CTRL_OFFSET;  // ctrl
      sel_d[2]   = ad == ne_pkg::STATUS_OFFSET;  // status
      sel_d[3]   = ad == ne_pkg::KEY_OWNER_OFFSET;  // key_owner
      sel_d[4]   = ad == ne_pkg::KEY_OBJECT_OFFSET;  // key_object
      sel_d[5]   = ad == ne_pkg::KEY_EVENT_OFFSET;  // key_event
      sel_d[6]   = ad == ne_pkg::KEY_VERSION_OFFSET;  // key_version
      sel_d[7]   = ad == ne_pkg::ANS_DST_OFFSET;  // ans_dst
      sel_d[8]   = ad == ne_pkg::ANS_STATE_OFFSET;  // ans_state
      sel_d[9]   = ad == ne_pkg::ANS_READY_OFFSET;  // ans_ready
      sel_d[10]  = ad == ne_pkg::RDY_STATE_OFFSET;  // rdy_state
      sel_d[11]  = ad == ne_pkg::STAMP_OFFSET;  // stamp
      sel_d[12]  = ad == ne_pkg::CMD_OFFSET;  // cmd
      sel_d[13]  = ad == ne_pkg::RING_BASE_OFFSET;  // ring_base
      sel_d[14]  = ad == ne_pkg::RING_SIZE_OFFSET;  // ring_size
      sel_d[15]  = ad == ne_pkg::RING_TAIL_OFFSET;  // ring_tail
      sel_d[16]  = ad == ne_pkg::IRQ_STATUS_OFFSET;  // irq_status
      sel_d[17]  = ad == ne_pkg::IRQ_ENABLE_OFFSET;  // irq_enable
      sel_d[18]  = ad == ne_pkg::COALESCE_COUNT_OFFSET;  // coal_count
      sel_d[19]  = ad == ne_pkg::COALESCE_CYCLES_OFFSET;  // coal_cycles
      sel_d[20]  = ad == ne_pkg::ALIVE_PERIOD_OFFSET;  // period
      sel_d[21]  = ad == ne_pkg::ALIVE_TIMEOUT_OFFSET;  // timeout
      sel_d[22]  = ad == ne_pkg::ALIVE_MASK_LO_OFFSET;  // mask_lo
      sel_d[23]  = ad == ne_pkg::ALIVE_MASK_HI_OFFSET;  // mask_hi
      sel_d[24]  = ad == ne_pkg::NODES_DOWN_LO_OFFSET;  // down_lo
      sel_d[25]  = ad == ne_pkg::NODES_DOWN_HI_OFFSET;  // down_hi
      // writes held while a command executes, while a restart is pending, while a ready
      // record's DMA write is pending
      h_cmd_d   = req_write_i && (ad == ne_pkg::KEY_OWNER_OFFSET || ad == ne_pkg::KEY_OBJECT_OFFSET ||
                  ad == ne_pkg::KEY_EVENT_OFFSET || ad == ne_pkg::KEY_VERSION_OFFSET ||
                  ad == ne_pkg::ANS_DST_OFFSET || ad == ne_pkg::ANS_STATE_OFFSET ||
                  ad == ne_pkg::ANS_READY_OFFSET || ad == ne_pkg::RDY_STATE_OFFSET ||
                  ad == ne_pkg::STAMP_OFFSET || ad == ne_pkg::CMD_OFFSET);
      h_alive_d = req_write_i && (ad == ne_pkg::NODE_ID_OFFSET || ad == ne_pkg::CTRL_OFFSET ||
                  ad == ne_pkg::ALIVE_MASK_LO_OFFSET || ad == ne_pkg::ALIVE_MASK_HI_OFFSET ||
                  ad == ne_pkg::NODES_DOWN_LO_OFFSET || ad == ne_pkg::NODES_DOWN_HI_OFFSET);
      h_ring_d  = req_write_i && (ad == ne_pkg::RING_BASE_OFFSET || ad == ne_pkg::RING_SIZE_OFFSET);
    end
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) req_v_q <= 1'b0;
    else req_v_q <= req_v_d;
  end

  always_ff @(posedge clk_i) begin
    req_we_q    <= req_we_d;
    req_addr_q  <= req_addr_d;
    req_wdata_q <= req_wdata_d;
    sel_q       <= sel_d;
    h_cmd_q     <= h_cmd_d;
    h_alive_q   <= h_alive_d;
    h_ring_q    <= h_ring_d;
  end

  always @* begin
    a = {req_addr_q[AW-1:2], 2'b00};  // bits [1:0] ignored
    hold = (h_cmd_q && busy_cmd) || (h_alive_q && !alive_restart_ready_i) ||
           (h_ring_q && ring_busy_i);
    exec = req_v_q && !hold;
    wr   = exec && req_we_q;
  end

  // ---------------------------------------------------------------------------------
  // Registers
  logic [ne_pkg::NODE_ID_NODE_WIDTH-1:0]         node_id_q, node_id_d;
  logic                                          enable_q, enable_d;
  logic                                          st_lit_full_q, st_rit_full_q, st_overflow_q;
  logic                                          st_lit_full_d, st_rit_full_d, st_overflow_d;
  logic                                          st_rdt_full_q, st_rdt_full_d;
  logic [30:0]                                   rdy_state_q, rdy_state_d;
  logic [31:0]                                   stamp_q, stamp_d;
  logic [ne_pkg::KEY_OWNER_OWNER_WIDTH-1:0]      key_owner_q, key_owner_d;
  logic [31:0]                                   key_object_q, key_version_q;
  logic [31:0]                                   key_object_d, key_version_d;
  logic [ne_pkg::KEY_EVENT_EVENT_WIDTH-1:0]      key_event_q, key_event_d;
  logic [ne_pkg::ANS_DST_DST_WIDTH-1:0]          ans_dst_q, ans_dst_d;
  logic [ne_pkg::ANS_STATE_STATE_WIDTH-1:0]      ans_state_q, ans_state_d;
  logic                                          ans_ready_q, ans_ready_d;
  logic [ne_pkg::ARM_RESULT_CODE_WIDTH-1:0]      arm_result_q, arm_result_d;
  logic [31:0]                                   ring_base_q, ring_tail_q;
  logic [31:0]                                   ring_base_d, ring_tail_d;
  logic [ne_pkg::RING_SIZE_RECORDS_WIDTH-1:0]    ring_size_q, ring_size_d;
  logic [ne_pkg::IRQ_ENABLE_CAUSE_WIDTH-1:0]     irq_enable_q, irq_enable_d;
  logic [ne_pkg::COALESCE_COUNT_COUNT_WIDTH-1:0] coalesce_count_q, coalesce_count_d;
  logic [31:0]                                   coalesce_cycles_q, coalesce_cycles_d;
  logic [31:0]                                   alive_period_q, alive_timeout_q;
  logic [31:0]                                   alive_period_d, alive_timeout_d;
  logic [MAX_NODES-1:0]                          alive_mask_q, alive_mask_d, mask_new;

  // register selected by the executing request (write strobes)
  logic w_node_id, w_ctrl, w_status, w_key_owner, w_key_object, w_key_event, w_key_version;
  logic w_rdy_state, w_stamp;
  logic w_ans_dst, w_ans_state, w_ans_ready, w_cmd, w_ring_base, w_ring_size, w_ring_tail;
  logic w_irq_status, w_irq_enable, w_coal_count, w_coal_cycles, w_period, w_timeout;
  logic w_mask_lo, w_mask_hi, w_down_lo, w_down_hi;

  always @* begin
    w_node_id     = wr && sel_q[0];
    w_ctrl        = wr && sel_q[1];
    w_status      = wr && sel_q[2];
    w_key_owner   = wr && sel_q[3];
    w_key_object  = wr && sel_q[4];
    w_key_event   = wr && sel_q[5];
    w_key_version = wr && sel_q[6];
    w_ans_dst     = wr && sel_q[7];
    w_ans_state   = wr && sel_q[8];
    w_ans_ready   = wr && sel_q[9];
    w_rdy_state   = wr && sel_q[10];
    w_stamp       = wr && sel_q[11];
    w_cmd         = wr && sel_q[12];
    w_ring_base   = wr && sel_q[13];
    w_ring_size   = wr && sel_q[14];
    w_ring_tail   = wr && sel_q[15];
    w_irq_status  = wr && sel_q[16];
    w_irq_enable  = wr && sel_q[17];
    w_coal_count  = wr && sel_q[18];
    w_coal_cycles = wr && sel_q[19];
    w_period      = wr && sel_q[20];
    w_timeout     = wr && sel_q[21];
    w_mask_lo     = wr && sel_q[22];
    w_mask_hi     = wr && sel_q[23];
    w_down_lo     = wr && sel_q[24];
    w_down_hi     = wr && sel_q[25];
  end

  always @* begin
    mask_new  = alive_mask_q;
    if (w_mask_lo) mask_new[31:0] = req_wdata_q;
    if (w_mask_hi) mask_new[MAX_NODES-1:32] = req_wdata_q[MAX_NODES-33:0];

    alive_period_wr_o     = w_period;
    alive_period_wdata_o  = req_wdata_q;
    alive_cfg_chg_o       = w_node_id || w_ctrl || w_timeout || w_mask_lo || w_mask_hi;
    alive_restart_valid_o = w_node_id || (w_ctrl && !enable_q &&
                            req_wdata_q[ne_pkg::CTRL_ENABLE_LSB]) || w_mask_lo || w_mask_hi;
    alive_restart_nodes_o = (w_mask_lo || w_mask_hi) ? (mask_new & ~alive_mask_q) : alive_mask_q;
    alive_down_clr_o      = '0;
    if (w_down_lo) alive_down_clr_o[31:0] = req_wdata_q;
    if (w_down_hi) alive_down_clr_o[MAX_NODES-1:32] = req_wdata_q[MAX_NODES-33:0];
    irq_ack_o  = w_irq_status ?
                 req_wdata_q[ne_pkg::IRQ_STATUS_CAUSE_LSB +: ne_pkg::IRQ_STATUS_CAUSE_WIDTH] : '0;
    ring_clr_o = w_ring_base || w_ring_size;

  end

  always @* begin
    // sticky: a new event in the same cycle as the W1C wins
    st_lit_full_d = lit_full_i || (st_lit_full_q &&
                    !(w_status && req_wdata_q[ne_pkg::STATUS_LIT_FULL_LSB]));
    st_rit_full_d = rit_full_i || (st_rit_full_q &&
                    !(w_status && req_wdata_q[ne_pkg::STATUS_RIT_FULL_LSB]));
    st_overflow_d = overflow_i || (st_overflow_q &&
                    !(w_status && req_wdata_q[ne_pkg::STATUS_OVERFLOW_LSB]));
    st_rdt_full_d = rdt_full_i || (st_rdt_full_q &&
                    !(w_status && req_wdata_q[ne_pkg::STATUS_RDT_FULL_LSB]));
    alive_mask_d = mask_new;

    node_id_d         = node_id_q;
    enable_d          = enable_q;
    key_owner_d       = key_owner_q;
    key_object_d      = key_object_q;
    key_event_d       = key_event_q;
    key_version_d     = key_version_q;
    ans_dst_d         = ans_dst_q;
    ans_state_d       = ans_state_q;
    ans_ready_d       = ans_ready_q;
    rdy_state_d       = rdy_state_q;
    stamp_d           = stamp_q;
    ring_base_d       = ring_base_q;
    ring_size_d       = ring_size_q;
    ring_tail_d       = ring_tail_q;
    irq_enable_d      = irq_enable_q;
    coalesce_count_d  = coalesce_count_q;
    coalesce_cycles_d = coalesce_cycles_q;
    alive_period_d    = alive_period_q;
    alive_timeout_d   = alive_timeout_q;
    if (wr) begin  // the same logic; the Verilated model skips it without a write
      if (w_node_id) node_id_d = req_wdata_q[ne_pkg::NODE_ID_NODE_LSB +: ne_pkg::NODE_ID_NODE_WIDTH];
      if (w_ctrl) enable_d = req_wdata_q[ne_pkg::CTRL_ENABLE_LSB];
      if (w_key_owner)
        key_owner_d = req_wdata_q[ne_pkg::KEY_OWNER_OWNER_LSB +: ne_pkg::KEY_OWNER_OWNER_WIDTH];
      if (w_key_object) key_object_d = req_wdata_q;
      if (w_key_event)
        key_event_d = req_wdata_q[ne_pkg::KEY_EVENT_EVENT_LSB +: ne_pkg::KEY_EVENT_EVENT_WIDTH];
      if (w_key_version) key_version_d = req_wdata_q;
      if (w_ans_dst) ans_dst_d = req_wdata_q[ne_pkg::ANS_DST_DST_LSB +: ne_pkg::ANS_DST_DST_WIDTH];
      if (w_ans_state)
        ans_state_d = req_wdata_q[ne_pkg::ANS_STATE_STATE_LSB +: ne_pkg::ANS_STATE_STATE_WIDTH];
      if (w_ans_ready) ans_ready_d = req_wdata_q[ne_pkg::ANS_READY_READY_LSB];
      if (w_rdy_state) rdy_state_d = req_wdata_q[30:0];
      if (w_stamp) stamp_d = req_wdata_q;
      if (w_ring_base) ring_base_d = req_wdata_q;
      if (w_ring_size)
        ring_size_d = req_wdata_q[ne_pkg::RING_SIZE_RECORDS_LSB +: ne_pkg::RING_SIZE_RECORDS_WIDTH];
      if (w_ring_base || w_ring_size) ring_tail_d = '0;
      else if (w_ring_tail) ring_tail_d = req_wdata_q;
      if (w_irq_enable)
        irq_enable_d = req_wdata_q[ne_pkg::IRQ_ENABLE_CAUSE_LSB +: ne_pkg::IRQ_ENABLE_CAUSE_WIDTH];
      if (w_coal_count)
        coalesce_count_d =
            req_wdata_q[ne_pkg::COALESCE_COUNT_COUNT_LSB +: ne_pkg::COALESCE_COUNT_COUNT_WIDTH];
      if (w_coal_cycles) coalesce_cycles_d = req_wdata_q;
      if (w_period) alive_period_d = req_wdata_q;
      if (w_timeout) alive_timeout_d = req_wdata_q;
    end
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      node_id_q         <= ne_pkg::NODE_ID_NODE_RESET;
      enable_q          <= ne_pkg::CTRL_ENABLE_RESET;
      st_lit_full_q     <= ne_pkg::STATUS_LIT_FULL_RESET;
      st_rit_full_q     <= ne_pkg::STATUS_RIT_FULL_RESET;
      st_overflow_q     <= ne_pkg::STATUS_OVERFLOW_RESET;
      st_rdt_full_q     <= ne_pkg::STATUS_RDT_FULL_RESET;
      rdy_state_q       <= ne_pkg::RDY_STATE_RESET[30:0];
      stamp_q           <= ne_pkg::STAMP_RESET;
      key_owner_q       <= ne_pkg::KEY_OWNER_OWNER_RESET;
      key_object_q      <= ne_pkg::KEY_OBJECT_RESET;
      key_event_q       <= ne_pkg::KEY_EVENT_EVENT_RESET;
      key_version_q     <= ne_pkg::KEY_VERSION_RESET;
      ans_dst_q         <= ne_pkg::ANS_DST_DST_RESET;
      ans_state_q       <= ne_pkg::ANS_STATE_STATE_RESET;
      ans_ready_q       <= ne_pkg::ANS_READY_READY_RESET;
      ring_base_q       <= ne_pkg::RING_BASE_RESET;
      ring_size_q       <= ne_pkg::RING_SIZE_RECORDS_RESET;
      ring_tail_q       <= ne_pkg::RING_TAIL_RESET;
      irq_enable_q      <= ne_pkg::IRQ_ENABLE_CAUSE_RESET;
      coalesce_count_q  <= ne_pkg::COALESCE_COUNT_COUNT_RESET;
      coalesce_cycles_q <= ne_pkg::COALESCE_CYCLES_RESET;
      alive_period_q    <= ne_pkg::ALIVE_PERIOD_RESET;
      alive_timeout_q   <= ne_pkg::ALIVE_TIMEOUT_RESET;
      alive_mask_q      <= {ne_pkg::ALIVE_MASK_HI_RESET, ne_pkg::ALIVE_MASK_LO_RESET};
    end else begin
      node_id_q         <= node_id_d;
      enable_q          <= enable_d;
      st_lit_full_q     <= st_lit_full_d;
      st_rit_full_q     <= st_rit_full_d;
      st_overflow_q     <= st_overflow_d;
      st_rdt_full_q     <= st_rdt_full_d;
      rdy_state_q       <= rdy_state_d;
      stamp_q           <= stamp_d;
      key_owner_q       <= key_owner_d;
      key_object_q      <= key_object_d;
      key_event_q       <= key_event_d;
      key_version_q     <= key_version_d;
      ans_dst_q         <= ans_dst_d;
      ans_state_q       <= ans_state_d;
      ans_ready_q       <= ans_ready_d;
      ring_base_q       <= ring_base_d;
      ring_size_q       <= ring_size_d;
      ring_tail_q       <= ring_tail_d;
      irq_enable_q      <= irq_enable_d;
      coalesce_count_q  <= coalesce_count_d;
      coalesce_cycles_q <= coalesce_cycles_d;
      alive_period_q    <= alive_period_d;
      alive_timeout_q   <= alive_timeout_d;
      alive_mask_q      <= alive_mask_d;
    end
  end

  // ---------------------------------------------------------------------------------
  // Commands
  cmd_state_e cst_q, cst_d;
  logic [ne_pkg::CMD_CODE_WIDTH-1:0] cmd_q, cmd_d;
  logic [ne_pkg::CMD_CODE_WIDTH-1:0] wcode;
  logic cmd_start, exp_tx_q, exp_tx_d, exp_rec_q, exp_rec_d;
  logic arm_result_we;

  assign busy_cmd     = cst_q != CIdle;
  assign arm_valid_o  = cst_q == CIssue && (cmd_q == ne_pkg::CMD_ARM || cmd_q == ne_pkg::CMD_CANCEL);
  assign arm_cancel_o = cmd_q == ne_pkg::CMD_CANCEL;
  assign rit_valid_o  = cst_q == CIssue && cmd_q != ne_pkg::CMD_ARM && cmd_q != ne_pkg::CMD_CANCEL;
  assign rit_code_o   = cmd_q;

  always @* begin
    wcode     = req_wdata_q[ne_pkg::CMD_CODE_LSB +: ne_pkg::CMD_CODE_WIDTH];
    cmd_start = w_cmd && enable_q && (wcode == ne_pkg::CMD_ARM || wcode == ne_pkg::CMD_ANSWER ||
                                      wcode == ne_pkg::CMD_NOTIFY || wcode == ne_pkg::CMD_PUBLISH ||
                                      wcode == ne_pkg::CMD_UNPUBLISH || wcode == ne_pkg::CMD_CANCEL);

    cst_d         = cst_q;
    exp_tx_d      = exp_tx_q && !tx_cmd_done_i;
    exp_rec_d     = exp_rec_q && !rec_cmd_done_i;
    arm_result_we = 1'b0;
    case (cst_q)
      CIdle:  if (cmd_start) cst_d = CIssue;
      CIssue: if ((arm_valid_o && arm_ready_i) || (rit_valid_o && rit_ready_i)) cst_d = CWait;
      CWait: begin
        if (arm_done_i) begin
          arm_result_we = cmd_q == ne_pkg::CMD_ARM;  // CANCEL leaves ARM_RESULT as it was
          exp_tx_d      = arm_result_i == ne_pkg::ARM_RESULT_SENT;
          exp_rec_d     = arm_result_i == ne_pkg::ARM_RESULT_SUPPRESSED_SUBSCRIBED;
        end else if (rit_done_i) begin
          exp_tx_d  = rit_done_tx_i;
          exp_rec_d = 1'b0;
        end
        if ((arm_done_i || rit_done_i) && (exp_tx_d || exp_rec_d)) cst_d = CDrain;
        else if (arm_done_i || rit_done_i) cst_d = CIdle;
      end
      CDrain:  if (!exp_tx_d && !exp_rec_d) cst_d = CIdle;
      default: cst_d = CIdle;
    endcase
    arm_result_d = arm_result_we ? arm_result_i : arm_result_q;
    cmd_d        = cmd_start ? wcode : cmd_q;  // no reset: the code of the command started
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      cst_q        <= CIdle;
      exp_tx_q     <= 1'b0;
      exp_rec_q    <= 1'b0;
      arm_result_q <= ne_pkg::ARM_RESULT_CODE_RESET;
    end else begin
      cst_q        <= cst_d;
      exp_tx_q     <= exp_tx_d;
      exp_rec_q    <= exp_rec_d;
      arm_result_q <= arm_result_d;
    end
  end

  always_ff @(posedge clk_i) begin
    cmd_q <= cmd_d;
  end

  // ---------------------------------------------------------------------------------
  // Read data and response
  //
  // The registers written only by MMIO (the wide ones: SHADOWED below) are read back from
  // a copy in block RAM, written with every write of the window's low 128 bytes and read
  // at the executing read's offset: its registered output is the response's data, so the
  // read multiplexer has no input for them (about 0.6 LUT per register bit). A
  // read samples the RAM in the cycle it executes, as it samples the flip-flops, so the
  // values and the timing are those of the flip-flops. sh_v_q says which of them hold a
  // write since reset (the RAM has no reset): one that does not reads its reset value
  // through the multiplexer (0, COALESCE_COUNT 1); RING_TAIL's is cleared with the tail.
  localparam int ShIdxW = 5;  // the RAM's words: offsets 0x00..0x7c
  localparam logic [31:0] SHADOWED =
      (32'd1 << ne_pkg::NODE_ID_OFFSET[ShIdxW+1:2]) |
      (32'd1 << ne_pkg::KEY_OWNER_OFFSET[ShIdxW+1:2]) |
      (32'd1 << ne_pkg::KEY_OBJECT_OFFSET[ShIdxW+1:2]) |
      (32'd1 << ne_pkg::KEY_EVENT_OFFSET[ShIdxW+1:2]) |
      (32'd1 << ne_pkg::KEY_VERSION_OFFSET[ShIdxW+1:2]) |
      (32'd1 << ne_pkg::ANS_DST_OFFSET[ShIdxW+1:2]) |
      (32'd1 << ne_pkg::ANS_STATE_OFFSET[ShIdxW+1:2]) |
      (32'd1 << ne_pkg::RDY_STATE_OFFSET[ShIdxW+1:2]) |
      (32'd1 << ne_pkg::STAMP_OFFSET[ShIdxW+1:2]) |
      (32'd1 << ne_pkg::RING_BASE_OFFSET[ShIdxW+1:2]) |
      (32'd1 << ne_pkg::RING_SIZE_OFFSET[ShIdxW+1:2]) |
      (32'd1 << ne_pkg::RING_TAIL_OFFSET[ShIdxW+1:2]) |
      (32'd1 << ne_pkg::COALESCE_COUNT_OFFSET[ShIdxW+1:2]) |
      (32'd1 << ne_pkg::COALESCE_CYCLES_OFFSET[ShIdxW+1:2]) |
      (32'd1 << ne_pkg::ALIVE_PERIOD_OFFSET[ShIdxW+1:2]) |
      (32'd1 << ne_pkg::ALIVE_TIMEOUT_OFFSET[ShIdxW+1:2]) |
      (32'd1 << ne_pkg::ALIVE_MASK_LO_OFFSET[ShIdxW+1:2]) |
      (32'd1 << ne_pkg::ALIVE_MASK_HI_OFFSET[ShIdxW+1:2]);

  logic              low;        // a is in the RAM's window
  logic [ShIdxW-1:0] sh_idx;
  logic [31:0]       sh_v_q, sh_v_d;
  logic [31:0]       sh_bits;    // the bits of the register at a (read from the RAM)
  logic [31:0]       sh_sel_q, sh_sel_d;  // the response's bits that come from the RAM
  logic [31:0]       sh_rdata;

  always @* begin
    low    = a[AW-1:ShIdxW+2] == '0;
    sh_idx = a[ShIdxW+1:2];
    sh_v_d = sh_v_q;
    if (wr && low) sh_v_d[sh_idx] = 1'b1;
    if (ring_clr_o) sh_v_d[ne_pkg::RING_TAIL_OFFSET[ShIdxW+1:2]] = 1'b0;
    sh_v_d = sh_v_d & SHADOWED;

    sh_bits = '0;
    if (exec && !req_we_q && low && sh_v_q[sh_idx]) case (a)  // zero but for a read
      ne_pkg::NODE_ID_OFFSET:
        sh_bits[ne_pkg::NODE_ID_NODE_LSB +: ne_pkg::NODE_ID_NODE_WIDTH] = '1;
      ne_pkg::KEY_OWNER_OFFSET:
        sh_bits[ne_pkg::KEY_OWNER_OWNER_LSB +: ne_pkg::KEY_OWNER_OWNER_WIDTH] = '1;
      ne_pkg::KEY_EVENT_OFFSET:
        sh_bits[ne_pkg::KEY_EVENT_EVENT_LSB +: ne_pkg::KEY_EVENT_EVENT_WIDTH] = '1;
      ne_pkg::ANS_DST_OFFSET:
        sh_bits[ne_pkg::ANS_DST_DST_LSB +: ne_pkg::ANS_DST_DST_WIDTH] = '1;
      ne_pkg::ANS_STATE_OFFSET:
        sh_bits[ne_pkg::ANS_STATE_STATE_LSB +: ne_pkg::ANS_STATE_STATE_WIDTH] = '1;
      ne_pkg::RDY_STATE_OFFSET: sh_bits[30:0] = '1;
      ne_pkg::RING_SIZE_OFFSET:
        sh_bits[ne_pkg::RING_SIZE_RECORDS_LSB +: ne_pkg::RING_SIZE_RECORDS_WIDTH] = '1;
      ne_pkg::COALESCE_COUNT_OFFSET:
        sh_bits[ne_pkg::COALESCE_COUNT_COUNT_LSB +: ne_pkg::COALESCE_COUNT_COUNT_WIDTH] = '1;
      ne_pkg::ALIVE_MASK_HI_OFFSET: sh_bits[MAX_NODES-33:0] = '1;
      ne_pkg::KEY_OBJECT_OFFSET, ne_pkg::KEY_VERSION_OFFSET, ne_pkg::STAMP_OFFSET,
      ne_pkg::RING_BASE_OFFSET, ne_pkg::RING_TAIL_OFFSET, ne_pkg::COALESCE_CYCLES_OFFSET,
      ne_pkg::ALIVE_PERIOD_OFFSET, ne_pkg::ALIVE_TIMEOUT_OFFSET, ne_pkg::ALIVE_MASK_LO_OFFSET:
        sh_bits = '1;
      default: sh_bits = '0;
    endcase
    sh_sel_d = sh_bits;
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      sh_v_q   <= '0;
      sh_sel_q <= '0;
    end else begin
      sh_v_q   <= sh_v_d;
      sh_sel_q <= sh_sel_d;
    end
  end

  // a read never shares a cycle with a write: the RAM reads only for a pending read
  ne_ram #(
    .WIDTH(32),
    .DEPTH(1 << ShIdxW)
  ) u_shadow (
    .clk_i,
    .we_i   (wr && low),
    .waddr_i(sh_idx),
    .wdata_i(req_wdata_q),
    .re_i   (req_v_q && !req_we_q),
    .raddr_i(sh_idx),
    .rdata_o(sh_rdata)
  );

  // the rest: flip-flops and the other blocks' values
  always @* begin
    rdata = '0;
    if (exec && !req_we_q) case (a)  // zero but for a read (the multiplexer's enable)
      ne_pkg::ID_OFFSET: rdata = ne_pkg::ID_RESET;
      ne_pkg::CTRL_OFFSET: rdata[ne_pkg::CTRL_ENABLE_LSB] = enable_q;
      ne_pkg::STATUS_OFFSET: begin
        rdata[ne_pkg::STATUS_LIT_FULL_LSB] = st_lit_full_q;
        rdata[ne_pkg::STATUS_RIT_FULL_LSB] = st_rit_full_q;
        rdata[ne_pkg::STATUS_OVERFLOW_LSB] = st_overflow_q;
        rdata[ne_pkg::STATUS_BUSY_LSB]     = busy_cmd;
        rdata[ne_pkg::STATUS_RDT_FULL_LSB] = st_rdt_full_q;
      end
      ne_pkg::ANS_READY_OFFSET: rdata[ne_pkg::ANS_READY_READY_LSB] = ans_ready_q;
      ne_pkg::ARM_RESULT_OFFSET:
        rdata[ne_pkg::ARM_RESULT_CODE_LSB +: ne_pkg::ARM_RESULT_CODE_WIDTH] = arm_result_q;
      ne_pkg::RING_HEAD_OFFSET: rdata = ring_head_i;
      ne_pkg::IRQ_STATUS_OFFSET:
        rdata[ne_pkg::IRQ_STATUS_CAUSE_LSB +: ne_pkg::IRQ_STATUS_CAUSE_WIDTH] = irq_status_i;
      ne_pkg::IRQ_ENABLE_OFFSET:
        rdata[ne_pkg::IRQ_ENABLE_CAUSE_LSB +: ne_pkg::IRQ_ENABLE_CAUSE_WIDTH] = irq_enable_q;
      ne_pkg::COALESCE_COUNT_OFFSET:  // not written since reset
        if (!sh_v_q[ne_pkg::COALESCE_COUNT_OFFSET[ShIdxW+1:2]])
          rdata[ne_pkg::COALESCE_COUNT_COUNT_LSB +: ne_pkg::COALESCE_COUNT_COUNT_WIDTH] =
              ne_pkg::COALESCE_COUNT_COUNT_RESET;
      ne_pkg::NODES_DOWN_LO_OFFSET: rdata = nodes_down_i[31:0];
      ne_pkg::NODES_DOWN_HI_OFFSET: rdata = nodes_down_i[MAX_NODES-1:32];
      ne_pkg::SUBSCRIBES_SENT_OFFSET: rdata = subscribes_sent_i;
      ne_pkg::SUPPRESSED_OFFSET: rdata = suppressed_i;
      ne_pkg::STRAY_OFFSET: rdata = stray_i;
      ne_pkg::LIT_FULL_COUNT_OFFSET: rdata = lit_full_count_i;
      ne_pkg::ANSWERS_SENT_OFFSET: rdata = answers_sent_i;
      ne_pkg::RIT_FULL_COUNT_OFFSET: rdata = rit_full_count_i;
      ne_pkg::NOTIFIES_SENT_OFFSET: rdata = notifies_sent_i;
      ne_pkg::NOTIFY_DROPPED_OFFSET: rdata = notify_dropped_i;
      ne_pkg::RECORDS_WRITTEN_OFFSET: rdata = records_written_i;
      ne_pkg::RING_OVERFLOW_COUNT_OFFSET: rdata = ring_overflow_count_i;
      ne_pkg::SUBSCRIBES_ANSWERED_OFFSET: rdata = subscribes_answered_i;
      ne_pkg::RDT_FULL_COUNT_OFFSET: rdata = rdt_full_count_i;
      default: rdata = '0;
    endcase
    rsp_v_d     = exec;
    rsp_rdata_d = rdata;
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      rsp_v_q     <= 1'b0;
      rsp_rdata_q <= '0;
    end else begin
      rsp_v_q     <= rsp_v_d;
      rsp_rdata_q <= rsp_rdata_d;
    end
  end

  // ---------------------------------------------------------------------------------
  // Outputs
  assign rsp_valid_o       = rsp_v_q;
  assign rsp_rdata_o       = rsp_rdata_q | (sh_rdata & sh_sel_q);
  assign node_id_o         = node_id_q;
  assign enable_o          = enable_q;
  assign key_owner_o       = key_owner_q;
  assign key_object_o      = key_object_q;
  assign key_event_o       = key_event_q;
  assign key_version_o     = key_version_q;
  assign ans_dst_o         = ans_dst_q;
  assign ans_state_o       = ans_state_q;
  assign ans_ready_o       = ans_ready_q;
  assign rdy_state_o       = rdy_state_q;
  assign stamp_o           = stamp_q;
  assign ring_base_o       = ring_base_q;
  assign ring_size_o       = ring_size_q;
  assign ring_tail_o       = ring_tail_q;
  assign irq_enable_o      = irq_enable_q;
  assign coalesce_count_o  = coalesce_count_q;
  assign coalesce_cycles_o = coalesce_cycles_q;
  assign alive_period_o    = alive_period_q;
  assign alive_timeout_o   = alive_timeout_q;
  assign alive_mask_o      = alive_mask_q;
  assign busy_o            = req_v_q || rsp_v_q || busy_cmd;
endmodule
