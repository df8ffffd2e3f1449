// SPDX-License-Identifier: MIT
// ne_top_sim: ne_top as ne::make_rtl verilates it (rtl_core.cpp), not part of the RTL
// (rtl/ne) and read by Verilator only. Same ports as ne_top; every output is ne_top's
// output of the cycle, taken at the rising edge that ends it. A cycle is then one
// evaluation of the Verilated model (inputs and the rising edge together) instead of two
// (the inputs, then the edge), and each evaluation runs the logic that depends on the
// inputs (Verilator's "ico" region) once more: the registers here cost a few copies.
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
  logic         c_mmio_req_ready, c_mmio_rsp_valid, c_tx_valid, c_rx_ready, c_dma_valid;
  logic         c_irq, c_idle;
  logic [31:0]  c_mmio_rsp_rdata, c_dma_addr;
  logic [7:0]   c_tx_type, c_tx_len;
  logic [63:0]  c_tx_dst_mask;
  logic [127:0] c_tx_payload;
  logic [255:0] c_dma_data;
  logic [5:0]   c_dma_bytes;
  logic [47:0]  c_wake_at;

  ne_top #(
    .LIT_ENTRIES(LIT_ENTRIES),
    .RIT_ENTRIES(RIT_ENTRIES)
  ) u_top (
    .clk,
    .rst_n,
    .mmio_req_valid,
    .mmio_req_ready(c_mmio_req_ready),
    .mmio_req_write,
    .mmio_req_addr,
    .mmio_req_wdata,
    .mmio_rsp_valid(c_mmio_rsp_valid),
    .mmio_rsp_rdata(c_mmio_rsp_rdata),
    .tx_valid      (c_tx_valid),
    .tx_ready,
    .tx_type       (c_tx_type),
    .tx_dst_mask   (c_tx_dst_mask),
    .tx_len        (c_tx_len),
    .tx_payload    (c_tx_payload),
    .rx_valid,
    .rx_ready      (c_rx_ready),
    .rx_type,
    .rx_src,
    .rx_len,
    .rx_payload,
    .dma_valid     (c_dma_valid),
    .dma_ready,
    .dma_addr      (c_dma_addr),
    .dma_data      (c_dma_data),
    .dma_bytes     (c_dma_bytes),
    .now,
    .irq           (c_irq),
    .idle          (c_idle),
    .wake_at       (c_wake_at)
  );

  always_ff @(posedge clk) begin
    mmio_req_ready <= c_mmio_req_ready;
    mmio_rsp_valid <= c_mmio_rsp_valid;
    mmio_rsp_rdata <= c_mmio_rsp_rdata;
    tx_valid       <= c_tx_valid;
    tx_type        <= c_tx_type;
    tx_dst_mask    <= c_tx_dst_mask;
    tx_len         <= c_tx_len;
    tx_payload     <= c_tx_payload;
    rx_ready       <= c_rx_ready;
    dma_valid      <= c_dma_valid;
    dma_addr       <= c_dma_addr;
    dma_data       <= c_dma_data;
    dma_bytes      <= c_dma_bytes;
    irq            <= c_irq;
    idle           <= c_idle;
    wake_at        <= c_wake_at;
  end
endmodule
