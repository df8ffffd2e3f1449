// SPDX-License-Identifier: MIT
// ne_lit_props: formal properties of ne_lit, the local interest table
// (docs/notify-engine.md §1 and its invariant: between an ARM that sends a subscribe for
// a key and the answer/notify that frees or settles it, no further subscribe for that key
// leaves the engine, however often it is re-armed).
//
// The table has E slots (LIT_ENTRIES; 2 or 4 in the checks) and V victims (LIT_VICTIMS;
// 1 or 2), so that it fills in a few operations. Every input of ne_lit is free (a port of this wrapper); only reset is
// constrained. K is an arbitrary key fixed for the whole run ($anyconst), so the
// properties hold for every key. A reference model of K's interest is kept from the
// ports alone, in the order ne_lit accepts operations (one at a time): f_out (a subscribe
// for K is outstanding: sent, and neither freed by a NOTIFY, a ready ANSWER or a CANCEL of
// K; when K is persistent, its event having ne_pkg::WATCH_FLAG, a NOTIFY does not free it),
// f_subd (settled by a not-ready ANSWER, or a persistent K's NOTIFY), f_state (that
// packet's state), f_nsub (subscribes for K sent since K was last freed).
//
// Properties (on ports):
//   a_one_subscribe   an ARM of K that sends a subscribe is the first since K was last
//                     freed (f_nsub == 0), however often K is re-armed: the contract's
//                     invariant
//   a_suppressed      an ARM of K while a subscribe is outstanding sends nothing and says
//                     SUPPRESSED_IN_FLIGHT or SUPPRESSED_SUBSCRIBED, as K's status is
//   a_sends           an ARM of K with nothing outstanding sends (SENT) unless the table
//                     is FULL: "exactly one", not "at most one"
//   a_sub_*           each SENT puts exactly one packet, with the command's key, on the
//                     subscribe port, held stable until taken; no other packet appears; it
//                     is an NE_UNSUBSCRIBE exactly when the command was a CANCEL
//   a_cancel_tells    a CANCEL of K sends (SENT, the unsubscribe) exactly when K was held
//   a_rec_subscribed  the immediate ANSWER record of an ARM on a SUBSCRIBED K carries
//                     K, ready 0, the state of K's last answer, and the command's tag
//   a_order           operations are taken one at a time
//   a_full_honest     an ARM of K is answered FULL only when K's slot (ne_hash) holds
//                     another valid key and every victim is valid (probes)
// Auxiliary invariants (i_*, on internal registers through probes; they make the
// properties inductive): the model agrees with the table (K is held in its slot's RAM
// word or in a victim), K is in no other slot and held at most once (for K only: K is
// arbitrary), an operation on K reads K's slot, the RAM's read register holds the
// operation's slot's word in match and the entry found in act, the registered match
// result agrees with the table (a hit is a valid entry with the operation's key, a room
// is free; for K, hit and room exactly as the table has them).
//
// Fault (test only; the negative checks), a wrong view of the arriving packets given to
// ne_lit while the model sees the real ones:
//   1 every ANSWER looks ready (ne_lit frees instead of settling): a re-arm sends a second
//     subscribe while K is outstanding, a_one_subscribe must fail;
//   2 every packet looks like a not-ready ANSWER (ne_lit never frees): a re-arm after K was
//     freed is suppressed (a_sends fails), and a CANCEL of K answers SENT though K was
//     freed (a_cancel_tells fails; the negative check names this one).
// Design faults are injected with run_formal.py --force (e.g. dut.hit_q tied to 0: the
// table never finds a key, every re-arm subscribes again: a_one_subscribe must fail).
module ne_lit_props #(
  parameter int E     = 2,  /// LIT_ENTRIES of ne_lit (a power of two)
  parameter int V     = 2,  /// LIT_VICTIMS of ne_lit (ne_pkg::LIT_VICTIMS; at least 1)
  parameter int Fault = 0,  /// test only: injected fault, 0 none
  parameter bit Aux   = 1   /// check the auxiliary invariants (negative checks: 0)
) (
  input logic        clk_i,
  input logic        rst_ni,
  input logic        arm_valid_i,
  input logic [5:0]  arm_owner_i,
  input logic [31:0] arm_object_i,
  input logic [7:0]  arm_event_i,
  input logic [31:0] arm_version_i,
  input logic        arm_cancel_i,
  input logic        pkt_valid_i,
  input logic [5:0]  pkt_src_i,
  input logic [31:0] pkt_object_i,
  input logic [7:0]  pkt_event_i,
  input logic [31:0] pkt_version_i,
  input logic [7:0]  pkt_state_i,
  input logic        pkt_notify_i,
  input logic        pkt_is_ready_i,
  input logic        sub_ready_i,
  input logic        rec_ready_i
);
  localparam int IW = $clog2(E);
  localparam int KW = 6 + 32 + 8 + 32;
  localparam int RW = KW + 1 + 8;  // RAM word: key, SUBSCRIBED, last state
  localparam int T  = E + V;       // entries: the slots, then the victims (RAM words E..)
  localparam int AW = $clog2(T);

  // ---------------------------------------------------------------------------------
  // The design
  logic        arm_ready_o, arm_done_o, arm_full_o, pkt_ready_o;
  logic [7:0]  arm_result_o;
  logic        sub_valid_o;
  logic [5:0]  sub_owner_o;
  logic [31:0] sub_object_o, sub_version_o;
  logic [7:0]  sub_event_o;
  logic        sub_unsub_o;
  logic        rec_valid_o, rec_is_ready_o, rec_tag_o;
  logic [7:0]  rec_kind_o, rec_event_o, rec_state_o;
  logic [5:0]  rec_src_o;
  logic [31:0] rec_object_o, rec_version_o;
  logic [31:0] subscribes_sent_o, suppressed_o, stray_o, lit_full_count_o;
  logic        busy_o;
  logic        dut_pkt_is_ready, dut_pkt_notify;

  assign dut_pkt_is_ready = (Fault == 1) ? 1'b1 : (Fault == 2) ? 1'b0 : pkt_is_ready_i;
  assign dut_pkt_notify   = (Fault == 2) ? 1'b0 : pkt_notify_i;

  ne_lit #(.LIT_ENTRIES(E), .LIT_VICTIMS(V)) dut (
    .clk_i, .rst_ni,
    .arm_valid_i, .arm_ready_o, .arm_owner_i, .arm_object_i, .arm_event_i, .arm_version_i,
    .arm_cancel_i, .arm_done_o, .arm_result_o, .arm_full_o,
    .pkt_valid_i, .pkt_ready_o, .pkt_src_i, .pkt_object_i, .pkt_event_i, .pkt_version_i,
    .pkt_state_i, .pkt_notify_i(dut_pkt_notify), .pkt_is_ready_i(dut_pkt_is_ready),
    .sub_valid_o, .sub_ready_i, .sub_owner_o, .sub_object_o, .sub_event_o, .sub_version_o, .sub_unsub_o,
    .rec_valid_o, .rec_ready_i, .rec_kind_o, .rec_src_o, .rec_object_o, .rec_event_o,
    .rec_version_o, .rec_state_o, .rec_is_ready_o, .rec_tag_o,
    .subscribes_sent_o, .suppressed_o, .stray_o, .lit_full_count_o, .busy_o
  );

  // ---------------------------------------------------------------------------------
  // Reset in the first cycle; nothing else is assumed
  logic f_past = 1'b0;
  always_ff @(posedge clk_i) f_past <= 1'b1;
  always_comb if (!f_past) assume (!rst_ni);

  // ---------------------------------------------------------------------------------
  // The key under watch and the reference model
  logic [KW-1:0] k_key;
  assign k_key = $anyconst;

  logic [KW-1:0] arm_key, pkt_key, sub_key, rec_key;
  assign arm_key = {arm_owner_i, arm_object_i, arm_event_i, arm_version_i};
  assign pkt_key = {pkt_src_i, pkt_object_i, pkt_event_i, pkt_version_i};
  assign sub_key = {sub_owner_o, sub_object_o, sub_event_o, sub_version_o};
  assign rec_key = {rec_src_o, rec_object_o, rec_event_o, rec_version_o};

  logic arm_acc, pkt_acc, pkt_frees_k, pkt_settles_k, done_k, sent, sent_k, cancel_k, k_watch;
  // a packet frees its key when it is a NOTIFY or a ready ANSWER, but a persistent key's
  // NOTIFY settles it (SUBSCRIBED, with the new state)
  function automatic logic frees(input logic notify, input logic ready, input logic watch);
    frees = (notify || ready) && !(notify && watch);
  endfunction
  assign k_watch       = k_key[32+7];  // the event's WATCH_FLAG
  assign arm_acc       = arm_valid_i && arm_ready_o;
  assign pkt_acc       = pkt_valid_i && pkt_ready_o;
  assign pkt_frees_k   = pkt_acc && pkt_key == k_key && frees(pkt_notify_i, pkt_is_ready_i, k_watch);
  assign pkt_settles_k = pkt_acc && pkt_key == k_key && !frees(pkt_notify_i, pkt_is_ready_i, k_watch);
  assign sent          = arm_done_o && arm_result_o == ne_pkg::ARM_RESULT_SENT;
  assign done_k        = arm_done_o && !f_arm_cancel && f_arm_key == k_key;
  assign cancel_k      = arm_done_o && f_arm_cancel && f_arm_key == k_key;
  assign sent_k        = sent && !f_arm_cancel && f_arm_key == k_key;

  logic          f_arm_pend;   // an ARM was taken and has not committed
  logic [KW-1:0] f_arm_key;    // the key of the last ARM taken
  logic          f_arm_cancel; // ... and whether it was a CANCEL
  logic          f_out, f_subd;
  logic [7:0]    f_state;
  logic [1:0]    f_nsub;
  logic          f_sent_q;     // a SENT committed in the previous cycle
  logic          f_subsup_q;   // a SUPPRESSED_SUBSCRIBED committed in the previous cycle
  logic          f_sub_held;   // the subscribe port held a packet not taken last cycle
  logic [KW-1:0] f_sub_key_q;
  logic          f_sub_unsub_q;
  logic [31:0]   f_nsent, f_nsupp;

  always_ff @(posedge clk_i) begin
    f_sent_q    <= sent;
    f_subsup_q  <= arm_done_o && arm_result_o == ne_pkg::ARM_RESULT_SUPPRESSED_SUBSCRIBED;
    f_sub_held  <= sub_valid_o && !sub_ready_i;
    f_sub_key_q <= sub_key;
    f_sub_unsub_q <= sub_unsub_o;
    if (arm_acc) f_arm_key <= arm_key;
    if (arm_acc) f_arm_cancel <= arm_cancel_i;
    if (!rst_ni) begin
      f_arm_pend <= 1'b0;
      f_out      <= 1'b0;
      f_subd     <= 1'b0;
      f_nsub     <= '0;
      f_nsent    <= '0;
      f_nsupp    <= '0;
      f_sent_q   <= 1'b0;
      f_subsup_q <= 1'b0;
      f_sub_held <= 1'b0;
    end else begin
      if (arm_acc) f_arm_pend <= 1'b1;
      else if (arm_done_o) f_arm_pend <= 1'b0;
      if (pkt_frees_k || cancel_k) begin
        f_out  <= 1'b0;
        f_subd <= 1'b0;
        f_nsub <= '0;
      end else if (pkt_settles_k && f_out) begin
        f_subd  <= 1'b1;
        f_state <= pkt_state_i;
      end else if (sent_k) begin
        f_out  <= 1'b1;
        f_subd <= 1'b0;
        f_nsub <= (f_nsub == 2'd3) ? f_nsub : f_nsub + 2'd1;
      end
      if (sent && !f_arm_cancel) f_nsent <= f_nsent + 32'd1;
      if (arm_done_o && (arm_result_o == ne_pkg::ARM_RESULT_SUPPRESSED_IN_FLIGHT ||
                         arm_result_o == ne_pkg::ARM_RESULT_SUPPRESSED_SUBSCRIBED))
        f_nsupp <= f_nsupp + 32'd1;
    end
  end

  // ---------------------------------------------------------------------------------
  // Properties
  always_ff @(posedge clk_i) begin
    if (f_past && rst_ni) begin
      // the contract's invariant
      if (sent_k) a_one_subscribe: assert (f_nsub == 2'd0);
      // what an ARM of K does, by K's status
      if (done_k && f_out) begin
        a_suppressed: assert (arm_result_o == (f_subd ? ne_pkg::ARM_RESULT_SUPPRESSED_SUBSCRIBED
                                                      : ne_pkg::ARM_RESULT_SUPPRESSED_IN_FLIGHT));
      end
      if (done_k && !f_out) begin
        a_sends: assert (arm_result_o == ne_pkg::ARM_RESULT_SENT ||
                         arm_result_o == ne_pkg::ARM_RESULT_FULL);
      end
      if (arm_done_o) a_done_pending: assert (f_arm_pend);
      a_full_pulse: assert (arm_full_o == (arm_done_o && arm_result_o == ne_pkg::ARM_RESULT_FULL));
      // the subscribe port: a new packet exactly after each SENT, with its key, held
      a_sub_new: assert ((sub_valid_o && !f_sub_held) == f_sent_q);
      if (f_sent_q) a_sub_key: assert (sub_key == f_arm_key && sub_unsub_o == f_arm_cancel);
      if (cancel_k) a_cancel_tells: assert ((arm_result_o == ne_pkg::ARM_RESULT_SENT) == f_out);
      if (arm_done_o && f_arm_cancel) begin
        a_cancel_result: assert (arm_result_o == ne_pkg::ARM_RESULT_SENT ||
                                 arm_result_o == ne_pkg::ARM_RESULT_NONE);
      end
      if (f_sub_held) a_sub_stable: assert (sub_valid_o && sub_key == f_sub_key_q && sub_unsub_o == f_sub_unsub_q);
      // the immediate record of an ARM on a SUBSCRIBED entry
      if (f_subsup_q) begin
        a_rec_subscribed: assert (rec_valid_o && rec_tag_o && rec_key == f_arm_key &&
                                  rec_kind_o == ne_pkg::RECORD_KIND_ANSWER && !rec_is_ready_o &&
                                  (f_arm_key != k_key || rec_state_o == f_state));
      end
      // one operation at a time
      a_order: assert (!(arm_acc && pkt_acc));
      if (f_arm_pend) a_order_arm: assert (!arm_acc && !pkt_acc);
      a_sub_blocks_arm: assert (!(sub_valid_o && arm_acc));
      // counters
      a_cnt_sent: assert (subscribes_sent_o == f_nsent);
      a_cnt_supp: assert (suppressed_o == f_nsupp);
    end
  end

  // ---------------------------------------------------------------------------------
  // Internal registers (probes): a_full_honest and the auxiliary invariants, which
  // negative checks skip (Aux = 0)
  logic [1:0]    p_st;            //@probe p_st = dut.st_q
  logic          p_op_pkt;        //@probe p_op_pkt = dut.op_pkt_q
  logic          p_op_cancel;     //@probe p_op_cancel = dut.op_cancel_q
  logic [5:0]    p_op_owner;      //@probe p_op_owner = dut.op_owner_q
  logic [31:0]   p_op_object;     //@probe p_op_object = dut.op_object_q
  logic [7:0]    p_op_event;      //@probe p_op_event = dut.op_event_q
  logic [31:0]   p_op_version;    //@probe p_op_version = dut.op_version_q
  logic [7:0]    p_op_state;      //@probe p_op_state = dut.op_state_q
  logic          p_op_notify;     //@probe p_op_notify = dut.op_notify_q
  logic          p_op_is_ready;   //@probe p_op_is_ready = dut.op_is_ready_q
  logic [AW-1:0] p_addr;          //@probe p_addr = dut.addr_q
  logic          p_hit_q;         //@probe p_hit_q = dut.hit_q
  logic          p_free_q;        //@probe p_free_q = dut.free_q
  logic [T-1:0]  p_tvalid;        //@probe p_tvalid = dut.valid_q
  logic [T*RW-1:0] p_mem;         //@probe for i in 0..{E+V-1}: p_mem[{i*87+86}:{i*87}] = dut.u_ram.mem[{i}]
  logic [RW-1:0] p_rdata;         //@probe p_rdata = dut.u_ram.rdata_q
  logic [V*KW-1:0] p_vkey;        //@probe p_vkey = dut.vkey_q
  logic [E-1:0]  p_valid;
  logic [V-1:0]  p_vvalid;
  assign p_valid  = p_tvalid[E-1:0];
  assign p_vvalid = p_tvalid[T-1:E];

  localparam logic [1:0] StIdle = 2'd0, StMatch = 2'd1, StAct = 2'd2;
  logic [KW-1:0] p_op_key;
  assign p_op_key = {p_op_owner, p_op_object, p_op_event, p_op_version};

  // A key's slot, restated from docs/notify-engine.md (rtl/ne/ne_hash.sv, hw/src/ne/hash.h):
  // x = object ^ rotl(version, 13) ^ (event << 24) ^ (owner << 18), folded by XOR into IW
  // bits. (A function, not ne_hash instances: Yosys 0.23 renames a chparam'd top that
  // instantiates modules in a generate loop.)
  function automatic logic [IW-1:0] slot_of(input logic [KW-1:0] k);
    logic [31:0]   x;
    logic [IW-1:0] h;
    x = k[71:40] ^ {k[18:0], k[31:19]} ^ {k[39:32], 24'd0} ^ {8'd0, k[77:72], 18'd0};
    h = '0;
    for (int b = 0; b < 32; b++) h[b % IW] = h[b % IW] ^ x[b];
    slot_of = h;
  endfunction

  // the slots' keys (RAM words), every entry's status and last state (RAM words), the
  // victims' keys (flip-flops; a victim's RAM key is never read)
  logic [KW-1:0] p_key [E];
  logic [T-1:0]  p_tsubd;
  logic [7:0]    p_tlstate [T];
  for (genvar g = 0; g < E; g++) begin : g_key
    assign p_key[g] = p_mem[g*RW+9+:KW];
  end
  for (genvar g = 0; g < T; g++) begin : g_ent
    assign p_tsubd[g]   = p_mem[g*RW+8];
    assign p_tlstate[g] = p_mem[g*RW+:8];
  end
  logic [KW-1:0] p_vk [V];
  for (genvar g = 0; g < V; g++) begin : g_vkey
    assign p_vk[g] = p_vkey[g*KW+:KW];
  end
  // the key of entry addr_q (a slot's RAM word, a victim's flip-flops), its RAM word
  logic [KW-1:0] addr_key;
  logic [RW-1:0] addr_word;
  always_comb begin
    addr_key  = '0;
    addr_word = '0;
    for (int i = 0; i < E; i++) if (p_addr == i[AW-1:0]) addr_key = p_key[i];
    for (int v = 0; v < V; v++) if (p_addr == E[AW-1:0] + v[AW-1:0]) addr_key = p_vk[v];
    for (int i = 0; i < T; i++) if (p_addr == i[AW-1:0]) addr_word = p_mem[i*RW+:RW];
  end

  // the slot of K (only K's: a hash of every operation's key costs the solver far more)
  logic [IW-1:0] k_slot;
  assign k_slot = slot_of(k_key);

  // Where K is held. The invariants are stated for K only: K is arbitrary, so they hold
  // for every key (and stating them for every entry costs the solver far more).
  logic         has_k, subd_k, op_busy, op_frees_k, op_settles_k, k_placed;
  logic [7:0]   lstate_k;
  logic [2:0]   k_count;
  always_comb begin
    has_k    = 1'b0;
    subd_k   = 1'b0;
    lstate_k = '0;
    k_count  = '0;
    k_placed = 1'b1;
    for (int i = 0; i < E; i++) begin
      if (p_valid[i] && p_key[i] == k_key) begin
        has_k    = 1'b1;
        subd_k   = p_tsubd[i];
        lstate_k = p_tlstate[i];
        k_count  = k_count + 3'd1;
        if (i[IW-1:0] != k_slot) k_placed = 1'b0;  // only in its own slot
      end
    end
    for (int v = 0; v < V; v++) begin
      if (p_vvalid[v] && p_vk[v] == k_key) begin
        has_k    = 1'b1;
        subd_k   = p_tsubd[E+v];
        lstate_k = p_tlstate[E+v];
        k_count  = k_count + 3'd1;
      end
    end
    op_busy      = p_st != StIdle;
    op_frees_k   = op_busy && p_op_pkt && p_op_key == k_key && frees(p_op_notify, p_op_is_ready, k_watch);
    op_settles_k = op_busy && p_op_pkt && p_op_key == k_key && !frees(p_op_notify, p_op_is_ready, k_watch);
  end

  always_ff @(posedge clk_i) begin
    if (f_past && rst_ni) begin
      if (done_k && arm_result_o == ne_pkg::ARM_RESULT_FULL) begin
        a_full_honest: assert (p_valid[k_slot] && p_key[k_slot] != k_key && (&p_vvalid));
      end
    end
    if (Aux && f_past && rst_ni) begin
      i_state_enc: assert (p_st != 2'd3);
      i_arm_pend: assert (f_arm_pend == (op_busy && !p_op_pkt));
      if (f_arm_pend) i_arm_key: assert (p_op_key == f_arm_key && p_op_cancel == f_arm_cancel);
      i_sub_no_arm: assert (!(sub_valid_o && f_arm_pend));
      i_unique: assert (k_count <= 3'd1);
      i_placed: assert (k_placed);
      i_out: assert (f_out == (has_k && !op_frees_k));
      i_subd: assert (f_subd == (f_out && (subd_k || op_settles_k)));
      if (f_subd && !op_settles_k) i_state: assert (lstate_k == f_state);
      if (f_out && op_settles_k) i_state_op: assert (p_op_state == f_state);
      i_nsub: assert (f_nsub == {1'b0, f_out});
      // match: the RAM's output holds the operation's slot; an operation on K reads K's
      if (p_st == StMatch) i_rdata: assert (p_addr < E[AW-1:0] && p_rdata == addr_word);
      if (op_busy && p_op_key == k_key && p_addr < E[AW-1:0]) i_slot: assert (p_addr == k_slot);
      // act: the registered match holds for the table: a hit is at addr_q (on the RAM's
      // output), a room at addr_q is free; for K, hit and room as the table says
      if (p_st == StAct) begin
        i_hit: assert (!p_hit_q || (p_tvalid[p_addr] && addr_key == p_op_key && p_rdata == addr_word));
        i_free: assert (p_hit_q || !p_free_q || !p_tvalid[p_addr]);
        if (p_op_key == k_key) begin
          i_match_k: assert (p_hit_q == has_k && (has_k || p_free_q == (!p_valid[k_slot] || !(&p_vvalid))));
        end
      end
    end
  end
endmodule
