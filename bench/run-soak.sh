#!/usr/bin/env bash
# Soak (issue 16): the published AOT server (IBM i auth, pinned TLS to the emulator, metrics on) under a mixed
# workload at a fixed rate — sign-ons whose tokens expire during the run, tools/list, tools/call, revocations — for
# SECONDS (default 1800), sampling RSS, managed heap, open fds, Mapepire connections and live sessions every 10 s.
# Passes (exit 0) when every series is flat after the first third and no operation failed. CI runs 120 s
# (tests/soak.suite.sh). Record the series in bench/RESULTS.md.
#   bash bench/run-soak.sh [SECONDS] [RATE per second, default 20]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-1800}"; rate="${2:-20}"
bin="${IBMI_MCP_BIN:-$PWD/artifacts/publish/linux-x64/ibmi-mcp}"
[ -x "$bin" ] || { echo "run ./publish.sh first (or set IBMI_MCP_BIN)" >&2; exit 2; }
emu="$PWD/src/IbmiMcp.Emulator/bin/Release/net10.0/ibmi-emulator.dll"
[ -f "$emu" ] || dotnet build src/IbmiMcp.Emulator -c Release -nologo -v:q >/dev/null
work=$(mktemp -d); pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
dotnet build bench/IbmiMcp.Load -c Release -nologo -v:q >/dev/null
dotnet "$emu" --port 0 --write-cert "$work/emu.pem" > "$work/emu.log" 2>&1 & pids+=($!)
for _ in $(seq 1 300); do grep -q "listening on" "$work/emu.log" && break; sleep 0.1; done
eport=$(grep -oE ':[0-9]+/db' "$work/emu.log" | head -1 | tr -dc 0-9)
"$bin" keygen --dir "$work/keys" --key-id soak > /dev/null
port=$(free_port)
env -i PATH="$PATH" HOME="$HOME" MCP_AUTH_MODE=ibmi IBMI_HTTP_AUTH_ENABLED=true IBMI_AUTH_ALLOW_HTTP=true \
  IBMI_AUTH_KEY_ID=soak IBMI_AUTH_PRIVATE_KEY_PATH="$work/keys/private.pem" IBMI_AUTH_PUBLIC_KEY_PATH="$work/keys/public.pem" \
  DB2i_HOST=127.0.0.1 DB2i_PORT="$eport" DB2i_IGNORE_UNAUTHORIZED=false DB2i_CA_PATH="$work/emu.pem" \
  MCP_METRICS_ENABLED=true MCP_LOG_LEVEL=warning IBMI_ENABLE_EXECUTE_SQL=true MCP_SESSION_MODE=stateless \
  IBMI_AUTH_CLEANUP_INTERVAL_SECONDS=5 MCP_POOL_IDLE_TIMEOUT_MS=5000 IBMI_AUTH_MAX_CONCURRENT_SESSIONS=1000 \
  "$bin" --transport http --host 127.0.0.1 --port "$port" --tools tools > "$work/server.log" 2>&1 & pid=$!; pids+=($pid)
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
echo "# $(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), $seconds s at $rate operations/s, $(basename "$bin") $(stat -c %s "$bin") bytes"
dotnet run -c Release --no-build --project bench/IbmiMcp.Load -- --soak "$seconds" --rate "$rate" --base "http://127.0.0.1:$port" --pid "$pid"
