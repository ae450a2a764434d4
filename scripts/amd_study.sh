#!/usr/bin/env bash
# The AMD Instinct what-if study (issue 19): runs the sweep specs of workloads/studies/amd_whatif/
# one point at a time under `nice`, then writes the table (table.md) and the plots (plots/*.svg)
# with scripts/amd_study_table.py. Finished points are not rerun (rocesim sweep resumes).
# Usage: scripts/amd_study.sh [BUILD_DIR] [OUT_DIR] [SPEC ...]
#   default SPECs: the ones the README table was made from (spec_8k_job, spec_131k_dense,
#   spec_rack72_1k, spec_packet_pod, spec_uet_pod); spec_131k_moe.json (the MoE job at 131,072
#   ranks, ~37 min and 10.4 GB with its bundled fluid variables) is shipped: name it to run it. The shipped
#   plots in workloads/studies/amd_whatif/plots/ are OUT_DIR/plots/ of that default run.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
out=${2:-out/amd_study}
shift $(( $# < 2 ? $# : 2 ))
study=workloads/studies/amd_whatif
specs=("$@")
if [ ${#specs[@]} -eq 0 ]; then
  for s in spec_8k_job spec_131k_dense spec_rack72_1k spec_packet_pod spec_uet_pod; do specs+=("$study/$s.json"); done
fi
rocesim="$build/rocesim"
[ -x "$rocesim" ] || { echo "amd_study: $rocesim not built" >&2; exit 2; }
dirs=()
for spec in "${specs[@]}"; do
  name=$(basename "$spec" .json)
  echo "amd_study: $name" >&2
  nice "$rocesim" sweep "$spec" -j 1 --out "$out/$name" --quiet || echo "amd_study: $name: some points failed (see $out/$name/sweep.csv)" >&2
  dirs+=("$out/$name")
done
py=python3
/usr/bin/python3 -c 'import matplotlib' 2>/dev/null && py=/usr/bin/python3
"$py" scripts/amd_study_table.py --rocesim "$rocesim" --plots "$out/plots" "${dirs[@]}" >"$out/table.md"
echo "amd_study: table in $out/table.md, plots in $out/plots/" >&2
