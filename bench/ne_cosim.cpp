// SPDX-License-Identifier: MIT
// ne_cosim: constrained-random co-simulation of the notify engine (ne::run_cosim).
//
//   ne_cosim [--core rtl|twin|lockstep] [--twin twin|rtl] [--ops N] [--seed S]
//            [--small] [--resets-per-op P] [--fault notify-mask|read-bit0 --fault-after K]
//
// --core lockstep (the default) runs lockstep(rtl, second) where the second core is the
// twin (--twin rtl: the RTL again, to check the harness itself). --small uses 4/2-entry
// tables. --fault injects the twin's test-only fault. Prints operations, cycles and wall
// time. Exit 0 clean; 1 with the mismatch report (or a core that does not drain); 2 bad
// arguments.
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "shadowsel/ne/core.h"
#include "shadowsel/ne/cosim.h"
#include "shadowsel/ne/lockstep.h"

using namespace shadowsel::ne;

namespace {

[[noreturn]] void usage_error(const std::string& what) {
  std::fprintf(stderr, "ne_cosim: %s\n", what.c_str());
  std::exit(2);
}

uint64_t number(const char* opt, const char* s) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(s, &end, 0);
  if (!*s || *end || errno || s[0] == '-') usage_error(std::string(opt) + ": not a non-negative integer: '" + s + "'");
  return v;
}

std::unique_ptr<Core> make(const std::string& kind, const Params& p) {
  if (kind == "rtl") return make_rtl(p);
  if (kind == "twin") return make_twin(p);
  usage_error("unknown core '" + kind + "'");
}

}  // namespace

int main(int argc, char** argv) {
  std::string core_kind = "lockstep", twin_kind = "twin";
  Params params;
  CosimOptions opt;
  opt.operations = 100000;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&]() -> const char* {
      if (i + 1 >= argc) usage_error(a + ": missing value");
      return argv[++i];
    };
    if (a == "--core") core_kind = value();
    else if (a == "--twin") twin_kind = value();
    else if (a == "--ops") opt.operations = number("--ops", value());
    else if (a == "--seed") opt.seed = number("--seed", value());
    else if (a == "--small") params.lit_entries = 4, params.rit_entries = 2;
    else if (a == "--resets-per-op") {
      const char* s = value();
      char* end = nullptr;
      opt.resets_per_operation = std::strtod(s, &end);
      if (!*s || *end || !(opt.resets_per_operation >= 0 && opt.resets_per_operation <= 1))
        usage_error(std::string("--resets-per-op: not a probability: '") + s + "'");
    } else if (a == "--fault") {
      const std::string f = value();
      if (f == "notify-mask") params.twin_fault.kind = TwinFault::Kind::kNotifyMaskDropsLowest;
      else if (f == "read-bit0") params.twin_fault.kind = TwinFault::Kind::kReadDataFlipsBit0;
      else usage_error("--fault: unknown fault '" + f + "' (notify-mask, read-bit0)");
    } else if (a == "--fault-after") params.twin_fault.after = number("--fault-after", value());
    else if (a == "-h" || a == "--help") {
      std::printf("usage: ne_cosim [--core rtl|twin|lockstep] [--twin twin|rtl] [--ops N] [--seed S] [--small]\n"
                  "                [--resets-per-op P] [--fault notify-mask|read-bit0] [--fault-after K]\n");
      return 0;
    } else usage_error("unknown option '" + a + "'");
  }
  opt.lit_entries = params.lit_entries;
  opt.rit_entries = params.rit_entries;

  std::unique_ptr<Core> core;
  std::string label = core_kind;
  try {
    if (core_kind == "lockstep") {
      if (twin_kind != "twin" && twin_kind != "rtl") usage_error("--twin: unknown core '" + twin_kind + "'");
      Params reference = params;
      reference.twin_fault = {};
      core = make_lockstep(make_rtl(reference), make(twin_kind, params));
      label = "lockstep(rtl, " + twin_kind + ")";
    } else {
      core = make(core_kind, params);
    }
  } catch (const std::invalid_argument& e) {
    usage_error(e.what());
  }

  try {
    const CosimResult r = run_cosim(*core, opt);
    std::printf("ne_cosim: %s, tables %u/%u, seed %" PRIu64 ": %" PRIu64 " operations, %" PRIu64
                " cycles, %" PRIu64 " resets, %" PRIu64 " tx, %" PRIu64 " dma, wall %.3f s, %.3f M cycles per wall second, %s\n",
                label.c_str(), params.lit_entries, params.rit_entries, opt.seed, r.operations, r.cycles, r.resets, r.tx_packets, r.dma_writes,
                r.wall_s, r.cycles / r.wall_s / 1e6, r.drained ? "clean" : "NOT DRAINED");
    if (const LockstepCounts* c = lockstep_counts(*core))
      std::printf("ne_cosim: lockstep compared %" PRIu64 " cycles, %" PRIu64 " operations\n", c->cycles,
                  c->operations);
    return r.drained ? 0 : 1;
  } catch (const LockstepMismatch& e) {
    std::printf("ne_cosim: %s, seed %" PRIu64 ": %s", label.c_str(), opt.seed, e.what());
    return 1;
  }
}
