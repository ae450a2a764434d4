#!/usr/bin/env bash
# HPCC / DCQCN benchmark on the /work/shared/bench permutations (fat tree k=8 / k=16, 100 Gb/s,
# 1 us per link, MTU 4000 B, per-flow ECMP, PFC as in the reference: static XOFF/XON 60000/48000 B,
# no reserve) through bench/bench_packet, which drives PacketNet with a strategy from cc::read_cc.
#   hpcc : ECN off (HPCC reads INT, not ECN); each switch hop adds its 8 B INT record (hpcc.hpp)
#   dcqcn: ECN on at the backend defaults (Kmin 100 KB, Kmax 400 KB, Pmax 0.2), CNP interval 50 us
# Each (scenario, algorithm) runs RUNS times (default 3): every run (wall, CPU, peak RSS via
# /usr/bin/time -v), then the medians. Usage:
#   bash tests/cc/bench_cc.sh [BUILD_DIR] [RUNS] [scenario-substring] [algorithm-substring]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
runs=${2:-3}
only=${3:-}
only_cc=${4:-}
bench=${ROCESIM_BENCH_DIR:-/work/shared/bench}
cmake --build "$build" -j2 --target bench_packet >/dev/null
bin=$build/bench/bench_packet
pfc=(pfc.threshold=static pfc.xoff=60000 pfc.xon=48000 mmu.reserve_per_port=0)
declare -A cc_args=(
  [hpcc]="cc.algorithm=hpcc ecn.enabled=false"
  [dcqcn]="cc.algorithm=dcqcn"
)
scenarios=(
  "perm128 topologies/fat_tree_k8.json perm_128n_128c_2MB.csv"
  "perm1024 topologies/fat_tree_k16.json perm_1024n_1024c_2MB.csv"
)
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
out=$(mktemp)
log=$(mktemp)
tim=$(mktemp)
trap 'rm -f "$out" "$log" "$tim"' EXIT
for s in "${scenarios[@]}"; do
  read -r name topo csv <<<"$s"
  [[ -n "$only" && "$name" != *"$only"* ]] && continue
  for algo in hpcc dcqcn; do
    [[ -n "$only_cc" && "$algo" != *"$only_cc"* ]] && continue
    echo "== $name $algo ($csv on $topo)"
    : >"$log"
    for ((i = 1; i <= runs; i++)); do
      # shellcheck disable=SC2086
      /usr/bin/time -v "$bin" "$topo" "$bench/$csv" "${pfc[@]}" ${cc_args[$algo]} >"$out" 2>"$tim"
      rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2/1024}' "$tim")
      wall=$(awk '/^flows/ {print $4}' "$out")
      cpu=$(awk '/^flows/ {print $7}' "$out")
      echo "run $i: wall $wall s, cpu $cpu s, peak RSS $rss MiB" | tee -a "$log"
    done
    tail -n +2 "$out"
    printf "median: wall %s s, cpu %s s, peak RSS %s MiB\n" \
      "$(awk '{print $4}' "$log" | tr -d , | median)" \
      "$(awk '{print $7}' "$log" | tr -d , | median)" \
      "$(awk '{print $11}' "$log" | median)"
  done
done
