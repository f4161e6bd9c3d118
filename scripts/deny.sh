#!/usr/bin/env bash
# Licences, sources and duplicate versions of the dependency tree, checked by cargo-deny
# against deny.toml. Installs cargo-deny from crates.io when it is missing (about 8 minutes,
# once). Exits non-zero when a dependency has a licence not allowed there, comes from
# another registry or a git repository, or is a wildcard version.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
DENY_VERSION=0.20.2
if ! cargo deny --version 2>/dev/null | grep -qF "$DENY_VERSION"; then
  echo "[deny] installing cargo-deny $DENY_VERSION (about 8 minutes, once)" >&2
  cargo install cargo-deny --version "$DENY_VERSION" --locked
fi
# Offline: the graph comes from Cargo.lock and the local registry cache. The advisory
# database lives on GitHub, which the build machines cannot reach, so advisories are left
# to `cargo deny check advisories` on a machine that can.
cargo fetch --locked >/dev/null
cargo deny --offline --log-level error check licenses bans sources
