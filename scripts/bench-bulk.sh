#!/usr/bin/env bash
# Memory of bulk answers (issue: hardening, second round, item 3): `stats2 serve` (release) on
# an embedded store of N generated workflows (default 20,000); eight concurrent unfiltered
# `/stats/api/fetch` requests (the original's first 10,000 workflows each, about 90 MB of JSON)
# and eight concurrent `/stats/md`. Prints the server's RSS when idle, its peak while the
# answers stream (sampled every 50 ms), its RSS 5 s after, the answers' sizes and that they are
# identical. Target: peak within 256 MB over idle, given back within seconds.
#
# Usage: scripts/bench-bulk.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20000}
PORT=${PORT:-8973}
. scripts/lib/generated-store.sh
serve_generated "$n"
sleep 3
rss() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$server/status"; }
burst() { # $1: path, $2: label
  local idle peak now pids=()
  idle=$(rss); peak=$idle
  for i in 1 2 3 4 5 6 7 8; do
    curl -s -o "$work/answer-$i" "http://127.0.0.1:$PORT$1" & pids+=($!)
  done
  while kill -0 "${pids[@]}" 2>/dev/null; do
    now=$(rss); [ "$now" -gt "$peak" ] && peak=$now
    sleep 0.05
  done
  wait "${pids[@]}" || true
  sleep 5
  local same=yes
  for i in 2 3 4 5 6 7 8; do cmp -s "$work/answer-1" "$work/answer-$i" || same=no; done
  echo "$2: idle $idle MB, peak $peak MB (+$((peak - idle)) MB), 5 s after $(rss) MB;" \
    "each answer $(du -m "$work/answer-1" | cut -f1) MB, all eight identical: $same"
}
burst "/stats/api/fetch" "8 x /stats/api/fetch (no filter)"
python3 -c "import json,sys; print('  documents in the answer:', len(json.load(open(sys.argv[1]))))" "$work/answer-1"
burst "/stats/md" "8 x /stats/md (no filter)"
