#!/usr/bin/python3
"""Checks the waveforms `shadowsel --waves` writes (docs/waves.md), read back with GTKWave's
fst2vcd.

A small dedup scenario runs on the sw, rtl and lockstep paths with --waves, --trace and
--out. Against the run's own timeline (--trace) and stats.json:
  * every bus transfer of the timeline shows in its lane at its first cycle: the grant bit
    and src of its sender, its type and length; the lanes' transfer counters end at the
    transfers plus aborted of stats.json;
  * each engine's interrupt line rises as often as stats.json counts and at the cycles of
    the timeline's "irq raised" events; with the RTL, its ne_top's irq port rises at the
    same times; ring_head ends at the engine's dma_writes;
  * at the start of every process run slice the CPU shows that pid, in the kernel (the
    context switch) or already in an interrupt;
  * time 0 is cycle 0 and the timescale is 1 ps in both files (one time base).
Then --waves-from A --waves-to B: every time in both files is within [A, B] (in ps), the
first is A, and every signal equals the full run's over the window. Bad values exit 2 with
one line and leave no file.

Usage: check_waves.py --bin build/shadowsel --fst2vcd /usr/bin/fst2vcd
Exit status: 0 all checks pass, 1 otherwise.
"""
import argparse
import bisect
import json
import os
import subprocess
import sys
import tempfile

SCENARIO = """name = "waves"
cpus = 2
[workload]
kind = "dedup"
waiters = 3
rounds = 2
period_cycles = 100000
owner_cpu = 1
waiter_cpu = 0
"""
FREQ_MHZ = 500.0
PS_PER_CYCLE = 2000  # at FREQ_MHZ
# CpuMode (hw/include/shadowsel/sim/waves.h)
KERNEL, INTERRUPT = 2, 3

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
    return cond


class Vcd:
    """The signals of a VCD file: name -> [(time, value)], value a str (bits or text)."""

    def __init__(self, text):
        self.timescale = None
        self.changes = {}
        self.times = []
        ids = {}  # id -> [names]
        scope = []
        lines = iter(text.splitlines())
        for line in lines:
            w = line.split()
            if not w:
                continue
            if w[0] == "$timescale":
                ts = line.replace("$timescale", "").replace("$end", "").strip()
                if not ts:
                    ts = next(lines).strip()
                self.timescale = ts
            elif w[0] == "$scope":
                scope.append(w[2])
            elif w[0] == "$upscope":
                scope.pop()
            elif w[0] == "$var":
                name = ".".join(scope + [w[4]])
                ids.setdefault(w[3], []).append(name)
                self.changes[name] = []
            elif w[0] == "$enddefinitions":
                break
        now = None
        for line in lines:
            if not line or line.startswith("$"):
                continue
            c = line[0]
            if c == "#":
                now = int(line[1:])
                self.times.append(now)
                continue
            if c in "bBrRsS":
                value, ident = line[1:].rsplit(" ", 1) if " " in line else (line[1:], "")
                if c in "sS":
                    value = value.replace("\\040", " ")
            else:
                value, ident = c, line[1:]
            for name in ids.get(ident, []):
                ch = self.changes[name]
                if ch and ch[-1][0] == now:
                    ch[-1] = (now, value)
                else:
                    ch.append((now, value))

    def at(self, name, t):
        """The value of `name` at time t (after the changes at t), None before any."""
        ch = self.changes[name]
        i = bisect.bisect_right(ch, (t, chr(0x10FFFF))) - 1
        return ch[i][1] if i >= 0 else None

    def rises(self, name):
        ch = self.changes[name]
        return [t for i, (t, v) in enumerate(ch) if v == "1" and (i == 0 or ch[i - 1][1] != "1") and t > 0]


def num(v):
    return int(v, 2) if v not in (None, "x", "z") and set(v) <= {"0", "1"} else None


def stat(stats, dotted):
    """A figure of stats.json by its dotted name (nested tables; a leaf may be {"value": ...})."""
    v = stats.get("stats", stats)
    for part in dotted.split("."):
        v = v[part]
    return v["value"] if isinstance(v, dict) else v


def read(fst2vcd, path):
    r = subprocess.run([fst2vcd, path], capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise SystemExit(f"fst2vcd {path} failed: {r.stderr.strip()}")
    return Vcd(r.stdout)


def run(binary, args, expect=0):
    r = subprocess.run([binary] + args, capture_output=True, text=True, timeout=300)
    check(r.returncode == expect, f"{' '.join(args)}: exit {r.returncode}, expected {expect}: {r.stderr.strip()}")
    return r


def timeline(path):
    with open(path) as f:
        events = json.load(f)["traceEvents"]
    cyc = lambda us: round(us * FREQ_MHZ)
    bus = [(cyc(e["ts"]), e["tid"], e["name"], e["args"]) for e in events
           if e.get("ph") == "X" and e.get("pid") == 1]
    irqs = [(e["pid"] - 100, cyc(e["ts"])) for e in events
            if e.get("ph") == "i" and e.get("name") == "irq raised"]
    runs = [(e["pid"] - 100, e["tid"], cyc(e["ts"])) for e in events
            if e.get("ph") == "X" and e.get("name") == "run"]
    return bus, irqs, runs


def check_full(path_name, m, rtl, stats, trace):
    bus, irqs, runs = trace
    p = f"{path_name}: "
    check(m.timescale == "1ps", p + f"machine timescale {m.timescale}, expected 1ps")
    check(m.times and m.times[0] == 0, p + "the machine file does not start at time 0")
    check(all(t % PS_PER_CYCLE == 0 for t in m.times), p + "a machine time is not a cycle's start")
    for cycle, tid, kind, args in bus:
        lane = "machine.bus." + ("X" if tid == 1 else "Y")
        t = cycle * PS_PER_CYCLE
        where = f"{p}{kind} from {args['src']} on {lane[-1]} at cycle {cycle}"
        check(num(m.at(lane + ".grant", t)) == 1 << args["src"], where + f": grant {m.at(lane + '.grant', t)}")
        check(num(m.at(lane + ".src", t)) == args["src"], where + ": src")
        check(num(m.at(lane + ".dst", t)) == int(args["dst_mask"], 16), where + ": dst")
        check(m.at(lane + ".type", t) == kind, where + f": type {m.at(lane + '.type', t)!r}")
        check(num(m.at(lane + ".len", t)) == args["bytes"], where + ": len")
    check(len(bus) > 0, p + "no bus transfer in the timeline")
    for lane in "XY":
        moved = stat(stats, f"bus.{lane}.transfers") + stat(stats, f"bus.{lane}.aborted")
        last = m.changes[f"machine.bus.{lane}.transfer"][-1][1]
        check(num(last) == moved, p + f"lane {lane}: transfer ends at {num(last)}, stats {moved}")
    for cpu in range(2):
        sig = f"machine.cpu{cpu}.ne.irq"
        if path_name == "sw":
            check(sig not in m.changes, p + "engine signals without engines")
            continue
        ups = [t // PS_PER_CYCLE for t in m.rises(sig)]
        check(len(ups) == stat(stats, f"cpu.{cpu}.ne.irq_raised"),
              p + f"cpu {cpu}: irq rises {len(ups)} times, stats {stat(stats, f'cpu.{cpu}.ne.irq_raised')}")
        check(ups == sorted(c for k, c in irqs if k == cpu), p + f"cpu {cpu}: irq rises at {ups}, timeline "
              f"{sorted(c for k, c in irqs if k == cpu)}")
        check(num(m.changes[f"machine.cpu{cpu}.ne.ring_head"][-1][1]) == stat(stats, f"cpu.{cpu}.ne.dma_writes"),
              p + f"cpu {cpu}: ring_head does not end at dma_writes")
        check(len(ups) > 0, p + f"cpu {cpu}: the engine never interrupted")
        if rtl:
            port = f"cpu{cpu}.irq"
            check(port in rtl.changes, p + f"no {port} in the RTL file")
            if port in rtl.changes:
                # The RTL's register changes at the rising edge, mid-cycle; the machine
                # sees it in the next cycle.
                rtl_ups = [t // PS_PER_CYCLE + 1 for t in rtl.rises(port)]
                check(rtl_ups == ups, p + f"cpu {cpu}: RTL irq rises in cycles {rtl_ups} (+1), machine at {ups}")
    for cpu, pid, cycle in runs:
        t = cycle * PS_PER_CYCLE
        mode, shown = num(m.at(f"machine.cpu{cpu}.mode", t)), num(m.at(f"machine.cpu{cpu}.pid", t))
        check(shown == pid and mode in (KERNEL, INTERRUPT),
              p + f"cpu {cpu} at cycle {cycle}: pid {shown} mode {mode}, a run of pid {pid} starts")
    check(len(runs) > 0, p + "no process ran")
    if rtl:
        check(rtl.timescale == "1ps", p + f"RTL timescale {rtl.timescale}")
        check(rtl.times and rtl.times[0] == 0, p + "the RTL file does not start at time 0")
        check(num(rtl.at("cpu0.clk", PS_PER_CYCLE // 2)) == 1 and num(rtl.at("cpu0.clk", 0)) == 0,
              p + "the RTL clock is not low at a cycle's start and high in its middle")


def check_window(p, full, part, a, b):
    # The RTL's last rising edge is in the middle of the last cycle.
    lo, hi = a * PS_PER_CYCLE, b * PS_PER_CYCLE + PS_PER_CYCLE // 2
    check(part.times and part.times[0] == lo, p + f"first time {part.times[:1]}, expected {lo}")
    check(all(lo <= t <= hi for t in part.times), p + f"a time outside [{lo}, {hi}]")
    check(set(part.changes) == set(full.changes), p + "the signals differ from the full run's")
    bad = []
    for name, ch in part.changes.items():
        if name not in full.changes:
            continue
        times = {t for t, _ in ch} | {t for t, _ in full.changes[name] if lo <= t <= hi} | {lo}
        if any(part.at(name, t) != full.at(name, t) for t in times):
            bad.append(name)
    check(not bad, p + f"{len(bad)} signals differ from the full run over the window, e.g. {bad[:3]}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--fst2vcd", required=True)
    a = ap.parse_args()
    if not os.path.exists(a.fst2vcd):
        print(f"check_waves: fst2vcd not found ({a.fst2vcd}): install gtkwave (scripts/setup)")
        return 1
    with tempfile.TemporaryDirectory(prefix="waves_") as d:
        scenario = os.path.join(d, "waves.toml")
        with open(scenario, "w") as f:
            f.write(SCENARIO)
        for path in ("sw", "rtl", "lockstep"):
            w = os.path.join(d, path + ".fst")
            out = os.path.join(d, path)
            base = ["--scenario", scenario, "--notify", path]
            r = run(a.bin, base + ["--waves", w, "--trace", w + ".json", "--out", out])
            if r.returncode != 0:
                continue
            has_rtl = path != "sw"
            check(os.path.exists(w[:-4] + ".rtl.fst") == has_rtl, f"{path}: RTL file present: {not has_rtl}")
            check(w in r.stdout, f"{path}: the outputs line does not name {w}")
            with open(os.path.join(out, "stats.json")) as f:
                stats = json.load(f)
            m = read(a.fst2vcd, w)
            rtl = read(a.fst2vcd, w[:-4] + ".rtl.fst") if has_rtl else None
            check_full(path, m, rtl, stats, timeline(w + ".json"))
            if path == "lockstep":
                continue
            # A window: the first NE_SUBSCRIBE's cycle to 20000 cycles later.
            sub = [c for c, _, kind, _ in timeline(w + ".json")[0] if kind == "NE_SUBSCRIBE"]
            lo = (sub[0] if sub else 100000) - 50
            hi = lo + 20000
            wp = os.path.join(d, path + "_window.fst")
            if run(a.bin, base + ["--waves", wp, "--waves-from", str(lo), "--waves-to", str(hi),
                                  "--out", out + "_w"]).returncode == 0:
                check_window(f"{path} window [{lo}, {hi}]: ", m, read(a.fst2vcd, wp), lo, hi)
                if has_rtl:
                    check_window(f"{path} RTL window [{lo}, {hi}]: ", rtl, read(a.fst2vcd, wp[:-4] + ".rtl.fst"),
                                 lo, hi)
        # Bad values: one line, exit 2, no file left.
        bad_file = os.path.join(d, "bad.fst")
        for args, says in (
                (["--waves", bad_file, "--waves-from", "10", "--waves-to", "9"], "--waves-to"),
                (["--waves-from", "10"], "--waves-from"),
                (["--waves-to", "10"], "--waves-to"),
                (["--waves", os.path.join(d, "no", "such", "dir.fst")], "--waves"),
                (["--waves", "/dev/full"], "--waves"),
                (["--waves", bad_file, "--waves-from", "x"], "--waves-from"),
                (["--waves", bad_file, "--waves-from", "1001", "--max-cycles", "1000"], "--waves-from"),
        ):
            r = run(a.bin, ["--scenario", scenario, "--notify", "rtl", "--out", os.path.join(d, "bad")] + args,
                    expect=2)
            lines = r.stderr.strip().splitlines()
            check(len(lines) == 1 and lines[0].startswith(says) and not r.stdout,
                  f"{' '.join(args)}: stderr {r.stderr!r}, stdout {r.stdout!r}")
            check(not os.path.exists(bad_file), f"{' '.join(args)}: left {bad_file}")
        # A run that finishes before the window: it succeeds, and says its files hold no cycle.
        late = os.path.join(d, "late.fst")
        r = run(a.bin, ["--scenario", scenario, "--notify", "rtl", "--out", os.path.join(d, "late"),
                        "--waves", late, "--waves-from", str(10**15)])
        with open(os.path.join(d, "late", "run.json")) as f:
            ended = json.load(f)["sim_cycles"]
        check(r.stderr.strip() == f"shadowsel: --waves-from: the run ended at cycle {ended}, before the window "
                                  f"starting at {10**15}: {late} holds no cycle",
              f"run ending before --waves-from: stderr {r.stderr!r}")
        # The unwritable RTL file leaves no machine file either.
        os.mkdir(os.path.join(d, "x.rtl.fst"))
        r = run(a.bin, ["--scenario", scenario, "--notify", "rtl", "--out", os.path.join(d, "bad"),
                        "--waves", os.path.join(d, "x.fst")], expect=2)
        check(r.stderr.startswith("--waves: ") and "x.rtl.fst" in r.stderr, f"RTL file a directory: {r.stderr!r}")
        check(not os.path.exists(os.path.join(d, "x.fst")), "RTL file a directory: the machine file is left")
    for f in failures:
        print("FAIL", f)
    print(f"check_waves: {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
