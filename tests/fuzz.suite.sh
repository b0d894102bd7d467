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
while IFS='|' read -r _ target _ execs edges _ crashes hangs _; do
  target=$(echo "$target" | xargs); crashes=$(echo "$crashes" | xargs); hangs=$(echo "$hangs" | xargs)
  case "$target" in ""|target|---*) continue ;; esac
  if [ "$crashes" = 0 ] && [ "$hangs" = 0 ]; then passed=$((passed + 1)); echo "ok    - $target: $(echo "$execs" | xargs) executions, $(echo "$edges" | xargs) edges, no crash"
  else failed=$((failed + 1)); echo "FAIL  - $target: $crashes crashes, $hangs hangs (inputs in artifacts/fuzz/$target)"; fi
done < <(grep -E '^\| ' "$out")
[ $((passed + failed)) -gt 0 ] || { failed=1; echo "FAIL  - the fuzz run produced no results"; }
echo "RESULT: $passed passed, $failed failed"
