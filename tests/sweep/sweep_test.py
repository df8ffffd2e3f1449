#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`shadowsel sweep` end to end (docs/sweep.md): a 2x2 grid through GNU parallel on
this machine, merged rows checked against each run's own stats.json; a grid with a
failing run; a re-run that skips complete runs; the Slurm job array script; bad
grid files. Usage: sweep_test.py --bin build/shadowsel --scenarios tb/scenarios"""

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile

from checks import check, finish


def sweep(bin_, *args, cwd=None):
    return subprocess.run([bin_, "sweep", *args], capture_output=True, text=True, timeout=300, cwd=cwd)


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", required=True)
    p.add_argument("--scenarios", required=True)
    a = p.parse_args()
    bin_ = os.path.abspath(a.bin)
    base = os.path.abspath(os.path.join(a.scenarios, "dedup.toml"))
    tmp = tempfile.mkdtemp(prefix="shadowsel_sweep_test_")

    # 1. A 2x2 grid through GNU parallel; a dotted key; notify as a string.
    grid = os.path.join(tmp, "grid.toml")
    with open(grid, "w") as f:
        f.write(f'base = "{base}"\nargs = ["--max-cycles=3000000"]\n[grid]\ncpus = [2, 3]\n'
                '"bus.width_bytes" = [4, 8]\nnotify = ["rtl"]\n')
    out = os.path.join(tmp, "out")
    r = sweep(bin_, grid, "--out", out, "-j", "2")
    check(r.returncode == 0, f"2x2 sweep exits 0, got {r.returncode}: {r.stderr}")
    with open(os.path.join(out, "manifest.tsv")) as f:
        manifest = f.read().splitlines()
    check(manifest[0] == "run\tcpus\tbus.width_bytes\tnotify", f"manifest header: {manifest[0]!r}")
    check(manifest[1:] == ["0000\t2\t4\trtl", "0001\t2\t8\trtl", "0002\t3\t4\trtl", "0003\t3\t8\trtl"],
          f"manifest rows: {manifest[1:]}")
    res = rows(os.path.join(out, "results.csv"))
    check(len(res) == 4, f"4 merged rows, got {len(res)}")
    want = [("2", "4"), ("2", "8"), ("3", "4"), ("3", "8")]
    for row, (cpus, width) in zip(res, want):
        run_dir = os.path.join(out, "runs", row["run"])
        with open(os.path.join(run_dir, "stats.json")) as f:
            stats = json.load(f)
        check(row["cpus"] == cpus and row["bus.width_bytes"] == width and row["exit_status"] == "0",
              f"row {row['run']}: values and status {row['cpus']}, {row['bus.width_bytes']}, {row['exit_status']}")
        # The run really used the values: its own stats.json says so.
        check(stats["scenario"]["cpus"] == int(cpus), f"run {row['run']} ran {stats['scenario']['cpus']} CPUs")
        check(stats["scenario"]["notify"] == "rtl", f"run {row['run']} notify {stats['scenario']['notify']}")
        for fig, val in (("stats.sim.cycles", stats["stats"]["sim"]["cycles"]),
                         ("stats.bus.X.busy_cycles", stats["stats"]["bus"]["X"]["busy_cycles"])):
            check(float(row[fig]) == float(val), f"run {row['run']}: {fig} {row[fig]} != stats.json {val}")
        check(os.path.isfile(os.path.join(run_dir, "run.json")), f"run {row['run']} has run.json")
    check(not any(".values" in c or ".histogram" in c for c in res[0]), "lists are not columns")
    # Wider lanes move the same packets in fewer busy cycles.
    check(float(res[1]["stats.bus.X.busy_cycles"]) < float(res[0]["stats.bus.X.busy_cycles"]),
          "width 8 is busy fewer cycles than width 4")
    jl = [json.loads(line) for line in open(os.path.join(out, "results.jsonl"))]
    check(len(jl) == 4 and jl[3]["values"] == {"cpus": 3, "bus.width_bytes": 8, "notify": "rtl"}
          and jl[3]["exit_status"] == 0, f"results.jsonl: {jl[3]['values'] if jl else None}")

    # 2. Re-run: complete runs are skipped, their outputs untouched.
    stamp = os.stat(os.path.join(out, "runs", "0002", "stats.json")).st_mtime_ns
    r = sweep(bin_, grid, "--out", out, "-j", "2")
    check(r.returncode == 0 and "4 already complete, 0 to run" in r.stdout, f"re-run skips: {r.stdout}")
    check(os.stat(os.path.join(out, "runs", "0002", "stats.json")).st_mtime_ns == stamp, "re-run left run 0002")
    # A run whose output went missing runs again.
    os.remove(os.path.join(out, "runs", "0001", "stats.json"))
    r = sweep(bin_, grid, "--out", out, "-j", "2")
    check(r.returncode == 0 and "3 already complete, 1 to run" in r.stdout, f"re-run of one: {r.stdout}")

    # 3. One failing run: the sweep fails, the row keeps its exit status (from the joblog).
    bad = os.path.join(tmp, "bad.toml")
    with open(bad, "w") as f:
        f.write(f'base = "{base}"\nargs = ["--max-cycles=1000000"]\n[grid]\n"workload.owner_cpu" = [0, 7]\n')
    bout = os.path.join(tmp, "bad_out")
    r = sweep(bin_, bad, "--out", bout)
    check(r.returncode == 1, f"a failed run fails the sweep, got {r.returncode}")
    res = rows(os.path.join(bout, "results.csv"))
    check([x["exit_status"] for x in res] == ["0", "2"], f"statuses {[x['exit_status'] for x in res]}")
    check("0001" in r.stderr and len(r.stderr.strip().splitlines()) == 1, f"one line names the run: {r.stderr}")
    with open(os.path.join(bout, "runs", "0001", "stderr.txt")) as f:
        check("--set workload.owner_cpu: must be below cpus" in f.read(), "the run's own error is kept")

    # 4. Slurm: chunks of at most --slurm-chunk tasks, each task one run.sh.
    sout = os.path.join(tmp, "slurm_out")
    r = sweep(bin_, grid, "--out", sout, "--slurm", "--slurm-chunk", "3")
    check(r.returncode == 0, f"--slurm exits 0: {r.stderr}")
    chunks = sorted(os.listdir(os.path.join(sout, "slurm")))
    check(chunks == ["chunk_000.sbatch", "chunk_001.sbatch", "submit.sh"], f"slurm files {chunks}")
    texts = [open(os.path.join(sout, "slurm", c)).read() for c in chunks[:2]]
    check("#SBATCH --array=0-2" in texts[0] and "offset=0" in texts[0], "chunk 0: tasks 0-2 from run 0")
    check("#SBATCH --array=0-0" in texts[1] and "offset=3" in texts[1], "chunk 1: task 0 from run 3")
    check(not os.path.exists(os.path.join(sout, "runs", "0003", "stats.json")), "--slurm runs nothing")
    # A task as Slurm would start it: chunk 1, task 0 is run 0003.
    env = dict(os.environ, SLURM_ARRAY_TASK_ID="0")
    t = subprocess.run(["bash", os.path.join(sout, "slurm", "chunk_001.sbatch")], env=env, timeout=120)
    check(t.returncode == 0 and os.path.exists(os.path.join(sout, "runs", "0003", "stats.json")),
          "slurm chunk 1 task 0 ran run 0003")
    r = sweep(bin_, grid, "--out", sout, "--merge")
    res = rows(os.path.join(sout, "results.csv"))
    check(r.returncode == 1 and [x["exit_status"] for x in res] == ["", "", "", "0"],
          f"--merge after one task: {r.returncode} {[x['exit_status'] for x in res]}")
    r = sweep(bin_, grid, "--out", sout, "--slurm", "--slurm-chunk", "1001")
    check(r.returncode == 2 and "--slurm-chunk: must be 1..1000" in r.stderr, f"chunk above 1000: {r.stderr}")

    # A swept string holding a tab and a quote keeps its columns in manifest.tsv.
    tgrid = os.path.join(tmp, "tab_grid.toml")
    with open(tgrid, "w") as f:
        f.write(f'base = "{base}"\n[grid]\nname = ["a\\tb", "say \\"hi\\""]\ncpus = [2]\n')
    tout = os.path.join(tmp, "tab_out")
    r = sweep(bin_, tgrid, "--out", tout, "--slurm")
    check(r.returncode == 0, f"tab grid --slurm exits 0: {r.stderr}")
    with open(os.path.join(tout, "manifest.tsv"), newline="") as f:
        table = list(csv.reader(f, delimiter="\t"))
    check(table == [["run", "name", "cpus"], ["0000", "a\tb", "2"], ["0001", 'say "hi"', "2"]],
          f"manifest.tsv with a tab and a quote: {table}")

    # 5. Bad grid files: one line naming FILE:LINE, exit 2, nothing run.
    cases = [
        ('base = "%s"\n[grid]\ncpus = 2\n' % base, "grid.toml:3: grid.cpus: expected a non-empty list"),
        ('base = "%s"\n[grid]\ncpus = [2, 4\n' % base, "grid.toml:3: "),
        ('[grid]\ncpus = [2]\n', "grid.toml: missing key 'base'"),
        ('base = "nope.toml"\n[grid]\ncpus = [2]\n', "grid.toml:1: base: no scenario file 'nope.toml'"),
        ('base = "%s"\nbogus = 1\n[grid]\ncpus = [2]\n' % base, "grid.toml:2: unknown key 'bogus'"),
        ('base = "%s"\n[grid]\ncpus = [2, 2]\n' % base, "grid.toml:3: grid.cpus: a value is listed twice"),
        ('base = "%s"\n' % base, "grid.toml: missing table [grid]"),
        ('base = "%s"\nargs = ["--waves=w.fst"]\n[grid]\ncpus = [2]\n' % base,
         "grid.toml:2: args: --waves is set by the sweep for each run"),
        ('base = "%s"\nargs = ["--set", "cpus=3"]\n[grid]\ncpus = [2]\n' % base,
         "grid.toml:2: args: --set cpus=3 sets grid.cpus, which the sweep sets for each run"),
        ('base = "%s"\nargs = ["--cpus=3"]\n[grid]\ncpus = [2]\n' % base,
         "grid.toml:2: args: --cpus 3 sets grid.cpus, which the sweep sets for each run"),
        ('base = "%s"\nargs = ["--set=bus={width_bytes=8}"]\n[grid]\nbus.width_bytes = [4]\n' % base,
         "grid.toml:2: args: --set bus={width_bytes=8} sets grid.bus.width_bytes, which the sweep sets"),
    ]
    for text, want in cases:
        d = tempfile.mkdtemp(dir=tmp)
        g = os.path.join(d, "grid.toml")
        with open(g, "w") as f:
            f.write(text)
        r = sweep(bin_, g, "--out", os.path.join(d, "o"))
        lines = r.stderr.strip().splitlines()
        check(r.returncode == 2 and len(lines) == 1 and want in lines[0] and r.stdout == "",
              f"bad grid {text!r}: {r.returncode} {r.stderr!r}")
    r = sweep(bin_, g, "--out", "")
    check(r.returncode == 2 and r.stderr.strip().endswith("--out: empty value") and r.stdout == "",
          f"--out '': {r.returncode} {r.stderr!r}")
    # A value the scenario reader refuses is the run's error, named by --set.
    r = sweep(bin_, os.path.join(tmp, "nogrid.toml"), "--out", os.path.join(tmp, "x"))
    check(r.returncode == 2 and "cannot read" in r.stderr, f"missing grid file: {r.stderr}")

    # 6. The report of the 2x2 sweep folder: chosen figures against the swept keys.
    rep = subprocess.run([bin_, "report", out, "--figure", "stats.sim.cycles", "--figure", "stats.bus.X.utilisation"],
                         capture_output=True, text=True, timeout=300)
    page = os.path.join(out, "report", "index.html")
    text = open(page).read() if os.path.exists(page) else ""
    bare = re.sub(r'data:image/png;base64,[A-Za-z0-9+/=]+', "", text)  # base64 may spell "http"
    check(rep.returncode == 0 and text.count("data:image/png;base64,") == 2 and "http" not in bare.lower(),
          f"sweep report: {rep.returncode} {rep.stderr}")
    check(all(f"<td>{rid}</td>" in text for rid in ("0000", "0001", "0002", "0003")), "sweep report lists every run")
    rep = subprocess.run([bin_, "report", out, "--figure", "stats.nope"], capture_output=True, text=True, timeout=300)
    check(rep.returncode == 2 and "results.csv: no column 'stats.nope'" in rep.stderr, f"bad --figure: {rep.stderr}")
    rep = subprocess.run([bin_, "report", bout], capture_output=True, text=True, timeout=300)
    check(rep.returncode == 0 and "failed or did not run" in open(os.path.join(bout, "report", "index.html")).read(),
          f"report of a sweep with a failed run: {rep.stderr}")

    return finish("sweep_test")


if __name__ == "__main__":
    sys.exit(main())
