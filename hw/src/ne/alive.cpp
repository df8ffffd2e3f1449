// SPDX-License-Identifier: MIT
// ne_alive (see alive.h).
#include "alive.h"

namespace shadowsel::ne::twin {

namespace {
bool bit(uint64_t v, uint32_t i) { return (v >> (i & kNodeMask)) & 1; }
// x before y in 33-bit serial order (the RTL's before33: x < y when less than 2^32 apart)
bool before33(uint64_t x, uint64_t y) { return ((x - y) >> 32) & 1; }
}  // namespace

void Alive::eval(const In& in) {
  now_ = in.now;
  alive_ready_ = in.alive_ready;
  rec_ready_ = in.rec_ready;

  // sending: the next deadline is set from the time of a period write, or of a due ALIVE
  // (a due ALIVE while the previous one has not left is skipped)
  targets_ = in.mask & ~node_bit(in.node_id);
  al_on_ = in.enable && in.period != 0 && targets_ != 0;
  const bool al_due = al_on_ && in.now >= next_q_;
  al_load_ = al_due && !alive_valid_q_;
  if (in.period_wr) next_d_ = (in.now + in.period_wdata) & kTimeMask;
  else if (al_due) next_d_ = (in.now + in.period) & kTimeMask;
  else next_d_ = next_q_;

  // arrival memory: an arrival writes first; the restart pointer waits for a free port
  const bool mat_cur = bit(mat_pend_q_, mat_idx_q_);
  const bool mat_we = mat_cur && !in.seen_valid;
  const uint64_t mat_bit = mat_we ? node_bit(mat_idx_q_) : 0;
  const uint64_t seen_bit = in.seen_valid ? node_bit(in.seen_src) : 0;
  wr_en_ = in.seen_valid || mat_we;
  wr_addr_ = in.seen_valid ? in.seen_src : mat_idx_q_;
  wr_data_ = in.seen_valid ? in.now : mat_t_q_;
  rst_set_ = (in.restart_valid ? in.restart_nodes : 0) | (in.down_clr & down_q_);
  mat_pend_d_ = (mat_pend_q_ & ~mat_bit & ~seen_bit) | rst_set_;
  mat_idx_d_ = (!rst_ready_q_ && !(mat_cur && in.seen_valid)) ? (mat_idx_q_ + 1) & kNodeMask
                                                               : mat_idx_q_;

  // scanner stage A: deadline of the node read last cycle, with its carry (49 bits, not
  // saturated: past 2^48 - 1 never due, never the minimum)
  dl_ = rd_data_q_ + in.timeout;
  // a node whose entry is written in the cycle of its read or the next, or whose timeout
  // changes in the next, is dropped (the block RAM gives no defined value on a collision)
  ev_v_d_ = rd_v_q_ && !rd_col_q_ && !(wr_en_ && wr_addr_ == rd_idx_q_) && !in.cfg_chg;
  ev_last_d_ = rd_v_q_ && rd_idx_q_ == kLastNode;

  // stage E: evaluation of the node whose deadline was computed last cycle
  const bool mon = in.enable && bit(in.mask, ev_idx_q_) && ev_idx_q_ != in.node_id &&
                   !bit(down_q_, ev_idx_q_) && !bit(mat_pend_q_, ev_idx_q_) && in.timeout != 0;
  const bool due = ev_v_q_ && mon && in.now >= ev_dl_q_;
  declare_ = due && !rec_valid_q_;  // waits while the previous NODE_DOWN is not taken
  // a due node whose declaration waits does not contribute: it makes the sweep run again
  const bool contribute = ev_v_q_ && mon && !due;

  acc_min_d_ = acc_min_q_;
  acc_arg_d_ = acc_arg_q_;
  acc_set_d_ = acc_set_q_;
  // 33-bit order of deadlines (a deadline past 2^48 - 1, with its carry, never lower)
  const bool ev_lower = ev_dl_q_ <= kTimeMask && (!acc_set_q_ || before33(ev_dl_q_, acc_min_q_));
  if (contribute && ev_lower) {
    acc_set_d_ = true;
    acc_min_d_ = ev_dl_q_;
    acc_arg_d_ = ev_idx_q_;
  }

  // what can lower the minimum deadline starts a new sweep
  const bool chg = in.cfg_chg || mat_we || (due && rec_valid_q_) ||
                   (in.seen_valid && (!rst_ready_q_ || sc_run_q_ || !min_v_q_ || in.seen_src == arg_q_));
  const bool min_due = min_v_q_ && acc_set_q_ && !before33(in.now, min_q_);
  const bool start = !sc_run_q_ && (dirty_q_ || min_due);
  const bool none = !in.enable || in.timeout == 0 || (targets_ & ~down_q_ & ~mat_pend_q_) == 0;

  sc_run_d_ = sc_run_q_;
  sc_idx_d_ = sc_idx_q_;
  dirty_d_ = dirty_q_ || chg;
  min_v_d_ = min_v_q_;
  min_d_ = min_q_;
  arg_d_ = arg_q_;
  rd_en_ = false;
  if (start && none) {
    dirty_d_ = chg;
    min_v_d_ = true;
    min_d_ = kTimeMask;
    acc_set_d_ = false;
  } else if (start) {
    sc_run_d_ = true;
    sc_idx_d_ = 0;
    dirty_d_ = chg;
    min_v_d_ = false;
    acc_min_d_ = kTimeMask;
    acc_arg_d_ = 0;
    acc_set_d_ = false;
  } else if (sc_run_q_) {
    if (!(sc_idx_q_ & kIdxEnd)) {
      rd_en_ = true;
      sc_idx_d_ = (sc_idx_q_ + 1) & (2 * kIdxEnd - 1);
    }
    if (ev_last_q_) {
      sc_run_d_ = false;
      if (!dirty_d_) {  // a sweep with nothing changed meanwhile gives the deadline
        min_v_d_ = true;
        min_d_ = acc_min_d_;
        arg_d_ = acc_arg_d_;
      }
    }
  }

  down_d_ = down_q_ & ~in.down_clr;  // a declaration beats a W1C of its bit
  if (declare_) down_d_ |= node_bit(ev_idx_q_);

  busy_ = sc_run_q_ || dirty_q_ || min_due || mat_pend_q_ != 0 || rec_valid_q_ ||
          alive_valid_q_ || al_due;
}

void Alive::commit(bool rst_n) {
  // registers and memory without reset, from this cycle's values
  if (declare_) rec_node_q_ = ev_idx_q_;
  ev_idx_q_ = rd_idx_q_;  // before the read port loads rd_idx_q_
  ev_dl_q_ = dl_;
  if (al_load_) alive_mask_q_ = targets_;
  const uint32_t rd_a = sc_idx_q_ & kNodeMask;
  const bool rd_col = wr_en_ && wr_addr_ == rd_a;
  if (rd_en_) {
    rd_data_q_ = seen_mem_[rd_a];  // old contents on a collision (dropped from E)
    rd_idx_q_ = rd_a;
  }
  if (wr_en_) seen_mem_[wr_addr_] = wr_data_;
  if (rst_ready_q_) mat_t_q_ = now_;  // read only while a restart is pending (as the RTL)

  if (!rst_n) {
    next_q_ = 0;
    alive_valid_q_ = false;
    mat_pend_q_ = 0;
    mat_idx_q_ = 0;
    rst_ready_q_ = true;
    ev_v_q_ = ev_last_q_ = false;
    sc_run_q_ = false;
    sc_idx_q_ = 0;
    rd_v_q_ = false;
    rd_col_q_ = false;
    acc_min_q_ = kTimeMask;
    acc_arg_q_ = 0;
    acc_set_q_ = false;
    dirty_q_ = true;
    min_v_q_ = false;
    min_q_ = kTimeMask;
    arg_q_ = 0;
    down_q_ = 0;
    rec_valid_q_ = false;
    return;
  }
  next_q_ = next_d_;
  alive_valid_q_ = (alive_valid_q_ && !alive_ready_) || al_load_;
  mat_pend_q_ = mat_pend_d_;
  mat_idx_q_ = mat_idx_d_;
  rst_ready_q_ = mat_pend_d_ == 0;
  ev_v_q_ = ev_v_d_;
  ev_last_q_ = ev_last_d_;
  sc_run_q_ = sc_run_d_;
  sc_idx_q_ = sc_idx_d_;
  rd_v_q_ = rd_en_;
  rd_col_q_ = rd_col;
  acc_min_q_ = acc_min_d_;
  acc_arg_q_ = acc_arg_d_;
  acc_set_q_ = acc_set_d_;
  dirty_q_ = dirty_d_;
  min_v_q_ = min_v_d_;
  min_q_ = min_d_;
  arg_q_ = arg_d_;
  down_q_ = down_d_;
  rec_valid_q_ = (rec_valid_q_ && !rec_ready_) || declare_;
}

}  // namespace shadowsel::ne::twin
