# Shared by the shell suites (tests/*.suite.sh): verdict lines, the RESULT line tests/run-all.sh reads, a temp
# directory and the processes a suite starts, both cleaned up on exit. Usage, after `cd` to the repository:
#   source tests/support/suite.sh NAME      (NAME names the temp directory: /tmp/ibmi-mcp-NAME.XXXXXX in $work)
passed=0; failed=0; skipped=0
ok()   { passed=$((passed + 1)); echo "ok    - $1"; }
bad()  { failed=$((failed + 1)); echo "FAIL  - $1${2:+: $2}"; }
skip() { skipped=$((skipped + 1)); echo "skip  - $1 (${2})"; }
check() { local name="$1"; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }

work="$(mktemp -d "/tmp/ibmi-mcp-$1.XXXXXX")"
pids=()   # processes to stop on exit
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
finish() { echo; echo "RESULT: $passed passed, $failed failed, $skipped skipped"; [ "$failed" -eq 0 ]; exit $?; }

wait_for() {  # wait_for FILE REGEX [tenths]: poll a log until a line matches
  local i
  for ((i = 0; i < ${3:-300}; i++)); do grep -qE "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
