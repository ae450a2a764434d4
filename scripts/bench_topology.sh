#!/usr/bin/env bash
# Topology scale benchmark: generates a 131,072-accelerator rail-optimized fabric (16,384 servers ×
# 8 accelerators, 400 Gb/s NICs, 128-port switches, 3 tiers, per-server scale-up) and times
# `rocesim topo` on it 3 times with /usr/bin/time -v: parse + validate + build + connectivity check
# + summary + routing N sample flows (one path query each). Prints every run and the medians of
# wall time and peak RSS. Then the same with failures (a spine down, then a core–spine link down):
# structural routing with pruned ECMP sets (routing/failure_routes.hpp) plus the reachability
# report. Targets: < 10 s and < 4 GiB.
# Usage: scripts/bench_topology.sh [SAMPLE_FLOWS (default 100000)]   (ROCESIM=path/to/rocesim)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${ROCESIM:-build/rocesim}
[ -x "$bin" ] || bash scripts/build.sh >/dev/null
flows=${1:-100000}
out=${BENCH_DIR:-build/bench-topology}
mkdir -p "$out"
cfg=$out/rail_131k.json
# 64 servers per unit → rail leaf 64 down / 64 up (1:1, 128 ports); 2 units per pod → 16 leaves
# and 16 spines per pod (4 parallel links each, spine 64 down / 64 up); 128 pods; 16 planes of 64
# cores, each core one link to each of the 128 pods (128 ports).
cat > "$cfg" <<'JSON'
{
  "name": "rail_131k",
  "generator": "rail_optimized",
  "server": {"accelerators": 8},
  "scale_up": {"size": 8, "rate": "3600Gbps", "latency": "250ns"},
  "rail_optimized": {
    "units": 256,
    "servers_per_unit": 64,
    "spines": 16,
    "nic_link": {"rate": "400Gbps", "latency": "500ns"},
    "rail_leaf": {"radix": 128, "oversubscription": "1:1", "uplink": {"rate": "400Gbps", "latency": "500ns"}},
    "core": true,
    "units_per_pod": 2,
    "spine": {"radix": 128, "oversubscription": "1:1", "uplink": {"rate": "400Gbps", "latency": "1us"}},
    "cores_per_plane": 64,
    "core_radix": 128
  }
}
JSON
# run_case LABEL [extra rocesim topo arguments...]: 3 runs, each line and the medians.
run_case() {
  local label=$1; shift
  : > "$out/runs-$label.txt"
  for i in 1 2 3; do
    /usr/bin/time -v "$bin" topo "$cfg" --json --route-sample "$flows" "$@" > "$out/summary-$label.json" 2> "$out/time.txt"
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for (k=1;k<=n;k++) s=s*60+t[k]; print s}' "$out/time.txt")
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out/time.txt")
    echo "$label run $i: wall ${wall} s, peak RSS $((rss / 1024)) MiB" | tee -a "$out/runs-$label.txt"
  done
  python3 - "$out/summary-$label.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
print(f"fabric: {j['endpoints']} accelerators, {j['switches']} switches {j['switches_by_tier']}, "
      f"{j['cables']} cables, diameter {j['diameter_hops']} hops, "
      f"ECMP paths across pods {j['ecmp_paths_across_pods']}, "
      f"sample routes {j['route_sample']['routed']}/{j['route_sample']['flows']}")
if 'failures' in j:
    f = j['failures']
    print(f"failures: {f['links_down']} links down, bisection lost {f['bisection_lost_bps'] / 1e9:.0f} Gb/s, "
          f"{f['endpoints_cut_off']} endpoints cut off, all pairs reachable: {f['all_pairs_reachable']}")
PY
  w=$(awk '{print $5}' "$out/runs-$label.txt" | sort -g | sed -n 2p)
  r=$(awk '{print $9}' "$out/runs-$label.txt" | sort -g | sed -n 2p)
  echo "$label median of 3: wall $w s, peak RSS $r MiB"
}
run_case healthy
run_case spine-down --set 'failures=[{"switch":"t2.0"}]'
run_case core-link-down --set 'failures=[{"link":["t2.0","t3.0"]}]'
