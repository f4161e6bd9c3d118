#!/usr/bin/env bash
# Installs, idempotently, every tool the build and the tests need on a fresh Debian 12 machine
# that has only the Rust toolchain, Node.js 20 and npm (DESIGN.md 5a). Each step is skipped when
# its tool is already present at the pinned version. Trunk must never download anything at build
# time (TOOLCHAIN.md), so wasm-bindgen-cli and wasm-opt are installed here from the registries.
#
# Usage: scripts/ensure-tools.sh [--no-browser]
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
# Must equal the wasm-bindgen version in Cargo.lock (checked below).
WASM_BINDGEN_VERSION=0.2.130
BINARYEN_VERSION=132
want_browser=1
[ "${1:-}" = "--no-browser" ] && want_browser=0

log() { printf '[ensure-tools] %s\n' "$*" >&2; }

lock_wb=$(awk '/^name = "wasm-bindgen"$/{getline; print $3}' Cargo.lock 2>/dev/null | tr -d '"' || true)
if [ -n "$lock_wb" ] && [ "$lock_wb" != "$WASM_BINDGEN_VERSION" ]; then
  log "Cargo.lock has wasm-bindgen $lock_wb but this script pins $WASM_BINDGEN_VERSION; update WASM_BINDGEN_VERSION"
  exit 1
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if ! trunk --version 2>/dev/null | grep -q "$TRUNK_VERSION"; then
  log "installing trunk $TRUNK_VERSION (several minutes, once)"
  cargo install trunk --version "$TRUNK_VERSION" --locked
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  # A plain `cargo install --locked` of this version fails: its lock pins webpki-roots 1.0.11,
  # which the registry lacks. Build from the unpacked crate with that one dependency moved.
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (a few minutes, once)"
  tmp=$(mktemp -d)
  curl -sSfL "https://static.crates.io/crates/wasm-bindgen-cli/wasm-bindgen-cli-$WASM_BINDGEN_VERSION.crate" \
    | tar -xz -C "$tmp"
  (cd "$tmp/wasm-bindgen-cli-$WASM_BINDGEN_VERSION" \
    && cargo update -p webpki-roots --precise 1.0.10 \
    && cargo install --path . --locked --root "$HOME/.cargo")
  rm -rf "$tmp"
fi

# wasm-opt: Debian's binaryen 108 emits a wasm Chromium rejects; the npm package works.
tooldir="$PWD/.tools"
if ! "$tooldir/node_modules/.bin/wasm-opt" --version 2>/dev/null | grep -q "version $BINARYEN_VERSION"; then
  log "installing binaryen $BINARYEN_VERSION (npm) into .tools/"
  mkdir -p "$tooldir"
  (cd "$tooldir" && npm install --no-save --no-package-lock "binaryen@$BINARYEN_VERSION" >/dev/null)
fi
mkdir -p "$HOME/.cargo/bin"
ln -sf "$tooldir/node_modules/.bin/wasm-opt" "$HOME/.cargo/bin/wasm-opt"

# pouchdb-server for the CouchDB conformance tests, from the committed lock file.
if [ ! -x tests/couch/node_modules/.bin/pouchdb-server ] \
  || ! cmp -s tests/couch/package-lock.json tests/couch/node_modules/.package-lock.json.src 2>/dev/null; then
  log "installing pouchdb-server from tests/couch/package-lock.json"
  (cd tests/couch && npm ci --omit=optional --no-audit --no-fund >/dev/null \
    && cp package-lock.json node_modules/.package-lock.json.src)
fi

if [ "$want_browser" = 1 ] && { ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; }; then
  log "installing chromium and chromium-driver (apt)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium chromium-driver >/dev/null
fi
log "all tools present"
