#!/usr/bin/env bash
# Issue 17's perm comparison: HPCC against no CC (and DCQCN with CCS="none hpcc dcqcn") on the
# shared benchmarks' permutation scenarios, regenerated with rocesim's own generator and shipped as
# workloads/studies/hpcc_perm/perm_{128,1024}.csv:
#   rocesim traffic --permutation --hosts 128 --bytes 2MB --seed 1 -o perm_128.csv    (k = 8 fat tree)
#   rocesim traffic --permutation --hosts 1024 --bytes 2MB --seed 1 -o perm_1024.csv  (k = 16)
# Fabric and PFC as the shared scenarios specify: 100 Gb/s links of 1 us, static PFC XOFF/XON
# 60,000/48,000 B without reserve, per-flow ECMP; HPCC with ECN off. Per routing seed it prints FCT
# p50 / p99 / max (pause frames), then the pooled flows of all seeds (nearest-rank percentiles).
# tests/app/hpcc_perm_cli_test.cpp asserts the perm 128 result; perm 1024 takes ~2-6 CPU-s per run.
# Usage: scripts/hpcc_perm.sh [BUILD_DIR] [OUT_DIR] [SIZES] [SEEDS]
#   defaults: build, out/hpcc_perm, "128 1024", "1 2 3 4 5"; EXTRA="--set k=v ..." adds overrides.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
out=${2:-out/hpcc_perm}
sizes=${3:-128 1024}
seeds=${4:-1 2 3 4 5}
ccs=${CCS:-none hpcc}
read -r -a extra <<<"${EXTRA:-}"
exe="$build/rocesim"
[[ -x "$exe" ]] || { echo "error: $exe not built (cmake --build $build --target rocesim)" >&2; exit 2; }
for n in $sizes; do
  case "$n" in
    128) topo=topologies/fat_tree_k8.json ;;
    1024) topo=topologies/fat_tree_k16.json ;;
    *) echo "error: SIZES: 128 or 1024, got $n" >&2; exit 2 ;;
  esac
  for seed in $seeds; do
    for cc in $ccs; do
      cc_args=(--set "cc.algorithm=$cc")
      [[ "$cc" == hpcc ]] && cc_args+=(--set ecn.enabled=false)
      nice "$exe" run --topology "$topo" --workload "workloads/studies/hpcc_perm/perm_$n.csv" --backend packet \
        --set pfc.threshold=static --set pfc.xoff=60000 --set pfc.xon=48000 --set mmu.reserve_per_port=0 \
        "${cc_args[@]}" ${extra[@]+"${extra[@]}"} --seed "$seed" --attribution off --series-ports 0 --quiet \
        --out "$out/perm$n/$cc-$seed"
    done
  done
done
python3 - "$out" "$sizes" "$seeds" "$ccs" <<'PY'
import csv, json, math, sys
out, sizes, seeds, ccs = sys.argv[1], sys.argv[2].split(), sys.argv[3].split(), sys.argv[4].split()
def pct(v, q):
    v = sorted(v)
    return v[max(1, math.ceil(q * len(v))) - 1]
for n in sizes:
    print(f"perm {n}: FCT p50 / p99 / max us (pause frames)")
    print("| seed | " + " | ".join(ccs) + " |")
    pooled = {cc: [] for cc in ccs}
    for s in seeds:
        cells = []
        for cc in ccs:
            d = f"{out}/perm{n}/{cc}-{s}"
            f = [float(r["fct[us]"]) for r in csv.DictReader(open(d + "/flows.csv"))]
            pooled[cc] += f
            pauses = json.load(open(d + "/summary.json"))["pfc"]["pause_frames"]
            cells.append(f"{pct(f, .5):.1f} / {pct(f, .99):.1f} / {max(f):.1f} ({pauses:,})")
        print(f"| {s} | " + " | ".join(cells) + " |")
    print("| pooled | " + " | ".join(f"{pct(v, .5):.1f} / {pct(v, .99):.1f} / {max(v):.1f}" for v in pooled.values()) + " |")
PY
