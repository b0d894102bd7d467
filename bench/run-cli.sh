#!/usr/bin/env bash
# The command line (issue 14): whole-process wall time of one `sql` call, ours against the reference CLI, both
# reading the same ~/.ibmi/config.yaml (a temp HOME) and signing on to the same emulator; plus the start-up floor
# (`--help` against `node -e 0`) and our connect phase from --timing. Median of N runs each, A and B in turn.
#   bash bench/run-cli.sh [RUNS]     (default 20; needs ./publish.sh and a Release build of the emulator)
# The reference CLI is built from IBM/ibmi-mcp-server (packages/cli) when REF_REPO points at a checkout of it
# (npm install + npm run build, cached in artifacts/ref-cli); it connects to port 8076 whatever its config says
# (it never passes the port on), so the emulator listens on 127.0.0.1:8076 — the script stops if that port is taken.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-20}"
bin="${IBMI_MCP_BIN:-$PWD/artifacts/publish/linux-x64/ibmi-mcp}"
[ -x "$bin" ] || { echo "run ./publish.sh first" >&2; exit 2; }
emu="$PWD/src/IbmiMcp.Emulator/bin/Release/net10.0/ibmi-emulator.dll"
[ -f "$emu" ] || dotnet build src/IbmiMcp.Emulator -c Release -nologo -v:q >/dev/null
work=$(mktemp -d); pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT

ref=""
if [ -n "${REF_REPO:-}" ]; then
  ref_dir="$PWD/artifacts/ref-cli"
  if [ ! -f "$ref_dir/packages/cli/dist/index.js" ]; then
    rm -rf "$ref_dir"; mkdir -p "$ref_dir"
    git -C "$REF_REPO" archive HEAD | tar -x -C "$ref_dir"
    (cd "$ref_dir" && npm install --no-audit --no-fund --ignore-scripts >/dev/null 2>&1 && npm run build >/dev/null 2>&1)
  fi
  ref="node $ref_dir/packages/cli/dist/index.js"
fi

if python3 -c 'import socket,sys; s=socket.socket(); s.bind(("127.0.0.1",8076))' 2>/dev/null; then port=8076
else echo "127.0.0.1:8076 is taken: the reference CLI can only reach that port" >&2; exit 2; fi
dotnet "$emu" --port "$port" > "$work/emu.log" 2>&1 & pids+=($!)
for _ in $(seq 1 300); do grep -q "listening on" "$work/emu.log" && break; sleep 0.1; done

export HOME="$work/home" BENCH_PASS=mcppass1
mkdir -p "$HOME"
"$bin" system add bench --host 127.0.0.1 --port "$port" --user MCPUSER --password '${BENCH_PASS}' --format csv >/dev/null
"$bin" system default bench --format csv >/dev/null
sql="SELECT 1 AS ONE FROM SYSIBM.SYSDUMMY1"

# median wall milliseconds of RUNS runs of "$@" (output discarded; a failing run stops the script)
median_ms() {
  local times=()
  "$@" >/dev/null 2>&1   # warm-up
  for _ in $(seq 1 "$runs"); do
    local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {m = NR % 2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2; printf "%.1f", m/1000}'
}

echo "# $(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), $runs runs each, median wall ms"
echo "| command | median wall ms |"
echo "|---|---|"
echo "| ibmi-mcp --help (start-up floor) | $(median_ms "$bin" --help) |"
echo "| node -e 0 (Node's floor) | $(median_ms node -e 0) |"
echo "| ibmi-mcp sql \"$sql\" --format json | $(median_ms "$bin" sql "$sql" --format json) |"
[ -n "$ref" ] && echo "| reference ibmi sql \"$sql\" --format json | $(median_ms $ref sql "$sql" --format json) |"
connects=()
for _ in $(seq 1 "$runs"); do
  connects+=($("$bin" sql "$sql" --format json --timing 2>&1 >/dev/null | awk '/timing: connect/ {print $4}'))
done
echo "| of which connect (TCP + TLS + upgrade + sign-on, from --timing) | $(printf '%s\n' "${connects[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR % 2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}') |"
