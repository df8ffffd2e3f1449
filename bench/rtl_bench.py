#!/usr/bin/python3
"""RTL benchmarks of the notify engine (rtl/ne/); bench/run.py calls measure().

Usage alone: /usr/bin/python3 bench/rtl_bench.py [--build DIR] [--quick]
             [--iverilog P --vvp P --rtl-files 'a.sv|b.sv|...']

Needs DIR/tests/rtl/ne_tb (Verilator testbench), DIR/ne_cosim and Icarus
(iverilog, vvp). Without --iverilog/--vvp/--rtl-files they are read from the
ctest rtl.ne_icarus_replay of DIR (tests/rtl/CMakeLists.txt), so the RTL is
compiled exactly as that test does. Files go to DIR/bench/rtl/.

Figures (median of 3 runs where timed):
  verilator_over_icarus   Icarus wall time per cycle / Verilator wall time per cycle,
                          both replaying (and checking every output of) a stimulus
                          file recorded by `ne_tb --gen-stim` (tests/rtl/ne_stim.md):
                          Icarus `vvp -n ne_tb.vvp +stim=A` (ne_tb.sv, compiled once
                          before timing) on A = ICARUS_CYCLES cycles, seed SEED, which
                          takes a few seconds; Verilator `ne_tb --replay` takes only
                          tens of milliseconds on A, near process start-up cost, so
                          its time per cycle comes from B = VERILATOR_CYCLES cycles
                          (same generator, seed and density, 10x longer; Icarus cannot
                          load B, ne_tb.sv holds at most 65536 lines per stream).
                          Times are whole-process wall times (start-up and reading the
                          file included, for both). The ratio on A alone is printed
                          as a note. Every replay must exit 0 and say PASS.
  rtl_sim_mcycles_per_s   Verilated RTL (ne::make_rtl) under `ne_cosim --core rtl
                          --ops COSIM_OPS --seed SEED`: simulated cycles per wall
                          second as ne_cosim prints it (constrained-random driver,
                          no file, no output checking); `ne_tb --replay B`'s own
                          rate is printed as a note. Both run the same Verilated
                          model, ne::make_rtl's: hw/src/ne_rtl/ne_top_sim.sv on top
                          (inputs taken at the rising edge), one evaluation per
                          cycle (Icarus, event-driven, evaluates ne_tb.sv's ne_top
                          before and at each edge).
  lockstep_ops_clean      operations that `ne_cosim --core lockstep --ops 1000000
                          --seed SEED` ran with the RTL and the behavioural twin
                          (ne::make_twin) agreeing on every output of every cycle;
                          a mismatch fails the benchmark (the figure is then 0).
  twin_sim_mcycles_per_s  the twin under `ne_cosim --core twin`, as for the RTL.

--quick (ctest rtl.bench_quick): small sizes, one run each, writes no
results.json; also checks that failures are caught: a spoiled stimulus file must
fail both replays, and canned failing outputs must be refused by the parsers.

Exit status alone: 0 measured, 1 failure.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

SEED = 7
ICARUS_CYCLES = 100_000
VERILATOR_CYCLES = 1_000_000
COSIM_OPS = 1_000_000
LOCKSTEP_OPS = 1_000_000
RUNS = 3
TIMEOUT_S = 600
QUICK = {"icarus_cycles": 3000, "verilator_cycles": 30000, "cosim_ops": 5000,
         "lockstep_ops": 5000, "runs": 1}
FULL = {"icarus_cycles": ICARUS_CYCLES, "verilator_cycles": VERILATOR_CYCLES,
        "cosim_ops": COSIM_OPS, "lockstep_ops": LOCKSTEP_OPS, "runs": RUNS}


class RtlBenchError(Exception):
    """A failure of the RTL benchmarks (measure() raises the caller's class instead)."""


# --- parsing (each returns its values or raises ValueError with the reason) ----------

def parse_verilator_replay(rc, out):
    """ne_tb --replay: 'ne_tb: replay F: N cycles in S s (R cycles/s): PASS'; returns (N, R)."""
    m = re.search(r"^ne_tb: replay .*: (\d+) cycles in [0-9.]+ s \(([0-9.]+) cycles/s\): (.*)$", out, re.M)
    if not m:
        raise ValueError("no 'ne_tb: replay ...' line")
    if m.group(3).strip() != "PASS":
        raise ValueError(f"replay did not pass: {m.group(3).strip()}")
    if rc != 0:
        raise ValueError(f"exit status {rc}")
    return int(m.group(1)), float(m.group(2))


def parse_icarus_replay(rc, out):
    """vvp ne_tb.vvp +stim=F: 'ne_tb: replayed N cycles, K outputs identical', 'ne_tb: PASS'."""
    if re.search(r"^ne_tb: FAIL", out, re.M):
        raise ValueError("ne_tb: FAIL")
    m = re.search(r"^ne_tb: replayed (\d+) cycles, (\d+) outputs identical$", out, re.M)
    if not m or not re.search(r"^ne_tb: PASS$", out, re.M):
        raise ValueError("no 'ne_tb: replayed ...' and 'ne_tb: PASS' lines")
    if rc != 0:
        raise ValueError(f"exit status {rc}")
    return int(m.group(1))


def parse_cosim(rc, out, lockstep=False):
    """ne_cosim: returns {"operations", "cycles", "wall_s", "mcycles_per_s"}."""
    if "mismatch" in out.lower() and rc == 0:
        raise ValueError("a mismatch report with exit status 0")
    m = re.search(r"^ne_cosim: (.*?), tables \d+/\d+, seed \d+: (\d+) operations, (\d+) cycles, .*"
                  r"wall ([0-9.]+) s, ([0-9.]+) M cycles per wall second, (.*)$", out, re.M)
    if not m:
        raise ValueError("no result line" + (f" (exit status {rc})" if rc else ""))
    if m.group(6).strip() != "clean" or rc != 0:
        raise ValueError(f"ended '{m.group(6).strip()}', exit status {rc}")
    r = {"core": m.group(1), "operations": int(m.group(2)), "cycles": int(m.group(3)),
         "wall_s": float(m.group(4)), "mcycles_per_s": float(m.group(5))}
    if lockstep:
        c = re.search(r"^ne_cosim: lockstep compared (\d+) cycles, (\d+) operations$", out, re.M)
        if not c:
            raise ValueError("no 'lockstep compared' line")
        if (int(c.group(1)), int(c.group(2))) != (r["cycles"], r["operations"]):
            raise ValueError(f"lockstep compared {c.group(1)} cycles and {c.group(2)} operations "
                             f"of {r['cycles']} and {r['operations']}")
        r["compared_operations"] = int(c.group(2))
    return r


def stim_end_cycle(path):
    with open(path) as f:
        for line in f:
            if line.startswith("E "):
                return int(line.split()[1])
    raise ValueError(f"{path}: no 'E' line")


# --- the benchmark -------------------------------------------------------------------

class RtlBench:
    def __init__(self, build, error, figure, note, sizes, icarus=None):
        self.build = build
        self.error = error
        self.figure = figure
        self.note = note
        self.s = sizes
        self.work = os.path.join(build, "bench", "rtl")
        self.ne_tb = os.path.join(build, "tests", "rtl", "ne_tb")
        self.ne_cosim = os.path.join(build, "ne_cosim")
        self.icarus = icarus  # (iverilog, vvp, [files]) or None: from ctest
        self.raw = {}

    def run(self, cmd, timeout=TIMEOUT_S):
        """Runs cmd; returns (exit status, stdout + stderr, wall seconds)."""
        t0 = time.perf_counter()
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise self.error(f"{' '.join(cmd)}: still running after {timeout} s, stopped")
        except OSError as e:
            raise self.error(f"{' '.join(cmd)}: cannot start: {e}")
        return p.returncode, p.stdout + p.stderr, time.perf_counter() - t0

    def checked(self, parse, cmd, *args):
        rc, out, wall = self.run(cmd)
        try:
            return parse(rc, out, *args), wall
        except ValueError as e:
            tail = "\n".join(out.strip().splitlines()[-6:])
            raise self.error(f"{' '.join(cmd)}: {e}\n{tail}")

    def check_tools(self):
        for exe in (self.ne_tb, self.ne_cosim):
            if not (os.path.isfile(exe) and os.access(exe, os.X_OK)):
                raise self.error(f"no {exe}: build the targets ne_tb and ne_cosim (make bench does)")
        if self.icarus is None:
            self.icarus = self.icarus_from_ctest()
        os.makedirs(self.work, exist_ok=True)

    def icarus_from_ctest(self):
        rc, out, _ = self.run(["ctest", "--test-dir", self.build, "-R", "^rtl\\.ne_icarus_replay$",
                               "--show-only=json-v1"], timeout=60)
        try:
            tests = json.loads(out)["tests"] if rc == 0 else []
        except ValueError:
            tests = []
        for t in tests:
            if t.get("name") == "rtl.ne_icarus_replay":
                d = dict(a[2:].split("=", 1) for a in t["command"] if a.startswith("-D") and "=" in a)
                if {"IVERILOG", "VVP", "FILES"} <= d.keys():
                    return d["IVERILOG"], d["VVP"], d["FILES"].split("|")
        raise self.error(f"no ctest rtl.ne_icarus_replay in {self.build} to take the Icarus command "
                         "from (is Icarus installed? scripts/setup installs it)")

    # Stimulus files and the Icarus testbench.
    def gen_stim(self, name, cycles):
        path = os.path.join(self.work, name)
        rc, out, wall = self.run([self.ne_tb, "--gen-stim", path, "--seed", str(SEED), "--cycles", str(cycles)])
        if rc != 0 or "model agrees" not in out:
            raise self.error(f"ne_tb --gen-stim {path}: exit status {rc}\n{out.strip()}")
        return path, stim_end_cycle(path), wall

    def compile_icarus(self):
        iverilog, _, files = self.icarus
        vvp_file = os.path.join(self.work, "ne_tb_replay.vvp")
        rc, out, wall = self.run([iverilog, "-g2012", "-s", "ne_tb", "-o", vvp_file, *files])
        if rc != 0:
            raise self.error(f"iverilog failed (status {rc}):\n{out.strip()}")
        return vvp_file, wall

    def verilator_replay(self, stim):
        (cycles, rate), wall = self.checked(parse_verilator_replay, [self.ne_tb, "--replay", stim])
        return {"cycles": cycles, "wall_s": wall, "own_cycles_per_s": rate}

    def icarus_replay(self, vvp_file, stim):
        cycles, wall = self.checked(parse_icarus_replay, [self.icarus[1], "-n", vvp_file, f"+stim={stim}"])
        return {"cycles": cycles, "wall_s": wall}

    def verilator_over_icarus(self):
        runs = self.s["runs"]
        stim_a, end_a, _ = self.gen_stim("icarus.stim", self.s["icarus_cycles"])
        stim_b, end_b, gen_b = self.gen_stim("verilator.stim", self.s["verilator_cycles"])
        vvp_file, compile_s = self.compile_icarus()
        ica = [self.icarus_replay(vvp_file, stim_a) for _ in range(runs)]
        ver_a = [self.verilator_replay(stim_a) for _ in range(runs)]
        ver_b = [self.verilator_replay(stim_b) for _ in range(runs)]
        for what, rs, end in (("Icarus on A", ica, end_a), ("Verilator on A", ver_a, end_a),
                              ("Verilator on B", ver_b, end_b)):
            if any(r["cycles"] != end for r in rs):
                raise self.error(f"{what}: replayed {[r['cycles'] for r in rs]} cycles, "
                                 f"the file ends at cycle {end}")
        t_ica = statistics.median(r["wall_s"] for r in ica)
        t_ver_a = statistics.median(r["wall_s"] for r in ver_a)
        t_ver_b = statistics.median(r["wall_s"] for r in ver_b)
        per_cycle_ica = t_ica / end_a
        per_cycle_ver = t_ver_b / end_b
        ratio = per_cycle_ica / per_cycle_ver
        self.raw["verilator_over_icarus"] = {
            "seed": SEED, "stim_a": stim_a, "cycles_a": end_a, "stim_b": stim_b, "cycles_b": end_b,
            "icarus_compile_s": compile_s, "icarus_a": ica, "verilator_a": ver_a, "verilator_b": ver_b,
            "gen_b_wall_s": gen_b}
        self.figure("verilator_over_icarus", sig(ratio), "x")
        self.note(f"rtl: Icarus replays A ({end_a} cycles, seed {SEED}) in {t_ica:.3f} s "
                  f"({per_cycle_ica * 1e6:.2f} us/cycle, vvp compiled once in {compile_s:.2f} s, not timed); "
                  f"Verilator replays B ({end_b} cycles) in {t_ver_b:.3f} s ({per_cycle_ver * 1e6:.3f} us/cycle), "
                  f"A in {t_ver_a:.3f} s (same-stimulus ratio {t_ica / t_ver_a:.1f}, start-up included); "
                  f"medians of {runs}, all replays PASS")
        return ver_b

    def cosim(self, core, ops, lockstep=False):
        cmd = [self.ne_cosim, "--core", core, "--ops", str(ops), "--seed", str(SEED)]
        rc, out, wall = self.run(cmd)
        try:
            r = parse_cosim(rc, out, lockstep)
        except ValueError as e:
            tail = "\n".join(out.strip().splitlines()[-8:])
            raise self.error(f"{' '.join(cmd)}: {e}\n{tail}")
        r["process_wall_s"] = wall
        return r

    def rtl_speed(self, ver_b):
        runs = self.s["runs"]
        rs = [self.cosim("rtl", self.s["cosim_ops"]) for _ in range(runs)]
        self.raw["rtl_sim_mcycles_per_s"] = rs
        self.figure("rtl_sim_mcycles_per_s", sig(statistics.median(r["mcycles_per_s"] for r in rs)), "Mcycles/s")
        own = statistics.median(r["own_cycles_per_s"] for r in ver_b) / 1e6
        self.note(f"rtl: ne_cosim --core rtl, {rs[0]['operations']} operations = {rs[0]['cycles']} cycles, "
                  f"{statistics.median(r['wall_s'] for r in rs):.3f} s (median of {runs}); ne_tb --replay B "
                  f"(reads the file, checks every output) {sig(own)} Mcycles/s")

    def twin(self):
        runs = self.s["runs"]
        rs = [self.cosim("twin", self.s["cosim_ops"]) for _ in range(runs)]
        self.raw["twin_sim_mcycles_per_s"] = rs
        self.figure("twin_sim_mcycles_per_s", sig(statistics.median(r["mcycles_per_s"] for r in rs)), "Mcycles/s")
        ops = self.s["lockstep_ops"]
        try:
            r = self.cosim("lockstep", ops, lockstep=True)
        except self.error:
            self.figure("lockstep_ops_clean", 0, "operations")
            raise
        self.raw["lockstep_ops_clean"] = r
        if r["core"] != "lockstep(rtl, twin)" or r["compared_operations"] < ops:
            self.figure("lockstep_ops_clean", 0, "operations")
            raise self.error(f"ne_cosim --core lockstep ran '{r['core']}' for {r['compared_operations']} "
                             f"operations, expected lockstep(rtl, twin) for {ops}")
        self.figure("lockstep_ops_clean", r["compared_operations"], "operations")
        self.note(f"rtl: lockstep(rtl, twin) seed {SEED}: {r['compared_operations']} operations, "
                  f"{r['cycles']} cycles compared clean in {r['process_wall_s']:.1f} s")

    def all(self):
        self.check_tools()
        ver_b = self.verilator_over_icarus()
        self.rtl_speed(ver_b)
        self.twin()

    # --- quick mode: the checks of the checks -------------------------------------------
    def failures_caught(self):
        """A spoiled stimulus must fail both replays; canned failures must be refused."""
        stim = self.raw["verilator_over_icarus"]["stim_a"]
        bad = os.path.join(self.work, "spoiled.stim")
        with open(stim) as f:
            lines = f.readlines()
        i = next(i for i, l in enumerate(lines) if l.startswith("r "))
        parts = lines[i].split()
        parts[2] = f"{int(parts[2], 16) ^ 1:08x}"
        lines[i] = " ".join(parts) + "\n"
        with open(bad, "w") as f:
            f.writelines(lines)
        vvp_file = os.path.join(self.work, "ne_tb_replay.vvp")
        for what, call in (("Verilator", lambda: self.verilator_replay(bad)),
                           ("Icarus", lambda: self.icarus_replay(vvp_file, bad))):
            try:
                call()
            except self.error as e:
                self.note(f"quick: {what} replay of a spoiled file refused: {str(e).splitlines()[0][-90:]}")
            else:
                raise self.error(f"{what} replay of {bad} (one response changed) was taken as a pass")
        canned = [
            (parse_verilator_replay, (1, "ne_tb: replay f: 10 cycles in 0.001 s (10000 cycles/s): "
                                         "replay: output 'r 6 00000000', expected 'r 6 00000001'\n")),
            (parse_verilator_replay, (1, "ne_tb: replay f: 10 cycles in 0.001 s (10000 cycles/s): PASS\n")),
            (parse_verilator_replay, (0, "Segmentation fault\n")),
            (parse_icarus_replay, (0, "ne_tb: replayed 10 cycles, 3 outputs identical\n")),
            (parse_icarus_replay, (1, "ne_tb: got r ...\nne_tb: FAIL output differs\n")),
            (parse_cosim, (1, "ne_cosim: lockstep(rtl, twin), seed 7: mismatch at cycle 12: rsp_rdata "
                              "rtl 00000001 twin 00000000\n", True)),
            (parse_cosim, (1, "ne_cosim: rtl, tables 16/16, seed 7: 5 operations, 9 cycles, 0 resets, 0 tx, "
                              "0 dma, wall 0.001 s, 0.009 M cycles per wall second, NOT DRAINED\n")),
            (parse_cosim, (0, "ne_cosim: lockstep(rtl, twin), tables 16/16, seed 7: 5 operations, 9 cycles, "
                              "0 resets, 0 tx, 0 dma, wall 0.001 s, 0.009 M cycles per wall second, clean\n", True)),
        ]
        for parse, args in canned:
            try:
                parse(*args)
            except ValueError:
                continue
            raise self.error(f"{parse.__name__} accepted a failing output: {args[1]!r}")
        good = parse_cosim(0, "ne_cosim: lockstep(rtl, twin), tables 16/16, seed 7: 5 operations, 9 cycles, "
                              "0 resets, 0 tx, 0 dma, wall 0.001 s, 0.009 M cycles per wall second, clean\n"
                              "ne_cosim: lockstep compared 9 cycles, 5 operations\n", True)
        if good["compared_operations"] != 5:
            raise self.error(f"parse_cosim misread a clean lockstep run: {good}")
        self.note(f"quick: {len(canned)} canned failures refused by the parsers")


def sig(v, digits=4):
    import math
    if v == 0 or not math.isfinite(v):
        return v
    return round(v, digits - 1 - int(math.floor(math.log10(abs(v)))))


def measure(bench, error=RtlBenchError):
    """Called by bench/run.py: adds the figures to `bench` (its figure(), note(), raw)."""
    r = RtlBench(bench.build, error, bench.figure, bench.note, FULL)
    try:
        r.all()
    finally:
        bench.raw["rtl"] = r.raw


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build", help="build folder (default: build)")
    ap.add_argument("--quick", action="store_true", help="small smoke run, no results.json")
    ap.add_argument("--iverilog")
    ap.add_argument("--vvp")
    ap.add_argument("--rtl-files", help="'|'-separated RTL files and tests/rtl/ne_tb.sv, in read order")
    args = ap.parse_args()
    icarus = None
    if args.iverilog or args.vvp or args.rtl_files:
        if not (args.iverilog and args.vvp and args.rtl_files):
            ap.error("--iverilog, --vvp and --rtl-files go together")
        icarus = (args.iverilog, args.vvp, args.rtl_files.split("|"))
    build = os.path.abspath(args.build)
    figures = {}

    def figure(name, value, unit):
        figures[name] = {"value": value, "unit": unit}
        print(f"{name}: {value} {unit}", flush=True)

    def note(text):
        print(f"  ({text})", flush=True)

    r = RtlBench(build, RtlBenchError, figure, note, QUICK if args.quick else FULL, icarus)
    if args.quick:
        r.work = os.path.join(build, "bench", "rtl-quick")
        shutil.rmtree(r.work, ignore_errors=True)
    try:
        r.all()
        if args.quick:
            r.failures_caught()
    except RtlBenchError as e:
        print(f"rtl_bench: error: {e}", file=sys.stderr)
        sys.exit(1)
    if args.quick:
        print("rtl_bench: quick run passed")
        return
    results_path = os.path.join(build, "bench", "results.json")
    results = {}
    if os.path.exists(results_path):
        with open(results_path) as f:
            results = json.load(f)
    results.update(figures)
    tmp = results_path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")
    os.replace(tmp, results_path)
    print(f"results in {results_path}")


if __name__ == "__main__":
    main()
