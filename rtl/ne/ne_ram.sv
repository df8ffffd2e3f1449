// SPDX-License-Identifier: MIT
// ne_ram: a table memory of the notify engine, one write port and one registered read
// port in the form Yosys maps to iCE40 block RAM (SB_RAM40_4K). A read in the cycle of a
// write to the same address is undefined on the block RAM (simulators return the old
// contents); the tables never do both in one cycle. Contents have no reset: every table keeps its
// valid bits in flip-flops and reads an entry only when it is valid.
module ne_ram #(
  parameter int WIDTH = 16,  /// bits per entry
  parameter int DEPTH = 16   /// entries, a power of two, at least 2
) (
  input  logic                     clk_i,    /// clock
  input  logic                     we_i,     /// write wdata_i at waddr_i
  input  logic [$clog2(DEPTH)-1:0] waddr_i,
  input  logic [WIDTH-1:0]         wdata_i,
  input  logic                     re_i,     /// read raddr_i: rdata_o from the next cycle
  input  logic [$clog2(DEPTH)-1:0] raddr_i,
  output logic [WIDTH-1:0]         rdata_o   /// held while re_i is low
);
  // no_rw_check: a read and a write of the same word never share a cycle (each table says
  // why), so Yosys need not build the collision bypass it otherwise adds around the block
  // RAM (a register and a mux per bit: 178 flip-flops and 90 LUTs for an 86-bit word).
  (* no_rw_check *) logic [WIDTH-1:0] mem [DEPTH];
  logic [WIDTH-1:0] rdata_q;

  always_ff @(posedge clk_i) begin
    if (we_i) mem[waddr_i] <= wdata_i;
  end

  always_ff @(posedge clk_i) begin
    if (re_i) rdata_q <= mem[raddr_i];
  end

  assign rdata_o = rdata_q;
endmodule
