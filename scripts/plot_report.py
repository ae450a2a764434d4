#!/usr/bin/env python3
"""Turns a `rocesim run` report directory into charts and a self-contained report.html.

Usage: python3 scripts/plot_report.py RUN_DIR [--format png|svg] [--out DIR]

Exit codes: 0 done, 2 bad input (not a run directory, malformed summary.json or CSV, unwritable
output), 3 matplotlib not installed. The code lives in the plot_report/ package beside this file.
"""
import sys

if __name__ == "__main__":
    # sys.path[0] is this script's folder; the plot_report/ package there is found before this
    # file because Python prefers a package directory over a module of the same name.
    from plot_report import ensure_matplotlib
    ensure_matplotlib(__file__)
    from plot_report.cli import main
    sys.exit(main(sys.argv[1:]))
