#!/usr/bin/env python3
"""Compares the points of a `rocesim sweep` along one axis (default `transport`, as in
workloads/studies/roce_vs_uet/study.json): writes OUT/study_table.md (Markdown) and bar charts of
completion time, FCT p99 and the largest queue in OUT/plots/.

Usage: python3 scripts/plot_study.py SWEEP_DIR [--compare AXIS] [--format png|svg] [--out DIR]

Exit codes: 0 done, 2 bad input (not a sweep directory, no such axis), 3 matplotlib not installed.
The code lives in plot_report/study.py beside this file."""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plot_report import ensure_matplotlib  # noqa: E402


def main(argv):
    p = argparse.ArgumentParser(prog="plot_study.py", description=__doc__.split("\n\n")[0])
    p.add_argument("sweep_dir", metavar="SWEEP_DIR", help="folder written by `rocesim sweep --out SWEEP_DIR`")
    p.add_argument("--compare", default="transport", help="the axis whose values are compared (default transport)")
    p.add_argument("--format", choices=("png", "svg"), default="png", help="chart format (default png)")
    p.add_argument("--out", metavar="DIR", help="where study_table.md and plots/ go (default SWEEP_DIR)")
    args = p.parse_args(argv)
    ensure_matplotlib(__file__)
    from plot_report.inputs import InputError
    from plot_report.study import write
    try:
        made = write(args.sweep_dir, args.out or args.sweep_dir, args.compare, args.format)
    except InputError as e:
        sys.stderr.write("error: %s\n" % e)
        return 2
    for path in made:
        print("wrote " + path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
