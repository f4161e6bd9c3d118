#!/usr/bin/env bash
# Runs the whole test suite: installs what is missing, builds the single-page app (the
# browser tests load it), then every test of the workspace: unit and rule tests, the store
# conformance suite on SQLite and on a real pouchdb-server, the CLI, headless Chromium, and
# the container image under podman; then the licence and source check of the dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
# A fresh run needs about 4 GB under target/ (more while linking); say so up front rather
# than fail later with "No space left on device" from the linker.
free_mb=$(df -Pm . | awk 'NR == 2 { print $4 }')
if [ "${free_mb:-0}" -lt 6144 ]; then
  echo "[test] only ${free_mb} MB free here; a fresh run needs about 4 GB (target/)" >&2
fi
scripts/ensure-tools.sh test
# What reviewers check, first: formatting, and clippy with every warning an error (the
# browser crate for its own target).
cargo fmt --all --check
cargo clippy --workspace --exclude frontend --all-targets --locked -- -D warnings
cargo clippy -p frontend --target wasm32-unknown-unknown --locked -- -D warnings
trunk build --release
# The container image (a static release build; installs podman and runc): the image test runs it.
# Not fatal here: where podman cannot run at all the image test skips saying so; anywhere
# else a missing image fails that test with the reason.
STATS2_SPA_BUILT=1 scripts/image.sh || echo "[test] scripts/image.sh failed: the image test will fail or skip" >&2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# One build from scratch: incremental data would only take disk (gigabytes) and time.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
# Two cores: modest parallelism keeps pouchdb-server and Chromium instances from starving.
status=0
cargo test --workspace --exclude frontend --all-targets --locked --no-fail-fast -- --test-threads=4 2>&1 | tee "$log" || status=1
awk '/^test result: / { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed;/) p += $i; if ($(i+1) ~ /^failed;/) f += $i } }
     END { printf "Summary: %d passed, %d failed\n", p, f }' "$log"
# Licences and sources of the dependencies (deny.toml).
scripts/deny.sh || { echo "[test] scripts/deny.sh failed" >&2; status=1; }
exit "$status"
