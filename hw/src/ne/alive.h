// SPDX-License-Identifier: MIT
// ne_alive: liveness. Sends ALIVE to ALIVE_MASK (but this node) every ALIVE_PERIOD while
// enabled; keeps each node's last arrival time in a 64-entry memory (one write port:
// arrivals first, then the restart pointer; one registered read port) that a 3-stage
// scanner sweeps to declare silent nodes down and find the earliest deadline.
#pragma once

#include <array>
#include <cstdint>

#include "common.h"

namespace shadowsel::ne::twin {

class Alive {
 public:
  struct In {
    uint64_t now;
    bool enable;
    uint32_t node_id, period;
    bool period_wr;
    uint32_t period_wdata, timeout;
    uint64_t mask;
    bool cfg_chg, restart_valid;
    uint64_t restart_nodes, down_clr;
    bool seen_valid;
    uint32_t seen_src;
    bool alive_ready, rec_ready;
  };

  bool restart_ready() const { return rst_ready_q_; }
  bool alive_valid() const { return alive_valid_q_; }
  uint64_t alive_mask() const { return alive_mask_q_; }
  bool rec_valid() const { return rec_valid_q_; }
  uint32_t rec_node() const { return rec_node_q_; }
  uint64_t nodes_down() const { return down_q_; }
  uint64_t wake_down() const { return down_on() ? min_q_ : kTimeMask; }
  // the RTL's outputs: the minimum deadline counts while on (a sweep found one)
  bool down_on() const { return min_v_q_ && acc_set_q_; }
  uint64_t down_deadline() const { return min_q_; }

  void eval(const In& in);
  // after eval
  uint64_t wake_alive() const { return al_on_ ? next_q_ : kTimeMask; }
  bool alive_on() const { return al_on_; }
  uint64_t alive_deadline() const { return next_q_; }
  bool busy() const { return busy_; }

  void commit(bool rst_n);

 private:
  static constexpr uint32_t kLastNode = kNodeMask;
  static constexpr uint32_t kIdxEnd = kNodeMask + 1;  // sc_idx's top bit: sweep read out

  // sending
  uint64_t next_q_ = 0;
  bool alive_valid_q_ = false;
  uint64_t alive_mask_q_ = 0;

  // arrival times and restarts
  std::array<uint64_t, ipb::kMaxNodes> seen_mem_{};
  uint64_t mat_pend_q_ = 0;
  uint32_t mat_idx_q_ = 0;
  bool rst_ready_q_ = false;
  uint64_t mat_t_q_ = 0;
  uint64_t down_q_ = 0;

  // scanner
  bool sc_run_q_ = false;
  uint32_t sc_idx_q_ = 0;
  bool rd_v_q_ = false;
  bool rd_col_q_ = false;  // the read shared its cycle with a write of the same node
  uint32_t rd_idx_q_ = 0;
  uint64_t rd_data_q_ = 0;
  bool ev_v_q_ = false, ev_last_q_ = false;
  uint32_t ev_idx_q_ = 0;
  uint64_t ev_dl_q_ = 0;
  uint64_t acc_min_q_ = 0;
  uint32_t acc_arg_q_ = 0;
  bool acc_set_q_ = false;  // acc_min_q_ holds a deadline (else all ones)
  bool dirty_q_ = false, min_v_q_ = false;
  uint64_t min_q_ = 0;
  uint32_t arg_q_ = 0;
  bool rec_valid_q_ = false;
  uint32_t rec_node_q_ = 0;

  // this cycle
  uint64_t now_ = 0;
  bool al_on_ = false, al_load_ = false, alive_ready_ = false, rec_ready_ = false;
  uint64_t targets_ = 0, next_d_ = 0;
  bool wr_en_ = false;
  uint32_t wr_addr_ = 0;
  uint64_t wr_data_ = 0;
  uint64_t rst_set_ = 0, mat_pend_d_ = 0;
  uint32_t mat_idx_d_ = 0;
  bool ev_v_d_ = false, ev_last_d_ = false;
  uint64_t dl_ = 0;
  bool declare_ = false;
  uint64_t acc_min_d_ = 0;
  uint32_t acc_arg_d_ = 0;
  bool acc_set_d_ = false;
  bool sc_run_d_ = false, dirty_d_ = false, min_v_d_ = false, rd_en_ = false;
  uint32_t sc_idx_d_ = 0, arg_d_ = 0;
  uint64_t min_d_ = 0, down_d_ = 0;
  bool busy_ = false;
};

}  // namespace shadowsel::ne::twin
