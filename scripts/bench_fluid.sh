#!/usr/bin/env bash
# Fluid backend scaling (bench/bench_fluid.cpp), Release build in build/ (scripts/build.sh).
#
# 1. Scaling on the 131,072-accelerator example (topologies/rail_131k.json: rail-optimized, 64
#    servers of 8 per unit, 8 units per pod, 4:1 spine uplinks, core tier) and the same design
#    cut to fewer units: 4,096 / 16,384 / 65,536 / 131,072 accelerators (units 8 / 32 / 128 / 256).
#    Workload: one full step of every DP group (TP 8, PP 16, DP N/128: ring all-reduce of 256 MiB
#    per rank, 2(DP−1) ring steps) then MoE all-to-all of 256 MiB per rank in EP groups of 64
#    (pairwise, one peer at a time), streamed (no materialized DAG). Runs shorter than a minute
#    are repeated REPEAT times (default 3) and the median wall time is reported; longer ones once.
# 2. Churn (asynchronous random transfers through the shared spine tier): incremental against
#    full re-solve work per batch.
# Prints one key=value line per run, the load average before each run, and markdown tables.
# The digest column hashes every completion's (transfer, picosecond): equal digests across builds
# mean identical simulated results.
# Usage: scripts/bench_fluid.sh [SIZES...]   (default: 4096 16384 65536 131072)
#   REPEAT=N (default 3); CHURN=0 skips the churn runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${FLUID_BENCH_BIN:-build/bench/bench_fluid}
if [ ! -x "$bin" ]; then
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build -j 2 --target bench_fluid >/dev/null
fi
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(4096 16384 65536 131072)
repeat=${REPEAT:-3}
out=/tmp/rocesim_bench_fluid.txt
: > "$out"
get() { sed -n "s/.*[[:space:]^]$1=\([^ ]*\).*/\1/p" <<< " $2"; }
run_one() {  # one line: the bench's key=value output, wall time, peak RSS and the load before
  local load tmp
  load=$(cut -d' ' -f1 /proc/loadavg)
  tmp=$(mktemp)
  /usr/bin/time -f "wall_s=%e max_rss_kib=%M" "$@" > "$tmp.out" 2> "$tmp.err"
  echo "$(tr '\n' ' ' < "$tmp.out")$(grep -v '^progress' "$tmp.err" | tr '\n' ' ')load_before=$load"
  rm -f "$tmp" "$tmp.out" "$tmp.err"
}
for n in "${sizes[@]}"; do
  units=$(( n / 512 ))
  cmd=("$bin" 0 --topology topologies/rail_131k.json --set "rail_optimized.units=$units" --driver stream
       --bytes 268435456 --moe 268435456)
  first=$(run_one "${cmd[@]}")
  echo "$first"
  lines=("$first")
  if awk "BEGIN{exit !($(get wall_s "$first") < 60)}"; then
    for ((i = 1; i < repeat; ++i)); do
      line=$(run_one "${cmd[@]}")
      echo "$line"
      lines+=("$line")
    done
  fi
  # Keep the run with the median wall time.
  printf '%s\n' "${lines[@]}" | awk '{for(i=1;i<=NF;i++) if($i ~ /^wall_s=/){split($i,a,"="); print a[2]"\t"$0}}' |
    sort -n | awk -v k=$(( (${#lines[@]} + 1) / 2 )) 'NR==k' | cut -f2- >> "$out"
done
if [ "${CHURN:-1}" != 0 ]; then
  for n in 1024 4096 16384; do
    "$bin" "$n" --churn 10 --bytes 16777216 | tee -a "$out"
  done
  "$bin" 1024 --churn 10 --bytes 16777216 --solver full | tee -a "$out"
fi
echo
echo "| accelerators | runs | wall s (median) | CPU s | peak RSS MiB | transfers | flow-link incidences | incidences touched by the solver | touched / transfer | events | simulated s (DP + MoE) | digest | load before |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
grep -v 'mode=churn' "$out" | while read -r line; do
  [ -n "$line" ] || continue
  n=$(get accelerators "$line")
  runs=1
  awk "BEGIN{exit !($(get wall_s "$line") < 60)}" && runs=$repeat
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s + %s | %s | %s |\n' "$n" "$runs" "$(get wall_s "$line")" \
    "$(get total_cpu_s "$line")" "$(( $(get max_rss_kib "$line") / 1024 ))" "$(get transfers "$line")" \
    "$(get flow_incidences "$line")" "$(get incidences "$line")" "$(get incidences_per_transfer "$line")" \
    "$(get events "$line")" "$(get ar_s "$line")" "$(get moe_s "$line")" "$(get digest "$line")" "$(get load_before "$line")"
done
echo
echo "| churn: accelerators | transfers | solver | batches | filled vars / batch | incidences / batch | CPU s |"
echo "|---|---|---|---|---|---|---|"
grep 'mode=churn' "$out" | while read -r line; do
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$(get accelerators "$line")" "$(get transfers "$line")" \
    "$(get solver "$line")" "$(get batches "$line")" \
    "$(get filled_vars_per_batch "$line")" "$(get incidences_per_batch "$line")" "$(get run_cpu_s "$line")"
done
