#!/usr/bin/python3
"""The link-time audit of a program built against the POSIX layer (docs/posix.md,
"How the layer keeps programs off the host").

Usage: posix_audit.py --allowed LIST --layer LIB --header POSIX_H [--source-dir DIR] OBJ...

Every symbol the objects OBJ... use but do not define must be
  - an entry point of the layer: a shadowsel_* name with C linkage that LIB (the
    layer's library) defines, or
  - a host function of the allow-list LIST (one file, a [group] per kind of call,
    saying why it is safe; a name ending in * stands for every name it begins).
Anything else would reach the host C library and act on the simulator's own process,
so it is reported, one line per symbol:
  SOURCE: SYMBOL (in FUNCTIONS): why
where SOURCE is the object's source file (under DIR, from CMake's object path) or the
object. A system call instruction in the code (inline assembly) is reported the same
way. Exit status 0 when nothing is reported, 1 when something is, 2 for bad input
(a malformed LIST line, with its file and line).

What it cannot see: a host function reached without a symbol of its own (a pointer
computed at run time, code of a library the program links that is not among OBJ).
"""
import argparse
import os
import re
import subprocess
import sys

ACTS = "it would act on the simulator's process"
WHY = f"not provided by the shadowsel POSIX layer and not a pure host function; {ACTS}"
IDENT = re.compile(r"[A-Za-z_]\w*$")


class BadInput(Exception):
    pass


def run(*cmd: str) -> str:
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        why = "; ".join(line for line in r.stderr.splitlines() if line.strip())  # one line
        raise BadInput(f"{' '.join(cmd)}: {why or f'exit status {r.returncode}'}")
    return r.stdout


def read_allowed(path: str, kept_by_header: dict[str, str]) -> dict[str, str]:
    """name -> its group, from LIST; every problem is BadInput naming file and line."""
    allowed: dict[str, tuple[str, int]] = {}
    group = None
    for n, line in enumerate(open(path), 1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        if text.startswith("["):
            m = re.match(r"\[([\w-]+)\]\s+(\S.*)$", text)
            if not m:
                raise BadInput(f"{path}:{n}: a group line is '[name] why its calls are safe'")
            group = m.group(1)
            continue
        if group is None:
            raise BadInput(f"{path}:{n}: names before the first [group] line")
        for name in text.split():
            if not IDENT.match(name.removesuffix("*")):
                raise BadInput(f"{path}:{n}: '{name}' is not a C identifier (or a prefix of some, ending in *)")
            if name in allowed:
                raise BadInput(f"{path}:{n}: {name} listed twice (first at line {allowed[name][1]})")
            if name in kept_by_header:
                raise BadInput(f"{path}:{n}: {name} cannot be allowed: posix.h {kept_by_header[name]} it")
            allowed[name] = (group, n)
    return {name: g for name, (g, _) in allowed.items()}


def header_names(path: str) -> tuple[dict[str, str], str]:
    """The host names posix.h keeps from the host (name -> 'renames' or 'refuses'), and
    the name it gives `main`."""
    kept, main_name = {}, "main"
    for m in re.finditer(r"^#define\s+(\w+)(?:\([^)]*\))?\s+(shadowsel_(refused_)?\w+)", open(path).read(), re.M):
        if m.group(1) == "main":
            main_name = m.group(2)
        else:
            kept[m.group(1)] = "refuses" if m.group(3) else "renames"
    return kept, main_name


def layer_entry_points(lib: str) -> set[str]:
    """The shadowsel_* functions with C linkage (unmangled) the layer's library defines."""
    names = set()
    for line in run("nm", "-g", "--defined-only", lib).splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "TW" and parts[2].startswith("shadowsel_"):
            names.add(parts[2])
    if not names:
        raise BadInput(f"{lib}: defines no shadowsel_* entry point: not the layer's library")
    return names


def symbols(obj: str, defined: bool) -> set[str]:
    opt = "--defined-only" if defined else "--undefined-only"
    return {line.split()[-1] for line in run("nm", "-g", opt, obj).splitlines() if line.split()}


def uses(obj: str, main_name: str) -> tuple[dict[str, list[str]], list[tuple[str, str]]]:
    """Which functions of `obj` refer to each symbol, and its system call instructions
    (`main` shown under its own name rather than posix.h's `main_name`)."""
    where: dict[str, list[str]] = {}
    syscalls = []
    fn = "?"
    for line in run("objdump", "-dr", "--no-show-raw-insn", obj).splitlines():
        m = re.match(r"[0-9a-f]+ <(.+)>:$", line)
        if m:
            fn = "main" if m.group(1) == main_name else m.group(1)
            continue
        m = re.search(r"\sR_\w+\s+([\w.@]+?)(?:[+-]0x[0-9a-f]+)?$", line)
        if m:
            sym = m.group(1).split("@")[0]
            if fn not in where.setdefault(sym, []):
                where[sym].append(fn)
            continue
        m = re.match(r"\s*[0-9a-f]+:\s+(syscall|sysenter|int\s+\$0x80|svc\s+#?0x0|svc\s+#0)\b", line)
        if m:
            syscalls.append((fn, m.group(1)))
    return where, syscalls


def source_of(obj: str, source_dir: str | None) -> str:
    """CMake names an object DIR/CMakeFiles/TARGET.dir/REL.o for the source SOURCE_DIR/REL."""
    m = re.search(r"CMakeFiles/[^/]+\.dir/(.+)\.o(bj)?$", obj)
    if source_dir and m:
        src = os.path.normpath(os.path.join(source_dir, m.group(1)))
        if os.path.exists(src):
            rel = os.path.relpath(src)
            return src if rel.startswith("..") else rel
    return obj


def why(sym: str, kept: dict[str, str]) -> str:
    if kept.get(sym) == "refuses":
        return ("refused by posix.h (this reference escapes its macro: the function's address, or a call "
                f"written ({sym})(...)); {ACTS}")
    if kept.get(sym) == "renames":
        return (f"posix.h renames it to the layer's shadowsel_{sym}, but this reference escapes the macro "
                f"(the function's address, or a call written ({sym})(...)), so it is the host's; "
                f"{ACTS}")
    return WHY


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--allowed", required=True)
    ap.add_argument("--layer", required=True)
    ap.add_argument("--header", required=True)
    ap.add_argument("--source-dir")
    ap.add_argument("objects", nargs="+")
    a = ap.parse_args()
    try:
        kept, main_name = header_names(a.header)
        allowed = read_allowed(a.allowed, kept)
        prefixes = [name[:-1] for name in allowed if name.endswith("*")]
        layer = layer_entry_points(a.layer)
        own = set().union(*(symbols(o, defined=True) for o in a.objects))
        bad = 0
        for obj in a.objects:
            where, syscalls = uses(obj, main_name)
            src = source_of(obj, a.source_dir)
            for sym in sorted(symbols(obj, defined=False) - own - layer - allowed.keys()):
                if any(sym.startswith(p) for p in prefixes):
                    continue
                fns = where.get(sym)
                at = f" (in {', '.join(fns)})" if fns else " (from data)"
                print(f"{src}: {sym}{at}: {why(sym, kept)}")
                bad += 1
            for fn, insn in syscalls:
                print(f"{src}: '{insn}' instruction (in {fn}): a system call made directly; {ACTS}")
                bad += 1
    except BadInput as e:
        print(f"posix_audit: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"posix_audit: {f'{e.filename}: ' if e.filename else ''}{e.strerror}", file=sys.stderr)
        return 2
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
