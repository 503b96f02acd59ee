#!/usr/bin/env bash
# Builds the pinned Pulumi engine rotor's Pulumi e2e tests drive (the CLI, the Kubernetes provider
# plugin and, on request, the YAML language host) from the Go modules in e2e/go/pulumi*, once, into a
# cache outside the repository keyed by the hash of this script, the Go version and those modules'
# go.mod and go.sum files. A second run with the same pins builds nothing. Separate from e2e/build.sh
# (the control plane) so that neither build invalidates the other's cache.
#
#   e2e/build-pulumi.sh [cli] [kubernetes] [yaml]   build what is missing (default: cli kubernetes),
#                                                    then print the cache directory on the last line
#   ROTOR_E2E_CACHE=<dir>                            where the cache lives
#                                                    (default: ${XDG_CACHE_HOME:-~/.cache}/rotor-e2e)
#
# Layout of the printed directory <root>:
#   <root>/bin/pulumi                           the CLI: PulumiCommand.get({ root: "<root>" })
#   <root>/bin/pulumi-language-yaml             the YAML language host, found next to the CLI
#   <root>/plugins/pulumi-resource-kubernetes   the provider, deliberately NOT next to the CLI: the
#       Automation API puts <root>/bin on PATH, and a provider found on PATH is used whatever version a
#       program asks for. Install it into the plugin cache under its real version instead:
#       pulumi plugin install resource kubernetes v4.25.0 --file <root>/plugins/pulumi-resource-kubernetes
#
# Every step prints its wall time and the machine's load average (the builds share two cores with
# other work, which decides how long a cold build takes). Go's module and build caches (GOMODCACHE,
# GOCACHE) are kept, so a changed pin or a changed script rebuilds only what changed.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
modules=(pulumi pulumi-kubernetes pulumi-yaml)

# The provider's release, which its pseudo-version does not spell: the commit f47bc2d6f199 is tagged
# v4.25.0 upstream. It is the version the plugin reports and the one it is installed under.
provider_version="4.25.0"

fail() {
  echo "pulumi build: $*" >&2
  exit 1
}

if ! command -v go >/dev/null 2>&1; then
  fail "go is not on PATH. The Pulumi engine is built from Go modules: install Go 1.26.6 or newer (https://go.dev/doc/install) and run again."
fi
if ! command -v sha256sum >/dev/null 2>&1; then
  fail "sha256sum is not on PATH (it keys the build cache): install coreutils."
fi

targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(cli kubernetes)
for t in "${targets[@]}"; do
  case "$t" in
    cli | kubernetes | yaml) ;;
    *) fail "unknown target '$t': expected any of cli, kubernetes, yaml (default: cli kubernetes)" ;;
  esac
done

go_version="$(go env GOVERSION)"
key="$(
  {
    cat "$0"
    echo "$go_version"
    for m in "${modules[@]}"; do cat "$here/go/$m/go.mod" "$here/go/$m/go.sum"; done
  } | sha256sum | cut -c1-16
)"
cache_root="${ROTOR_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rotor-e2e}"
root="$cache_root/pulumi-$key"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

# No cgo (static binaries, no C toolchain), paths trimmed, symbol tables and DWARF stripped. nice, so
# that a build running beside tests slows the tests as little as it can.
go_build() {
  nice -n 10 env CGO_ENABLED=0 go build -trimpath "$@"
}

module_version() {
  (cd "$here/go/$1" && go list -m -f '{{.Version}}' "$2")
}

# Builds one binary into a staging directory and moves it into place only once it is complete, so an
# interrupted build leaves no binary that looks finished.
build_one() {
  local name="$1" dest="$2" recipe="$3"
  if [[ -x "$dest" ]]; then
    echo "pulumi build: $name: cache hit ($key, $go_version): $dest" >&2
    return
  fi
  local start staging
  start="$(now)"
  echo "pulumi build: $name: cache miss ($key, $go_version): building into $dest (load $(load))" >&2
  mkdir -p "$root" "$(dirname "$dest")"
  staging="$(mktemp -d "$root/staging.XXXXXX")"
  # shellcheck disable=SC2064 # the staging path is fixed now, on purpose
  trap "rm -rf '$staging'" EXIT
  "$recipe" "$staging"
  mv "$staging/out" "$dest"
  rm -rf "$staging"
  trap - EXIT
  echo "pulumi build: $name: done in $(elapsed "$start") (load $(load)), $(du -m "$dest" | cut -f1) MiB" >&2
}

download() {
  local module="$1" start
  start="$(now)"
  (cd "$here/go/$module" && go mod download) || fail "$module: 'go mod download' failed (is the Go module proxy reachable? GOPROXY=$(go env GOPROXY))"
  echo "pulumi build: $module: modules ready after $(elapsed "$start")" >&2
}

recipe_cli() {
  local staging="$1" version start
  download pulumi
  version="$(module_version pulumi github.com/pulumi/pulumi/pkg/v3)"
  start="$(now)"
  echo "pulumi build: cli: compiling github.com/pulumi/pulumi/pkg/v3/cmd/pulumi $version" >&2
  (cd "$here/go/pulumi" && go_build -o "$staging/out" \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
    github.com/pulumi/pulumi/pkg/v3/cmd/pulumi) ||
    fail "cli: 'go build' failed; its output is above. Run e2e/build-pulumi.sh again after fixing it."
  echo "pulumi build: cli: compiled in $(elapsed "$start")" >&2
}

# The provider module's zip lacks schema-embed.json and terraform-mapping-embed.json, which its main
# package embeds and upstream's `go generate` makes from the schema.json beside it. So: copy the
# module out of the read-only module cache, lay it out as upstream's repository does (provider/ beside
# sdk/, which provider/go.mod replaces in; the generator imports no SDK package, so sdk/ needs only the
# SDK's go.mod), run the module's own generator there, and build against the copy.
recipe_kubernetes() {
  local staging="$1" src start
  download pulumi-kubernetes
  src="$staging/src"
  mkdir -p "$src/sdk" "$src/wrapper"
  cp -r "$(cd "$here/go/pulumi-kubernetes" && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi-kubernetes/provider/v4)" "$src/provider"
  chmod -R u+w "$src/provider"
  cp "$(cd "$here/go/pulumi-kubernetes" && go list -m -f '{{.GoMod}}' github.com/pulumi/pulumi-kubernetes/sdk/v4)" "$src/sdk/go.mod"
  start="$(now)"
  echo "pulumi build: kubernetes: generating schema-embed.json (go generate, VERSION=$provider_version)" >&2
  (cd "$src/provider" && VERSION="$provider_version" nice -n 10 go generate ./cmd/pulumi-resource-kubernetes) ||
    fail "kubernetes: 'go generate' failed; its output is above."
  [[ -s "$src/provider/cmd/pulumi-resource-kubernetes/schema-embed.json" ]] ||
    fail "kubernetes: 'go generate' wrote no schema-embed.json"
  echo "pulumi build: kubernetes: generated in $(elapsed "$start")" >&2
  cp "$here/go/pulumi-kubernetes/go.mod" "$here/go/pulumi-kubernetes/go.sum" "$src/wrapper/"
  (cd "$src/wrapper" && go mod edit -replace "github.com/pulumi/pulumi-kubernetes/provider/v4=../provider")
  start="$(now)"
  echo "pulumi build: kubernetes: compiling github.com/pulumi/pulumi-kubernetes/provider/v4/cmd/pulumi-resource-kubernetes $provider_version" >&2
  (cd "$src/wrapper" && go_build -o "$staging/out" \
    -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$provider_version" \
    github.com/pulumi/pulumi-kubernetes/provider/v4/cmd/pulumi-resource-kubernetes) ||
    fail "kubernetes: 'go build' failed; its output is above. Run e2e/build-pulumi.sh again after fixing it."
  echo "pulumi build: kubernetes: compiled in $(elapsed "$start")" >&2
}

recipe_yaml() {
  local staging="$1" version start
  download pulumi-yaml
  version="$(module_version pulumi-yaml github.com/pulumi/pulumi-yaml)"
  start="$(now)"
  echo "pulumi build: yaml: compiling github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml $version" >&2
  (cd "$here/go/pulumi-yaml" && go_build -o "$staging/out" \
    -ldflags "-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=$version" \
    github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml) ||
    fail "yaml: 'go build' failed; its output is above. Run e2e/build-pulumi.sh again after fixing it."
  echo "pulumi build: yaml: compiled in $(elapsed "$start")" >&2
}

for t in "${targets[@]}"; do
  case "$t" in
    cli) build_one cli "$root/bin/pulumi" recipe_cli ;;
    kubernetes) build_one kubernetes "$root/plugins/pulumi-resource-kubernetes" recipe_kubernetes ;;
    yaml) build_one yaml "$root/bin/pulumi-language-yaml" recipe_yaml ;;
  esac
done
ls -l "$root/bin" "$root/plugins" 2>/dev/null >&2 || true
echo "$root"
