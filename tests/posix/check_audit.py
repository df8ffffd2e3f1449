#!/usr/bin/python3
"""Checks the link-time audit of simulated programs (scripts/posix_audit.py).

Usage: check_audit.py CC INCLUDE_DIR LAYER_LIB BUILD_DIR

  1. A program calling host functions the layer neither provides nor refuses (mmap,
     getuid) and one it renames, through a pointer (time): the audit fails with exactly
     one line per symbol naming the source, the symbol, the function and why; so
     are threads, prctl, syscall, ptrace, memfd_create, shm/sem/mq_open, dlsym,
     setlocale, atexit, sigsetjmp, unshare, fclose(stdin).
  2. A program using only calls the layer provides and host functions of the
     allow-list: the audit passes, printing nothing.
  3. A malformed allow-list: the audit stops with its file and line (status 2).
  4. BUILD_DIR/build.ninja: every program linked with the runner (program_main) is
     audited before its link, so a new program cannot skip it.
  5. docs/posix.md describes every [group] of the allow-list (Host library functions)
     and every call posix.h renames to the layer (Supported calls).
Exit status 0 when all hold, 1 otherwise (what differs is printed).
"""
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
AUDIT = os.path.join(ROOT, "scripts", "posix_audit.py")
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(AUDIT))
from posix_audit import header_names  # noqa: E402  (the audit's own reading of posix.h)
ALLOWED = os.path.join(ROOT, "driver", "posix_host_allowed.txt")
HEADER = os.path.join(ROOT, "driver", "include", "shadowsel", "posix", "posix.h")
WHY = "not provided by the shadowsel POSIX layer and not a pure host function; it would act on the simulator's process"

BAD = """#include <sys/mman.h>
time_t (*clock_of)(time_t *) = time; /* escapes the time(tloc) macro: the host function, from data */
int main(void)
{
    void *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("%d %d\\n", p != MAP_FAILED, (int)getuid());
    return (int)clock_of(NULL) & 1;
}
"""
# Calls no Linux programmer should find reaching the host, none of them refused by
# posix.h: each must be reported (the names the objects use: sigsetjmp is __sigsetjmp).
MANY = """#include <dlfcn.h>
#include <locale.h>
#include <mqueue.h>
#include <pthread.h>
#include <semaphore.h>
#include <setjmp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
static void *run(void *arg) { return arg; }
static void bye(void) {}
int main(void)
{
    pthread_t t;
    sigjmp_buf env;
    long n = 0;
    if (sigsetjmp(env, 1)) return 1;
    n += prctl(PR_SET_NAME, "x") + syscall(SYS_getpid) + ptrace(PTRACE_TRACEME, 0, 0, 0);
    n += memfd_create("x", 0) + shm_open("/x", O_RDONLY, 0) + (sem_open("/x", 0) != SEM_FAILED);
    n += mq_open("/x", O_RDONLY) + pthread_create(&t, NULL, run, NULL) + unshare(0);
    n += (dlsym(RTLD_DEFAULT, "getpid") != NULL) + (setlocale(LC_ALL, "") != NULL) + atexit(bye);
    return (int)n + fclose(stdin);
}
"""
MANY_NAMES = ["__sigsetjmp", "atexit", "dlsym", "fclose", "memfd_create", "mq_open", "prctl", "pthread_create",
              "ptrace", "sem_open", "setlocale", "shm_open", "stdin", "syscall", "unshare"]
GOOD = """int main(void)
{
    int fds[2];
    char buf[32], *copy = malloc(8);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    if (pipe(fds) != 0 || !copy) return 1;
    snprintf(buf, sizeof buf, "%ld", (long)getppid());
    if (write(fds[1], buf, strlen(buf)) < 0) perror("write");
    printf("%zd %d %d\\n", read(fds[0], buf, sizeof buf), (int)time(NULL) >= 0, errno);
    free(copy);
    return 0;
}
"""


def audit(d: str, obj: str, allowed: str, layer: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, AUDIT, "--allowed", allowed, "--layer", layer, "--header", HEADER,
                           "--source-dir", d, obj], capture_output=True, text=True, cwd=d)


def compile_program(cc: str, incdir: str, d: str, name: str, text: str) -> str:
    """Compiles `name`.c as shadowsel_add_program does, into CMake's object layout."""
    src = os.path.join(d, f"{name}.c")
    with open(src, "w") as f:
        f.write(text)
    obj = os.path.join(d, "CMakeFiles", "t.dir", f"{name}.c.o")
    os.makedirs(os.path.dirname(obj), exist_ok=True)
    subprocess.run([cc, "-O2", "-std=c11", "-D_GNU_SOURCE", f"-I{incdir}", "-include", "shadowsel/posix/posix.h",
                    "-fexceptions", "-c", src, "-o", obj], check=True)
    return obj


def main() -> int:
    cc, incdir, layer, build = sys.argv[1:5]
    layer = os.path.abspath(layer)  # the audit runs in a temporary directory
    bad = 0

    def expect(what: str, ok: bool, r: subprocess.CompletedProcess | None = None) -> None:
        nonlocal bad
        if not ok:
            bad += 1
            print(f"check_audit: {what}")
            if r is not None:
                print(f"  status {r.returncode}\n  stdout: {r.stdout!r}\n  stderr: {r.stderr!r}")

    with tempfile.TemporaryDirectory() as d:
        r = audit(d, compile_program(cc, incdir, d, "bad", BAD), ALLOWED, layer)
        want = [
            f"bad.c: getuid (in main): {WHY}",
            f"bad.c: mmap (in main): {WHY}",
            "bad.c: time (from data): posix.h renames it to the layer's shadowsel_time, but this reference "
            "escapes the macro (the function's address, or a call written (time)(...)), so it is the host's; "
            "it would act on the simulator's process",
        ]
        expect("the program calling mmap, getuid and the host's time was not rejected with one line each",
               r.returncode == 1 and r.stdout.splitlines() == want and not r.stderr, r)

        r = audit(d, compile_program(cc, incdir, d, "many", MANY), ALLOWED, layer)
        reported = {line.split(" ", 2)[1] for line in r.stdout.splitlines() if line.endswith(WHY)}
        expect(f"not reported: {sorted(set(MANY_NAMES) - reported)}",
               r.returncode == 1 and reported >= set(MANY_NAMES), r)

        r = audit(d, compile_program(cc, incdir, d, "good", GOOD), ALLOWED, layer)
        expect("a program using only provided and allowed calls was rejected",
               r.returncode == 0 and not r.stdout and not r.stderr, r)

        broken = os.path.join(d, "allowed.txt")
        with open(broken, "w") as f:
            f.write("[strings] memory the program passes\nmemcpy strlen\n# fork is no host function to allow\n"
                    "[process] wrong\nfork\n")
        r = audit(d, os.path.join(d, "CMakeFiles", "t.dir", "good.c.o"), broken, layer)
        expect("a refused call in the allow-list was not reported with its file and line",
               r.returncode == 2 and r.stderr == f"posix_audit: {broken}:5: fork cannot be allowed: posix.h refuses it\n", r)

    doc = open(os.path.join(ROOT, "docs", "posix.md")).read()
    for group in re.findall(r"^\[([\w-]+)\]", open(ALLOWED).read(), re.M):
        expect(f"allow-list group [{group}] is not described in docs/posix.md (Host library functions)",
               f"| `[{group}]` |" in doc)
    supported = doc[doc.index("## Supported calls"):doc.index("### Signals")]
    for name, what in header_names(HEADER)[0].items():
        expect(f"{name}, which posix.h renames, is not in docs/posix.md's Supported calls",
               what != "renames" or re.search(rf"[`, ]{name}[`,(]", supported) is not None)

    # Every simulated program's link (it links the runner, program_main) runs the audit first.
    text = open(os.path.join(build, "build.ninja")).read()
    links = re.findall(r"^build (\S+): \w+_EXECUTABLE_LINKER\S* ([^\n]*)\n((?:  [^\n]*\n)*)", text, re.M)
    programs = [(out, body) for out, inputs, body in links if "program_main.cpp.o" in inputs]
    expect(f"only {len(programs)} programs linked with the runner found in build.ninja", len(programs) >= 50)
    for out, body in programs:
        expect(f"{out} is linked without the audit", "posix_audit.py" in body)
    print(f"check_audit: {len(programs)} programs linked with the runner, {'PASS' if not bad else f'{bad} failures'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
