#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""shadowsel sweep GRID.toml --out DIR: one run of the simulator per combination of
the grid's values, run by GNU parallel here or over ssh, or as a Slurm job array;
the results merged into DIR/results.csv and DIR/results.jsonl (docs/sweep.md).

Called by `shadowsel sweep ...` (tb/src/main.cpp), which passes its own path in
SHADOWSEL_BIN. Exit status: 0 every run finished, 1 a run failed (or was not run),
2 bad input (one line on stderr)."""

import argparse
import csv
import io
import itertools
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib

import subcommand

SLURM_MAX_ARRAY = 1000  # Slurm's MaxArraySize defaults to 1001: tasks 0..999


class GridError(Exception):
    """One line: FILE[:LINE]: what is wrong."""


# shadowsel's options that set a scenario key, as --set does (README, "The `shadowsel` command")
OPTION_KEYS = {"--cpus": "cpus", "--seed": "seed", "--freq-mhz": "freq_mhz", "--notify": "notify"}

def die(line):
    subcommand.die("shadowsel sweep", line)


def key_line(text, key):
    """Line of `key` (a grid key, maybe dotted) in the grid file's text, or 0."""
    last = key.split(".")[-1]
    pat = re.compile(r'^\s*(?:"%s"|%s|[^=#]*\.\s*%s)\s*=' % (re.escape(key), re.escape(key), re.escape(last)))
    for i, line in enumerate(text.splitlines(), 1):
        if pat.match(line):
            return i
    return 0


def toml_literal(v):
    """The TOML spelling of a grid value, as --set reads it."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)  # a TOML basic string for everything json escapes
    if isinstance(v, list):
        return "[" + ", ".join(toml_literal(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {toml_literal(x)}" for k, x in v.items()) + "}"
    raise TypeError(type(v).__name__)


def cell(v):
    """A value as written in manifest.tsv and results.csv."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, dict)):
        return toml_literal(v)
    return str(v)


def read_grid(path):
    """(base scenario path, [(key, [values])], extra args) from the grid file."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise GridError(f"{path}: cannot read: {e.strerror}")
    text = raw.decode("utf-8", errors="replace")
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"\(at line (\d+), column \d+\)", str(e))
        line = m.group(1) if m else len(text.splitlines()) if "end of document" in str(e) else 0
        what = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(e))
        raise GridError(f"{path}:{line}: {what}" if line else f"{path}: {what}")

    def fail(key, what):
        line = key_line(text, key)
        raise GridError(f"{path}:{line}: {what}" if line else f"{path}: {what}")

    for k in doc:
        if k not in ("base", "grid", "args"):
            fail(k, f"unknown key '{k}' (a grid file has base, args and [grid])")
    if "base" not in doc:
        raise GridError(f"{path}: missing key 'base' (the scenario file every run starts from)")
    base = doc["base"]
    if not isinstance(base, str) or not base:
        fail("base", "base: expected the path of a scenario file (a string)")
    # The base scenario: beside the grid file first, else from the current folder.
    here = os.path.join(os.path.dirname(os.path.abspath(path)), base)
    cands = [base] if os.path.isabs(base) else [here, os.path.abspath(base)]
    found = next((c for c in cands if os.path.isfile(c)), None)
    if found is None:
        fail("base", f"base: no scenario file '{base}' beside the grid file or in the current folder")
    args = doc.get("args", [])
    if not isinstance(args, list) or not all(isinstance(a, str) and a for a in args):
        fail("args", "args: expected a list of shadowsel options (strings), e.g. [\"--max-cycles=1000000\"]")
    for a in args:
        # one file per run, which the sweep names (every run would write the same one)
        if a.split("=")[0] in ("--out", "--scenario", "--trace", "--waves"):
            fail("args", f"args: {a.split('=')[0]} is set by the sweep for each run")
    grid = doc.get("grid")
    if not isinstance(grid, dict) or not grid:
        if grid is None:
            raise GridError(f"{path}: missing table [grid] (the keys to sweep and their values)")
        fail("grid", "grid: expected a table of keys, each with a list of values")

    axes = []

    def add(prefix, table):
        for k, v in table.items():
            key = f"{prefix}{k}"
            if isinstance(v, dict):
                add(key + ".", v)
                continue
            if not re.fullmatch(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*", key):
                fail(key, f"grid.{key}: not a scenario key")
            if not isinstance(v, list) or not v:
                fail(key, f"grid.{key}: expected a non-empty list of values, e.g. {key} = [2, 4]")
            lits = [toml_literal(x) for x in v]
            if len(set(lits)) != len(lits):
                fail(key, f"grid.{key}: a value is listed twice")
            axes.append((key, v))

    add("", grid)
    # An option of args that sets a swept key would replace the grid's value after it,
    # while manifest.tsv and results.csv would still name the grid's.
    grid_keys = [k for k, _ in axes]
    i = 0
    while i < len(args):
        name, eq, value = args[i].partition("=")
        if not eq and name in ("--set", *OPTION_KEYS) and i + 1 < len(args):
            i += 1
            value = args[i]
        key = value.partition("=")[0].strip() if name == "--set" else OPTION_KEYS.get(name)
        hit = next((k for k in grid_keys if key and (k == key or k.startswith(key + "."))), None)
        if hit:
            fail("args", f"args: {name} {value} sets grid.{hit}, which the sweep sets for each run")
        i += 1
    return found, axes, args


def combinations(axes):
    keys = [k for k, _ in axes]
    for values in itertools.product(*[v for _, v in axes]):
        yield dict(zip(keys, values))


def read_tsv(path):
    with open(path, newline="") as f:
        return list(csv.reader(f, delimiter="\t"))


def complete(run_dir):
    """A run is complete when it exited 0 and its stats.json is there."""
    try:
        with open(os.path.join(run_dir, "exit_status")) as f:
            status = f.read().strip()
    except OSError:
        return False
    return status == "0" and os.path.isfile(os.path.join(run_dir, "stats.json"))


RUN_SH = """#!/usr/bin/env bash
# One run of the sweep (written by shadowsel sweep): run.sh RUN_ID. Runs the
# simulator with runs/RUN_ID/args (one option a line) into runs/RUN_ID/ and
# leaves the exit status in runs/RUN_ID/exit_status. GNU parallel and the Slurm
# job array run this same command.
set -u
id="$1"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$here/runs/$id"
bin=%(bin)s
[ -f "$out/args" ] || { echo "run.sh: no run $id in $here" >&2; exit 2; }
mapfile -t args < "$out/args"
rm -f "$out/exit_status"
"$bin" "${args[@]}" --out "$out" > "$out/stdout.txt" 2> "$out/stderr.txt"
status=$?
echo "$status" > "$out/exit_status"
exit "$status"
"""

SLURM_SH = """#!/usr/bin/env bash
# Slurm job array for the sweep in %(dir)s (written by shadowsel sweep): tasks
# %(first)d..%(last)d of runs.txt, %(count)d runs. Submit with `sbatch %(name)s`
# (or slurm/submit.sh for every chunk); then `shadowsel sweep GRID --out DIR --merge`.
#SBATCH --job-name=shadowsel-sweep
#SBATCH --array=0-%(top)d
#SBATCH --output=%(rawdir)s/slurm/%%A_%%a.log
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=1
offset=%(first)d
line=$((offset + SLURM_ARRAY_TASK_ID + 1))
id="$(sed -n "${line}p" %(dir)s/runs.txt)"
exec %(dir)s/run.sh "$id"
"""


def prepare(grid_path, out, bin_path):
    """Writes manifest.tsv, runs/ID/args, runs.txt and run.sh; returns (keys, rows)."""
    base, axes, extra = read_grid(grid_path)
    keys = [k for k, _ in axes]
    combos = list(combinations(axes))
    width = max(4, len(str(len(combos) - 1)))
    rows = []
    for i, values in enumerate(combos):
        rows.append((f"{i:0{width}d}", values))
    os.makedirs(os.path.join(out, "runs"), exist_ok=True)
    manifest = os.path.join(out, "manifest.tsv")
    header = ["run"] + keys
    # csv quotes a value holding a tab or a quote, so that each row keeps its columns
    table = io.StringIO()
    writer = csv.writer(table, delimiter="\t", lineterminator="\n")
    writer.writerow(header)
    for rid, v in rows:
        writer.writerow([rid] + [cell(v[k]) for k in keys])
    if os.path.exists(manifest):
        old = read_tsv(manifest)
        if old and old[0] != header:
            raise GridError(f"--out {out}: holds a sweep over other keys ({', '.join(old[0][1:])}); "
                            "use another folder")
    write_text(manifest, table.getvalue())
    write_text(os.path.join(out, "runs.txt"), "".join(rid + "\n" for rid, _ in rows))
    for rid, values in rows:
        d = os.path.join(out, "runs", rid)
        os.makedirs(d, exist_ok=True)
        args = ["--scenario", base] + [f"--set={k}={toml_literal(values[k])}" for k in keys] + extra
        for a in args:
            if "\n" in a:
                raise GridError(f"{grid_path}: a value holds a newline")
        if write_text(os.path.join(d, "args"), "".join(a + "\n" for a in args)):
            # Another grid put other values under this id: the old result does not count.
            for stale in ("exit_status", "stats.json"):
                if os.path.exists(os.path.join(d, stale)):
                    os.remove(os.path.join(d, stale))
    run_sh = os.path.join(out, "run.sh")
    write_text(run_sh, RUN_SH % {"bin": shlex.quote(bin_path)})
    os.chmod(run_sh, 0o755)
    return keys, rows


def write_text(path, text):
    """Writes only when the content changes (a re-run leaves files as they were);
    True when it changed a file that was there."""
    existed = os.path.exists(path)
    try:
        with open(path) as f:
            if f.read() == text:
                return False
    except OSError:
        pass
    with open(path, "w") as f:
        f.write(text)
    return existed


def write_slurm(out, rows, chunk):
    d = os.path.abspath(out)
    sd = os.path.join(out, "slurm")
    os.makedirs(sd, exist_ok=True)
    names = []
    for n, first in enumerate(range(0, len(rows), chunk)):
        count = min(chunk, len(rows) - first)
        name = f"chunk_{n:03d}.sbatch"
        write_text(os.path.join(sd, name), SLURM_SH % {
            "dir": shlex.quote(d), "rawdir": d, "first": first, "last": first + count - 1, "count": count,
            "top": count - 1, "name": f"slurm/{name}"})
        names.append(name)
    submit = os.path.join(sd, "submit.sh")
    write_text(submit, "#!/usr/bin/env bash\n# Submits every chunk of the sweep's Slurm job array.\nset -e\n"
               + "".join(f"sbatch {shlex.quote(os.path.join(d, 'slurm', n))}\n" for n in names))
    os.chmod(submit, 0o755)
    return names


def run_parallel(out, todo, jobs, sshloginfile):
    if shutil.which("parallel") is None:
        die("GNU parallel is not installed (scripts/setup installs it: apt-get install parallel)")
    todo_file = os.path.join(out, "todo.txt")
    write_text(todo_file, "".join(rid + "\n" for rid in todo))
    cmd = ["parallel", "--will-cite", "--joblog", os.path.join(out, "joblog.tsv"), "-j", str(jobs)]
    if sshloginfile:
        cmd += ["--sshloginfile", sshloginfile]
    cmd += [shlex.quote(os.path.join(os.path.abspath(out), "run.sh")) + " {}", "::::", todo_file]
    subprocess.run(cmd, stdin=subprocess.DEVNULL)


def joblog_status(out):
    """Exit status (or -signal) of each run in the last parallel --joblog."""
    path = os.path.join(out, "joblog.tsv")
    status = {}
    if not os.path.exists(path):
        return status
    rows = read_tsv(path)
    if not rows:
        return status
    head = rows[0]
    try:
        ci, ei, si = head.index("Command"), head.index("Exitval"), head.index("Signal")
    except ValueError:
        return status
    for r in rows[1:]:
        if len(r) <= max(ci, ei, si):
            continue
        rid = r[ci].split()[-1]
        sig = int(r[si] or 0)
        status[rid] = -sig if sig else int(r[ei] or 0)
    return status


def flatten(x, prefix, out):
    if isinstance(x, dict):
        for k, v in x.items():
            flatten(v, f"{prefix}.{k}" if prefix else str(k), out)
    elif isinstance(x, list):
        pass  # series and histograms: in results.jsonl, not columns
    else:
        out[prefix] = x


def merge(out, keys, rows, from_joblog):
    """results.csv and results.jsonl, one row per run; returns the failed run ids."""
    records, columns, failed = [], [], []
    seen = set()
    for rid, values in rows:
        d = os.path.join(out, "runs", rid)
        status = from_joblog.get(rid)
        if status is None:
            try:
                with open(os.path.join(d, "exit_status")) as f:
                    status = int(f.read().strip())
            except (OSError, ValueError):
                status = None  # not run (yet)
        stats = {}
        try:
            with open(os.path.join(d, "stats.json")) as f:
                stats = json.load(f)
        except (OSError, ValueError):
            pass
        flat = {}
        flatten(stats, "", flat)
        for c in flat:
            if c not in seen:
                seen.add(c)
                columns.append(c)
        if status != 0:
            failed.append(rid)
        records.append((rid, values, status, flat, stats))
    with open(os.path.join(out, "results.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["run"] + keys + ["exit_status"] + columns)
        for rid, values, status, flat, _ in records:
            w.writerow([rid] + [cell(values[k]) for k in keys] + ["" if status is None else status]
                       + [cell(flat[c]) if c in flat else "" for c in columns])
    with open(os.path.join(out, "results.jsonl"), "w") as f:
        for rid, values, status, _, stats in records:
            f.write(json.dumps({"run": rid, "values": values, "exit_status": status, "stats": stats},
                               sort_keys=False) + "\n")
    return failed


def main(argv):
    p = subcommand.Parser(
        prog="shadowsel sweep",
        description="Runs a scenario over a grid of parameters (docs/sweep.md): one run per combination of "
                    "the grid file's values, with GNU parallel (here, or on the hosts of --sshloginfile) or as "
                    "a Slurm job array (--slurm); merges DIR/results.csv and DIR/results.jsonl.")
    p.add_argument("grid", metavar="GRID.toml", help="grid file: base = \"SCENARIO\" and a [grid] table")
    p.add_argument("--out", metavar="DIR", required=True, help="sweep folder")
    p.add_argument("-j", "--jobs", metavar="N", type=int, default=0,
                   help="runs at once on each host (default: one per core)")
    p.add_argument("--sshloginfile", metavar="FILE", help="GNU parallel's host list (N/host for N slots); "
                   "the sweep folder and the binary must be at the same paths there")
    p.add_argument("--slurm", action="store_true", help="write a Slurm job array (DIR/slurm/) instead of running")
    p.add_argument("--slurm-chunk", metavar="N", type=int, default=SLURM_MAX_ARRAY,
                   help=f"tasks per job array, at most {SLURM_MAX_ARRAY}")
    p.add_argument("--merge", action="store_true", help="only merge the results of runs already done")
    p.add_argument("--bin", metavar="PATH", default=os.environ.get("SHADOWSEL_BIN"), help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if not a.bin:
        die("SHADOWSEL_BIN is not set: run this as `shadowsel sweep`")
    if a.jobs < 0:
        die("-j: must be 0 (one per core) or more")
    if not 1 <= a.slurm_chunk <= SLURM_MAX_ARRAY:
        die(f"--slurm-chunk: must be 1..{SLURM_MAX_ARRAY}, got {a.slurm_chunk}")
    if a.sshloginfile and not os.path.isfile(a.sshloginfile):
        die(f"--sshloginfile: no file '{a.sshloginfile}'")
    if not a.out:
        die("--out: empty value")
    if os.path.exists(a.out) and not os.path.isdir(a.out):
        die(f"--out: '{a.out}' is not a folder")
    try:
        keys, rows = prepare(a.grid, a.out, os.path.abspath(a.bin))
    except GridError as e:
        die(str(e))
    except OSError as e:
        die(f"--out: {e.filename}: {e.strerror}")

    if a.slurm:
        names = write_slurm(a.out, rows, a.slurm_chunk)
        print(f"sweep: {len(rows)} runs in {len(names)} Slurm job array(s): {a.out}/slurm/submit.sh submits them")
        return 0
    from_joblog = {}
    if not a.merge:
        todo = [rid for rid, _ in rows if not complete(os.path.join(a.out, "runs", rid))]
        skipped = len(rows) - len(todo)
        print(f"sweep: {len(rows)} runs, {skipped} already complete, {len(todo)} to run", flush=True)
        if todo:
            run_parallel(a.out, todo, a.jobs or os.cpu_count() or 1, a.sshloginfile)
            from_joblog = joblog_status(a.out)
    failed = merge(a.out, keys, rows, from_joblog)
    print(f"sweep: {len(rows) - len(failed)} of {len(rows)} runs finished; "
          f"{a.out}/results.csv, {a.out}/results.jsonl")
    if failed:
        print(f"shadowsel sweep: {len(failed)} run(s) failed or did not run: "
              + ", ".join(failed[:10]) + (" ..." if len(failed) > 10 else "")
              + f" (see {a.out}/runs/RUN/stderr.txt)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
