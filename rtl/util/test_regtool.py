#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Self-test of rtl/util/regtool.py, without pytest:

    /usr/bin/python3 rtl/util/test_regtool.py

Generates C++ from rtl/data/ipb.yaml, rtl/data/ne.yaml and an edge-case
description, compiles a generated test program with g++ -std=c++20 and runs it
(get/set of every field of every layout against a bit-by-bit reference; every
register's offset, reset, access and field helpers, and every flag, checked at
compile time); checks bad inputs (every error message), --check-md,
write-only-if-changed, that the committed docs/ipb.md and docs/ne-regs.md are up
to date, and that ne.yaml agrees with ipb.yaml and with the names the contract
docs/notify-engine.md uses. When verilator, iverilog or yosys is installed it
also checks the SystemVerilog packages (lint; bit n of each packed struct is
bit n of the byte string; register and flag parameters); otherwise those tests
are skipped. Ends with `N passed, M failed`; exits 1 if any failed.
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
NE = REPO / "rtl" / "data" / "ne.yaml"
CONTRACT = REPO / "docs" / "notify-engine.md"

sys.path.insert(0, str(HERE))
import regtool  # noqa: E402

EDGE_YAML = """\
name: edge
doc: Edge cases of the generator.
constants:
  - {name: BIG, value: 0x123456789, doc: "needs 64 bits"}
  - {name: MID, value: 0x80000000, doc: "needs 32 unsigned bits"}
  - {name: ZERO, value: 0, doc: "zero"}
  - {name: WINDOW, value: 64, doc: "the register window"}
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
  - name: bits
    doc: flags, not in bit order
    width: 5
    flags: true
    values:
      - {name: HIGH, value: 16, doc: "bit 4"}
      - {name: LOW, value: 1, doc: "bit 0"}
      - {name: MID, value: 4, doc: "bit 2"}
  - name: wide_flags
    doc: flags up to bit 63
    width: 64
    flags: true
    values:
      - {name: TOP, value: 0x8000000000000000, doc: "bit 63"}
      - {name: B31, value: 0x80000000, doc: "bit 31"}
address_bytes: WINDOW
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
  - name: typed
    doc: Fields naming enums.
    bytes: 3
    fields:
      - {name: t, lsb: 0, width: 3, enum: tiny, doc: "as wide as its enum"}
      - {name: t8, lsb: 3, width: 8, enum: tiny, doc: "wider than its enum"}
      - {name: f, lsb: 11, width: 5, enum: bits, doc: "flags"}
registers:
  - name: LAST
    offset: 60
    access: ro
    doc: The last word of the window, listed first. One 32-bit value.
    reset: 0xFFFFFFFF
  - name: MIXED
    offset: 0x0
    access: rw
    doc: >
      Every access kind; resets given on fields. A second sentence.
    fields:
      - {name: top, lsb: 31, width: 1, access: w1c, reset: 1, doc: "bit 31"}
      - {name: class, lsb: 20, width: 8, access: ro, reset: 0xA5, doc: "a C++ keyword"}
      - {name: wo, lsb: 12, width: 3, access: wo, enum: tiny, doc: "an enum"}
      - {name: f, lsb: 4, width: 5, enum: bits, reset: 0x11, doc: "flags"}
      - {name: low, lsb: 0, width: 1, doc: "bit 0"}
  - name: FULL
    offset: 0x8
    access: rw
    reset: 0x80000001
    doc: A 32-bit field; reset given on the register.
    fields:
      - {name: all, lsb: 0, width: 32, doc: "every bit"}
  - name: BOTH
    offset: 0x4
    access: w1c
    reset: 0x300
    doc: Reset given on both, agreeing.
    fields:
      - {name: a, lsb: 8, width: 2, reset: 3, doc: "a"}
      - {name: b, lsb: 16, width: 16, doc: "b"}
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
             "#include <string_view>", "#include <type_traits>", "",
             f"namespace g = {ns};", "",
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
        if e.flags:
            t = "uint32_t" if e.width <= 32 else "uint64_t"
            total = sum(v.value for v in e.values)
            lines.append(f"  static_assert(std::is_same_v<decltype(+{en}::kAll), {t}> && "
                         f"{en}::kAll == {total}ull);")
            lines.append(f"  static_assert(std::string_view({en}::name(0)) == \"?\");")
            for i, v in enumerate(e.values):
                ev = f"{en}::{regtool.cpp_enum_value(v)}"
                lines.append(f"  static_assert({ev} == {v.value}ull && "
                             f"std::string_view({en}::name({ev})) == \"{v.name}\" && "
                             f"g::{regtool.cpp_enum_all(e)}[{i}] == {ev});")
            continue
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
                             f"{f.lsb}, {f.width}, "
                             f"[](const uint8_t* p) {{ return {lns}::get_{f.name}(p); }}, "
                             f"[](uint8_t* p, uint64_t x) {{ {lns}::set_{f.name}(p, x); }}, "
                             f"{v}ull);")
            if f.enum is not None and not f.enum.flags:  # the typed setter
                v = f.enum.values[-1]
                lines.append("    {")
                lines.append(f"      uint8_t buf[{layout.bytes}] = {{}};")
                lines.append(f"      {lns}::set_{f.name}(buf, g::{regtool.cpp_enum(f.enum)}::"
                             f"{regtool.cpp_enum_value(v)});")
                lines.append(f"      check({lns}::get_{f.name}(buf) == {v.value}ull, "
                             f"\"{what} typed set\");")
                lines.append("    }")
        lines.append("  }")
    lines += cpp_register_checks(spec, rng)
    lines += ["  std::printf(\"%d checks, %d failures\\n\", checks, failures);",
              "  return failures ? 1 : 0;", "}", ""]
    return "\n".join(lines)


def cpp_register_checks(spec: regtool.Spec, rng: random.Random) -> list[str]:
    """Compile-time checks of every register constant and field helper against values
    computed here."""
    lines = []
    if spec.registers:
        lines.append(f"  static_assert(g::kRegWindowBytes == {spec.address_bytes} && "
                     f"g::kRegAddrWidth == {spec.address_bytes.bit_length() - 1});")
        lines.append(f"  static_assert(g::kAllRegs.size() == {len(spec.registers)});")
    for i, r in enumerate(spec.registers):
        pre = f"g::{regtool.cpp_reg_prefix(r)}"
        access = f"g::{regtool.cpp_access(r.access)}"
        lines.append(f"  static_assert(g::{regtool.cpp_reg(r)} == {r.offset}u && "
                     f"{pre}Reset == {r.reset}u && {pre}Access == {access});")
        lines.append(f"  static_assert(g::kAllRegs[{i}].offset == {r.offset}u && "
                     f"std::string_view(g::kAllRegs[{i}].name) == \"{r.name}\" && "
                     f"g::kAllRegs[{i}].access == {access} && "
                     f"g::kAllRegs[{i}].reset == {r.reset}u);")
        for f in r.fields:
            fp = f"g::{regtool.cpp_reg_prefix(r, f)}"
            get = f"g::{regtool.cpp_reg_fn(r, f, 'get')}"
            put = f"g::{regtool.cpp_reg_fn(r, f, 'set')}"
            mask = ((1 << f.width) - 1) << f.lsb
            lines.append(f"  static_assert({fp}Lsb == {f.lsb} && {fp}Width == {f.width} && "
                         f"{fp}Mask == {mask}u && "
                         f"{fp}Access == g::{regtool.cpp_access(f.access)});")
            lines.append(f"  static_assert({get}({pre}Reset) == {f.reset}u);")
            for _ in range(3):
                reg, v = rng.getrandbits(32), rng.getrandbits(32)
                want_get = (reg >> f.lsb) & ((1 << f.width) - 1)
                want_set = (reg & ~mask) | ((v << f.lsb) & mask)
                lines.append(f"  static_assert({get}({reg}u) == {want_get}u && "
                             f"{put}({reg}u, {v}u) == {want_set}u);")
            if f.enum is not None and not f.enum.flags:
                v = f.enum.values[-1]
                want = (v.value << f.lsb) & mask
                lines.append(f"  static_assert({put}(0u, g::{regtool.cpp_enum(f.enum)}::"
                             f"{regtool.cpp_enum_value(v)}) == {want}u);")
    return lines


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
def cpp_ne_round_trip(tmp: Path) -> None:
    cpp_round_trip(NE, tmp)


@test
def cpp_edge_round_trip(tmp: Path) -> None:
    y = tmp / "edge.yaml"
    y.write_text(EDGE_YAML)
    cpp_round_trip(y, tmp)


@test
def cpp17_compiles(tmp: Path) -> None:
    y = tmp / "edge.yaml"
    y.write_text(EDGE_YAML)
    for yaml_path in (IPB, NE, y):
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


@test
def cpp_ne_api_names(tmp: Path) -> None:
    """The register and flags names the driver and the twin are written against."""
    header = tmp / "ne.h"
    assert run_tool(NE, "--cpp", header).returncode == 0
    src = tmp / "api.cc"
    src.write_text(f"""#include "{header}"
#include <string_view>
namespace ne = shadowsel::gen::ne;
static_assert(ne::kRegId == 0x000 && ne::kRegCmd == 0x030 && ne::kRegIrqStatus == 0x050);
static_assert(ne::get_id_magic(ne::kIdReset) == 0x4e45);
static_assert(ne::kIrqStatusAccess == ne::Access::kW1c);
static_assert(ne::kStatusBusyAccess == ne::Access::kRo && ne::kStatusAccess == ne::Access::kW1c);
static_assert(ne::set_cmd_code(0, ne::Cmd::kArm) == 1);
// Flags are plain masks: they combine with | and go straight into a register.
static_assert(ne::set_irq_enable_cause(0, ne::IrqCause::kRecords | ne::IrqCause::kNodeDown) == 5);
static_assert((ne::IrqCause::kAll & ne::IrqCause::kOverflow) != 0);
static_assert(std::string_view(ne::IrqCause::name(ne::IrqCause::kNodeDown)) == "NODE_DOWN");
static_assert(ne::kStatusOverflowMask == ne::Status::kOverflow);
static_assert(ne::ready_record::kBytes == ne::kRecordBytes);
int main() {{
  uint8_t rec[ne::ready_record::kBytes] = {{}};
  ne::ready_record::set_kind(rec, ne::RecordKind::kNotify);
  ne::ready_record::set_state(rec, ne::PipeState::kNonempty | ne::PipeState::kHupArmed);
  ne::ready_record::set_seq(rec, 0xabcdef);
  uint32_t status = ne::kStatusReset | ne::Status::kBusy;
  return rec[0] == 2 && rec[3] == 0x11 && rec[13] == 0xef && rec[15] == 0xab &&
         ne::get_status_busy(status) == 1 ? 0 : 1;
}}
""")
    exe = tmp / "api"
    run(["g++", "-std=c++20", "-Wall", "-Wextra", "-Wconversion", "-Werror", "-o", exe, src],
        cwd=tmp)
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
  - name: fl
    doc: flags
    width: 4
    flags: true
    values:
      - {name: F1, value: 1, doc: "f1"}
      - {name: F4, value: 4, doc: "f4"}
layouts:
  - name: l1
    doc: a layout
    bytes: 2
    fields:
      - {name: a, lsb: 0, width: 4, doc: "a"}
      - {name: b, lsb: 4, width: 8, doc: "b"}
address_bytes: 64
registers:
  - name: R1
    offset: 0x4
    access: rw
    doc: r1
    fields:
      - {name: x, lsb: 0, width: 4, enum: e1, doc: "x"}
      - {name: y, lsb: 8, width: 3, access: w1c, reset: 5, doc: "y"}
  - name: R2
    offset: 0x8
    access: ro
    doc: r2
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
    # flags
    ("flag not a single bit", "{name: F4, value: 4,", "{name: F4, value: 6,",
     "enum fl: value F4 (0x6) is not a single bit, as a flag must be"),
    ("flag zero", "{name: F4, value: 4,", "{name: F4, value: 0,",
     "enum fl: value F4 (0x0) is not a single bit"),
    ("flags not a bool", "flags: true", "flags: yes please", "'flags' must be true or false"),
    ("flag named ALL", "{name: F4,", "{name: ALL,",
     "enum fl value ALL and the generated helpers both generate the C++ name kAll"),
    # enum references
    ("enum not declared", "enum: e1,", "enum: nope,", "field x: enum 'nope' is not declared"),
    ("enum does not fit", "{name: x, lsb: 0, width: 4, enum: e1,",
     "{name: x, lsb: 0, width: 1, enum: e1,",
     "field x: enum e1 value V2 (0x2) does not fit in the field's 1 bits"),
    ("layout field enum does not fit", "{name: b, lsb: 4, width: 8, doc: \"b\"}",
     "{name: b, lsb: 4, width: 2, enum: fl, doc: \"b\"}",
     "layout l1: field b: enum fl value F4 (0x4) does not fit in the field's 2 bits"),
    ("enum not a name", "enum: e1,", "enum: [e1],", "'enum' must name an enum"),
    # registers
    ("offset not aligned", "offset: 0x8", "offset: 0x6",
     "register R2: offset 0x6 is not a multiple of 4"),
    ("offset outside window", "offset: 0x8", "offset: 64",
     "register R2: offset 0x40 is outside the 64-byte window (address_bytes)"),
    ("last word straddles window", "address_bytes: 64", "address_bytes: 8",
     "register R2: offset 0x8 is outside the 8-byte window"),
    ("duplicate offset", "offset: 0x8", "offset: 0x4",
     "register R2: offset 0x4 is also register R1's"),
    ("duplicate register", "name: R2", "name: R1", "registers: duplicate name R1"),
    ("bad access", "access: ro", "access: rx",
     "register R2: access 'rx' must be one of rw, ro, wo, w1c"),
    ("bad field access", "access: w1c,", "access: w1s,", "field y: access 'w1s' must be one of"),
    ("register field width > 32", "{name: y, lsb: 8, width: 3,", "{name: y, lsb: 8, width: 33,",
     "register R1: field y: width 33 is more than 32"),
    ("register field outside", "{name: y, lsb: 8, width: 3,", "{name: y, lsb: 30, width: 3,",
     "register R1: field y (bits [32:30]) is outside the 32 bits"),
    ("register fields overlap", "{name: y, lsb: 8,", "{name: y, lsb: 3,",
     "register R1: field y (bits [5:3]) overlaps field x (bits [3:0])"),
    ("duplicate register field", "{name: y, lsb: 8,", "{name: x, lsb: 8,",
     "register R1: duplicate field x"),
    ("field reset too wide", "reset: 5,", "reset: 8,", "field y: reset 0x8 does not fit in 3 bits"),
    ("register reset too wide", "    access: ro\n", "    access: ro\n    reset: 0x100000000\n",
     "register R2: reset 0x100000000 does not fit in 32 bits"),
    ("reset outside fields", "    access: rw\n", "    access: rw\n    reset: 0x10\n",
     "register R1: reset 0x10 sets bits outside its fields (0x10)"),
    ("resets disagree", "    access: rw\n", "    access: rw\n    reset: 0x400\n",
     "register R1: field y has reset 0x5 but the register's reset 0x400 gives it 0x4"),
    ("reset not an integer", "reset: 5,", "reset: five,", "'reset' must be an integer"),
    ("no fields", "    doc: r2\n", "    doc: r2\n    fields: []\n", "register R2: has no fields"),
    ("register name style", "name: R2", "name: r2", "name 'r2' must be UPPER_SNAKE_CASE"),
    ("unknown register key", "    doc: r2\n", "    doc: r2\n    width: 32\n",
     "registers[1]: unknown key 'width'"),
    ("access on a layout field", "{name: a, lsb: 0, width: 4, doc: \"a\"}",
     "{name: a, lsb: 0, width: 4, access: rw, doc: \"a\"}", "unknown key 'access'"),
    ("missing address_bytes", "address_bytes: 64\n", "",
     "registers: missing top-level key 'address_bytes'"),
    ("address_bytes not a power of two", "address_bytes: 64", "address_bytes: 96",
     "address_bytes: 96 must be a power of two"),
    ("address_bytes unknown constant", "address_bytes: 64", "address_bytes: NOPE",
     "address_bytes: constant 'NOPE' is not declared"),
    ("address_bytes not a number", "address_bytes: 64", "address_bytes: [64]",
     "address_bytes: must be an integer or a constant's name"),
    ("address_bytes without registers", "registers:\n", "unused:\n", "unknown key 'unused'"),
    ("register names collide", "name: R2", "name: R1_Y", "both generate the"),
    ("register and constant collide", "{name: C1,", "{name: REG_R1,",
     "register R1 and constant REG_R1 both generate the C++ name kRegR1"),
    ("register and helper collide", "name: R2", "name: WINDOW_BYTES",
     "register WINDOW_BYTES and the generated register helpers both generate the C++ name "
     "kRegWindowBytes"),
    ("layout and SV register helper collide",
     "  - name: l1\n    doc: a layout\n    bytes: 2\n    fields:\n      - {name: a,",
     "  - name: reg\n    doc: a layout\n    bytes: 2\n    fields:\n      - {name: addr,",
     "the generated register parameters and layout reg field addr both generate the "
     "SystemVerilog name REG_ADDR_WIDTH"),
]

# The line each error names (1-based in BASE_YAML after the replacement).
LINE_CASES = [
    ("offset not aligned", "offset: 0x8", "offset: 0x6", "offset: 0x6"),
    ("field reset too wide", "reset: 5,", "reset: 8,", "reset: 8,"),
    ("flag not a single bit", "{name: F4, value: 4,", "{name: F4, value: 6,", "{name: F4,"),
    ("enum not declared", "enum: e1,", "enum: nope,", "enum: nope,"),
    ("address_bytes", "address_bytes: 64", "address_bytes: 96", "address_bytes: 96"),
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


@test
def bad_input_lines(tmp: Path) -> None:
    """Errors name the line of what is wrong."""
    y = tmp / "bad.yaml"
    for what, old, new, marker in LINE_CASES:
        text = BASE_YAML.replace(old, new, 1)
        want = next(i for i, line in enumerate(text.splitlines(), 1) if marker in line)
        y.write_text(text)
        r = run_tool(y, "--cpp", tmp / "bad.h")
        assert r.returncode == 2, what
        assert r.stderr.startswith(f"{y}: line {want}: "), f"{what}: want line {want}: {r.stderr!r}"


@test
def address_bytes_without_registers(tmp: Path) -> None:
    y = tmp / "bad.yaml"
    y.write_text(BASE_YAML.split("registers:\n")[0])
    r = run_tool(y, "--cpp", tmp / "bad.h")
    assert r.returncode == 2 and "'address_bytes' without registers" in r.stderr, r.stderr


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
    for yaml_path, md in (("rtl/data/ipb.yaml", "docs/ipb.md"),
                          ("rtl/data/ne.yaml", "docs/ne-regs.md")):
        r = run_tool(yaml_path, "--check-md", md)
        assert r.returncode == 0, r.stderr


# ---------------------------------------------------------------------------
# The notify engine's description: agrees with ipb.yaml and with the contract


def _layout(spec: regtool.Spec, name: str) -> regtool.Layout:
    return next(lay for lay in spec.layouts if lay.name == name)


def _register(spec: regtool.Spec, name: str) -> regtool.Register:
    return next(r for r in spec.registers if r.name == name)


@test
def ne_agrees_with_ipb(tmp: Path) -> None:
    ne, ipb = regtool.load(str(NE)), regtool.load(str(IPB))
    consts = {c.name: c.value for c in ne.constants}
    ipb_consts = {c.name: c.value for c in ipb.constants}
    assert ne.address_bytes == consts["MMIO_BYTES"] == 4096
    record = _layout(ne, "ready_record")
    assert record.bytes == consts["RECORD_BYTES"]
    # The engine copies NE_NOTIFY's kind into the record's.
    kinds = {v.name: v.value for v in ne.enum("record_kind").values}
    for v in ipb.enum("ne_notify_kind").values:
        assert kinds.get(v.name) == v.value, v.name
    # Payloads fit tx_payload[127:0]; the key and state fields are as wide as the record's.
    rec = {f.name: f for f in record.fields}
    for name in ("ne_subscribe", "ne_notify"):
        lay = _layout(ipb, name)
        assert lay.bytes <= 16, name
        for f in lay.fields:
            if f.name in ("object", "version", "event", "state", "ready"):
                assert f.width == rec[f.name].width, (name, f.name)
    # Node numbers: MAX_NODES of them.
    node_bits = (ipb_consts["MAX_NODES"] - 1).bit_length()
    for reg, fld in (("NODE_ID", "node"), ("KEY_OWNER", "owner"), ("ANS_DST", "dst")):
        f = next(f for f in _register(ne, reg).fields if f.name == fld)
        assert f.width == node_bits, reg
    assert (ipb_consts["MAX_NODES"] - 1) >> rec["src"].width == 0
    assert ipb_consts["MAX_NODES"] == 2 * 32  # the _LO and _HI halves of the node masks
    # The ring: a power of two up to MAX_RING_RECORDS; seq wider than a slot index.
    size = next(f for f in _register(ne, "RING_SIZE").fields if f.name == "records")
    assert consts["MAX_RING_RECORDS"] == 1 << (size.width - 1)
    assert rec["seq"].width > size.width - 1


@test
def ne_flag_registers(tmp: Path) -> None:
    """Registers whose bits are flags put each flag at its own bit."""
    ne = regtool.load(str(NE))
    status = ne.enum("status")
    fields = {f.name.upper(): f for f in _register(ne, "STATUS").fields}
    assert set(fields) == {v.name for v in status.values}
    for v in status.values:
        f = fields[v.name]
        assert f.width == 1 and 1 << f.lsb == v.value, v.name
    for reg in ("IRQ_STATUS", "IRQ_ENABLE"):
        (f,) = _register(ne, reg).fields
        assert f.enum is ne.enum("irq_cause") and f.lsb == 0 and f.width == f.enum.width, reg


@test
def ne_names_the_contract_uses(tmp: Path) -> None:
    """Every register, field, command, record kind, cause, constant and packet that
    docs/notify-engine.md names in `code` exists in ne.yaml or ipb.yaml, and every
    counter it increments is a register."""
    ne, ipb = regtool.load(str(NE)), regtool.load(str(IPB))
    known = {r.name for r in ne.registers}
    known |= {f"{r.name}.{f.name.upper()}" for r in ne.registers for f in r.fields}
    for spec in (ne, ipb):
        known |= {c.name for c in spec.constants}
        known |= {v.name for e in spec.enums for v in e.values}
    internal = {"IN_FLIGHT", "SUBSCRIBED"}  # states of a table entry, not visible to software
    text = CONTRACT.read_text()
    missing = set()
    for span in re.findall(r"`([^`]+)`", text):
        for name in re.findall(r"[A-Z][A-Z0-9_]*(?:\.[A-Z][A-Z0-9_]*)?", span):
            if len(name) < 2 or name in internal or name in known:
                continue
            if f"{name}_LO" in known and f"{name}_HI" in known:  # a 64-bit pair
                continue
            missing.add(name)
    assert not missing, f"{CONTRACT.name} names {sorted(missing)}, which ne.yaml lacks"
    docs = " ".join(r.doc for r in ne.registers)
    counters = set(re.findall(r"`([a-z_]+) \+= 1`", text))
    assert len(counters) >= 7, counters
    for c in counters:
        assert c.upper() in known or f"the contract's {c}" in docs, c


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


def sv_param_terms(spec: regtool.Spec) -> list[str]:
    """Comparisons of the flag and register parameters with their values."""
    terms = []
    for e in spec.enums:
        if e.flags:
            for v in e.values:
                name = regtool.sv_flag_value(e, v)
                terms.append(f"`P({name}) == {e.width}'h{v.value:x}")
                terms.append(f"`P({name}_BIT) == {v.value.bit_length() - 1}")
    if spec.registers:
        aw = spec.address_bytes.bit_length() - 1
        terms.append(f"`P(REG_WINDOW_BYTES) == {spec.address_bytes}")
        terms.append(f"`P(REG_ADDR_WIDTH) == {aw}")
    for r in spec.registers:
        terms.append(f"`P({regtool.sv_reg_param(r, None, 'OFFSET')}) == {aw}'h{r.offset:x}")
        terms.append(f"`P({regtool.sv_reg_param(r, None, 'RESET')}) == 32'h{r.reset:x}")
        for f in r.fields:
            terms.append(f"`P({regtool.sv_reg_param(r, f, 'LSB')}) == {f.lsb}")
            terms.append(f"`P({regtool.sv_reg_param(r, f, 'WIDTH')}) == {f.width}")
            terms.append(f"`P({regtool.sv_reg_param(r, f, 'RESET')}) == {f.width}'h{f.reset:x}")
    return terms


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
    terms += sv_param_terms(spec)
    lines.append("  assign ok = " + "\n      && ".join(f"({t})" for t in terms) + ";")
    lines.append("endmodule")
    return "\n".join(lines) + "\n"


def sv_files(tmp: Path) -> list[tuple[Path, Path]]:
    y = tmp / "edge.yaml"
    y.write_text(EDGE_YAML)
    out = []
    for yaml_path in (IPB, NE, y):
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
