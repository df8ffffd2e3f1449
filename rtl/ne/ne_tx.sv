// SPDX-License-Identifier: MIT
// ne_tx: packet transmit of the notify engine (docs/notify-engine.md §5, payloads
// ipb_pkg ne_subscribe and ne_notify).
//
// Four sources, each a valid/ready stream with its fields: subscribe or unsubscribe (ne_lit), answer and
// notify (ne_rit), alive (ne_alive). A round-robin arbiter picks one when the output
// register is empty or being taken; the packet is formatted there (type, destination
// mask, length, payload bytes little-endian, unused payload bytes 0) and held stable on
// the tx port until tx_ready. A subscribe, and an answer or notify that ne_rit marks
// (pkt_cmd_i), is the packet of the command in progress: its handshake is reported by
// cmd_done_o (STATUS.BUSY). ALIVE and the engine's own answers and notifications are not.
//
// Decision where the contract is open: ALIVE has an empty payload (ipb.yaml: length 0).
module ne_tx #(
  parameter int MAX_NODES = ipb_pkg::MAX_NODES  /// width of a node mask
) (
  input  logic        clk_i,   /// clock
  input  logic        rst_ni,  /// synchronous reset, active low

  // NE_SUBSCRIBE to the owner
  input  logic        sub_valid_i,
  output logic        sub_ready_o,
  input  logic [$clog2(MAX_NODES)-1:0] sub_owner_i,
  input  logic [31:0] sub_object_i,
  input  logic [7:0]  sub_event_i,
  input  logic [31:0] sub_version_i,
  input  logic        sub_unsub_i,   /// NE_UNSUBSCRIBE (the same payload)

  // NE_NOTIFY of kind ANSWER (ans) or NOTIFY (ntf); one set of fields (ne_rit)
  input  logic                 ans_valid_i,
  output logic                 ans_ready_o,
  input  logic                 ntf_valid_i,
  output logic                 ntf_ready_o,
  input  logic [MAX_NODES-1:0] pkt_dst_mask_i,
  input  logic [31:0]          pkt_object_i,
  input  logic [7:0]           pkt_event_i,
  input  logic [31:0]          pkt_version_i,
  input  logic [7:0]           pkt_state_i,
  input  logic                 pkt_is_ready_i,
  input  logic [31:0]          pkt_stamp_i,    /// the owner's STAMP of the change
  input  logic                 pkt_cmd_i,      /// the packet of the command in progress

  // ALIVE
  input  logic                 alive_valid_i,
  output logic                 alive_ready_o,
  input  logic [MAX_NODES-1:0] alive_mask_i,

  // tx port
  output logic                 tx_valid_o,
  input  logic                 tx_ready_i,
  output logic [7:0]           tx_type_o,
  output logic [MAX_NODES-1:0] tx_dst_mask_o,
  output logic [7:0]           tx_len_o,
  output logic [127:0]         tx_payload_o,

  output logic                 cmd_done_o,  /// pulse: a command's packet was taken
  output logic                 busy_o       /// a packet is waiting on the tx port
);
  localparam logic [MAX_NODES-1:0] One = {{(MAX_NODES - 1) {1'b0}}, 1'b1};
  // source indices
  localparam int SSub = 0;
  localparam int SAns = 1;
  localparam int SNtf = 2;
  localparam int SAlive = 3;

  logic [3:0]           req, gnt;
  logic                 load;
  logic                 out_valid_q, out_valid_d;
  logic                 out_cmd_q, out_cmd_d;
  logic [7:0]           type_q, type_d;
  logic [MAX_NODES-1:0] mask_q, mask_d;
  logic [7:0]           len_q, len_d;
  logic [127:0]         payload_q, payload_d;
  logic [127:0]         sub_pl, ntf_pl;

  assign req  = {alive_valid_i, ntf_valid_i, ans_valid_i, sub_valid_i};
  assign load = (req != '0) && (!out_valid_q || tx_ready_i);

  ne_rr_arb #(
    .N(4)
  ) u_arb (
    .clk_i,
    .rst_ni,
    .req_i    (req),
    .advance_i(load),
    .gnt_o    (gnt)
  );

  // The granted source's packet, formatted: no handshake in it, so that this block does
  // not depend on tx_ready (a simulator evaluates it only when a source or the grant
  // changes); the output register loads it below.
  logic                 fmt_cmd;
  logic [7:0]           fmt_type, fmt_len;
  logic [MAX_NODES-1:0] fmt_mask;
  logic [127:0]         fmt_payload;

  always @* begin
    sub_pl = '0;
    sub_pl[ipb_pkg::NE_SUBSCRIBE_OBJECT_LSB +: ipb_pkg::NE_SUBSCRIBE_OBJECT_WIDTH]   = sub_object_i;
    sub_pl[ipb_pkg::NE_SUBSCRIBE_VERSION_LSB +: ipb_pkg::NE_SUBSCRIBE_VERSION_WIDTH] = sub_version_i;
    sub_pl[ipb_pkg::NE_SUBSCRIBE_EVENT_LSB +: ipb_pkg::NE_SUBSCRIBE_EVENT_WIDTH]     = sub_event_i;

    ntf_pl = '0;
    ntf_pl[ipb_pkg::NE_NOTIFY_OBJECT_LSB +: ipb_pkg::NE_NOTIFY_OBJECT_WIDTH]   = pkt_object_i;
    ntf_pl[ipb_pkg::NE_NOTIFY_VERSION_LSB +: ipb_pkg::NE_NOTIFY_VERSION_WIDTH] = pkt_version_i;
    ntf_pl[ipb_pkg::NE_NOTIFY_EVENT_LSB +: ipb_pkg::NE_NOTIFY_EVENT_WIDTH]     = pkt_event_i;
    ntf_pl[ipb_pkg::NE_NOTIFY_STATE_LSB +: ipb_pkg::NE_NOTIFY_STATE_WIDTH]     = pkt_state_i;
    ntf_pl[ipb_pkg::NE_NOTIFY_KIND_LSB +: ipb_pkg::NE_NOTIFY_KIND_WIDTH] =
        gnt[SNtf] ? ipb_pkg::NE_NOTIFY_KIND_NOTIFY : ipb_pkg::NE_NOTIFY_KIND_ANSWER;
    ntf_pl[ipb_pkg::NE_NOTIFY_READY_LSB] = pkt_is_ready_i;
    ntf_pl[ipb_pkg::NE_NOTIFY_STAMP_LSB +: ipb_pkg::NE_NOTIFY_STAMP_WIDTH] = pkt_stamp_i;

    fmt_cmd = gnt[SSub] || ((gnt[SAns] || gnt[SNtf]) && pkt_cmd_i);
    if (gnt[SSub]) begin
      fmt_type    = sub_unsub_i ? ipb_pkg::PACKET_TYPE_NE_UNSUBSCRIBE : ipb_pkg::PACKET_TYPE_NE_SUBSCRIBE;
      fmt_mask    = One << sub_owner_i;
      fmt_len     = ipb_pkg::NE_SUBSCRIBE_BYTES[7:0];
      fmt_payload = sub_pl;
    end else if (gnt[SAns] || gnt[SNtf]) begin
      fmt_type    = ipb_pkg::PACKET_TYPE_NE_NOTIFY;
      fmt_mask    = pkt_dst_mask_i;
      fmt_len     = ipb_pkg::NE_NOTIFY_BYTES[7:0];
      fmt_payload = ntf_pl;
    end else begin
      fmt_type    = ipb_pkg::PACKET_TYPE_ALIVE;
      fmt_mask    = alive_mask_i;
      fmt_len     = 8'd0;
      fmt_payload = '0;
    end
  end

  always @* begin
    sub_ready_o   = load && gnt[SSub];
    ans_ready_o   = load && gnt[SAns];
    ntf_ready_o   = load && gnt[SNtf];
    alive_ready_o = load && gnt[SAlive];
  end

  // the output register (no reset): loaded with the granted source's packet
  always @* begin
    out_cmd_d = load ? fmt_cmd : out_cmd_q;
    type_d    = load ? fmt_type : type_q;
    mask_d    = load ? fmt_mask : mask_q;
    len_d     = load ? fmt_len : len_q;
    payload_d = load ? fmt_payload : payload_q;
  end

  assign out_valid_d = (out_valid_q && !tx_ready_i) || load;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) out_valid_q <= 1'b0;
    else out_valid_q <= out_valid_d;
  end

  always_ff @(posedge clk_i) begin
    out_cmd_q <= out_cmd_d;
    type_q    <= type_d;
    mask_q    <= mask_d;
    len_q     <= len_d;
    payload_q <= payload_d;
  end

  assign tx_valid_o    = out_valid_q;
  assign tx_type_o     = type_q;
  assign tx_dst_mask_o = mask_q;
  assign tx_len_o      = len_q;
  assign tx_payload_o  = payload_q;
  assign cmd_done_o    = out_valid_q && tx_ready_i && out_cmd_q;
  assign busy_o        = out_valid_q;
endmodule
