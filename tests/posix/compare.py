#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Compare a POSIX test program built natively (Linux, the oracle) with the
same program built against the POSIX layer and run on the simulated machine.

  compare.py NATIVE SIM [--terminal S.toml] [--sim-args ARG...]
                                              stdout and exit status must match
  compare.py --native-only NATIVE [--runs N] [--terminal S.toml]
                                              N native runs (default 3) must agree

--terminal: the program uses a terminal (TTY programs). Natively it gets a
pseudo-terminal, whose slave's path is in SHADOWSEL_TTY, and this script plays
the terminal of line 0 of the scenario's [[tty.input]] entries: each entry's
`text` is typed once the terminal's output shows its `after` text (in turn, each
match after the previous one), as the simulated terminal model does. The
simulated run gets `--scenario S.toml`, which gives its /dev/tty0 the same
terminal.

On a mismatch: a unified diff of the outputs, both exit statuses and the
simulator's stderr; exit status 1. On success: one line.
"""
import difflib
import os
import pty
import select
import subprocess
import sys
import time
import tomllib

TIMEOUT_S = 60


def terminal_script(path):
    """[(after, text)] of line 0 of a scenario's [[tty.input]], in order."""
    with open(path, "rb") as f:
        inputs = tomllib.load(f).get("tty", {}).get("input", [])
    script = []
    for i, e in enumerate(inputs):
        if e.get("line", 0) != 0:
            continue
        if "after" not in e or e.get("delay_cycles", 0) != 0:
            raise SystemExit(f"{path}: tty.input[{i}]: a native terminal can only type after some output, "
                             "with no delay")
        script.append((e["after"].encode(), e["text"].encode()))
    return script


def run_on_terminal(cmd, script):
    """run(cmd) with a pseudo-terminal for SHADOWSEL_TTY, typed on as `script` says."""
    master, slave = pty.openpty()
    env = dict(os.environ, SHADOWSEL_TTY=os.ttyname(slave))
    try:
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=env)
    except OSError as e:
        os.close(master)
        os.close(slave)
        return b"", f"could not run: {e}", b""
    os.close(slave)  # the program opens it by name
    seen = b""
    matched = 0
    out, err = [], []
    streams = {p.stdout.fileno(): out, p.stderr.fileno(): err}
    deadline = time.monotonic() + TIMEOUT_S
    while streams and time.monotonic() < deadline:
        fds = list(streams) + [master]
        ready, _, _ = select.select(fds, [], [], 0.1)
        for fd in ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the last slave descriptor closed
                chunk = b""
            if fd == master:
                seen += chunk
                while script:
                    at = seen.find(script[0][0], matched)
                    if at < 0:
                        break
                    matched = at + len(script[0][0])
                    os.write(master, script[0][1])
                    script = script[1:]
                continue
            if chunk:
                streams[fd].append(chunk)
            else:
                del streams[fd]
    os.close(master)
    try:
        p.wait(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        return b"".join(out), f"timeout after {TIMEOUT_S} s", b"".join(err)
    status = f"killed by signal {-p.returncode}" if p.returncode < 0 else f"exit {p.returncode}"
    if script:
        err.append(f"terminal: never saw {script[0][0]!r} in the output ({seen!r})\n".encode())
    return b"".join(out), status, b"".join(err)


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


def take_terminal(args):
    """Removes --terminal FILE from args; a runner of the native binary."""
    if "--terminal" not in args:
        return lambda cmd: run(cmd)
    i = args.index("--terminal")
    script = terminal_script(args[i + 1])
    del args[i:i + 2]
    return lambda cmd: run_on_terminal(cmd, list(script))


def native_only(args):
    run_native = take_terminal(args)
    runs = 3
    if "--runs" in args:
        i = args.index("--runs")
        runs = int(args[i + 1])
        del args[i:i + 2]
    if len(args) != 1:
        return usage()
    native = args[0]
    name = os.path.basename(native)
    first = run_native([native])
    for k in range(1, runs):
        other = run_native([native])
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
    terminal = args[args.index("--terminal") + 1] if "--terminal" in args else None
    run_native = take_terminal(args)
    if terminal:
        sim_args = sim_args + ["--scenario", terminal]
    if len(args) != 2:
        return usage()
    native, sim = args
    n_out, n_status, n_err = run_native([native])
    s_out, s_status, s_err = run([sim] + sim_args)
    name = os.path.basename(native)
    if n_out == s_out and n_status == s_status:
        print(f"OK {name}: simulated output matches Linux ({len(n_out)} bytes, {n_status})")
        return 0
    sys.stdout.write(f"FAIL {name}: simulated run differs from Linux\n")
    sys.stdout.write(diff(n_out, s_out, "linux", "simulated"))
    sys.stdout.write(f"linux: {n_status}\nsimulated: {s_status}\n")
    sys.stdout.write(f"simulated stderr:\n{s_err.decode(errors='replace')}")
    sys.stdout.write(f"linux stderr:\n{n_err.decode(errors='replace')}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
