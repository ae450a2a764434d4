"""A sweep compared along one axis (default `transport`: RoCE vs UET): a Markdown table and bar
charts from `rocesim sweep --out DIR` (DIR/sweep.csv and each point's links.csv).

Rows are the combinations of the other axes (in sweep order); per value of the compared axis the
table gives the run's end (every study workload starts at 0, so this is its completion time),
FCT p99, PFC pause frames, drops, trims and the largest egress queue any port reached (the max of
links.csv `max_queue[B]`). Deterministic: same sweep => byte-identical table and SVG charts."""
import csv
import math
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .charts import _save  # noqa: E402
from .inputs import InputError  # noqa: E402

# sweep.csv metric columns the table reads (pointers into summary.json); absent ones print "-".
END, P99, PAUSES, DROPS, TRIMS = "/run/sim_end_us", "/fct/p99_us", "/pfc/pause_frames", "/drops/total", "/drops/trimmed"


def _read_csv(path):
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
    except OSError as e:
        raise InputError("%s: cannot read: %s" % (path, e.strerror or e))
    if not rows or len(rows[0]) < 3:
        raise InputError("%s: expected a header row" % path)
    return rows[0], rows[1:]


def _max_queue(point_dir):
    path = os.path.join(point_dir, "links.csv")
    if not os.path.exists(path):
        return None
    header, rows = _read_csv(path)
    if "max_queue[B]" not in header:
        raise InputError("%s: no max_queue[B] column" % path)
    c = header.index("max_queue[B]")
    return max((int(r[c]) for r in rows if r[c] != ""), default=0)


def _label(axis, value):
    """File axes (topology, workload) are shown by their file's stem."""
    return os.path.splitext(os.path.basename(value))[0] if axis in ("topology", "workload") else value


def load(sweep_dir, compare):
    """Returns (axes, values, groups): the other axes' names, the compared axis's values in sweep
    order, and [(labels tuple, {value: metrics dict})] in sweep order."""
    header, rows = _read_csv(os.path.join(sweep_dir, "sweep.csv"))
    if header[:2] != ["index", "dir"] or header[-1] != "status":
        raise InputError("%s: not a rocesim sweep.csv (index,dir,...,status)" % os.path.join(sweep_dir, "sweep.csv"))
    first_metric = next((i for i, h in enumerate(header) if h.startswith("/")), len(header) - 1)
    axes = header[2:first_metric]
    if compare not in axes:
        raise InputError("sweep.csv has no axis %r (axes: %s)" % (compare, ", ".join(axes)))
    ci = header.index(compare)
    others = [i for i in range(2, first_metric) if i != ci]
    values, groups, index = [], [], {}
    for r in rows:
        if len(r) != len(header):
            raise InputError("sweep.csv row %s: %d cells, header has %d" % (r[0] if r else "?", len(r), len(header)))
        v = r[ci]
        if v not in values:
            values.append(v)
        labels = tuple(_label(header[i], r[i]) for i in others)
        if labels not in index:
            index[labels] = len(groups)
            groups.append((labels, {}))
        m = {h: r[i] for i, h in enumerate(header) if h.startswith("/")}
        m["status"] = r[-1]
        m["max_queue_B"] = _max_queue(os.path.join(sweep_dir, r[1])) if r[-1] == "ok" else None
        groups[index[labels]][1][v] = m
    return [header[i] for i in others], values, groups


def _num(m, key):
    if m is None or m.get(key) in (None, ""):
        return None
    try:
        return float(m[key])
    except ValueError:
        return None


def _fmt(x, digits=0):
    if x is None:
        return "-"
    return ("%." + str(digits) + "f") % x


def markdown_table(axes, values, groups):
    """One row per combination of the other axes; per compared value: end time, FCT p99, pauses,
    drops + trims, max queue; after the end times, each later value's end time over the first's."""
    head = list(axes)
    for v in values:
        head += ["%s end [us]" % v]
    for v in values[1:]:
        head.append("%s/%s" % (v, values[0]))
    for v in values:
        head += ["%s FCT p99 [us]" % v]
    for v in values:
        head += ["%s pauses" % v, "%s drops/trims" % v, "%s max queue [KB]" % v]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for labels, by in groups:
        cells = list(labels)
        ends = [_num(by.get(v), END) for v in values]
        cells += [_fmt(e, 0) for e in ends]
        for e in ends[1:]:
            cells.append("-" if e is None or ends[0] is None or ends[0] == 0 else "%.2f" % (e / ends[0]))
        cells += [_fmt(_num(by.get(v), P99), 0) for v in values]
        for v in values:
            m = by.get(v)
            drops, trims = _num(m, DROPS), _num(m, TRIMS)
            q = None if m is None or m["max_queue_B"] is None else m["max_queue_B"] / 1000.0
            cells += [_fmt(_num(m, PAUSES)), _fmt(drops) + "/" + _fmt(trims), _fmt(q, 0)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _bars(axes, values, groups, key, ylabel, title, out_dir, stem, fmt, scale=1.0):
    names = ["\n".join(l for l in labels) for labels, _ in groups]
    x = np.arange(len(groups))
    width = 0.8 / max(1, len(values))
    fig, ax = plt.subplots(figsize=(max(6.0, 0.55 * len(groups) + 2), 3.6))
    for k, v in enumerate(values):
        ys = []
        for _, by in groups:
            m = by.get(v)
            y = (m["max_queue_B"] if m is not None else None) if key == "max_queue_B" else _num(m, key)
            ys.append(math.nan if y is None else y * scale)
        ax.bar(x + (k - (len(values) - 1) / 2) * width, ys, width, label=v)
    ax.set_xticks(x)
    ax.set_xticklabels(names, fontsize=6, rotation=90)
    ax.set_ylabel(ylabel)
    ax.set_title(title + " (groups: " + ", ".join(axes) + ")")
    ax.legend()
    return _save(fig, out_dir, stem, fmt)


def write(sweep_dir, out_dir, compare, fmt):
    axes, values, groups = load(sweep_dir, compare)
    plots = os.path.join(out_dir, "plots")
    try:
        os.makedirs(plots, exist_ok=True)
    except OSError as e:
        raise InputError("%s: cannot create the output folder: %s" % (plots, e.strerror or e))
    table = markdown_table(axes, values, groups)
    path = os.path.join(out_dir, "study_table.md")
    with open(path, "w", encoding="utf-8") as f:
        f.write(table)
    made = [path,
            _bars(axes, values, groups, END, "run end [us]", "Completion time", plots, "study_end", fmt),
            _bars(axes, values, groups, P99, "FCT p99 [us]", "Flow completion p99", plots, "study_fct_p99", fmt),
            _bars(axes, values, groups, "max_queue_B", "max egress queue [KB]", "Largest queue", plots,
                  "study_max_queue", fmt, 1e-3)]
    return made
