"""plot_report: a `rocesim run` directory -> charts and a self-contained report.html.

inputs.py reads summary.json and the CSV files (bad input -> InputError, exit 2); charts.py draws
the four charts with matplotlib's Agg backend; tiers.py orders tier names bottom-up; html_report.py
writes the page; cli.py ties them together. Entry point: scripts/plot_report.py.
"""
