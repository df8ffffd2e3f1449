// SPDX-License-Identifier: MIT
// ne_rit_props: formal properties of ne_rit, the owner side: remote interest table and
// readiness table (docs/notify-engine.md §2 and its invariant: a NOTIFY reaches every CPU
// whose bit was set and no other, whether a NOTIFY command or a PUBLISH sends it).
//
// Every input of ne_rit is free except reset (first cycle), the destination of an ANSWER,
// which names a node (< MAX_NODES), and the command code, one of ne_regs' four. The tables
// are small (RIT_ENTRIES = E slots, 2 or 4 in the checks, and V victims, 2 or 1;
// RDT_ENTRIES = 2; the RAMs' arrays become registers, read_verilog -mem2reg) and the machine has
// MAX_NODES = 4 nodes, so every case (hit, allocate, full, drop, published or not, scan)
// is reachable in a few operations. K is an arbitrary key fixed for the run ($anyconst).
// From the ports alone a reference model keeps f_mask: the CPUs that were sent an answer
// for K with ready 0 (by an ANSWER command or by the engine for a subscribe) since the
// last NOTIFY packet for K (the contract's "CPUs whose bit was set"), less those that
// unsubscribed K since. When K is persistent (its event has ne_pkg::WATCH_FLAG) a NOTIFY
// packet does not empty f_mask, and a PUBLISH sends none when f_mask is its skip node alone.
//
// Properties (on ports):
//   a_notify_mask     a NOTIFY packet for K goes to exactly f_mask: every CPU answered
//                     "not ready" since the last notify for K (persistent K: ever) and
//                     not unsubscribed since, and no other
//   a_publish_skip    a PUBLISH sends no packet of a persistent key to its skip node alone
//   a_notify_dropped  a NOTIFY command for K sends nothing only when f_mask is empty
//   a_answer_pkt      an ANSWER command sends one unicast NE_NOTIFY of kind ANSWER to
//                     ANS_DST with its key and state; ready as asked, or 1 when the table
//                     was full
//   a_sub_answer_pkt  a subscribe's answer goes to the subscriber, with its key
//   a_sub_record      a subscribe that is not answered becomes its record, fields intact
//   a_notify_pkt      a NOTIFY command's packet carries its key and state, ready 1
//   a_publish_pkt     a PUBLISH's packets carry its object, the state of the key's kind
//                     and ready 1, and only for keys its ready bits make ready (persistent
//                     keys: its wake bits name)
//   a_pkt_*           a command's packet right after its commit, every packet held stable
//                     until taken, on the port of its kind
//   a_full_honest     an answer is refused room only when its slot and every victim are
//                     in use (probes)
// Auxiliary invariants (i_*, probes): every valid slot holds a key of its own hash (so a
// key is found in its slot or a victim), keys are unique over slots and victims, a valid
// entry has a non-empty mask, the model equals K's entry mask, a valid victim's key in
// flip-flops is its RAM word's, in match the RAM's output holds the operation's slot, in
// act the registered match is the table's and the RAM's output holds the entry found, a
// scan looks at a valid entry (the RAM's output).
//
// The negative checks inject faults into the design (run_formal.py --force), e.g. an
// ANSWER that finds K's entry does not add its CPU (dut.or_we tied to 0): a_notify_mask
// must fail. Such runs turn the auxiliary invariants off (Aux = 0).
module ne_rit_props #(
  parameter int E   = 2,  /// RIT_ENTRIES of ne_rit (a power of two)
  parameter int V   = 2,  /// RIT_VICTIMS of ne_rit (ne_pkg's default is 1; a literal: the probes' ranges use it)
  parameter bit Aux = 1,  /// check the auxiliary invariants (negative checks: 0)
  /// operations the environment issues (bits: ANSWER, NOTIFY, PUBLISH, UNPUBLISH,
  /// subscribes); a negative check names only those its fault needs, which keeps its
  /// bounded search short
  parameter int Ops = 31,
  /// every command names the key under watch K (a negative check whose fault needs only
  /// K: a much shorter bounded search)
  parameter bit OneKey = 0
) (
  input logic        clk_i,
  input logic        rst_ni,
  input logic        cmd_valid_i,
  input logic [7:0]  cmd_code_i,
  input logic [31:0] cmd_object_i,
  input logic [7:0]  cmd_event_i,
  input logic [31:0] cmd_version_i,
  input logic [5:0]  cmd_dst_i,
  input logic [7:0]  cmd_state_i,
  input logic        cmd_is_ready_i,
  input logic [30:0] cmd_rdy_i,
  input logic        sub_valid_i,
  input logic [1:0]  sub_src_i,
  input logic [31:0] sub_object_i,
  input logic [7:0]  sub_event_i,
  input logic [31:0] sub_version_i,
  input logic        sub_unsub_i,
  input logic        rec_ready_i,
  input logic        ans_ready_i,
  input logic        ntf_ready_i
);
  localparam int IW = $clog2(E);
  localparam int N = 4;   // MAX_NODES
  localparam int NW = 2;  // $clog2(N)
  localparam int KW = 32 + 8 + 32;

  // ---------------------------------------------------------------------------------
  // The design
  logic         cmd_ready_o, done_o, done_tx_o, full_o, rdt_full_o, sub_ready_o;
  logic         rec_valid_o;
  logic [NW-1:0] rec_src_o;
  logic [31:0]  rec_object_o, rec_version_o;
  logic [7:0]   rec_event_o;
  logic         ans_valid_o, ntf_valid_o;
  logic [N-1:0] pkt_dst_mask_o;
  logic [31:0]  pkt_object_o, pkt_version_o;
  logic [7:0]   pkt_event_o, pkt_state_o;
  logic         pkt_is_ready_o, pkt_cmd_o;
  logic [31:0]  answers_sent_o, rit_full_count_o, notifies_sent_o, notify_dropped_o;
  logic [31:0]  subscribes_answered_o, rdt_full_count_o;
  logic         busy_o;

  ne_rit #(.RIT_ENTRIES(E), .RDT_ENTRIES(2), .MAX_NODES(N), .RIT_VICTIMS(V)) dut (
    .clk_i, .rst_ni,
    .cmd_valid_i, .cmd_ready_o, .cmd_code_i, .cmd_object_i, .cmd_event_i, .cmd_version_i,
    .cmd_dst_i, .cmd_state_i, .cmd_is_ready_i, .cmd_rdy_i, .done_o, .done_tx_o, .full_o,
    .rdt_full_o,
    .sub_valid_i, .sub_ready_o, .sub_src_i, .sub_object_i, .sub_event_i, .sub_version_i, .sub_unsub_i,
    .rec_valid_o, .rec_ready_i, .rec_src_o, .rec_object_o, .rec_event_o, .rec_version_o,
    .ans_valid_o, .ans_ready_i, .ntf_valid_o, .ntf_ready_i,
    .pkt_dst_mask_o, .pkt_object_o, .pkt_event_o, .pkt_version_o, .pkt_state_o,
    .pkt_is_ready_o, .pkt_cmd_o,
    .answers_sent_o, .rit_full_count_o, .notifies_sent_o, .notify_dropped_o,
    .subscribes_answered_o, .rdt_full_count_o, .busy_o
  );

  // ---------------------------------------------------------------------------------
  // The key under watch (see below)
  logic [KW-1:0] k_key;
  assign k_key = $anyconst;

  // ---------------------------------------------------------------------------------
  // Environment: reset in the first cycle; an ANSWER names a node of the machine
  logic f_past = 1'b0;
  always_ff @(posedge clk_i) f_past <= 1'b1;
  always_comb begin
    if (!f_past) assume (!rst_ni);
    assume (cmd_dst_i < 6'(N));
    assume ((Ops[0] && cmd_code_i == ne_pkg::CMD_ANSWER) || (Ops[1] && cmd_code_i == ne_pkg::CMD_NOTIFY) ||
            (Ops[2] && cmd_code_i == ne_pkg::CMD_PUBLISH) || (Ops[3] && cmd_code_i == ne_pkg::CMD_UNPUBLISH));
    if (!Ops[4]) assume (!sub_valid_i);
    if (OneKey) assume ({cmd_object_i, cmd_event_i, cmd_version_i} == k_key);
  end

  // ---------------------------------------------------------------------------------
  // The key under watch and the reference model

  logic [KW-1:0] cmd_key, pkt_key, sub_key, rec_key;
  assign cmd_key = {cmd_object_i, cmd_event_i, cmd_version_i};
  assign pkt_key = {pkt_object_o, pkt_event_o, pkt_version_o};
  assign sub_key = {sub_object_i, sub_event_i, sub_version_i};
  assign rec_key = {rec_object_o, rec_event_o, rec_version_o};

  logic cmd_acc, sub_acc, pkt_any, pkt_new, pkt_taken;
  assign cmd_acc   = cmd_valid_i && cmd_ready_o;
  assign sub_acc   = sub_valid_i && sub_ready_o;
  assign pkt_any   = ans_valid_o || ntf_valid_o;
  assign pkt_new   = pkt_any && !f_held;
  assign pkt_taken = (ans_valid_o && ans_ready_i) || (ntf_valid_o && ntf_ready_i);

  // the command in progress (taken, not finished) and the last one; the last subscribe
  logic          f_pend, f_is_ready, f_full_q, f_done_tx_q, f_held, f_last_sub;
  logic [7:0]    f_code = ne_pkg::CMD_ANSWER;  // a legal code from the start (i_code)
  logic [30:0]   f_rdy;
  logic [KW-1:0] f_key, f_sub_key;
  logic [NW-1:0] f_sub_src;
  logic [NW-1:0] f_dst;
  logic [7:0]    f_state;
  logic [N-1:0]  f_mask, f_mask_now;
  logic [N-1:0]  f_held_mask;
  logic [KW-1:0] f_held_key;
  logic          f_held_ntf;
  logic          f_sub_unsub;
  logic          k_watch;
  assign k_watch = k_key[32+7];  // the event's WATCH_FLAG

  // f_mask_now: f_mask with the packet that appears in this cycle
  always_comb begin
    f_mask_now = f_mask;
    if (pkt_new && pkt_key == k_key) begin
      if (ntf_valid_o && !k_watch) f_mask_now = '0;
      else if (!ntf_valid_o && !pkt_is_ready_o) f_mask_now = f_mask | pkt_dst_mask_o;
    end
    // an unsubscribe: no packet can be out while one is taken, nor before it commits
    if (sub_acc && sub_unsub_i && sub_key == k_key) f_mask_now = f_mask_now & ~(N'(1) << sub_src_i);
  end

  always_ff @(posedge clk_i) begin
    f_done_tx_q <= done_tx_o;
    f_full_q    <= full_o;
    f_held_mask <= pkt_dst_mask_o;
    f_held_key  <= pkt_key;
    f_held_ntf  <= ntf_valid_o;
    if (cmd_acc) begin
      f_code     <= cmd_code_i;
      f_key      <= cmd_key;
      // (a PUBLISH's skip node takes the destination's register)
      f_dst      <= cmd_code_i == ne_pkg::CMD_PUBLISH ? cmd_rdy_i[24 +: NW] : cmd_dst_i[NW-1:0];
      f_state    <= cmd_state_i;
      f_is_ready <= cmd_is_ready_i;
      f_rdy      <= cmd_rdy_i;
    end
    if (sub_acc) begin
      f_sub_key   <= sub_key;
      f_sub_src   <= sub_src_i;
      f_sub_unsub <= sub_unsub_i;
    end
    if (sub_acc) f_last_sub <= 1'b1;
    else if (cmd_acc) f_last_sub <= 1'b0;
    if (!rst_ni) begin
      f_pend      <= 1'b0;
      f_mask      <= '0;
      f_held      <= 1'b0;
      f_done_tx_q <= 1'b0;
    end else begin
      if (cmd_acc) f_pend <= 1'b1;
      else if (done_o) f_pend <= 1'b0;
      f_mask <= f_mask_now;
      f_held <= pkt_any && !pkt_taken;
    end
  end

  logic f_notify, f_answer, f_publish, p_same, p_rdy_bit, f_watch;
  logic [N-1:0] f_skip;
  assign f_notify  = f_code == ne_pkg::CMD_NOTIFY;
  assign f_answer  = f_code == ne_pkg::CMD_ANSWER;
  assign f_publish = f_code == ne_pkg::CMD_PUBLISH;
  // a PUBLISH packet's key kind (same version or not) and the ready bit that covers it
  assign p_same    = pkt_version_o == f_key[31:0];
  // (a persistent key's: its wake bit)
  assign p_rdy_bit = f_rdy[(pkt_event_o[7] ? (p_same ? 20 : 22) : (p_same ? 16 : 18)) + {4'd0, pkt_event_o[0]}];
  assign f_watch   = f_key[32+7];
  // the node a PUBLISH does not notify of persistent keys (f_dst holds skip_node's low NW
  // bits, the node numbers of this N-node machine)
  assign f_skip    = f_rdy[30] ? N'(1) << f_dst : '0;

  // ---------------------------------------------------------------------------------
  // Properties
  always_ff @(posedge clk_i) begin
    if (f_past && rst_ni) begin
      // the contract's invariant
      if (pkt_new && ntf_valid_o && pkt_key == k_key) begin
        a_notify_mask: assert (pkt_dst_mask_o == f_mask);
      end
      if (done_o && f_notify && !done_tx_o && f_key == k_key) a_notify_dropped: assert (f_mask == '0);
      // what each command sends
      if (pkt_new && ans_valid_o && !f_last_sub) begin
        a_answer_pkt: assert (pkt_key == f_key && pkt_dst_mask_o == (N'(1) << f_dst) &&
                              pkt_state_o == f_state && f_answer && pkt_cmd_o &&
                              pkt_is_ready_o == ((f_is_ready && !f_watch) || f_full_q));
      end
      if (pkt_new && ans_valid_o && f_last_sub) begin
        a_sub_answer_pkt: assert (pkt_key == f_sub_key && pkt_dst_mask_o == (N'(1) << f_sub_src) &&
                                  !pkt_cmd_o && !f_sub_unsub &&
                                  (!f_sub_key[32+7] || pkt_is_ready_o == f_full_q));
      end
      if (rec_valid_o) a_sub_record: assert (f_last_sub && rec_key == f_sub_key && rec_src_o == f_sub_src);
      if (pkt_new && ntf_valid_o && f_notify) begin
        a_notify_pkt: assert (pkt_key == f_key && pkt_state_o == f_state && pkt_is_ready_o && pkt_cmd_o);
      end
      if (pkt_new && ntf_valid_o) a_notify_by_command: assert (!f_last_sub && (f_notify || f_publish));
      if (pkt_new && ntf_valid_o && f_publish && pkt_event_o[7]) begin
        a_publish_skip: assert (!(f_rdy[30] && pkt_dst_mask_o == f_skip));
      end
      if (pkt_new && ntf_valid_o && f_publish) begin
        a_publish_pkt: assert (pkt_object_o == f_key[KW-1:40] && pkt_is_ready_o && !pkt_cmd_o && p_rdy_bit &&
                               pkt_state_o == (p_same ? f_rdy[7:0] : f_rdy[15:8]));
      end
      if (done_o && f_answer) a_pkt_answer_always: assert (done_tx_o);
      if (full_o && !f_last_sub) a_full_answer: assert (done_o && f_answer && (!f_is_ready || f_watch));
      if (f_done_tx_q) a_pkt_new: assert (pkt_new);

      a_pkt_one_port: assert (!(ans_valid_o && ntf_valid_o));
      if (f_held) begin
        a_pkt_stable: assert (pkt_any && pkt_dst_mask_o == f_held_mask && pkt_key == f_held_key &&
                              ntf_valid_o == f_held_ntf);
      end
      if (done_o) a_done_pending: assert (f_pend);
      if (f_pend) a_one_command: assert (!cmd_acc);
    end
  end

  // ---------------------------------------------------------------------------------
  // Internal registers (probes): a_full_honest and the auxiliary invariants
  localparam int EW = KW + N;               // an interest entry: key, mask
  // every entry of the table: the slots, then the victims (RAM words E.. E+V-1, their
  // keys also in flip-flops)
  localparam int T  = E + V;
  localparam int AW = $clog2(T);
  logic [1:0]      p_st;          //@probe p_st = dut.st_q
  logic [2:0]      p_op;          //@probe p_op = dut.op_q
  logic [30:0]     p_op_rdy;      //@probe p_op_rdy = dut.op_rdy_q
  logic [31:0]     p_op_object;   //@probe p_op_object = dut.op_object_q
  logic [7:0]      p_op_event;    //@probe p_op_event = dut.op_event_q
  logic [31:0]     p_op_version;  //@probe p_op_version = dut.op_version_q
  logic [NW-1:0]   p_op_dst;      //@probe p_op_dst = dut.op_dst_q
  logic [7:0]      p_op_state;    //@probe p_op_state = dut.op_state_q
  logic            p_op_is_ready; //@probe p_op_is_ready = dut.op_is_ready_q
  logic [AW-1:0]   p_addr;        //@probe p_addr = dut.addr_q
  logic            p_hit_q;       //@probe p_hit_q = dut.hit_q
  logic            p_free_q;      //@probe p_free_q = dut.free_q
  logic [T-1:0]    p_tvalid;      //@probe p_tvalid = dut.valid_q
  logic [T*EW-1:0] p_mem;         //@probe for i in 0..{E+V-1}: p_mem[{i*(72+N)+71+N}:{i*(72+N)}] = dut.u_rit_ram.mem[{i}]
  logic [EW-1:0]   p_rdata;       //@probe p_rdata = dut.rit_rdata
  logic [V*KW-1:0] p_vkey;        //@probe p_vkey = dut.vkey_q
  logic [E-1:0]    p_valid;
  logic [V-1:0]    p_vvalid;
  assign p_valid  = p_tvalid[E-1:0];
  assign p_vvalid = p_tvalid[T-1:E];

  localparam logic [1:0] StIdle = 2'd0, StMatch = 2'd1, StAct = 2'd2, StScan = 2'd3;
  localparam logic [2:0] OpAnswer = 3'd0, OpNotify = 3'd1, OpPublish = 3'd2, OpUnpublish = 3'd3, OpSub = 3'd4,
                         OpUnsub = 3'd5;
  logic p_is_sub;  // the operation is an arriving packet's
  assign p_is_sub = p_op == OpSub || p_op == OpUnsub;
  logic [2:0] f_op;  // ne_rit's operation for the command's code
  always_comb begin
    case (f_code)
      ne_pkg::CMD_NOTIFY:    f_op = OpNotify;
      ne_pkg::CMD_PUBLISH:   f_op = OpPublish;
      ne_pkg::CMD_UNPUBLISH: f_op = OpUnpublish;
      default:               f_op = OpAnswer;
    endcase
  end

  // a key's slot: ne_hash (docs/notify-engine.md §2) restated, node 0 (a module instance
  // here would keep chparam from deriving the wrapper)
  function automatic logic [IW-1:0] f_home(input logic [KW-1:0] k);
    logic [31:0]   x;
    logic [IW-1:0] h;
    x = k[KW-1:40] ^ {k[18:0], k[31:19]} ^ {k[39:32], 24'd0};
    h = '0;
    for (int c = 0; c < 32; c += IW) h = h ^ IW'(x >> c);
    f_home = h;
  endfunction

  logic [T-1:0]  t_valid;
  logic [KW-1:0] t_key  [T];
  logic [N-1:0]  t_mask [T];
  logic [IW-1:0] t_home [E];  // the slot of each slot's key
  logic          vkeys;       // every valid victim's flip-flop key is its RAM word's
  assign t_valid = p_tvalid;
  for (genvar g = 0; g < T; g++) begin : g_ent
    assign t_mask[g] = p_mem[g*EW +: N];
  end
  for (genvar g = 0; g < E; g++) begin : g_slot
    assign t_key[g]  = p_mem[g*EW+N +: KW];
    assign t_home[g] = f_home(t_key[g]);
  end
  for (genvar g = 0; g < V; g++) begin : g_vic
    assign t_key[E+g] = p_vkey[g*KW +: KW];
  end
  always_comb begin
    vkeys = 1'b1;
    for (int g = 0; g < V; g++)
      if (p_vvalid[g] && p_vkey[g*KW +: KW] != p_mem[(E+g)*EW+N +: KW]) vkeys = 1'b0;
  end
  logic [KW-1:0] p_op_key;
  logic [IW-1:0] op_home;
  assign p_op_key = {p_op_object, p_op_event, p_op_version};
  assign op_home = f_home(p_op_key);

  logic [N-1:0] mask_k;
  logic         uniq, masks_nonzero, homes;
  logic [EW-1:0] addr_word;   // the RAM word at addr_q
  // the match the table gives for the operation's key: found (at e_hit_at), else room
  // (at e_free_at: its slot, else the lowest free victim)
  logic          e_hit, e_free;
  logic [AW-1:0] e_hit_at, e_free_at;
  always_comb begin
    mask_k        = '0;
    uniq          = 1'b1;
    masks_nonzero = 1'b1;
    homes         = 1'b1;
    addr_word     = '0;
    e_hit         = 1'b0;
    e_hit_at      = '0;
    e_free        = !p_valid[op_home];
    e_free_at     = {{(AW - IW) {1'b0}}, op_home};
    for (int i = 0; i < E; i++) begin
      if (p_valid[i] && t_home[i] != i[IW-1:0]) homes = 1'b0;
    end
    for (int i = T - 1; i >= E; i--) begin
      if (p_valid[op_home] && !t_valid[i]) begin
        e_free    = 1'b1;
        e_free_at = i[AW-1:0];
      end
    end
    for (int i = 0; i < T; i++) begin
      if (p_addr == i[AW-1:0]) addr_word = p_mem[i*EW +: EW];
      if (t_valid[i] && t_key[i] == p_op_key) begin
        e_hit    = 1'b1;
        e_hit_at = i[AW-1:0];
      end
    end
    for (int i = 0; i < T; i++) begin
      if (t_valid[i] && t_key[i] == k_key) mask_k = t_mask[i];
      if (t_valid[i] && t_mask[i] == '0) masks_nonzero = 1'b0;
      for (int j = i + 1; j < T; j++)
        if (t_valid[i] && t_valid[j] && t_key[i] == t_key[j]) uniq = 1'b0;
    end
  end

  always_ff @(posedge clk_i) begin
    if (f_past && rst_ni) begin
      // full: the key's slot is in use and so is every victim
      if (full_o) a_full_honest: assert (p_valid[op_home] && &p_vvalid);
    end
    if (Aux) begin
      i_code: assert (f_code == ne_pkg::CMD_ANSWER || f_code == ne_pkg::CMD_NOTIFY ||
                      f_code == ne_pkg::CMD_PUBLISH || f_code == ne_pkg::CMD_UNPUBLISH);
    end
    if (Aux && f_past && rst_ni) begin
      i_pend: assert (f_pend == (p_st != StIdle && !p_is_sub));
      if (f_pend) begin
        i_op: assert (p_op_object == f_key[KW-1:40] && p_op_version == f_key[31:0] && p_op == f_op &&
                      p_op_dst == f_dst && p_op_rdy == f_rdy && !f_last_sub);
        // (a scan keeps its packets' event, state and ready bit there)
        if (p_st != StScan) begin
          i_op_rest: assert (p_op_event == f_key[39:32] && p_op_state == f_state &&
                             p_op_is_ready == f_is_ready);
        end
      end
      if (p_is_sub && (p_st != StIdle || rec_valid_o)) begin
        i_sub_op: assert (f_last_sub && p_op_key == f_sub_key && p_op_dst == f_sub_src &&
                          (p_op == OpUnsub) == f_sub_unsub);
      end
      if (rec_valid_o) i_rec: assert (p_st == StIdle && p_op == OpSub);
      if (p_st != StIdle || rec_valid_o) i_op_enc: assert (p_op <= OpUnsub);
      i_out_blocks: assert (!(pkt_any && p_st != StIdle && p_st != StScan));
      if (pkt_any) begin
        i_pkt_owner: assert (pkt_cmd_o ? (!f_last_sub && (f_answer || f_notify)) :
                             (ans_valid_o ? f_last_sub : (!f_last_sub && f_publish)));
        i_pkt_rec: assert (!rec_valid_o);
      end
      // the table: every key in its home slot or a victim, once, with a non-empty mask;
      // the model is K's mask
      i_home: assert (homes);
      i_unique: assert (uniq);
      i_mask_nonzero: assert (masks_nonzero);
      // (an unsubscribe of K taken in this cycle or not committed: already out of the model)
      i_model: assert ((mask_k & ~(p_st != StIdle && p_op == OpUnsub && p_op_key == k_key ?
                                   N'(1) << p_op_dst : '0)
                               & ~(sub_acc && sub_unsub_i && sub_key == k_key ? N'(1) << sub_src_i : '0))
                       == f_mask_now);
      i_vkeys: assert (vkeys);
      // match: the RAM's output holds the operation's slot; act: the registered match is
      // the table's (the entry found, else the room found) and the RAM's output holds
      // the entry found
      if (p_st == StMatch) begin
        i_slot: assert (p_addr == {{(AW - IW) {1'b0}}, op_home} && p_rdata == addr_word);
      end
      if (p_st == StAct) begin
        i_match: assert ((!e_hit || p_rdata == addr_word) && p_hit_q == e_hit &&
                         (e_hit ? p_addr == e_hit_at : (p_free_q == e_free && (!e_free || p_addr == e_free_at))));
      end
      // the scan: a PUBLISH's; the RAM's output holds the valid entry being looked at
      if (p_st == StScan) begin
        i_scan: assert (f_pend && f_publish && t_valid[p_addr] && {1'b0, p_addr} < (AW + 1)'(T) && p_rdata == addr_word);
      end
    end
  end
endmodule
