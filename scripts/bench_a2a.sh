#!/usr/bin/env bash
# All-to-all through the user-facing path (`rocesim run`), Release build in build/.
#
# Fabrics (bench/a2a/): 3-tier Clos of 8 pods with a 1:7 aggregation tier (448 ranks: 8 x 56 with
# 400G uplinks; 512 ranks: 8 x 64, one 457.14G uplink per aggregation switch, exactly 7:1;
# 4,096 ranks: 8 x 512, 8 uplinks of 457.14G per aggregation switch; the same shape at 512 and 1,024
# ranks: 8 x 64 with 8 uplinks of 57.14G, 8 x 128 with 8 of 114.29G), and for the packet cross-check
# a 1:1 rail-optimized 128-rank fabric and a 128-rank Clos with a 1:4 top tier.
# Workloads (generated here): one all-to-all over every rank, 64 MiB per rank, with the default
# algorithm (nccl) and with every peer in flight (pairwise, max_concurrent = n - 1).
# Prints per run: CPU seconds (user + sys), peak RSS, the op's duration; REPEAT runs (default 3),
# median printed last. Cut bound for the 1:7 fabrics: 7/8 * S * 7 / 50 GB/s = 8.221 ms.
# Usage: scripts/bench_a2a.sh [SCENARIO...]   (default: clos448 clos512 xcheck)
#   clos512u, clos1024, clos4096 (16.8 M transfers), rail512 and rail1024 (the shipped 1:1
#   topologies/rail_4su_32x8.json, 512 and 1,024 ranks) are only run when named.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/rocesim
[ -x "$bin" ] || bash scripts/build.sh >/dev/null
repeat=${REPEAT:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/rocesim-a2a.XXXXXX")
trap 'rm -rf "$work"' EXIT
workload() {  # n algorithm-json-fragment
  echo "{\"name\": \"a2a\", \"jobs\": [{\"name\": \"j\", \"world_size\": $1, \"ops\": [{\"id\": \"a2a\", \"type\": \"all_to_all\", \"group\": \"world\", \"bytes\": \"64MiB\"$2}]}]}"
}
run() {  # label topology n backend algorithm-fragment [extra args]
  local label=$1 topo=$2 n=$3 backend=$4 frag=$5; shift 5
  workload "$n" "$frag" > "$work/w.json"
  local cpus=() line
  for _ in $(seq "$repeat"); do
    /usr/bin/time -f "%U %S %M" -o "$work/time" "$bin" run --quiet --attribution off --flows off \
      --topology "$topo" --workload "$work/w.json" --backend "$backend" --out "$work/out" "$@"
    read -r u s m < "$work/time"
    local cpu dur
    cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
    dur=$(python3 -c "import json;print(json.load(open('$work/out/summary.json'))['ops'][0]['duration_us'])")
    echo "$label backend=$backend cpu_s=$cpu peak_rss_mib=$((m / 1024)) duration_us=$dur"
    cpus+=("$cpu")
  done
  line=$(printf '%s\n' "${cpus[@]}" | sort -n | sed -n "$(( (${#cpus[@]} + 1) / 2 ))p")
  echo "$label backend=$backend median_cpu_s=$line"
}
every() { echo ", \"algorithm\": \"pairwise\", \"max_concurrent\": $(( $1 - 1 ))"; }
scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(clos448 clos512 xcheck)
for s in "${scenarios[@]}"; do
  case $s in
    clos448)
      run "448-nccl" bench/a2a/clos3_8x56_1to7.json 448 fluid ""
      run "448-every-peer" bench/a2a/clos3_8x56_1to7.json 448 fluid "$(every 448)" ;;
    clos512)
      run "512-nccl" bench/a2a/clos3_8x64_1to7.json 512 fluid ""
      run "512-every-peer" bench/a2a/clos3_8x64_1to7.json 512 fluid "$(every 512)" ;;
    clos512u)  # 8 uplinks per aggregation switch: ECMP spreads flows unevenly over them
      run "512-nccl-8up" bench/a2a/clos3_8x64x8up_1to7.json 512 fluid "" ;;
    clos1024)
      run "1024-nccl" bench/a2a/clos3_8x128_1to7.json 1024 fluid "" ;;
    clos4096)
      run "4096-nccl" bench/a2a/clos3_8x512_1to7.json 4096 fluid "" ;;
    rail512)  # the shipped 1:1 rail fabric: 2 of its 4 units
      run "512-nccl-rail" topologies/rail_4su_32x8.json 512 fluid "" ;;
    rail1024)  # all of it: ECMP collisions give most flows a rate of their own (~80 CPU-s since session 13, 145 before)
      run "1024-nccl-rail" topologies/rail_4su_32x8.json 1024 fluid "" ;;
    xcheck)
      for b in fluid packet; do
        run "128-rail-1to1" bench/a2a/rail_4su_4x8.json 128 "$b" ""
        run "128-clos-1to4" bench/a2a/clos3_4x32_1to4.json 128 "$b" ""
      done ;;
    *) echo "bench_a2a: unknown scenario $s" >&2; exit 2 ;;
  esac
done
