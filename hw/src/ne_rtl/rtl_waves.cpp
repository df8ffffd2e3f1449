// SPDX-License-Identifier: MIT
#include "shadowsel/ne/rtl_waves.h"

#include <algorithm>

#include "context.h"
#include "shadowsel/sim/output_file.h"
#include "verilated_fst_c.h"

namespace shadowsel::ne {

RtlWaves::RtlWaves(const std::string& path, const sim::WaveWindow& window) : path_(path), window_(window) {
  sim::check_seekable_output(path);
  const std::shared_ptr<VerilatedContext> ctx = shared_context();
  ctx->traceEverOn(true);
  // The trace takes its timescale (the models' 1 ps, as WaveWindow's) from this context.
  Verilated::threadContextp(ctx.get());
  fst_ = std::make_unique<VerilatedFstC>();
}

RtlWaves::~RtlWaves() = default;

void RtlWaves::add(Model& m) {
  m.trace(*fst_);
  models_.push_back(&m);
}

void RtlWaves::start() {
  fst_->open(path_.c_str());
  open_ = true;
}

bool RtlWaves::begin_cycle(uint64_t now) {
  if (!open_) return false;
  if (!pending_.empty() && now > pending_cycle_) flush(now);
  if (now > window_.to) {
    close(window_.to);  // every core is as it was at the window's end
    return false;
  }
  if (now < window_.from) return false;
  // Nothing was clocked in the window before: every core is as it was at its start.
  if (!started_ && now > window_.from) dump(window_.ps(window_.from));
  if (pending_.empty()) pending_cycle_ = now;
  return true;
}

void RtlWaves::edge_pending(Model& m) {
  if (std::find(pending_.begin(), pending_.end(), &m) == pending_.end()) pending_.push_back(&m);
}

void RtlWaves::flush(uint64_t next) {
  const uint64_t c = pending_cycle_;
  dump(window_.ps(c));
  for (Model* m : pending_) m->rise();
  dump(window_.mid_ps(c));
  for (Model* m : pending_) m->fall();
  pending_.clear();
  // Clocks that stop here are drawn low from the next cycle on (a core clocked in `next`
  // draws it with its own dump).
  if (c + 1 < next && c + 1 <= window_.to) dump(window_.ps(c + 1));
}

void RtlWaves::dump(uint64_t ps) {
  if (started_ && ps <= last_ps_) return;  // Verilator would print a warning
  fst_->dump(ps);
  started_ = true;
  last_ps_ = ps;
}

void RtlWaves::close(uint64_t end) {
  if (!open_) return;
  if (!pending_.empty()) flush(end + 1);
  if (end >= window_.from) {
    if (!started_) dump(window_.ps(window_.from));
    dump(window_.ps(std::min(end, window_.to)));
  }
  fst_->close();
  open_ = false;
}

}  // namespace shadowsel::ne
