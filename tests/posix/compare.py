#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Compare a POSIX test program built natively (Linux, the oracle) with the
same program built against the POSIX layer and run on the simulated machine.

  compare.py NATIVE SIM [--sim-args ARG...]   stdout and exit status must match
  compare.py --native-only NATIVE [--runs N]  N native runs (default 3) must agree

On a mismatch: a unified diff of the outputs, both exit statuses and the
simulator's stderr; exit status 1. On success: one line.
"""
import difflib
import os
import subprocess
import sys

TIMEOUT_S = 60


def run(cmd):
    """(stdout bytes, exit status text, stderr bytes) of cmd."""
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired as e:
        return e.stdout or b"", f"timeout after {TIMEOUT_S} s", e.stderr or b""
    except OSError as e:
        return b"", f"could not run: {e}", b""
    if p.returncode < 0:
        status = f"killed by signal {-p.returncode}"
    else:
        status = f"exit {p.returncode}"
    return p.stdout, status, p.stderr


def diff(a, b, name_a, name_b):
    lines = difflib.unified_diff(a.decode(errors="replace").splitlines(keepends=True),
                                 b.decode(errors="replace").splitlines(keepends=True),
                                 fromfile=name_a, tofile=name_b)
    out = "".join(lines)
    return out if out.endswith("\n") or not out else out + "\n"


def usage():
    sys.stderr.write(__doc__)
    return 2


def native_only(args):
    runs = 3
    if "--runs" in args:
        i = args.index("--runs")
        runs = int(args[i + 1])
        del args[i:i + 2]
    if len(args) != 1:
        return usage()
    native = args[0]
    name = os.path.basename(native)
    first = run([native])
    for k in range(1, runs):
        other = run([native])
        if other[:2] != first[:2]:
            sys.stdout.write(f"FAIL {name}: native run {k + 1} differs from run 1\n")
            sys.stdout.write(diff(first[0], other[0], "run 1", f"run {k + 1}"))
            sys.stdout.write(f"run 1: {first[1]}\nrun {k + 1}: {other[1]}\n")
            sys.stdout.write(f"run {k + 1} stderr:\n{other[2].decode(errors='replace')}")
            return 1
    if first[1] != "exit 0":
        sys.stdout.write(f"FAIL {name}: native {first[1]}\n{first[0].decode(errors='replace')}")
        sys.stdout.write(f"stderr:\n{first[2].decode(errors='replace')}")
        return 1
    print(f"OK {name}: {runs} native runs agree ({len(first[0])} bytes, {first[1]})")
    return 0


def main():
    args = sys.argv[1:]
    if args[:1] == ["--native-only"]:
        return native_only(args[1:])
    sim_args = []
    if "--sim-args" in args:
        i = args.index("--sim-args")
        sim_args = args[i + 1:]
        args = args[:i]
    if len(args) != 2:
        return usage()
    native, sim = args
    n_out, n_status, _ = run([native])
    s_out, s_status, s_err = run([sim] + sim_args)
    name = os.path.basename(native)
    if n_out == s_out and n_status == s_status:
        print(f"OK {name}: simulated output matches Linux ({len(n_out)} bytes, {n_status})")
        return 0
    sys.stdout.write(f"FAIL {name}: simulated run differs from Linux\n")
    sys.stdout.write(diff(n_out, s_out, "linux", "simulated"))
    sys.stdout.write(f"linux: {n_status}\nsimulated: {s_status}\n")
    sys.stdout.write(f"simulated stderr:\n{s_err.decode(errors='replace')}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
