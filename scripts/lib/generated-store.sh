# Sourced by the benchmarks that serve a generated store: builds the release binary and the
# generator, writes N generated workflows into a fresh embedded store in a temporary folder,
# and starts `stats2 serve` on it on $PORT. Sets `work` (the folder, removed on exit), `bin`
# and `server` (the server's pid, stopped on exit, with any background job still running).
# Usage: serve_generated N
serve_generated() {
  local n=$1
  work=$(mktemp -d)
  server=
  trap '[ -n "$server" ] && kill "$server" 2>/dev/null; jobs -p | xargs -r kill 2>/dev/null || true; rm -rf "$work"' EXIT
  cargo build --release --locked -q -p server --bin stats2 --example gen_workflows 2>"$work/build.log" \
    || { cat "$work/build.log"; exit 1; }
  bin=$PWD/target/release/stats2
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
  target/release/examples/gen_workflows "$n" 1 > "$work/wf.ndjson"
  STATS_DATA_DIR=$work/data "$bin" db init >/dev/null 2>&1
  STATS_DATA_DIR=$work/data "$bin" db import "$work/wf.ndjson" 2>/dev/null
  rm -f "$work/wf.ndjson"
  STATS_DATA_DIR=$work/data RUST_LOG=warn "$bin" serve --port "$PORT" --dist-dir /nonexistent >/dev/null 2>&1 &
  server=$!
  until curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null; do sleep 0.1; done
}
