#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Hardware report of the notify engine: area and clock of `ne_top` on iCE40.

    /usr/bin/python3 scripts/hw_report.py [--build build] [--out docs/hw-report.md]
        [--config NAME:PARAM=VALUE,...]... [--device hx8k --package ct256]

For each configuration (default: the RTL's default parameters, then
LIT_ENTRIES = RIT_ENTRIES = RDT_ENTRIES = 2, 64 and 256: DEFAULT_CONFIGS) it runs

1. Yosys generic `synth -flatten -top ne_top` and takes the cell count
   (`stat -json`);
2. Yosys `synth_ice40 -top ne_top` and sums the mapped cells: SB_LUT4 as LUTs,
   every SB_DFF* variant as FFs, every SB_RAM40_4K* variant as BRAMs,
   SB_CARRY as carries; for the default parameters also with -noflatten, for
   the area of each module;
3. nextpnr-ice40 on `ne_top` inside a generated I/O harness, and takes the
   LAST "Max frequency for clock" line of its log (the first one is the
   pre-route estimate) and the final logic-cell utilisation.

The harness exists because ne_top has several hundred port bits and an iCE40
package has at most a couple of hundred pins: every input of ne_top except
`clk` and `rst_n` comes from one shift chain fed by a pin, every output is
folded into a multiple-input signature register that leaves by one pin, and
`rst_n` is registered once. So the placed design is ne_top plus about one
logic cell per port bit, every path of
ne_top starts and ends at a flip-flop, and the Fmax is ne_top's internal
register-to-register speed. The LUT/FF/BRAM columns are ne_top alone (step 2).

Parameters are set with Yosys `chparam` on ne_top; the values in the report
are read back from the elaborated design, not from this script.

Every number in the written Markdown comes from the tools' output. A step
that fails (for example a configuration that does not fit the device) is
reported as such in the table, with the tool's own error line.

The RTL file list comes from rtl/ne/files.f when it exists (one path per line,
relative to the repository root or to the list; `$BUILD`/`${BUILD}` stands for
the build directory; `#` and `//` comments, `+incdir+` and `-` options are
skipped); otherwise it is the generated packages <build>/gen/rtl/*_pkg.sv and
rtl/ne/*.sv, packages first, each package after the packages it refers to.

Exit status: 0 report written (even if a configuration failed to place);
1 synthesis failed on the default configuration, or the RTL is missing.

Scratch files (logs, netlists, the harness) go to <build>/hw-report/<config>/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
TOP = "ne_top"
HARNESS = "ne_hw_harness"
CLOCK = "clk"
RESET = "rst_n"

# The RTL's defaults (16 slots per table), then every table at 2, 64 and 256 slots: how
# logic grows with table size.
DEFAULT_CONFIGS = [
    "default:",
    "tables=2:LIT_ENTRIES=2,RIT_ENTRIES=2,RDT_ENTRIES=2",
    "tables=64:LIT_ENTRIES=64,RIT_ENTRIES=64,RDT_ENTRIES=64",
    "tables=256:LIT_ENTRIES=256,RIT_ENTRIES=256,RDT_ENTRIES=256",
]


# ---------------------------------------------------------------------------
# File list


def _pkg_order(pkgs: list[Path]) -> list[Path]:
    """Packages in dependency order: a package after those it names (`x_pkg::`)."""
    names = {p.stem: p for p in pkgs}
    deps: dict[str, set[str]] = {}
    for p in pkgs:
        text = p.read_text(errors="replace")
        used = set(re.findall(r"\b(\w+_pkg)\s*::", text)) | set(
            re.findall(r"\bimport\s+(\w+_pkg)\b", text))
        deps[p.stem] = {u for u in used if u in names and u != p.stem}
    ordered: list[str] = []
    seen: set[str] = set()

    def visit(n: str, stack: tuple[str, ...]) -> None:
        if n in seen or n in stack:
            return
        for d in sorted(deps[n]):
            visit(d, stack + (n,))
        seen.add(n)
        ordered.append(n)

    for n in sorted(names):
        visit(n, ())
    return [names[n] for n in ordered]


def _rel(p: Path) -> str:
    try:
        return str(p.resolve().relative_to(REPO_ROOT.resolve()))
    except ValueError:
        return str(p)


def rtl_files(build: Path, rtl_dir: Path) -> tuple[list[Path], str]:
    """The RTL files of ne_top in read order, and where the list came from."""
    flist = rtl_dir / "files.f"
    if flist.exists():
        files = []
        for raw in flist.read_text().splitlines():
            line = re.split(r"#|//", raw, maxsplit=1)[0].strip()
            if not line or line.startswith("+") or line.startswith("-"):
                continue
            line = line.replace("${BUILD}", str(build)).replace("$BUILD", str(build))
            p = Path(line)
            if not p.is_absolute():
                cand = [REPO_ROOT / p, flist.parent / p, build / p]
                p = next((c for c in cand if c.exists()), cand[0])
            files.append(p)
        return files, _rel(flist)
    gen = sorted((build / "gen" / "rtl").glob("*_pkg.sv"))
    ne = sorted(rtl_dir.glob("*.sv"))
    pkgs = _pkg_order(gen + [p for p in ne if p.name.endswith("_pkg.sv")])
    rest = [p for p in ne if not p.name.endswith("_pkg.sv")]
    return pkgs + rest, f"{_rel(build)}/gen/rtl/*_pkg.sv + {_rel(rtl_dir)}/*.sv"


# ---------------------------------------------------------------------------
# Running the tools


@dataclass
class Step:
    ok: bool = False
    seconds: float = 0.0
    error: str = ""


@dataclass
class Result:
    name: str
    overrides: dict[str, int]
    params: dict[str, int] = field(default_factory=dict)
    generic_cells: int | None = None
    luts: int | None = None
    ffs: int | None = None
    brams: int | None = None
    carries: int | None = None
    ff_types: dict[str, int] = field(default_factory=dict)
    port_bits_in: int | None = None
    port_bits_out: int | None = None
    lc_used: str = ""
    fmax_mhz: float | None = None
    fmax_target: str = ""
    crit_from: str = ""
    crit_to: str = ""
    crit_summary: str = ""
    steps: dict[str, Step] = field(default_factory=dict)
    by_module: list[tuple[str, int, int, int, int, int]] = field(default_factory=list)


def _run(cmd: list[str], log: Path, timeout: int) -> tuple[int, str]:
    """Runs cmd, stdout+stderr into log; returns (status, log text)."""
    try:
        with open(log, "w") as f:
            proc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, timeout=timeout,
                                  cwd=log.parent)
        rc = proc.returncode
    except subprocess.TimeoutExpired:
        with open(log, "a") as f:
            f.write(f"\nERROR: timeout after {timeout} s\n")
        rc = 124
    return rc, log.read_text(errors="replace")


def _first_error(text: str) -> str:
    for line in text.splitlines():
        if "ERROR" in line:
            return re.sub(r"^Info:\s*|^\s+", "", line).strip()[:200]
    lines = [l for l in text.splitlines() if l.strip()]
    return (lines[-1].strip() if lines else "no output")[:200]


def _yosys_read(files: list[Path], build: Path, overrides: dict[str, int]) -> str:
    incdirs = sorted({str(p.parent) for p in files})
    inc = " ".join(f"-I{d}" for d in incdirs)
    cmds = [f"read_verilog -sv {inc} " + " ".join(str(p) for p in files)]
    if overrides:
        sets = " ".join(f"-set {k} {v}" for k, v in overrides.items())
        cmds.append(f"chparam {sets} {TOP}")
    return "; ".join(cmds)


def _stat(path: Path) -> dict:
    """The design totals of a Yosys `stat -json` file."""
    d = json.loads(path.read_text())
    return d["design"]


def _hier_stat(path: Path) -> list[tuple[str, int, int, int, int, int]]:
    """(module, instances, LUT4, FF, BRAM, carry) per module of a Yosys text `stat` of a
    hierarchy (counts are per module definition; instances from its design hierarchy)."""
    sections: dict[str, dict[str, int]] = {}
    insts: dict[str, int] = {}
    name = None
    in_hier = False
    for line in path.read_text().splitlines():
        m = re.match(r"^=== (.*) ===$", line)
        if m:
            name = m.group(1)
            in_hier = name == "design hierarchy"
            if not in_hier:
                sections[name] = {}
            continue
        if in_hier:
            if "Number of" in line:
                break
            m = re.match(r"^\s+(\S+)\s+(\d+)$", line)
            if m:
                insts[m.group(1)] = insts.get(m.group(1), 0) + int(m.group(2))
            continue
        m = re.match(r"^\s+(SB_\w+)\s+(\d+)$", line)
        if m and name in sections:
            sections[name][m.group(1)] = int(m.group(2))
    rows = []
    for raw, cnt in sections.items():
        short = re.findall(r"\\(\w+)", raw)
        params = re.findall(r"\\(\w+)=s?\d*'([01]+)", raw)
        label = (short[0] if short else raw) + "".join(
            f" {k}={int(v, 2)}" for k, v in params if k == "N")
        ffs = sum(v for k, v in cnt.items() if k.startswith("SB_DFF"))
        brams = sum(v for k, v in cnt.items() if k.startswith("SB_RAM40_4K"))
        rows.append((label, insts.get(raw, 1), cnt.get("SB_LUT4", 0), ffs, brams,
                     cnt.get("SB_CARRY", 0)))
    return rows


def _params_of(json_path: Path) -> dict[str, int]:
    d = json.loads(json_path.read_text())
    m = d["modules"].get(TOP)
    if m is None:
        return {}
    out = {}
    for k, v in m.get("parameter_default_values", {}).items():
        try:
            out[k] = int(v, 2) if re.fullmatch(r"[01]+", v) else int(v)
        except ValueError:
            pass
    return out


def _ports_of(json_path: Path, module: str) -> list[tuple[str, str, int]]:
    d = json.loads(json_path.read_text())
    ports = d["modules"][module]["ports"]
    return [(n, p["direction"], len(p["bits"])) for n, p in ports.items()]


def harness_sv(ports: list[tuple[str, str, int]]) -> tuple[str, int, int]:
    """A wrapper that feeds ne_top from one pin and folds its outputs into one pin."""
    ins = [(n, w) for n, d, w in ports if d == "input" and n not in (CLOCK, RESET)]
    outs = [(n, w) for n, d, w in ports if d == "output"]
    ni = sum(w for _, w in ins)
    no = sum(w for _, w in outs)
    lines = [
        "// generated by scripts/hw_report.py: I/O harness for place and route only.",
        "// Inputs: one shift chain from pin sin. Outputs: a multiple-input signature",
        "// register (out_q[i] <= o[i] ^ out_q[i+1]) to pin sout. Reset is registered.",
        f"module {HARNESS} (input wire {CLOCK}, input wire {RESET}, input wire sin,",
        "                  output wire sout);",
        "  reg rst_q;",
        f"  always @(posedge {CLOCK}) rst_q <= {RESET};",
        f"  reg [{ni - 1}:0] in_q;",
        f"  always @(posedge {CLOCK}) in_q <= {{in_q[{ni - 2}:0], sin}};" if ni > 1
        else f"  always @(posedge {CLOCK}) in_q <= sin;",
        f"  wire [{no - 1}:0] o;",
        f"  reg [{no - 1}:0] out_q;",
        f"  always @(posedge {CLOCK}) out_q <= o ^ {{1'b0, out_q[{no - 1}:1]}};",
        "  assign sout = out_q[0];",
        f"  {TOP} dut (",
        f"    .{CLOCK}({CLOCK}),",
        f"    .{RESET}(rst_q),",
    ]
    conns = []
    lo = 0
    for n, w in ins:
        conns.append(f"    .{n}(in_q[{lo + w - 1}:{lo}])")
        lo += w
    lo = 0
    for n, w in outs:
        conns.append(f"    .{n}(o[{lo + w - 1}:{lo}])")
        lo += w
    lines.append(",\n".join(conns))
    lines += ["  );", "endmodule", ""]
    return "\n".join(lines), ni, no


def run_config(res: Result, files: list[Path], build: Path, work: Path, args) -> None:
    d = work / res.name.replace("=", "_").replace(" ", "_")
    d.mkdir(parents=True, exist_ok=True)
    read = _yosys_read(files, build, res.overrides)

    # 1. generic synthesis
    t0 = time.monotonic()
    script = (f"{read}; synth -flatten -top {TOP}; tee -q -o {d}/generic_stat.json stat -json; "
              f"write_json {d}/generic.json")
    rc, text = _run(["yosys", "-q", "-l", str(d / "generic.log"), "-p", script],
                    d / "generic.out", args.timeout)
    st = Step(ok=rc == 0, seconds=time.monotonic() - t0)
    if rc == 0:
        res.generic_cells = _stat(d / "generic_stat.json")["num_cells"]
        res.params = _params_of(d / "generic.json")
    else:
        st.error = _first_error(text)
    res.steps["synth"] = st
    print(f"  {res.name}: generic synth {'ok' if st.ok else 'FAILED'} ({st.seconds:.0f} s)",
          flush=True)

    # 2. iCE40 synthesis of ne_top alone
    t0 = time.monotonic()
    script = (f"{read}; synth_ice40 -top {TOP} -json {d}/ice40.json; "
              f"tee -q -o {d}/ice40_stat.json stat -json")
    rc, text = _run(["yosys", "-q", "-l", str(d / "ice40.log"), "-p", script],
                    d / "ice40.out", args.timeout)
    st = Step(ok=rc == 0, seconds=time.monotonic() - t0)
    if rc == 0:
        by = _stat(d / "ice40_stat.json").get("num_cells_by_type", {})
        res.luts = by.get("SB_LUT4", 0)
        res.ff_types = {k: v for k, v in sorted(by.items()) if k.startswith("SB_DFF")}
        res.ffs = sum(res.ff_types.values())
        res.brams = sum(v for k, v in by.items() if k.startswith("SB_RAM40_4K"))
        res.carries = by.get("SB_CARRY", 0)
        if not res.params:
            res.params = _params_of(d / "ice40.json")
    else:
        st.error = _first_error(text)
    res.steps["synth_ice40"] = st
    print(f"  {res.name}: synth_ice40 {'ok' if st.ok else 'FAILED'} ({st.seconds:.0f} s)",
          flush=True)

    # 2b. the same, hierarchy kept: area by module (configurations with the defaults)
    if st.ok and not res.overrides:
        t0 = time.monotonic()
        script = (f"{read}; synth_ice40 -noflatten -top {TOP}; "
                  f"tee -q -o {d}/ice40_hier_stat.txt stat")
        rc, text = _run(["yosys", "-q", "-l", str(d / "ice40_hier.log"), "-p", script],
                        d / "ice40_hier.out", args.timeout)
        hs = Step(ok=rc == 0, seconds=time.monotonic() - t0)
        if rc == 0:
            res.by_module = _hier_stat(d / "ice40_hier_stat.txt")
        else:
            hs.error = _first_error(text)
        res.steps["synth_ice40 -noflatten"] = hs
        print(f"  {res.name}: synth_ice40 -noflatten {'ok' if hs.ok else 'FAILED'} "
              f"({hs.seconds:.0f} s)", flush=True)
    if not st.ok or args.skip_pnr:
        return

    # 3. place and route ne_top inside the I/O harness
    ports = _ports_of(d / "ice40.json", TOP)
    hsv, res.port_bits_in, res.port_bits_out = harness_sv(ports)
    (d / f"{HARNESS}.v").write_text(hsv)
    t0 = time.monotonic()
    script = (f"{read}; read_verilog {d}/{HARNESS}.v; "
              f"synth_ice40 -top {HARNESS} -json {d}/pnr_in.json")
    rc, text = _run(["yosys", "-q", "-l", str(d / "harness.log"), "-p", script],
                    d / "harness.out", args.timeout)
    if rc != 0:
        res.steps["pnr"] = Step(False, time.monotonic() - t0, "harness synthesis: " +
                                _first_error(text))
        return
    cmd = ["nextpnr-ice40", f"--{args.device}", "--package", args.package,
           "--json", str(d / "pnr_in.json"), "--asc", str(d / "pnr.asc"),
           "--report", str(d / "pnr_report.json"), "--seed", str(args.seed),
           "--freq", f"{args.freq:g}", "--timing-allow-fail"]
    rc, text = _run(cmd, d / "nextpnr.log", args.pnr_timeout)
    st = Step(ok=rc == 0, seconds=time.monotonic() - t0)
    lcs = re.findall(r"ICESTORM_LC:\s+(\d+)\s*/\s*(\d+)\s+(\d+)%", text)
    if lcs:
        used, avail, pct = lcs[-1]
        res.lc_used = f"{used}/{avail} ({pct}%)"
    fm = re.findall(r"Max frequency for clock\s+'([^']*)':\s+([0-9.]+) MHz \((\w+) at ([0-9.]+) MHz\)",
                    text)
    if rc == 0 and fm:
        clk, mhz, verdict, target = fm[-1]
        res.fmax_mhz = float(mhz)
        res.fmax_target = f"{verdict} at {target} MHz"
        try:
            rep = json.loads((d / "pnr_report.json").read_text())
            path = rep["critical_paths"][0]["path"]
            res.crit_from = path[0]["from"]["cell"]
            res.crit_to = path[-1]["to"]["cell"]
            res.crit_summary = _path_summary(path)
        except (OSError, KeyError, IndexError, ValueError):
            pass
    else:
        st.ok = False
        st.error = _first_error(text)
    res.steps["pnr"] = st
    print(f"  {res.name}: nextpnr {'ok' if st.ok else 'FAILED'} ({st.seconds:.0f} s)", flush=True)


# ---------------------------------------------------------------------------
# Report


def _path_summary(path: list[dict]) -> str:
    """Logic levels, delays and the instances a nextpnr critical path goes through."""
    logic = [st for st in path if st.get("type") == "logic"]
    route = [st for st in path if st.get("type") == "routing"]
    insts: list[str] = []
    for st in path:
        cell = st.get("to", {}).get("cell", "")
        if cell.startswith("dut."):
            part = cell.split(".")[1]
            inst = part if part.startswith("u_") else TOP
        elif cell.startswith("$nextpnr"):
            continue  # cells nextpnr made (carry feed-ins): no instance
        else:
            inst = "harness"
        if not insts or insts[-1] != inst:
            insts.append(inst)
    return (f"{len(logic)} logic cells, {sum(st['delay'] for st in logic):.1f} ns of logic and "
            f"{sum(st['delay'] for st in route):.1f} ns of routing, through cells named after "
            + " → ".join(insts))


def _tool_version(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        text = (out.stdout + out.stderr).strip().splitlines()
        return text[0].strip() if text else "?"
    except OSError as e:
        return f"not found ({e.strerror})"


def _git_state(paths: list[str]) -> str:
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, cwd=REPO_ROOT).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--"] + paths,
                               capture_output=True, text=True, cwd=REPO_ROOT).stdout.strip()
        return rev + (" with uncommitted changes under " + ", ".join(paths) if dirty else "")
    except OSError:
        return "?"


def _over_full(lc_used: str) -> bool:
    m = re.match(r"(\d+)/(\d+)", lc_used)
    return bool(m) and int(m.group(1)) > int(m.group(2))


def _n(v) -> str:
    return "—" if v is None else str(v)


def write_report(results: list[Result], files: list[Path], source: str, args, out: Path) -> None:
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    dev = f"iCE40 {args.device.upper()} ({args.package})"
    L = []
    L.append("# Notify engine: hardware report")
    L.append("")
    L.append("Generated by `scripts/hw_report.py` (`make hw-report`); do not edit by hand. "
             "Every number below is read from the output of Yosys or nextpnr.")
    L.append("")
    L.append(f"Top module `{TOP}`; device for place and route: {dev}; generated {now}; "
             f"sources at git {_git_state(['rtl'])}.")
    L.append("")
    L.append("| configuration | parameters (as elaborated) | generic cells | LUT4 | FF | BRAM "
             "(SB_RAM40_4K) | carry | logic cells placed (with harness) | Fmax MHz (after routing) |")
    L.append("|---|---|---:|---:|---:|---:|---:|---|---:|")
    for r in results:
        params = ", ".join(f"{k}={v}" for k, v in sorted(r.params.items())) or "?"
        pnr = r.steps.get("pnr")
        if r.fmax_mhz is not None:
            fmax = f"{r.fmax_mhz:.2f}"
        elif pnr is None:
            fmax = "not run" if args.skip_pnr or not r.steps.get("synth_ice40", Step()).ok else "—"
        elif _over_full(r.lc_used) or "no BELs remaining" in pnr.error:
            fmax = "does not fit"
        else:
            fmax = "failed (see below)"
        L.append(f"| {r.name} | {params} | {_n(r.generic_cells)} | {_n(r.luts)} | {_n(r.ffs)} | "
                 f"{_n(r.brams)} | {_n(r.carries)} | {r.lc_used or '—'} | {fmax} |")
    L.append("")
    fit = [r for r in results if r.fmax_mhz is not None]
    nofit = [r for r in results if r.steps.get("pnr") and not r.steps["pnr"].ok]
    if fit:
        L.append("Placed and routed on the " + dev + ": " + ", ".join(
            f"{r.name} ({r.lc_used} logic cells, {r.fmax_mhz:.2f} MHz)" for r in fit) + ".")
    if nofit:
        L.append(("Not placed: " if fit else "No configuration placed: ") + ", ".join(
            f"{r.name} (needs {r.lc_used or '?'} logic cells)" for r in nofit) + "; the "
            + dev + " is the largest iCE40 nextpnr-ice40 0.4 offers (--up5k is smaller).")
    L.append("")
    L.append("Columns:")
    L.append("")
    L.append(f"* **generic cells**: `synth -flatten -top {TOP}` then `stat` (Yosys internal gate-level "
             "cells, technology independent).")
    L.append(f"* **LUT4, FF, BRAM, carry**: `synth_ice40 -top {TOP}` then `stat`, {TOP} alone: "
             "SB_LUT4; every SB_DFF* variant summed; SB_RAM40_4K*; SB_CARRY.")
    L.append(f"* **logic cells placed, Fmax**: nextpnr-ice40 `--{args.device} --package "
             f"{args.package} --seed {args.seed} --freq {args.freq:g} --timing-allow-fail` (the "
             f"goal, {args.freq:g} MHz, as the target placement and routing optimise for) on "
             f"{TOP} inside a generated I/O harness (every input but `{CLOCK}`/`{RESET}` from one "
             "shift chain, every output into a signature register, reset registered), because "
             f"{TOP} has more port bits than the package has pins. The harness adds about one "
             "logic cell per port bit to the placed count; Fmax is the last \"Max frequency "
             "for clock\" line of the log, i.e. after routing, and since every path of "
             f"{TOP} starts and ends at a flip-flop it is {TOP}'s register-to-register speed.")
    L.append("")
    L.append("Details:")
    L.append("")
    for r in results:
        bits = ""
        if r.port_bits_in is not None:
            bits = (f" Port bits through the harness: {r.port_bits_in} in, "
                    f"{r.port_bits_out} out.")
        fft = ", ".join(f"{k} {v}" for k, v in r.ff_types.items())
        L.append(f"* **{r.name}**: " + "; ".join(
            f"{k} {'ok' if s.ok else 'FAILED'} in {s.seconds:.0f} s"
            + ("" if s.ok else f" (`{s.error.replace('`', chr(39))}`)")
            for k, s in r.steps.items()) + "." + bits
            + (f" FF types: {fft}." if fft else "")
            + (f" {r.fmax_target}; critical path from `{r.crit_from}` to `{r.crit_to}`"
               f"{': ' + r.crit_summary if r.crit_summary else ''}."
               if r.fmax_mhz is not None and r.crit_from else ""))
    L.append("")
    for r in results:
        if not r.by_module:
            continue
        L.append(f"Area by module, configuration {r.name} (`synth_ice40 -noflatten -top {TOP}`: "
                 "no optimisation across modules, so the total differs a little from the "
                 "flattened run above; counts per instance of each module):")
        L.append("")
        L.append("| module | instances | LUT4 | FF | BRAM | carry |")
        L.append("|---|---:|---:|---:|---:|---:|")
        for name, n, lut, ff, bram, carry in sorted(r.by_module, key=lambda x: -x[2]):
            L.append(f"| {name} | {n} | {lut} | {ff} | {bram} | {carry} |")
        tot = [sum(x[1] * x[i] for x in r.by_module) for i in range(2, 6)]
        L.append(f"| (total) | | {tot[0]} | {tot[1]} | {tot[2]} | {tot[3]} |")
        L.append("")
    L.append(f"RTL files ({source}), in read order:")
    L.append("")
    for p in files:
        L.append(f"* `{_rel(p)}`")
    L.append("")
    L.append("Tools:")
    L.append("")
    L.append(f"* {_tool_version(['yosys', '-V'])}")
    L.append(f"* {_tool_version(['nextpnr-ice40', '--version'])}")
    L.append("")
    out.write_text("\n".join(L))


# ---------------------------------------------------------------------------


def parse_config(text: str) -> tuple[str, dict[str, int]]:
    name, _, rest = text.partition(":")
    ov = {}
    for item in filter(None, (s.strip() for s in rest.split(","))):
        k, _, v = item.partition("=")
        ov[k.strip()] = int(v, 0)
    return name.strip(), ov


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default="build", help="CMake build directory (generated packages)")
    ap.add_argument("--rtl-dir", default="rtl/ne", help="directory of the RTL (and files.f)")
    ap.add_argument("--out", default="docs/hw-report.md")
    ap.add_argument("--work", default=None, help="scratch directory (default <build>/hw-report)")
    ap.add_argument("--config", action="append", default=None,
                    help="NAME:PARAM=VALUE,... (repeatable; default: %s)" % DEFAULT_CONFIGS)
    ap.add_argument("--device", default="hx8k", choices=["hx8k", "up5k", "hx1k", "lp8k"])
    ap.add_argument("--package", default="ct256")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--freq", type=float, default=50,
                    help="MHz nextpnr aims for (the engine's goal on the HX8K)")
    ap.add_argument("--timeout", type=int, default=1800, help="seconds per Yosys run")
    ap.add_argument("--pnr-timeout", type=int, default=1800, help="seconds per nextpnr run")
    ap.add_argument("--skip-pnr", action="store_true")
    args = ap.parse_args()

    build = (REPO_ROOT / args.build).resolve() if not Path(args.build).is_absolute() \
        else Path(args.build)
    work = Path(args.work).resolve() if args.work else build / "hw-report"
    out = (REPO_ROOT / args.out) if not Path(args.out).is_absolute() else Path(args.out)
    for tool in ("yosys", "nextpnr-ice40"):
        if shutil.which(tool) is None:
            print(f"hw_report.py: {tool} not found (make setup)", file=sys.stderr)
            return 1

    rtl_dir = Path(args.rtl_dir) if Path(args.rtl_dir).is_absolute() else REPO_ROOT / args.rtl_dir
    files, source = rtl_files(build, rtl_dir)
    missing = [p for p in files if not p.exists()]
    if not any(p.name == f"{TOP}.sv" for p in files) or missing:
        print(f"hw_report.py: RTL incomplete: {TOP}.sv "
              f"{'missing' if not any(p.name == f'{TOP}.sv' for p in files) else 'found'}"
              + (f"; missing {', '.join(map(str, missing))}" if missing else ""), file=sys.stderr)
        return 1
    work.mkdir(parents=True, exist_ok=True)

    results = []
    for c in args.config or DEFAULT_CONFIGS:
        name, ov = parse_config(c)
        print(f"hw_report.py: {name}", flush=True)
        r = Result(name=name, overrides=ov)
        run_config(r, files, build, work, args)
        results.append(r)
    write_report(results, files, source, args, out)
    print(f"hw_report.py: wrote {_rel(out)}")
    return 0 if all(r.steps.get("synth_ice40", Step()).ok for r in results if not r.overrides) \
        else 1


if __name__ == "__main__":
    sys.exit(main())
