#!/usr/bin/env bash
# Tokens per row (issue 15): execute_sql on the emulator through the server in each text format (MCP_RESULT_FORMAT
# json, csv, markdown), counted with a real tokenizer (o200k_base, Microsoft.ML.Tokenizers), with the default result
# budget (100 rows / 32 KB) — once for a 14-column business table, once for a 100,000-row query.
# Prints a markdown table for bench/RESULTS.md.
#   bash bench/run-tokens.sh        (needs ./publish.sh or a Release build of src/IbmiMcp.Aot, and of the emulator)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${IBMI_MCP_BIN:-$PWD/artifacts/publish/linux-x64/ibmi-mcp}"
[ -x "$bin" ] || bin="dotnet $PWD/src/IbmiMcp.Aot/bin/Release/net10.0/ibmi-mcp.dll"
emu="$PWD/src/IbmiMcp.Emulator/bin/Release/net10.0/ibmi-emulator.dll"
work=$(mktemp -d); pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

dotnet build bench/IbmiMcp.Load -c Release -nologo -v:q >/dev/null
echo "# $(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), server: $bin"
dotnet "$emu" --port 0 --write-cert "$work/emu.pem" > "$work/emu.log" 2>&1 & pids+=($!)
for _ in $(seq 1 300); do grep -q "listening on" "$work/emu.log" && break; sleep 0.1; done
eport=$(grep -oE ':[0-9]+/db' "$work/emu.log" | head -1 | tr -dc 0-9)

echo "| format | query | rows in the answer | cut | bytes on the wire | text tokens | text tokens/row | structuredContent tokens | structured tokens/row |"
echo "|---|---|---|---|---|---|---|---|---|"
for format in json csv markdown; do
  port=$(free_port)
  env -i PATH="$PATH" HOME="$HOME" MCP_SERVER_CONFIG=/dev/null MCP_TRANSPORT_TYPE=http MCP_HTTP_HOST=127.0.0.1 MCP_HTTP_PORT="$port" \
    MCP_AUTH_MODE=none MCP_SESSION_MODE=stateless MCP_RESULT_FORMAT="$format" IBMI_ENABLE_EXECUTE_SQL=true \
    DB2i_HOST=127.0.0.1 DB2i_PORT="$eport" DB2i_USER=MCPUSER DB2i_PASS=mcppass1 DB2i_CA_PATH="$work/emu.pem" DB2i_IGNORE_UNAUTHORIZED=false \
    $bin > "$work/server-$format.log" 2>&1 & pid=$!; pids+=($pid)
  for _ in $(seq 1 300); do grep -q "Server ready" "$work/server-$format.log" && break; sleep 0.1; done
  dotnet run -c Release --no-build --project bench/IbmiMcp.Load -- --tokens --url "http://127.0.0.1:$port/mcp" --format "$format"
  kill "$pid"
done
