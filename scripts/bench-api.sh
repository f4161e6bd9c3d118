#!/usr/bin/env bash
# Load benchmark of the legacy API (issue: legacy HTTP API): wrk with 64 connections on
# loopback against `stats2 serve` on the embedded store holding the demo's 320 workflows.
# Prints requests/s, p50/p99 latency, errors and the server's peak RSS per route.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-8960} DURATION=${DURATION:-20s}
command -v wrk >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
cargo build --release --locked -q -p server
bin=$PWD/target/release/stats2
data=$(mktemp -d)
# The demo seeds data/demo.sqlite; serve it as the embedded store.
"$bin" --data-dir "$data" demo --port "$PORT" >/dev/null 2>&1 &
demo=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/stats/api/fetch?type=x" >/dev/null && break; sleep 0.1; done
kill "$demo"; wait "$demo" 2>/dev/null || true
mv "$data/demo.sqlite" "$data/stats2.sqlite"; rm -f "$data"/demo.sqlite-*
STATS_DATA_DIR=$data "$bin" serve --port "$PORT" >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/stats/api/fetch?type=x" >/dev/null && break; sleep 0.1; done
name=$(curl -s "http://127.0.0.1:$PORT/stats/api/fetch?type=ReReco" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["_id"])')
prepid=$(curl -s "http://127.0.0.1:$PORT/stats/api/fetch" | python3 -c '
import json,sys,collections
c=collections.Counter(d.get("PrepID") for d in json.load(sys.stdin) if d.get("PrepID")); print(c.most_common(1)[0][0])')
n=$(curl -s "http://127.0.0.1:$PORT/stats/api/fetch?prepid=$prepid" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
for url in "/stats/api/get_json/$name" "/stats/api/fetch?prepid=$prepid"; do
  out=$(wrk -t2 -c64 -d"$DURATION" --latency "http://127.0.0.1:$PORT$url")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out")
  echo "$url: $rps req/s, p50 $p50, p99 $p99, errors: ${errors:-none}"
done
echo "api/fetch?prepid=$prepid returns $n documents"
echo "server peak RSS: $(awk '/VmHWM/ {print $2/1024 " MB"}' /proc/$server/status)"
