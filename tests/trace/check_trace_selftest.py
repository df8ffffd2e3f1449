#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The checker rejects deliberately broken traces (one fault each) and accepts a good one."""
import copy
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import check_trace  # noqa: E402

GOOD = {"traceEvents": [
    {"ph": "M", "name": "process_name", "pid": 1, "args": {"name": "P"}},
    {"ph": "M", "name": "thread_name", "pid": 1, "tid": 1, "args": {"name": "T1"}},
    {"ph": "M", "name": "thread_name", "pid": 1, "tid": 2, "args": {"name": "T2"}},
    {"ph": "X", "name": "outer", "pid": 1, "tid": 1, "ts": 1.000, "dur": 10.000},
    {"ph": "X", "name": "inner", "pid": 1, "tid": 1, "ts": 2.500, "dur": 1.000,
     "bind_id": 7, "flow_out": True},
    {"ph": "X", "name": "sink", "pid": 1, "tid": 2, "ts": 4.000, "dur": 0.000,
     "bind_id": 7, "flow_in": True},
    {"ph": "C", "name": "c", "pid": 1, "ts": 1.000, "args": {"v": 3}},
    {"ph": "i", "s": "t", "name": "mark", "pid": 1, "tid": 2, "ts": 5.000},
]}


def broken(fault):
    t = copy.deepcopy(GOOD)
    ev = t["traceEvents"]
    if fault == "overlap":
        ev.append({"ph": "X", "name": "crosses", "pid": 1, "tid": 1, "ts": 10.000, "dur": 5.000})
    elif fault == "flow without end":
        del ev[5]["flow_in"]
        ev[5]["flow_out"] = True
        ev[4]["bind_id"] = 8
    elif fault == "flow end before start":
        ev[5]["ts"] = 2.000
    elif fault == "unnamed thread":
        ev.append({"ph": "X", "name": "x", "pid": 1, "tid": 3, "ts": 1.000, "dur": 1.000})
    elif fault == "unnamed process":
        ev.append({"ph": "C", "name": "c", "pid": 9, "ts": 1.000, "args": {"v": 1}})
    elif fault == "no ts":
        del ev[3]["ts"]
    elif fault == "no dur":
        del ev[3]["dur"]
    elif fault == "ts not exact to the ns":
        ev[4]["ts"] = 2.5004
    elif fault == "counter not numeric":
        ev[6]["args"]["v"] = "3"
    return json.dumps(t)


FAULTS = ["overlap", "flow without end", "flow end before start", "unnamed thread", "unnamed process",
          "no ts", "no dur", "ts not exact to the ns", "counter not numeric"]


def main():
    failures = 0
    with tempfile.TemporaryDirectory() as d:
        good = Path(d) / "good.json"
        good.write_text(json.dumps(GOOD))
        errors, _ = check_trace.check(good)
        if errors:
            print(f"the good trace was rejected: {errors}")
            failures += 1
        for fault in FAULTS + ["truncated"]:
            p = Path(d) / "bad.json"
            p.write_text(json.dumps(GOOD)[:-7] if fault == "truncated" else broken(fault))
            errors, _ = check_trace.check(p)
            if not errors:
                print(f"not rejected: {fault}")
                failures += 1
            else:
                print(f"rejected ({fault}): {errors[0]}")
        # The command line: exit 1 on a bad file, and on a folder without traces.
        if check_trace.main([str(p)]) != 1 or check_trace.main(["--dir", str(Path(d) / "none")]) != 1:
            print("the command line did not fail")
            failures += 1
        Path(d, "none").mkdir()
        if check_trace.main(["--dir", str(Path(d) / "none")]) != 1:
            print("an empty folder passed")
            failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
