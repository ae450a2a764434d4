"""Command line: python3 scripts/plot_report.py RUN_DIR [--format png|svg] [--out DIR]."""
import argparse
import os
import sys

from . import charts, html_report
from .inputs import InputError, load_run


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="plot_report.py",
        description="Turn a `rocesim run` report directory into charts and a self-contained report.html.")
    p.add_argument("run_dir", metavar="RUN_DIR", help="folder written by `rocesim run --out RUN_DIR`")
    p.add_argument("--format", choices=("png", "svg"), default="png", help="chart format (default png)")
    p.add_argument("--out", metavar="DIR",
                   help="where report.html goes (default RUN_DIR); charts go to DIR/plots/")
    return p.parse_args(argv)  # argparse exits 2 with a usage message on bad arguments


def run(args):
    data = load_run(args.run_dir)
    out_dir = args.out or args.run_dir
    plots_dir = os.path.join(out_dir, "plots")
    try:
        os.makedirs(plots_dir, exist_ok=True)
    except OSError as e:
        raise InputError("%s: cannot create the output folder: %s" % (plots_dir, e.strerror or e))
    if not os.access(plots_dir, os.W_OK) or not os.access(out_dir, os.W_OK):
        raise InputError("%s: output folder is not writable" % out_dir)
    drawn = []
    for title, stem, draw in charts.ALL:
        try:
            drawn.append((title, draw(data, plots_dir, args.format)))
        except charts.Skip as skip:
            drawn.append((title, str(skip)))
            for fmt in ("png", "svg"):  # a chart from an earlier run of this folder would mislead
                stale = os.path.join(plots_dir, stem + "." + fmt)
                if os.path.exists(stale):
                    os.remove(stale)
    page = html_report.build(data, drawn, out_dir, args.format)
    path = os.path.join(out_dir, "report.html")
    tmp = os.path.join(out_dir, ".report.html.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(page)
    os.replace(tmp, path)  # a reader never sees a half-written page
    made = [c.path for _, c in drawn if not isinstance(c, str)]
    print("wrote %s (%d chart(s) in %s)" % (path, len(made), plots_dir))
    for name, c in drawn:
        if isinstance(c, str):
            print("  skipped %s: %s" % (name, c))


def main(argv):
    args = parse_args(argv)
    try:
        run(args)
    except InputError as e:
        sys.stderr.write("error: %s\n" % e)
        return 2
    return 0
