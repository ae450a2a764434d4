#!/usr/bin/env python3
"""Turns a `rocesim run` report directory into charts and a self-contained report.html.

Usage: python3 scripts/plot_report.py RUN_DIR [--format png|svg] [--out DIR]

Exit codes: 0 done, 2 bad input (not a run directory, malformed summary.json or CSV, unwritable
output), 3 matplotlib not installed. The code lives in the plot_report/ package beside this file.
"""
import os
import sys

_SYSTEM_PYTHON = "/usr/bin/python3"


def _ensure_matplotlib():
    """Debian's python3-matplotlib is installed for the system interpreter only; a pyenv or venv
    python3 earlier on PATH does not see it, so re-run under /usr/bin/python3 once before failing."""
    try:
        import matplotlib  # noqa: F401
        return
    except ImportError:
        pass
    here = os.path.realpath(sys.executable or "")
    if (os.environ.get("ROCESIM_PLOT_REEXEC") != "1" and os.path.exists(_SYSTEM_PYTHON)
            and here != os.path.realpath(_SYSTEM_PYTHON)):
        os.environ["ROCESIM_PLOT_REEXEC"] = "1"
        os.execv(_SYSTEM_PYTHON, [_SYSTEM_PYTHON, os.path.abspath(__file__)] + sys.argv[1:])
    sys.stderr.write("error: matplotlib is not installed for %s: install the Debian package "
                     "python3-matplotlib (bash scripts/setup.sh does)\n" % (sys.executable or "python3"))
    sys.exit(3)


if __name__ == "__main__":
    _ensure_matplotlib()
    # sys.path[0] is this script's folder; the plot_report/ package there is found before this
    # file because Python prefers a package directory over a module of the same name.
    from plot_report.cli import main
    sys.exit(main(sys.argv[1:]))
