#!/usr/bin/env bash
# The HPCC paper's headline setup (Li et al., SIGCOMM 2019, §5: 320 hosts, WebSearch at 30 % and
# 50 % load), scaled to run in minutes on a 2-core machine: the fat tree of the HPCC authors'
# fat.txt (workloads/studies/hpcc_websearch/hpcc_fat_320.json: 5 pods of 4 ToRs × 16 hosts at
# 100 Gb/s, 4 aggregation switches per pod, 16 cores, 400 Gb/s fabric links, 1 us per link), with
# 5 ms of Poisson WebSearch arrivals per load (3,500 and 5,828 flows) instead of the paper's longer
# runs, on the packet tier, for no CC, DCQCN, TIMELY, HPCC and Swift with their defaults.
# Runs workloads/studies/hpcc_websearch/study.json with `rocesim sweep` and prints the FCT slowdown
# table (p50 / p95 / p99 per flow-size bucket) of README.md, and draws it as OUT_DIR/plots/slowdown.svg
# (p50 and p99 slowdown per bucket, per load and CC) with the first python3 that has matplotlib
# (the one on PATH, then /usr/bin/python3); without one the table is printed and the plot skipped.
# Usage: scripts/hpcc_study.sh [BUILD_DIR] [OUT_DIR]   (defaults: build, out/hpcc_websearch)
# CDF=fb_hadoop runs the same grid on FB_Hadoop (workloads/cdf/fb_hadoop.csv) at 30 % and 50 %
# (default OUT_DIR out/hpcc_fb_hadoop). Its flow lists are generated into OUT_DIR/flows by
# `rocesim traffic` (seed 1, 5 ms), not shipped: ~50,000 and ~83,000 flows of mean 120 KB.
# The flow lists were written by (from workloads/studies/hpcc_websearch):
#   rocesim traffic --cdf ../../cdf/websearch.csv --hosts 320 --load 0.3 --duration 5ms --seed 1 -o websearch30.csv
#   rocesim traffic --cdf ../../cdf/websearch.csv --hosts 320 --load 0.5 --duration 5ms --seed 1 -o websearch50.csv
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
cdf=${CDF:-websearch}
case "$cdf" in
  websearch)
    out=${2:-out/hpcc_websearch}
    spec=workloads/studies/hpcc_websearch/study.json
    ;;
  fb_hadoop)
    out=${2:-out/hpcc_fb_hadoop}
    mkdir -p "$out/flows"
    for load in 30 50; do
      "$build/rocesim" traffic --cdf workloads/cdf/fb_hadoop.csv --hosts 320 --load "0.$load" --duration 5ms \
        --seed 1 -o "$out/flows/fb_hadoop$load.csv"
    done
    # The shipped grid with these workloads (paths relative to the spec's directory, OUT_DIR).
    python3 - "$out" "$PWD/workloads/studies/hpcc_websearch" <<'EOF'
import json, sys
out, study = sys.argv[1], sys.argv[2]
spec = json.load(open(study + "/study.json"))
spec["base"]["topology"] = study + "/" + spec["base"]["topology"]
spec["base"]["workload"] = "flows/fb_hadoop30.csv"
for axis in spec["axes"]:
    if axis["key"] == "workload":
        axis["values"] = ["flows/fb_hadoop30.csv", "flows/fb_hadoop50.csv"]
json.dump(spec, open(out + "/study.json", "w"), indent=1)
EOF
    spec=$out/study.json
    ;;
  *) echo "error: CDF must be websearch or fb_hadoop, got '$cdf'" >&2; exit 2 ;;
esac
"$build/rocesim" sweep "$spec" -j "${JOBS:-1}" --out "$out" --quiet
plot_python=""
for py in python3 /usr/bin/python3; do
  if "$py" -c 'import matplotlib' >/dev/null 2>&1; then plot_python=$py; break; fi
done
if [ -n "$plot_python" ]; then
  mkdir -p "$out/plots"
  "$plot_python" scripts/hpcc_study_table.py "$out/sweep.csv" --plot "$out/plots/slowdown.svg"
  echo "plot: $out/plots/slowdown.svg" >&2
else
  echo "note: no python3 with matplotlib: plot skipped" >&2
  python3 scripts/hpcc_study_table.py "$out/sweep.csv"
fi
