#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Self-test of rtl/util/regtool.py, without pytest:

    /usr/bin/python3 rtl/util/test_regtool.py

Generates C++ from rtl/data/ipb.yaml and from an edge-case description, compiles
a generated test program with g++ -std=c++20 and runs it (get/set of every field
of every layout against a bit-by-bit reference); checks bad inputs, --check-md,
write-only-if-changed, and that the committed docs/ipb.md is up to date. When
verilator, iverilog or yosys is installed it also checks the SystemVerilog
package (lint; bit n of each packed struct is bit n of the byte string);
otherwise those tests are skipped. Ends with `N passed, M failed`; exits 1 if
any failed.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
TOOL = HERE / "regtool.py"
IPB = REPO / "rtl" / "data" / "ipb.yaml"

sys.path.insert(0, str(HERE))
import regtool  # noqa: E402

EDGE_YAML = """\
name: edge
doc: Edge cases of the generator.
constants:
  - {name: BIG, value: 0x123456789, doc: "needs 64 bits"}
  - {name: MID, value: 0x80000000, doc: "needs 32 unsigned bits"}
  - {name: ZERO, value: 0, doc: "zero"}
enums:
  - name: tiny
    doc: three bits
    width: 3
    values:
      - {name: A, value: 0, doc: "a"}
      - {name: B, value: 7, doc: "b | with a pipe"}
  - name: wide
    doc: sixty-four bits
    width: 64
    values:
      - {name: TOP, value: 0xFFFFFFFFFFFFFFFF, doc: "all ones"}
      - {name: ONE, value: 1, doc: "one"}
layouts:
  - name: odd
    doc: Unaligned fields and gaps.
    bytes: 16
    fields:
      - {name: bit, lsb: 0, width: 1, doc: "one bit; an SV keyword"}
      - {name: nib, lsb: 3, width: 4, doc: "inside a byte"}
      - {name: cross, lsb: 7, width: 10, doc: "over three bytes"}
      - {name: b24, lsb: 24, width: 24, doc: "aligned, 24 bits"}
      - {name: w64, lsb: 50, width: 64, doc: "unaligned, 64 bits over 9 bytes"}
      - {name: a8, lsb: 116, width: 8, doc: "unaligned byte"}
  - name: class
    doc: A C++ keyword as a name.
    bytes: 3
    fields:
      - {name: type, lsb: 8, width: 16, doc: "aligned 16 bits at an odd byte"}
  - name: words
    doc: Aligned 32 and 64 bits away from byte 0.
    bytes: 13
    fields:
      - {name: w32, lsb: 8, width: 32, doc: "aligned 32"}
      - {name: q64, lsb: 40, width: 64, doc: "aligned 64"}
"""


class Skip(Exception):
    pass


TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def run_tool(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(TOOL), *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=60)


def run(cmd: list, cwd: Path) -> subprocess.CompletedProcess:
    r = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{r.stdout}{r.stderr}"
    return r


def need(tool: str) -> None:
    if shutil.which(tool) is None:
        raise Skip(f"{tool} is not installed")


# ---------------------------------------------------------------------------
# Test vectors: random bytes per layout and the field values a bit-by-bit reference
# reads from them, shared by the C++ and the SystemVerilog checks.


def vectors(spec: regtool.Spec, seed: int) -> dict:
    rng = random.Random(seed)
    out = {}
    for lay in spec.layouts:
        data = bytes(rng.randrange(256) for _ in range(lay.bytes))
        word = int.from_bytes(data, "little")
        out[lay.name] = (data, {f.name: (word >> f.lsb) & ((1 << f.width) - 1)
                                for f in lay.fields})
    return out


def cpp_test_program(spec: regtool.Spec, header: str, seed: int) -> str:
    """A program that checks every accessor of every layout against a reference."""
    ns = f"shadowsel::gen::{spec.name}"
    lines = [f'#include "{header}"', "#include <cstdio>", "#include <cstring>",
             "#include <string_view>", "", f"namespace g = {ns};", "",
             "static int failures = 0, checks = 0;",
             "static void check(bool ok, const char* what) {",
             "  ++checks;",
             "  if (!ok && ++failures <= 10) std::printf(\"FAIL %s\\n\", what);",
             "}",
             "static bool ref_bit(const uint8_t* p, uint32_t n) { return (p[n / 8] >> (n % 8)) & 1; }",
             "// Calls set(buf, v) on a copy of `orig` and checks the result bit by bit.",
             "template <class Get, class Set>",
             "static void round_trip(const char* what, const uint8_t* orig, uint32_t bytes,",
             "                       uint32_t lsb, uint32_t width, Get get, Set set, uint64_t v) {",
             "  uint8_t buf[64];",
             "  std::memcpy(buf, orig, bytes);",
             "  set(buf, v);",
             "  const uint64_t mask = width == 64 ? ~0ull : (1ull << width) - 1;",
             "  check(get(buf) == (v & mask), what);",
             "  for (uint32_t n = 0; n < bytes * 8; ++n) {",
             "    const bool want = (n >= lsb && n < lsb + width) ? ((v >> (n - lsb)) & 1) : ref_bit(orig, n);",
             "    if (ref_bit(buf, n) != want) { check(false, what); return; }",
             "  }",
             "}",
             "",
             "int main() {"]
    for c in spec.constants:
        lines.append(f"  static_assert(g::{regtool.cpp_const(c)} == {c.value}ull);")
    for e in spec.enums:
        en = f"g::{regtool.cpp_enum(e)}"
        lines.append(f"  static_assert(g::{regtool.cpp_enum_all(e)}.size() == {len(e.values)});")
        lines.append(f"  static_assert(sizeof({en}) * 8 >= {e.width});")
        for i, v in enumerate(e.values):
            ev = f"{en}::{regtool.cpp_enum_value(v)}"
            lines.append(f"  static_assert(static_cast<uint64_t>({ev}) == {v.value}ull);")
            lines.append(f"  static_assert(std::string_view(to_string({ev})) == \"{v.name}\");")
            lines.append(f"  static_assert(is_valid({ev}));")
            lines.append(f"  static_assert(g::{regtool.cpp_enum_all(e)}[{i}] == {ev});")
    rng = random.Random(seed + 1)
    for lay, (data, expect) in vectors(spec, seed).items():
        layout = next(x for x in spec.layouts if x.name == lay)
        lns = f"g::{regtool.cpp_ident(lay)}"
        init = ", ".join(str(b) for b in data)
        lines.append("  {")
        lines.append(f"    static_assert({lns}::kBytes == {layout.bytes});")
        lines.append(f"    const uint8_t orig[{layout.bytes}] = {{{init}}};")
        for f in layout.fields:
            cn = regtool.camel(f.name)
            what = f"{lay}.{f.name}"
            lines.append(f"    static_assert({lns}::k{cn}Lsb == {f.lsb} && "
                         f"{lns}::k{cn}Width == {f.width});")
            lines.append(f"    check({lns}::get_{f.name}(orig) == {expect[f.name]}ull, "
                         f"\"{what} get\");")
            values = [0, (1 << 64) - 1, (1 << f.width) - 1, 1 << (f.width - 1),
                      rng.getrandbits(64), rng.getrandbits(64)]
            for v in values:
                lines.append(f"    round_trip(\"{what} set {v:#x}\", orig, {layout.bytes}, "
                             f"{f.lsb}, {f.width}, {lns}::get_{f.name}, "
                             f"{lns}::set_{f.name}, {v}ull);")
        lines.append("  }")
    lines += ["  std::printf(\"%d checks, %d failures\\n\", checks, failures);",
              "  return failures ? 1 : 0;", "}", ""]
    return "\n".join(lines)


def cpp_round_trip(yaml_path: Path, tmp: Path, std: str = "c++20") -> str:
    spec = regtool.load(str(yaml_path))
    header = tmp / f"{spec.name}.h"
    r = run_tool(yaml_path, "--cpp", header)
    assert r.returncode == 0, r.stderr
    src = tmp / f"{spec.name}_test.cc"
    src.write_text(cpp_test_program(spec, header.name, seed=7))
    exe = tmp / f"{spec.name}_test"
    run(["g++", f"-std={std}", "-O2", "-Wall", "-Wextra", "-Wpedantic", "-Wconversion",
         "-Werror", "-o", exe, src], cwd=tmp)
    out = run([exe], cwd=tmp).stdout
    assert re.search(r"^\d+ checks, 0 failures$", out, re.M), out
    return out


@test
def cpp_ipb_round_trip(tmp: Path) -> None:
    cpp_round_trip(IPB, tmp)


@test
def cpp_edge_round_trip(tmp: Path) -> None:
    y = tmp / "edge.yaml"
    y.write_text(EDGE_YAML)
    cpp_round_trip(y, tmp)


@test
def cpp17_compiles(tmp: Path) -> None:
    y = tmp / "edge.yaml"
    y.write_text(EDGE_YAML)
    for yaml_path in (IPB, y):
        cpp_round_trip(yaml_path, tmp, std="c++17")


@test
def cpp_api_names(tmp: Path) -> None:
    """The names other code is written against, spelled out."""
    header = tmp / "ipb.h"
    assert run_tool(IPB, "--cpp", header).returncode == 0
    src = tmp / "api.cc"
    src.write_text(f"""#include "{header}"
#include <string_view>
namespace ipb = shadowsel::gen::ipb;
static_assert(ipb::kMaxNodes == 64 && ipb::kCheckBytes == 4);
static_assert(std::string_view(to_string(ipb::PacketType::kMsg)) == "MSG");
static_assert(std::is_same_v<std::underlying_type_t<ipb::PacketType>, uint8_t>);
static_assert(ipb::kAllMsgKind.size() == 3 && ipb::kAllPacketType[3] == ipb::PacketType::kAlive);
static_assert(ipb::header::kBytes == 8 && ipb::header::kLengthLsb == 32 && ipb::header::kLengthWidth == 16);
static_assert(ipb::msg_frag::kBytes == 16 && ipb::mcast_ext::kDstMaskWidth == 64);
int main() {{
  uint8_t frame[ipb::header::kBytes] = {{}};
  ipb::header::set_type(frame, static_cast<uint8_t>(ipb::PacketType::kMsg));
  ipb::header::set_length(frame, 0x1234);
  ipb::header::set_flags(frame, static_cast<uint8_t>(ipb::HeaderFlags::kMcast));
  return frame[0] == 1 && frame[3] == 1 && frame[4] == 0x34 && frame[5] == 0x12 &&
         ipb::header::get_length(frame) == 0x1234 ? 0 : 1;
}}
""")
    exe = tmp / "api"
    run(["g++", "-std=c++20", "-Wall", "-Wextra", "-Werror", "-o", exe, src], cwd=tmp)
    run([exe], cwd=tmp)


# ---------------------------------------------------------------------------
# Bad input

BASE_YAML = """\
name: t
doc: A test description.
constants:
  - {name: C1, value: 5, doc: "c1"}
enums:
  - name: e1
    doc: an enum
    width: 4
    values:
      - {name: V1, value: 1, doc: "v1"}
      - {name: V2, value: 2, doc: "v2"}
layouts:
  - name: l1
    doc: a layout
    bytes: 2
    fields:
      - {name: a, lsb: 0, width: 4, doc: "a"}
      - {name: b, lsb: 4, width: 8, doc: "b"}
"""

BAD_CASES = [
    # (what, replace this, with this, expected words in the message)
    ("overlap", "{name: b, lsb: 4,", "{name: b, lsb: 3,", "overlaps field a"),
    ("out of range", "bytes: 2", "bytes: 1", "outside the 8 bits"),
    ("duplicate field", "{name: b, lsb: 4,", "{name: a, lsb: 4,", "duplicate field a"),
    ("duplicate enum value name", "{name: V2,", "{name: V1,", "duplicate name V1"),
    ("duplicate enum value", "value: 2, doc: \"v2\"", "value: 1, doc: \"v2\"", "duplicate value 1"),
    ("duplicate constant", "constants:\n", "constants:\n  - {name: C1, value: 6, doc: \"x\"}\n",
     "duplicate name C1"),
    ("duplicate layout", "layouts:\n", "layouts:\n  - {name: l1, doc: x, bytes: 1, fields: "
     "[{name: z, lsb: 0, width: 1, doc: z}]}\n", "duplicate name l1"),
    ("width > 64", "{name: b, lsb: 4, width: 8,", "{name: b, lsb: 4, width: 65,",
     "width 65 is more than 64"),
    ("zero width", "{name: b, lsb: 4, width: 8,", "{name: b, lsb: 4, width: 0,", "'width' is 0"),
    ("enum value too wide", "value: 2, doc: \"v2\"", "value: 16, doc: \"v2\"",
     "value 16 does not fit in 4 bits"),
    ("missing key", "    bytes: 2\n", "", "missing key 'bytes'"),
    ("missing doc", "doc: A test description.\n", "", "missing key 'doc'"),
    ("unknown key", "    bytes: 2\n", "    bytes: 2\n    byts: 2\n", "unknown key 'byts'"),
    ("duplicate YAML key", "    bytes: 2\n", "    bytes: 2\n    bytes: 3\n", "duplicate key 'bytes'"),
    ("not an integer", "bytes: 2", "bytes: two", "must be an integer"),
    ("bad name", "{name: b,", "{name: Bee,", "lower_snake_case"),
    ("YAML syntax", "    bytes: 2\n", "    bytes: [2\n", "YAML syntax"),
    ("generated names collide", "{name: C1,", "{name: L1_BYTES,",
     "layout l1 and constant L1_BYTES both generate the SystemVerilog name L1_BYTES"),
    ("C++ names collide", "  - name: e1\n", "  - name: e1\n    doc: x\n    width: 1\n"
     "    values: [{name: X, value: 0, doc: x}]\n  - name: e_1\n", "both generate the C++ name"),
]


@test
def bad_inputs(tmp: Path) -> None:
    good = tmp / "good.yaml"
    good.write_text(BASE_YAML)
    r = run_tool(good, "--md", tmp / "good.md")
    assert r.returncode == 0 and not r.stderr, r.stderr
    for what, old, new, words in BAD_CASES:
        assert old in BASE_YAML, what
        y = tmp / "bad.yaml"
        y.write_text(BASE_YAML.replace(old, new, 1))
        out = tmp / "bad.h"
        r = run_tool(y, "--cpp", out)
        lines = r.stderr.splitlines()
        assert r.returncode == 2, f"{what}: exit {r.returncode}, stderr {r.stderr!r}"
        assert len(lines) == 1 and r.stderr.endswith("\n"), f"{what}: {r.stderr!r}"
        assert lines[0].startswith(f"{y}: "), f"{what}: {lines[0]}"
        assert words in lines[0], f"{what}: {lines[0]!r} lacks {words!r}"
        assert not r.stdout and not out.exists(), what
    r = run_tool(tmp / "missing.yaml", "--cpp", tmp / "x.h")
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1, r.stderr


# ---------------------------------------------------------------------------
# --check-md and writing


@test
def check_md(tmp: Path) -> None:
    md = tmp / "ipb.md"
    assert run_tool(IPB, "--md", md).returncode == 0
    r = run_tool(IPB, "--check-md", md)
    assert r.returncode == 0 and not r.stderr and not r.stdout, r.stderr
    md.write_text(md.read_text().replace("payload bytes", "payload octets"))
    r = run_tool(IPB, "--check-md", md)
    lines = r.stderr.splitlines()
    assert r.returncode == 1 and len(lines) == 1, (r.returncode, r.stderr)
    assert re.fullmatch(rf"{re.escape(str(md))}: out of date; run .*regtool\.py "
                        rf"{re.escape(str(IPB))} --md {re.escape(str(md))}", lines[0]), lines[0]
    # The command it names fixes the file.
    cmd = lines[0].split("; run ", 1)[1].split(" ")
    subprocess.run(cmd, check=True, cwd=REPO)
    assert run_tool(IPB, "--check-md", md).returncode == 0
    md.unlink()
    r = run_tool(IPB, "--check-md", md)
    assert r.returncode == 1 and "out of date" in r.stderr, r.stderr


@test
def committed_docs_up_to_date(tmp: Path) -> None:
    r = run_tool("rtl/data/ipb.yaml", "--check-md", "docs/ipb.md")
    assert r.returncode == 0, r.stderr


@test
def deterministic_and_path_independent(tmp: Path) -> None:
    a, b = tmp / "a", tmp / "b"
    assert run_tool("rtl/data/ipb.yaml", "--cpp", a / "x.h", "--sv", a / "x_pkg.sv",
                    "--md", a / "x.md").returncode == 0
    # Absolute input path, another working directory: the same bytes.
    assert run_tool(IPB, "--cpp", b / "x.h", "--sv", b / "x_pkg.sv", "--md", b / "x.md",
                    cwd=tmp).returncode == 0
    for name in ("x.h", "x_pkg.sv", "x.md"):
        text = (a / name).read_text()
        assert text == (b / name).read_text(), name
        assert "generated by rtl/util/regtool.py from rtl/data/ipb.yaml — do not edit" in text
        assert not re.search(r"20\d\d-\d\d-\d\d", text), name


@test
def writes_only_changed_files(tmp: Path) -> None:
    y = tmp / "t.yaml"
    y.write_text(BASE_YAML)
    outs = [tmp / "t.h", tmp / "t_pkg.sv", tmp / "t.md"]
    args = ["--cpp", outs[0], "--sv", outs[1], "--md", outs[2]]
    assert run_tool(y, *args).returncode == 0
    for p in outs:
        os.utime(p, (1_000_000_000, 1_000_000_000))
    assert run_tool(y, *args).returncode == 0
    assert all(p.stat().st_mtime == 1_000_000_000 for p in outs), "rewrote an unchanged file"
    y.write_text(BASE_YAML.replace("A test description.", "Another description."))
    assert run_tool(y, *args).returncode == 0
    assert all(p.stat().st_mtime != 1_000_000_000 for p in outs), "kept a stale file"
    assert not list(tmp.glob("*.tmp*"))


# ---------------------------------------------------------------------------
# SystemVerilog


def sv_check_module(spec: regtool.Spec, seed: int) -> str:
    """A module whose output `ok` is 1 when every field of every packed struct reads
    the bits a little-endian byte-string reference says. Icarus 11 needs the package
    imported; Yosys 0.23 cannot parse an import and needs pkg:: names."""
    pkg = f"{spec.name}_pkg"
    lines = ["module regtool_check (output logic ok);", "`ifdef __ICARUS__",
             f"  import {pkg}::*;", "  `define P(x) x", "`else", f"  `define P(x) {pkg}::x",
             "`endif"]
    terms = []
    for lay, (data, expect) in vectors(spec, seed).items():
        layout = next(x for x in spec.layouts if x.name == lay)
        nbits = layout.bytes * 8
        word = int.from_bytes(data, "little")
        lines.append(f"  `P({lay}_t) s_{lay};")
        lines.append(f"  assign s_{lay} = {nbits}'h{word:x};")
        for member, msb, lsb, f in regtool.sv_struct_members(layout):
            value = (word >> lsb) & ((1 << (msb - lsb + 1)) - 1)
            terms.append(f"s_{lay}.{member} == {msb - lsb + 1}'h{value:x}")
        terms.append(f"$bits(s_{lay}) == `P({lay.upper()}_BYTES) * 8")
    lines.append("  assign ok = " + "\n      && ".join(f"({t})" for t in terms) + ";")
    lines.append("endmodule")
    return "\n".join(lines) + "\n"


def sv_files(tmp: Path) -> list[tuple[Path, Path]]:
    y = tmp / "edge.yaml"
    y.write_text(EDGE_YAML)
    out = []
    for yaml_path in (IPB, y):
        spec = regtool.load(str(yaml_path))
        pkg = tmp / f"{spec.name}_pkg.sv"
        assert run_tool(yaml_path, "--sv", pkg).returncode == 0
        d = tmp / spec.name
        d.mkdir(exist_ok=True)
        check = d / "regtool_check.sv"
        check.write_text(sv_check_module(spec, seed=11))
        out.append((pkg, check))
    return out


@test
def sv_verilator_lint(tmp: Path) -> None:
    need("verilator")
    for pkg, check in sv_files(tmp):
        run(["verilator", "--lint-only", "-Wall", pkg, check], cwd=tmp)


@test
def sv_icarus_bit_order(tmp: Path) -> None:
    need("iverilog")
    need("vvp")
    for pkg, check in sv_files(tmp):
        tb = check.parent / "tb.sv"
        tb.write_text("module tb; logic ok; regtool_check c(.ok(ok));\n"
                      "  initial begin #1; $display(\"ok=%b\", ok); $finish; end\nendmodule\n")
        exe = check.parent / "sim"
        run(["iverilog", "-g2012", "-o", exe, pkg, check, tb], cwd=tmp)
        out = run(["vvp", "-n", exe], cwd=tmp).stdout
        assert "ok=1" in out, f"{pkg.name}: {out}"


@test
def sv_yosys_bit_order(tmp: Path) -> None:
    need("yosys")
    for pkg, check in sv_files(tmp):
        # Proves ok == 1, i.e. Yosys reads the packed structs with the same bit order.
        run(["yosys", "-q", "-p", f"read_verilog -sv {pkg} {check}; hierarchy -top "
             "regtool_check; proc; opt; sat -prove ok 1 -verify"], cwd=tmp)


# ---------------------------------------------------------------------------


def main() -> int:
    passed = failed = 0
    for fn in TESTS:
        with tempfile.TemporaryDirectory(prefix="regtool-") as d:
            try:
                fn(Path(d))
            except Skip as e:
                print(f"skip {fn.__name__}: {e}")
                continue
            except Exception:  # noqa: BLE001 - report every failure, go on
                failed += 1
                print(f"FAIL {fn.__name__}")
                traceback.print_exc(file=sys.stdout)
                continue
        passed += 1
        print(f"ok   {fn.__name__}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
