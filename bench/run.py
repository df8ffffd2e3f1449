#!/usr/bin/python3
"""Benchmarks of the shadowsel simulator; `make bench` runs this file.

Usage: /usr/bin/python3 bench/run.py [--build DIR] [--runs N]

Runs the scenarios of tb/scenarios/ with DIR/shadowsel, one output folder per
run (DIR/bench/<name>-<i>), and prints every figure as one line

    name: value unit

It merges the figures into DIR/bench/results.json as
{"name": {"value": v, "unit": "u"}} (figures of other benchmarks already in the
file are kept) and writes every run's raw values to DIR/bench/runs.json.

Figures:
  sim_mcycles_per_s_busy8  median over N runs of run.json's sim_mcycles_per_wall_s
                           for tb/scenarios/busy8.toml (8 CPUs saturating the bus)
  busy8_bus_utilisation    mean of stats.bus.X/Y.utilisation that busy8 reached
  trace_off_overhead_pct   what the timeline's flows and counters (issue 12) cost with
                           --trace off: busy8's Mcycles per CPU second (the child's user
                           + system time; wall time on a shared machine is too noisy)
                           of a baseline simulator built
                           from TRACE_BASE_COMMIT (main before issue 12 landed; also before
                           issue 11, so an upper bound) over this
                           one's, minus 1, in percent (goal: at most 2). N runs of each,
                           alternating baseline and current, medians compared. The
                           baseline is built once (git archive of that commit into
                           DIR/bench/baseline, built in its build/, Release, target
                           shadowsel) and kept;
                           --baseline-bin PATH uses a binary built some other way.
  trace_off_overhead_instr_pct
                           the same comparison in instructions executed (valgrind's
                           callgrind, busy8's first 3 Mcycles, one run each: it is
                           deterministic), when valgrind is installed
  idle_1e9_wall_s          median over N runs of wall_s for tb/scenarios/idle_gap.toml
                           (2 messages 10^9 idle cycles apart)
  idle_1e9_activations     process activations of that run (run.json)
  idle_1e3_activations     the same scenario with gap_cycles = 1000, for reference:
                           idle time should cost neither wall time nor activations
  bus_packet_cycles_64B    cycles one packet with a 64-byte payload holds a lane,
                           measured in a simulation that moves exactly one packet
                           (bus counters, cross-checked against the trace) and
                           compared with the formula of hw/src/frame.cpp
  sw_bus_requests_per_event_w1, _w64
                           subscribe requests the agents sent per readiness event in
                           tb/scenarios/dedup.toml with 1 and 64 waiters (goal 1)
  sw_wake_latency_cycles_p50, _p99
                           W=1: cycles from the write on the FIFO's CPU to the return
                           of the select it wakes on the waiter's CPU
  sw_cpu_cycles_per_notification, hw_cpu_cycles_per_notification, sw_over_hw_cpu_cycles,
  irqs_per_event_waiter_cpu, irqs_per_event_owner_cpu (rtl), sw_irqs_per_event_*
                           every CPU cycle (processes, agents, kernel, interrupt entries
                           and handlers, on every CPU) and every interrupt but the
                           timer's that one remote notification adds, on sw and rtl
                           alike: dedup W=1 remote and local, R and 2R rounds,
                           differenced (Bench.notify_cost); the notes decompose the
                           median remote wake-up of each path step by step
  sw_/hw_wake_latency_cycles_p50_loaded, _p99_loaded, sw_over_hw_latency_p99_loaded
                           dedup W=1 with a CPU-bound user process on the waiter's and
                           on the owner's CPU each (workload.hogs = 1), on sw and rtl;
                           the agents run as system processes and preempt it
                           (Bench.latency_loaded; the notes add two per CPU)
  hw_floor_cycles, hw_latency_over_floor
                           the physical parts of a remote wake-up (NE_NOTIFY transfer,
                           record DMA, interrupt entry, one context switch), each
                           printed from the run's config.json; hw_wake_latency_cycles_p50
                           over it
  local_select_wake_cycles_p50
                           the same with the waiter on the FIFO's CPU (no agents)
  epoll_bus_msgs_per_event, select_bus_msgs_per_event (and _rtl)
                           messages of the readiness protocol per event (all agents'
                           subscribes, answers, notifications, watches and their drops,
                           and the notify engines' packets) in a loop that waits for a
                           pipe held by another CPU, reads and acknowledges each byte:
                           with epoll (one persistent registration) and with select (one
                           call per event), on sw and rtl; two runs differenced
                           (Bench.notify_loop, bench/notify_loop.c). Goal: epoll 1
  forwarding_bus_msgs_per_packet, contention_bus_msgs_per_read,
  socket_bus_requests_per_event_w64, rr_spread_max_over_min,
  forwarding_read_latency_cycles_p50, contention_read_latency_cycles_p50,
  tcp_stream_mbytes_per_s_sim, bus_lane_mbytes_per_s_sim
                           sockets, measured by DIR/socket_bench (bench/socket_bench.cpp:
                           simulated POSIX programs, one case per process, each
                           figure from that run's own counters; its header comment has
                           every definition), on --notify sw and again on rtl with the
                           suffix _rtl. Simulations are deterministic: one run each.
                           The real sockets live on CPU 0 (the network I/O process).
    takeover_cycles_io_primary
                           cycles from the halt of the network I/O primary's CPU to the
                           return of an accept() blocked on a surviving listener, for a
                           connect made right after the halt ([network] io_backup_cpu,
                           the default [liveness]); _rtl: the same on rtl
    forwarding_bus_msgs_per_packet
                           writer on CPU 1, reader on CPU 2 (forwarding mode), P = 256
                           sends of 1024 bytes: (pushes CPU 2's socket agent received +
                           window updates the I/O process received) / P, from the
                           reader's go (after the accept and its first-state push) to
                           the arrival of the window update after the last byte read.
                           Not counted: the writer's send requests and their replies
                           and the one push to the writer's CPU (both between the I/O
                           process and the writer's CPU). Checked: CPU 2 made no socket
                           operation and no subscribe while reading, and its only bus
                           packets were the window updates (cpu.2.msg.tx_fragments)
    contention_bus_msgs_per_read
                           a connection accepted on CPU 1 and inherited by a child on
                           CPU 2 (contention mode), R = 64 reads of 1024 bytes by both,
                           all data at the real socket first: (kRecv requests of the
                           reader CPUs' agents + replies of the I/O process + readiness
                           messages of the reader CPUs) / R. Checked: every packet read
                           once, in order per reader; cpu.0.msg.sent = replies
    socket_bus_requests_per_event_w64
                           64 processes on CPU 2 select() for reading on one listening
                           socket, E = 10 connections: subscribes sent from CPU 2 (agent
                           on sw, the notify engine's driver on rtl) / E
    rr_spread_max_over_min K = 4 SO_REUSEPORT listeners on CPUs 1-4 of an 8-CPU machine,
                           N = 40 connections: max / min connections per listener
    forwarding_read_latency_cycles_p50, contention_read_latency_cycles_p50
                           median of 21 pings of 64 bytes from a remote host on the I/O
                           node's link: cycles from the ping's arrival at the I/O node's
                           network port to the return of a recv() asleep on the reader's
                           CPU (the host's connection read on one CPU, or on two)
    tcp_stream_mbytes_per_s_sim
                           1 MiB in 64 KiB send()s, CPU 1 -> CPU 2 (forwarding mode):
                           bytes / simulated seconds from the first send() to the
                           recv() that read the last byte, at the run's sim.freq_mhz
    bus_lane_mbytes_per_s_sim
                           one lane's raw bandwidth, width_bytes * freq_mhz of the same
                           run's bus parameters (sw only)

  messages_lost_under_faults
                           DIR/fault_bench (bench/fault_bench.cpp): 10^5 messages between
                           random pairs of 4 CPUs while lanes X and Y flap (both down at
                           times), 1 % of transfers corrupted, 0.5 % dropped, 0.5 % with
                           their acknowledgement lost; acknowledged - delivered intact and
                           in order + duplicates + damaged, counted at the receivers
                           (goal 0; docs/faults.md, "Nothing acknowledged is lost")
  fault_detect_cycles_cpu_halt
                           DIR/detect_bench (bench/detect_bench.cpp): cycles from CPU 3's
                           halt to the last of 4 survivor processes blocked on it (3
                           readers of a pipe it owned, 1 reader of a pipe whose writer
                           it held) returning end of file, at the default [liveness];
                           the notes split it into the silence liveness waits for, the
                           survivors' declarations and the wake-ups; _rtl: on rtl
  liveness_overhead_pct    share of the bus's capacity (both lanes' cycles) spent moving
                           liveness packets (I'm-alive ALIVE, and REGROUP) in
                           tb/scenarios/ring4.toml at its [liveness] period (the
                           default): 100 x (bus.X + bus.Y busy_cycles_by_type ALIVE +
                           REGROUP) / (2 x sim.cycles), from the run's own counters, on
                           --notify sw (the kernel's monitor); _rtl: the engine's ALIVE.
                           Checked: ALIVE transfers match the period the run used.

Exit status: 0 all figures measured; 1 the binary is missing, a run failed, or a
measurement disagrees with the model's formula.
"""
import argparse
import datetime
import json
import math
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys

import rtl_bench  # bench/rtl_bench.py: the notify engine's RTL figures

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCENARIOS = os.path.join(REPO, "tb", "scenarios")
GOALS = os.path.join(REPO, "..", "shared", "checks", "goals.py")
PY = "/usr/bin/python3"
RUN_TIMEOUT_S = 300
# trace_off_overhead_pct's baseline: main before the outputs work (issue 12) landed. It
# also predates issue 11's faults, which landed in the same commit, so the figure is an
# upper bound of what the timeline's flows and counters cost with --trace off.
TRACE_BASE_COMMIT = "96078eeba7cc8c4dd563a43626781055a89e6ddd"
# That baseline has no I'm-alive on --notify sw (issue 11 turned it on by default):
# the current binary runs without it, so that both simulate the same work (checked).
TRACE_CURRENT_ARGS = ("--set", "liveness.enabled=false")
BASELINE_BUILD_TIMEOUT_S = 3600

# Every parameter a figure depends on (bus, cost table, frame layout, defaults) is
# read from the config.json of a run (docs/outputs.md), never typed in here.
CONFIG_SCHEMA = 1  # config.json's shadowsel.schema_version this script reads
STATS_SCHEMA = 1   # stats.json's schema_version this script reads
# bench/socket_bench.cpp: its cases, and the notify paths they run on.
SOCKET_CASES = ("forwarding", "contention", "select64", "reuseport", "stream", "takeover")
SOCKET_PATHS = ("sw", "rtl")


class BenchError(Exception):
    """A failure that ends the benchmark with exit status 1."""


def run_command(cmd, env=None):
    """Runs cmd, capturing its output; a timeout or a failure to start is a BenchError."""
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, env=env)
    except subprocess.TimeoutExpired:
        raise BenchError(f"{' '.join(cmd)}: still running after {RUN_TIMEOUT_S} s, stopped")
    except OSError as e:
        raise BenchError(f"{' '.join(cmd)}: cannot start: {e}")


def die(msg):
    print(f"bench: error: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def sig(v, digits=4):
    """Rounds a float to `digits` significant digits (for printing and results.json)."""
    if v == 0 or not math.isfinite(v):
        return v
    return round(v, digits - 1 - int(math.floor(math.log10(abs(v)))))


class Bench:
    def __init__(self, build, runs):
        self.build = build
        self.binary = os.path.join(build, "shadowsel")
        self.outdir = os.path.join(build, "bench")
        self.runs = runs
        self.figures = {}  # name -> {"value", "unit"}, in print order
        self.raw = {}      # name -> per-run raw values, for runs.json
        self._defaults = None

    # --- running the simulator -------------------------------------------------

    def run(self, name, i, scenario, extra=(), expect_end="finished", trace_dir=False, check_schema=True):
        """Runs one simulation into DIR/bench/<name>-<i>; returns (run.json, stats.json).
        trace_dir: the folder exists already, emptied, for a --trace file written into it.
        check_schema=False: a baseline binary older than stats.json's schema_version."""
        out = os.path.join(self.outdir, f"{name}-{i}")
        shutil.rmtree(out, ignore_errors=True)  # never read a previous invocation's files
        if trace_dir:
            os.makedirs(out)
        cmd = [self.binary, *(["--scenario", scenario] if scenario else []), "--out", out, *extra]
        p = run_command(cmd)
        if p.returncode != 0:
            tail = "\n".join((p.stdout + p.stderr).strip().splitlines()[-8:])
            raise BenchError(f"{' '.join(cmd)}: exit status {p.returncode}\n{tail}")
        try:
            with open(os.path.join(out, "run.json")) as f:
                run = json.load(f)
            with open(os.path.join(out, "stats.json")) as f:
                stats = json.load(f)
        except (OSError, ValueError) as e:
            raise BenchError(f"{' '.join(cmd)}: no readable run.json/stats.json in {out}: {e}")
        if check_schema and stats.get("schema_version") != STATS_SCHEMA:
            raise BenchError(f"{out}/stats.json: schema_version {stats.get('schema_version')}, "
                             f"this script reads {STATS_SCHEMA}")
        if stats.get("end") != expect_end:
            raise BenchError(f"{' '.join(cmd)}: run ended '{stats.get('end')}', expected "
                             f"'{expect_end}'\n{p.stdout.strip()}")
        return run, stats

    def config(self, name, i):
        """config.json of run DIR/bench/<name>-<i>: the parameters it ran with."""
        path = os.path.join(self.outdir, f"{name}-{i}", "config.json")
        try:
            with open(path) as f:
                config = json.load(f)
        except (OSError, ValueError) as e:
            raise BenchError(f"{path}: no readable config.json: {e}")
        version = config.get("shadowsel", {}).get("schema_version")
        if version != CONFIG_SCHEMA:
            raise BenchError(f"{path}: schema_version {version}, this script reads {CONFIG_SCHEMA}")
        return config

    def defaults(self):
        """config.json of the built-in default scenario (the defaults and the constants),
        from a run of one cycle."""
        if self._defaults is None:
            self.run("defaults", 0, None, ["--max-cycles", "1"], expect_end="cycle_limit")
            self._defaults = self.config("defaults", 0)
        return self._defaults

    def defaults_of(self, scenario):
        """config.json of `scenario` as it resolves, from a run of one cycle."""
        name = "resolved-" + os.path.splitext(os.path.basename(scenario))[0]
        if not os.path.isfile(os.path.join(self.outdir, f"{name}-0", "config.json")):
            self.run(name, 0, scenario, ["--max-cycles", "1"], expect_end="cycle_limit")
        return self.config(name, 0)

    def figure(self, name, value, unit):
        self.figures[name] = {"value": value, "unit": unit}
        print(f"{name}: {value} {unit}", flush=True)

    @staticmethod
    def note(text):
        print(f"  ({text})", flush=True)

    # --- benchmarks ----------------------------------------------------------------

    def busy8(self):
        scenario = os.path.join(SCENARIOS, "busy8.toml")
        per_run = []
        for i in range(self.runs):
            run, stats = self.run("busy8", i, scenario)
            bus = stats["stats"]["bus"]
            transfers = sum(bus[l]["transfers"] for l in "XY")
            refused = sum(bus[l]["refused"] for l in "XY")
            per_run.append({
                "out": os.path.join(self.outdir, f"busy8-{i}"),
                **run,
                "utilisation_X": bus["X"]["utilisation"],
                "utilisation_Y": bus["Y"]["utilisation"],
                "transfers": transfers,
                "refused": refused,
                "messages_delivered": stats["stats"]["msg"]["delivered"],
            })
        self.raw["busy8"] = per_run
        rate = statistics.median(r["sim_mcycles_per_wall_s"] for r in per_run)
        self.figure("sim_mcycles_per_s_busy8", sig(rate), "Mcycles/s")
        util = statistics.median((r["utilisation_X"] + r["utilisation_Y"]) / 2 for r in per_run)
        self.figure("busy8_bus_utilisation", sig(util), "fraction")
        r0 = per_run[0]
        rates = sorted(sig(r["sim_mcycles_per_wall_s"], 3) for r in per_run)
        self.note(f"busy8: {self.runs} runs of {r0['sim_cycles']} simulated cycles, "
                  f"{statistics.median(r['wall_s'] for r in per_run):.2f} s wall each (median), "
                  f"Mcycles/s per run {rates}; lanes X {r0['utilisation_X']:.4f} "
                  f"Y {r0['utilisation_Y']:.4f}, "
                  f"{100.0 * r0['refused'] / max(1, r0['transfers']):.2f} % of "
                  f"{r0['transfers']} transfers refused by a full receiver")

    def baseline_binary(self, given):
        """The simulator built from TRACE_BASE_COMMIT: `given`, or built once under DIR/bench/baseline."""
        if given:
            return given
        # The sources at DIR/bench/baseline and their build in its build/ folder: the same
        # relative layout as a checkout, so ccache (base_dir) serves unchanged objects.
        root = os.path.join(self.outdir, "baseline")
        src, build = root, os.path.join(root, "build")
        binary = os.path.join(build, "shadowsel")
        stamp = os.path.join(root, ".baseline-commit")
        if os.path.isfile(binary) and os.path.isfile(stamp) and open(stamp).read().strip() == TRACE_BASE_COMMIT:
            return binary
        shutil.rmtree(root, ignore_errors=True)
        os.makedirs(src)
        self.note(f"building the baseline simulator at {TRACE_BASE_COMMIT[:12]} in {root} (once)")
        steps = [
            f"git -C {REPO} archive {TRACE_BASE_COMMIT} | tar -x -C {src}",
            f"nice -n 5 cmake -S {src} -B {build} -G Ninja -DCMAKE_BUILD_TYPE=Release "
            "-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache",
            f"nice -n 5 cmake --build {build} -j2 --target shadowsel",
        ]
        for step in steps:
            try:
                p = subprocess.run(step, shell=True, capture_output=True, text=True, timeout=BASELINE_BUILD_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                raise BenchError(f"baseline: {step}: still running after {BASELINE_BUILD_TIMEOUT_S} s")
            if p.returncode != 0:
                tail = "\n".join((p.stdout + p.stderr).strip().splitlines()[-8:])
                raise BenchError(f"baseline: {step}: exit status {p.returncode}\n{tail}")
        with open(stamp, "w") as f:
            f.write(TRACE_BASE_COMMIT + "\n")
        return binary

    def trace_off(self, baseline_bin):
        """trace_off_overhead_pct: busy8 with the baseline and the current binary, alternating."""
        base = self.baseline_binary(baseline_bin)
        scenario = os.path.join(SCENARIOS, "busy8.toml")
        current = self.binary
        # Simulated Mcycles per second of the child's CPU time (user + system, from
        # getrusage), not of wall time: on a shared machine the wall time of a run
        # varies by tens of percent with the others' load, its CPU time far less.
        rates = {"baseline": [], "current": []}
        work = {}
        try:
            for i in range(self.runs):
                for who, binary in (("baseline", base), ("current", current)):
                    self.binary = binary
                    before = resource.getrusage(resource.RUSAGE_CHILDREN)
                    run, stats = self.run(f"traceoff-{who}", i, scenario,
                                          extra=TRACE_CURRENT_ARGS if who == "current" else (),
                                          check_schema=who == "current")
                    after = resource.getrusage(resource.RUSAGE_CHILDREN)
                    cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
                    rates[who].append(run["sim_cycles"] / cpu_s / 1e6)
                    bus = stats["stats"]["bus"]
                    work[who] = (run["sim_cycles"], stats["stats"]["msg"]["delivered"],
                                 sum(bus[l]["transfers"] for l in "XY"))
        finally:
            self.binary = current
        # Like for like: both simulate the same machine doing the same work.
        if work["baseline"] != work["current"]:
            raise BenchError(f"trace_off: baseline and current simulate different work (cycles, messages, "
                             f"transfers): {work['baseline']} vs {work['current']}")
        self.raw["trace_off"] = {"baseline_commit": TRACE_BASE_COMMIT, "baseline_binary": base, **rates}
        b, c = statistics.median(rates["baseline"]), statistics.median(rates["current"])
        self.figure("trace_off_overhead_pct", sig(100.0 * (b / c - 1.0), 3), "%")
        self.instructions_off(base, current, scenario)
        self.note(f"busy8 Mcycles per CPU second, {self.runs} alternating runs each: baseline {TRACE_BASE_COMMIT[:12]} "
                  f"median {sig(b, 4)} {sorted(sig(r, 3) for r in rates['baseline'])}, current median "
                  f"{sig(c, 4)} {sorted(sig(r, 3) for r in rates['current'])}")

    def instructions_off(self, base, current, scenario):
        """trace_off_overhead_instr_pct: the same comparison in instructions executed
        (valgrind's callgrind, first 3 Mcycles of busy8): deterministic, so it shows what
        the time figure's noise on a shared machine hides."""
        if not shutil.which("valgrind"):
            self.note("trace_off_overhead_instr_pct: no valgrind, not measured")
            return
        counts = {}
        for who, binary in (("baseline", base), ("current", current)):
            out = os.path.join(self.outdir, f"traceoff-instr-{who}")
            shutil.rmtree(out, ignore_errors=True)
            cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}.callgrind", binary,
                   "--scenario", scenario, "--max-cycles", "3000000", "--out", out,
                   *(TRACE_CURRENT_ARGS if who == "current" else ())]
            p = run_command(cmd)
            m = re.search(r"Collected : (\d+)", p.stderr)
            if p.returncode != 0 or not m:
                raise BenchError(f"{' '.join(cmd)}: exit status {p.returncode}, no instruction count")
            counts[who] = int(m.group(1))
        self.raw["trace_off_instructions"] = counts
        self.figure("trace_off_overhead_instr_pct",
                    sig(100.0 * (counts["current"] / counts["baseline"] - 1.0), 3), "%")
        self.note(f"instructions for busy8's first 3 Mcycles: baseline {counts['baseline']}, "
                  f"current {counts['current']}")

    def idle(self):
        """idle_1e9_*: what idle time costs the simulator. Liveness is off in these runs:
        I'm-alive every period is work the machine does (liveness_overhead_pct), not idle
        time; the note gives the 10^9-cycle run with it on."""
        scenario = os.path.join(SCENARIOS, "idle_gap.toml")
        no_liveness = ("--set", "liveness.enabled=false")
        per_run = []
        for i in range(self.runs):
            run, _ = self.run("idle_1e9", i, scenario, no_liveness)
            per_run.append({"out": os.path.join(self.outdir, f"idle_1e9-{i}"), **run})
            gap = self.config("idle_1e9", i)["workload"]["gap_cycles"]
            if gap != 10**9:
                raise BenchError(f"{scenario}: workload.gap_cycles is {gap}, expected 1000000000")
        if any(r["sim_cycles"] < gap for r in per_run):
            raise BenchError(f"{scenario}: a run simulated fewer than {gap} cycles; "
                             "the idle gap did not take place")
        self.raw["idle_1e9"] = per_run
        self.figure("idle_1e9_wall_s", sig(statistics.median(r["wall_s"] for r in per_run)), "s")
        acts = sorted({r["activations"] for r in per_run})
        if len(acts) > 1:
            self.note(f"warning: activations differ between identical runs: {acts}")
        self.figure("idle_1e9_activations", int(statistics.median(r["activations"] for r in per_run)),
                    "activations")

        # Reference: the same scenario with a 1000-cycle gap, written next to the outputs.
        with open(scenario) as f:
            text = f.read()
        ref_text, n = re.subn(r"(?m)^(\s*gap_cycles\s*=\s*)[0-9_]+", r"\g<1>1000", text)
        if n != 1:
            raise BenchError(f"{scenario}: expected one 'gap_cycles = N' line to change, found {n}")
        ref = os.path.join(self.outdir, "idle_gap_1e3.toml")
        with open(ref, "w") as f:
            f.write("# Written by bench/run.py: tb/scenarios/idle_gap.toml with gap_cycles = 1000.\n")
            f.write(ref_text)
        run, _ = self.run("idle_1e3", 0, ref, no_liveness)
        self.raw["idle_1e3"] = [{"out": os.path.join(self.outdir, "idle_1e3-0"), "scenario": ref, **run}]
        self.figure("idle_1e3_activations", run["activations"], "activations")
        live, _ = self.run("idle_1e9_liveness", 0, scenario)
        self.note(f"idle: 10^9-cycle gap {per_run[0]['sim_cycles']} simulated cycles, "
                  f"1000-cycle gap {run['sim_cycles']} simulated cycles in {run['wall_s']:.6f} s; "
                  f"the 10^9-cycle gap with the default liveness: {live['activations']} activations, "
                  f"{live['wall_s']:.3f} s")

    def liveness(self):
        """liveness_overhead_pct: bus capacity spent on liveness at the default period."""
        scenario = os.path.join(SCENARIOS, "ring4.toml")
        for path, suffix in (("sw", ""), ("rtl", "_rtl")):
            _, stats = self.run(f"liveness_{path}", 0, scenario, ["--notify", path])
            s = stats["stats"]
            config = self.config(f"liveness_{path}", 0)
            period = config["liveness"]["period_cycles"]  # the period the run used
            cpus = config["cpus"]
            default = self.defaults()["liveness"]["period_cycles"]
            if period != default:
                raise BenchError(f"{scenario}: liveness period {period}, not the default {default}")
            bus, cycles = s["bus"], s["sim"]["cycles"]
            types = ("ALIVE", "REGROUP")
            live = sum(bus[l]["busy_cycles_by_type"][t] for l in "XY" for t in types)
            busy = sum(bus[l]["busy_cycles"] for l in "XY")
            alive = sum(bus[l]["by_type"]["ALIVE"] for l in "XY")
            ticks = int(cycles // period)
            # sw: one multicast per CPU per lane per tick; rtl: one per engine per period
            # (lanes chosen by the bus). Either way the count follows from the period.
            expected = cpus * ticks * (2 if path == "sw" else 1)
            if not expected - cpus * 2 <= alive <= expected + cpus * 2:
                raise BenchError(f"liveness ({path}): {alive} ALIVE transfers in {cycles} cycles, "
                                 f"expected about {expected} at period {period}")
            self.figure("liveness_overhead_pct" + suffix, sig(100.0 * live / (2 * cycles)), "%")
            self.note(f"liveness {path}: period {period} cycles, {alive} ALIVE transfers, {live} of {busy} "
                      f"busy lane cycles ({100.0 * live / max(1, busy):.2f} % of the bus's work) "
                      f"in {cycles} cycles")

    def packet(self):
        """bus_packet_cycles_64B: one 64-byte-payload packet on an otherwise idle bus."""
        # Checked configurations; the first (the default bus) gives the figure.
        configs = [(4, 1), (1, 0), (8, 3), (64, 2)]
        payload = 64
        # A message's bytes plus the fragment header that starts every MSG packet's payload.
        frag_header = self.defaults()["constants"]["frame"]["layout_bytes"]["msg_frag"]
        checked = []
        for i, (width, arb) in enumerate(configs):
            scenario = os.path.join(self.outdir, f"packet64_w{width}_a{arb}.toml")
            with open(scenario, "w") as f:
                f.write(
                    f"# Written by bench/run.py: CPU 0 sends one message of {payload - frag_header} bytes, i.e.\n"
                    f"# one MSG packet whose payload is {frag_header}-byte fragment header + "
                    f"{payload - frag_header} = {payload} bytes.\n"
                    "# The second message of idle_gap comes after gap_cycles, beyond\n"
                    "# --max-cycles, so exactly one packet crosses the bus.\n"
                    f'name = "packet64_w{width}_a{arb}"\ncpus = 2\n\n[bus]\n'
                    f"width_bytes = {width}\narb_cycles = {arb}\nmax_payload_bytes = {payload}\n\n"
                    # One packet exactly: no I'm-alive traffic (liveness is on by default).
                    "[liveness]\nenabled = false\n\n"
                    "[workload]\nkind = \"idle_gap\"\n"
                    f"bytes = {payload - frag_header}\ngap_cycles = 1000000000\n")
            name = f"packet64_w{width}_a{arb}"
            trace = os.path.join(self.outdir, f"{name}-0", "trace.json")
            # run() clears the output folder first: write the trace beside it, move it in after.
            trace_tmp = os.path.join(self.outdir, f"{name}.trace.json")
            run, stats = self.run(name, 0, scenario,
                                  extra=["--max-cycles", "1000000", "--trace", trace_tmp],
                                  expect_end="cycle_limit")
            os.replace(trace_tmp, trace)
            config = self.config(name, 0)
            frame = packet_frame_bytes(config, payload)
            measured, how = self.one_transfer_cycles(scenario, stats, config, trace, frame)
            bus = config["bus"]
            if (bus["width_bytes"], bus["arb_cycles"], bus["max_payload_bytes"]) != (width, arb, payload):
                raise BenchError(f"{scenario}: ran with bus {bus}, expected width {width}, arb {arb}")
            formula = bus["arb_cycles"] + -(-frame // bus["width_bytes"])
            checked.append({"scenario": scenario, "width_bytes": bus["width_bytes"],
                            "arb_cycles": bus["arb_cycles"], "frame_bytes": frame,
                            "measured_cycles": measured, "formula_cycles": formula, **how})
            if measured != formula:
                self.raw["bus_packet_cycles_64B"] = checked
                raise BenchError(
                    f"{scenario}: a 64-byte-payload packet took {measured} cycles on the bus, "
                    f"the formula arb_cycles + ceil((header + 64 + check) / width_bytes) = {bus['arb_cycles']} "
                    f"+ ceil({frame} / {bus['width_bytes']}) = {formula}")
            if i == 0:
                self.figure("bus_packet_cycles_64B", measured, "cycles")
        self.raw["bus_packet_cycles_64B"] = checked
        self.note("packet: measured = formula for (width_bytes, arb_cycles) in " +
                  ", ".join(f"({c['width_bytes']}, {c['arb_cycles']}): {c['measured_cycles']}"
                            for c in checked))

    def one_transfer_cycles(self, scenario, stats, config, trace, frame):
        """Lane cycles of the single transfer (`frame` bytes) of a run: bus counters and
        trace must agree."""
        bus = stats["stats"]["bus"]
        lanes = [l for l in "XY" if bus[l]["transfers"]]
        total = sum(bus[l]["transfers"] for l in "XY")
        if total != 1 or len(lanes) != 1:
            raise BenchError(f"{scenario}: expected exactly one bus transfer, got X "
                             f"{bus['X']['transfers']} and Y {bus['Y']['transfers']}")
        lane = bus[lanes[0]]
        if lane["refused"] or lane["aborted"] or lane["bytes"] != frame:
            raise BenchError(f"{scenario}: the transfer was not one clean {frame}-byte frame: "
                             f"refused {lane['refused']}, aborted {lane['aborted']}, "
                             f"bytes {lane['bytes']}")
        from_counters = lane["busy_cycles"] + lane["arb_cycles"]

        # The trace has the same transfer as a slice from arbitration to last word,
        # in microseconds: an independent reading of the lane's timeline.
        try:
            with open(trace) as f:
                events = json.load(f)["traceEvents"]
        except (OSError, ValueError, KeyError) as e:
            raise BenchError(f"{trace}: cannot read the trace: {e}")
        slices = [e for e in events if e.get("ph") == "X" and e.get("pid") == 1]
        if len(slices) != 1 or slices[0].get("args", {}).get("bytes") != frame:
            raise BenchError(f"{trace}: expected one {frame}-byte bus slice, found {slices}")
        mhz = config["freq_mhz"]
        from_trace = slices[0]["dur"] * mhz
        if abs(from_trace - from_counters) > 0.01:
            raise BenchError(f"{scenario}: bus counters say {from_counters} cycles for the packet, "
                             f"the trace {from_trace:.3f}")
        return from_counters, {"lane": lanes[0], "busy_cycles": lane["busy_cycles"],
                               "arb_cycles_counter": lane["arb_cycles"],
                               "trace_dur_us": slices[0]["dur"], "trace_cycles": from_trace}

    def select_sw(self):
        """Software distributed select (the agents), from tb/scenarios/dedup.toml.

        Simulated figures are exact and repeatable, so each variant runs once:
        W=1 and W=64 waiters on CPU 0 selecting a FIFO held by CPU 1, and the
        all-local baseline (waiters on the FIFO's own CPU, the seed's Fig. 1)."""
        path = os.path.join(SCENARIOS, "dedup.toml")
        # local: the waiter on the FIFO's CPU, read from the first run's config.json.
        variants = {"w1": {"waiters": 1}, "w64": {"waiters": 64}, "local": None}
        got = {}
        for name, keys in variants.items():
            if keys is None:
                keys = {"waiters": 1, "waiter_cpu": self.config("dedup-w1", 0)["workload"]["owner_cpu"]}
            extra = tuple(a for k, v in keys.items() for a in ("--set", f"workload.{k}={v}"))
            run, stats = self.run(f"dedup-{name}", 0, path, extra=extra)
            sel = stats["stats"]["select"]
            workload = self.config(f"dedup-{name}", 0)["workload"]
            for k, v in keys.items():
                if workload[k] != v:
                    raise BenchError(f"{path}: ran with workload.{k} = {workload[k]}, not {v}")
            rounds = workload["rounds"]
            got[name] = {"rounds": rounds, **{k: v for k, v in sel.items()}, "run": run}
        self.raw["select_sw"] = got
        for w in ("w1", "w64"):
            g = got[w]
            if g["notifications"] != g["rounds"]:
                raise BenchError(f"dedup {w}: {g['notifications']} notifications for {g['rounds']} events")
            self.figure(f"sw_bus_requests_per_event_{w}", sig(g["requests_sent"] / g["rounds"]), "requests/event")
        w1 = got["w1"]
        self.figure("sw_wake_latency_cycles_p50", w1["remote_wake_latency_cycles"]["p50"], "cycles")
        self.figure("sw_wake_latency_cycles_p99", w1["remote_wake_latency_cycles"]["p99"], "cycles")
        self.figure("local_select_wake_cycles_p50", got["local"]["local_wake_latency_cycles"]["p50"], "cycles")
        w64 = got["w64"]
        self.note(f"dedup: {w1['rounds']} events each; W=64: {w64['requests_sent']:.0f} requests sent, "
                  f"{w64['requests_suppressed']:.0f} suppressed, wake p50 {w64['remote_wake_latency_cycles']['p50']} "
                  f"p99 {w64['remote_wake_latency_cycles']['p99']} cycles (64 waiters woken one after another); "
                  f"W=1: the agents' own CPU time {w1['agent_cycles_per_notification']:.0f} cycles per "
                  f"notification (a part of sw_cpu_cycles_per_notification)")

    def select_hw(self):
        """The select hot path through the notify engine and its driver (--notify rtl; the
        twin gives the same cycles), same scenario and W=1 variant as select_sw.

        hw_floor_cycles is made of the physical parts a remote wake-up cannot do without,
        each read from the run's config.json and printed: the NE_NOTIFY packet's transfer
        on an idle lane (arb_cycles + ceil((header + ne_notify + check) / width_bytes),
        docs/bus.md), the ready record's DMA into the waiter's memory
        (constants.engine.dma_cycles_per_record), the waiter CPU's interrupt entry
        (costs.irq_entry) and one context switch into the woken process
        (costs.context_switch). Everything else on the path (the owner's register write,
        the engines' cycles, the handler's work, the wake-up, the call's return) is
        overhead above the floor; notify_cost prints where each cycle goes."""
        run, stats = self.run("dedup-hw-w1", 0, os.path.join(SCENARIOS, "dedup.toml"),
                              extra=("--notify", "rtl", "--set", "workload.waiters=1"))
        sel = stats["stats"]["select"]
        ne = sel["ne"]
        config = self.config("dedup-hw-w1", 0)
        if config["workload"]["waiters"] != 1:
            raise BenchError(f"dedup-hw-w1: ran with {config['workload']['waiters']} waiters, not 1")
        rounds = config["workload"]["rounds"]
        self.raw["select_hw"] = {"rounds": rounds, **sel, "run": run}
        if ne["notifications"] != rounds:
            raise BenchError(f"dedup hw: {ne['notifications']} notifications for {rounds} events")
        floor, terms = latency_floor(config)
        p50 = sel["remote_wake_latency_cycles"]["p50"]
        self.figure("hw_wake_latency_cycles_p50", p50, "cycles")
        self.figure("hw_floor_cycles", floor, "cycles")
        self.figure("hw_latency_over_floor", sig(p50 / floor), "ratio")
        self.figure("hw_bus_requests_per_event_w1", sig(ne["requests_sent"] / rounds), "requests/event")
        sw = self.raw.get("select_sw", {}).get("w1")
        if sw:
            self.figure("sw_over_hw_latency", sig(sw["remote_wake_latency_cycles"]["p50"] / p50), "ratio")
        self.note("select hw (rtl, W=1): floor " + " + ".join(f"{k} {v}" for k, v in terms.items())
                  + f" = {floor} cycles; the driver's own CPU time {ne['driver_cycles_per_notification']:.0f} "
                  f"cycles per notification (a part of hw_cpu_cycles_per_notification)")

    def notify_cost(self):
        """What a remote notification costs the CPUs, like for like on sw and rtl.

        The dedup scenario with one waiter, run four times per path: the waiter on
        another CPU than the FIFO (remote) and on the FIFO's own CPU (local), each with
        R and 2R rounds. A figure X per event is
            ((X_remote(2R) - X_remote(R)) - (X_local(2R) - X_local(R))) / R:
        the round difference removes start-up (spawning across CPUs) and the local
        difference removes what the waiter's select costs without a remote object and
        what runs by the clock (liveness), so that what is left is every cycle the
        remote notification adds, on any CPU, whoever spends it.
          sw_/hw_cpu_cycles_per_notification  X = the sum over CPUs of busy_cycles +
              irq_cycles (processes, agents, kernel, interrupt entries and handlers)
          sw_over_hw_cpu_cycles               their ratio
          [sw_]irqs_per_event_waiter_cpu, [sw_]irqs_per_event_owner_cpu
              X = that CPU's interrupts, the timer line left out (it is raised by the
              workload's own sleeps, which move with the waiter); unprefixed: rtl
        The remote rtl run of 2R rounds is also traced, and the wake-up whose latency is
        the median is decomposed, on both paths, into the steps its flow shows."""
        base = os.path.join(SCENARIOS, "dedup.toml")
        rounds = self.defaults_of(base)["workload"]["rounds"]
        owner = self.defaults_of(base)["workload"]["owner_cpu"]
        waiter = self.defaults_of(base)["workload"]["waiter_cpu"]
        if owner == waiter:
            raise BenchError(f"{base}: waiter_cpu = owner_cpu, no remote waiter to measure")
        got = {}
        for path, tag in (("sw", "sw"), ("rtl", "hw")):
            runs = {}
            for place, cpu in (("remote", waiter), ("local", owner)):
                for n in (rounds, 2 * rounds):
                    name = f"notify-{tag}-{place}-{n}"
                    trace = place == "remote" and n == 2 * rounds
                    out = os.path.join(self.outdir, f"{name}-0")
                    extra = ["--notify", path, "--set", "workload.waiters=1", "--set", f"workload.rounds={n}",
                             "--set", f"workload.waiter_cpu={cpu}"]
                    if trace:
                        extra += ["--trace", os.path.join(out, "trace.json")]
                    _, stats = self.run(name, 0, base, extra=extra, trace_dir=trace)
                    cpus = stats["stats"]["cpu"]
                    runs[(place, n)] = {
                        "cycles": sum(c["busy_cycles"] + c["irq_cycles"] for c in cpus.values()),
                        "irqs": {int(k): c["interrupts"] - c["interrupts_by_line"]["timer"] for k, c in cpus.items()},
                        "timer_irqs": {int(k): c["interrupts_by_line"]["timer"] for k, c in cpus.items()},
                        "wake_p50": stats["stats"]["select"]["remote_wake_latency_cycles"]["p50"],
                    }
                    if trace:
                        runs["trace"] = os.path.join(out, "trace.json")
                        runs["config"] = self.config(name, 0)

            def per_event(f):
                return ((f(runs[("remote", 2 * rounds)]) - f(runs[("remote", rounds)]))
                        - (f(runs[("local", 2 * rounds)]) - f(runs[("local", rounds)]))) / rounds

            got[tag] = {
                "cpu_cycles": per_event(lambda r: r["cycles"]),
                "irqs_waiter": per_event(lambda r: r["irqs"][waiter]),
                "irqs_owner": per_event(lambda r: r["irqs"][owner]),
                "timer_irqs": per_event(lambda r: sum(r["timer_irqs"].values())),
                "runs": {f"{p}-{n}": v for (p, n), v in ((k, v) for k, v in runs.items() if isinstance(k, tuple))},
            }
            prefix = "sw_" if tag == "sw" else "hw_"
            self.figure(f"{prefix}cpu_cycles_per_notification", sig(got[tag]["cpu_cycles"]), "cycles")
            irq_prefix = "sw_" if tag == "sw" else ""
            self.figure(f"{irq_prefix}irqs_per_event_waiter_cpu", sig(got[tag]["irqs_waiter"]), "interrupts/event")
            self.figure(f"{irq_prefix}irqs_per_event_owner_cpu", sig(got[tag]["irqs_owner"]), "interrupts/event")
            r2 = runs[("remote", 2 * rounds)]
            self.note(f"{path}: timer interrupts the notification adds, all CPUs: "
                      f"{sig(got[tag]['timer_irqs'])} per event (left out of the interrupt figures)")
            self.note(f"{path}: remote {2 * rounds} rounds: {r2['cycles']} CPU cycles, interrupts (timer left out) "
                      f"{r2['irqs']}, timer interrupts {r2['timer_irqs']}; remote {rounds}: "
                      f"{runs[('remote', rounds)]['cycles']}; local {2 * rounds}: "
                      f"{runs[('local', 2 * rounds)]['cycles']}; local {rounds}: {runs[('local', rounds)]['cycles']}")
            steps, total = decompose_median_wake(runs["trace"], runs["config"])
            self.note(f"{path}: where the {total} cycles of the median remote wake-up go (cycles up to each step): "
                      + ", ".join(f"{label} +{c}" for label, c in steps))
            got[tag]["decomposition"] = steps
        self.raw["notify_cost"] = got
        self.figure("sw_over_hw_cpu_cycles", sig(got["sw"]["cpu_cycles"] / got["hw"]["cpu_cycles"]), "ratio")

    def notify_loop(self):
        """Messages of the readiness protocol per event, persistent (epoll) against
        per-call (select) interest: DIR/notify_loop_epoll and DIR/notify_loop_select
        (bench/notify_loop.c: a reader on CPU 1 waits for a pipe held by CPU 0, reads the
        byte the writer put there and acknowledges it), on sw and rtl, with E and 2E
        events; a figure is (M(2E) - M(E)) / E, so start-up is not counted. M counts
        every message of the protocol, wherever it goes: the agents' subscribes, answers
        and notifications, watches and their drops and states (each agent's
        requests_sent + answers_sent + notifications_sent + watches_sent +
        watch_drops_sent, on every CPU), and the notify engines' packets (bus
        by_type NE_SUBSCRIBE + NE_NOTIFY + NE_UNSUBSCRIBE, both lanes). Not counted: the
        reads and the acknowledgements, which are data (the same on both sides). On rtl
        the epoll loop must have used the engine's persistent keys (the drivers'
        watches_armed > 0) and sent no agent watch."""
        events = 100
        got = {}
        engine_watches = {}
        for variant in ("epoll", "select"):
            binary = os.path.join(self.build, f"notify_loop_{variant}")
            if not os.access(binary, os.X_OK):
                raise BenchError(f"no {binary}: build it first (make bench)")
            for path in ("sw", "rtl"):
                m = {}
                for e in (events, 2 * events):
                    out = os.path.join(self.outdir, f"notify-loop-{variant}-{path}-{e}")
                    shutil.rmtree(out, ignore_errors=True)
                    cmd = [binary, "--notify", path, "--out", out]
                    p = run_command(cmd, env={**os.environ, "SHADOWSEL_LOOP_EVENTS": str(e)})
                    if p.returncode != 0 or p.stdout.strip() != f"events {e}":
                        raise BenchError(f"{' '.join(cmd)} ({e} events): exit status {p.returncode}\n"
                                         f"{(p.stdout + p.stderr).strip()[-400:]}")
                    with open(os.path.join(out, "stats.json")) as f:
                        st = json.load(f)["stats"]
                    agents = [a for c in st["cpu"].values() if isinstance(c, dict)
                              for a in c.get("agent", {}).values() if isinstance(a, dict)]
                    count = {k: sum(a[k] for a in agents) for k in
                             ("requests_sent", "answers_sent", "notifications_sent", "watches_sent",
                              "watch_drops_sent")}
                    count["ne_packets"] = sum(st["bus"][lane]["by_type"][t] for lane in ("X", "Y")
                                              for t in ("NE_SUBSCRIBE", "NE_NOTIFY", "NE_UNSUBSCRIBE"))
                    m[e] = count
                    # Not messages: which path the watches took.
                    engine_watches[(variant, path, e)] = sum(
                        c.get("ne_driver", {}).get("watches_armed", 0)
                        for c in st["cpu"].values() if isinstance(c, dict))
                # The loop really took its path: epoll watches (on rtl the engine's, no agent
                # kWatch), select asks per call.
                if variant == "epoll" and path == "sw" and (m[events]["watches_sent"] < 1 or m[events]["requests_sent"]):
                    raise BenchError(f"notify_loop_epoll on {path}: {m[events]} (no watch, or subscribes)")
                if variant == "epoll" and path == "rtl" and (
                        engine_watches[(variant, path, events)] < 1 or m[events]["watches_sent"]
                        or m[events]["requests_sent"]):
                    raise BenchError(f"notify_loop_epoll on {path}: {m[events]}, engine watches "
                                     f"{engine_watches[(variant, path, events)]} (not the engine's watches)")
                if variant == "select" and not (m[events]["requests_sent"] or m[events]["ne_packets"]):
                    raise BenchError(f"notify_loop_select on {path}: {m[events]} (nothing asked)")
                total = {e: sum(c.values()) for e, c in m.items()}
                got[(variant, path)] = {"events": events, "counts": m,
                                        "engine_watches": engine_watches.get((variant, path, events), 0)}
                name = f"{variant}_bus_msgs_per_event" + ("" if path == "sw" else "_rtl")
                self.figure(name, sig((total[2 * events] - total[events]) / events), "messages/event")
        self.raw["notify_loop"] = {f"{v}-{p}": g for (v, p), g in got.items()}
        self.note("epoll on rtl: the watches are the engines' persistent keys (NE packets, "
                  f"{got[('epoll', 'rtl')]['engine_watches']} armed, no agent watch); "
                  "select on rtl: through the engines (NE packets)")

    def latency_loaded(self):
        """Wake-up latency under load: dedup W=1 with `hogs` CPU-bound user processes on
        the waiter's and on the owner's CPU each (workload.hogs), 20 events, on sw and
        rtl. The agents run as system processes, above every user process, and preempt
        a hog as soon as they are ready (docs/scenarios.md, "Scheduling"); the woken
        waiter shares the CPU with the hogs by time slices. period_cycles is
        4 (hogs + 1) timeslice_cycles of the run's config, above the workload's bound.
        Figures with one hog per CPU; the notes add two."""
        base = os.path.join(SCENARIOS, "dedup.toml")
        slice_cycles = self.defaults_of(base)["timeslice_cycles"]
        got = {}
        for hogs in (1, 2):
            for path, tag in (("sw", "sw"), ("rtl", "hw")):
                name = f"loaded-{tag}-hogs{hogs}"
                _, stats = self.run(name, 0, base, extra=(
                    "--notify", path, "--set", "workload.waiters=1", "--set", f"workload.hogs={hogs}",
                    "--set", f"workload.period_cycles={4 * (hogs + 1) * slice_cycles}"))
                config = self.config(name, 0)
                if config["workload"]["hogs"] != hogs:
                    raise BenchError(f"{name}: ran with {config['workload']['hogs']} hogs, not {hogs}")
                lat = stats["stats"]["select"]["remote_wake_latency_cycles"]
                cpus = stats["stats"]["cpu"]
                if lat["count"] != config["workload"]["rounds"]:
                    raise BenchError(f"{name}: {lat['count']} remote wake-ups for {config['workload']['rounds']} events")
                got[(tag, hogs)] = {"p50": lat["p50"], "p99": lat["p99"], "count": lat["count"],
                                    "preemptions": {c: cpus[str(c)]["preemptions"] for c in (0, 1)}}
        self.raw["latency_loaded"] = {f"{t}-hogs{h}": v for (t, h), v in got.items()}
        for tag in ("sw", "hw"):
            self.figure(f"{tag}_wake_latency_cycles_p50_loaded", got[(tag, 1)]["p50"], "cycles")
            self.figure(f"{tag}_wake_latency_cycles_p99_loaded", got[(tag, 1)]["p99"], "cycles")
        self.figure("sw_over_hw_latency_p99_loaded", sig(got[("sw", 1)]["p99"] / got[("hw", 1)]["p99"]), "ratio")
        two_sw, two_hw = got[("sw", 2)], got[("hw", 2)]
        self.note(f"loaded, 1 hog per CPU (timeslice {slice_cycles} cycles): preemptions "
                  f"sw {got[('sw', 1)]['preemptions']} rtl {got[('hw', 1)]['preemptions']}; "
                  f"2 hogs per CPU: sw p50 {two_sw['p50']} p99 {two_sw['p99']}, rtl p50 {two_hw['p50']} "
                  f"p99 {two_hw['p99']} cycles (the woken waiter queues behind the other hog's slice on "
                  f"both paths), sw/hw p99 {sig(two_sw['p99'] / two_hw['p99'])}")

    @staticmethod
    def run_json(cmd):
        """Runs a benchmark binary that prints one JSON object last; returns (process, object)."""
        p = run_command(cmd)
        try:
            return p, json.loads(p.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            tail = "\n".join((p.stdout + p.stderr).strip().splitlines()[-8:])
            raise BenchError(f"{' '.join(cmd)}: exit status {p.returncode}, no JSON\n{tail}")

    def sockets(self):
        """Socket figures from DIR/socket_bench, one process per case and notify path."""
        binary = os.path.join(self.build, "socket_bench")
        if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
            raise BenchError(f"no socket benchmark at {binary}: build it first (make bench)")
        raw = {}
        for path in SOCKET_PATHS:
            for case in SOCKET_CASES:
                cmd = [binary, case, "--notify", path]
                p, out = self.run_json(cmd)
                raw[f"{case}-{path}"] = out
                self.raw["sockets"] = raw
                if p.returncode != 0 or out.get("errors"):
                    raise BenchError(f"{' '.join(cmd)}: exit status {p.returncode}: "
                                     + "; ".join(out.get("errors", [])))
                for name, f in out["figures"].items():
                    v = f["value"]  # counts and cycles stay whole numbers
                    self.figure(name, int(v) if float(v).is_integer() else sig(v), f["unit"])
                if path == "sw":
                    for text in out.get("notes", []):
                        self.note(text)
        self.note("sockets: simulations are deterministic, one run per case and path; "
                  "socket_bench's counters are in runs.json under 'sockets'")

    def faults(self):
        """messages_lost_under_faults from DIR/fault_bench and fault_detect_cycles_cpu_halt
        from DIR/detect_bench on sw and rtl (deterministic runs, one each)."""
        for name, args in (("fault_bench", []), ("detect_bench", ["--notify", "sw"]),
                           ("detect_bench", ["--notify", "rtl"])):
            binary = os.path.join(self.build, name)
            if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
                raise BenchError(f"no fault benchmark at {binary}: build it first (make bench)")
            p, out = self.run_json([binary] + args)
            self.raw["faults" if name == "fault_bench" else "detect_" + args[-1]] = out
            # The figure is kept even when a check failed: a loss must show, not vanish.
            for fig, f in out["figures"].items():
                self.figure(fig, f["value"], f["unit"])
            for text in out.get("notes", []):
                self.note(text)
            if p.returncode != 0 or out.get("errors"):
                raise BenchError(f"{binary}: exit status {p.returncode}: " + "; ".join(out.get("errors", [])))

    # --- results ---------------------------------------------------------------------

    def write(self, header):
        results_path = os.path.join(self.outdir, "results.json")
        results = {}
        if os.path.exists(results_path):
            try:
                with open(results_path) as f:
                    results = json.load(f)
                if not isinstance(results, dict):
                    raise ValueError("not a JSON object")
            except (OSError, ValueError) as e:
                print(f"bench: warning: {results_path} unreadable ({e}); starting it afresh",
                      file=sys.stderr)
                results = {}
        results.update(self.figures)
        write_json(results_path, results)
        write_json(os.path.join(self.outdir, "runs.json"),
                   {"header": header, "binary": self.binary, "runs_per_figure": self.runs,
                    "figures": self.figures, "runs": self.raw})
        return results_path


def packet_frame_bytes(config, payload):
    """Bytes of a one-destination frame with `payload` bytes: header, payload, check
    (docs/bus.md; config.json's constants.frame)."""
    frame = config["constants"]["frame"]
    return frame["header_bytes"] + payload + frame["check_bytes"]


def latency_floor(config):
    """The physical parts of a remote wake-up on the engine path (select_hw), each from
    the run's config.json: (sum, {term: cycles})."""
    bus, costs = config["bus"], config["costs"]
    notify = config["constants"]["frame"]["layout_bytes"]["ne_notify"]
    terms = {
        "NE_NOTIFY transfer": bus["arb_cycles"] + -(-packet_frame_bytes(config, notify) // bus["width_bytes"]),
        "record DMA": config["constants"]["engine"]["dma_cycles_per_record"],
        "irq_entry": costs["irq_entry"],
        "context_switch": costs["context_switch"],
    }
    return sum(terms.values()), terms


def decompose_median_wake(trace_path, config):
    """The remote wake-up of median latency in a trace, cut at every step its flow
    shows: [(step, cycles since the previous step)], and the total (docs/trace.md).

    The window is the waiter's 'select wake (remote)' slice, from the owner's change to
    the call's return. Its steps are the slices and instants inside it that carry a flow
    (bind_id), each slice as its begin and its end, and the interrupt slices on the same
    CPU as such a step; the steps sum to the total exactly."""
    try:
        with open(trace_path) as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        raise BenchError(f"{trace_path}: no readable trace: {e}")
    events = data["traceEvents"] if isinstance(data, dict) else data
    mhz = config["freq_mhz"]
    names = {}
    for e in events:
        if e.get("ph") == "M" and e.get("name") in ("process_name", "thread_name"):
            names[(e["pid"], e.get("tid") if e["name"] == "thread_name" else None)] = e["args"]["name"]

    def cyc(us):
        return round(float(us) * mhz)

    def where(e):
        return f"{names.get((e['pid'], None), e['pid'])}/{names.get((e['pid'], e.get('tid')), e.get('tid'))}"

    wakes = sorted((e for e in events if e.get("ph") == "X" and e.get("name") == "select wake (remote)"),
                   key=lambda e: (cyc(e["dur"]), cyc(e["ts"])))
    if not wakes:
        raise BenchError(f"{trace_path}: no 'select wake (remote)' slice")
    wake = wakes[(len(wakes) - 1) // 2]
    t0, t1 = cyc(wake["ts"]), cyc(wake["ts"]) + cyc(wake["dur"])
    inside = [e for e in events if e.get("ph") in ("X", "i") and t0 <= cyc(e["ts"]) <= t1 and e is not wake]
    bound = [e for e in inside if "bind_id" in e]
    pids = {e["pid"] for e in bound}
    points = [(t0, "the owner's change")]
    for e in inside:
        is_irq = e.get("name") == "irq" and e["pid"] in pids and any(
            cyc(e["ts"]) <= cyc(b["ts"]) <= cyc(e["ts"]) + cyc(e.get("dur", 0)) and b["pid"] == e["pid"]
            for b in bound)
        if not ("bind_id" in e or is_irq):
            continue
        label = f"{where(e)} {e['name']}"
        d = cyc(e.get("dur", 0))
        if d > 0:
            points.append((cyc(e["ts"]), label + " begins"))
            points.append((min(cyc(e["ts"]) + d, t1), label + " ends"))
        else:
            points.append((cyc(e["ts"]), label))
    points.append((t1, "the call returns"))
    points.sort(key=lambda p: p[0])
    steps = [(label, t - prev) for (prev, _), (t, label) in zip(points, points[1:])]
    return steps, t1 - t0


def write_json(path, data):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build", help="build folder holding shadowsel (default: build)")
    ap.add_argument("--runs", type=int, default=5, help="runs per timed figure (default: 5)")
    ap.add_argument("--baseline-bin", help="trace_off_overhead_pct's baseline simulator, built from "
                    "TRACE_BASE_COMMIT (default: build it once under DIR/bench/baseline)")
    ap.add_argument("--only", choices=["trace_off", "select"], help="run only this benchmark")
    args = ap.parse_args()
    if args.runs < 1:
        die("--runs must be at least 1")

    b = Bench(os.path.abspath(args.build), args.runs)
    if not (os.path.isfile(b.binary) and os.access(b.binary, os.X_OK)):
        die(f"no simulator binary at {b.binary}: build it first (make build, or make bench)")
    for f in ("busy8.toml", "idle_gap.toml", "dedup.toml"):
        if not os.path.isfile(os.path.join(SCENARIOS, f)):
            die(f"missing scenario {os.path.join(SCENARIOS, f)}")
    os.makedirs(b.outdir, exist_ok=True)

    now = datetime.datetime.now().astimezone()
    header = (f"shadowsel bench: {now.isoformat(timespec='seconds')} on {platform.node()} "
              f"({os.cpu_count()} CPUs), binary {b.binary}")
    print(header, flush=True)
    failed = None
    try:
        if args.only == "trace_off":
            b.trace_off(args.baseline_bin)
            raise StopIteration
        if args.only == "select":
            b.select_sw()
            b.select_hw()
            b.notify_cost()
            b.latency_loaded()
            b.notify_loop()
            raise StopIteration
        b.packet()
        b.idle()
        b.busy8()
        b.liveness()
        b.select_sw()
        b.select_hw()
        b.notify_cost()
        b.latency_loaded()
        b.notify_loop()
        b.sockets()
        b.faults()
        b.trace_off(args.baseline_bin)
        rtl_bench.measure(b, BenchError)
    except StopIteration:
        pass
    except BenchError as e:
        failed = str(e)
    path = b.write(header)  # keep what was measured, even after a failure
    print(f"results in {path}, raw runs in {os.path.join(b.outdir, 'runs.json')}")
    if failed:
        die(failed)

    if os.path.isfile(GOALS):
        print(flush=True)
        try:
            subprocess.run([PY, os.path.relpath(GOALS, REPO), os.path.relpath(path, REPO)],
                           cwd=REPO, timeout=60)
        except (OSError, subprocess.SubprocessError) as e:
            print(f"bench: warning: {GOALS} did not run: {e}", file=sys.stderr)


if __name__ == "__main__":
    main()
