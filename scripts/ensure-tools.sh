#!/usr/bin/env bash
# Installs, idempotently, what building and testing Stats2 need on a fresh Debian 12 machine
# that has only the Rust toolchain, Node.js 20 and npm (docs/toolchain.md). Every step is skipped
# when its tool is already there at the pinned version. Trunk never downloads anything at
# build time (Trunk.toml: offline), so wasm-bindgen-cli and wasm-opt come from here.
#
# Usage: scripts/ensure-tools.sh demo   # what `trunk build` and the server need
#        scripts/ensure-tools.sh test   # the above, plus pouchdb-server, Chromium, chromedriver,
#                                       # poppler-utils, kubernetes-validate (podman and runc: scripts/image.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-test}

TRUNK_VERSION=0.21.14
WASM_BINDGEN_VERSION=0.2.130 # must equal wasm-bindgen in Cargo.lock (checked below)
BINARYEN_VERSION=132          # npm's binaryen; Debian's 108 emits a wasm Chromium rejects
AXE_VERSION=4.14.1            # axe-core, which the browser tests run over every view

log() { printf '[ensure-tools] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
export PATH="$HOME/.cargo/bin:$PATH"

lock_wb=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p')
if [ "$lock_wb" != "$WASM_BINDGEN_VERSION" ]; then
  log "Cargo.lock has wasm-bindgen $lock_wb but this script pins $WASM_BINDGEN_VERSION: update both together"
  exit 1
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! trunk --version 2>/dev/null | grep -qF "$TRUNK_VERSION"; then
  log "installing trunk $TRUNK_VERSION (about 7 minutes, once)"
  cargo install trunk --version "$TRUNK_VERSION" --locked
fi

if ! wasm-bindgen --version 2>/dev/null | grep -qF "$WASM_BINDGEN_VERSION"; then
  # `cargo install --locked` of this version fails: its lock pins webpki-roots 1.0.11, which
  # the registry lacks. Build the unpacked crate with that one dependency moved back.
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 2 minutes, once)"
  tmp=$(mktemp -d)
  curl -sSfL "https://static.crates.io/crates/wasm-bindgen-cli/wasm-bindgen-cli-$WASM_BINDGEN_VERSION.crate" | tar -xz -C "$tmp"
  (cd "$tmp/wasm-bindgen-cli-$WASM_BINDGEN_VERSION" \
    && cargo update -q -p webpki-roots --precise 1.0.10 \
    && cargo install --path . --locked)
  rm -rf "$tmp"
fi

tools="$PWD/.tools"
if ! "$tools/node_modules/.bin/wasm-opt" --version 2>/dev/null | grep -qF "version $BINARYEN_VERSION"; then
  log "installing binaryen $BINARYEN_VERSION (npm) into .tools/"
  mkdir -p "$tools"
  (cd "$tools" && npm install --no-save --no-package-lock --no-audit --no-fund "binaryen@$BINARYEN_VERSION" "axe-core@$AXE_VERSION" >/dev/null)
fi
if [ "$mode" = test ] && ! grep -qs "\"version\": \"$AXE_VERSION\"" "$tools/node_modules/axe-core/package.json"; then
  log "installing axe-core $AXE_VERSION (npm) into .tools/"
  mkdir -p "$tools"
  # Beside binaryen: --no-save keeps one package from removing the other.
  (cd "$tools" && npm install --no-save --no-package-lock --no-audit --no-fund "binaryen@$BINARYEN_VERSION" "axe-core@$AXE_VERSION" >/dev/null)
fi
# Trunk looks for wasm-opt on PATH.
if [ "$(readlink -f "$HOME/.cargo/bin/wasm-opt" 2>/dev/null)" != "$(readlink -f "$tools/node_modules/.bin/wasm-opt")" ]; then
  ln -sf "$tools/node_modules/.bin/wasm-opt" "$HOME/.cargo/bin/wasm-opt"
fi

# Crates for every target, so the offline Trunk build finds them.
cargo fetch --locked -q

[ "$mode" = demo ] && { log "ready for the demo"; exit 0; }

# pouchdb-server, from the committed lock file; reinstalled when the lock changes.
stamp=tests/couch/node_modules/.stats2-lock
if ! cmp -s tests/couch/package-lock.json "$stamp" 2>/dev/null; then
  log "installing pouchdb-server from tests/couch/package-lock.json"
  (cd tests/couch && npm ci --omit=optional --no-audit --no-fund >/dev/null)
  cp tests/couch/package-lock.json "$stamp"
fi
# npm 11 skips install scripts unless approved, so the patch runs here (idempotent).
node tests/couch/patch-express-pouchdb.js

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  log "installing chromium and chromium-driver (apt, about a minute)"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq chromium chromium-driver >/dev/null
fi
# pdftotext reads the chart PDFs back in the tests (text must stay text).
if ! command -v pdftotext >/dev/null; then
  log "installing poppler-utils (apt, for pdftotext)"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq poppler-utils >/dev/null
fi
# The Kubernetes manifests are validated offline: the wheel carries the schemas.
KUBERNETES_VALIDATE_VERSION=1.37.0
if ! python3 -m kubernetes_validate --version 2>/dev/null | grep -qxF "$KUBERNETES_VALIDATE_VERSION"; then
  log "installing kubernetes-validate $KUBERNETES_VALIDATE_VERSION (pip, about 100 MB of schemas)"
  python3 -m pip install -q --disable-pip-version-check "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
fi

log "ready for the tests"
