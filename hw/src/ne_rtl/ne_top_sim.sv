// SPDX-License-Identifier: MIT
// ne_top_sim: ne_top as ne::make_rtl verilates it (rtl_core.cpp), not part of the RTL
// (rtl/ne) and read by Verilator only. Same ports as ne_top. Every input is taken into a
// register at the rising edge, and ne_top's own registers take that same edge, so
// ne_top runs one edge behind the ports: after the evaluation that takes cycle k's
// inputs, ne_top holds the state cycle k starts from and sees cycle k's inputs, and its
// outputs are cycle k's; the next evaluation's edge ends cycle k. A cycle is then one
// evaluation of the Verilated model in which the inputs and ne_top's state change
// together, so Verilator evaluates ne_top's combinational logic once per cycle. With the
// inputs on ne_top's ports directly, the logic that reads them runs twice: once for the
// new inputs (Verilator's "ico" region), once more after the edge (that measured a
// quarter of ne_cosim --core rtl's time).
module ne_top_sim #(
  parameter int LIT_ENTRIES = ne_pkg::LIT_ENTRIES,
  parameter int RIT_ENTRIES = ne_pkg::RIT_ENTRIES
) (
  input  logic         clk,
  input  logic         rst_n,
  input  logic         mmio_req_valid,
  output logic         mmio_req_ready,
  input  logic         mmio_req_write,
  input  logic [11:0]  mmio_req_addr,
  input  logic [31:0]  mmio_req_wdata,
  output logic         mmio_rsp_valid,
  output logic [31:0]  mmio_rsp_rdata,
  output logic         tx_valid,
  input  logic         tx_ready,
  output logic [7:0]   tx_type,
  output logic [63:0]  tx_dst_mask,
  output logic [7:0]   tx_len,
  output logic [127:0] tx_payload,
  input  logic         rx_valid,
  output logic         rx_ready,
  input  logic [7:0]   rx_type,
  input  logic [5:0]   rx_src,
  input  logic [7:0]   rx_len,
  input  logic [127:0] rx_payload,
  output logic         dma_valid,
  input  logic         dma_ready,
  output logic [31:0]  dma_addr,
  output logic [255:0] dma_data,
  output logic [5:0]   dma_bytes,
  input  logic [47:0]  now,
  output logic         irq,
  output logic         idle,
  output logic [47:0]  wake_at
);
  // Reset until the first inputs are taken: the state ne_top starts from before the
  // first evaluation is then ne_top's reset state whatever the initial values.
  logic         q_rst_n = 1'b0;
  logic         q_mmio_req_valid, q_mmio_req_write, q_tx_ready, q_rx_valid, q_dma_ready;
  logic [11:0]  q_mmio_req_addr;
  logic [31:0]  q_mmio_req_wdata;
  logic [7:0]   q_rx_type, q_rx_len;
  logic [5:0]   q_rx_src;
  logic [127:0] q_rx_payload;
  logic [47:0]  q_now;

  always_ff @(posedge clk) begin
    q_rst_n          <= rst_n;
    q_mmio_req_valid <= mmio_req_valid;
    q_mmio_req_write <= mmio_req_write;
    q_mmio_req_addr  <= mmio_req_addr;
    q_mmio_req_wdata <= mmio_req_wdata;
    q_tx_ready       <= tx_ready;
    q_rx_valid       <= rx_valid;
    q_rx_type        <= rx_type;
    q_rx_src         <= rx_src;
    q_rx_len         <= rx_len;
    q_rx_payload     <= rx_payload;
    q_dma_ready      <= dma_ready;
    q_now            <= now;
  end

  ne_top #(
    .LIT_ENTRIES(LIT_ENTRIES),
    .RIT_ENTRIES(RIT_ENTRIES)
  ) u_top (
    .clk,
    .rst_n         (q_rst_n),
    .mmio_req_valid(q_mmio_req_valid),
    .mmio_req_ready,
    .mmio_req_write(q_mmio_req_write),
    .mmio_req_addr (q_mmio_req_addr),
    .mmio_req_wdata(q_mmio_req_wdata),
    .mmio_rsp_valid,
    .mmio_rsp_rdata,
    .tx_valid,
    .tx_ready      (q_tx_ready),
    .tx_type,
    .tx_dst_mask,
    .tx_len,
    .tx_payload,
    .rx_valid      (q_rx_valid),
    .rx_ready,
    .rx_type       (q_rx_type),
    .rx_src        (q_rx_src),
    .rx_len        (q_rx_len),
    .rx_payload    (q_rx_payload),
    .dma_valid,
    .dma_ready     (q_dma_ready),
    .dma_addr,
    .dma_data,
    .dma_bytes,
    .now           (q_now),
    .irq,
    .idle,
    .wake_at
  );
endmodule
