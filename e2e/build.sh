#!/usr/bin/env bash
# Builds the pinned control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok)
# from the Go modules in e2e/go/*, once, into a cache outside the repository keyed by the hash of those
# modules' go.mod and go.sum files and of this script. A second run with the same pins builds nothing.
#
#   e2e/build.sh            build if needed, then print the binary directory on the last line
#   ROTOR_E2E_CACHE=<dir>   where the cache lives (default: ${XDG_CACHE_HOME:-~/.cache}/rotor-e2e)
#
# Every step prints its wall time. Go's own module and build caches (GOMODCACHE, GOCACHE) are kept
# too, so even a changed pin rebuilds only what changed.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
modules=(kubernetes etcd kwok)

fail() {
  echo "e2e build: $*" >&2
  exit 1
}

if ! command -v go >/dev/null 2>&1; then
  fail "go is not on PATH. The control plane is built from Go modules: install Go 1.26 or newer (https://go.dev/doc/install, or 'apt-get install golang-go' where Debian's is new enough) and run again."
fi
if ! command -v sha256sum >/dev/null 2>&1; then
  fail "sha256sum is not on PATH (it keys the build cache): install coreutils."
fi

go_version="$(go env GOVERSION)"
key="$(
  {
    cat "$0"
    echo "$go_version"
    for m in "${modules[@]}"; do cat "$here/go/$m/go.mod" "$here/go/$m/go.sum"; done
  } | sha256sum | cut -c1-16
)"
cache_root="${ROTOR_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rotor-e2e}"
bin="$cache_root/$key/bin"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }

# Flags that make the build smaller and faster without changing behaviour: no cgo (static binaries,
# no C toolchain), paths trimmed, symbol tables and DWARF stripped (nothing here is debugged).
flags=(-trimpath)
k8s_version="v1.35.4"
k8s_ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  k8s_ldflags+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=35"
  k8s_ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=2026-01-01T00:00:00Z"
done

build_module() {
  local module="$1" out="$2"
  shift 2
  local start
  start="$(now)"
  echo "e2e build: $module: downloading modules" >&2
  (cd "$here/go/$module" && go mod download) || fail "$module: 'go mod download' failed (is the Go module proxy reachable? GOPROXY=$(go env GOPROXY))"
  echo "e2e build: $module: modules ready after $(elapsed "$start")" >&2
  echo "e2e build: $module: compiling $*" >&2
  (cd "$here/go/$module" && CGO_ENABLED=0 go build "${flags[@]}" -o "$out" "$@") ||
    fail "$module: 'go build' failed; its output is above. Run e2e/build.sh again after fixing it."
  echo "e2e build: $module: done in $(elapsed "$start")" >&2
}

if [[ -x "$bin/kube-apiserver" && -x "$bin/kube-controller-manager" && -x "$bin/kube-scheduler" && -x "$bin/etcd" && -x "$bin/kwok" ]]; then
  echo "e2e build: cache hit ($key, $go_version): nothing to build" >&2
  echo "$bin"
  exit 0
fi

total="$(now)"
echo "e2e build: cache miss ($key, $go_version): building into $bin" >&2
mkdir -p "$cache_root/$key"
staging="$(mktemp -d "$cache_root/$key/staging.XXXXXX")"
trap 'rm -rf "$staging"' EXIT

# The three Kubernetes commands share most of their packages: one `go build` compiles them once.
build_module kubernetes "$staging/" -ldflags "$k8s_ldflags" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler
build_module etcd "$staging/etcd" -ldflags "-s -w" go.etcd.io/etcd/server/v3
build_module kwok "$staging/" -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=0.8.0" sigs.k8s.io/kwok/cmd/kwok

rm -rf "$bin"
mv "$staging" "$bin"
trap - EXIT
echo "e2e build: all binaries built in $(elapsed "$total")" >&2
ls -l "$bin" >&2
echo "$bin"
