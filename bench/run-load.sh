#!/usr/bin/env bash
# End-to-end load figures (issues 7 and 9): the published AOT server (auth none, server pool over TLS to the
# emulator) driven by bench/IbmiMcp.Load at 32 clients; tools/call of a trivial query and tools/list, then the
# same tools/call with audit trail + metrics on. Prints the harness output; record it in bench/RESULTS.md.
#   bash bench/run-load.sh [seconds]            (needs ./publish.sh and a Release build of the emulator)
#   bash bench/run-load.sh [seconds] fastpath   the same load with the fast path on and off (MCP_FAST_PATH=false),
#                                               alternating twice (on, off, on, off) so drift hits both sides
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
bin="${IBMI_MCP_BIN:-$PWD/artifacts/publish/linux-x64/ibmi-mcp}"
emu="$PWD/src/IbmiMcp.Emulator/bin/Release/net10.0/ibmi-emulator.dll"
work=$(mktemp -d); pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
dotnet build bench/IbmiMcp.Load -c Release -nologo -v:q >/dev/null
dotnet "$emu" --port 0 --write-cert "$work/emu.pem" > "$work/emu.log" 2>&1 & pids+=($!)
for _ in $(seq 1 300); do grep -q "listening on" "$work/emu.log" && break; sleep 0.1; done
eport=$(grep -oE ':[0-9]+/db' "$work/emu.log" | head -1 | tr -dc 0-9)
cat > "$work/ping.yaml" <<YAML
sources:
  ibmi: { host: 127.0.0.1, user: MCPUSER, password: mcppass1, port: $eport }
tools:
  ping:
    source: ibmi
    description: Trivial query for load tests
    statement: SELECT 1 AS ONE FROM SYSIBM.SYSDUMMY1
YAML
serve() {  # $1 = extra env assignments; sets $url and $pid (not in a subshell: the pid must reach the caller)
  local log="$work/server-$RANDOM.log"
  env -i PATH="$PATH" HOME="$HOME" DB2i_HOST=127.0.0.1 DB2i_PORT="$eport" DB2i_USER=MCPUSER DB2i_PASS=mcppass1 \
    DB2i_IGNORE_UNAUTHORIZED=false DB2i_CA_PATH="$work/emu.pem" MCP_LOG_LEVEL=warning YAML_AUTO_RELOAD=false $1 \
    "$bin" --transport http --port 0 --tools "$work/ping.yaml" > /dev/null 2> "$log" & pids+=($!)
  pid=$!
  for _ in $(seq 1 300); do grep -q "Endpoint:" "$log" && break; sleep 0.05; done
  url=$(grep -oE 'Endpoint:\s+\S+' "$log" | awk '{print $2}')
}
# Both orders (LOAD_ORDER=on-first swaps them), since the emulator shares the 2 cores and warms up over a run.
off() {
  serve ""
  echo "== tools/call ping and tools/list, audit+metrics off ($url)"
  dotnet run -c Release --no-build --project bench/IbmiMcp.Load -- --url "$url" --tool ping --seconds "$seconds" --clients 32
  echo "server RSS after the runs: $(awk '/VmRSS/{print $2/1024 " MiB"}' /proc/$pid/status)"
  kill "$pid"
}
on() {
  serve "MCP_AUDIT_LOG=$work/audit.log MCP_METRICS_ENABLED=true"
  echo "== tools/call ping, audit+metrics on ($url)"
  dotnet run -c Release --no-build --project bench/IbmiMcp.Load -- --url "$url" --tool ping --seconds "$seconds" --clients 32
  echo "audit lines in the current file (rotation at MCP_AUDIT_MAX_BYTES): $(wc -l < "$work/audit.log")"
  kill "$pid"
}
path_run() {  # $1 = on|off
  if [ "$1" = on ]; then serve ""; else serve "MCP_FAST_PATH=false"; fi
  echo "== fast path $1 ($url)"
  dotnet run -c Release --no-build --project bench/IbmiMcp.Load -- --url "$url" --tool ping --seconds "$seconds" --clients 32
  kill "$pid"
}
if [ "${2:-}" = fastpath ]; then
  echo "# $(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), $(basename "$bin") $(stat -c %s "$bin") bytes"
  path_run on; path_run off; path_run on; path_run off
  exit 0
fi
if [ "${LOAD_ORDER:-off-first}" = on-first ]; then on; off; else off; on; fi
