#!/usr/bin/env bash
# Regenerates reports/baselines/<name>.json for every scenario of reports/baselines/manifest.txt
# (the manifest is the record of which command produced each baseline). Run it after an intended
# change of results, review `git diff reports/baselines`, commit.
# Usage: scripts/refresh_baselines.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
rocesim="$build/rocesim"
[ -x "$rocesim" ] || { echo "refresh_baselines: $rocesim not built" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/rocesim-refresh.XXXXXX")
trap 'rm -rf "$work"' EXIT
while read -r name args; do
  case "$name" in ''|'#'*) continue ;; esac
  echo "refresh_baselines: $name: rocesim run $args"
  # shellcheck disable=SC2086  # args is a word list from the manifest
  "$rocesim" run $args --quiet --out "$work/$name"
  # Temp name + rename: an interrupted refresh never leaves a truncated baseline.
  cp "$work/$name/summary.json" "reports/baselines/.$name.json.tmp"
  mv "reports/baselines/.$name.json.tmp" "reports/baselines/$name.json"
done <reports/baselines/manifest.txt
echo "refresh_baselines: done; review with: git diff --stat reports/baselines"
