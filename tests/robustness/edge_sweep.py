#!/usr/bin/env python3
"""Runs the simulator at the edges of every documented scenario range.

For each key whose "Allowed" column in docs/scenarios.md is a numeric range, a
scenario sets that key (in its table, with a workload that reads it) to the
range's lowest and highest value and runs `shadowsel` with a cycle limit. A value
the docs allow must run: the command must end by itself (no signal, no hang past
the wall-time limit) with "finished" or "cycle limit"; it may be refused (exit 2,
one line naming the key) only where the docs name a rule that ties it to other
keys ("..., and ...", "within ..."); and it may fail with every CPU halted only
where the key's Meaning says the CPU halts (a cost past the liveness timeout). Any
other outcome is printed and makes the exit status 1.

Usage: edge_sweep.py --bin build/shadowsel --docs docs/scenarios.md
                     [--notify sw,rtl] [--max-cycles N] [--timeout S] [--only KEY]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

# Which workload kind reads each [workload] key (the others are checked and ignored).
KIND_OF = {
    "messages": "ring", "bytes": "ring", "bytes_max": "ring", "reply_bytes": "ring",
    "think_cycles": "ring", "think_jitter_cycles": "ring", "gap_cycles": "idle_gap",
    "waiters": "dedup", "rounds": "dedup", "period_cycles": "dedup", "owner_cpu": "dedup",
    "waiter_cpu": "dedup", "inputs": "pipeline",
}
# Where the docs tie a key to another one ("and >= ...", "and < cpus"), the other
# key's value that makes the edge legal: (table, key, value); value None: the same.
COMPANIONS = {
    ("think_cycles", "lo"): [("workload", "think_jitter_cycles", 0)],
    ("think_jitter_cycles", "hi"): [("workload", "think_cycles", None)],
    ("owner_cpu", "hi"): [("", "cpus", 64)],
    ("waiter_cpu", "hi"): [("", "cpus", 64)],
    ("waiters", "hi"): [("workload", "period_cycles", 10_000_000)],
    # 16 MiB payloads are real bytes moved in 64-byte packets: a few are enough.
    ("bytes", "hi"): [("", "memory_kib", 65536), ("workload", "messages", 2)],
    ("reply_bytes", "hi"): [("", "memory_kib", 65536), ("workload", "messages", 2)],
    # [[tty.input]]: the highest line exists only with that many lines.
    ("line", "hi"): [("tty", "lines", 256)],
}
# Keys of [network] and [hosts] take effect only with hosts and a workload serving them.
SERVED = [("workload", "kind", '"net_echo"'), ("hosts", "count", 1)]
# Companions that hold for a key of one table only: (table, key, which).
TABLE_COMPANIONS = {
    ("hosts", "count", "hi"): [("hosts", "messages", 1)],
    # 1 MiB requests are real bytes through the machine: a few are enough.
    ("hosts", "bytes", "hi"): [("hosts", "messages", 2)],
    ("hosts", "bytes_max", "hi"): [("hosts", "messages", 2)],
    # The backup's CPU must not be an I/O CPU (the default io_cpus is [0]).
    ("network", "io_backup_cpu", "lo"): [("network", "io_cpus", "[1]")],
    ("network", "io_backup_cpu", "hi"): [("", "cpus", 64)],
}
# The keys an array-of-tables entry needs besides the one swept (values the docs allow).
REQUIRED = {"tty.input": {"line": 0, "at_cycle": 0, "text": '"x"'}}
# delay_cycles goes with after, not at_cycle.
REQUIRED_FOR = {("tty.input", "delay_cycles"): {"line": 0, "after": '"x"', "text": '"x"'}}
INT64_MAX = 2**63 - 1
LIVENESS_LONGEST_PERIOD = 100_000_000  # docs/scenarios.md, [liveness] period_cycles
# Keys that are an amount of work: their highest value runs long by design, so it runs
# against a smaller cycle limit (a hang is then still a hang, not a long run).
WORK_KEYS = {"messages", "rounds", "count"}
WORK_MAX_CYCLES = 20_000_000


def number(text):
    text = text.strip().strip("`")
    m = re.fullmatch(r"(-?\d+)\^(\d+)", text)
    if m:
        return int(m.group(1)) ** int(m.group(2))
    m = re.fullmatch(r"-?\d+(\.\d+)?", text)
    if m:
        return float(text) if "." in text else int(text)
    return None


def edges(allowed):
    """The lowest and highest value a documented range allows, or None."""
    first = allowed.split(",")[0].split("(")[0].strip()
    m = re.fullmatch(r"(\S+)\s*\.\.\s*(\S+)", first)
    if m:
        lo, hi = number(m.group(1)), number(m.group(2))
        if lo is not None and hi is not None:
            return lo, hi
    m = re.fullmatch(r">\s*0 and <=\s*(\S+)", first)
    if m:
        return None  # a float range: its low end is open
    m = re.fullmatch(r">=\s*(\S+)", first)
    if m and number(m.group(1)) is not None:
        return number(m.group(1)), INT64_MAX  # the largest TOML integer
    m = re.fullmatch(r"(\S+)\s*\.\.\s*`(\w+)`", first)
    if m and number(m.group(1)) is not None:
        return number(m.group(1)), "same"  # up to another key: set both
    return None


def documented_ranges(docs):
    table = ""
    out = []
    for line in open(docs, encoding="utf-8"):
        h = re.match(r"## `\[(\w+)\]`", line) or re.match(r"## `\[\[(\w+\.\w+)\]\]`", line)
        if h:
            table = h.group(1)
        elif line.startswith("## "):
            table = "" if "Top level" in line else table
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 6 or not cells[0].startswith("`"):
            continue
        key = cells[0].strip("`")
        if cells[1] not in ("integer", "float (integer accepted)"):
            continue
        e = edges(cells[4])
        if e:
            out.append((table, key, e, cells[4], cells[5]))
    return out


def scenario_text(table, key, value, companions):
    top, sections = [], {"bus": [], "costs": [], "liveness": [], "network": [], "hosts": [], "workload": [], "tty": [], "tty.input": []}
    if table in ("network", "hosts"):
        given = {(t, k) for t, k, _ in companions} | {(table, key)}
        companions = [c for c in SERVED if (c[0], c[1]) not in given] + list(companions)
    for t, k, v in companions:
        (top if t == "" else sections[t]).append(f"{k} = {value if v is None else v}")
    kind = KIND_OF.get(key) if table == "workload" else None
    if kind:
        sections["workload"].append(f'kind = "{kind}"')
        if kind == "dedup":
            if key != "rounds":
                sections["workload"].append("rounds = 3")
    target = top if table == "" else sections[table]
    target.append(f"{key} = {value}")
    if table != "liveness":
        # Liveness stays on, at its longest period: the edges here run up to 10^10 cycles,
        # and a tick every 10^5 of them (each clocking every notify engine) would turn the
        # wall-time limit into the finding. Its own keys are swept at their edges.
        sections["liveness"].append(f"period_cycles = {LIVENESS_LONGEST_PERIOD}")
    for k, v in REQUIRED_FOR.get((table, key), REQUIRED.get(table, {})).items():
        if k != key:
            target.append(f"{k} = {v}")
    text = "\n".join(top) + "\n"
    for name, lines in sections.items():
        if lines:
            header = f"[[{name}]]" if name in REQUIRED else f"[{name}]"
            text += header + "\n" + "\n".join(lines) + "\n"
    return text


def run(binary, text, notify, max_cycles, timeout, workdir):
    path = os.path.join(workdir, "s.toml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    cmd = [binary, "--scenario", path, "--notify", notify, "--max-cycles", str(max_cycles),
           "--out", os.path.join(workdir, "out")]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "hang", f"no end after {timeout} s"
    if p.returncode < 0:
        return "crash", f"signal {-p.returncode}: {p.stderr.strip()[-300:]}"
    if p.returncode == 0:
        return "ok", ""
    lines = p.stderr.strip().splitlines()
    first = lines[0] if lines else ""
    if p.returncode == 2:
        return "refused", first[:300]
    if p.returncode == 1 and "NOT FINISHED: every CPU halted" in p.stdout:
        return "halted", p.stdout.strip()[-300:]
    if p.returncode == 1 and "stalled" in p.stdout:
        return "stall", (p.stderr.strip() or p.stdout.strip())[-300:]
    return f"exit {p.returncode}", (p.stderr.strip() or p.stdout.strip())[-300:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--docs", required=True)
    ap.add_argument("--notify", default="sw,rtl")
    ap.add_argument("--max-cycles", type=int, default=10_000_000_000)
    # generous: a loaded 2-core machine once took more than 30 s for one run; a hang never ends
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--only")
    a = ap.parse_args()
    ranges = documented_ranges(a.docs)
    if not ranges:
        print(f"{a.docs}: no numeric ranges found", file=sys.stderr)
        return 1
    bad = 0
    runs = 0
    with tempfile.TemporaryDirectory() as work:
        for table, key, (lo, hi), allowed, meaning in ranges:
            # "1000..10^15, and for dedup at least the bound below": a refusal that
            # names the key is then the documented rule, not a finding.
            ruled = ", and" in allowed or "within" in allowed
            # "... the CPU halts": a run whose CPUs all halted (it fails) is then the
            # documented outcome, not a finding
            halts = "halt" in meaning
            if a.only and key != a.only:
                continue
            values = [("lo", lo), ("hi", hi)]
            for which, value in values:
                comp = TABLE_COMPANIONS.get((table, key, which)) or (
                    COMPANIONS.get((key, which), []) if table in ("", "workload", "bus", "costs") else [])
                if value == "same":  # e.g. think_jitter_cycles up to think_cycles
                    value = 10**6
                text = scenario_text(table, key, value, comp)
                for notify in a.notify.split(","):
                    runs += 1
                    limit = WORK_MAX_CYCLES if key in WORK_KEYS else a.max_cycles
                    verdict, detail = run(a.bin, text, notify, limit, a.timeout, work)
                    name = f"{table + '.' if table else ''}{key} = {value} ({notify})"
                    if verdict == "refused" and ruled and f"{key}:" in detail:
                        continue
                    if verdict == "halted" and halts:
                        continue
                    if verdict != "ok":
                        bad += 1
                        print(f"{verdict:8} {name}: {detail}")
    print(f"edge_sweep: {runs} runs over {len(ranges)} documented ranges, {bad} not ok")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
