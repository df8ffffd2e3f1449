#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Validates Chrome trace-event JSON as shadowsel writes it (docs/trace.md).

    check_trace.py FILE...          check each file
    check_trace.py --dir DIR        check every *.json under DIR (fails when there is none)

Checks: well-formed JSON with a traceEvents array; every event has ph, pid and name
(M too), ts except M, dur >= 0 for X; ts and dur exact to the nanosecond (at most
three decimals of a microsecond); slices (X, B/E) nest strictly per (pid, tid);
every flow (bind_id), taken in time order, ends an arrow (flow_in) only where an
earlier flow_out started one and leaves none open; old-style flow events (s/t/f) match
by id; counters (C) have numeric args; every pid and (pid, tid) with events is named
by process_name / thread_name metadata. Exit 0 when valid, 1 otherwise (errors on
stderr), 2 on usage errors.
"""
import argparse
import json
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

MAX_ERRORS = 20
META_NAMES = {"process_name", "thread_name", "process_sort_index", "thread_sort_index"}


def ns(v):
    """A ts/dur in microseconds as integer ns, or None if it is not exact to the ns."""
    if isinstance(v, bool) or not isinstance(v, (int, Decimal)):
        return None
    n = Decimal(v) * 1000
    if n != n.to_integral_value():
        return None
    return int(n)


def check(path):
    """Returns (errors, summary)."""
    errors = []

    def err(msg):
        if len(errors) < MAX_ERRORS:
            errors.append(msg)
        elif len(errors) == MAX_ERRORS:
            errors.append("... (more errors not shown)")

    try:
        with open(path, "rb") as f:
            doc = json.load(f, parse_float=Decimal)
    except (OSError, ValueError) as e:
        return [f"not well-formed JSON: {e}"], ""
    events = doc.get("traceEvents") if isinstance(doc, dict) else doc
    if not isinstance(events, list):
        return ["no traceEvents array"], ""

    procs, threads = set(), set()
    used_pids, used_threads = {}, {}
    slices = defaultdict(list)      # (pid, tid) -> [(start, -dur, end, index)]
    open_b = defaultdict(list)      # (pid, tid) -> [start ns] of B without E
    flow_out = defaultdict(list)    # bind_id -> [ts]
    flow_in = defaultdict(list)
    flow_steps = defaultdict(list)  # bind_id -> [(ts, index, in, out)]
    old_flows = defaultdict(lambda: {"s": 0, "f": 0})
    counts = defaultdict(int)
    for i, e in enumerate(events):
        where = f"event {i}"
        if not isinstance(e, dict):
            err(f"{where}: not an object")
            continue
        ph = e.get("ph")
        if not isinstance(ph, str):
            err(f"{where}: no ph")
            continue
        counts[ph] += 1
        where = f"event {i} ({ph} {e.get('name')!r})"
        if not isinstance(e.get("name"), str):
            err(f"{where}: no name")
        pid = e.get("pid")
        if not isinstance(pid, int) or isinstance(pid, bool):
            err(f"{where}: no integer pid")
            continue
        tid = e.get("tid")
        if ph == "M":
            name, args = e.get("name"), e.get("args")
            if name not in META_NAMES:
                err(f"{where}: metadata Perfetto does not read")
            elif not isinstance(args, dict):
                err(f"{where}: metadata without args")
            elif name == "process_name":
                if isinstance(args.get("name"), str):
                    procs.add(pid)
                else:
                    err(f"{where}: process_name without args.name")
            elif name == "thread_name":
                if isinstance(args.get("name"), str) and isinstance(tid, int):
                    threads.add((pid, tid))
                else:
                    err(f"{where}: thread_name without tid or args.name")
            continue
        ts = ns(e.get("ts"))
        if ts is None:
            err(f"{where}: ts missing or not exact to the ns: {e.get('ts')!r}")
            continue
        if ts < 0:
            err(f"{where}: negative ts")
        used_pids.setdefault(pid, where)
        if ph == "C":
            args = e.get("args")
            if not isinstance(args, dict) or not args or not all(
                    isinstance(v, (int, Decimal)) and not isinstance(v, bool) for v in args.values()):
                err(f"{where}: counter without numeric args")
            continue
        if not isinstance(tid, int) or isinstance(tid, bool):
            err(f"{where}: no integer tid")
            continue
        used_threads.setdefault((pid, tid), where)
        key = (pid, tid)
        if ph == "X":
            dur = ns(e.get("dur"))
            if dur is None or dur < 0:
                err(f"{where}: dur missing, negative or not exact to the ns: {e.get('dur')!r}")
                continue
            slices[key].append((ts, -dur, ts + dur, i))
        elif ph == "B":
            open_b[key].append((ts, i))
        elif ph == "E":
            if not open_b[key]:
                err(f"{where}: E without B on pid {pid} tid {tid}")
                continue
            start, j = open_b[key].pop()
            if ts < start:
                err(f"{where}: E before its B")
                continue
            slices[key].append((start, -(ts - start), ts, j))
        elif ph in ("s", "t", "f"):
            fid = (e.get("id"), e.get("cat"), e.get("name"))
            if e.get("id") is None:
                err(f"{where}: flow event without id")
            old_flows[fid]["s" if ph == "s" else "f" if ph == "f" else "t"] = 1
        elif ph not in ("i", "I", "n"):
            err(f"{where}: phase {ph!r} not written by shadowsel")
        if "bind_id" in e:
            if ph not in ("X", "B"):
                err(f"{where}: bind_id on a {ph} event (Perfetto binds flows to X/B slices)")
            fin, fout = e.get("flow_in") is True, e.get("flow_out") is True
            if not fin and not fout:
                err(f"{where}: bind_id without flow_in or flow_out")
            if fout:
                flow_out[e["bind_id"]].append(ts)
            if fin:
                flow_in[e["bind_id"]].append(ts)
            flow_steps[e["bind_id"]].append((ts, i, fin, fout))
    for key, opens in open_b.items():
        for start, j in opens:
            err(f"event {j}: B without E on pid {key[0]} tid {key[1]}")

    # Strict nesting per track: sorted by start, longer first at equal starts.
    for key, lst in slices.items():
        lst.sort()
        stack = []
        for start, negdur, end, i in lst:
            while stack and stack[-1][0] <= start:
                stack.pop()
            if stack and end > stack[-1][0]:
                err(f"event {i}: slice [{start}, {end}] ns overlaps event {stack[-1][1]} "
                    f"(ends at {stack[-1][0]} ns) on pid {key[0]} tid {key[1]} without nesting")
            stack.append((end, i))

    # Each chain in time order (file order at equal times): an arrow ends (flow_in) only
    # where one is open, and none is left open at the end.
    for fid in set(flow_out) | set(flow_in):
        steps = sorted(flow_steps[fid], key=lambda x: (x[0], x[1]))
        opened = False
        for ts, i, fin, fout in steps:
            if fin and not opened:
                err(f"flow {fid}: event {i} ends an arrow (flow_in at {ts} ns) that no earlier flow_out started")
            if fin:
                opened = False
            if fout:
                opened = True
        if opened:
            err(f"flow {fid}: starts an arrow (flow_out at {steps[-1][0]} ns) that never ends (no later flow_in)")
    for fid, seen in old_flows.items():
        if seen["s"] != seen["f"]:
            err(f"flow event {fid}: a start without end or an end without start")

    for pid, where in sorted(used_pids.items()):
        if pid not in procs:
            err(f"{where}: pid {pid} has no process_name")
    for key, where in sorted(used_threads.items()):
        if key not in threads:
            err(f"{where}: pid {key[0]} tid {key[1]} has no thread_name")

    nslices = sum(len(v) for v in slices.values())
    summary = (f"{len(events)} events, {nslices} slices on {len(slices)} tracks, "
               f"{len(flow_out)} flows, {counts['C']} counter values")
    return errors, summary


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--dir", type=Path, help="check every *.json under DIR (at least one)")
    a = ap.parse_args(argv)
    files = list(a.files)
    if a.dir:
        found = sorted(a.dir.rglob("*.json"))
        if not found:
            print(f"check_trace.py: no trace (*.json) under {a.dir}", file=sys.stderr)
            return 1
        files += found
    if not files:
        ap.error("no trace given")
    bad = 0
    for p in files:
        errors, summary = check(p)
        if errors:
            bad += 1
            for m in errors:
                print(f"{p}: {m}", file=sys.stderr)
        else:
            print(f"{p}: ok: {summary}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
