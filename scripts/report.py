#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""shadowsel report DIR: PNG plots and one self-contained index.html (images
embedded, no external URL; the same bytes on every run) from an output folder of
`shadowsel --out DIR`, or from a sweep folder of `shadowsel sweep` (docs/report.md).

Needs Debian's python3-matplotlib (scripts/setup installs it). Exit status: 0 done,
2 a missing or unreadable input (one line on stderr naming the file)."""

import base64
import csv
import html
import io
import json
import math
import os
import sys

import subcommand

CPU_PARTS = [("user_cycles", "user", "#4c72b0"), ("kernel_cycles", "kernel", "#dd8452"),
             ("agent_cycles", "agents", "#55a868"), ("irq_cycles", "interrupts", "#c44e52"),
             ("idle_cycles", "idle", "#dddddd")]
DEFAULT_FIGURES = ["stats.select.remote_wake_latency_cycles.p50", "stats.select.remote_wake_latency_cycles.p99",
                   "stats.msg.latency_cycles.p50", "stats.bus.X.utilisation", "stats.sim.cycles"]


class InputError(Exception):
    """One line: FILE: what is wrong."""


def die(line):
    subcommand.die("shadowsel report", line)


def load_json(path, required=True):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        if not required:
            return None
        raise InputError(f"{path}: missing (not an output folder of shadowsel --out?)")
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}")
    except ValueError as e:
        raise InputError(f"{path}: not JSON: {e}")


def need(d, path, file):
    """d[a][b]... for the dotted `path`, or an InputError naming the file."""
    x = d
    for part in path.split("."):
        if not isinstance(x, dict) or part not in x:
            raise InputError(f"{file}: no {path} (written by another version of shadowsel?)")
        x = x[part]
    return x


def pyplot():
    try:
        import matplotlib
    except ImportError:
        raise InputError("matplotlib: not installed for " + sys.executable +
                         " (scripts/setup installs python3-matplotlib)")
    matplotlib.use("Agg")
    matplotlib.rcdefaults()  # the same figure whatever the user's matplotlibrc says
    matplotlib.rcParams.update({"font.size": 9, "figure.dpi": 100, "savefig.dpi": 100,
                                "axes.grid": True, "grid.alpha": 0.3})
    import matplotlib.pyplot as plt
    return plt


class Page:
    """The figures and tables of one index.html, written as they come."""

    def __init__(self, out_dir, title):
        self.out_dir = out_dir
        self.title = title
        self.parts = []
        self.pngs = 0
        os.makedirs(out_dir, exist_ok=True)

    def figure(self, plt, fig, name, caption):
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": None})
        plt.close(fig)
        data = buf.getvalue()
        with open(os.path.join(self.out_dir, name + ".png"), "wb") as f:
            f.write(data)
        self.pngs += 1
        self.parts.append(f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,'
                          f'{base64.b64encode(data).decode()}"><figcaption>{html.escape(caption)}'
                          f' ({html.escape(name)}.png)</figcaption></figure>')

    def heading(self, text):
        self.parts.append(f"<h2>{html.escape(text)}</h2>")

    def note(self, text):
        self.parts.append(f"<p>{html.escape(text)}</p>")

    def table(self, head, rows):
        h = "".join(f"<th>{html.escape(str(c))}</th>" for c in head)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
        self.parts.append(f"<table><thead><tr>{h}</tr></thead><tbody>{body}</tbody></table>")

    def write(self):
        style = ("body{font-family:sans-serif;max-width:1100px;margin:1em auto;padding:0 1em}"
                 "table{border-collapse:collapse;margin:.5em 0 1.5em}"
                 "td,th{border:1px solid #ccc;padding:2px 8px;text-align:left;font-size:90%}"
                 "th{background:#f0f0f0}figure{margin:1em 0}img{max-width:100%}"
                 "figcaption{color:#555;font-size:90%}")
        text = ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                f"<title>{html.escape(self.title)}</title>\n<style>{style}</style>\n</head>\n<body>\n"
                f"<h1>{html.escape(self.title)}</h1>\n" + "\n".join(self.parts) + "\n</body>\n</html>\n")
        path = os.path.join(self.out_dir, "index.html")
        with open(path, "w") as f:
            f.write(text)
        return path


def fmt_num(v):
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


# --- one run -------------------------------------------------------------------------


def latency_plot(plt, page, stats, file):
    """Wake-up latency distributions by path: remote/local x select/poll, from every CPU's
    cpu.N.posix.wake_latency_cycles, plus message latency."""
    dists, totals = {}, {}
    for cpu in sorted(need(stats, "cpu", file), key=int):
        w = stats["cpu"][cpu].get("posix", {}).get("wake_latency_cycles", {})
        for name, d in w.items():
            label = name.replace("_", " ")
            acc = dists.setdefault(label, {})
            for lo, hi, n in zip(d["histogram"]["lo"], d["histogram"]["hi"], d["histogram"]["count"]):
                acc[(lo, hi)] = acc.get((lo, hi), 0) + n
            t = totals.setdefault(label, [0, 0.0, 0])
            t[0] += d["count"]
            t[1] += d["mean"] * d["count"]
            t[2] = max(t[2], d["max"])
    page.table(["wake-up path", "samples", "mean (cycles)", "max (cycles)"],
               [(k, t[0], f"{t[1] / t[0]:.1f}" if t[0] else "-", t[2] if t[0] else "-")
                for k, t in sorted(totals.items())])
    msg = need(stats, "msg.latency_cycles", file)
    dists["message delivery"] = {(lo, hi): n for lo, hi, n in zip(msg["histogram"]["lo"], msg["histogram"]["hi"],
                                                                   msg["histogram"]["count"])}
    fig, ax = plt.subplots(figsize=(9, 4.2))
    shown = 0
    for name in sorted(dists):
        buckets = sorted(dists[name].items())
        total = sum(n for _, n in buckets)
        if not total:
            continue
        edges, ys = [], []
        for (lo, hi), n in buckets:
            lo, hi = max(lo, 1), max(hi, 2)  # a log axis has no 0: latency 0 is drawn in [1, 2)
            if edges and lo > edges[-1]:
                ys.append(0.0)  # empty buckets between
                edges.append(lo)
            if not edges:
                edges.append(lo)
            # Density on a log axis: the share of samples per doubling of the latency.
            ys.append(n / total / math.log2(hi / lo))
            edges.append(hi)
        ax.stairs(ys, edges, label=f"{name} ({total} samples)", linewidth=1.5)
        shown += 1
    ax.set_xscale("log")
    ax.set_xlabel("latency (cycles)")
    ax.set_ylabel("share of samples per doubling")
    ax.set_title("Wake-up latency by path (select/poll, remote/local) and message latency")
    if shown:
        ax.legend(fontsize=8)
    fig.tight_layout()
    page.figure(plt, fig, "latency", "Wake-up latency distributions: change of a pipe to the return of the "
                "select or poll it woke, by path; message latency for comparison (histogram buckets, 4 per "
                "power of two; sample counts in the legend)")


def bus_plot(plt, page, stats, file, cycles, mhz):
    fig, ax = plt.subplots(figsize=(9, 3.6))
    top = 0.01
    for lane in sorted(need(stats, "bus", file)):
        lane_d = stats["bus"][lane]
        if not isinstance(lane_d, dict) or "busy_cycles_over_time" not in lane_d:
            continue
        s = lane_d["busy_cycles_over_time"]
        w = s["window_cycles"]
        n = max(len(s["values"]), math.ceil(cycles / w) if cycles else 0)
        vals = s["values"] + [0] * (n - len(s["values"]))
        xs = [(i * w) / mhz / 1000.0 for i in range(n + 1)]
        ys = [v / w for v in vals]
        if n:
            ax.stairs(ys, xs, label=f"lane {lane} (window {w} cycles)")
            top = max([top] + ys)
    ax.set_xlabel("simulated time (ms)" if mhz else "cycles")
    ax.set_ylabel("utilisation")
    ax.set_ylim(0, min(1.0, 1.1 * top))
    ax.set_title("Bus utilisation over time per lane")
    ax.legend(fontsize=8)
    fig.tight_layout()
    page.figure(plt, fig, "bus_utilisation", "Busy cycles of each bus lane per window, as a fraction of the window")


def cpu_plot(plt, page, stats, file, cycles):
    cpus = sorted(need(stats, "cpu", file), key=int)
    fig, ax = plt.subplots(figsize=(9, 0.6 + 0.35 * len(cpus) + 0.8))
    left = [0.0] * len(cpus)
    for key, label, colour in CPU_PARTS:
        vals = []
        for c in cpus:
            v = float(need(stats, f"cpu.{c}.{key}", file))
            vals.append(v / cycles if cycles else 0.0)
        ax.barh([f"cpu {c}" for c in cpus], vals, left=left, label=label, color=colour)
        left = [a + b for a, b in zip(left, vals)]
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of simulated time")
    ax.set_title("Each CPU's time: user, kernel, agents, interrupts, idle", pad=24)
    ax.legend(ncol=5, fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    fig.tight_layout()
    page.figure(plt, fig, "cpu_time", "Each CPU's simulated time split into user (processes computing), kernel "
                "(system calls, copies, switches for processes), agents and I/O processes, interrupt handlers "
                "and idle")


def traffic_plot(plt, page, stats, file):
    lanes = [l for l in sorted(need(stats, "bus", file)) if isinstance(stats["bus"][l], dict)
             and "by_type" in stats["bus"][l]]
    types = sorted({t for l in lanes for t in stats["bus"][l]["by_type"]})
    kinds = {}
    for c in stats["cpu"].values():
        for k, n in c.get("msg", {}).get("sent_by_kind", {}).items():
            kinds[k] = kinds.get(k, 0) + n
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 3.8), gridspec_kw={"width_ratios": [3, 2]})
    width = 0.8 / max(1, len(lanes))
    for i, l in enumerate(lanes):
        a1.bar([j + i * width for j in range(len(types))], [stats["bus"][l]["by_type"][t] for t in types],
               width=width, label=f"lane {l}")
    a1.set_xticks([j + width * (len(lanes) - 1) / 2 for j in range(len(types))], types, rotation=20, fontsize=8)
    a1.set_ylabel("packets")
    a1.set_title("Bus packets by type")
    a1.legend(fontsize=8)
    names = sorted(kinds)
    a2.bar(names, [kinds[k] for k in names], color="#8172b3")
    a2.set_ylabel("messages")
    a2.set_title("Messages sent by kind (all CPUs)")
    fig.tight_layout()
    page.figure(plt, fig, "traffic", "Bus packets by packet type and lane; messages sent by kind, summed over CPUs")


def summary_rows(doc, stats, run, config):
    rows = []
    sc = doc.get("scenario", {})
    for k in ("name", "cpus", "seed", "notify", "workload"):
        if k in sc:
            rows.append((f"scenario.{k}", sc[k], ""))
    rows.append(("end", doc.get("end", "?"), ""))
    units = stats.get("units", {})

    def add(path, label=None):
        x = stats
        for p in path.split("."):
            if not isinstance(x, dict) or p not in x:
                return
            x = x[p]
        if isinstance(x, dict):
            for k in ("count", "p50", "p99", "max", "mean"):
                if k in x:
                    rows.append((f"{label or path}.{k}", fmt_num(x[k]), units.get(path, "") if k != "count" else ""))
        else:
            rows.append((label or path, fmt_num(x), units.get(path, "")))

    for p in ("sim.cycles", "sim.ns", "sim.freq_mhz", "msg.delivered", "msg.latency_cycles",
              "select.remote_wake_latency_cycles", "select.local_wake_latency_cycles", "select.requests_sent",
              "select.notifications", "bus.X.transfers", "bus.X.utilisation", "bus.Y.transfers",
              "bus.Y.utilisation"):
        add(p)
    if run:
        for k in ("wall_s", "sim_mcycles_per_wall_s"):
            if k in run:
                rows.append((f"run.{k}", fmt_num(run[k]), "host"))
    return rows


def config_rows(config):
    rows = []

    def walk(x, prefix):
        if isinstance(x, dict):
            for k, v in x.items():
                walk(v, f"{prefix}.{k}" if prefix else k)
        else:
            rows.append((prefix, json.dumps(x) if isinstance(x, (list, dict)) else fmt_num(x)))

    walk(config, "")
    return rows


def report_run(d, out_dir):
    file = os.path.join(d, "stats.json")
    doc = load_json(file)
    stats = need(doc, "stats", file)
    run = load_json(os.path.join(d, "run.json"), required=False)
    config = load_json(os.path.join(d, "config.json"), required=False)
    cycles = float(need(stats, "sim.cycles", file))
    mhz = float(need(stats, "sim.freq_mhz", file))
    for path in ("msg.latency_cycles.histogram", "bus.X.busy_cycles_over_time", "cpu.0.user_cycles"):
        need(stats, path, file)
    plt = pyplot()
    sc = doc.get("scenario", {})
    page = Page(out_dir, f"shadowsel report: {sc.get('name') or 'run'} ({sc.get('workload', '?')}, "
                         f"{sc.get('cpus', '?')} CPUs, notify {sc.get('notify', '?')})")
    page.heading("Summary")
    page.table(["figure", "value", "unit"], summary_rows(doc, stats, run, config))
    page.heading("Wake-up latency")
    latency_plot(plt, page, stats, file)
    page.heading("Bus utilisation over time")
    bus_plot(plt, page, stats, file, cycles, mhz)
    page.heading("CPU time")
    cpu_plot(plt, page, stats, file, cycles)
    page.heading("Messages and packets")
    traffic_plot(plt, page, stats, file)
    if config is not None:
        page.heading("Parameters (config.json)")
        page.table(["key", "value"], config_rows(config))
    return page


# --- a sweep -------------------------------------------------------------------------


def number(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def report_sweep(d, out_dir, figures):
    file = os.path.join(d, "results.csv")
    manifest = os.path.join(d, "manifest.tsv")
    try:
        with open(manifest) as f:
            keys = f.readline().rstrip("\n").split("\t")[1:]
    except OSError as e:
        raise InputError(f"{manifest}: cannot read: {e.strerror}")
    try:
        with open(file, newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        raise InputError(f"{file}: cannot read: {e.strerror} (run `shadowsel sweep ... --merge` first)")
    if not rows:
        raise InputError(f"{file}: no runs")
    cols = set(rows[0].keys())
    for k in keys + ["exit_status"]:
        if k not in cols:
            raise InputError(f"{file}: no column '{k}' (not written by shadowsel sweep?)")
    figures = figures or [f for f in DEFAULT_FIGURES if f in cols]
    for fig_name in figures:
        if fig_name not in cols:
            raise InputError(f"{file}: no column '{fig_name}' (--figure takes a column of results.csv, "
                             "e.g. stats.msg.latency_cycles.p50)")
    ok = [r for r in rows if r["exit_status"] == "0"]
    plt = pyplot()
    page = Page(out_dir, f"shadowsel sweep report: {len(rows)} runs over {', '.join(keys)}")
    page.heading("Runs")
    page.table(["run"] + keys + ["exit status"] + figures,
               [[r["run"]] + [r[k] for k in keys] + [r["exit_status"] or "not run"] + [r.get(f, "") for f in figures]
                for r in rows])
    failed = len(rows) - len(ok)
    if failed:
        page.note(f"{failed} run(s) failed or did not run: left out of the plots.")
    # The x axis: the first swept key with more than one value (numeric when it can be);
    # one line for each combination of the other keys.
    varying = [k for k in keys if len({r[k] for r in rows}) > 1] or keys[:1]
    x_key = next((k for k in varying if all(number(r[k]) is not None for r in rows)), varying[0])
    others = [k for k in varying if k != x_key]
    numeric_x = all(number(r[x_key]) is not None for r in rows)
    xcats = sorted({r[x_key] for r in rows}, key=lambda v: (number(v) if numeric_x else 0, v))
    for n, fig_name in enumerate(figures):
        fig, ax = plt.subplots(figsize=(8, 3.8))
        groups = {}
        for r in ok:
            groups.setdefault(tuple(r[k] for k in others), []).append(r)
        for g in sorted(groups):
            pts = sorted(((number(r[x_key]) if numeric_x else xcats.index(r[x_key]), number(r[fig_name]))
                          for r in groups[g] if number(r[fig_name]) is not None))
            if not pts:
                continue
            label = ", ".join(f"{k}={v}" for k, v in zip(others, g)) or fig_name
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=label)
        if not numeric_x:
            ax.set_xticks(range(len(xcats)), xcats)
        elif len(xcats) <= 12:
            ax.set_xticks([number(v) for v in xcats], xcats)
        ax.set_xlabel(x_key)
        ax.set_ylabel(fig_name.split(".", 1)[-1])
        ax.set_title(fig_name)
        if ax.lines:
            ax.legend(fontsize=8)
        fig.tight_layout()
        page.figure(plt, fig, f"sweep_{n:02d}", f"{fig_name} against {x_key}" +
                    (f", one line per {', '.join(others)}" if others else ""))
    return page


def main(argv):
    p = subcommand.Parser(
        prog="shadowsel report",
        description="Writes PNG plots and one self-contained index.html (docs/report.md) from an output folder "
                    "of `shadowsel --out DIR` or a sweep folder of `shadowsel sweep`.")
    p.add_argument("dir", metavar="DIR", help="output folder (stats.json) or sweep folder (results.csv)")
    p.add_argument("--html-dir", metavar="OUT", help="where index.html and the PNGs go (default DIR/report)")
    p.add_argument("--figure", metavar="PATH", action="append", default=[],
                   help="sweep folder: a column of results.csv to plot against the swept keys (repeatable; "
                        "default: wake-up and message latency, bus X utilisation, simulated cycles)")
    a = p.parse_args(argv)
    d = a.dir
    try:
        if not os.path.isdir(d):
            raise InputError(f"{d}: not a folder (an output folder of shadowsel or shadowsel sweep)"
                             if os.path.exists(d) else f"{d}: no such folder")
        out_dir = a.html_dir or os.path.join(d, "report")
        if os.path.isfile(os.path.join(d, "manifest.tsv")):
            page = report_sweep(d, out_dir, a.figure)
        else:
            if a.figure:
                raise InputError(f"{d}: --figure is for a sweep folder (with manifest.tsv)")
            page = report_run(d, out_dir)
        path = page.write()
    except InputError as e:
        die(str(e))
    except OSError as e:
        die(f"{e.filename}: {e.strerror}")
    print(f"report: {path} ({page.pngs} plots)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
