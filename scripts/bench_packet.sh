#!/usr/bin/env bash
# Packet-backend benchmark: the five /work/shared/bench scenarios (fat tree k=8 / k=16, 100 Gb/s,
# 1 us per link, MTU 4000 B, PFC, no CC, per-flow ECMP) through bench/bench_packet, which drives
# PacketNet directly from the flow-list CSV. With ROCESIM_BENCH_CLI=1 the same runs go through
# `rocesim run --backend packet` instead (figures read back from its summary.json and timing.json; its wall time
# includes loading and lowering the workload, and there is no CPU-time column).
# PFC as in the reference: static per-ingress XOFF/XON of 15/12 packets (60000/48000 B), no
# reserve, ECN off (no CC reads it). Each scenario runs RUNS times (default 3); prints every run
# (wall, CPU, peak RSS via /usr/bin/time -v) and the medians. Usage:
#   bash scripts/bench_packet.sh [BUILD_DIR] [RUNS] [scenario-substring]
# ROCESIM_BENCH_EXTRA adds key=value parameters to every run, e.g. load balancing:
#   ROCESIM_BENCH_EXTRA="routing.load_balancing=spray nic.receiver=reorder_tolerant" \
#     bash scripts/bench_packet.sh build 3 perm
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
runs=${2:-3}
only=${3:-}
bench=${ROCESIM_BENCH_DIR:-/work/shared/bench}
cli=${ROCESIM_BENCH_CLI:-0}
if [[ "$cli" == 1 ]]; then
  cmake --build "$build" -j2 --target rocesim >/dev/null
else
  cmake --build "$build" -j2 --target bench_packet >/dev/null
fi
bin=$build/bench/bench_packet
params=(pfc.threshold=static pfc.xoff=60000 pfc.xon=48000 mmu.reserve_per_port=0 ecn.enabled=false)
if [[ -n "${ROCESIM_BENCH_EXTRA:-}" ]]; then
  read -ra extra <<<"$ROCESIM_BENCH_EXTRA"
  params+=("${extra[@]}")
fi
scenarios=(
  "perm128 topologies/fat_tree_k8.json perm_128n_128c_2MB.csv"
  "incast127 topologies/fat_tree_k8.json incast_128n_127c_2MB.csv"
  "perm1024 topologies/fat_tree_k16.json perm_1024n_1024c_2MB.csv"
  "a2a128 topologies/fat_tree_k8.json a2a_128n_g128_128KB.csv"
  "ar128 topologies/fat_tree_k8.json ar_128n_g128_64KB.csv"
)
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
for s in "${scenarios[@]}"; do
  read -r name topo csv <<<"$s"
  [[ -n "$only" && "$name" != *"$only"* ]] && continue
  echo "== $name ($csv on $topo)"
  : >/tmp/rocesim_bench_packet_$name.txt
  for ((i = 1; i <= runs; i++)); do
    if [[ "$cli" == 1 ]]; then
      sets=()
      for p in "${params[@]}" nic.complete_on=ack; do sets+=(--set "$p"); done
      /usr/bin/time -v "$build/rocesim" run --topology "$topo" --workload "$bench/$csv" --backend packet "${sets[@]}" \
        --quiet --out /tmp/rocesim_bp_report 2>/tmp/rocesim_bp_time.txt
      python3 - /tmp/rocesim_bp_report >/tmp/rocesim_bp_out.txt <<'PY'
import json, sys
d = json.load(open(sys.argv[1] + "/summary.json"))
t = json.load(open(sys.argv[1] + "/timing.json"))["run"]  # wall clock: not in summary.json
f = sorted(o["duration_us"] for o in d["ops"])
pct = lambda q: f[min(len(f) - 1, int(q * len(f)))]
r = d["run"]
print(f"flows {len(f)}  wall {t['wall_time_s']:.3f} s  cpu - s  events {r['events']}  events/s {t['events_per_wall_s'] / 1e6:.2f} M")
print(f"FCT us: min {f[0]:.1f} p50 {pct(0.5):.1f} p99 {pct(0.99):.1f} max {f[-1]:.1f}  makespan {r['sim_end_us'] / 1e3:.3f} ms")
PY
    else
      /usr/bin/time -v "$bin" "$topo" "$bench/$csv" "${params[@]}" >/tmp/rocesim_bp_out.txt 2>/tmp/rocesim_bp_time.txt
    fi
    rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2/1024}' /tmp/rocesim_bp_time.txt)
    wall=$(awk '/^flows/ {print $4}' /tmp/rocesim_bp_out.txt)
    cpu=$(awk '/^flows/ {print $7}' /tmp/rocesim_bp_out.txt)
    echo "run $i: wall $wall s, cpu $cpu s, peak RSS $rss MiB" | tee -a /tmp/rocesim_bench_packet_$name.txt
  done
  cat /tmp/rocesim_bp_out.txt
  printf "median: wall %s s, cpu %s s, peak RSS %s MiB\n" \
    "$(awk '{print $4}' /tmp/rocesim_bench_packet_$name.txt | tr -d , | median)" \
    "$(awk '{print $7}' /tmp/rocesim_bench_packet_$name.txt | tr -d , | median)" \
    "$(awk '{print $11}' /tmp/rocesim_bench_packet_$name.txt | median)"
done
