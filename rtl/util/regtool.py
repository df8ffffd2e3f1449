#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Generate C++, SystemVerilog and Markdown from one YAML description.

    /usr/bin/python3 rtl/util/regtool.py rtl/data/ipb.yaml \
        [--cpp OUT.h] [--sv OUT_pkg.sv] [--md OUT.md] [--check-md FILE]

The YAML (rtl/data/ipb.yaml and rtl/data/ne.yaml are the examples) has a
`name`, a `doc`, and the sections `constants`, `enums`, `layouts` and
`registers`, each a list:

* an enum has a `width` and `values`; with `flags: true` it is a set of bit
  flags: every value is a single distinct bit, and a value of the set is the OR
  of some of them;
* a layout is a little-endian byte string of `bytes` bytes whose fields are bit
  ranges: bit n is bit (n % 8) of byte (n / 8);
* a register is a 32-bit word at a byte `offset` (a multiple of 4) inside a
  window of the top-level `address_bytes` (an integer or the name of a
  constant), with an `access` (rw, ro, wo, w1c), an optional `reset` and
  optional `fields` (bit ranges, each optionally with its own `access` and
  `reset`); a register without fields is one 32-bit value.

A field of a layout or a register may name an enum of the description
(`enum: NAME`); every value of the enum must fit in the field. The outputs
link the two (C++: typed setters and comments; SystemVerilog: the packed
struct member has the enum's type when the widths agree; Markdown: a link).

Outputs are deterministic and written only when their content changes, so a
build that runs this tool does not rebuild needlessly.

Exit status: 0 done; 1 --check-md found FILE out of date; 2 bad input (one
line `FILE: what is wrong` on stderr).

Structure, for whoever adds a section: parsing fills a Spec of plain
dataclasses, one parse_* function per section in SECTIONS (in order: a later
section may refer to an earlier one, as fields refer to enums);
check_generated_names() rejects inputs whose generated identifiers would
collide; each output is one emit_* function built from per-section parts.
Layouts and registers share Field, parse_field() and check_fields().
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

try:
    import yaml
except ImportError:  # pragma: no cover - depends on the machine
    sys.stderr.write("regtool.py: PyYAML is missing; install python3-yaml\n")
    sys.exit(2)

TOOL = "rtl/util/regtool.py"
REPO_ROOT = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------------------
# Errors and YAML loading


class SpecError(Exception):
    """Bad input; the message is one line and names what is wrong."""


class _Map(dict):
    """A YAML mapping that remembers its line (1-based), and each key's, for error
    messages."""

    line = 0
    key_lines: dict


class _Loader(yaml.SafeLoader):
    """SafeLoader whose mappings know their line and reject duplicate keys."""


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)
    result = _Map()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            raise SpecError(f"line {key_node.start_mark.line + 1}: key {key!r} is not a string")
        if key in result:
            raise SpecError(f"line {key_node.start_mark.line + 1}: duplicate key '{key}'")
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


# ---------------------------------------------------------------------------
# The model


@dataclass
class Constant:
    name: str  # UPPER_SNAKE
    value: int
    doc: str


@dataclass
class EnumValue:
    name: str  # UPPER_SNAKE
    value: int
    doc: str


@dataclass
class Enum:
    name: str  # lower_snake
    width: int
    doc: str
    values: list[EnumValue]
    flags: bool = False  # a set of single-bit flags rather than a list of codes


@dataclass
class Field:
    name: str  # lower_snake
    lsb: int
    width: int
    doc: str
    enum: Enum | None = None  # the enum its values come from
    access: str | None = None  # registers only: rw, ro, wo, w1c (the register's if not given)
    reset: int | None = None  # registers only: always filled in after parsing

    @property
    def msb(self) -> int:
        return self.lsb + self.width - 1

    @property
    def mask(self) -> int:
        return ((1 << self.width) - 1) << self.lsb


@dataclass
class Layout:
    name: str  # lower_snake
    bytes: int
    doc: str
    fields: list[Field]  # sorted by lsb


ACCESS_KINDS = ("rw", "ro", "wo", "w1c")
REGISTER_BITS = 32


@dataclass
class Register:
    name: str  # UPPER_SNAKE
    offset: int  # bytes, a multiple of 4
    access: str  # one of ACCESS_KINDS; the default of its fields
    reset: int
    doc: str  # its first sentence is the summary in the register table
    fields: list[Field]  # sorted by lsb; empty: one 32-bit value

    @property
    def accesses(self) -> list[str]:
        """Every access kind of its bits: its own first, then the others'."""
        kinds = {f.access for f in self.fields} - {self.access}
        return [self.access] + [a for a in ACCESS_KINDS if a in kinds]


@dataclass
class Spec:
    path: str  # as given, for error messages
    display: str  # for the "generated from" line: relative to the repository when inside it
    name: str
    doc: str
    spdx: str | None
    constants: list[Constant] = field(default_factory=list)
    enums: list[Enum] = field(default_factory=list)
    layouts: list[Layout] = field(default_factory=list)
    address_bytes: int = 0  # the register window; 0 when there are no registers
    registers: list[Register] = field(default_factory=list)  # sorted by offset

    def enum(self, name: str) -> Enum | None:
        return next((e for e in self.enums if e.name == name), None)


# ---------------------------------------------------------------------------
# Parsing and checking

LOWER_SNAKE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*\Z")
UPPER_SNAKE = re.compile(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)*\Z")
MAX_WIDTH = 64
MAX_LAYOUT_BYTES = 1 << 20


def _at(m: object, key: str | None = None) -> str:
    """`line N: ` for the mapping m, or for its key when given and known."""
    line = getattr(m, "line", 0)
    if key is not None:
        line = getattr(m, "key_lines", {}).get(key, line)
    return f"line {line}: " if line else ""


def _get(m: _Map, key: str, what: str) -> object:
    if key not in m:
        raise SpecError(f"{_at(m)}{what}: missing key '{key}'")
    return m[key]


def _no_extra(m: _Map, allowed: tuple[str, ...], what: str) -> None:
    for key in m:
        if key not in allowed:
            raise SpecError(
                f"{_at(m)}{what}: unknown key '{key}' (expected {', '.join(allowed)})")


def _mapping(obj: object, what: str, parent: object) -> _Map:
    if not isinstance(obj, _Map):
        raise SpecError(f"{_at(parent)}{what}: must be a mapping")
    return obj


def _list(m: _Map, key: str, what: str, required: bool = True) -> list:
    if not required and m.get(key) is None:
        return []
    obj = _get(m, key, what)
    if not isinstance(obj, list):
        raise SpecError(f"{_at(m)}{what}: '{key}' must be a list")
    return obj


def _int(m: _Map, key: str, what: str, lo: int, hi: int) -> int:
    """An integer in [lo, hi]."""
    v = _get(m, key, what)
    if isinstance(v, bool) or not isinstance(v, int):
        raise SpecError(f"{_at(m)}{what}: '{key}' must be an integer, not {v!r}")
    if not lo <= v <= hi:
        raise SpecError(f"{_at(m)}{what}: '{key}' is {v}, must be in {lo}..{hi}")
    return v


def _str(m: _Map, key: str, what: str) -> str:
    v = _get(m, key, what)
    if not isinstance(v, str) or not v.strip():
        raise SpecError(f"{_at(m)}{what}: '{key}' must be a non-empty string")
    return v.strip()


def _name(m: _Map, what: str, pattern: re.Pattern, style: str) -> str:
    v = _get(m, "name", what)
    if not isinstance(v, str) or not pattern.match(v):
        raise SpecError(f"{_at(m)}{what}: name {v!r} must be {style}")
    return v


def _unique(items: list, what: str, key=lambda x: x.name, noun: str = "name") -> None:
    seen: dict = {}
    for item, m in items:
        k = key(item)
        if k in seen:
            raise SpecError(f"{_at(m)}{what}: duplicate {noun} {k}")
        seen[k] = item


def parse_constants(spec: Spec, top: _Map) -> None:
    parsed = []
    for i, raw in enumerate(_list(top, "constants", "constants", required=False)):
        m = _mapping(raw, f"constants[{i}]", top)
        _no_extra(m, ("name", "value", "doc"), f"constants[{i}]")
        name = _name(m, f"constants[{i}]", UPPER_SNAKE, "UPPER_SNAKE_CASE")
        what = f"constant {name}"
        c = Constant(name, _int(m, "value", what, 0, (1 << 64) - 1), _str(m, "doc", what))
        parsed.append((c, m))
    _unique(parsed, "constants")
    spec.constants = [c for c, _ in parsed]


def parse_enums(spec: Spec, top: _Map) -> None:
    parsed = []
    for i, raw in enumerate(_list(top, "enums", "enums", required=False)):
        m = _mapping(raw, f"enums[{i}]", top)
        _no_extra(m, ("name", "doc", "width", "flags", "values"), f"enums[{i}]")
        name = _name(m, f"enums[{i}]", LOWER_SNAKE, "lower_snake_case")
        what = f"enum {name}"
        width = _int(m, "width", what, 1, MAX_WIDTH)
        flags = m.get("flags", False)
        if not isinstance(flags, bool):
            raise SpecError(f"{_at(m, 'flags')}{what}: 'flags' must be true or false, "
                            f"not {flags!r}")
        values = []
        for j, rawv in enumerate(_list(m, "values", what)):
            mv = _mapping(rawv, f"{what}: values[{j}]", m)
            _no_extra(mv, ("name", "value", "doc"), f"{what}: values[{j}]")
            vname = _name(mv, f"{what}: values[{j}]", UPPER_SNAKE, "UPPER_SNAKE_CASE")
            vwhat = f"{what}: value {vname}"
            v = _get(mv, "value", vwhat)
            if isinstance(v, int) and not isinstance(v, bool) and not 0 <= v < (1 << width):
                raise SpecError(f"{_at(mv)}{vwhat}: value {v} does not fit in {width} bits")
            values.append((EnumValue(vname, _int(mv, "value", vwhat, 0, (1 << width) - 1),
                                     _str(mv, "doc", vwhat)), mv))
        if not values:
            raise SpecError(f"{_at(m)}{what}: has no values")
        _unique(values, what)
        _unique(values, what, key=lambda v: v.value, noun="value")
        if flags:
            for v, mv in values:
                if v.value == 0 or v.value & (v.value - 1):
                    raise SpecError(f"{_at(mv)}{what}: value {v.name} ({v.value:#x}) is not a "
                                    "single bit, as a flag must be")
        parsed.append((Enum(name, width, _str(m, "doc", what), [v for v, _ in values], flags),
                       m))
    _unique(parsed, "enums")
    spec.enums = [e for e, _ in parsed]


def check_fields(fields: list[tuple[Field, _Map]], total_bits: int, what: str) -> list[Field]:
    """Checks that fields have unique names, fit in total_bits and do not overlap.
    Returns them sorted by lsb. Shared by layouts and registers."""
    _unique(fields, what, noun="field")
    for f, m in fields:
        if f.msb >= total_bits:
            raise SpecError(f"{_at(m)}{what}: field {f.name} (bits [{f.msb}:{f.lsb}]) "
                            f"is outside the {total_bits} bits")
    ordered = sorted(fields, key=lambda fm: fm[0].lsb)
    for (a, _), (b, mb) in zip(ordered, ordered[1:]):
        if b.lsb <= a.msb:
            raise SpecError(f"{_at(mb)}{what}: field {b.name} (bits [{b.msb}:{b.lsb}]) "
                            f"overlaps field {a.name} (bits [{a.msb}:{a.lsb}])")
    return [f for f, _ in ordered]


def _enum_ref(spec: Spec, m: _Map, fwhat: str, width: int) -> Enum | None:
    """The enum a field names with `enum:`, checked to fit in the field's width."""
    if "enum" not in m:
        return None
    ref = m["enum"]
    if not isinstance(ref, str):
        raise SpecError(f"{_at(m, 'enum')}{fwhat}: 'enum' must name an enum, not {ref!r}")
    e = spec.enum(ref)
    if e is None:
        known = ", ".join(x.name for x in spec.enums) or "none"
        raise SpecError(f"{_at(m, 'enum')}{fwhat}: enum {ref!r} is not declared (enums: {known})")
    for v in e.values:
        if v.value >> width:
            raise SpecError(f"{_at(m, 'enum')}{fwhat}: enum {e.name} value {v.name} "
                            f"({v.value:#x}) does not fit in the field's {width} bits")
    return e


def parse_field(raw: object, what: str, parent: _Map, spec: Spec,
                register: bool = False) -> tuple[Field, _Map]:
    """A field of a layout, or of a register (which also allows access and reset)."""
    m = _mapping(raw, what, parent)
    keys = ("name", "lsb", "width", "enum", "doc")
    _no_extra(m, keys + ("access", "reset") if register else keys, what)
    name = _name(m, what, LOWER_SNAKE, "lower_snake_case")
    fwhat = f"{what.rsplit(':', 1)[0]}: field {name}"
    max_width = REGISTER_BITS if register else MAX_WIDTH
    v = _get(m, "width", fwhat)
    if isinstance(v, int) and not isinstance(v, bool) and v > max_width:
        raise SpecError(f"{_at(m)}{fwhat}: width {v} is more than {max_width}")
    width = _int(m, "width", fwhat, 1, max_width)
    f = Field(name, _int(m, "lsb", fwhat, 0, MAX_LAYOUT_BYTES * 8), width,
              _str(m, "doc", fwhat), _enum_ref(spec, m, fwhat, width))
    if register:
        if "access" in m:
            f.access = _access(m, fwhat)
        if "reset" in m:
            f.reset = _reset(m, fwhat, width)
    return f, m


def _access(m: _Map, what: str) -> str:
    a = _get(m, "access", what)
    if a not in ACCESS_KINDS:
        raise SpecError(f"{_at(m, 'access')}{what}: access {a!r} must be one of "
                        f"{', '.join(ACCESS_KINDS)}")
    return a


def _reset(m: _Map, what: str, width: int) -> int:
    v = _get(m, "reset", what)
    if isinstance(v, bool) or not isinstance(v, int):
        raise SpecError(f"{_at(m, 'reset')}{what}: 'reset' must be an integer, not {v!r}")
    if not 0 <= v < (1 << width):
        raise SpecError(f"{_at(m, 'reset')}{what}: reset {v:#x} does not fit in {width} bits")
    return v


def parse_layouts(spec: Spec, top: _Map) -> None:
    parsed = []
    for i, raw in enumerate(_list(top, "layouts", "layouts", required=False)):
        m = _mapping(raw, f"layouts[{i}]", top)
        _no_extra(m, ("name", "doc", "bytes", "fields"), f"layouts[{i}]")
        name = _name(m, f"layouts[{i}]", LOWER_SNAKE, "lower_snake_case")
        what = f"layout {name}"
        nbytes = _int(m, "bytes", what, 1, MAX_LAYOUT_BYTES)
        raw_fields = _list(m, "fields", what)
        if not raw_fields:
            raise SpecError(f"{_at(m)}{what}: has no fields")
        fields = [parse_field(r, f"{what}: fields[{j}]", m, spec)
                  for j, r in enumerate(raw_fields)]
        parsed.append((Layout(name, nbytes, _str(m, "doc", what),
                              check_fields(fields, nbytes * 8, what)), m))
    _unique(parsed, "layouts")
    spec.layouts = [lay for lay, _ in parsed]


def _address_bytes(spec: Spec, top: _Map) -> int:
    """The register window: an integer, or the name of a constant."""
    if "address_bytes" not in top:
        raise SpecError(f"{_at(top, 'registers')}registers: missing top-level key "
                        "'address_bytes' (the size of the register window in bytes)")
    v = top["address_bytes"]
    at = _at(top, "address_bytes")
    if isinstance(v, str):
        c = next((c for c in spec.constants if c.name == v), None)
        if c is None:
            raise SpecError(f"{at}address_bytes: constant {v!r} is not declared")
        v = c.value
    elif isinstance(v, bool) or not isinstance(v, int):
        raise SpecError(f"{at}address_bytes: must be an integer or a constant's name, not {v!r}")
    if v < 4 or v & (v - 1) or v > (1 << 32):
        raise SpecError(f"{at}address_bytes: {v} must be a power of two from 4 to 2^32")
    return v


def parse_registers(spec: Spec, top: _Map) -> None:
    raws = _list(top, "registers", "registers", required=False)
    if not raws:
        if "address_bytes" in top:
            raise SpecError(f"{_at(top, 'address_bytes')}top level: 'address_bytes' "
                            "without registers")
        return
    spec.address_bytes = window = _address_bytes(spec, top)
    parsed = []
    for i, raw in enumerate(raws):
        m = _mapping(raw, f"registers[{i}]", top)
        _no_extra(m, ("name", "offset", "access", "reset", "doc", "fields"), f"registers[{i}]")
        name = _name(m, f"registers[{i}]", UPPER_SNAKE, "UPPER_SNAKE_CASE")
        what = f"register {name}"
        offset = _int(m, "offset", what, 0, (1 << 32) - 1)
        if offset % 4:
            raise SpecError(f"{_at(m, 'offset')}{what}: offset {offset:#x} is not a multiple of 4")
        if offset + 4 > window:
            raise SpecError(f"{_at(m, 'offset')}{what}: offset {offset:#x} is outside the "
                            f"{window}-byte window (address_bytes)")
        access = _access(m, what)
        doc = _str(m, "doc", what)
        fields: list[Field] = []
        if "fields" in m:
            raw_fields = _list(m, "fields", what)
            if not raw_fields:
                raise SpecError(f"{_at(m, 'fields')}{what}: has no fields (leave 'fields' out "
                                "for a register that is one 32-bit value)")
            fields = check_fields([parse_field(r, f"{what}: fields[{j}]", m, spec, register=True)
                                   for j, r in enumerate(raw_fields)], REGISTER_BITS, what)
            for f in fields:
                f.access = f.access or access
        reset = _register_reset(m, what, fields)
        parsed.append((Register(name, offset, access, reset, doc, fields), m))
    _unique(parsed, "registers")
    at_offset: dict[int, Register] = {}
    for r, m in parsed:
        if r.offset in at_offset:
            raise SpecError(f"{_at(m, 'offset')}register {r.name}: offset {r.offset:#x} is "
                            f"also register {at_offset[r.offset].name}'s")
        at_offset[r.offset] = r
    spec.registers = sorted((r for r, _ in parsed), key=lambda r: r.offset)


def _register_reset(m: _Map, what: str, fields: list[Field]) -> int:
    """The register's reset value, checked against its fields' (and filling them in):
    given on the register, on fields, or both; 0 where neither says."""
    if "reset" not in m:
        for f in fields:
            f.reset = f.reset or 0
        return sum(f.reset << f.lsb for f in fields)
    reset = _reset(m, what, REGISTER_BITS)
    if fields:
        outside = reset & ~sum(f.mask for f in fields)
        if outside:
            raise SpecError(f"{_at(m, 'reset')}{what}: reset {reset:#x} sets bits outside "
                            f"its fields ({outside:#x})")
    for f in fields:
        mine = (reset >> f.lsb) & ((1 << f.width) - 1)
        if f.reset is not None and f.reset != mine:
            raise SpecError(f"{_at(m, 'reset')}{what}: field {f.name} has reset {f.reset:#x} "
                            f"but the register's reset {reset:#x} gives it {mine:#x}")
        f.reset = mine
    return reset


# One parser per optional section, in order: a section may refer to earlier ones.
SECTIONS = {
    "constants": parse_constants,
    "enums": parse_enums,
    "layouts": parse_layouts,
    "registers": parse_registers,
}
TOP_KEYS = ("name", "doc", "address_bytes", *SECTIONS)


def _display_path(path: str) -> str:
    """The input's path for the "generated from" line: relative to the repository
    root when the file is inside it, so the output does not depend on the working
    directory or on whether the build passed an absolute path."""
    p = Path(path).resolve()
    try:
        return p.relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return path


def load(path: str) -> Spec:
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise SpecError(_one_line(e.strerror or str(e))) from None
    except UnicodeDecodeError:
        raise SpecError("not UTF-8 text") from None
    try:
        top = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = f"line {mark.line + 1}: " if mark else ""
        raise SpecError(f"{line}YAML syntax: {_one_line(e.problem or e.context or e)}") from None
    except yaml.YAMLError as e:
        raise SpecError(f"YAML: {_one_line(e)}") from None
    if not isinstance(top, _Map):
        raise SpecError("the top level must be a mapping")
    _no_extra(top, TOP_KEYS, "top level")
    name = _name(top, "top level", LOWER_SNAKE, "lower_snake_case")
    if name in CPP_KEYWORDS:
        raise SpecError(f"{_at(top)}top level: name {name} is a C++ keyword")
    spdx = None
    for line in text.splitlines()[:5]:
        found = re.search(r"SPDX-License-Identifier:\s*(\S+)", line)
        if found:
            spdx = found.group(1)
            break
    spec = Spec(path, _display_path(path), name, _str(top, "doc", "top level"), spdx)
    for parse in SECTIONS.values():
        parse(spec, top)
    check_generated_names(spec)
    return spec


# ---------------------------------------------------------------------------
# Names in the generated languages

CPP_KEYWORDS = frozenset("""
alignas alignof and and_eq asm auto bitand bitor bool break case catch char char8_t char16_t
char32_t class compl concept const consteval constexpr constinit const_cast continue co_await
co_return co_yield decltype default delete do double dynamic_cast else enum explicit export
extern false float for friend goto if inline int long mutable namespace new noexcept not not_eq
nullptr operator or or_eq private protected public register reinterpret_cast requires return
short signed sizeof static static_assert static_cast struct switch template this thread_local
throw true try typedef typeid typename union unsigned using virtual void volatile wchar_t while
xor xor_eq errno std
""".split())

SV_KEYWORDS = frozenset("""
accept_on alias always always_comb always_ff always_latch and assert assign assume automatic
before begin bind bins binsof bit break buf bufif0 bufif1 byte case casex casez cell chandle
checker class clocking cmos config const constraint context continue cover covergroup
coverpoint cross deassign default defparam design disable dist do edge else end endcase
endchecker endclass endclocking endconfig endfunction endgenerate endgroup endinterface
endmodule endpackage endprimitive endprogram endproperty endspecify endsequence endtable
endtask enum event eventually expect export extends extern final first_match for force foreach
forever fork forkjoin function generate genvar global highz0 highz1 if iff ifnone ignore_bins
illegal_bins implements implies import incdir include initial inout input inside instance int
integer interconnect interface intersect join join_any join_none large let liblist library
local localparam logic longint macromodule matches medium modport module nand negedge nettype
new nexttime nmos nor noshowcancelled not notif0 notif1 null or output package packed parameter
pmos posedge primitive priority program property protected pull0 pull1 pulldown pullup
pulsestyle_ondetect pulsestyle_onevent pure rand randc randcase randsequence rcmos real
realtime ref reg reject_on release repeat restrict return rnmos rpmos rtran rtranif0 rtranif1
s_always s_eventually s_nexttime s_until s_until_with scalared sequence shortint shortreal
showcancelled signed small soft solve specify specparam static string strong strong0 strong1
struct super supply0 supply1 sync_accept_on sync_reject_on table tagged task this throughout
time timeprecision timeunit tran tranif0 tranif1 tri tri0 tri1 triand trior trireg type
typedef union unique unique0 unsigned until until_with untyped use uwire var vectored virtual
void wait wait_order wand weak weak0 weak1 while wildcard wire with within wor xnor xor
""".split())


def camel(snake: str) -> str:
    """max_nodes / MAX_NODES -> MaxNodes."""
    return "".join(p[:1].upper() + p[1:].lower() for p in snake.split("_"))


def cpp_ident(name: str) -> str:
    """A lower_snake name used as a C++ identifier; keywords get a trailing _."""
    return name + "_" if name in CPP_KEYWORDS else name


def sv_ident(name: str) -> str:
    """A lower_snake name used as a SystemVerilog identifier; keywords get a trailing _
    (the header's field `type` is the struct member `type_`)."""
    return name + "_" if name in SV_KEYWORDS else name


def cpp_const(c: Constant) -> str:
    return "k" + camel(c.name)


def cpp_enum(e: Enum) -> str:
    return camel(e.name)


def cpp_enum_value(v: EnumValue) -> str:
    return "k" + camel(v.name)


def cpp_enum_all(e: Enum) -> str:
    return "kAll" + camel(e.name)


def uint_type(width: int) -> str:
    for bits in (8, 16, 32, 64):
        if width <= bits:
            return f"uint{bits}_t"
    raise AssertionError(width)


def sv_enum_value(e: Enum, v: EnumValue) -> str:
    return f"{e.name.upper()}_{v.name}"


def sv_layout_param(lay: Layout, suffix: str) -> str:
    return f"{lay.name.upper()}_{suffix}"


def sv_flag_value(e: Enum, v: EnumValue) -> str:
    """A flag's mask; the flag's bit index is this name with _BIT."""
    return sv_enum_value(e, v)


def sv_enum_type(e: Enum) -> str:
    """An enum's SystemVerilog type: a typedef enum, or a logic vector for flags."""
    return f"{e.name}_t" if e.flags else f"{e.name}_e"


def cpp_reg(r: Register) -> str:
    """A register's offset constant."""
    return "kReg" + camel(r.name)


def cpp_reg_prefix(r: Register, f: Field | None = None) -> str:
    """The prefix of a register's (or its field's) other constants: kCtrl, kCtrlEnable."""
    return "k" + camel(r.name) + (camel(f.name) if f else "")


def cpp_reg_fn(r: Register, f: Field, verb: str) -> str:
    return f"{verb}_{r.name.lower()}_{f.name}"


def cpp_access(a: str) -> str:
    return "Access::k" + camel(a)


def sv_reg_param(r: Register, f: Field | None, suffix: str) -> str:
    return f"{r.name}_{f.name.upper()}_{suffix}" if f else f"{r.name}_{suffix}"


CPP_REG_FIXED = ("Access", "RegInfo", "kAllRegs", "kRegWindowBytes", "kRegAddrWidth")
SV_REG_FIXED = ("REG_WINDOW_BYTES", "REG_ADDR_WIDTH")


def sv_struct_members(lay: Layout) -> list[tuple[str, int, int, Field | None]]:
    """(member, msb, lsb, field or None for reserved) from the most significant bit
    down, so that bit n of the packed struct is bit n of the byte string."""
    members = []
    pos = 0
    gap = 0
    for f in lay.fields:
        if f.lsb > pos:
            members.append((f"rsvd{gap}", f.lsb - 1, pos, None))
            gap += 1
        members.append((sv_ident(f.name), f.msb, f.lsb, f))
        pos = f.msb + 1
    if pos < lay.bytes * 8:
        members.append((f"rsvd{gap}", lay.bytes * 8 - 1, pos, None))
    return list(reversed(members))


def check_generated_names(spec: Spec) -> None:
    """Rejects inputs whose distinct YAML names map to one generated identifier."""

    def claim(scope: dict, ident: str, owner: str, lang: str) -> None:
        if ident in scope and scope[ident] != owner:
            raise SpecError(f"{owner} and {scope[ident]} both generate the {lang} name {ident}")
        scope[ident] = owner

    cpp = {n: "the generated helpers" for n in ("to_string", "is_valid")}
    sv: dict = {}
    for c in spec.constants:
        claim(cpp, cpp_const(c), f"constant {c.name}", "C++")
        claim(sv, c.name, f"constant {c.name}", "SystemVerilog")
    for e in spec.enums:
        claim(cpp, cpp_enum(e), f"enum {e.name}", "C++")
        claim(cpp, cpp_enum_all(e), f"enum {e.name}", "C++")
        claim(sv, sv_enum_type(e), f"enum {e.name}", "SystemVerilog")
        vals: dict = {"kAll": "the generated helpers", "name": "the generated helpers"} \
            if e.flags else {}
        for v in e.values:
            owner = f"enum {e.name} value {v.name}"
            claim(vals, cpp_enum_value(v), owner, "C++")
            claim(sv, sv_enum_value(e, v), owner, "SystemVerilog")
            if e.flags:
                claim(sv, sv_flag_value(e, v) + "_BIT", owner, "SystemVerilog")
    for lay in spec.layouts:
        claim(cpp, cpp_ident(lay.name), f"layout {lay.name}", "C++")
        claim(sv, f"{lay.name}_t", f"layout {lay.name}", "SystemVerilog")
        claim(sv, sv_layout_param(lay, "BYTES"), f"layout {lay.name}", "SystemVerilog")
        inner = {"kBytes": f"layout {lay.name}"}
        for f in lay.fields:
            owner = f"layout {lay.name} field {f.name}"
            for ident in (f"k{camel(f.name)}Lsb", f"k{camel(f.name)}Width",
                          f"get_{f.name}", f"set_{f.name}"):
                claim(inner, ident, owner, "C++")
            for suffix in ("LSB", "WIDTH"):
                claim(sv, sv_layout_param(lay, f"{f.name.upper()}_{suffix}"), owner,
                      "SystemVerilog")
        members: dict = {}
        for member, _, _, f in sv_struct_members(lay):
            owner = f"layout {lay.name} field {f.name}" if f else f"layout {lay.name} gap"
            claim(members, member, owner, "SystemVerilog")
    if spec.registers:
        for ident in CPP_REG_FIXED:
            claim(cpp, ident, "the generated register helpers", "C++")
        for ident in SV_REG_FIXED:
            claim(sv, ident, "the generated register parameters", "SystemVerilog")
    for r in spec.registers:
        owner = f"register {r.name}"
        claim(cpp, cpp_reg(r), owner, "C++")
        for suffix in ("Reset", "Access"):
            claim(cpp, cpp_reg_prefix(r) + suffix, owner, "C++")
        for suffix in ("OFFSET", "RESET"):
            claim(sv, sv_reg_param(r, None, suffix), owner, "SystemVerilog")
        for f in r.fields:
            owner = f"register {r.name} field {f.name}"
            for suffix in ("Lsb", "Width", "Mask", "Access"):
                claim(cpp, cpp_reg_prefix(r, f) + suffix, owner, "C++")
            for verb in ("get", "set"):
                claim(cpp, cpp_reg_fn(r, f, verb), owner, "C++")
            for suffix in ("LSB", "WIDTH", "RESET"):
                claim(sv, sv_reg_param(r, f, suffix), owner, "SystemVerilog")


# ---------------------------------------------------------------------------
# Output helpers


def banner(spec: Spec) -> str:
    return f"generated by {TOOL} from {spec.display} — do not edit"


def comment_lines(text: str, prefix: str) -> list[str]:
    return [f"{prefix} {line}".rstrip() for line in text.splitlines()]


def summary(text: str) -> str:
    """The first sentence of a description (up to a full stop before a space or the end)."""
    found = re.match(r"(.+?[.!?])(\s|$)", _one_line(text))
    return found.group(1) if found else _one_line(text)


def paragraphs(text: str, width: int = 88) -> list[str]:
    """Wraps each paragraph (separated by blank lines); a blank line between them."""
    out: list[str] = []
    for para in re.split(r"\n\s*\n", text.strip()):
        if out:
            out.append("")
        out += wrap(para, width)
    return out


def wrap(text: str, width: int = 92) -> list[str]:
    words = _one_line(text).split(" ")
    lines, cur = [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}" if cur else w
    if cur:
        lines.append(cur)
    return lines


# ---------------------------------------------------------------------------
# C++


def _cpp_field_access(f: Field) -> list[str]:
    byte, nbytes = f.lsb // 8, f.width // 8
    at = f"frame + {byte}" if byte else "frame"
    get = f"inline uint64_t get_{f.name}(const uint8_t* frame)"
    put = f"inline void set_{f.name}(uint8_t* frame, uint64_t v)"
    if f.lsb % 8 == 0 and f.width == 8:
        return [f"{get} {{ return frame[{byte}]; }}",
                f"{put} {{ frame[{byte}] = static_cast<uint8_t>(v); }}"]
    if f.lsb % 8 == 0 and f.width in (16, 32, 64):
        t = uint_type(f.width)
        return [f"{get} {{",
                f"  {t} x;",
                f"  std::memcpy(&x, {at}, {nbytes});",
                "  return x;",
                "}",
                f"{put} {{",
                f"  const auto x = static_cast<{t}>(v);",
                f"  std::memcpy({at}, &x, {nbytes});",
                "}"]
    return _cpp_generic_get(f, get) + _cpp_generic_set(f, put)


def _cpp_generic_get(f: Field, get: str) -> list[str]:
    """Straight-line code for any other field: one load per byte it touches."""
    first, shift = f.lsb // 8, f.lsb % 8
    terms = []
    for i, b in enumerate(range(first, f.msb // 8 + 1)):
        load = f"uint64_t{{frame[{b}]}}"
        if i == 0:
            terms.append(f"({load} >> {shift})" if shift else load)
        else:
            terms.append(f"({load} << {8 * i - shift})")
    expr = terms[0] if len(terms) == 1 else "(" + " |\n          ".join(terms) + ")"
    if f.width < 64 and f.msb % 8 != 7:  # the last byte holds bits above the field
        expr += f" & 0x{(1 << f.width) - 1:x}u"
    return [f"{get} {{", f"  return {expr};", "}"]


def _cpp_generic_set(f: Field, put: str) -> list[str]:
    out = [f"{put} {{"]
    for b in range(f.lsb // 8, f.msb // 8 + 1):
        lo, hi = max(f.lsb, 8 * b), min(f.msb, 8 * b + 7)
        mask = ((1 << (hi - lo + 1)) - 1) << (lo - 8 * b)
        if lo == f.lsb:
            value = f"v << {lo - 8 * b}" if lo - 8 * b else "v"
        else:
            value = f"v >> {lo - f.lsb}"
        if mask == 0xFF:
            out.append(f"  frame[{b}] = static_cast<uint8_t>({value});")
        else:
            out.append(f"  frame[{b}] = static_cast<uint8_t>((frame[{b}] & 0x{~mask & 0xFF:02x}u) | "
                       f"({value if value == 'v' else f'({value})'} & 0x{mask:02x}u));")
    out.append("}")
    return out


def _cpp_constants(spec: Spec) -> list[str]:
    out = []
    for c in spec.constants:
        t = "uint32_t" if c.value < (1 << 32) else "uint64_t"
        suffix = "" if c.value < (1 << 31) else ("u" if t == "uint32_t" else "ull")
        out += comment_lines(c.doc, "///")
        out.append(f"inline constexpr {t} {cpp_const(c)} = {c.value}{suffix};")
    return out + [""] if out else out


def _cpp_hex(value: int, bits: int) -> str:
    """A hexadecimal literal of an unsigned type of `bits` (32 or 64) bits."""
    return f"0x{value:x}u" if bits <= 32 else f"0x{value:x}ull"


def _cpp_flags(e: Enum) -> list[str]:
    """A flags enum: a struct of masks (not an enum class), so that sets combine with |
    and & and go to and from registers and layout fields without casts."""
    name = cpp_enum(e)
    bits = 32 if e.width <= 32 else 64
    t = f"uint{bits}_t"
    out = comment_lines(e.doc, "///")
    out.append("/// Flags: each member is a mask; a set is the | of some of them.")
    out.append(f"struct {name} {{")
    out.append(f"  {name}() = delete;")
    for v in e.values:
        out.append(f"  static constexpr {t} {cpp_enum_value(v)} = {_cpp_hex(v.value, bits)};  "
                   f"///< bit {v.value.bit_length() - 1}: {_one_line(v.doc)}")
    out.append("  /// Every flag.")
    out.append(f"  static constexpr {t} kAll = {_cpp_hex(sum(v.value for v in e.values), bits)};")
    out.append(f"  /// The YAML name of one flag (\"{e.values[0].name}\"); \"?\" for anything "
               "else.")
    out.append(f"  static constexpr const char* name({t} flag) {{")
    out.append("    switch (flag) {")
    for v in e.values:
        out.append(f"      case {cpp_enum_value(v)}: return \"{v.name}\";")
    out.append("      default: return \"?\";")
    out.append("    }")
    out.append("  }")
    out.append("};")
    items = ", ".join(f"{name}::{cpp_enum_value(v)}" for v in e.values)
    out.append(f"/// Every flag of {name}, in YAML order.")
    out.append(f"inline constexpr std::array<{t}, {len(e.values)}> {cpp_enum_all(e)}{{")
    out += [f"    {line}" for line in wrap(items, 88)]
    out.append("};")
    out.append("")
    return out


def _cpp_enum_note(f: Field) -> str:
    if f.enum is None:
        return ""
    return f" (flags: {cpp_enum(f.enum)})" if f.enum.flags else f" (values: {cpp_enum(f.enum)})"


def _cpp_enums(spec: Spec) -> list[str]:
    out = []
    for e in spec.enums:
        if e.flags:
            out += _cpp_flags(e)
            continue
        name, t = cpp_enum(e), uint_type(e.width)
        suffix = lambda v: "" if v < (1 << 31) else "ull"  # noqa: E731
        out += comment_lines(e.doc, "///")
        out.append(f"enum class {name} : {t} {{")
        for v in e.values:
            out.append(f"  {cpp_enum_value(v)} = {v.value}{suffix(v.value)},  ///< {_one_line(v.doc)}")
        out.append("};")
        out.append(f"/// The YAML name of a {name} (\"{e.values[0].name}\"); \"?\" for a value "
                   "it does not name.")
        out.append(f"constexpr const char* to_string({name} v) {{")
        out.append("  switch (v) {")
        for v in e.values:
            out.append(f"    case {name}::{cpp_enum_value(v)}: return \"{v.name}\";")
        out.append("  }")
        out.append("  return \"?\";")
        out.append("}")
        out.append(f"/// Whether v is one of the values of {name} (e.g. after a cast from the wire).")
        out.append(f"constexpr bool is_valid({name} v) {{")
        out.append("  switch (v) {")
        out += [f"    case {name}::{cpp_enum_value(v)}:" for v in e.values]
        out.append("      return true;")
        out.append("  }")
        out.append("  return false;")
        out.append("}")
        items = ", ".join(f"{name}::{cpp_enum_value(v)}" for v in e.values)
        out.append(f"/// Every {name}, in YAML order.")
        out.append(f"inline constexpr std::array<{name}, {len(e.values)}> {cpp_enum_all(e)}{{")
        out += [f"    {line}" for line in wrap(items, 88)]
        out.append("};")
        out.append("")
    return out


def _cpp_layouts(spec: Spec) -> list[str]:
    out = []
    for lay in spec.layouts:
        ns = cpp_ident(lay.name)
        out += comment_lines(lay.doc, "///")
        out.append(f"namespace {ns} {{")
        out.append(f"inline constexpr uint32_t kBytes = {lay.bytes};")
        for f in lay.fields:
            cn = camel(f.name)
            out.append(f"/// [{f.msb}:{f.lsb}] {_one_line(f.doc)}{_cpp_enum_note(f)}")
            out.append(f"inline constexpr uint32_t k{cn}Lsb = {f.lsb}, k{cn}Width = {f.width};")
            out += _cpp_field_access(f)
            if f.enum is not None and not f.enum.flags:
                out.append(f"inline void set_{f.name}(uint8_t* frame, {cpp_enum(f.enum)} v) {{ "
                           f"set_{f.name}(frame, static_cast<uint64_t>(v)); }}")
        ends = [f"k{camel(f.name)}Lsb + k{camel(f.name)}Width <= kBytes * 8"
                for f in lay.fields]
        out.append("static_assert(" + " &&\n              ".join(ends) + ",")
        out.append(f"              \"{lay.name}: a field ends past kBytes\");")
        out.append(f"}}  // namespace {ns}")
        out.append("")
    return out


CPP_ACCESS = """\
/// How software may access a register or a field.
enum class Access : uint8_t {
  kRw,   ///< read and write
  kRo,   ///< read only: writes leave it unchanged
  kWo,   ///< write only: reads return 0
  kW1c,  ///< read; writing 1 to a bit clears it, writing 0 leaves it
};
/// A register's static description (its fields' access may differ from its own).
struct RegInfo {
  uint32_t offset;  ///< bytes from the start of the window
  const char* name;
  Access access;
  uint32_t reset;
};
"""


def _cpp_registers(spec: Spec) -> list[str]:
    if not spec.registers:
        return []
    out = [f"// Registers: a {spec.address_bytes}-byte window; offsets in bytes, every "
           "register 32 bits.", ""]
    out += CPP_ACCESS.splitlines()
    out.append(f"inline constexpr uint32_t kRegWindowBytes = {spec.address_bytes};")
    out.append("/// Bits of a byte offset in the window.")
    out.append(f"inline constexpr uint32_t kRegAddrWidth = {spec.address_bytes.bit_length() - 1};")
    out.append("")
    digits = max(3, (spec.address_bytes.bit_length() + 2) // 4)
    for r in spec.registers:
        pre = cpp_reg_prefix(r)
        out += [f"/// {line}" for line in wrap(
            f"{r.name} (0x{r.offset:0{digits}x}, {'/'.join(r.accesses)}): {r.doc}", 88)]
        out.append(f"inline constexpr uint32_t {cpp_reg(r)} = 0x{r.offset:0{digits}x};")
        out.append(f"inline constexpr uint32_t {pre}Reset = 0x{r.reset:08x}u;")
        out.append(f"inline constexpr Access {pre}Access = {cpp_access(r.access)};")
        for f in r.fields:
            fp = cpp_reg_prefix(r, f)
            bits = f"[{f.msb}:{f.lsb}]" if f.width > 1 else f"[{f.lsb}]"
            out += [f"/// {line}" for line in wrap(
                f"{r.name}{bits} {f.name} ({f.access}, reset {f.reset:#x}): {f.doc}"
                f"{_cpp_enum_note(f)}", 88)]
            out.append(f"inline constexpr uint32_t {fp}Lsb = {f.lsb}, {fp}Width = {f.width}, "
                       f"{fp}Mask = 0x{f.mask:08x}u;")
            out.append(f"inline constexpr Access {fp}Access = {cpp_access(f.access)};")
            get, put = cpp_reg_fn(r, f, "get"), cpp_reg_fn(r, f, "set")
            out.append(f"constexpr uint32_t {get}(uint32_t reg) {{ "
                       f"return (reg & {fp}Mask) >> {fp}Lsb; }}")
            out.append(f"constexpr uint32_t {put}(uint32_t reg, uint32_t v) {{")
            out.append(f"  return (reg & ~{fp}Mask) | ((v << {fp}Lsb) & {fp}Mask);")
            out.append("}")
            if f.enum is not None and not f.enum.flags:
                out.append(f"constexpr uint32_t {put}(uint32_t reg, {cpp_enum(f.enum)} v) {{")
                out.append(f"  return {put}(reg, static_cast<uint32_t>(v));")
                out.append("}")
        out.append("")
    out.append("/// Every register, by offset.")
    out.append(f"inline constexpr std::array<RegInfo, {len(spec.registers)}> kAllRegs{{{{")
    for r in spec.registers:
        pre = cpp_reg_prefix(r)
        out.append(f"    {{{cpp_reg(r)}, \"{r.name}\", {pre}Access, {pre}Reset}},")
    out.append("}};")
    out.append("")
    return out


CPP_NAMES = """\
Names: a constant FOO_BAR is kFooBar; an enum foo_bar is the enum class FooBar
with values FooBar::kValue, to_string(), is_valid() and the array kAllFooBar; a
flags enum is a struct FooBar of masks FooBar::kValue (combine with |), with
FooBar::kAll and FooBar::name(); a layout foo is the namespace foo with kBytes,
kFieldLsb, kFieldWidth, get_field() and set_field(). A register FOO_BAR is at
offset kRegFooBar, with kFooBarReset and kFooBarAccess; its field baz has
kFooBarBazLsb, kFooBarBazWidth, kFooBarBazMask, kFooBarBazAccess, and
get_foo_bar_baz(reg) / set_foo_bar_baz(reg, v) on the register's uint32_t value
(set returns the new value). kAllRegs lists every register."""


CPP_ENDIAN = """\
// The accessors of aligned 16/32/64-bit fields copy the bytes straight into an integer.
#if defined(__cpp_lib_endian)
static_assert(std::endian::native == std::endian::little, "needs a little-endian host");
#elif defined(__BYTE_ORDER__)
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "needs a little-endian host");
#endif
"""


def emit_cpp(spec: Spec) -> str:
    out = []
    if spec.spdx:
        out.append(f"// SPDX-License-Identifier: {spec.spdx}")
    out.append(f"// {banner(spec)}")
    out.append("//")
    out += comment_lines("\n".join(paragraphs(spec.doc)), "//")
    out.append("//")
    out.append("// Layout accessors read and write a bit range of a little-endian byte string:")
    out.append("// bit n is bit (n % 8) of byte (n / 8). set_* keeps every other bit and")
    out.append("// truncates the value to the field's width.")
    out.append("//")
    out += comment_lines(CPP_NAMES, "//")
    out += ["#pragma once", "", "#include <array>", "#include <cstdint>", "#include <cstring>",
            "#if __has_include(<bit>)", "#include <bit>", "#endif", ""]
    out.append(f"namespace shadowsel::gen::{spec.name} {{")
    out.append("")
    fast = any(f.lsb % 8 == 0 and f.width in (16, 32, 64)
               for lay in spec.layouts for f in lay.fields)
    if fast:
        out += CPP_ENDIAN.splitlines() + [""]
    out += _cpp_constants(spec)
    out += _cpp_enums(spec)
    out += _cpp_layouts(spec)
    out += _cpp_registers(spec)
    out.append(f"}}  // namespace shadowsel::gen::{spec.name}")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------
# SystemVerilog


def _sv_int_param(name: str, value: int) -> str:
    if value < (1 << 31):
        return f"localparam int {name} = {value};"
    # Icarus 11 rejects `int unsigned` and `longint unsigned` localparams.
    if value < (1 << 32):
        return f"localparam logic [31:0] {name} = 32'd{value};"
    return f"localparam logic [63:0] {name} = 64'd{value};"


def _sv_range(msb: int, lsb: int) -> str:
    return f"logic [{msb - lsb}:0]" if msb != lsb else "logic"


def _sv_member_type(f: Field | None, msb: int, lsb: int) -> str:
    """A struct member's type: its enum's when the field names one of the same width."""
    if f is not None and f.enum is not None and f.enum.width == f.width:
        return sv_enum_type(f.enum)
    return _sv_range(msb, lsb)


def _sv_vector_param(name: str, width: int, value: int) -> str:
    return f"localparam {_sv_range(width - 1, 0)} {name} = {width}'h{value:0{(width + 3) // 4}x};"


SV_NAMES = """\
Names: a constant FOO is FOO; an enum foo is the type foo_e with values FOO_VALUE;
a flags enum foo is the vector type foo_t with masks FOO_VALUE and bit indices
FOO_VALUE_BIT; a layout foo is the packed struct foo_t with FOO_BYTES,
FOO_FIELD_LSB and FOO_FIELD_WIDTH. A register FOO is at the byte offset
FOO_OFFSET (REG_ADDR_WIDTH bits; the window is REG_WINDOW_BYTES bytes) and
resets to FOO_RESET; its field bar has FOO_BAR_LSB, FOO_BAR_WIDTH and
FOO_BAR_RESET."""


def _sv_enums(spec: Spec) -> list[str]:
    out = []
    for e in spec.enums:
        out += comment_lines(e.doc, "  //")
        if e.flags:
            out.append("  // Flags: a set is the OR of some of these masks.")
            out.append(f"  typedef {_sv_range(e.width - 1, 0)} {sv_enum_type(e)};")
            for v in e.values:
                out.append(f"  {_sv_vector_param(sv_flag_value(e, v), e.width, v.value)}"
                           f"  // {_one_line(v.doc)}")
                out.append("  " + _sv_int_param(sv_flag_value(e, v) + "_BIT",
                                                v.value.bit_length() - 1))
            out.append("")
            continue
        out.append(f"  typedef enum {_sv_range(e.width - 1, 0)} {{")
        for i, v in enumerate(e.values):
            comma = "," if i + 1 < len(e.values) else ""
            out.append(f"    {sv_enum_value(e, v)} = {e.width}'d{v.value}{comma}"
                       f"  // {_one_line(v.doc)}")
        out.append(f"  }} {sv_enum_type(e)};")
        out.append("")
    return out


def _sv_registers(spec: Spec) -> list[str]:
    if not spec.registers:
        return []
    aw = spec.address_bytes.bit_length() - 1
    out = [f"  // Registers: a {spec.address_bytes}-byte window, byte offsets, 32-bit registers.",
           "  " + _sv_int_param("REG_WINDOW_BYTES", spec.address_bytes),
           "  " + _sv_int_param("REG_ADDR_WIDTH", aw), ""]
    for r in spec.registers:
        out += [f"  // {line}" for line in wrap(f"{r.name} ({'/'.join(r.accesses)}): {r.doc}", 86)]
        out.append("  " + _sv_vector_param(sv_reg_param(r, None, "OFFSET"), aw, r.offset))
        out.append("  " + _sv_vector_param(sv_reg_param(r, None, "RESET"), 32, r.reset))
        for f in r.fields:
            out.append("  " + _sv_int_param(sv_reg_param(r, f, "LSB"), f.lsb))
            out.append("  " + _sv_int_param(sv_reg_param(r, f, "WIDTH"), f.width))
            out.append("  " + _sv_vector_param(sv_reg_param(r, f, "RESET"), f.width, f.reset))
        out.append("")
    return out


def emit_sv(spec: Spec) -> str:
    out = []
    if spec.spdx:
        out.append(f"// SPDX-License-Identifier: {spec.spdx}")
    out.append(f"// {banner(spec)}")
    out.append("//")
    out += comment_lines("\n".join(paragraphs(spec.doc)), "//")
    out.append("//")
    out.append("// Bit n of each layout's packed struct is bit (n % 8) of byte (n / 8) of the")
    out.append("// little-endian byte string: byte 0 is bits [7:0].")
    out.append("//")
    out += comment_lines(SV_NAMES, "//")
    out.append(f"package {spec.name}_pkg;")
    out.append("  // A user of the package uses only some of its parameters.")
    out.append("  // verilator lint_off UNUSEDPARAM")
    out.append("")
    for c in spec.constants:
        out += comment_lines(c.doc, "  //")
        out.append("  " + _sv_int_param(c.name, c.value))
    if spec.constants:
        out.append("")
    out += _sv_enums(spec)
    for lay in spec.layouts:
        up = lay.name.upper()
        out += comment_lines(lay.doc, "  //")
        out.append("  " + _sv_int_param(f"{up}_BYTES", lay.bytes))
        for f in lay.fields:
            out.append("  " + _sv_int_param(f"{up}_{f.name.upper()}_LSB", f.lsb))
            out.append("  " + _sv_int_param(f"{up}_{f.name.upper()}_WIDTH", f.width))
        out.append("  typedef struct packed {")
        members = sv_struct_members(lay)
        decls = [f"{_sv_member_type(f, msb, lsb)} {m};" for m, msb, lsb, f in members]
        pad = max(len(d) for d in decls)
        for d, (_, msb, lsb, f) in zip(decls, members):
            note = _one_line(f.doc) if f else "reserved"
            out.append(f"    {d.ljust(pad)}  // [{msb}:{lsb}] {note}")
        out.append(f"  }} {lay.name}_t;")
        out.append("")
    out += _sv_registers(spec)
    out.append("  // verilator lint_on UNUSEDPARAM")
    out.append(f"endpackage : {spec.name}_pkg")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------
# Markdown


def _md_cell(text: str) -> str:
    return _one_line(text).replace("|", "\\|")


def _md_table(header: list[str], rows: list[list[str]], align: str) -> list[str]:
    sep = {"l": "---", "r": "---:", "c": ":---:"}
    out = ["| " + " | ".join(header) + " |",
           "| " + " | ".join(sep[a] for a in align) + " |"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def _md_byte_cell(lay: Layout, byte: int) -> str:
    lo, hi = byte * 8, byte * 8 + 7
    parts = []
    bit = hi
    while bit >= lo:  # most significant part first
        f = next((f for f in lay.fields if f.lsb <= bit <= f.msb), None)
        if f is None:
            end = bit
            while end - 1 >= lo and not any(g.lsb <= end - 1 <= g.msb for g in lay.fields):
                end -= 1
            top, bottom, text = bit, end, "—"
        else:
            bottom = max(f.lsb, lo)
            top = bit
            text = f"`{f.name}`"
            if f.lsb < bottom or f.msb > top:
                text += f"[{top - f.lsb}:{bottom - f.lsb}]" if top != bottom else f"[{top - f.lsb}]"
        if (top, bottom) != (hi, lo):
            text += f" ({top - lo}:{bottom - lo})" if top != bottom else f" ({top - lo})"
        parts.append(text)
        bit = bottom - 1
    return ", ".join(parts)


def _md_enum_anchor(e: Enum) -> str:
    return f"enum-{e.name}"


def _md_reg_anchor(r: Register) -> str:
    return f"reg-{r.name.lower()}"


def _md_field_doc(f: Field) -> str:
    text = _md_cell(f.doc)
    if f.enum is not None:
        kind = "flags" if f.enum.flags else "values"
        text += f" ({kind}: [`{f.enum.name}`](#{_md_enum_anchor(f.enum)}))"
    return text


def _md_hex(value: int, width: int) -> str:
    return str(value) if width <= 4 else f"{value:#x}"


MD_ACCESS = ("Access: `rw` read and write; `ro` read only (writes leave it unchanged); "
             "`wo` write only (reads return 0); `w1c` read, and writing 1 to a bit clears "
             "it (0 leaves it). Bits outside every field are reserved: they read 0 and "
             "writes to them are ignored.")


def _md_registers(spec: Spec) -> list[str]:
    if not spec.registers:
        return []
    digits = max(3, (spec.address_bytes.bit_length() + 2) // 4)
    off = lambda r: f"0x{r.offset:0{digits}x}"  # noqa: E731
    out = ["## Registers", "",
           f"A {spec.address_bytes}-byte window; offsets are in bytes and every register is 32 "
           "bits wide. " + MD_ACCESS, ""]
    rows = [[off(r), f"[`{r.name}`](#{_md_reg_anchor(r)})", "/".join(r.accesses),
             f"0x{r.reset:08x}", _md_cell(summary(r.doc))] for r in spec.registers]
    out += _md_table(["Offset", "Name", "Access", "Reset", "Description"], rows, "lllll")
    out.append("")
    for r in spec.registers:
        out += [f"### <a id=\"{_md_reg_anchor(r)}\"></a>`{r.name}` ({off(r)})", ""]
        out += paragraphs(r.doc)
        out.append("")
        rows = []
        pos = REGISTER_BITS
        for f in reversed(r.fields):  # most significant first, gaps as reserved
            if f.msb + 1 < pos:
                rows.append([_md_bits(pos - 1, f.msb + 1), "—", "", "0", "reserved"])
            rows.append([_md_bits(f.msb, f.lsb), f"`{f.name}`", f.access,
                         _md_hex(f.reset, f.width), _md_field_doc(f)])
            pos = f.lsb
        if not r.fields:
            rows.append(["[31:0]", "—", r.access, f"{r.reset:#x}", "the whole register"])
        elif pos > 0:
            rows.append([_md_bits(pos - 1, 0), "—", "", "0", "reserved"])
        out += _md_table(["Bits", "Field", "Access", "Reset", "Description"], rows, "lllrl")
        out.append("")
    return out


def _md_bits(msb: int, lsb: int) -> str:
    return f"[{msb}:{lsb}]" if msb != lsb else f"[{lsb}]"


def emit_md(spec: Spec) -> str:
    out = [f"<!-- {banner(spec)} -->", "", f"# {spec.name}", ""]
    out += paragraphs(spec.doc)
    out.append("")
    if spec.layouts:
        out += ["Layout fields are bit ranges of a little-endian byte string: bit n is bit "
                "(n % 8) of byte (n / 8).", ""]
    if spec.constants:
        out += ["## Constants", ""]
        out += _md_table(["Name", "Value", "Description"],
                         [[f"`{c.name}`", str(c.value), _md_cell(c.doc)] for c in spec.constants],
                         "lrl")
        out.append("")
    if spec.enums:
        out += ["## Enums", ""]
    for e in spec.enums:
        anchor = f"<a id=\"{_md_enum_anchor(e)}\"></a>"
        if e.flags:
            out += [f"### {anchor}`{e.name}` (flags, {e.width} bits)", "", _md_cell(e.doc),
                    "", "A set of flags: a value is the OR of some of these masks.", ""]
            out += _md_table(["Name", "Bit", "Mask", "Description"],
                             [[f"`{v.name}`", str(v.value.bit_length() - 1), f"{v.value:#x}",
                               _md_cell(v.doc)] for v in e.values], "lrrl")
        else:
            out += [f"### {anchor}`{e.name}` ({e.width} bits)", "", _md_cell(e.doc), ""]
            out += _md_table(["Name", "Value", "Description"],
                             [[f"`{v.name}`", str(v.value), _md_cell(v.doc)] for v in e.values],
                             "lrl")
        out.append("")
    if spec.layouts:
        out += ["## Layouts", ""]
    for lay in spec.layouts:
        out += [f"### `{lay.name}` ({lay.bytes} bytes)", "", _md_cell(lay.doc), ""]
        rows = []
        for f in lay.fields:
            offset = str(f.lsb // 8) + (f", bit {f.lsb % 8}" if f.lsb % 8 else "")
            rows.append([f"`{f.name}`", f"[{f.msb}:{f.lsb}]", offset, str(f.width),
                         _md_field_doc(f)])
        out += _md_table(["Field", "Bits", "Byte offset", "Width", "Description"], rows, "llrrl")
        out += ["", "Bytes (a field's bits in brackets, a byte's bits in parentheses when a "
                "field fills part of it; — reserved):", ""]
        per_row = min(4, lay.bytes)
        diagram = []
        for row in range(0, lay.bytes, per_row):
            cells = [_md_byte_cell(lay, b) if b < lay.bytes else ""
                     for b in range(row, row + per_row)]
            diagram.append([str(row)] + cells)
        out += _md_table(["Byte"] + [f"+{i}" for i in range(per_row)], diagram,
                         "r" + "l" * per_row)
        out.append("")
    out += _md_registers(spec)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------
# Main


def write_if_changed(path: str, text: str) -> None:
    """Writes a regular file only when its content changes (atomically, by rename);
    anything else (/dev/stdout, a pipe) is just written."""
    data = text.encode("utf-8")
    if os.path.exists(path) and not os.path.isfile(path):
        with open(path, "wb") as f:
            f.write(data)
        return
    try:
        with open(path, "rb") as f:
            if f.read() == data:
                return
    except OSError:
        pass
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="Generate a C++ header, a SystemVerilog package and Markdown from a YAML "
                    "description of constants, enums, byte layouts and registers.")
    ap.add_argument("yaml", help="input description, e.g. rtl/data/ipb.yaml")
    ap.add_argument("--cpp", metavar="OUT.h", help="write the C++ header")
    ap.add_argument("--sv", metavar="OUT_pkg.sv", help="write the SystemVerilog package")
    ap.add_argument("--md", metavar="OUT.md", help="write the Markdown reference")
    ap.add_argument("--check-md", metavar="FILE",
                    help="exit 1 if FILE differs from the Markdown that --md would write")
    args = ap.parse_args(argv)

    try:
        spec = load(args.yaml)
    except SpecError as e:
        sys.stderr.write(f"{args.yaml}: {_one_line(e)}\n")
        return 2
    outputs = [(args.cpp, emit_cpp), (args.sv, emit_sv), (args.md, emit_md)]
    try:
        for path, emit in outputs:
            if path:
                write_if_changed(path, emit(spec))
    except OSError as e:
        sys.stderr.write(f"{e.filename}: {_one_line(e.strerror or e)}\n")
        return 2
    if args.check_md:
        try:
            with open(args.check_md, "rb") as f:
                current = f.read()
        except OSError:
            current = None
        if current != emit_md(spec).encode("utf-8"):
            python = sys.executable or "python3"
            sys.stderr.write(f"{args.check_md}: out of date; run {python} {sys.argv[0]} "
                             f"{args.yaml} --md {args.check_md}\n")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
