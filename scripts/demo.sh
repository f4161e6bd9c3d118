#!/usr/bin/env bash
# Starts the demo: builds the single-page app and the server, then serves a seeded embedded
# store at http://127.0.0.1:8001/stats/ (Ctrl-C stops it). Extra arguments go to `stats2 demo`,
# e.g. `scripts/demo.sh --port 9000`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
scripts/ensure-tools.sh demo
trunk build --release
cargo build --release --locked -p server
exec target/release/stats2 demo "$@"
