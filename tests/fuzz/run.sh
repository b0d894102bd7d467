#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser that reads outside bytes (SharpFuzz 2.3.0 + AFL++): builds
# tests/fuzz/IbmiMcp.Fuzz, instruments its copy of ibmi-mcp.dll, runs each target under afl-fuzz for SECONDS
# from the seed corpus in tests/fuzz/corpus/<target>, and prints one row per target: executions, edges covered,
# corpus size, crashes and hangs ("aborted" when afl-fuzz itself stopped). Exits 1 if any target found a crash or a hang or
# aborted (inputs and afl's log stay in artifacts/fuzz/<target>/).
#   bash tests/fuzz/run.sh [SECONDS] [TARGET...]     (needs afl++ and `dotnet tool restore`; default 60 s each)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-60}"; [ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(envelope envelope-plaintext mapepire-reply yaml-tools sql jsonrpc-fast-path dotenv mcp-request oauth-registration oauth-client-metadata)
command -v afl-fuzz >/dev/null || { echo "afl-fuzz not found (apt-get install afl++)" >&2; exit 2; }
dotnet tool restore >/dev/null
out="$PWD/artifacts/fuzz-bin"; rm -rf "$out"   # sharpfuzz rewrites the dll in place: start from a fresh copy
dotnet build tests/fuzz/IbmiMcp.Fuzz -c Release -nologo -v:q -o "$out" >/dev/null
dotnet tool run sharpfuzz "$out/ibmi-mcp.dll" >/dev/null
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1
found=0
printf '| target | seconds | executions | edges | corpus | crashes | hangs |\n|---|---|---|---|---|---|---|\n'
for t in "${targets[@]}"; do
  findings="$PWD/artifacts/fuzz/$t"; rm -rf "$findings"; mkdir -p "$findings"
  if ! afl-fuzz -V "$seconds" -s "${FUZZ_SEED:-1}" -t 5000 -m none -i "tests/fuzz/corpus/$t" -o "$findings" -- dotnet "$out/IbmiMcp.Fuzz.dll" "$t" \
    > "$findings/afl.log" 2>&1; then
    # afl-fuzz itself stopped (e.g. its dry run refused the target): a row that says so, and the other targets still run.
    echo "afl-fuzz failed on $t:" >&2; tail -20 "$findings/afl.log" >&2
    printf '| %s | %s | aborted | - | - | - | - |\n' "$t" "$seconds"; found=1; continue
  fi
  stats="$findings/default/fuzzer_stats"
  get() { awk -F' *: *' -v k="$1" '$1 == k {print $2}' "$stats"; }
  crashes=$(get saved_crashes); hangs=$(get saved_hangs)
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$t" "$seconds" "$(get execs_done)" "$(get edges_found)" "$(get corpus_count)" "$crashes" "$hangs"
  [ "${crashes:-0}" = 0 ] && [ "${hangs:-0}" = 0 ] || found=1
done
exit $found
