// SPDX-License-Identifier: MIT
// RTL of ne_top in read order: the generated packages first ($BUILD: the CMake build
// directory), then one module per file. Read by rtl/ne/CMakeLists.txt (lint, synthesis,
// the testbenches) and scripts/hw_report.py.
$BUILD/gen/rtl/ipb_pkg.sv
$BUILD/gen/rtl/ne_pkg.sv
rtl/ne/ne_rr_arb.sv
rtl/ne/ne_hash.sv
rtl/ne/ne_onehot_index.sv
rtl/ne/ne_ram.sv
rtl/ne/ne_lit.sv
rtl/ne/ne_rit.sv
rtl/ne/ne_ring.sv
rtl/ne/ne_irq.sv
rtl/ne/ne_alive.sv
rtl/ne/ne_tx.sv
rtl/ne/ne_rx.sv
rtl/ne/ne_regs.sv
rtl/ne/ne_top.sv
