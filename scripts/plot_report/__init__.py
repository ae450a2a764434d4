"""plot_report: a `rocesim run` directory -> charts and a self-contained report.html.

inputs.py reads summary.json and the CSV files (bad input -> InputError, exit 2); charts.py draws
the four charts with matplotlib's Agg backend; tiers.py orders tier names bottom-up; html_report.py
writes the page; cli.py ties them together; study.py compares the points of a sweep. Entry
points: scripts/plot_report.py, scripts/plot_study.py (both call ensure_matplotlib first).
"""
import os
import sys

_SYSTEM_PYTHON = "/usr/bin/python3"


def ensure_matplotlib(script):
    """Imports matplotlib or exits 3. Debian's python3-matplotlib is installed for the system
    interpreter only; a pyenv or venv python3 earlier on PATH does not see it, so `script` is re-run
    under /usr/bin/python3 once before failing."""
    try:
        import matplotlib  # noqa: F401
        return
    except ImportError:
        pass
    here = os.path.realpath(sys.executable or "")
    if (os.environ.get("ROCESIM_PLOT_REEXEC") != "1" and os.path.exists(_SYSTEM_PYTHON)
            and here != os.path.realpath(_SYSTEM_PYTHON)):
        os.environ["ROCESIM_PLOT_REEXEC"] = "1"
        os.execv(_SYSTEM_PYTHON, [_SYSTEM_PYTHON, os.path.abspath(script)] + sys.argv[1:])
    sys.stderr.write("error: matplotlib is not installed for %s: install the Debian package "
                     "python3-matplotlib (bash scripts/setup.sh does)\n" % (sys.executable or "python3"))
    sys.exit(3)
