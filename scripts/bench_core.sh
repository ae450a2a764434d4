#!/usr/bin/env bash
# Engine micro-benchmark: the classic hold model at 10^4 and 10^6 pending events, run 3 times;
# prints every run and the median events/s per size. Release build required (scripts/build.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/bench/bench_event_queue
[ -x "$bin" ] || bash scripts/build.sh >/dev/null
events=${1:-20000000}
for i in 1 2 3; do "$bin" "$events"; done | tee /tmp/rocesim_bench_core.txt
for pending in 10000 1000000; do
  awk -v p="$pending" '$3 == p"" || $3+0 == p {print $(NF-2)}' /tmp/rocesim_bench_core.txt | sort -n |
    awk -v p="$pending" '{v[NR]=$1} END {printf "median at %d pending: %.2f M events/s\n", p, v[int((NR+1)/2)]}'
done
