#!/usr/bin/python3
"""Checks that posix.h refuses, at compile time, every call it lists as refused.

Usage: check_refused.py CC POSIX_H INCLUDE_DIR

Reads the names of every SHADOWSEL_REFUSED(...) / SHADOWSEL_REFUSED_PTR(...) line of
POSIX_H, then compiles with CC as the simulated programs are compiled:
  1. one file calling each of them: the compilation must fail, with one error per
     name saying "NAME() is not provided by the shadowsel POSIX layer" (GCC also
     names the line of the call, for most names);
  2. one file that uses the same names where they are not calls (struct stat,
     struct sigaction, a member named `time`) and the calls the layer provides in their
     place (pipe2, dup3, time): it must compile, since the refusal is for calls only.
Exit status 0 when both hold, 1 otherwise (what differs is printed).
"""
import os
import re
import subprocess
import sys
import tempfile


def main() -> int:
    cc, header, incdir = sys.argv[1:4]
    names = re.findall(r"^SHADOWSEL_REFUSED(?:_PTR)?\((\w+),", open(header).read(), re.M)
    if len(names) < 50:
        print(f"check_refused: only {len(names)} refused calls found in {header}")
        return 1
    flags = ["-std=c11", "-D_GNU_SOURCE", "-Wall", "-Wextra", f"-I{incdir}",
             "-include", "shadowsel/posix/posix.h", "-fexceptions", "-c", "-o", os.devnull]
    bad = 0
    with tempfile.TemporaryDirectory() as d:
        calls = os.path.join(d, "calls.c")
        with open(calls, "w") as f:
            f.write("int main(void)\n{\n    int n = 0;\n")
            for name in names:
                f.write(f"    n += {name}() != 0;\n")
            f.write("    return n;\n}\n")
        r = subprocess.run([cc, *flags, calls], capture_output=True, text=True)
        if r.returncode == 0:
            print("check_refused: the file calling every refused call compiled")
            bad += 1
        for name in names:
            msg = f"{name}() is not provided by the shadowsel POSIX layer"
            if msg not in r.stderr:
                print(f"check_refused: no error '{msg}'")
                bad += 1

        ok = os.path.join(d, "not_calls.c")
        with open(ok, "w") as f:
            f.write(
                "struct clockish { long time; int stat; };\n"
                "int main(void)\n{\n"
                "    struct stat st;\n"
                "    struct sigaction sa;\n"
                "    struct clockish c = {0, 0};\n"
                "    int fds[2];\n"
                "    (void)st; (void)sa;\n"
                "    if (pipe2(fds, O_NONBLOCK) != 0) return 1;\n"
                "    if (dup3(fds[0], 9, O_CLOEXEC) != 9) return 1;\n"
                "    c.time = (long)time(NULL);\n"
                "    return (int)c.time + c.stat;\n}\n")
        r = subprocess.run([cc, *flags, ok], capture_output=True, text=True)
        if r.returncode != 0:
            print("check_refused: a program using these names other than as calls did not compile:")
            print(r.stderr)
            bad += 1
    print(f"check_refused: {len(names)} refused calls, {'PASS' if not bad else f'{bad} failures'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
