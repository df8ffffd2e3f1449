// SPDX-License-Identifier: MIT
// ne_rx: packet receive of the notify engine (docs/notify-engine.md §5, payloads ipb_pkg
// ne_subscribe and ne_notify).
//
// One packet register: a packet is taken when it is empty (rx_ready does not depend on
// anything downstream). At the handshake, an engine packet (NE_SUBSCRIBE, NE_NOTIFY,
// ALIVE) from node src is reported to ne_alive (seen_*), and the packet is decoded and
// kept if it needs work: NE_NOTIFY goes to ne_lit, NE_SUBSCRIBE and NE_UNSUBSCRIBE (the
// same payload, told apart by pkt_unsub_o) to ne_rit (src = the requesting node).
// Everything else is accepted and dropped.
//
// Decisions where the contract is open:
// * While CTRL.ENABLE is 0 every packet is dropped and none counts as an arrival.
// * An NE_SUBSCRIBE or NE_NOTIFY shorter than its payload layout, or an NE_NOTIFY whose
//   kind is neither ANSWER nor NOTIFY, is dropped (it still counts as an arrival).
// * Packet types other than the engine's (MSG) are dropped and do not count as arrivals.
module ne_rx #(
  parameter int MAX_NODES = ipb_pkg::MAX_NODES  /// nodes
) (
  input  logic        clk_i,     /// clock
  input  logic        rst_ni,    /// synchronous reset, active low
  input  logic        enable_i,  /// CTRL.ENABLE

  // rx port
  input  logic        rx_valid_i,
  output logic        rx_ready_o,
  input  logic [7:0]  rx_type_i,
  input  logic [$clog2(MAX_NODES)-1:0] rx_src_i,
  input  logic [7:0]  rx_len_i,
  input  logic [127:0] rx_payload_i,

  // arrival of an engine packet (this cycle's handshake)
  output logic        seen_valid_o,
  output logic [$clog2(MAX_NODES)-1:0] seen_src_o,

  // NE_NOTIFY for ne_lit
  output logic        pkt_valid_o,
  input  logic        pkt_ready_i,
  output logic [$clog2(MAX_NODES)-1:0] pkt_src_o,
  output logic [31:0] pkt_object_o,
  output logic [7:0]  pkt_event_o,
  output logic [31:0] pkt_version_o,
  output logic [7:0]  pkt_state_o,
  output logic        pkt_notify_o,    /// 1: kind NOTIFY, 0: kind ANSWER
  output logic        pkt_is_ready_o,  /// ready bit
  output logic [31:0] pkt_stamp_o,     /// the owner's STAMP
  output logic        pkt_unsub_o,     /// with sub_valid_o: the packet is NE_UNSUBSCRIBE

  // NE_SUBSCRIBE for ne_rit (same fields as pkt_*)
  output logic        sub_valid_o,
  input  logic        sub_ready_i,

  output logic        busy_o           /// a packet is held
);
  localparam int NW = $clog2(MAX_NODES);

  logic          hs, is_sub, is_unsub, is_ntf, is_alive, kind_ok, take;
  logic [7:0]    kind;
  logic          v_q, v_d;
  logic          sub_q, sub_d;
  logic          unsub_q, unsub_d;
  logic [NW-1:0] src_q, src_d;
  logic [31:0]   object_q, object_d;
  logic [7:0]    event_q, event_d;
  logic [31:0]   version_q, version_d;
  logic [7:0]    state_q, state_d;
  logic          notify_q, notify_d;
  logic          is_ready_q, is_ready_d;
  logic [31:0]   stamp_q, stamp_d;

  // rx_payload bits past the longest engine payload are not used.
  /* verilator lint_off UNUSED */
  logic [127:0] payload_unused;
  /* verilator lint_on UNUSED */
  assign payload_unused = rx_payload_i;

  // Handshakes and register-driven outputs are continuous assigns, apart from the decode
  // block: no combinational block both drives a valid and reads its ready.
  assign rx_ready_o   = !v_q;
  assign hs           = rx_valid_i && rx_ready_o;
  assign pkt_valid_o  = v_q && !sub_q;
  assign sub_valid_o  = v_q && sub_q;
  assign v_d          = hs ? take : (v_q && !(sub_q ? sub_ready_i : pkt_ready_i));
  assign seen_valid_o = hs && enable_i && (is_sub || is_unsub || is_ntf || is_alive);
  assign seen_src_o   = rx_src_i;

  // decode of the offered packet and next state of the packet register
  always @* begin
    is_sub     = rx_type_i == ipb_pkg::PACKET_TYPE_NE_SUBSCRIBE;
    is_unsub   = rx_type_i == ipb_pkg::PACKET_TYPE_NE_UNSUBSCRIBE;
    is_ntf     = rx_type_i == ipb_pkg::PACKET_TYPE_NE_NOTIFY;
    is_alive   = rx_type_i == ipb_pkg::PACKET_TYPE_ALIVE;
    kind       = rx_payload_i[ipb_pkg::NE_NOTIFY_KIND_LSB +: ipb_pkg::NE_NOTIFY_KIND_WIDTH];
    kind_ok    = kind == ipb_pkg::NE_NOTIFY_KIND_ANSWER || kind == ipb_pkg::NE_NOTIFY_KIND_NOTIFY;
    take       = enable_i && (((is_sub || is_unsub) && rx_len_i >= ipb_pkg::NE_SUBSCRIBE_BYTES[7:0]) ||
                              (is_ntf && rx_len_i >= ipb_pkg::NE_NOTIFY_BYTES[7:0] && kind_ok));

    // the packet register (no reset): loaded when the handshake takes the packet
    sub_d      = sub_q;
    unsub_d    = unsub_q;
    src_d      = src_q;
    object_d   = object_q;
    event_d    = event_q;
    version_d  = version_q;
    state_d    = state_q;
    notify_d   = notify_q;
    is_ready_d = is_ready_q;
    stamp_d    = stamp_q;
    if (hs && take) begin
      sub_d      = is_sub || is_unsub;
      unsub_d    = is_unsub;
      src_d      = rx_src_i;
      state_d    = rx_payload_i[ipb_pkg::NE_NOTIFY_STATE_LSB +: ipb_pkg::NE_NOTIFY_STATE_WIDTH];
      notify_d   = kind == ipb_pkg::NE_NOTIFY_KIND_NOTIFY;
      is_ready_d = rx_payload_i[ipb_pkg::NE_NOTIFY_READY_LSB];
      stamp_d    = rx_payload_i[ipb_pkg::NE_NOTIFY_STAMP_LSB +: ipb_pkg::NE_NOTIFY_STAMP_WIDTH];
      if (is_sub || is_unsub) begin
        object_d  = rx_payload_i[ipb_pkg::NE_SUBSCRIBE_OBJECT_LSB +: ipb_pkg::NE_SUBSCRIBE_OBJECT_WIDTH];
        event_d   = rx_payload_i[ipb_pkg::NE_SUBSCRIBE_EVENT_LSB +: ipb_pkg::NE_SUBSCRIBE_EVENT_WIDTH];
        version_d = rx_payload_i[ipb_pkg::NE_SUBSCRIBE_VERSION_LSB +: ipb_pkg::NE_SUBSCRIBE_VERSION_WIDTH];
      end else begin
        object_d  = rx_payload_i[ipb_pkg::NE_NOTIFY_OBJECT_LSB +: ipb_pkg::NE_NOTIFY_OBJECT_WIDTH];
        event_d   = rx_payload_i[ipb_pkg::NE_NOTIFY_EVENT_LSB +: ipb_pkg::NE_NOTIFY_EVENT_WIDTH];
        version_d = rx_payload_i[ipb_pkg::NE_NOTIFY_VERSION_LSB +: ipb_pkg::NE_NOTIFY_VERSION_WIDTH];
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) v_q <= 1'b0;
    else v_q <= v_d;
  end

  always_ff @(posedge clk_i) begin
    sub_q      <= sub_d;
    unsub_q    <= unsub_d;
    src_q      <= src_d;
    object_q   <= object_d;
    event_q    <= event_d;
    version_q  <= version_d;
    state_q    <= state_d;
    notify_q   <= notify_d;
    is_ready_q <= is_ready_d;
    stamp_q    <= stamp_d;
  end

  assign pkt_src_o      = src_q;
  assign pkt_object_o   = object_q;
  assign pkt_event_o    = event_q;
  assign pkt_version_o  = version_q;
  assign pkt_state_o    = state_q;
  assign pkt_notify_o   = notify_q;
  assign pkt_is_ready_o = is_ready_q;
  assign pkt_stamp_o    = stamp_q;
  assign pkt_unsub_o    = unsub_q;
  assign busy_o         = v_q;
endmodule
