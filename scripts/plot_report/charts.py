"""The four charts of a run report. Each function returns a Chart or raises Skip with the reason
shown in report.html instead of the chart (a missing file is a note, not a failure)."""
import math
import os

import matplotlib

matplotlib.use("Agg")  # no display: runs in CI and over ssh
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from . import tiers  # noqa: E402
from .inputs import get  # noqa: E402

# Same inputs => byte-identical files: fixed SVG ids and no dates or tool versions in metadata;
# SVG text as paths so it looks the same without the fonts installed.
matplotlib.rcParams.update({"svg.hashsalt": "rocesim", "svg.fonttype": "path", "figure.dpi": 100,
                            "font.size": 9, "axes.grid": True, "grid.alpha": 0.3})
_METADATA = {"png": {"Software": None},
             "svg": {"Date": None, "Creator": "rocesim plot_report", "Type": None}}

MAX_CDF_POINTS = 4000      # points drawn per CDF curve
MAX_SERIES_POINTS = 4000   # points drawn per time series
MAX_BARS = 40              # collectives shown in the busbw chart
HEAT_COLUMNS = 100         # port bins per heatmap row
HOT_SERIES = 6             # hottest ports drawn over time


class Skip(Exception):
    """The chart cannot be drawn from this run; the message says why."""


class Chart:
    def __init__(self, title, path, caption):
        self.title, self.path, self.caption = title, path, caption


def _save(fig, out_dir, stem, fmt):
    path = os.path.join(out_dir, stem + "." + fmt)
    tmp = os.path.join(out_dir, "." + stem + ".tmp." + fmt)
    fig.savefig(tmp, format=fmt, dpi=110, bbox_inches="tight", metadata=_METADATA[fmt])
    plt.close(fig)
    os.replace(tmp, path)  # never a half-written chart under the final name
    return path


def utilization_heatmap(run, out_dir, fmt):
    """Tiers x ports sorted by utilization, from links.csv. Chosen over tiers x time because
    links.csv covers every port while timeseries.csv samples only the hottest ones, and the sorted
    profile shows both how loaded a tier is and how evenly ECMP spread its load."""
    links = run["links"]
    if links is None:
        raise Skip("links.csv is missing: no per-port utilization to draw")
    if len(links["tier"]) == 0:
        raise Skip("links.csv has no ports")
    util = links["utilization"]
    tier_codes, dir_codes = links["tier"].codes, links["direction"].codes
    rows = {}
    for t, tier in enumerate(links["tier"].values):
        for d, direction in enumerate(links["direction"].values):
            sel = util[(tier_codes == t) & (dir_codes == d)]
            if len(sel):
                rows[(tier, direction)] = np.sort(sel)[::-1]
    order = tiers.order([t for t, _ in rows], run["summary"])
    keys = sorted(rows, key=lambda k: (-order.index(k[0]), tiers.direction_rank(k[1])))  # top tier first
    columns = min(HEAT_COLUMNS, max(len(v) for v in rows.values()))
    matrix = np.array([_bin_sorted(rows[k], columns) for k in keys])
    # Backends without contention (analytic) can offer a link more than its line rate: widen the
    # scale rather than clip, so an overloaded link still stands out.
    vmax = max(1.0, float(np.nanmax(matrix)))
    fig, ax = plt.subplots(figsize=(9, 1.2 + 0.42 * len(keys)))
    im = ax.imshow(matrix, aspect="auto", cmap="viridis", vmin=0.0, vmax=vmax, interpolation="nearest",
                   extent=(0, 100, len(keys), 0))
    ax.set_yticks(np.arange(len(keys)) + 0.5)
    ax.set_yticklabels(["%s %s · %d ports · mean %.0f%%" % (t, d, len(rows[(t, d)]), 100 * rows[(t, d)].mean())
                        for t, d in keys])
    ax.grid(False)
    ax.set_xlabel("ports of the tier, hottest first [% of the tier's ports]")
    ax.set_title("Link utilization per tier and direction")
    fig.colorbar(im, ax=ax, label="utilization", fraction=0.04, pad=0.02)
    caption = ("Each row is one tier and direction; its ports are sorted by utilization (hottest "
               "left) and averaged into %d bins, so a flat row means ECMP spread the load evenly and a "
               "bright left edge means a few hot links. Ports sorted rather than time on the x axis "
               "because links.csv covers every port, while timeseries.csv samples only the hottest." % columns)
    if vmax > 1.0:
        caption += (" Utilization above 1 (up to %.2f) is load offered beyond line rate: this backend "
                    "does not make flows on one link slow each other down." % vmax)
    return Chart("Utilization per tier", _save(fig, out_dir, "utilization_heatmap", fmt), caption)


def _bin_sorted(values, columns):
    """`values` (sorted, len n) resampled to `columns` cells: means of equal shares when n >= columns,
    each port repeated over its share of the width otherwise."""
    n = len(values)
    if n >= columns:
        edges = (np.arange(columns + 1) * n) // columns
        return np.add.reduceat(values, edges[:-1]) / np.diff(edges)
    return values[(np.arange(columns) * n) // columns]


def fct_cdf(run, out_dir, fmt):
    flows = run["flows"]
    if flows is None:
        raise Skip("flows.csv is missing: no flow completion times to draw")
    fct = flows["fct[us]"]
    ok = np.isfinite(fct) & (fct > 0)
    if not ok.any():
        raise Skip("flows.csv has no flow with a positive completion time")
    dropped = int(len(fct) - ok.sum())
    fig, ax = plt.subplots(figsize=(9, 4.5))
    all_sorted = np.sort(fct[ok])
    stride = _cdf_curve(ax, all_sorted, "all flows (%d)" % len(all_sorted), "black", 2.0)
    ops = flows["op_id"]
    if 2 <= len(ops.values) <= 8:  # a few collectives: one curve each tells them apart
        colors = plt.get_cmap("tab10")
        names = ["op %s" % (v or "none") for v in ops.values]
        for code in sorted(range(len(ops.values)), key=lambda c: _natural(ops.values[c])):
            sel = np.sort(fct[ok & (ops.codes == code)])
            if len(sel):
                stride = max(stride, _cdf_curve(ax, sel, "%s (%d)" % (names[code], len(sel)), colors(code % 10), 1.2))
    for q in (50, 90, 99):
        x = _percentile(all_sorted, q)
        ax.axvline(x, color="gray", linestyle=":", linewidth=1)
        ax.annotate("p%d %s" % (q, _fmt_us(x)), (x, 0.02 + q / 200), rotation=90, fontsize=8,
                    color="dimgray", xytext=(3, 0), textcoords="offset points")
    ax.set_xscale("log")
    ax.set_ylim(0, 1.0)
    ax.set_xlabel("flow completion time [us]")
    ax.set_ylabel("fraction of flows ≤ x")
    ax.set_title("Flow completion time CDF")
    ax.legend(loc="lower right", fontsize=8)
    caption = "FCT of %d flows from flows.csv, log x axis; dotted lines mark p50/p90/p99 of all flows." % len(all_sorted)
    if stride > 1:
        caption += (" Large run: each curve draws one sorted value in every %d (a deterministic stride; "
                    "percentiles use every flow)." % stride)
    if dropped:
        caption += " %d flow(s) without a positive FCT left out (log axis)." % dropped
    return Chart("Flow completion times", _save(fig, out_dir, "fct_cdf", fmt), caption)


def _cdf_curve(ax, sorted_values, label, color, width):
    n = len(sorted_values)
    stride = max(1, math.ceil(n / MAX_CDF_POINTS))
    idx = np.arange(0, n, stride)
    if idx[-1] != n - 1:
        idx = np.append(idx, n - 1)
    ax.step(sorted_values[idx], (idx + 1) / n, where="post", label=label, color=color, linewidth=width)
    return stride


def _percentile(sorted_values, q):
    """Nearest-rank percentile (the value below which q % of flows complete)."""
    n = len(sorted_values)
    return float(sorted_values[max(0, math.ceil(q / 100 * n) - 1)])


def _fmt_us(us):
    return "%.3g ms" % (us / 1000) if us >= 1000 else "%.3g us" % us


def busbw_vs_ideal(run, out_dir, fmt):
    records, source = _collective_records(run)
    if not records:
        raise Skip("no collectives in %s" % source)
    note = ""
    if len(records) > MAX_BARS:  # many iterations of the same ops: one bar per op, averaged
        records = _mean_over_iterations(records)
    if len({r["iter"] for r in records}) == 1:
        for r in records:
            r["iter"] = ""  # a single iteration: no need to say which
        note = " Bars average each op over its iterations."
    if len(records) > MAX_BARS:
        worst = sorted(range(len(records)), key=lambda i: (_efficiency(records[i]), i))[:MAX_BARS]
        records = [records[i] for i in sorted(worst)]
        note += " Only the %d collectives furthest below ideal are shown." % MAX_BARS
    single_job = len({r["job"] for r in records}) == 1
    labels = ["%s%s %s\n%s %s%s" % ("" if single_job else r["job"][:12] + " ", r["name"], r["type"], r["algorithm"],
                                    _fmt_bytes(r["bytes"]), "\n" + r["iter"] if r["iter"] else "") for r in records]
    tier_names = sorted({r["tier"] for r in records})
    palette = {t: plt.get_cmap("tab10")(i % 10) for i, t in enumerate(tier_names)}
    palette["none"] = "lightgray"
    x = np.arange(len(records))
    fig, ax = plt.subplots(figsize=(max(6.0, 1.6 + 0.45 * len(records)), 4.8))
    for t in tier_names:
        sel = [i for i, r in enumerate(records) if r["tier"] == t]
        ax.bar(x[sel], [records[i]["busbw"] for i in sel], color=palette[t], width=0.7,
               label="busbw (bottleneck: %s)" % t if t != "none" else "busbw (no bottleneck tier)")
    ideal = np.array([r["ideal_busbw"] for r in records])
    if np.isfinite(ideal).any():
        ax.scatter(x, ideal, marker="D", color="black", s=22, zorder=3, label="ideal busbw (lower bound on time)")
        if len(records) <= 24:
            for i, r in enumerate(records):
                e = _efficiency(r)
                if math.isfinite(e):
                    ax.annotate("%.0f%%" % (100 * e), (i, max(r["busbw"], ideal[i] if math.isfinite(ideal[i]) else 0)),
                                xytext=(0, 6), textcoords="offset points", ha="center", fontsize=7)
    else:
        note += " No ideal time in this run, so no ideal markers."
    ax.set_xticks(x)
    ax.set_xticklabels(labels, rotation=60 if len(records) > 8 else 0, ha="right" if len(records) > 8 else "center",
                       fontsize=7)
    ax.set_ylabel("busbw [GB/s]")
    ax.set_title("Bus bandwidth per collective against the ideal")
    ax.margins(y=0.15)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))  # outside: never hides a bar
    caption = ("busbw (NCCL-tests definition) per collective from %s; diamonds are the busbw it would "
               "reach in its ideal time, a lower bound no routing can beat (busbw × duration / ideal), percentages "
               "the efficiency.%s" % (source, note))
    return Chart("busbw per collective", _save(fig, out_dir, "busbw_vs_ideal", fmt), caption)


def _collective_records(run):
    """One dict per collective from collectives.csv, or from summary.json ops when the CSV is absent."""
    c = run["collectives"]
    out = []
    if c is not None:
        for i in range(len(c["type"])):
            out.append(_record(c["job"][i], c["iteration"][i], c["op_id"][i], c["type"][i], c["algorithm"][i],
                               c["bytes[B]"][i], c["duration[us]"][i], c["busbw[GB/s]"][i], c["ideal[us]"][i],
                               c["efficiency"][i], c["bottleneck_tier"][i]))
        return out, "collectives.csv"
    for op in get(run["summary"], "/ops", "list") or []:
        if not isinstance(op, dict):
            continue
        num = lambda k: op[k] if isinstance(op.get(k), (int, float)) and not isinstance(op.get(k), bool) else math.nan  # noqa: E731
        attribution = op.get("attribution") if isinstance(op.get("attribution"), dict) else {}
        out.append(_record(str(op.get("job", "")), num("iteration"), num("id"), str(op.get("type", "")),
                           str(op.get("algorithm", "")), num("bytes"), num("duration_us"), num("busbw_GBps"),
                           num("ideal_us"), num("efficiency"), str(attribution.get("bottleneck_tier") or "")))
    return out, "summary.json (collectives.csv is missing)"


def _record(job, iteration, op_id, type_, algorithm, nbytes, duration, busbw, ideal_us, efficiency, tier):
    if ideal_us > 0 and duration > 0:
        ideal_busbw = busbw * duration / ideal_us
    elif efficiency > 0:
        ideal_busbw = busbw / efficiency
    else:
        ideal_busbw = math.nan
    name = op_id or "?"
    it = "iter %d" % iteration if math.isfinite(iteration) else ""
    return {"job": job, "op_id": op_id, "name": name, "iter": it, "type": type_, "algorithm": algorithm, "bytes": nbytes,
            "busbw": busbw if math.isfinite(busbw) else 0.0, "ideal_busbw": ideal_busbw, "tier": tier or "none",
            "count": 1}


def _efficiency(r):
    i = r["ideal_busbw"]
    return r["busbw"] / i if math.isfinite(i) and i > 0 else math.inf


def _mean_over_iterations(records):
    groups = {}
    for r in records:
        groups.setdefault((r["job"], r["op_id"]), []).append(r)
    out = []
    for rs in groups.values():
        first = dict(rs[0])
        first["busbw"] = float(np.mean([r["busbw"] for r in rs]))
        ideals = [r["ideal_busbw"] for r in rs if math.isfinite(r["ideal_busbw"])]
        first["ideal_busbw"] = float(np.mean(ideals)) if ideals else math.nan
        tiers_seen = [r["tier"] for r in rs]
        first["tier"] = max(sorted(set(tiers_seen)), key=tiers_seen.count)  # most frequent, ties by name
        first["iter"] = "mean of %d" % len(rs)
        out.append(first)
    return out


def _fmt_bytes(b):
    if not math.isfinite(b):
        return ""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if b >= scale:
            return "%.3g %s" % (b / scale, unit)
    return "%d B" % b


def hot_links_over_time(run, out_dir, fmt):
    ts = run["timeseries"]
    if ts is None:
        raise Skip("timeseries.csv is missing: no sampled queue depth or utilization to draw")
    if len(ts["port"]) == 0:
        raise Skip("timeseries.csv has no samples (this backend records no time series)")
    t, util, queue, port = ts["time[us]"], ts["utilization"], ts["queue[B]"], ts["port"].codes
    has_queue = bool(np.isfinite(queue).any())
    metric = queue if has_queue else util
    order = np.argsort(port, kind="stable")  # rows of one port together, in file (time) order
    starts = np.flatnonzero(np.r_[True, np.diff(port[order]) != 0])
    groups = np.split(order, starts[1:])
    score = [(-(np.nanmax(metric[g]) if has_queue else np.nanmean(metric[g])), ts["port"].values[port[g[0]]], g)
             for g in groups]
    score.sort(key=lambda s: (s[0], _natural(s[1])))
    hottest = score[:HOT_SERIES]
    # One panel per port on a shared time axis: overlaid lines of saturated links hide each other.
    fig, axes = plt.subplots(len(hottest), 1, sharex=True, sharey=True, squeeze=False,
                             figsize=(9, 1.0 + 1.15 * len(hottest)))
    decimated, top = False, 0.0
    for ax, (_, name, g) in zip(axes[:, 0], hottest):
        g = g[np.argsort(t[g], kind="stable")]
        x, y = t[g], (queue[g] / 1024.0 if has_queue else util[g])
        if len(x) > MAX_SERIES_POINTS:
            x, y = _decimate_max(x, y, MAX_SERIES_POINTS)
            decimated = True
        top = max(top, float(np.nanmax(y)) if np.isfinite(y).any() else 0.0)
        first = g[0]
        ax.set_title("port %s  %s→%s  (%s)" % (name, ts["from"][first], ts["to"][first], ts["tier"][first]),
                     loc="left", fontsize=8, pad=2)
        # Queue depth is an instant; utilization the mean over the interval ending at the sample.
        step = None if has_queue else "pre"
        ax.fill_between(x, np.nan_to_num(y), step=step, color="tab:blue", alpha=0.35, linewidth=0)
        ax.plot(x, y, color="tab:blue", linewidth=0.9, drawstyle="default" if has_queue else "steps-pre")
    axes[-1, 0].set_xlabel("simulated time [us]")
    if has_queue:
        fig.supylabel("queue depth [KiB]", fontsize=9)
        axes[0, 0].set_ylim(0, max(top, 1.0) * 1.1)
        fig.suptitle("Queue depth of the %d hottest ports" % len(hottest))
        caption = ("Egress queue depth over time of the %d sampled ports with the highest peak queue "
                   "(timeseries.csv), one panel each on the same scales." % len(hottest))
    else:
        fig.supylabel("utilization", fontsize=9)
        axes[0, 0].set_ylim(0, max(1.0, top) * 1.05)  # above 1: offered load beyond line rate
        fig.suptitle("Utilization of the %d hottest ports (no queue data: utilization instead)" % len(hottest))
        caption = ("timeseries.csv has no queue depth (this backend models no queues), so this shows the "
                   "utilization over time of the %d sampled ports with the highest mean utilization, one "
                   "panel each on the same scales." % len(hottest))
    if decimated:
        caption += " Long series are cut into %d equal runs of samples, each drawn at its maximum." % MAX_SERIES_POINTS
    fig.tight_layout()
    return Chart("Hottest ports over time", _save(fig, out_dir, "hot_links_over_time", fmt), caption)


def _natural(name):
    """Ports are numeric ids: sort 2 before 10, names after numbers."""
    try:
        return (0, float(name), "")
    except ValueError:
        return (1, 0.0, name)


def _decimate_max(x, y, points):
    """Keeps peaks visible: `points` equal runs of samples, each drawn at its maximum."""
    edges = (np.arange(points + 1) * len(x)) // points
    ys = np.fmax.reduceat(y, edges[:-1])
    return x[edges[1:] - 1], ys


# (title shown in report.html, file name stem, function) in display order.
ALL = (("Utilization per tier", "utilization_heatmap", utilization_heatmap),
       ("Flow completion times", "fct_cdf", fct_cdf),
       ("busbw per collective", "busbw_vs_ideal", busbw_vs_ideal),
       ("Hottest ports over time", "hot_links_over_time", hot_links_over_time))
