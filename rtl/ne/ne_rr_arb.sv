// SPDX-License-Identifier: MIT
// ne_rr_arb: round-robin arbiter of the notify engine (docs/notify-engine.md).
//
// Grants one of N requests, searching from the request after the one granted last.
// The grant is combinational; the search start moves only when the grant is taken
// (advance_i), so a request that waits keeps its turn. Used by ne_tx (packet sources)
// and ne_top (record sources).
module ne_rr_arb #(
  parameter int N = 4  /// requesters, at least 2
) (
  input  logic         clk_i,      /// clock
  input  logic         rst_ni,     /// synchronous reset, active low
  input  logic [N-1:0] req_i,      /// requests
  input  logic         advance_i,  /// the grant is taken this cycle
  output logic [N-1:0] gnt_o       /// one-hot grant (0 when no request)
);
  localparam logic [N-1:0] One = {{(N - 1) {1'b0}}, 1'b1};

  logic [N-1:0] mask_q, mask_d;  // requests allowed first: those after the last grant
  logic [N-1:0] masked, gnt_masked, gnt_any;

  // The grant and the next mask are separate blocks: the grant does not depend on
  // advance_i, which is often a handshake with a port (a simulator then evaluates the
  // grant only when the requests or the mask change).
  always @* begin
    masked     = req_i & mask_q;
    gnt_masked = masked & (~masked + One);  // lowest set bit
    gnt_any    = req_i & (~req_i + One);
    gnt_o      = (|masked) ? gnt_masked : gnt_any;
  end

  always @* begin
    mask_d = advance_i ? ~((gnt_o << 1) - One) : mask_q;
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) mask_q <= '0;
    else mask_q <= mask_d;
  end
endmodule
