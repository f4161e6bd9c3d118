#!/usr/bin/env bash
# Liveness and the first page under heavy anonymous load (issue: hardening, second round,
# item 11): `stats2 serve` (release) on an embedded store of N generated workflows (default
# 20,000); 16 clients loop the heaviest analytics (historical, campaigns, durations, aggregate
# of everything) for DURATION while the first page of the list and `/healthz?live` are timed
# every 250 ms. Prints the median and the worst of each, and how the heavy calls were
# answered (200, or 503 once the queue of expensive queries is full).
#
# Usage: scripts/bench-load.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20000}
PORT=${PORT:-8974} DURATION=${DURATION:-30}
. scripts/lib/generated-store.sh
serve_generated "$n"
rpc() { curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -X POST -H 'content-type: application/json' -d "$2" "http://127.0.0.1:$PORT/stats/rpc/$1"; }
heavy=('historical {"filter":{},"bucket":3600,"growing":true}' 'campaigns {"filter":{"status":["running-open","completed"]}}'
  'durations {"query":{"filter":{},"from":"assigned","to":"completed","bins":50,"scale":"log"}}' 'aggregate {"filter":{"tier":["*SIM"]},"bucket":3600}')
end=$(( $(date +%s) + DURATION ))
for c in $(seq 16); do
  ( while [ "$(date +%s)" -lt "$end" ]; do
      call=${heavy[$(( (c + RANDOM) % 4 ))]}
      rpc "${call%% *}" "${call#* }" >> "$work/heavy-$c"
    done ) &
done
sleep 2
while [ "$(date +%s)" -lt "$end" ]; do
  curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$PORT/healthz?live" >> "$work/live"
  rpc list_workflows '{"filter":{},"page":0}' | awk '{print $2}' >> "$work/page"
  sleep 0.25
done
wait $(jobs -p | grep -v "^$server$") 2>/dev/null || true
stats() { sort -n "$1" | awk '{a[NR]=$1} END {printf "median %.0f ms, worst %.0f ms (%d samples)", a[int((NR+1)/2)]*1000, a[NR]*1000, NR}'; }
echo "$n workflows, 16 clients looping heavy analytics for ${DURATION} s:"
echo "  /healthz?live: $(stats "$work/live")"
echo "  list_workflows, first page: $(stats "$work/page")"
cat "$work"/heavy-* | awk '{n[$1]++} END {for (s in n) printf "  heavy calls answered %s: %d\n", s, n[s]}'
echo "  server RSS: $(awk '/VmRSS/ {printf "%.0f MB", $2/1024}' /proc/$server/status)"
