#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Run one formal check of a property wrapper with Yosys + yosys-smtbmc (z3).

    run_formal.py --top ne_lit_props --work DIR [--define NAME[=V]]...
                  [--param NAME=V]... [--force WIRE=VALUE]... --mode bmc|prove
                  --depth N [--skip S] [--expect-fail LABEL] [--timeout S] FILE...

The recipe is the one of TOOLCHAIN.md: `read_verilog -formal -sv -mem2reg`
(with the defines; -mem2reg turns the tables' arrays into one register per
entry), `chparam` of the wrapper's test parameters, `hierarchy`, `proc`,
`flatten`, the probes (below), `prep -top`, `async2sync`, `dffunmap`,
`write_smt2 -wires`; then

* mode bmc: `yosys-smtbmc -s z3 --unroll --presat -t N` (bounded: no
  assertion fails in the first N steps from reset; --presat makes
  unsatisfiable assumptions an error, not a vacuous pass; --unroll because z3
  4.8 spins on the non-unrolled encoding of these designs);
* mode prove: the same BMC as the base case, then the N-induction step
  (`-i -t N`). Both passing is an unbounded proof.

--force WIRE=VALUE (negative checks) injects a design fault without editing the
RTL: after flattening, the design's wire (e.g. dut.or_we) is cut from its
driver and tied to VALUE (`connect -set`).

--expect-fail LABEL turns the check into a negative test: it passes only when
BMC finds a counterexample in which the assertion labelled LABEL fails, never
on a tool or syntax error or on another assertion. Every other assertion is
removed first (`chformal -assert -remove`): when several properties catch the
fault at the same step, which one the solver's counterexample breaks depends on
how the netlist happens to be encoded, and an equivalent RTL edit must not
decide the check. The counterexample trace is left in DIR/trace.vcd.

Probes. Yosys 0.23 does not resolve hierarchical references, so the
auxiliary invariants that k-induction needs reach the design's internal
registers through probe wires: a source line

    //@probe LOCAL = dut.NAME
    //@probe for i in 0..{E-1}: LOCAL[{i*8+7}:{i*8}] = dut.NAME[{i}]

declares that the wrapper's undriven wire LOCAL (or a slice of it) is driven,
after flattening, by the design's wire NAME of instance dut; `{expr}` is a
Python expression over i (each value of the inclusive range) and the
wrapper's integer parameters and localparams (E above: its default in the
file, or --param). A probe that names no wire is a
Yosys error, so a renamed register is noticed. The properties themselves are
stated on the module's ports; probes serve the inductive invariants and the
few properties about internal state (a_full_honest).

Exit status: 0 the expectation holds; 1 it does not; 2 tool error.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path


def run(cmd: list[str], log: Path, timeout: int) -> tuple[int, str]:
    """Runs cmd in its own process group (so a timeout also ends the solver it started)."""
    with open(log, "w") as f:
        p = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, cwd=log.parent,
                             start_new_session=True)
        try:
            rc = p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            f.write(f"\nTIMEOUT after {timeout} s\n")
            rc = 124
    return rc, log.read_text(errors="replace")


PROBE_RE = re.compile(r"//@probe\s+(?:for\s+(\w+)\s+in\s+(\S+)\.\.(\S+)\s*:)?\s*(.+?)\s*=\s*(\S+)")
PARAM_RE = re.compile(r"\b(?:localparam|parameter)\s+(?:int\s+unsigned|int|bit)?\s*(\w+)\s*=\s*(\d+)\b")


def probes(files: list[str], params: dict[str, int]) -> list[tuple[str, str]]:
    """(local, hierarchical) pairs of every //@probe line of the files. `{expr}` and the
    range bounds are Python expressions over the loop variable and the integer
    parameters of the files (their defaults, overridden by --param)."""
    out = []
    for f in files:
        text = Path(f).read_text()
        env0 = {k: int(v) for k, v in PARAM_RE.findall(text)}
        env0.update(params)

        def ev(t: str, env: dict) -> str:
            return re.sub(r"\{([^}]*)\}", lambda e: str(eval(e.group(1), {}, env)), t)

        for line in text.splitlines():
            m = PROBE_RE.search(line)
            if not m:
                continue
            var, lo, hi, lhs, rhs = m.groups()
            if var:
                rng = range(int(ev(lo, env0)), int(ev(hi, env0)) + 1)
            else:
                rng = [None]
            for i in rng:
                env = dict(env0, **({var: i} if var else {}))
                out.append((ev(lhs, env), ev(rhs, env)))
    return out


def tail(text: str, n: int = 25) -> str:
    return "\n".join(text.rstrip().splitlines()[-n:])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--top", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--define", action="append", default=[])
    ap.add_argument("--param", action="append", default=[])
    ap.add_argument("--incdir", action="append", default=[])
    ap.add_argument("--force", action="append", default=[], metavar="WIRE=VALUE",
                    help="negative checks: cut the design's wire (e.g. dut.or_we) from its "
                         "driver and tie it to VALUE (e.g. 1'b0)")
    ap.add_argument("--mode", choices=["bmc", "prove"], default="bmc")
    ap.add_argument("--depth", type=int, default=20)
    ap.add_argument("--expect-fail", metavar="LABEL", default=None)
    ap.add_argument("--skip", type=int, default=0, metavar="S",
                    help="negative checks: check no assertion in the first S steps (the "
                         "counterexample cannot be shorter), so BMC spends no time on them")
    ap.add_argument("--timeout", type=int, default=300)
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()

    work = Path(a.work).resolve()
    a.files = [str(Path(f).resolve()) for f in a.files]
    a.incdir = [str(Path(d).resolve()) for d in a.incdir]
    work.mkdir(parents=True, exist_ok=True)
    for f in a.files:
        if not Path(f).exists():
            print(f"run_formal.py: missing source {f}", file=sys.stderr)
            return 2
    defs = " ".join(f"-D{d}" for d in a.define)
    incs = " ".join(f"-I{d}" for d in a.incdir)
    script = [f"read_verilog -formal -sv -mem2reg {defs} {incs} " + " ".join(a.files)]
    if a.param:
        sets = " ".join("-set " + p.replace("=", " ", 1) for p in a.param)
        script.append(f"chparam {sets} {a.top}")
    script += [f"hierarchy -check -top {a.top}", "proc", "flatten", f"cd {a.top}"]
    params = {}
    for p in a.param:
        k, _, v = p.partition("=")
        try:
            params[k] = int(v, 0)
        except ValueError:
            pass
    script += [f"connect -nounset -set {lhs} \\{rhs}" for lhs, rhs in probes(a.files, params)]
    if a.force:
        script.append("opt_clean")  # one name per net, so the forced wire is what is read
    for f in a.force:
        wire, _, value = f.partition("=")
        script.append(f"connect -set \\{wire} {value}")
    script += ["cd ..", f"prep -top {a.top}", "async2sync", "dffunmap"]
    if a.expect_fail:
        script.append(f"chformal -assert -remove t:$assert n:{a.expect_fail} %d")
    script += ["write_smt2 -wires model.smt2"]
    (work / "script.ys").write_text("\n".join(script) + "\n")
    t0 = time.monotonic()
    rc, out = run(["yosys", "-q", "-s", "script.ys"], work / "yosys.log", a.timeout)
    if rc != 0 or not (work / "model.smt2").exists():
        print(tail(out))
        print(f"run_formal.py: {a.top}: Yosys failed (status {rc})")
        return 2
    model = (work / "model.smt2").read_text()
    if "assert" not in model:
        print(f"run_formal.py: {a.top}: the model has no assertion")
        return 2
    if a.expect_fail and not re.search(
            rf"^; yosys-smt2-assert \d+ {re.escape(a.expect_fail)}$", model, re.M):
        print(f"run_formal.py: {a.top}: no assertion labelled {a.expect_fail}")
        return 2

    if a.skip and (a.mode == "prove" or a.skip >= a.depth):
        print("run_formal.py: --skip is for bounded checks, below --depth", file=sys.stderr)
        return 2
    base = ["yosys-smtbmc", "-s", "z3", "--unroll", "--noprogress", "--presat", "-t", str(a.depth)]
    steps = f"{a.skip}:{a.depth}" if a.skip else str(a.depth)
    rc, out = run(base[:-1] + [steps, "--dump-vcd", "trace.vcd", "model.smt2"], work / "bmc.log", a.timeout)
    failed = rc != 0 and re.search(r"Assert failed|BMC failed", out) is not None
    status = "PASSED" if rc == 0 else ("FAILED" if failed else "ERROR")
    print(f"run_formal.py: {a.top}: BMC depth {a.depth}: {status} "
          f"({time.monotonic() - t0:.1f} s)")
    if status == "ERROR":
        print(tail(out))
        return 2
    which = [w.strip() for w in re.findall(r"Assert failed in \S+: (.*)", out)]
    if a.expect_fail:
        if failed and any(re.search(rf"\b{re.escape(a.expect_fail)}\b", w) for w in which):
            print(f"run_formal.py: expected counterexample found: {', '.join(which)}; "
                  f"trace {work}/trace.vcd")
            return 0
        if failed:
            print(f"run_formal.py: a counterexample was found, but of {', '.join(which)}, not of "
                  f"{a.expect_fail}")
            return 1
        print(f"run_formal.py: a counterexample of {a.expect_fail} was expected and none was "
              "found: the property does not detect the injected fault")
        return 1
    if failed:
        print(tail(out, 40))
        print(f"run_formal.py: failed: {', '.join(which)}")
        print(f"run_formal.py: counterexample in {work}/trace.vcd")
        return 1
    if a.mode == "prove":
        t1 = time.monotonic()
        rc, out = run(base[:5] + ["-i", "-t", str(a.depth), "--dump-vcd", "induction.vcd",
                                  "model.smt2"], work / "induction.log", a.timeout)
        ok = rc == 0
        print(f"run_formal.py: {a.top}: induction k={a.depth}: "
              f"{'PASSED' if ok else 'FAILED'} ({time.monotonic() - t1:.1f} s)")
        if not ok:
            print(tail(out, 40))
            print(f"run_formal.py: induction counterexample in {work}/induction.vcd "
                  "(may be an unreachable state: strengthen the invariants or raise k)")
            return 1
        print(f"run_formal.py: {a.top}: proved (unbounded, {a.depth}-induction)")
    else:
        print(f"run_formal.py: {a.top}: no failure within {a.depth} steps (bounded)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
