// SPDX-License-Identifier: MIT
// ne_hash: the slot of a key in a direct-mapped table of the notify engine
// (docs/notify-engine.md §1 and §2). The key's bits are mixed into one 32-bit word,
//   x = object ^ rotl(version, 13) ^ (event << 24) ^ (node << 18),
// and folded by XOR into W bits (x[W-1:0] ^ x[2W-1:W] ^ ...). Consecutive objects of one
// version take consecutive slots; the rotation keeps small versions off the bits that
// small object numbers use. hw/src/ne/hash.h is the same function for the twin and the
// testbench's model. A table that hashes fewer fields passes zeros for the others.
module ne_hash #(
  parameter int W = 4  /// slot index width, 1 to 8
) (
  input  logic [31:0] object_i,
  input  logic [7:0]  event_i,
  input  logic [31:0] version_i,
  input  logic [5:0]  node_i,
  output logic [W-1:0] hash_o
);
  localparam int Chunks = (32 + W - 1) / W;

  logic [31:0]         mixed;
  logic [Chunks*W-1:0] padded;

  always @* begin
    mixed  = object_i ^ {version_i[18:0], version_i[31:19]} ^ {event_i, 24'd0} ^
             {8'd0, node_i, 18'd0};
    padded = '0;
    padded[31:0] = mixed;
    hash_o = '0;
    for (int c = 0; c < Chunks; c++) hash_o = hash_o ^ padded[c*W +: W];
  end
endmodule
