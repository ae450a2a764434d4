#!/usr/bin/env python3
"""Markdown table of the HPCC WebSearch study (workloads/studies/hpcc_websearch) from its sweep.csv:
per load and congestion control, FCT slowdown p50 / p95 / p99 overall and per flow-size bucket
(summary.json "slowdown", sim/report/slowdown.hpp), and the PFC pause frames.
Usage: scripts/hpcc_study_table.py OUT/sweep.csv"""
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


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with open(sys.argv[1], newline="") as f:
        rows = list(csv.DictReader(f))
    print("| load | CC | flows | all | " + " | ".join(BUCKETS) + " | pause frames |")
    print("|---|---|---|---|" + "---|" * len(BUCKETS) + "---|")
    for row in rows:
        if row.get("status") != "ok":
            print("| %s | %s | %s |" % (row.get("workload"), row.get("cc.algorithm"), row.get("status")), file=sys.stderr)
            continue
        load = re.sub(r"\D", "", row["workload"]) + " %"
        cols = [triple(row, "/slowdown/buckets/%s" % b) for b in BUCKETS]
        print("| %s | %s | %s | %s | %s | %s |" % (load, row["cc.algorithm"], cell(row, "/slowdown/count"),
                                                 triple(row, "/slowdown"), " | ".join(cols),
                                                 cell(row, "/pfc/pause_frames")))


if __name__ == "__main__":
    main()
