#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`shadowsel report DIR` on a real output folder (docs/report.md): index.html with
at least four embedded PNGs and no URL, the same bytes on a second run; a folder
without stats.json gives one line naming the file and exit 2.
Usage: report_test.py --bin build/shadowsel --scenarios tb/scenarios"""

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

from checks import check, finish


def digest(d):
    return {n: hashlib.sha256(open(os.path.join(d, n), "rb").read()).hexdigest() for n in sorted(os.listdir(d))}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", required=True)
    p.add_argument("--scenarios", required=True)
    a = p.parse_args()
    tmp = tempfile.mkdtemp(prefix="shadowsel_report_test_")
    out = os.path.join(tmp, "out")
    r = subprocess.run([a.bin, "--scenario", os.path.join(a.scenarios, "dedup.toml"), "--notify", "rtl",
                        "--out", out], capture_output=True, text=True, timeout=300)
    check(r.returncode == 0, f"the run: {r.returncode} {r.stderr}")
    rep = lambda *args: subprocess.run([a.bin, "report", *args], capture_output=True, text=True, timeout=300)
    r = rep(out)
    check(r.returncode == 0, f"report exits 0: {r.returncode} {r.stderr}")
    page = os.path.join(out, "report", "index.html")
    text = open(page).read() if os.path.exists(page) else ""
    pngs = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', text)
    check(len(pngs) >= 4, f"at least 4 embedded PNGs, got {len(pngs)}")
    check(all(x.startswith("iVBORw0KGgo") for x in pngs), "every image is a PNG")
    # Outside the embedded images, whose base64 may spell "http" by chance.
    bare = re.sub(r'data:image/png;base64,[A-Za-z0-9+/=]+', "", text).lower()
    check("http" not in bare and "src=\"/" not in bare and "href=" not in bare and "url(" not in bare,
          "no external URL")
    for want in ("Wake-up latency", "Bus utilisation", "CPU", "Messages", "sim.cycles"):
        check(want in text, f"index.html has {want}")
    # The select path on the engine: remote select wake-ups are plotted.
    check("remote select" in text or "remote select" in open(page).read(), "remote select wake-ups in the plot")
    first = digest(os.path.join(out, "report"))
    check(len([n for n in first if n.endswith(".png")]) >= 4, f"PNG files beside index.html: {sorted(first)}")
    r = rep(out)
    check(r.returncode == 0 and digest(os.path.join(out, "report")) == first, "a second run gives the same bytes")

    # The figures behind the plots add up (the built-in ring scenario: processes compute).
    ring = os.path.join(tmp, "ring")
    r = subprocess.run([a.bin, "--out", ring], capture_output=True, text=True, timeout=300)
    for d in (out, ring):
        st = json.load(open(os.path.join(d, "stats.json")))["stats"]
        cycles = st["sim"]["cycles"]
        for c, x in st["cpu"].items():
            parts = [x[k] for k in ("user_cycles", "kernel_cycles", "agent_cycles", "irq_cycles", "idle_cycles")]
            check(min(parts) >= 0 and sum(parts) == cycles, f"{d} cpu {c}: time split {parts} adds up to {cycles}")
            check(sum(x["msg"]["sent_by_kind"].values()) == x["msg"]["sent"], f"{d} cpu {c}: messages by kind")
        for lane in ("X", "Y"):
            s = st["bus"][lane]["busy_cycles_over_time"]
            check(sum(s["values"]) == st["bus"][lane]["busy_cycles"] and len(s["values"]) <= 1000
                  and s["window_cycles"] * len(s["values"]) <= cycles + s["window_cycles"],
                  f"{d} lane {lane}: busy over time adds up")
        h = st["msg"]["latency_cycles"]["histogram"]
        check(sum(h["count"]) == st["msg"]["latency_cycles"]["count"], f"{d}: message latency histogram")
    st = json.load(open(os.path.join(ring, "stats.json")))["stats"]
    check(all(x["user_cycles"] > 0 for x in st["cpu"].values()), "ring: every CPU has user time")
    st = json.load(open(os.path.join(out, "stats.json")))["stats"]
    check(sum(x["agent_cycles"] for x in st["cpu"].values()) > 0, "dedup: agents' time")
    sel = sum(x["posix"]["wake_latency_cycles"]["remote_select"]["count"] for x in st["cpu"].values())
    check(sel == st["select"]["remote_wake_latency_cycles"]["count"] and sel > 0,
          f"dedup: remote select wake-ups by CPU {sel} = all {st['select']['remote_wake_latency_cycles']['count']}")

    # Missing input: one line naming the file, non-zero exit.
    empty = os.path.join(tmp, "empty")
    os.makedirs(empty)
    r = rep(empty)
    lines = r.stderr.strip().splitlines()
    check(r.returncode == 2 and len(lines) == 1 and os.path.join(empty, "stats.json") in lines[0],
          f"missing stats.json: {r.returncode} {r.stderr!r}")
    shutil.copy(os.path.join(out, "run.json"), os.path.join(empty, "stats.json"))
    r = rep(empty)
    check(r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "stats.json: no stats" in r.stderr,
          f"stats.json without stats: {r.stderr!r}")
    r = rep(os.path.join(tmp, "nowhere"))
    check(r.returncode == 2 and "no such folder" in r.stderr, f"no folder: {r.stderr!r}")
    r = rep(os.path.join(out, "run.json"))  # a file, not a folder
    check(r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and
          "run.json: not a folder (an output folder" in r.stderr, f"a file: {r.stderr!r}")

    return finish("report_test")


if __name__ == "__main__":
    sys.exit(main())
