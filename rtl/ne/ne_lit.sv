// SPDX-License-Identifier: MIT
// ne_lit: local interest table of the notify engine, the requesting side's select
// database (docs/notify-engine.md §1, docs/select.md "Duplicate suppression").
//
// Entries, each: key (owner, object, event, version), status (IN_FLIGHT or SUBSCRIBED)
// and the last state answered. They live in LIT_ENTRIES direct-mapped slots in block RAM
// (ne_ram, one 87-bit word per entry: owner, object, event, version, status, last state)
// plus LIT_VICTIMS victim entries, RAM words above the slots; the valid bits are
// flip-flops, and so are the victims' keys (every victim is compared at once; on iCE40
// a flip-flop costs a logic cell). A key's slot is ne_hash(object, event, version,
// node = owner). A key
// is held in its slot or in a victim, never in both, never twice (an ARM allocates only
// when the key is not found). The table does one operation at a time, in the order it
// accepts them: an ARM or CANCEL command or an arriving NE_NOTIFY. CANCEL frees the key's
// entry whatever its status and, when there was one, sends NE_UNSUBSCRIBE to the owner
// (through the subscribe output, as the command's packet). A key whose event has
// ne_pkg::WATCH_FLAG is persistent (an epoll watch): a NOTIFY keeps its entry SUBSCRIBED
// with the new state instead of freeing it; only an ANSWER with ready 1 (the owner could
// not register it) or a CANCEL frees it. An operation takes three cycles: accept
// (operands registered, the block RAM reads the key's slot), match (the slot's word and
// every victim are compared with the key, the result registered; a victim that holds the
// key is read) and act (the table, the counters and the outputs change: the "commit"),
// plus any wait for the record output. No logic grows with LIT_ENTRIES but the slots'
// valid bits.
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
// * Placement: an ARM that misses takes its key's slot when the slot is free, else the
//   lowest free victim; an entry stays where it was allocated (a victim does not move
//   into its slot when the slot frees). FULL (ARM_RESULT_FULL, arm_full_o,
//   LIT_FULL_COUNT) therefore means: the key's slot holds another key and every victim
//   is in use, however many other slots are free.
// * The block RAM is read in the accept cycle (address = the hash of the operands being
//   accepted) and in match (a victim that holds the key) and written only at the commit,
//   never in those cycles: no read/write collision. A commit's write is at least one
//   cycle before the next accept, so that read sees it. The read output is held through
//   act, where the status and last state of the entry found are taken from it.
// * A write to an entry rewrites its whole word with the operation's key, status and
//   state: the key of a hit equals the operation's; an allocation's state is never read
//   (IN_FLIGHT) before an answer rewrites it.
module ne_lit #(
  parameter int LIT_ENTRIES = ne_pkg::LIT_ENTRIES,  /// slots in block RAM: a power of two, 2 to 256
  parameter int LIT_VICTIMS = ne_pkg::LIT_VICTIMS   /// victim entries in flip-flops, at least 1
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
  output logic        arm_full_o,         /// pulse: an ARM found the table full (its slot and every victim taken)

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
  output logic        sub_unsub_o,        /// NE_UNSUBSCRIBE (a CANCEL's), else NE_SUBSCRIBE

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
  localparam int VW = (LIT_VICTIMS > 1) ? $clog2(LIT_VICTIMS) : 1;
  localparam int KW = 6 + 32 + 8 + 32;  // key: owner, object, event, version
  localparam int RW = KW + 1 + 8;       // RAM word: key, SUBSCRIBED, last state
  // entries: the slots, then the victims (RAM words LIT_ENTRIES.. LIT_ENTRIES+LIT_VICTIMS-1)
  localparam int NA = LIT_ENTRIES + LIT_VICTIMS;
  localparam int AW = $clog2(NA);
  localparam logic [AW-1:0] VicBase = LIT_ENTRIES[AW-1:0];

  typedef enum logic [1:0] {
    LIdle,
    LMatch,
    LAct
  } lit_state_e;

  // ---------------------------------------------------------------------------------
  // State
  lit_state_e st_q, st_d;

  // the operation in progress (no reset: read only while st_q != LIdle)
  logic          op_load;
  logic          op_pkt_q  /* verilator public_flat_rd */, op_pkt_d;  // 1: arriving packet, 0: command
  logic          op_cancel_q /* verilator public_flat_rd */, op_cancel_d;  // the command is CANCEL
  logic [5:0]    op_owner_q, op_owner_d;
  logic [31:0]   op_object_q, op_object_d;
  logic [7:0]    op_event_q, op_event_d;
  logic [31:0]   op_version_q, op_version_d;
  logic [7:0]    op_state_q, op_state_d;
  logic          op_notify_q, op_notify_d;
  logic          op_is_ready_q, op_is_ready_d;
  logic [31:0]   op_stamp_q, op_stamp_d;
  // the key's slot (match), then the entry found or the room found (act)
  logic [AW-1:0] addr_q, addr_d;
  logic [IW-1:0] acc_slot;        // the slot of the operands being accepted
  logic [KW-1:0] op_key;

  // the match result (no reset: read only in LAct): the key is in the table (at
  // addr_q); an ARM that misses can allocate (at addr_q)
  logic          hit_q, hit_d;
  logic          free_q, free_d;

  // the entries: valid bits in flip-flops (slots, then victims), key, status and last
  // state in block RAM; the victims' keys also in flip-flops (compared at once; no
  // reset, guarded by the valid bits)
  logic [NA-1:0]             valid_q, valid_d;
  logic                      ram_we, ram_re;
  logic [AW-1:0]             ram_raddr;
  logic [RW-1:0]             ram_wdata, ram_rdata;
  logic [KW-1:0]             ram_key;
  logic                      ram_subd;  // 1: SUBSCRIBED, 0: IN_FLIGHT
  logic [7:0]                ram_lstate;
  logic [LIT_VICTIMS-1:0]    vvalid;
  logic [LIT_VICTIMS*KW-1:0] vkey_q, vkey_d;

  logic alloc_we, unsub_load, hit_subd, pkt_free, op_watch;
  // the table's change at the commit, at entry addr_q
  logic          valid_set, valid_clr;
  logic [NA-1:0] addr_dec;
  logic [7:0] hit_lstate;

  // outputs
  logic        sub_valid_q, sub_valid_d;
  logic        sub_unsub_q, sub_unsub_d;
  logic [5:0]  sub_owner_q, sub_owner_d;
  logic [31:0] sub_object_q, sub_object_d;
  logic [7:0]  sub_event_q, sub_event_d;
  logic [31:0] sub_version_q, sub_version_d;

  logic        rec_valid_q, rec_valid_d, rec_load;
  logic [7:0]  rec_kind_q, rec_kind_d, rec_kind_n;
  logic [7:0]  rec_state_q, rec_state_d, rec_state_n;
  logic        rec_is_ready_q, rec_is_ready_d, rec_is_ready_n;
  logic        rec_tag_q, rec_tag_d;
  logic [5:0]  rec_src_q, rec_src_d;
  logic [31:0] rec_object_q, rec_object_d;
  logic [7:0]  rec_event_q, rec_event_d;
  logic [31:0] rec_version_q, rec_version_d;
  logic [31:0] rec_stamp_q, rec_stamp_d;

  logic [31:0] cnt_sent_q, cnt_supp_q, cnt_stray_q, cnt_full_q;
  logic [31:0] cnt_sent_d, cnt_supp_d, cnt_stray_d, cnt_full_d;
  logic        inc_sent, inc_supp, inc_stray, inc_full;

  // Commit of the operation in LAct. Observed by the testbench's reference model.
  logic commit  /* verilator public_flat_rd */;
  logic need_rec;

  // ---------------------------------------------------------------------------------
  // Accept: a packet first, then an ARM (only when the subscribe output is empty); the
  // block RAM reads the accepted key's slot
  logic [5:0]  acc_owner;
  logic [31:0] acc_object, acc_version;
  logic [7:0]  acc_event;

  always @* begin
    pkt_ready_o = (st_q == LIdle);
    arm_ready_o = (st_q == LIdle) && !pkt_valid_i && !sub_valid_q;
    op_load     = (pkt_valid_i && pkt_ready_o) || (arm_valid_i && arm_ready_o);
    acc_owner   = pkt_valid_i ? pkt_src_i : arm_owner_i;
    acc_object  = pkt_valid_i ? pkt_object_i : arm_object_i;
    acc_event   = pkt_valid_i ? pkt_event_i : arm_event_i;
    acc_version = pkt_valid_i ? pkt_version_i : arm_version_i;
  end

  ne_hash #(
    .W(IW)
  ) u_hash (
    .object_i (acc_object),
    .event_i  (acc_event),
    .version_i(acc_version),
    .node_i   (acc_owner),
    .hash_o   (acc_slot)
  );

  always @* begin
    op_pkt_d      = op_pkt_q;
    op_cancel_d   = op_cancel_q;
    op_owner_d    = op_owner_q;
    op_object_d   = op_object_q;
    op_event_d    = op_event_q;
    op_version_d  = op_version_q;
    op_state_d    = op_state_q;
    op_notify_d   = op_notify_q;
    op_is_ready_d = op_is_ready_q;
    op_stamp_d    = op_stamp_q;
    if (op_load) begin
      op_pkt_d      = pkt_valid_i;
      op_cancel_d   = !pkt_valid_i && arm_cancel_i;
      op_owner_d    = acc_owner;
      op_object_d   = acc_object;
      op_event_d    = acc_event;
      op_version_d  = acc_version;
      op_state_d    = pkt_state_i;
      op_notify_d   = pkt_notify_i;
      op_is_ready_d = pkt_is_ready_i;
      op_stamp_d    = pkt_valid_i ? pkt_stamp_i : '0;
    end
    op_key = {op_owner_q, op_object_q, op_event_q, op_version_q};
  end

  // ---------------------------------------------------------------------------------
  // The entries' words: read at accept (the key's slot) and in match (the entry found,
  // else the room found: the act uses it), written at the commit (never the same cycle).
  // A packet's write settles (SUBSCRIBED), an ARM's allocates (IN_FLIGHT).
  assign ram_wdata = {op_key, op_pkt_q, op_state_q};

  ne_ram #(
    .WIDTH(RW),
    .DEPTH(1 << AW)
  ) u_ram (
    .clk_i  (clk_i),
    .we_i   (ram_we),
    .waddr_i(addr_q),
    .wdata_i(ram_wdata),
    .re_i   (ram_re),
    .raddr_i(ram_raddr),
    .rdata_o(ram_rdata)
  );

  assign ram_key    = ram_rdata[RW-1:9];
  assign ram_subd   = ram_rdata[8];
  assign ram_lstate = ram_rdata[7:0];

  // ---------------------------------------------------------------------------------
  // Match: the key's slot (its word is on the RAM's output) and every victim. A key is
  // held at most once, so at most one of them matches and the victim's index is an OR;
  // the free victim is the lowest. Registered before use, and the entry (found, else
  // free) read so that the RAM's output holds it in act.
  localparam logic [LIT_VICTIMS-1:0] VicOne = {{(LIT_VICTIMS - 1) {1'b0}}, 1'b1};
  localparam logic [NA-1:0] EntOne = {{(NA - 1) {1'b0}}, 1'b1};
  logic [LIT_VICTIMS-1:0] vmatch, vfree, vfree_one;
  logic                   slot_hit, slot_free;
  logic [AW-1:0]          m_addr;
  // the victim that matches, else the free one (the room); its index, and the index of
  // the victim that matches alone (the one read in match)
  logic [LIT_VICTIMS-1:0] vsel;
  logic [VW-1:0]          vsel_idx, vmatch_idx;

  for (genvar g = 0; g < LIT_VICTIMS; g++) begin : g_match
    assign vmatch[g] = vvalid[g] && vkey_q[g*KW+:KW] == op_key;
  end

  assign vvalid    = valid_q[NA-1:LIT_ENTRIES];
  assign vfree     = ~vvalid;
  assign vfree_one = vfree & (~vfree + VicOne);
  assign vsel      = vmatch != '0 ? vmatch : vfree_one;

  // (named inputs: Yosys 0.23's `hierarchy -chparam` fails on an expression in a port)
  ne_onehot_index #(.N(LIT_VICTIMS), .W(VW)) u_vsel_idx (.onehot_i(vsel), .index_o(vsel_idx));
  ne_onehot_index #(.N(LIT_VICTIMS), .W(VW)) u_vmatch_idx (.onehot_i(vmatch), .index_o(vmatch_idx));

  always @* begin
    slot_hit   = valid_q[addr_q] && ram_key == op_key;
    slot_free  = !valid_q[addr_q];
    hit_d      = slot_hit || (|vmatch);
    free_d     = slot_free || (|vfree);
    m_addr     = VicBase + {{(AW - VW) {1'b0}}, vsel_idx};
    if (slot_hit || (vmatch == '0 && slot_free)) m_addr = addr_q;
    // a victim that holds the key is read (the RAM's output holds the slot already;
    // the room an ARM takes is not read); its address comes from flip-flops only, not
    // through the RAM's output (shorter paths, fewer LUTs)
    ram_re     = op_load || (st_q == LMatch && vmatch != '0 && !slot_hit);
    ram_raddr  = st_q == LMatch ? VicBase + {{(AW - VW) {1'b0}}, vmatch_idx}
                                : {{(AW - IW) {1'b0}}, acc_slot};
    addr_d     = addr_q;
    if (op_load) addr_d = {{(AW - IW) {1'b0}}, acc_slot};
    if (st_q == LMatch) addr_d = m_addr;
  end

  // ---------------------------------------------------------------------------------
  // Act
  always @* begin
    st_d           = st_q;
    valid_set      = 1'b0;
    valid_clr      = 1'b0;
    ram_we         = 1'b0;
    alloc_we       = 1'b0;
    unsub_load     = 1'b0;
    rec_load       = 1'b0;
    rec_kind_n     = ne_pkg::RECORD_KIND_ANSWER;
    rec_state_n    = op_state_q;
    rec_is_ready_n = 1'b0;
    inc_sent       = 1'b0;
    inc_supp       = 1'b0;
    inc_stray      = 1'b0;
    inc_full       = 1'b0;
    arm_result_o   = ne_pkg::ARM_RESULT_NONE;
    arm_full_o     = 1'b0;

    // the status and last state of the entry found (on the RAM's output)
    hit_subd   = hit_q && ram_subd;
    hit_lstate = ram_lstate;

    // a packet always gives a record; an ARM only on a SUBSCRIBED entry
    need_rec = op_pkt_q || (!op_cancel_q && hit_subd);
    // a packet frees its entry when it is a NOTIFY or a ready ANSWER, except a NOTIFY of a
    // persistent key (which an ANSWER with ready 1 frees: the owner could not keep it)
    op_watch = op_event_q[7];  // ne_pkg::WATCH_FLAG
    pkt_free = (op_notify_q || op_is_ready_q) && !(op_notify_q && op_watch);
    commit   = (st_q == LAct) && (!need_rec || !rec_valid_q || rec_ready_i);

    case (st_q)
      LIdle:  if (op_load) st_d = LMatch;
      LMatch: st_d = LAct;
      LAct:   if (commit) st_d = LIdle;
      default: st_d = LIdle;
    endcase

    if (commit && op_pkt_q) begin
      rec_load       = 1'b1;
      rec_kind_n     = op_notify_q ? ne_pkg::RECORD_KIND_NOTIFY : ne_pkg::RECORD_KIND_ANSWER;
      rec_is_ready_n = op_notify_q || op_is_ready_q;
      if (!hit_q) begin
        inc_stray = 1'b1;
      end else if (pkt_free) begin
        valid_clr = 1'b1;
      end else begin
        // SUBSCRIBED, with the packet's state
        ram_we = 1'b1;
      end
    end else if (commit && op_cancel_q) begin
      // forgotten, whatever its status; the owner told (the command's packet: SENT)
      if (hit_q) begin
        valid_clr    = 1'b1;
        unsub_load   = 1'b1;
        arm_result_o = ne_pkg::ARM_RESULT_SENT;
      end
    end else if (commit) begin
      if (hit_q) begin
        inc_supp = 1'b1;
        if (hit_subd) begin
          arm_result_o = ne_pkg::ARM_RESULT_SUPPRESSED_SUBSCRIBED;
          rec_load     = 1'b1;
          rec_state_n  = hit_lstate;
        end else begin
          arm_result_o = ne_pkg::ARM_RESULT_SUPPRESSED_IN_FLIGHT;
        end
      end else if (free_q) begin
        arm_result_o = ne_pkg::ARM_RESULT_SENT;
        inc_sent     = 1'b1;
        alloc_we     = 1'b1;
        valid_set    = 1'b1;
        ram_we       = 1'b1;  // IN_FLIGHT
      end else begin
        arm_result_o = ne_pkg::ARM_RESULT_FULL;
        arm_full_o   = 1'b1;
        inc_full     = 1'b1;
      end
    end
    arm_done_o = commit && !op_pkt_q;

    sub_valid_d = (sub_valid_q && !sub_ready_i) || alloc_we || unsub_load;
    rec_valid_d = (rec_valid_q && !rec_ready_i) || rec_load;
  end

  // the table's next state: the valid bit of entry addr_q; a victim's key when an ARM
  // allocates it
  always @* begin
    addr_dec = EntOne << addr_q;
    valid_d  = (valid_q & ~(addr_dec & {NA{valid_clr}})) | (addr_dec & {NA{valid_set}});
    for (int v = 0; v < LIT_VICTIMS; v++)
      vkey_d[v*KW+:KW] = alloc_we && addr_q == VicBase + v[AW-1:0] ? op_key : vkey_q[v*KW+:KW];
  end

  // the outputs' contents
  always @* begin
    sub_owner_d    = sub_owner_q;
    sub_object_d   = sub_object_q;
    sub_event_d    = sub_event_q;
    sub_version_d  = sub_version_q;
    sub_unsub_d    = sub_unsub_q;
    rec_kind_d     = rec_kind_q;
    rec_src_d      = rec_src_q;
    rec_object_d   = rec_object_q;
    rec_event_d    = rec_event_q;
    rec_version_d  = rec_version_q;
    rec_state_d    = rec_state_q;
    rec_is_ready_d = rec_is_ready_q;
    rec_stamp_d    = rec_stamp_q;
    rec_tag_d      = rec_tag_q;
    if (alloc_we || unsub_load) begin
      sub_owner_d   = op_owner_q;
      sub_object_d  = op_object_q;
      sub_event_d   = op_event_q;
      sub_version_d = op_version_q;
      sub_unsub_d   = unsub_load;
    end
    if (rec_load) begin
      rec_kind_d     = rec_kind_n;
      rec_src_d      = op_owner_q;
      rec_object_d   = op_object_q;
      rec_event_d    = op_event_q;
      rec_version_d  = op_version_q;
      rec_state_d    = rec_state_n;
      rec_is_ready_d = rec_is_ready_n;
      rec_stamp_d    = op_stamp_q;
      rec_tag_d      = !op_pkt_q;
    end
  end

  // counters: the increment enables the flip-flops, so the carry chain of +1 starts at
  // the counter and not at the decision that counts (a critical path otherwise)
  always @* begin
    cnt_sent_d  = inc_sent ? cnt_sent_q + 32'd1 : cnt_sent_q;
    cnt_supp_d  = inc_supp ? cnt_supp_q + 32'd1 : cnt_supp_q;
    cnt_stray_d = inc_stray ? cnt_stray_q + 32'd1 : cnt_stray_q;
    cnt_full_d  = inc_full ? cnt_full_q + 32'd1 : cnt_full_q;
  end

  // ---------------------------------------------------------------------------------
  // Registers
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      st_q        <= LIdle;
      valid_q     <= '0;
      sub_valid_q <= 1'b0;
      rec_valid_q <= 1'b0;
      cnt_sent_q  <= '0;
      cnt_supp_q  <= '0;
      cnt_stray_q <= '0;
      cnt_full_q  <= '0;
    end else begin
      st_q        <= st_d;
      valid_q     <= valid_d;
      sub_valid_q <= sub_valid_d;
      rec_valid_q <= rec_valid_d;
      cnt_sent_q  <= cnt_sent_d;
      cnt_supp_q  <= cnt_supp_d;
      cnt_stray_q <= cnt_stray_d;
      cnt_full_q  <= cnt_full_d;
    end
  end

  // no reset: the operation, the match result, the victims' contents (guarded by
  // vvalid_q) and the outputs' contents (guarded by their valid)
  always_ff @(posedge clk_i) begin
    op_pkt_q       <= op_pkt_d;
    op_cancel_q    <= op_cancel_d;
    op_owner_q     <= op_owner_d;
    op_object_q    <= op_object_d;
    op_event_q     <= op_event_d;
    op_version_q   <= op_version_d;
    op_state_q     <= op_state_d;
    op_notify_q    <= op_notify_d;
    op_is_ready_q  <= op_is_ready_d;
    op_stamp_q     <= op_stamp_d;
    addr_q         <= addr_d;
    vkey_q         <= vkey_d;
    sub_owner_q    <= sub_owner_d;
    sub_object_q   <= sub_object_d;
    sub_event_q    <= sub_event_d;
    sub_version_q  <= sub_version_d;
    sub_unsub_q    <= sub_unsub_d;
    rec_kind_q     <= rec_kind_d;
    rec_src_q      <= rec_src_d;
    rec_object_q   <= rec_object_d;
    rec_event_q    <= rec_event_d;
    rec_version_q  <= rec_version_d;
    rec_state_q    <= rec_state_d;
    rec_is_ready_q <= rec_is_ready_d;
    rec_stamp_q    <= rec_stamp_d;
    rec_tag_q      <= rec_tag_d;
  end

  // the match result, held from match to act
  logic hit_n, free_n;
  always @* begin
    hit_n  = st_q == LMatch ? hit_d : hit_q;
    free_n = st_q == LMatch ? free_d : free_q;
  end

  always_ff @(posedge clk_i) begin
    hit_q  <= hit_n;
    free_q <= free_n;
  end

  // ---------------------------------------------------------------------------------
  // Outputs
  assign sub_valid_o       = sub_valid_q;
  assign sub_owner_o       = sub_owner_q;
  assign sub_object_o      = sub_object_q;
  assign sub_event_o       = sub_event_q;
  assign sub_version_o     = sub_version_q;
  assign sub_unsub_o       = sub_unsub_q;
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
