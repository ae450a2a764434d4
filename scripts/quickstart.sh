#!/usr/bin/env bash
# First command of the README: install what is missing, build, run the built-in default study.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh >/dev/null
./build/rocesim run "$@"
