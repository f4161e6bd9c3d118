#!/usr/bin/env bash
# Scale benchmark of the summary index (issue: production scale). For each size (default
# 2,000 and 200,000 workflows): generate realistic workflows as NDJSON, load them with
# `stats2 db import` into a fresh embedded store, start `stats2 serve` on it, and report
# the import time, the index build time (start to /readyz 200), the server's RSS with the
# index loaded, and the median/p90 of each index-backed server function, each answer checked
# against a brute-force pass over the same NDJSON; then the Present view in every shape, the
# list's sorts, the stuck alerts, "What changed" and the alerts' ranked lists
# (`bench_present`), and the whole list as CSV (first byte,
# total time, RSS growth). Everything lives in a temporary folder
# that is removed at the end (a 200,000-workflow store is about 1 GB).
#
# Usage: scripts/bench-scale.sh [SIZES...]    e.g. scripts/bench-scale.sh 2000 200000 1000000
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(2000 200000)
PORT=${PORT:-8971}
ROUNDS=${ROUNDS:-21}
work=$(mktemp -d)
cargo build --release --locked -q -p server --bin stats2 --example gen_workflows --example bench_scale --example bench_present \
  2>"$work/build.log" || { cat "$work/build.log"; exit 1; }
bin=$PWD/target/release/stats2
ex=$PWD/target/release/examples
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
for n in "${sizes[@]}"; do
  data="$work/data-$n" file="$work/wf-$n.ndjson"
  "$ex/gen_workflows" "$n" 1 > "$file"
  STATS_DATA_DIR=$data "$bin" db init >/dev/null 2>&1
  t0=$(date +%s.%N)
  STATS_DATA_DIR=$data "$bin" db import "$file" 2>/dev/null
  t1=$(date +%s.%N)
  size=$(du -sm "$data" | cut -f1)
  STATS_DATA_DIR=$data RUST_LOG=warn "$bin" serve --port "$PORT" --dist-dir /nonexistent >/dev/null 2>&1 &
  server=$!
  t2=$(date +%s.%N)
  until curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null; do sleep 0.05; done
  t3=$(date +%s.%N)
  rss=$(awk '/VmRSS/ {printf "%.0f", $2/1024}' /proc/$server/status)
  echo
  echo "## $n workflows ($(du -m "$file" | cut -f1) MB of NDJSON, store $size MB)"
  echo "import $(awk "BEGIN {printf \"%.1f\", $t1 - $t0}") s; index built (start to ready) $(awk "BEGIN {printf \"%.2f\", $t3 - $t2}") s; server RSS after build $rss MB"
  echo
  "$ex/bench_scale" "http://127.0.0.1:$PORT" "$file" "$ROUNDS"
  echo
  # The Present view in every shape, the sorts and the stuck alerts (fewer rounds: 392 shapes).
  "$ex/bench_present" "http://127.0.0.1:$PORT" "$file" "${PRESENT_ROUNDS:-7}"
  echo
  # The whole list as CSV: time to the first byte and to the last, and how far the server's
  # RSS rose meanwhile (sampled every 50 ms).
  rss() { awk '/VmRSS/ {print $2}' /proc/$server/status; }
  # The sampler stops when `sampling` goes; it cannot bring that file back (it did recreate
  # the peak file it was told to watch, and the script waited for it for ever).
  before=$(rss); echo "$before" > "$work/rss"; touch "$work/sampling"
  ( while [ -f "$work/sampling" ]; do r=$(rss); [ "$r" -gt "$(cat "$work/rss" 2>/dev/null || echo 0)" ] && echo "$r" > "$work/rss"; sleep 0.05; done ) 2>/dev/null &
  sampler=$!
  read -r first total bytes < <(curl -s -o "$work/all.csv" -w '%{time_starttransfer} %{time_total} %{size_download}\n' "http://127.0.0.1:$PORT/stats/csv/workflows")
  rm -f "$work/sampling"; wait "$sampler" 2>/dev/null || true; peak=$(cat "$work/rss"); rm -f "$work/rss"
  echo "CSV of every workflow: $(( $(wc -l < "$work/all.csv") - 1 )) lines, $(( bytes / 1048576 )) MB; first byte $(awk "BEGIN {printf \"%.0f\", $first * 1000}") ms, whole $(awk "BEGIN {printf \"%.1f\", $total}") s; server RSS $(( before / 1024 )) MB before, at most $(( peak / 1024 )) MB during (+$(( (peak - before) / 1024 )) MB)"
  rm -f "$work/all.csv"
  echo
  echo "server RSS after the queries $(awk '/VmRSS/ {printf "%.0f", $2/1024}' /proc/$server/status) MB (peak $(awk '/VmHWM/ {printf "%.0f", $2/1024}' /proc/$server/status) MB)"
  kill "$server"; wait "$server" 2>/dev/null || true; server=
  rm -rf "$data" "$file"
done
