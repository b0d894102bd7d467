#!/usr/bin/env bash
# Runs the README's first command the way a user would (./demo.sh, in its --once form) and checks that the
# walkthrough really signed ALICE on, listed tools and got rows back. Last line: "RESULT: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
passed=0; failed=0
ok() { passed=$((passed + 1)); echo "ok    - $1"; }
bad() { failed=$((failed + 1)); echo "FAIL  - $1"; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null || echo 3999)
out=$(mktemp)
if timeout 600 ./demo.sh --once --port "$port" > "$out" 2>&1; then ok "./demo.sh --once exits 0"; else bad "./demo.sh --once exits 0"; fi
grep -q "✓ Server ready!" "$out" && ok "the server started with IBM i authentication" || bad "server banner"
grep -q "IBM i HTTP authentication enabled" "$out" && ok "IBM i auth is on in the demo" || bad "auth banner"
grep -qE "IBMI_MCP_ACCESS_TOKEN=.{12}… \(43 characters" "$out" && ok "ibmi-mcp token produced a 43-character token" || bad "token"
grep -qE '^│ department_staff +│' "$out" && ok "tools/list shows the shipped YAML tools as a table" || bad "tools/list"
grep -qE '^│ 000010 +│ HAAS +│' "$out" && ok "tools/call department_staff returned SAMPLE rows as ALICE, as a table" || bad "tools/call rows"
grep -qE '^│ SCHEMA_NAME +│' "$out" && ok "the built-in list_schemas ran on ALICE's pool" || bad "built-in tool"
grep -q '"Authorization": "Bearer' "$out" && ok "client configuration printed" || bad "client configuration"
grep -A1 "^ALICE (" "$out" | grep -q "department_salary_summary" && ! grep -A1 "^ALICE (" "$out" | grep -q "special_authority_holders" \
  && ok "ALICE (HRGRP) sees the salary tool and not the security tools" || bad "ALICE's tools"
grep -A1 "^BOB (" "$out" | grep -q "system_status" && ! grep -A1 "^BOB (" "$out" | grep -q "department_salary_summary" \
  && ok "BOB (*JOBCTL) sees the system tools and not the salary tool" || bad "BOB's tools"
grep -A1 "^CAROL (" "$out" | grep -q "special_authority_holders" && ok "CAROL (*SECADM) sees the security tools" || bad "CAROL's tools"
grep -q "demo complete" "$out" && ok "demo completed" || bad "demo completed"
[ "$failed" -eq 0 ] || { echo "--- demo output ---"; cat "$out"; }
rm -f "$out"
echo "RESULT: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
