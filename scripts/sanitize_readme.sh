#!/bin/sh
# Runs the `rocesim` commands of README.md's usage block (the ```sh block under "## Usage", the
# same commands tests/app/readme_commands_test.cpp runs) with a sanitized rocesim, outputs in a
# temporary directory, and fails on a non-zero exit or any sanitizer report (on stderr, or in the
# stderr a sweep keeps for its points). Build first, e.g. for ASan + UBSan:
#   cmake -S . -B build-asan -DROCESIM_SANITIZE=address,undefined -DROCESIM_BUILD_TESTS=OFF
#   cmake --build build-asan --target rocesim
#   scripts/sanitize_readme.sh build-asan/rocesim
# Run from anywhere; the commands run from the repository root, as the README says.
set -u
exe=$(realpath "${1:?usage: sanitize_readme.sh PATH/TO/rocesim}")
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=0 ASAN_OPTIONS=detect_leaks=0
cd "$root" || exit 1
# The block: from the first ```sh line after "## Usage" to its closing fence.
awk '/^## Usage/ { u = 1 } u && /^```sh/ { b = 1; next } b && /^```/ { exit } b' README.md >"$tmp/commands"
[ -s "$tmp/commands" ] || { echo "sanitize_readme: no command block found in README.md" >&2; exit 2; }
fail=0
n=0
while IFS= read -r line; do
  case "$line" in rocesim\ *) ;; *) continue ;; esac
  n=$((n + 1))
  args=$(printf '%s' "${line#rocesim }" | sed "s| out/| $tmp/out/|g")
  /bin/sh -c "exec '$exe' $args" >/dev/null 2>"$tmp/err" </dev/null
  code=$?
  reports=$(cat "$tmp/err"; find "$tmp/out" -name '*.log' -o -name 'stderr*' 2>/dev/null | xargs cat 2>/dev/null)
  if [ "$code" != 0 ] || printf '%s' "$reports" | grep -q "runtime error\|AddressSanitizer\|LeakSanitizer"; then
    echo "FAIL (exit $code): rocesim $args"
    printf '%s\n' "$reports" | grep -m 20 "runtime error\|AddressSanitizer\|SUMMARY\|error" || sed -n 1,20p "$tmp/err"
    fail=1
  else
    echo "ok   (exit $code): rocesim $args"
  fi
done <"$tmp/commands"
echo "sanitize_readme: $n commands"
exit $fail
