#!/usr/bin/env bash
# Metrics suite (issue 30): what an operator's Prometheus and Grafana see.
#   - `promtool check metrics` (Debian's prometheus package) accepts /metrics of the published binary;
#   - a real Prometheus, started here on a free loopback port with its own temp dir, scrapes two replicas (IBM i
#     auth, the emulator behind them) every second while they do some work — sign-ons and a refused one, YAML tool
#     calls through a one-connection pool (so callers wait), a failing statement;
#   - every PromQL query of the shipped dashboard (deploy/grafana/ibmi-mcp.json) returns data, and its replica variable
#     lists both replicas (tests/prometheus/dashboard_queries.py).
# Uses $IBMI_MCP_BIN and $EMULATOR_DLL when set (tests/run-all.sh sets both). Last line: "RESULT: N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
source tests/support/suite.sh prometheus

command -v promtool >/dev/null && command -v prometheus >/dev/null || { bad "prometheus and promtool installed (bash tests/setup.sh)"; finish; }
bin="${IBMI_MCP_BIN:-$repo/artifacts/publish/linux-x64/ibmi-mcp}"
[ -x "$bin" ] || { bad "the published binary ($bin): run ./publish.sh"; finish; }
emu="${EMULATOR_DLL:-$repo/src/IbmiMcp.Emulator/bin/Release/net10.0/ibmi-emulator.dll}"
[ -f "$emu" ] || dotnet build src/IbmiMcp.Emulator -c Release -nologo -v:q > /dev/null

dotnet "$emu" --port 0 --write-cert "$work/emu.pem" > "$work/emu.log" 2>&1 & pids+=($!)
wait_for "$work/emu.log" "listening on" || { cat "$work/emu.log"; bad "the emulator starts"; finish; }
eport=$(grep -oE ':[0-9]+/db' "$work/emu.log" | head -1 | tr -dc 0-9)
"$bin" keygen --dir "$work/keys" --key-id prom > /dev/null

ports=()
for replica in 1 2; do
  port=$(free_port); ports+=("$port")
  env -i PATH="$PATH" HOME="$HOME" MCP_AUTH_MODE=ibmi IBMI_HTTP_AUTH_ENABLED=true IBMI_AUTH_ALLOW_HTTP=true \
    IBMI_AUTH_KEY_ID=prom IBMI_AUTH_PRIVATE_KEY_PATH="$work/keys/private.pem" IBMI_AUTH_PUBLIC_KEY_PATH="$work/keys/public.pem" \
    DB2i_HOST=127.0.0.1 DB2i_PORT="$eport" DB2i_IGNORE_UNAUTHORIZED=false DB2i_CA_PATH="$work/emu.pem" \
    MCP_METRICS_ENABLED=true MCP_LOG_LEVEL=warning IBMI_ENABLE_EXECUTE_SQL=true MCP_SESSION_MODE=stateless \
    "$bin" --transport http --host 127.0.0.1 --port "$port" --tools tools > "$work/server$replica.log" 2>&1 & pids+=($!)
done
for port in "${ports[@]}"; do
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/healthz" > /dev/null 2>&1 && break; sleep 0.1; done
done

# promtool reads the exposition format the way Prometheus does and lints it (names, units, HELP/TYPE lines).
curl -sf "http://127.0.0.1:${ports[0]}/metrics" > "$work/metrics.txt"
if promtool check metrics < "$work/metrics.txt" > "$work/promtool.txt" 2>&1; then
  ok "promtool check metrics accepts /metrics ($(grep -c '^# TYPE' "$work/metrics.txt") families)"
else
  cat "$work/promtool.txt"; bad "promtool check metrics accepts /metrics"
fi
for family in process_cpu_seconds_total process_resident_memory_bytes mcp_tool_calls_total ibmi_signons_total; do
  grep -q "^# TYPE $family " "$work/metrics.txt" && ok "/metrics has $family" || bad "/metrics has $family"
done

pport=$(free_port)
targets=$(printf '"127.0.0.1:%s",' "${ports[@]}")
cat > "$work/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: ibmi-mcp
    static_configs:
      - targets: [${targets%,}]
YAML
promtool check config "$work/prometheus.yml" > "$work/promtool-config.txt" 2>&1 || { cat "$work/promtool-config.txt"; bad "scrape configuration"; finish; }
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" --web.listen-address="127.0.0.1:$pport" \
  --storage.tsdb.retention.time=1h > "$work/prometheus.log" 2>&1 & pids+=($!)
prom="http://127.0.0.1:$pport"
up_count() { curl -sf "$prom/api/v1/query" --data-urlencode 'query=count(up{job="ibmi-mcp"} == 1)' | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)' 2>/dev/null || echo 0; }
for _ in $(seq 1 300); do [ "$(up_count)" = 2 ] && break; sleep 0.1; done
[ "$(up_count)" = 2 ] && ok "Prometheus scrapes both replicas (up == 1)" || { tail -20 "$work/prometheus.log"; bad "Prometheus scrapes both replicas"; finish; }

rpc() {  # rpc PORT TOKEN JSON
  curl -sS -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$1/mcp" -H "Authorization: Bearer $2" -H 'Content-Type: application/json' \
    -H 'Accept: application/json, text/event-stream' -H 'MCP-Protocol-Version: 2025-06-18' -d "$3"
}
work_once() {  # work_once PORT ROUND: some of everything the dashboard shows, on one replica; prints HTTP statuses
  local port=$1 token
  token=$("$bin" token --quiet --server 127.0.0.1 --port "$port" --user ALICE --password alice123 --host 127.0.0.1 --pool-start 1 --pool-max 1 \
            2> /dev/null | sed -E 's/.*IBMI_MCP_ACCESS_TOKEN="([^"]+)".*/\1/')
  [ -n "$token" ] || { echo "no token"; return; }
  # One refused sign-on per replica (more from one address would lock it out for a while, by design).
  [ "$2" = 1 ] && "$bin" token --quiet --server 127.0.0.1 --port "$port" --user BOB --password wrong-password --host 127.0.0.1 > /dev/null 2>&1
  # Eight callers on a one-connection pool: some of them wait for it.
  local callers=()
  for i in $(seq 1 8); do
    rpc "$port" "$token" '{"jsonrpc":"2.0","id":'"$i"',"method":"tools/call","params":{"name":"employee_profile","arguments":{"employee_number":"000010"}}}' &
    callers+=($!)
  done
  wait "${callers[@]}"
  rpc "$port" "$token" '{"jsonrpc":"2.0","id":20,"method":"tools/call","params":{"name":"execute_sql","arguments":{"sql":"SELECT * FROM SAMPLE.NO_SUCH_TABLE"}}}'
  rpc "$port" "$token" '{"jsonrpc":"2.0","id":21,"method":"tools/list"}'
}
for round in 1 2 3; do
  for port in "${ports[@]}"; do work_once "$port" "$round" > "$work/work-$port-$round.txt" 2>&1; done
  sleep 1.5
done
codes=$(cat "$work"/work-*.txt | sort | uniq -c | tr '\n' ' ')
grep -qvE '^200$' "$work"/work-*.txt && bad "the workload's MCP requests answered 200" "$codes" || ok "the workload's MCP requests answered 200 ($codes)"
# Three more scrapes after the last request, so every rate() window holds the change.
sleep 3

python3 tests/prometheus/dashboard_queries.py "$prom" deploy/grafana/ibmi-mcp.json 1m "${ports[@]/#/127.0.0.1:}" > "$work/queries.txt" 2>&1
cat "$work/queries.txt"
passed=$((passed + $(grep -c '^ok ' "$work/queries.txt")))
failed=$((failed + $(grep -c '^FAIL ' "$work/queries.txt")))
grep -qE '^(ok|FAIL) ' "$work/queries.txt" || bad "the dashboard queries ran"
finish
