#!/usr/bin/env bash
# The end-to-end demo on the embedded default, on a fresh machine with the .NET 10 SDK:
#   1. builds the server and the Db2 for i emulator,
#   2. starts the emulator (real Mapepire over TLS, SAMPLE data, demo users ALICE/BOB/CAROL/MCPUSER),
#   3. creates an RSA key pair and starts ibmi-mcp with IBM i authentication on loopback,
#   4. signs ALICE on with `ibmi-mcp token` (encrypted credential exchange → Bearer token),
#   5. lists the MCP tools and calls one as ALICE, then shows that BOB and CAROL see other tools (authorization),
#   6. prints what an MCP client (Claude Desktop, VS Code) needs to connect, and keeps serving until Ctrl+C.
#   ./demo.sh [--once] [--port 3010] [--raw]   --once: stop after step 6 (used by the tests)
#                                              --raw: print the JSON-RPC answers as they come, not as tables
set -euo pipefail
cd "$(dirname "$0")"
root="$PWD"
once=false; port=3010; raw=false
while [ $# -gt 0 ]; do
  case "$1" in
    --once) once=true; shift ;;
    --port) port="$2"; shift 2 ;;
    --raw) raw=true; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "demo.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
command -v dotnet >/dev/null || { echo "demo.sh: the .NET 10 SDK is required (dotnet not found)" >&2; exit 1; }
command -v curl >/dev/null || { echo "demo.sh: curl is required (apt-get install -y curl)" >&2; exit 1; }

work="$(mktemp -d -t ibmi-mcp-demo.XXXXXX)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT INT TERM
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. Building ibmi-mcp and the emulator"
dotnet build src/IbmiMcp.Aot/IbmiMcp.Aot.csproj -c Release -nologo -v:q >/dev/null
dotnet build src/IbmiMcp.Emulator/IbmiMcp.Emulator.csproj -c Release -nologo -v:q >/dev/null
bin="$root/src/IbmiMcp.Aot/bin/Release/net10.0/ibmi-mcp"
[ -n "${IBMI_MCP_BIN:-}" ] && bin="$IBMI_MCP_BIN"   # e.g. the AOT binary from ./publish.sh
echo "server:   $bin"

step "2. Starting the Db2 for i emulator (Mapepire over TLS)"
dotnet "$root/src/IbmiMcp.Emulator/bin/Release/net10.0/ibmi-emulator.dll" --port 0 --write-cert "$work/emulator.pem" > "$work/emulator.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 200); do grep -q "listening on" "$work/emulator.log" 2>/dev/null && break; sleep 0.1; done
emulator_url=$(grep -oE "wss?://[^ ]+" "$work/emulator.log" | head -1)
[ -n "$emulator_url" ] || { cat "$work/emulator.log"; echo "emulator did not start" >&2; exit 1; }
emulator_port=$(sed -E 's#.*:([0-9]+)/db/?#\1#' <<<"$emulator_url")
echo "emulator: $emulator_url (certificate pinned from $work/emulator.pem)"

step "3. Creating an RSA key pair and starting ibmi-mcp with IBM i authentication"
"$bin" keygen --dir "$work/secrets" --key-id demo >/dev/null
cat > "$work/.env" <<ENV
MCP_TRANSPORT_TYPE=http
MCP_HTTP_HOST=127.0.0.1
MCP_HTTP_PORT=$port
MCP_AUTH_MODE=ibmi
IBMI_HTTP_AUTH_ENABLED=true
# Loopback demo only: sign-on over plain HTTP. Use MCP_HTTPS_CERT_PATH/KEY_PATH or a TLS proxy in production.
IBMI_AUTH_ALLOW_HTTP=true
IBMI_AUTH_KEY_ID=demo
IBMI_AUTH_PRIVATE_KEY_PATH=$work/secrets/private.pem
IBMI_AUTH_PUBLIC_KEY_PATH=$work/secrets/public.pem
DB2i_HOST=127.0.0.1
DB2i_PORT=$emulator_port
DB2i_IGNORE_UNAUTHORIZED=false
DB2i_CA_PATH=$work/emulator.pem
TOOLS_YAML_PATH=$root/tools
IBMI_ENABLE_DEFAULT_TOOLS=true
ENV
MCP_SERVER_CONFIG="$work/.env" "$bin" > "$work/server.out" 2> "$work/server.log" &
pids+=($!)
for _ in $(seq 1 200); do grep -q "Server ready" "$work/server.log" 2>/dev/null && break; sleep 0.1; done
grep -q "Server ready" "$work/server.log" || { cat "$work/server.log"; echo "server did not start" >&2; exit 1; }
cat "$work/server.log"
mcp="http://127.0.0.1:$port/mcp"

step "4. Signing ALICE on to IBM i: ibmi-mcp token (RSA-OAEP + AES-256-GCM envelope)"
export DB2i_HOST=127.0.0.1
eval "$("$bin" token --quiet --user ALICE --password alice123 --host 127.0.0.1 --server 127.0.0.1 --port "$port" --duration 3600)"
echo "IBMI_MCP_ACCESS_TOKEN=${IBMI_MCP_ACCESS_TOKEN:0:12}… (${#IBMI_MCP_ACCESS_TOKEN} characters, opaque)"

rpc() {
  curl -sS --fail-with-body "$mcp" -H "Authorization: Bearer $IBMI_MCP_ACCESS_TOKEN" \
    -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
    -H 'MCP-Protocol-Version: 2025-11-25' -d "$1" | sed -n 's/^data: //p'
}
# The answers as a person reads them: `ibmi-mcp render` turns a JSON-RPC answer into a table (--raw shows the JSON).
show() { if $raw; then cat; echo; else "$bin" render --format table; fi; }
step "5. MCP as ALICE: tools/list and tools/call"
rpc '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"demo.sh","version":"1"}}}' >/dev/null
echo "tools/list →"
rpc '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' | show
echo
echo "tools/call department_staff {department: \"A00\"} →"
rpc '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"department_staff","arguments":{"department":"A00"}}}' | show
echo
echo "tools/call list_schemas (built-in, runs on ALICE's own pool) →"
rpc '{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"list_schemas","arguments":{"limit":5}}}' | show
echo

step "5b. Who sees what: tool authorization by IBM i group profile and special authority (docs/authorization.md)"
# Each user signs on as themselves; the shipped rules decide their tool lists from what USER_INFO says about them.
tools_of() {
  local token
  token=$("$bin" token --quiet --user "$1" --password "$2" --host 127.0.0.1 --server 127.0.0.1 --port "$port" | sed -E 's/.*"(.*)"/\1/')
  IBMI_MCP_ACCESS_TOKEN="$token" rpc '{"jsonrpc":"2.0","id":9,"method":"tools/list"}' | grep -oE '"name":"[a-z_0-9]+"' | sed 's/"name":"//; s/"//' | tr '\n' ' '
}
for who in "ALICE alice123 HR analyst, group HRGRP" "BOB bob12345 developer, group DEVGRP, *JOBCTL *SPLCTL" "CAROL carol123 security administrator, group SECGRP, *SECADM *AUDIT"; do
  set -- $who
  user=$1; password=$2; shift 2
  echo "$user ($*):"
  echo "  $(tools_of "$user" "$password")"
done

step "6. Connect your MCP client"
cat <<TXT
Endpoint:  $mcp
Header:    Authorization: Bearer <token>   (get one: eval \$($bin token --quiet -u ALICE -p alice123 -h 127.0.0.1 --port $port))

Claude Desktop / VS Code (mcp.json):
{
  "servers": {
    "ibmi": { "type": "http", "url": "$mcp",
              "headers": { "Authorization": "Bearer \${env:IBMI_MCP_ACCESS_TOKEN}" } }
  }
}
Demo users on the emulator: ALICE/alice123, BOB/bob12345, CAROL/carol123, MCPUSER/mcppass1.
TXT
if $once; then echo "demo complete"; exit 0; fi
echo "Serving until Ctrl+C…"
wait "${pids[1]}"
