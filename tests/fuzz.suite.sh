#!/usr/bin/env bash
# Fuzz smoke run: every fuzz target (tests/fuzz) under AFL++ for FUZZ_SECONDS (default 10) from its seed corpus;
# a target passes when it found no crash and no hang. Longer runs: bash tests/fuzz/run.sh 600 (figures in
# bench/RESULTS.md). Last line: "RESULT: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
passed=0; failed=0
out=$(mktemp)
bash tests/fuzz/run.sh "${FUZZ_SECONDS:-10}" > "$out" 2>&1
cat "$out"
# Every target run.sh fuzzes by default must report a row: a target that vanished is a failure, not one test fewer.
expected=$(sed -nE 's/.*\|\| targets=\(([^)]*)\).*/\1/p' tests/fuzz/run.sh)
seen=" "
while IFS='|' read -r _ target _ execs edges _ crashes hangs _; do
  target=$(echo "$target" | xargs); execs=$(echo "$execs" | xargs); crashes=$(echo "$crashes" | xargs); hangs=$(echo "$hangs" | xargs)
  case "$target" in ""|target|---*) continue ;; esac
  seen="$seen$target "
  if [ "$execs" = aborted ]; then failed=$((failed + 1)); echo "FAIL  - $target: afl-fuzz stopped (artifacts/fuzz/$target/afl.log)"
  elif [ "$crashes" = 0 ] && [ "$hangs" = 0 ]; then passed=$((passed + 1)); echo "ok    - $target: $execs executions, $(echo "$edges" | xargs) edges, no crash"
  else failed=$((failed + 1)); echo "FAIL  - $target: $crashes crashes, $hangs hangs (inputs in artifacts/fuzz/$target)"; fi
done < <(grep -E '^\| ' "$out")
for target in $expected; do
  [[ "$seen" == *" $target "* ]] || { failed=$((failed + 1)); echo "FAIL  - $target: no result (the run stopped before it)"; }
done
[ -n "$expected" ] || { failed=$((failed + 1)); echo "FAIL  - the default target list of tests/fuzz/run.sh was not found"; }
echo "RESULT: $passed passed, $failed failed"
