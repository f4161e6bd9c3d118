#!/usr/bin/env bash
# The stats2 OCI image, with podman (no Docker daemon): a static `stats2`, the built
# single-page app and Debian's CA roots on an empty base, running as uid 1001.
#
# Usage: scripts/image.sh              build stats2:latest and stats2:<version>
#        scripts/image.sh run ARGS...  `podman run ARGS...` with the flags this machine needs
#        scripts/image.sh can-run      exit 0 when podman can run a container here
#
# The podman flags live here only: Debian's default runtime crun fails on hybrid cgroups
# ("cgroups in hybrid mode not supported") and podman's default rlimits exceed what the
# sandbox grants ("setrlimit RLIMIT_NOFILE: Operation not permitted"), so containers run
# with runc and limits no higher than this shell's own.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[image] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
export PATH="$HOME/.cargo/bin:$PATH"

run_flags() {
  # Open files: this shell's own limit. Processes: 4096 is plenty for one stats2 (a few
  # dozen threads); here anything from 65536 up was refused although `ulimit -u` says more.
  local nofile nproc=4096
  nofile=$(ulimit -n)
  [ "$nofile" = unlimited ] && nofile=65536
  printf '%s\n' --runtime runc run --ulimit "nofile=$nofile:$nofile" --ulimit "nproc=$nproc:$nproc"
}

ensure_podman() {
  if ! command -v podman >/dev/null || ! command -v runc >/dev/null; then
    log "installing podman and runc (apt, about a minute)"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -qq
    as_root apt-get install -y -qq podman runc >/dev/null
  fi
  if [ ! -s /etc/ssl/certs/ca-certificates.crt ]; then
    as_root apt-get install -y -qq ca-certificates >/dev/null
  fi
}

case "${1:-build}" in
  run)
    shift
    mapfile -t flags < <(run_flags)
    exec podman "${flags[@]}" "$@"
    ;;
  can-run)
    command -v podman >/dev/null || { echo "podman is not installed"; exit 1; }
    mapfile -t flags < <(run_flags)
    # An image of one empty layer is enough to ask the runtime; nothing is pulled.
    tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
    printf 'FROM scratch\nCOPY probe /probe\n' >"$tmp/Containerfile"; : >"$tmp/probe"
    podman build -q -t stats2-probe:latest "$tmp" >/dev/null 2>&1 || { echo "podman cannot build here"; exit 1; }
    # No program to start in an empty image: "no such file" from runc means the container
    # itself was created, which is what needs checking (cgroups, rlimits, namespaces).
    out=$(podman "${flags[@]}" --rm stats2-probe:latest /nothing 2>&1 || true)
    podman rmi -f stats2-probe:latest >/dev/null 2>&1 || true
    if grep -qiE 'no such file|not found' <<<"$out"; then exit 0; fi
    echo "podman cannot run containers here: $out"; exit 1
    ;;
  build) ;;
  *) echo "usage: $0 [build | run ARGS... | can-run]" >&2; exit 2 ;;
esac

ensure_podman
scripts/ensure-tools.sh demo
# scripts/test.sh has just built the SPA and says so; otherwise build it (incremental).
[ -n "${STATS2_SPA_BUILT:-}" ] || trunk build --release

log "building a static stats2 (release, glibc linked statically)"
# The explicit --target keeps +crt-static away from build scripts and proc macros. The linker
# warns that getaddrinfo needs glibc's NSS modules at run time: without them (none in the
# image) it still reads /etc/hosts and /etc/resolv.conf, which is all a container needs.
RUSTFLAGS='-C target-feature=+crt-static' \
  cargo build --release --locked --target x86_64-unknown-linux-gnu -p server --bin stats2
bin=target/x86_64-unknown-linux-gnu/release/stats2
[ -x "$bin" ] || { log "the static build did not produce $bin"; exit 1; }
version=$("$bin" --version | awk '{print $2}')

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
root="$ctx/root"
mkdir -p "$root/usr/local/bin" "$root/app" "$root/etc/ssl/certs" "$root/tmp" "$ctx/data"
strip -o "$root/usr/local/bin/stats2" "$bin"
cp -r target/dist "$root/app/dist"
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
printf 'root:x:0:0:root:/:/sbin/nologin\nstats2:x:1001:1001:stats2:/data:/sbin/nologin\n' >"$root/etc/passwd"
printf 'root:x:0:\nstats2:x:1001:\n' >"$root/etc/group"
chmod 1777 "$root/tmp"
# Modes and owners are part of the digest: make them independent of this machine's umask.
find "$root" "$ctx/data" -type d -exec chmod u=rwx,go=rx {} + ; chmod 1777 "$root/tmp"
find "$root" -type f -exec chmod u=rw,go=r {} + ; chmod 0755 "$root/usr/local/bin/stats2"
cp deploy/Containerfile "$ctx/Containerfile"

log "podman build stats2:$version"
# --timestamp 0: the same staged files give the same digest (created time and file times fixed).
# --format docker: the OCI image format has no HEALTHCHECK.
podman build -q --timestamp 0 --format docker -t stats2:latest -t "stats2:$version" "$ctx" >/dev/null
size=$(podman image inspect stats2:latest --format '{{.Size}}')
digest=$(podman image inspect stats2:latest --format '{{.Digest}}')
log "stats2:latest = stats2:$version, $((size / 1024 / 1024)) MB, id $(podman image inspect stats2:latest --format '{{.Id}}' | cut -c1-12), digest $digest"
