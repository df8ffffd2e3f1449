// SPDX-License-Identifier: MIT
// ne_onehot_index: the index of the set bit of a one-hot vector (0 when none), for the
// tables' victim and scan addresses (ne_lit, ne_rit). Index bit b is the OR of the
// vector's bits whose index has bit b set: one masked reduction per index bit, where a
// loop over the N bits would cost the Verilated model a test per bit. With several bits
// set it is the OR of their indices. A module, not a package function: a function's
// widths cannot follow a parameter in the tools' common subset.
module ne_onehot_index #(
  parameter int N = 2,  /// vector width, at least 1
  parameter int W = 1   /// index width, at least 1 and at least $clog2(N) (N = 1: 1, index 0)
) (
  input  logic [N-1:0] onehot_i,
  output logic [W-1:0] index_o
);
  // Sel[b*N + i]: index i has bit b set
  function automatic logic [W*N-1:0] sel_of();
    logic [W*N-1:0] s;
    for (int b = 0; b < W; b++)
      for (int i = 0; i < N; i++) s[b*N + i] = i[b];
    sel_of = s;
  endfunction
  localparam logic [W*N-1:0] Sel = sel_of();

  always @* begin
    for (int b = 0; b < W; b++) index_o[b] = |(onehot_i & Sel[b*N +: N]);
  end
endmodule
