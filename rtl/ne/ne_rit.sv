// SPDX-License-Identifier: MIT
// ne_rit: the owner side of the notify engine (docs/notify-engine.md §2, step T10 of
// docs/select.md): the remote interest table and the readiness table.
//
// Remote interest table (RIT): RIT_ENTRIES direct-mapped slots in block RAM (ne_ram),
// each (object, event, version) and a mask of the nodes that were answered "not ready"
// for it; a key lives in slot ne_hash(object, event, version, 0) or, when that slot holds
// another key, in one of RIT_VICTIMS victim entries. Readiness table (RDT):
// RDT_ENTRIES slots in block RAM at ne_hash(object, 0, 0, 0), each object, version and
// the readiness word PUBLISH wrote (RDY_STATE: a state and a ready bit per event for keys
// of that version, and for the others), plus RDT_VICTIMS victim entries. A victim is a
// RAM word above the slots; the valid bits and the victims' keys (RIT) and objects (RDT)
// are also flip-flops, so every victim is compared at once; an entry is read only
// through the RAM's registered port (iCE40: a flip-flop costs a logic cell). A RAM's
// depth is the power of two above ENTRIES + VICTIMS: free up to 128 slots (a block RAM
// holds 256 words of 16 bits), twice the block RAMs at 256.
//
// Operations come one at a time: commands from ne_regs (ANSWER, NOTIFY, PUBLISH,
// UNPUBLISH) and NE_SUBSCRIBE packets from ne_rx (these first). Each takes three cycles:
// accept (both RAMs read at the slots of the operands being accepted), match (the slots
// and the victims compared, registered; a victim found read),
// act = commit. A PUBLISH then scans the whole
// interest table, since the entries of its object are spread over the slots: every valid
// slot, lowest index first, read one per cycle (the first read is issued in the commit
// cycle, each next one in the cycle its predecessor is done with, so reading costs no
// extra cycle), then every valid victim, lowest first, read the same way. An entry of the PUBLISH's object
// that its readiness word makes ready loads a NOTIFY. The scan costs one cycle per valid
// entry (slot or victim, of any object), plus a cycle for each wait for the output
// register; a PUBLISH with no valid entry at all finishes at its commit.
//
// Persistent keys (an epoll watch: the event's bit 7, ne_pkg::WATCH_FLAG) are entries of
// their own, as any other event value: an answer (the engine's or the ANSWER command's)
// always remembers its destination, with ready 0 (ready 1 only when the table is full:
// the requester learns the watch is not kept); a NOTIFY command and a PUBLISH notify them
// without freeing them. A PUBLISH notifies a persistent entry of its object when the
// word's wake bit of the entry's kind and event is set (the driver sets it for a change
// that wakes that side or flips its readiness), to its whole mask (one multicast however
// many CPUs), unless the mask is the word's skip node alone (the CPU whose read or write
// made the change has the state in its result: no transfer for it; with other CPUs in the
// mask it gets a redundant copy of the same multicast). An NE_UNSUBSCRIBE (a requester's
// CANCEL) clears its source's bit of the key's entry and frees the entry that held only
// that node; it sends nothing. Both tests are one: the RAM's mask without dst_bit (the
// unsubscribe's new mask) is zero and the mask is not (a PUBLISH's skip node is kept in
// op_dst_q).
//
// A subscribe to a published object is answered here as the ANSWER command would answer
// it (no record, no interrupt); one to an object not in the readiness table becomes a
// SUBSCRIBE record for software. Packets go into one output register, offered on the
// answer or the notify port, so the owner's packets leave in operation order; pkt_cmd_o
// tells ne_tx whether the packet is the packet of the command in progress (STATUS.BUSY
// waits for it) or the engine's own.
//
// Decisions where the contract is open:
// * An operation is accepted only while the output and record registers are empty, so
//   the commit never waits.
// * ANSWER with ready 1 leaves the table unchanged (an interest recorded earlier for the
//   destination stays; its later NOTIFY is at worst stray at the requester).
// * NOTIFY sends ready 1; the mask goes out as it is (this node's own bit included, if an
//   ANSWER ever named it).
// * PUBLISH notifies from its own operands even when the readiness table is full; it
//   finishes (done) when its scan has looked at the last valid entry.
// * ANSWERS_SENT counts ANSWER commands, SUBSCRIBES_ANSWERED the engine's own answers,
//   NOTIFIES_SENT every NE_NOTIFY of kind NOTIFY (NOTIFY commands and PUBLISH scans).
// * Placement: a new key takes its slot when the slot is free, else the lowest free
//   victim; a table is full (RIT_FULL, RDT_FULL) only when the slot holds another key
//   and every victim is in use. A key is found in its slot or in any victim (a key stays
//   in its victim when its slot frees up later; keys never move).
// * A PUBLISH's scan sends its NOTIFYs in ascending slot index, then ascending victim
//   index (the testbench's model predicts this order).
// * The slot hash of the interest table passes node 0 (an entry serves every node), the
//   readiness table's passes event 0 and version 0 (one entry per object).
module ne_rit #(
  parameter int RIT_ENTRIES = ne_pkg::RIT_ENTRIES,  /// interest slots, a power of two, 2 to 256
  parameter int RDT_ENTRIES = ne_pkg::RDT_ENTRIES,  /// readiness slots, a power of two, 2 to 256
  parameter int MAX_NODES   = ipb_pkg::MAX_NODES,   /// width of a node mask
  parameter int RIT_VICTIMS = ne_pkg::RIT_VICTIMS,  /// interest victim entries, at least 1
  parameter int RDT_VICTIMS = ne_pkg::RDT_VICTIMS   /// readiness victim entries, at least 1
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
  input  logic [30:0] cmd_rdy_i,        /// PUBLISH: RDY_STATE[30:0] (readiness, wake bits, skip)
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
  input  logic                         sub_unsub_i,   /// the packet is NE_UNSUBSCRIBE

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
  localparam int IW  = $clog2(RIT_ENTRIES);
  localparam int DW  = $clog2(RDT_ENTRIES);
  localparam int NW  = $clog2(MAX_NODES);
  localparam int VW  = RIT_VICTIMS > 1 ? $clog2(RIT_VICTIMS) : 1;
  localparam int RVW = RDT_VICTIMS > 1 ? $clog2(RDT_VICTIMS) : 1;
  // entries of a table: its slots, then its victims (RAM words ENTRIES..ENTRIES+VICTIMS-1)
  localparam int NA  = RIT_ENTRIES + RIT_VICTIMS;
  localparam int RNA = RDT_ENTRIES + RDT_VICTIMS;
  localparam int AW  = $clog2(NA);
  localparam int RAW = $clog2(RNA);
  localparam int KW  = 32 + 8 + 32;       // an interest key: object, event, version
  localparam int EW  = KW + MAX_NODES;    // an interest entry: key, mask
  // a readiness entry: STAMP, object, version, rdy (low bits first: rdy at 0)
  localparam int VerLsb = 20, ObjLsb = 52, StampLsb = 84;
  localparam int RW  = 32 + 32 + 32 + 20;
  localparam logic [MAX_NODES-1:0] One = {{(MAX_NODES - 1) {1'b0}}, 1'b1};
  localparam logic [NA-1:0] EntOne = {{(NA - 1) {1'b0}}, 1'b1};
  localparam logic [RNA-1:0] RdtOne = {{(RNA - 1) {1'b0}}, 1'b1};
  localparam logic [RIT_VICTIMS-1:0] VicOne = {{(RIT_VICTIMS - 1) {1'b0}}, 1'b1};
  localparam logic [RDT_VICTIMS-1:0] RVicOne = {{(RDT_VICTIMS - 1) {1'b0}}, 1'b1};
  localparam logic [AW-1:0] VicBase = RIT_ENTRIES[AW-1:0];
  localparam logic [RAW-1:0] RVicBase = RDT_ENTRIES[RAW-1:0];

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
    OpSub,
    OpUnsub
  } rit_op_e;

  rit_state_e st_q, st_d;

  // The operation. A table does one operation at a time, so these registers also hold
  // the packet in the output register while it waits (no operation is accepted then):
  // object always, event, state, ready bit and STAMP as loaded with the packet.
  rit_op_e       op_q, op_d;
  logic [31:0]   op_object_q, op_object_d;
  logic [7:0]    op_event_q, op_event_d;
  logic [31:0]   op_version_q, op_version_d;
  logic [NW-1:0] op_dst_q, op_dst_d;
  logic [7:0]    op_state_q, op_state_d;
  logic          op_is_ready_q, op_is_ready_d;
  logic [30:0]   op_rdy_q, op_rdy_d;
  logic [31:0]   op_stamp_q, op_stamp_d;
  // the operation's interest entry: its slot (match), the entry found or allocated
  // (act), the entry the scan looks at (scan); the same for the readiness table
  logic [AW-1:0]  addr_q, addr_d;
  logic [RAW-1:0] raddr_q, raddr_d;
  logic          can_take, op_load, take_sub;

  // the operands being accepted and their slots
  logic [31:0]   acc_object, acc_version;
  logic [7:0]    acc_event;
  logic [IW-1:0] acc_slot;
  logic [DW-1:0] acc_rslot;

  // match, registered at the end of RMatch: the key is in the table (at addr_q), or
  // there is room for it (at addr_q); the same for the readiness table (raddr_q)
  logic           hit_q, hit_d, free_q, free_d;
  logic           rhit_q, rhit_d, rfree_q, rfree_d;

  // interest table: valid bits (slots, then victims), the RAM's ports (slots and
  // victims), the victims' keys again in flip-flops (compared at once in RMatch)
  logic [NA-1:0]                   valid_q, valid_d;
  logic                            rit_re, rit_we;
  logic [AW-1:0]                   rit_raddr;
  logic [EW-1:0]                   rit_rdata, rit_wdata;
  logic [RIT_VICTIMS*KW-1:0]       vkey_q, vkey_d;   // victim v at [v*KW +: KW]
  logic                            alloc_we, or_we, unsub_we;
  logic [MAX_NODES-1:0]            dst_bit, hit_mask;
  // the entry on the RAM's output holds node op_dst_q alone (an unsubscribe's source, a
  // PUBLISH's skip node)
  logic                            only_dst;

  // readiness table: the same, the victims' objects in flip-flops
  logic [RNA-1:0]                  rvalid_q, rvalid_d;
  logic                            rdt_re, rdt_we;
  logic [RAW-1:0]                  rdt_raddr;
  logic [RW-1:0]                   rdt_rdata;
  logic [RDT_VICTIMS*32-1:0]       robj_q, robj_d;   // victim v at [v*32 +: 32]
  logic                            rdt_upd;   // PUBLISH keeps its readiness word
  logic [RW-1:0]                   rhit_ent;  // the readiness entry of the operation's object

  // scan of a PUBLISH (RScan): the RAM's output holds entry addr_q, valid, not yet
  // looked at; the entries above it are still to read
  logic [NA-1:0]          addr_dec, cand_from, cand_one;
  /* verilator lint_off UNUSEDSIGNAL */  // the low bits are used through cand_one only
  logic [NA:0]            cand_diff;
  /* verilator lint_on UNUSEDSIGNAL */
  logic                   cand_nz;
  logic [AW-1:0]          cand_idx;
  logic [RNA-1:0]         raddr_dec;
  logic                   valid_set, valid_clr, rvalid_set, rvalid_clr;
  logic                   scan_issue, scan_done_one;
  logic [EW-1:0]          scan_ent;
  logic                   scan_same, scan_ready, scan_watch;

  // the answer of the operation in RAct (ANSWER command or a subscribe's)
  logic        ans_same, ans_ready, op_watch, remember;
  logic [7:0]  ans_state;
  logic [31:0] ans_stamp;

  // the output register (the rest of the packet is in op_*); pk_*: the packet a commit
  // or the scan would send, loaded (pk_load) whenever the register is free in those
  // states and made valid (out_load) only when it is sent: the fields' 100-odd enables
  // then do not wait for the decision (the scan's readiness test on the RAM's output
  // was the critical path through them)
  logic                 out_valid_q, out_valid_d, out_load, out_taken, pk_load;
  logic                 out_notify_q, out_notify_d, pk_notify, out_cmd_q, out_cmd_d, pk_cmd;
  logic [MAX_NODES-1:0] out_mask_q, out_mask_d, pk_mask;
  logic [7:0]           pk_event;
  logic [31:0]          out_version_q, out_version_d, pk_version;
  logic [7:0]           pk_state;
  logic [31:0]          pk_stamp;
  logic                 pk_is_ready;
  logic                 rec_v_q, rec_v_d, rec_load;

  logic [31:0] cnt_ans_q, cnt_full_q, cnt_ntf_q, cnt_drop_q, cnt_suba_q, cnt_rfull_q;
  logic [31:0] cnt_ans_d, cnt_full_d, cnt_ntf_d, cnt_drop_d, cnt_suba_d, cnt_rfull_d;
  logic        inc_ans, inc_full, inc_ntf, inc_drop, inc_suba, inc_rfull;

  // Commit of the operation in RAct, whether it is a subscribe or unsubscribe, a packet loaded by a
  // PUBLISH's scan and the scan's end. Observed by the testbench's reference model.
  logic commit      /* verilator public_flat_rd */;
  logic commit_sub  /* verilator public_flat_rd */;
  logic scan_load   /* verilator public_flat_rd */;
  logic scan_end    /* verilator public_flat_rd */;

  // ---------------------------------------------------------------------------------
  // Accept: an arriving subscribe first; both tables read at its slots
  assign can_take    = (st_q == RIdle) && !out_valid_q && !rec_v_q;
  assign sub_ready_o = can_take;
  assign cmd_ready_o = can_take && !sub_valid_i;
  assign take_sub    = sub_valid_i;
  assign op_load     = can_take && (sub_valid_i || cmd_valid_i);

  always @* begin
    acc_object  = take_sub ? sub_object_i : cmd_object_i;
    acc_event   = take_sub ? sub_event_i : cmd_event_i;
    acc_version = take_sub ? sub_version_i : cmd_version_i;
  end

  ne_hash #(.W(IW)) u_rit_hash (
    .object_i(acc_object), .event_i(acc_event), .version_i(acc_version), .node_i(6'd0),
    .hash_o(acc_slot)
  );
  ne_hash #(.W(DW)) u_rdt_hash (
    .object_i(acc_object), .event_i(8'd0), .version_i(32'd0), .node_i(6'd0),
    .hash_o(acc_rslot)
  );

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
    if (op_load) begin
      op_object_d  = acc_object;
      op_event_d   = acc_event;
      op_version_d = acc_version;
    end
    if (op_load && take_sub) begin
      op_d     = OpSub;
      if (sub_unsub_i) op_d = OpUnsub;
      op_dst_d = sub_src_i;
    end else if (op_load) begin
      case (cmd_code_i)
        ne_pkg::CMD_NOTIFY:    op_d = OpNotify;
        ne_pkg::CMD_PUBLISH:   op_d = OpPublish;
        ne_pkg::CMD_UNPUBLISH: op_d = OpUnpublish;
        default:               op_d = OpAnswer;
      endcase
      // a PUBLISH's skip node takes the destination's place (its decoder is dst_bit)
      op_dst_d      = cmd_dst_i[NW-1:0];
      if (cmd_code_i == ne_pkg::CMD_PUBLISH) op_dst_d = cmd_rdy_i[24 +: NW];
      op_state_d    = cmd_state_i;
      op_is_ready_d = cmd_is_ready_i;
      op_rdy_d      = cmd_rdy_i;
      op_stamp_d    = cmd_stamp_i;
    end
    // the packet's fields kept here while it waits (never in the accept cycle)
    if (pk_load) begin
      op_event_d    = pk_event;
      op_state_d    = pk_state;
      op_is_ready_d = pk_is_ready;
      op_stamp_d    = pk_stamp;
    end
  end

  // ---------------------------------------------------------------------------------
  // The tables' memories: slot s at word s, victim v at word ENTRIES + v. Read at the
  // operation's slots in the accept cycle, at a victim found in RMatch, at the entries a
  // scan looks at; written at the commit.
  ne_ram #(.WIDTH(EW), .DEPTH(1 << AW)) u_rit_ram (
    .clk_i, .we_i(rit_we), .waddr_i(addr_q), .wdata_i(rit_wdata),
    .re_i(rit_re), .raddr_i(rit_raddr), .rdata_o(rit_rdata)
  );
  ne_ram #(.WIDTH(RW), .DEPTH(1 << RAW)) u_rdt_ram (
    .clk_i, .we_i(rdt_we), .waddr_i(raddr_q), .wdata_i({op_stamp_q, op_object_q, op_version_q, op_rdy_q[19:0]}),
    .re_i(rdt_re), .raddr_i(rdt_raddr), .rdata_o(rdt_rdata)
  );

  // ---------------------------------------------------------------------------------
  // Match (RMatch: the RAMs' outputs hold the operation's slots): a hit in the slot or a
  // victim (a key is in at most one place); room in the slot, else the lowest free
  // victim. The entry found (else the room) is registered in addr_q; a victim found is
  // read, so the RAM's output holds the entry found in RAct.
  logic [RIT_VICTIMS-1:0] vvalid, vhit_vec, vfree_one;
  logic [RDT_VICTIMS-1:0] rvvalid, rvhit_vec, rvfree_one;
  logic                   slot_valid, slot_hit, rslot_valid, rslot_hit;
  logic                   m_hit, m_free, m_rhit, m_rfree;
  logic [AW-1:0]          m_addr;
  logic [RAW-1:0]         m_raddr;

  // the victim found, else the free one (the room); its index, and the index of the
  // victim found alone (the one read in RMatch)
  logic [RIT_VICTIMS-1:0] vsel;
  logic [RDT_VICTIMS-1:0] rvsel;
  logic [VW-1:0]          vsel_idx, vhit_idx;
  logic [RVW-1:0]         rvsel_idx, rvhit_idx;

  // the victims (flip-flops only); a block apart from the slots' so that no block reads
  // an index computed from what it writes (a loop for Verilator's ordering)
  always @* begin
    vvalid     = valid_q[NA-1:RIT_ENTRIES];
    for (int v = 0; v < RIT_VICTIMS; v++)
      vhit_vec[v] = vvalid[v] && vkey_q[v*KW +: KW] == {op_object_q, op_event_q, op_version_q};
    vfree_one  = ~vvalid & (vvalid + VicOne);
    vsel       = vhit_vec != '0 ? vhit_vec : vfree_one;

    rvvalid     = rvalid_q[RNA-1:RDT_ENTRIES];
    for (int v = 0; v < RDT_VICTIMS; v++)
      rvhit_vec[v] = rvvalid[v] && robj_q[v*32 +: 32] == op_object_q;
    rvfree_one  = ~rvvalid & (rvvalid + RVicOne);
    rvsel       = rvhit_vec != '0 ? rvhit_vec : rvfree_one;
  end

  // (named inputs: Yosys 0.23's `hierarchy -chparam` fails on an expression in a port)
  ne_onehot_index #(.N(RIT_VICTIMS), .W(VW)) u_vsel_idx (.onehot_i(vsel), .index_o(vsel_idx));
  ne_onehot_index #(.N(RIT_VICTIMS), .W(VW)) u_vhit_idx (.onehot_i(vhit_vec), .index_o(vhit_idx));
  ne_onehot_index #(.N(RDT_VICTIMS), .W(RVW)) u_rvsel_idx (.onehot_i(rvsel), .index_o(rvsel_idx));
  ne_onehot_index #(.N(RDT_VICTIMS), .W(RVW)) u_rvhit_idx (.onehot_i(rvhit_vec), .index_o(rvhit_idx));

  // the slots (the RAMs' outputs), and the decision
  always @* begin
    slot_valid = valid_q[addr_q];
    slot_hit   = slot_valid && rit_rdata[EW-1:MAX_NODES] == {op_object_q, op_event_q, op_version_q};
    m_hit      = slot_hit || vhit_vec != '0;
    m_free     = !slot_valid || vfree_one != '0;
    m_addr     = VicBase + {{(AW - VW) {1'b0}}, vsel_idx};
    if (vhit_vec == '0 && (slot_hit || !slot_valid)) m_addr = addr_q;

    rslot_valid = rvalid_q[raddr_q];
    rslot_hit   = rslot_valid && rdt_rdata[ObjLsb +: 32] == op_object_q;
    m_rhit      = rslot_hit || rvhit_vec != '0;
    m_rfree     = !rslot_valid || rvfree_one != '0;
    m_raddr     = RVicBase + {{(RAW - RVW) {1'b0}}, rvsel_idx};
    if (rvhit_vec == '0 && (rslot_hit || !rslot_valid)) m_raddr = raddr_q;
  end

  // registered at the end of RMatch (no reset: read only in RAct)
  always @* begin
    hit_d   = hit_q;
    free_d  = free_q;
    rhit_d  = rhit_q;
    rfree_d = rfree_q;
    if (st_q == RMatch) begin
      hit_d   = m_hit;
      free_d  = m_free;
      rhit_d  = m_rhit;
      rfree_d = m_rfree;
    end
  end

  assign dst_bit = One << op_dst_q;

  // ---------------------------------------------------------------------------------
  // The answer in RAct: the command's operands, or the readiness table's for a subscribe
  // (the RAMs' outputs hold the entries found)
  always @* begin
    hit_mask  = rit_rdata[MAX_NODES-1:0];
    op_watch  = op_event_q[7];        // ne_pkg::WATCH_FLAG
    rhit_ent  = rdt_rdata;
    ans_same  = op_version_q == rhit_ent[VerLsb +: 32];
    ans_state = op_state_q;
    ans_ready = op_is_ready_q;
    ans_stamp = op_stamp_q;
    if (op_q == OpSub) begin
      ans_stamp = rhit_ent[StampLsb +: 32];
      ans_state = ans_same ? rhit_ent[7:0] : rhit_ent[15:8];
      ans_ready = ans_same ? rhit_ent[16 + {4'd0, op_event_q[0]}]
                           : rhit_ent[18 + {4'd0, op_event_q[0]}];
    end
  end

  // The scan: the next entry to read, the lowest valid one above addr_q in RScan, the
  // lowest valid one else (valid & ~(valid - from) with `from` the one-hot first
  // position, as a round-robin arbiter finds it on a carry chain); the entry looked at
  // is the RAM's output
  always @* begin
    addr_dec  = EntOne << addr_q;
    raddr_dec = RdtOne << raddr_q;
    cand_from = st_q == RScan ? addr_dec << 1 : EntOne;
    // one bit wider: valid_q < cand_from (the borrow) says no valid entry at or above the
    // first position, so "a candidate" is the chain's carry-out, not a zero test of
    // cand_one after it (the scan's read enable was the critical path through that test)
    cand_diff = {1'b0, valid_q} - {1'b0, cand_from};
    cand_one  = valid_q & ~cand_diff[NA-1:0];
    cand_nz   = !cand_diff[NA] && cand_from != '0;
    scan_ent  = rit_rdata;
    scan_same = scan_ent[MAX_NODES+31:MAX_NODES] == op_version_q;
    scan_watch = scan_ent[MAX_NODES+39];
    // a persistent entry: its wake bit, and not only the skipped node; else its ready bit.
    // mask == dst_bit written as "no other node, and some node": the first term is the
    // unsubscribe's new mask (hit_mask & ~dst_bit) seen as zero, which the write data
    // shares; a 64-bit == against the decoded dst_bit took about 150 LUTs more
    only_dst  = (hit_mask & ~dst_bit) == '0 && hit_mask != '0;
    scan_ready = scan_ent[EW-1:EW-32] == op_object_q &&
                 (scan_watch ? (scan_same ? op_rdy_q[20 + {4'd0, scan_ent[MAX_NODES+32]}]
                                          : op_rdy_q[22 + {4'd0, scan_ent[MAX_NODES+32]}]) &&
                               !(op_rdy_q[30] && only_dst)
                             : (scan_same ? op_rdy_q[16 + {4'd0, scan_ent[MAX_NODES+32]}]
                                          : op_rdy_q[18 + {4'd0, scan_ent[MAX_NODES+32]}]));
  end

  // the next entry to read: cand_one's index
  ne_onehot_index #(.N(NA), .W(AW)) u_cand_idx (.onehot_i(cand_one), .index_o(cand_idx));

  // ---------------------------------------------------------------------------------
  // Act and scan
  always @* begin
    st_d           = st_q;
    addr_d         = addr_q;
    raddr_d        = raddr_q;
    valid_set      = 1'b0;
    valid_clr      = 1'b0;
    rvalid_set     = 1'b0;
    rvalid_clr     = 1'b0;
    scan_issue     = 1'b0;
    scan_done_one  = 1'b0;
    alloc_we       = 1'b0;
    or_we          = 1'b0;
    unsub_we       = 1'b0;
    rdt_upd        = 1'b0;
    out_load       = 1'b0;
    rec_load       = 1'b0;
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
    commit         = (st_q == RAct);
    commit_sub     = commit && (op_q == OpSub || op_q == OpUnsub);
    remember       = !ans_ready || op_watch;
    out_taken      = out_notify_q ? ntf_ready_i : ans_ready_i;

    case (st_q)
      RIdle:   if (op_load) st_d = RMatch;
      RMatch:  st_d = RAct;
      RAct:    st_d = RIdle;
      RScan:   st_d = RScan;
      default: st_d = RIdle;
    endcase

    if (op_load) begin
      addr_d  = {{(AW - IW) {1'b0}}, acc_slot};
      raddr_d = {{(RAW - DW) {1'b0}}, acc_rslot};
    end
    if (st_q == RMatch) begin
      addr_d  = m_addr;
      raddr_d = m_raddr;
    end

    if (commit && (op_q == OpAnswer || (op_q == OpSub && rhit_q))) begin
      // an answer: one unicast; remember the interest if not ready
      inc_ans        = op_q == OpAnswer;
      inc_suba       = op_q == OpSub;
      out_load       = 1'b1;
      if (remember) begin
        if (hit_q) begin
          or_we = 1'b1;
        end else if (free_q) begin
          alloc_we  = 1'b1;
          valid_set = 1'b1;
        end else begin
          inc_full    = 1'b1;
          full_o      = 1'b1;
        end
      end
      done_o = op_q == OpAnswer;
    end else if (commit && op_q == OpSub) begin
      rec_load = 1'b1;  // not published: software answers
    end else if (commit && op_q == OpUnsub) begin
      // the source's bit cleared; the entry freed when no node is left
      if (hit_q) begin
        unsub_we = 1'b1;
        if (only_dst) valid_clr = 1'b1;
      end
    end else if (commit && op_q == OpNotify) begin
      // NOTIFY: one multicast to the interested nodes, then forget them
      if (hit_q && hit_mask != '0) begin
        inc_ntf   = 1'b1;
        out_load  = 1'b1;
        valid_clr = !op_watch;
      end else begin
        inc_drop = 1'b1;
      end
      done_o = 1'b1;
    end else if (commit && op_q == OpPublish) begin
      // keep the readiness, then scan the interests for those it makes ready
      if (rhit_q || rfree_q) begin
        rdt_upd = 1'b1;
      end else begin
        inc_rfull  = 1'b1;
        rdt_full_o = 1'b1;
      end
      if (!rhit_q && rfree_q) rvalid_set = 1'b1;
      scan_issue = valid_q != '0;
      if (valid_q != '0) st_d = RScan;
      else done_o = 1'b1;
    end else if (commit) begin
      // UNPUBLISH
      if (rhit_q) rvalid_clr = 1'b1;
      done_o = 1'b1;
    end

    if (st_q == RScan) begin
      // the entry looked at: skipped unless its object's and made ready, else sent
      if (!scan_ready) begin
        scan_done_one = 1'b1;
      end else if (!out_valid_q || out_taken) begin
        scan_done_one = 1'b1;
        scan_load     = 1'b1;
        out_load      = 1'b1;
        inc_ntf       = 1'b1;
        valid_clr     = !scan_watch;
      end
      scan_issue = scan_done_one && cand_nz;
      scan_end   = scan_done_one && !cand_nz;
      if (scan_end) begin
        st_d   = RIdle;
        done_o = 1'b1;
      end
    end

    // an entry read for the scan: the RAM's output holds it from the next cycle
    if (scan_issue) addr_d = cand_idx;

    // the valid bits change only at the operation's (or the scan's) entry
    valid_d  = (valid_q & ~(addr_dec & {NA{valid_clr}})) | (addr_dec & {NA{valid_set}});
    rvalid_d = (rvalid_q & ~(raddr_dec & {RNA{rvalid_clr}})) | (raddr_dec & {RNA{rvalid_set}});
    done_tx_o = commit && out_load && (op_q == OpAnswer || op_q == OpNotify);

    out_valid_d = (out_valid_q && !out_taken) || out_load;
    rec_v_d     = (rec_v_q && !rec_ready_i) || rec_load;
  end

  // the RAMs' ports
  always @* begin
    // RMatch: a victim that holds the key is read (the RAM's output holds the slot
    // already; the room an answer takes is not read), chosen from flip-flops only
    rit_re    = op_load || (st_q == RMatch && vhit_vec != '0) || scan_issue;
    rit_raddr = cand_idx;
    if (op_load) rit_raddr = {{(AW - IW) {1'b0}}, acc_slot};
    if (st_q == RMatch) rit_raddr = VicBase + {{(AW - VW) {1'b0}}, vhit_idx};
    rit_we    = alloc_we || or_we || unsub_we;
    rit_wdata = {op_object_q, op_event_q, op_version_q,
                 unsub_we ? hit_mask & ~dst_bit : or_we ? hit_mask | dst_bit : dst_bit};
    rdt_re    = op_load || (st_q == RMatch && rvhit_vec != '0);
    rdt_raddr = st_q == RMatch ? RVicBase + {{(RAW - RVW) {1'b0}}, rvhit_idx}
                               : {{(RAW - DW) {1'b0}}, acc_rslot};
    rdt_we    = rdt_upd;
  end

  // the victims' keys (an allocation) and objects (a readiness word written)
  always @* begin
    for (int v = 0; v < RIT_VICTIMS; v++)
      vkey_d[v*KW +: KW] = alloc_we && addr_q == VicBase + v[AW-1:0] ?
                           {op_object_q, op_event_q, op_version_q} : vkey_q[v*KW +: KW];
    for (int v = 0; v < RDT_VICTIMS; v++)
      robj_d[v*32 +: 32] = rdt_upd && raddr_q == RVicBase + v[RAW-1:0] ? op_object_q : robj_q[v*32 +: 32];
  end

  // The packet of the state and operation, whatever the decision: a commit's (the
  // register is free in RAct: nothing is accepted while it holds a packet) but a
  // subscribe's that goes to software (its record reads op_*), the scan's entry while
  // the register is free or being taken
  always @* begin
    pk_load     = (commit && !(op_q == OpSub && !rhit_q)) ||
                  (st_q == RScan && (!out_valid_q || out_taken));
    pk_notify   = 1'b0;
    pk_cmd      = op_q == OpAnswer;
    pk_mask     = dst_bit;
    pk_event    = op_event_q;
    pk_version  = op_version_q;
    pk_state    = ans_state;
    // an answer that cannot be remembered (table full) says ready: the requester re-asks
    // rather than waits forever
    pk_is_ready = (ans_ready && !op_watch) || (remember && !hit_q && !free_q);
    pk_stamp    = ans_stamp;
    if (st_q == RScan) begin
      pk_notify   = 1'b1;
      pk_cmd      = 1'b0;
      pk_mask     = scan_ent[MAX_NODES-1:0];
      pk_event    = scan_ent[MAX_NODES+39:MAX_NODES+32];
      pk_version  = scan_ent[MAX_NODES+31:MAX_NODES];
      pk_state    = scan_same ? op_rdy_q[7:0] : op_rdy_q[15:8];
      pk_is_ready = 1'b1;
      pk_stamp    = op_stamp_q;
    end else if (op_q == OpNotify) begin
      pk_notify   = 1'b1;
      pk_cmd      = 1'b1;
      pk_mask     = hit_mask;
      pk_state    = op_state_q;
      pk_is_ready = 1'b1;
      pk_stamp    = op_stamp_q;
    end
  end

  // the output register (valid only with a packet sent, out_load)
  always @* begin
    out_notify_d   = pk_load ? pk_notify : out_notify_q;
    out_cmd_d      = pk_load ? pk_cmd : out_cmd_q;
    out_mask_d     = pk_load ? pk_mask : out_mask_q;
    out_version_d  = pk_load ? pk_version : out_version_q;
  end

  // counters: the increment enables the flip-flops, so the carry chain of +1 starts at
  // the counter and not at the decision that counts
  always @* begin
    cnt_ans_d   = inc_ans ? cnt_ans_q + 32'd1 : cnt_ans_q;
    cnt_full_d  = inc_full ? cnt_full_q + 32'd1 : cnt_full_q;
    cnt_ntf_d   = inc_ntf ? cnt_ntf_q + 32'd1 : cnt_ntf_q;
    cnt_drop_d  = inc_drop ? cnt_drop_q + 32'd1 : cnt_drop_q;
    cnt_suba_d  = inc_suba ? cnt_suba_q + 32'd1 : cnt_suba_q;
    cnt_rfull_d = inc_rfull ? cnt_rfull_q + 32'd1 : cnt_rfull_q;
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
      cnt_ans_q   <= cnt_ans_d;
      cnt_full_q  <= cnt_full_d;
      cnt_ntf_q   <= cnt_ntf_d;
      cnt_drop_q  <= cnt_drop_d;
      cnt_suba_q  <= cnt_suba_d;
      cnt_rfull_q <= cnt_rfull_d;
    end
  end

  // the operation, its match, the victims' keys and the output register (no reset:
  // meaningful only in their states or guarded by valid bits)
  always_ff @(posedge clk_i) begin
    op_q           <= op_d;
    op_object_q    <= op_object_d;
    op_event_q     <= op_event_d;
    op_version_q   <= op_version_d;
    op_dst_q       <= op_dst_d;
    op_state_q     <= op_state_d;
    op_is_ready_q  <= op_is_ready_d;
    op_rdy_q       <= op_rdy_d;
    op_stamp_q     <= op_stamp_d;
    addr_q         <= addr_d;
    raddr_q        <= raddr_d;
    hit_q          <= hit_d;
    free_q         <= free_d;
    rhit_q         <= rhit_d;
    rfree_q        <= rfree_d;
    vkey_q         <= vkey_d;
    robj_q         <= robj_d;
    out_notify_q   <= out_notify_d;
    out_cmd_q      <= out_cmd_d;
    out_mask_q     <= out_mask_d;
    out_version_q  <= out_version_d;
  end

  // ---------------------------------------------------------------------------------
  // Outputs
  assign ans_valid_o           = out_valid_q && !out_notify_q;
  assign ntf_valid_o           = out_valid_q && out_notify_q;
  assign pkt_dst_mask_o        = out_mask_q;
  assign pkt_object_o          = op_object_q;
  assign pkt_event_o           = op_event_q;
  assign pkt_version_o         = out_version_q;
  assign pkt_state_o           = op_state_q;
  assign pkt_stamp_o           = op_stamp_q;
  assign pkt_is_ready_o        = op_is_ready_q;
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
