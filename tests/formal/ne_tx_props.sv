// SPDX-License-Identifier: MIT
// ne_tx_props: formal properties of ne_tx, the last hop of the notify engine's packets
// (docs/notify-engine.md §2 and §5): with ne_rit_props, a NOTIFY reaches the tx port with
// exactly the mask ne_rit computed, once.
//
// Every input is free except reset (first cycle) and the sources' valid/ready rule: a
// source holds valid and its fields until taken (ne_lit_props and ne_rit_props prove
// that of ne_lit's and ne_rit's outputs; ne_alive's is a register held until taken too).
// MAX_NODES = 4 keeps the masks small. At each source handshake the wrapper forms the
// packet expected from the ipb.yaml layouts (ipb_pkg structs, independently of ne_tx's
// field offsets).
//
// Properties (on ports):
//   a_notify_mask  the packet of a NOTIFY taken from ne_rit leaves on tx with that mask
//   a_tx_packet    every packet on tx is exactly the packet of the one source handshake
//                  before it (type, destination mask, length, payload), held until taken
//   a_tx_once      one tx packet per source handshake, none without one
//   a_one_grant    at most one source is taken per cycle, and only a valid one
//   a_fair         a waiting source is taken before any other source is taken 4 times
//   a_cmd_done     cmd_done_o is the handshake of a command's packet: a subscribe, or an
//                  answer or notify marked pkt_cmd_i (not ALIVE, not the engine's own)
// Fault (test only): 1 the NOTIFY source's mask is shown to ne_tx with node 0 cleared:
// a_notify_mask must fail. Design faults: run_formal.py --force (dut.u_arb.mask_q tied to
// 0, a fixed-priority arbiter: a_fair must fail).
module ne_tx_props #(
  parameter int Fault = 0,  /// test only: injected fault, 0 none
  parameter bit Aux   = 1   /// check the auxiliary invariants (negative checks: 0)
) (
  input logic         clk_i,
  input logic         rst_ni,
  input logic         sub_valid_i,
  input logic [1:0]   sub_owner_i,
  input logic [31:0]  sub_object_i,
  input logic [7:0]   sub_event_i,
  input logic [31:0]  sub_version_i,
  input logic         sub_unsub_i,
  input logic         ans_valid_i,
  input logic         ntf_valid_i,
  input logic [3:0]   pkt_dst_mask_i,
  input logic [31:0]  pkt_object_i,
  input logic [7:0]   pkt_event_i,
  input logic [31:0]  pkt_version_i,
  input logic [7:0]   pkt_state_i,
  input logic         pkt_is_ready_i,
  input logic [31:0]  pkt_stamp_i,
  input logic         pkt_cmd_i,
  input logic         alive_valid_i,
  input logic [3:0]   alive_mask_i,
  input logic         tx_ready_i
);
  localparam int N = 4;

  logic         sub_ready_o, ans_ready_o, ntf_ready_o, alive_ready_o;
  logic         tx_valid_o, cmd_done_o, busy_o;
  logic [7:0]   tx_type_o, tx_len_o;
  logic [N-1:0] tx_dst_mask_o, dut_mask;
  logic [127:0] tx_payload_o;

  assign dut_mask = (Fault == 1 && ntf_valid_i) ? (pkt_dst_mask_i & 4'b1110) : pkt_dst_mask_i;

  ne_tx #(.MAX_NODES(N)) dut (
    .clk_i, .rst_ni,
    .sub_valid_i, .sub_ready_o, .sub_owner_i, .sub_object_i, .sub_event_i, .sub_version_i, .sub_unsub_i,
    .ans_valid_i, .ans_ready_o, .ntf_valid_i, .ntf_ready_o, .pkt_dst_mask_i(dut_mask),
    .pkt_object_i, .pkt_event_i, .pkt_version_i, .pkt_state_i, .pkt_is_ready_i, .pkt_stamp_i, .pkt_cmd_i,
    .alive_valid_i, .alive_ready_o, .alive_mask_i,
    .tx_valid_o, .tx_ready_i, .tx_type_o, .tx_dst_mask_o, .tx_len_o, .tx_payload_o,
    .cmd_done_o, .busy_o
  );

  // ---------------------------------------------------------------------------------
  // Environment: reset first; sources hold valid and fields until taken; ans and ntf
  // share one set of fields (ne_rit offers one packet at a time)
  logic f_past = 1'b0;
  always_ff @(posedge clk_i) f_past <= 1'b1;

  logic [3:0]   h_valid;    // last cycle: valid and not taken, per source
  logic [74:0]  h_sub;
  logic [85:0]  h_pkt;
  logic [3:0]   h_alive;
  logic [73:0]  cur_sub;
  logic [117:0] cur_pkt;
  assign cur_sub = {sub_unsub_i, sub_owner_i, sub_object_i, sub_event_i, sub_version_i};
  assign cur_pkt = {pkt_dst_mask_i, pkt_object_i, pkt_event_i, pkt_version_i, pkt_state_i,
                    pkt_is_ready_i, pkt_stamp_i, pkt_cmd_i};

  always_ff @(posedge clk_i) begin
    h_valid <= rst_ni ? {alive_valid_i && !alive_ready_o, ntf_valid_i && !ntf_ready_o,
                         ans_valid_i && !ans_ready_o, sub_valid_i && !sub_ready_o} : 4'd0;
    h_sub   <= cur_sub;
    h_pkt   <= cur_pkt;
    h_alive <= alive_mask_i;
  end

  always_comb begin
    if (!f_past) assume (!rst_ni);
    if (f_past && rst_ni) begin
      if (h_valid[0]) assume (sub_valid_i && cur_sub == h_sub);
      if (h_valid[1]) assume (ans_valid_i && cur_pkt == h_pkt);
      if (h_valid[2]) assume (ntf_valid_i && cur_pkt == h_pkt);
      if (h_valid[3]) assume (alive_valid_i && alive_mask_i == h_alive);
    end
    assume (!(ans_valid_i && ntf_valid_i));
  end

  // ---------------------------------------------------------------------------------
  // The expected packet, formed at the source handshake
  logic [3:0] take;
  assign take = {alive_ready_o, ntf_ready_o, ans_ready_o, sub_ready_o};

  ipb_pkg::ne_subscribe_t e_sub;
  ipb_pkg::ne_notify_t    e_ntf;
  logic [7:0]   e_type, e_len;
  logic [N-1:0] e_mask;
  logic [127:0] e_payload;
  always_comb begin
    e_sub         = '0;
    e_sub.object  = sub_object_i;
    e_sub.version = sub_version_i;
    e_sub.event_  = sub_event_i;
    e_ntf         = '0;
    e_ntf.object  = pkt_object_i;
    e_ntf.version = pkt_version_i;
    e_ntf.event_  = pkt_event_i;
    e_ntf.state   = pkt_state_i;
    e_ntf.kind    = ntf_valid_i ? ipb_pkg::NE_NOTIFY_KIND_NOTIFY : ipb_pkg::NE_NOTIFY_KIND_ANSWER;
    e_ntf.ready   = pkt_is_ready_i;
    e_ntf.stamp   = pkt_stamp_i;
    e_type    = ipb_pkg::PACKET_TYPE_ALIVE;
    e_mask    = alive_mask_i;
    e_len     = 8'd0;
    e_payload = '0;
    if (take[0]) begin
      e_type    = sub_unsub_i ? ipb_pkg::PACKET_TYPE_NE_UNSUBSCRIBE : ipb_pkg::PACKET_TYPE_NE_SUBSCRIBE;
      e_mask    = N'(1) << sub_owner_i;
      e_len     = 8'(ipb_pkg::NE_SUBSCRIBE_BYTES);
      e_payload = 128'(e_sub);
    end else if (take[1] || take[2]) begin
      e_type    = ipb_pkg::PACKET_TYPE_NE_NOTIFY;
      e_mask    = pkt_dst_mask_i;
      e_len     = 8'(ipb_pkg::NE_NOTIFY_BYTES);
      e_payload = 128'(e_ntf);
    end
  end

  logic         f_pend, f_ntf, f_cmd;
  logic [7:0]   f_type, f_len;
  logic [N-1:0] f_mask;
  logic [127:0] f_payload;
  logic [2:0]   f_wait [4];  // grants to others while source i waits
  logic         tx_take;
  logic [3:0]   valid_now;
  assign tx_take   = tx_valid_o && tx_ready_i;
  assign valid_now = {alive_valid_i, ntf_valid_i, ans_valid_i, sub_valid_i};

  always_ff @(posedge clk_i) begin
    if (take != '0) begin
      f_type    <= e_type;
      f_len     <= e_len;
      f_mask    <= e_mask;
      f_payload <= e_payload;
      f_ntf     <= take[2];
      f_cmd     <= take[0] || ((take[1] || take[2]) && pkt_cmd_i);
    end
    if (!rst_ni) begin
      f_pend <= 1'b0;
      for (int i = 0; i < 4; i++) f_wait[i] <= '0;
    end else begin
      f_pend <= (f_pend && !tx_take) || take != '0;
      for (int i = 0; i < 4; i++) begin
        if (take[i] || !valid_now[i]) f_wait[i] <= '0;
        else if (take != '0 && f_wait[i] != 3'd7) f_wait[i] <= f_wait[i] + 3'd1;
      end
    end
  end

  // ---------------------------------------------------------------------------------
  // Properties
  always_ff @(posedge clk_i) begin
    if (f_past && rst_ni) begin
      a_one_grant: assert ($onehot0(take) && (take & ~valid_now) == '0);
      a_tx_once: assert (tx_valid_o == f_pend);
      if (take != '0) a_tx_free: assert (!tx_valid_o || tx_ready_i);
      if (f_pend) begin
        a_tx_packet: assert (tx_type_o == f_type && tx_dst_mask_o == f_mask &&
                             tx_len_o == f_len && tx_payload_o == f_payload);
        if (f_ntf) a_notify_mask: assert (tx_dst_mask_o == f_mask);
      end
      a_cmd_done: assert (cmd_done_o == (tx_take && f_cmd));
      a_fair: assert (f_wait[0] <= 3'd3 && f_wait[1] <= 3'd3 && f_wait[2] <= 3'd3 &&
                      f_wait[3] <= 3'd3);
    end
  end

  // ---------------------------------------------------------------------------------
  // Auxiliary invariants (probes): the arbiter's mask is "every source after the last one
  // granted", a waiting source has waited at most 3 minus the grants that can still come
  // before its own, and the held packet's command flag is the model's.
  logic [3:0] p_arb_mask;  //@probe p_arb_mask = dut.u_arb.mask_q
  logic       p_out_cmd;   //@probe p_out_cmd = dut.out_cmd_q
  function automatic logic [2:0] ones(input logic [3:0] v);
    ones = {2'b0, v[0]} + {2'b0, v[1]} + {2'b0, v[2]} + {2'b0, v[3]};
  endfunction
  logic [2:0] before [4];  // grants that can still precede source i's
  always_comb begin
    for (int i = 0; i < 4; i++) begin
      if (p_arb_mask[i]) before[i] = ones(p_arb_mask & ((4'd1 << i) - 4'd1));
      else before[i] = ones(p_arb_mask) + 3'(i);
    end
  end
  always_ff @(posedge clk_i) begin
    if (Aux && f_past && rst_ni) begin
      i_arb_mask: assert (p_arb_mask == 4'b0000 || p_arb_mask == 4'b1110 ||
                          p_arb_mask == 4'b1100 || p_arb_mask == 4'b1000);
      i_wait: assert ((!valid_now[0] || 4'(f_wait[0]) + 4'(before[0]) <= 4'd3) &&
                      (!valid_now[1] || 4'(f_wait[1]) + 4'(before[1]) <= 4'd3) &&
                      (!valid_now[2] || 4'(f_wait[2]) + 4'(before[2]) <= 4'd3) &&
                      (!valid_now[3] || 4'(f_wait[3]) + 4'(before[3]) <= 4'd3));
      i_wait_idle: assert ((h_valid[0] || f_wait[0] == '0) && (h_valid[1] || f_wait[1] == '0) &&
                           (h_valid[2] || f_wait[2] == '0) && (h_valid[3] || f_wait[3] == '0));
      if (f_pend) i_cmd: assert (p_out_cmd == f_cmd);
    end
  end
endmodule
