#!/usr/bin/env bash
# Fluid backend scaling: one DP all-reduce step (Llama-3-405B-like TP 8 / PP 16 / DP N/128, ring,
# 1 GiB per rank) on generated 1:1 rail-optimized fabrics of growing size, then the churn
# benchmark (asynchronous random transfers) comparing incremental and full re-solve work per batch.
# Prints one key=value line per run and a markdown table. Release build in build/ (scripts/build.sh).
# Usage: scripts/bench_fluid.sh [SIZES...]   (default: 4096 16384 65536)
#   131072 is supported but needs ~12 GB for the materialized DAG of 268 M transfers.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${FLUID_BENCH_BIN:-build/bench/bench_fluid}
if [ ! -x "$bin" ]; then
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build -j 2 --target bench_fluid >/dev/null
fi
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(4096 16384 65536)
out=/tmp/rocesim_bench_fluid.txt
: > "$out"
for n in "${sizes[@]}"; do
  /usr/bin/time -f "wall_s=%e max_rss_kib=%M" "$bin" "$n" --bytes 1073741824 2>&1 | tr '\n' ' ' | tee -a "$out"
  echo | tee -a "$out"
done
# Churn: 10 transfers per accelerator; full re-solve only at the smallest size (it is quadratic).
for n in 1024 4096 16384; do
  "$bin" "$n" --churn 10 --bytes 16777216 | tee -a "$out"
done
"$bin" 1024 --churn 10 --bytes 16777216 --solver full | tee -a "$out"
get() { sed -n "s/.*[[:space:]^]$1=\([^ ]*\).*/\1/p" <<< " $2"; }
echo
echo "| accelerators | transfers | CPU s (total) | CPU s (simulation) | wall s | peak RSS MiB | events / CPU s | incidences / transfer | simulated step s |"
echo "|---|---|---|---|---|---|---|---|---|"
grep -v 'mode=churn' "$out" | while read -r line; do
  [ -n "$line" ] || continue
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$(get accelerators "$line")" "$(get transfers "$line")" \
    "$(get total_cpu_s "$line")" "$(get run_cpu_s "$line")" "$(get wall_s "$line")" "$(( $(get max_rss_kib "$line") / 1024 ))" \
    "$(get events_per_s "$line")" "$(get incidences_per_transfer "$line")" "$(get simulated_s "$line")"
done
echo
echo "| churn: accelerators | transfers | solver | batches | filled vars / batch | incidences / batch | CPU s |"
echo "|---|---|---|---|---|---|---|"
grep 'mode=churn' "$out" | while read -r line; do
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$(get accelerators "$line")" "$(get transfers "$line")" \
    "$(get solver "$line")" "$(get batches "$line")" \
    "$(get filled_vars_per_batch "$line")" "$(get incidences_per_batch "$line")" "$(get run_cpu_s "$line")"
done
