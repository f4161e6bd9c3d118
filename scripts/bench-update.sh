#!/usr/bin/env bash
# Benchmark of one full update run (issue: updater): the simulator with SCALE workflows of
# OUTPUTS datasets each and LATENCY per answer in one process, `stats2 update` in another.
# Prints wall time, requests, peak in flight, the lower bound requests x latency / concurrency
# the peak RSS of the updater and where the requests went (per endpoint, as the simulator
# counted them). Figures go to BENCHMARKS.md by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
# STORE=couch runs it against a pouchdb-server (scripts/ensure-tools.sh test installs it)
# instead of the embedded store; RUNS=2 adds an incremental run after the first.
SCALE=${SCALE:-2000} OUTPUTS=${OUTPUTS:-3} LATENCY_MS=${LATENCY_MS:-50} CONCURRENCY=${CONCURRENCY:-8}
PORT=${PORT:-8950} STORE=${STORE:-sqlite} RUNS=${RUNS:-1} COUCH_PORT=${COUCH_PORT:-5995}
cargo build --release --locked -q -p server
bin=target/release/stats2
"$bin" sim --port "$PORT" --scale "$SCALE" --outputs "$OUTPUTS" --latency "${LATENCY_MS}ms" --step-every 0s --warmup-steps 6 2>/dev/null &
sim=$!
couch=
data=$(mktemp -d)
trap 'kill $sim $couch 2>/dev/null; rm -rf "$data"' EXIT
if [ "$STORE" = couch ]; then
  # From the data folder: pouchdb-server writes its log.txt into its working directory.
  (cd "$data" && exec node "$OLDPWD/tests/couch/node_modules/pouchdb-server/bin/pouchdb-server" --host 127.0.0.1 \
    --port "$COUCH_PORT" --dir "$data" --config "$data/config.json" --no-stdout-logs >/dev/null 2>&1) &
  couch=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$COUCH_PORT/" >/dev/null && break; sleep 0.1; done
  export DB_URL=http://127.0.0.1:$COUCH_PORT
fi
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/wmstatsserver/data/filtered_requests" >/dev/null && break; sleep 0.1; done
export STATS_DATA_DIR=$data CMSWEB_URL=http://127.0.0.1:$PORT CMSWEB_PROD_URL=http://127.0.0.1:$PORT UPSTREAM_CONCURRENCY=$CONCURRENCY
"$bin" db init 2>/dev/null
for run in $(seq "$RUNS"); do
echo "run $run ($STORE store):"
python3 - "$bin" "$LATENCY_MS" "$CONCURRENCY" <<'PY'
import re, resource, subprocess, sys, time
binary, latency, conc = sys.argv[1], float(sys.argv[2]) / 1000, int(sys.argv[3])
t = time.monotonic()
out = subprocess.run([binary, "update"], capture_output=True, text=True)
wall = time.monotonic() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
line = [l for l in out.stderr.splitlines() if "update run finished" in l]
if out.returncode != 0 or not line:
    sys.exit("update failed:\n" + out.stderr[-2000:])
summary = re.sub(r"\x1b\[[0-9;]*m", "", line[-1]).split("update run finished: ")[1]
requests = int(re.search(r"requests=(\d+)", summary).group(1))
bound = requests * latency / conc
print(f"summary: {summary}")
print(f"wall {wall:.1f} s, requests {requests}, lower bound {bound:.1f} s, ratio {wall / bound:.2f}, peak RSS {rss:.0f} MB")
PY
done
echo "requests per endpoint (the simulator's count): $(curl -sf "http://127.0.0.1:$PORT/_sim/requests")"
