#!/usr/bin/env python3
"""Markdown table of the HPCC WebSearch study (workloads/studies/hpcc_websearch) from its sweep.csv:
per load and congestion control, FCT slowdown p50 / p95 / p99 overall and per flow-size bucket
(summary.json "slowdown", sim/report/slowdown.hpp), and the PFC pause frames.
With --plot FILE (.svg or .png; needs matplotlib) it also draws the slowdown by flow-size bucket:
one panel per load, one colour per CC, p99 solid and p50 dashed, log scale.
Usage: scripts/hpcc_study_table.py OUT/sweep.csv [--plot FILE]"""
import csv
import re
import sys

BUCKETS = ["<10KB", "10KB-100KB", "100KB-1MB", "1MB-10MB", ">=10MB"]


def cell(row, key):
    v = row.get(key, "")
    if v == "":
        return "–"
    x = float(v)
    return "%.3g" % x if x < 100 else "%.0f" % x


def triple(row, prefix):
    return " / ".join(cell(row, "%s/%s" % (prefix, q)) for q in ("p50", "p95", "p99"))


def number(row, key):
    v = row.get(key, "")
    return float(v) if v != "" else float("nan")


def plot(rows, path):
    try:
        import matplotlib
    except ImportError:
        sys.exit("error: --plot needs matplotlib (Debian: python3-matplotlib; /usr/bin/python3 may have it)")
    matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "rocesim"  # same input, same bytes
    import matplotlib.pyplot as plt
    ok = [r for r in rows if r.get("status") == "ok"]
    loads = sorted({r["workload"] for r in ok}, key=lambda w: int(re.sub(r"\D", "", w.split("/")[-1]) or 0))
    ccs = list(dict.fromkeys(r["cc.algorithm"] for r in ok))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    fig, axes = plt.subplots(1, len(loads), figsize=(5.5 * len(loads), 4.2), sharey=True, squeeze=False)
    x = range(len(BUCKETS))
    for ax, load in zip(axes[0], loads):
        for i, cc in enumerate(ccs):
            row = next((r for r in ok if r["workload"] == load and r["cc.algorithm"] == cc), None)
            if row is None:
                continue
            colour = colours[i % len(colours)]
            for q, style in (("p99", "-"), ("p50", "--")):
                ys = [number(row, "/slowdown/buckets/%s/%s" % (b, q)) for b in BUCKETS]
                ax.plot(x, ys, style, marker="o", ms=3, color=colour, label=cc if q == "p99" else None)
        ax.set_yscale("log")
        ax.set_xticks(list(x))
        ax.set_xticklabels(BUCKETS, fontsize=8)
        ax.set_xlabel("flow size")
        name = load.split("/")[-1]
        ax.set_title("%s, %s %% load" % (re.sub(r"\d*\.csv$", "", name), re.sub(r"\D", "", name)))
        ax.grid(True, which="both", alpha=0.3)
    axes[0][0].set_ylabel("FCT slowdown (p99 solid, p50 dashed)")
    axes[0][-1].legend(title="CC", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, metadata={"Date": None} if path.endswith(".svg") else None)


def main():
    args = sys.argv[1:]
    plot_path = None
    if len(args) == 3 and args[1] == "--plot":
        plot_path = args[2]
    elif len(args) != 1:
        sys.exit(__doc__)
    with open(args[0], newline="") as f:
        rows = list(csv.DictReader(f))
    if plot_path:
        plot(rows, plot_path)
    print("| load | CC | flows | all | " + " | ".join(BUCKETS) + " | pause frames |")
    print("|---|---|---|---|" + "---|" * len(BUCKETS) + "---|")
    for row in rows:
        if row.get("status") != "ok":
            print("| %s | %s | %s |" % (row.get("workload"), row.get("cc.algorithm"), row.get("status")), file=sys.stderr)
            continue
        load = re.sub(r"\D", "", row["workload"].split("/")[-1]) + " %"
        cols = [triple(row, "/slowdown/buckets/%s" % b) for b in BUCKETS]
        print("| %s | %s | %s | %s | %s | %s |" % (load, row["cc.algorithm"], cell(row, "/slowdown/count"),
                                                 triple(row, "/slowdown"), " | ".join(cols),
                                                 cell(row, "/pfc/pause_frames")))


if __name__ == "__main__":
    main()
