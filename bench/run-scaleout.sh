#!/usr/bin/env bash
# Scale-out figures (issue 13): three replicas of the published AOT binary sharing one redis-server
# (IBMI_AUTH_SESSION_STORE=redis), HAProxy round-robin in front, the emulator behind; all on 127.0.0.1.
# Prints: tools/call through one replica vs through HAProxy over three, sign-on latency and server CPU with the Redis
# store vs the memory store, revocation propagation to all replicas, and the binary size. Record it in bench/RESULTS.md.
#   bash bench/run-scaleout.sh [seconds]   (needs ./publish.sh, a Release build of the emulator, redis-server, haproxy)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
bin="${IBMI_MCP_BIN:-$PWD/artifacts/publish/linux-x64/ibmi-mcp}"
emu="$PWD/src/IbmiMcp.Emulator/bin/Release/net10.0/ibmi-emulator.dll"
haproxy=$(command -v haproxy || echo /usr/sbin/haproxy)
work=$(mktemp -d); pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_port() { for _ in $(seq 1 300); do (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; echo "port $1 never opened" >&2; exit 1; }
load() { dotnet run -c Release --no-build --project bench/IbmiMcp.Load -- "$@"; }

dotnet build bench/IbmiMcp.Load -c Release -nologo -v:q >/dev/null
echo "# $(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), $(basename "$bin") $(stat -c %s "$bin") bytes"

rport=$(free_port)
redis-server --port "$rport" --bind 127.0.0.1 --dir "$work" --save "" --appendonly no --daemonize no --loglevel warning > "$work/redis.log" 2>&1 & pids+=($!)
wait_port "$rport"
dotnet "$emu" --port 0 --write-cert "$work/emu.pem" > "$work/emu.log" 2>&1 & pids+=($!)
for _ in $(seq 1 300); do grep -q "listening on" "$work/emu.log" && break; sleep 0.1; done
eport=$(grep -oE ':[0-9]+/db' "$work/emu.log" | head -1 | tr -dc 0-9)
"$bin" keygen --dir "$work/keys" --key-id bench > /dev/null
"$bin" keygen --session-key "$work/session.key" > /dev/null
cat > "$work/ping.yaml" <<YAML
sources:
  ibmi: { host: 127.0.0.1, user: MCPUSER, password: mcppass1, port: $eport }
tools:
  ping:
    source: ibmi
    description: Trivial query for load tests
    statement: SELECT 1 AS ONE FROM SYSIBM.SYSDUMMY1
YAML

serve() {  # $1 = port, $2 = store (redis|memory); sets $pid
  env -i PATH="$PATH" HOME="$HOME" MCP_AUTH_MODE=ibmi IBMI_HTTP_AUTH_ENABLED=true IBMI_AUTH_ALLOW_HTTP=true \
    IBMI_AUTH_KEY_ID=bench IBMI_AUTH_PRIVATE_KEY_PATH="$work/keys/private.pem" IBMI_AUTH_PUBLIC_KEY_PATH="$work/keys/public.pem" \
    DB2i_HOST=127.0.0.1 DB2i_PORT="$eport" DB2i_IGNORE_UNAUTHORIZED=false DB2i_CA_PATH="$work/emu.pem" MCP_LOG_LEVEL=warning \
    YAML_AUTO_RELOAD=false MCP_TRUSTED_PROXIES=127.0.0.1 IBMI_AUTH_MAX_CONCURRENT_SESSIONS=1000 \
    $( [ "$2" = redis ] && echo "IBMI_AUTH_SESSION_STORE=redis IBMI_AUTH_REDIS=127.0.0.1:$rport IBMI_AUTH_SESSION_KEY_PATH=$work/session.key" ) \
    "$bin" --transport http --port "$1" --tools "$work/ping.yaml" > /dev/null 2> "$work/server-$1.log" & pids+=($!)
  pid=$!
  wait_port "$1"
}
ports=($(free_port) $(free_port) $(free_port)); rpids=()
for p in "${ports[@]}"; do serve "$p" redis; rpids+=("$pid"); done
mport=$(free_port); serve "$mport" memory; mpid=$pid
lb=$(free_port)
{
  echo "global"; echo "  maxconn 4096"
  echo "defaults"; echo "  mode http"; echo "  timeout connect 1s"; echo "  timeout client 30s"; echo "  timeout server 30s"
  echo "  retries 3"; echo "  option redispatch 1"; echo "  retry-on conn-failure"; echo "  option forwardfor"
  echo "frontend mcp"; echo "  bind 127.0.0.1:$lb"; echo "  default_backend replicas"
  echo "backend replicas"; echo "  balance roundrobin"; echo "  option httpchk GET /healthz"; echo "  default-server inter 1s"
  for i in 0 1 2; do echo "  server r$((i+1)) 127.0.0.1:${ports[$i]} check"; done
} > "$work/haproxy.cfg"
"$haproxy" -f "$work/haproxy.cfg" -db > "$work/haproxy.log" 2>&1 & pids+=($!)
wait_port "$lb"

token=$("$bin" token --server 127.0.0.1 --port "$lb" -u ALICE -p alice123 -h 127.0.0.1 --quiet | sed -E 's/.*"(.*)"/\1/')
echo "== tools/call ping, 32 clients, one replica directly (redis store, token cached)"
load --url "http://127.0.0.1:${ports[0]}/mcp" --token "$token" --tool ping --seconds "$seconds" --clients 32 | grep -E "^\|"
echo "== tools/call ping, 32 clients, HAProxy round-robin over three replicas"
load --url "http://127.0.0.1:$lb/mcp" --token "$token" --tool ping --seconds "$seconds" --clients 32 | grep -E "^\|"
echo "== sign-on: 40 sequential, fresh envelopes, server CPU from /proc/PID/task/*/schedstat"
echo -n "redis store:  "; load --signon 40 --base "http://127.0.0.1:${ports[0]}" --pid "${rpids[0]}"
echo -n "memory store: "; load --signon 40 --base "http://127.0.0.1:$mport" --pid "$mpid"
echo "== revocation: DELETE on replica 1 → last of the three replicas answering 401"
load --revocation 20 --replicas "http://127.0.0.1:${ports[0]},http://127.0.0.1:${ports[1]},http://127.0.0.1:${ports[2]}"
echo "== replica RSS: $(for p in "${rpids[@]}"; do awk '/VmRSS/{printf "%.1f MiB ", $2/1024}' /proc/$p/status; done)"
