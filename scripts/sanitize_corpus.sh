#!/bin/sh
# Runs the hostile-input corpus (tests/app/corpus/cases.txt) with a sanitized rocesim and fails on
# any sanitizer report or unexpected exit code. Build first, e.g.
#   cmake -S . -B build-ubsan -DROCESIM_SANITIZE=undefined -DROCESIM_BUILD_TESTS=OFF
#   cmake --build build-ubsan --target rocesim
#   scripts/sanitize_corpus.sh build-ubsan/rocesim
# With UBSan alone the cases run under `ulimit -v 2000000` as in the corpus test; with ASan
# (which reserves terabytes of address space) pass NO_ULIMIT=1 and the memory limit comes from
# --max-memory 2GiB instead, appended to every case that does not set its own.
set -u
exe=$(realpath "${1:?usage: sanitize_corpus.sh PATH/TO/rocesim}")
corpus=$(dirname "$0")/../tests/app/corpus
tmp=$(mktemp -d)
fail=0
cd "$corpus" || exit 1
export UBSAN_OPTIONS=print_stacktrace=1 ASAN_OPTIONS=detect_leaks=0
grep -v '^#' cases.txt | while IFS= read -r line; do
  want=${line%% | *}
  args=${line##* | }
  args=$(printf '%s' "$args" | sed "s|--out out|--out $tmp/out|")
  if [ "${NO_ULIMIT:-0}" = 1 ]; then
    case "$args" in *--max-memory*) limit= ;; *) limit="--max-memory 2GiB" ;; esac
    timeout 300 /bin/sh -c "exec '$exe' $args $limit" >/dev/null 2>"$tmp/err" </dev/null
  else
    timeout 300 /bin/sh -c "ulimit -v 2000000; exec '$exe' $args" >/dev/null 2>"$tmp/err" </dev/null
  fi
  code=$?
  if grep -q "runtime error\|AddressSanitizer" "$tmp/err" || [ "$code" != "$want" ]; then
    echo "FAIL (exit $code, want $want): rocesim $args"
    sed -n 1,20p "$tmp/err"
    echo fail >"$tmp/failed"
  else
    echo "ok   (exit $code): rocesim $args"
  fi
done
[ -e "$tmp/failed" ] && fail=1
rm -rf "$tmp"
exit $fail
