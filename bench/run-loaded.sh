#!/usr/bin/env bash
# The README's test command on a loaded machine (issue 29): clones HEAD into a temp directory, starts a CPU burner on
# every core, runs `CI=true bash .ci/run` RUNS times in a row (default 5) and prints one line per run (exit code,
# seconds, the totals line) and the 1-minute load average it ran under (sampled every 30 s).
#   bash bench/run-loaded.sh [RUNS]
set -uo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
work="$(mktemp -d /tmp/ibmi-mcp-loaded.XXXXXX)"
git clone -q . "$work/repo"
echo "# $(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) CPUs, commit $(git -C "$work/repo" log --oneline -1 | cut -c1-60), logs in $work"
burners=()
for _ in $(seq 1 "$(nproc)"); do ( while :; do :; done ) & burners+=($!); done
( while :; do cut -d' ' -f1 /proc/loadavg; sleep 30; done ) > "$work/load.txt" & sampler=$!
trap 'kill "${burners[@]}" "$sampler" 2>/dev/null' EXIT
for i in $(seq 1 "$runs"); do
  start=$(date +%s)
  (cd "$work/repo" && CI=true bash .ci/run) > "$work/run$i.log" 2>&1
  echo "run $i: exit $?, $(( $(date +%s) - start )) s, $(tail -1 "$work/run$i.log")"
done
sort -n "$work/load.txt" | awk '{a[NR]=$1} END {print "1-minute load average: min " a[1] ", median " a[int(NR/2)+1] ", max " a[NR] " (" NR " samples)"}'
