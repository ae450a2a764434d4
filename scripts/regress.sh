#!/usr/bin/env bash
# CI regression on topology configs: reruns every scenario of reports/baselines/manifest.txt and
# compares it with its baseline (rocesim compare, default tolerance). Fails when a scenario
# regresses, its baseline is missing or from another config, or a file in topologies/ has no
# scenario. Usage: scripts/regress.sh [BUILD_DIR]   (default: build)
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
rocesim="$build/rocesim"
[ -x "$rocesim" ] || { echo "regress: $rocesim not built" >&2; exit 2; }
manifest=reports/baselines/manifest.txt
work=$(mktemp -d "${TMPDIR:-/tmp}/rocesim-regress.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail=0
for topo in topologies/*.json topologies/*.txt; do
  if ! grep -v '^#' "$manifest" | grep -q -- "--topology $topo "; then
    echo "regress: $topo has no scenario in $manifest (add one, then scripts/refresh_baselines.sh)" >&2
    fail=1
  fi
done
while read -r name args; do
  case "$name" in ''|'#'*) continue ;; esac
  baseline="reports/baselines/$name.json"
  if [ ! -f "$baseline" ]; then
    echo "regress: $name: no baseline $baseline (run scripts/refresh_baselines.sh)" >&2
    fail=1
    continue
  fi
  # shellcheck disable=SC2086  # args is a word list from the manifest
  if ! "$rocesim" run $args --quiet --out "$work/$name" >"$work/$name.log" 2>&1; then
    echo "regress: $name: rocesim run $args failed:" >&2
    cat "$work/$name.log" >&2
    fail=1
    continue
  fi
  "$rocesim" compare "$baseline" "$work/$name" >"$work/$name.compare" 2>&1
  code=$?
  if [ $code -eq 0 ]; then
    echo "regress: $name: ok"
  else
    echo "regress: $name: $([ $code -eq 1 ] && echo REGRESSION || echo 'cannot compare') (rocesim compare exit $code)"
    cat "$work/$name.compare"
    fail=1
  fi
done <"$manifest"
[ $fail -eq 0 ] && echo "regress: all scenarios match their baselines"
exit $fail
