#!/usr/bin/env bash
# Short soak (the CI version of bench/run-soak.sh): SOAK_SECONDS (default 120) of mixed sign-on, tools/list,
# tools/call, revocation and expiry against the published binary; each sampled series (RSS, managed heap, open
# fds, Mapepire connections, live sessions) must stay flat and no operation may fail.
# Last line: "RESULT: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
passed=0; failed=0
out=$(mktemp)
bash bench/run-soak.sh "${SOAK_SECONDS:-120}" 20 > "$out" 2>&1
cat "$out"
while read -r line; do
  case "$line" in
    *"— flat") passed=$((passed + 1)); echo "ok    - ${line#soak: }" ;;
    *"— GROWING") failed=$((failed + 1)); echo "FAIL  - ${line#soak: }" ;;
    *"— PASS") passed=$((passed + 1)); echo "ok    - ${line#soak: }" ;;
    *"— FAIL") failed=$((failed + 1)); echo "FAIL  - ${line#soak: }" ;;
  esac
done < <(grep -E '^soak: ' "$out")
[ $((passed + failed)) -gt 0 ] || { failed=1; echo "FAIL  - the soak run produced no verdict"; }
echo "RESULT: $passed passed, $failed failed"
