#!/usr/bin/env bash
# Creates the Python environment rotor's Python e2e program runs in (e2e/python/): a venv with the packages pinned
# in e2e/python/requirements.txt, installed with --require-hashes from PyPI, once, into a cache outside the
# repository keyed by the hash of this script, requirements.txt and the Python version. A second run with the same
# pins and the same Python creates nothing.
#
#   e2e/build-python.sh      create the venv if it is missing, then print its directory on the last line
#   ROTOR_E2E_CACHE=<dir>    where the cache lives (default: ${XDG_CACHE_HOME:-~/.cache}/rotor-e2e)
#   ROTOR_E2E_PYTHON3=<exe>  the Python to build it from (default: python3 on PATH)
#
# The printed directory <venv> holds <venv>/bin/python, which imports pulumi and pulumi_kubernetes.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
requirements="$here/python/requirements.txt"
python="${ROTOR_E2E_PYTHON3:-python3}"

fail() {
  echo "python build: $*" >&2
  exit 1
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }

command -v "$python" >/dev/null 2>&1 ||
  fail "$python is not on PATH. The Python e2e program needs CPython 3.11 or newer (https://www.python.org/downloads/); set ROTOR_E2E_PYTHON3 to use another interpreter."
command -v sha256sum >/dev/null 2>&1 || fail "sha256sum is not on PATH (it keys the cache): install coreutils."
version="$("$python" -c 'import sys; print(".".join(map(str, sys.version_info[:3])))')" ||
  fail "$python does not run: $("$python" --version 2>&1 || true)"
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' ||
  fail "$python is Python $version; the Python e2e program needs 3.11 or newer (set ROTOR_E2E_PYTHON3 to a newer one)."
"$python" -c 'import venv, ensurepip' 2>/dev/null ||
  fail "Python $version has no venv or ensurepip module: install it (Debian: apt-get install python3-venv) and run again."

key="$({
  cat "$0" "$requirements"
  echo "$version"
} | sha256sum | cut -c1-16)"
cache_root="${ROTOR_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rotor-e2e}"
venv="$cache_root/python-$key"

# A venv is marked complete only once every package is installed, so an interrupted build is not taken for one.
if [[ -f "$venv/.complete" ]]; then
  echo "python build: cache hit ($key, Python $version): $venv" >&2
  echo "$venv"
  exit 0
fi

start="$(now)"
echo "python build: cache miss ($key, Python $version): creating $venv" >&2
mkdir -p "$cache_root"
# The venv is built where it will live (its scripts name their own path) and removed again if anything fails.
rm -rf "$venv"
# shellcheck disable=SC2064 # the venv path is fixed now, on purpose
trap "rm -rf '$venv'" EXIT
"$python" -m venv "$venv" || fail "'$python -m venv $venv' failed; its output is above."
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
  --require-hashes --only-binary=:all: -r "$requirements" ||
  fail "pip could not install $requirements; its output is above. Is PyPI reachable? A hash mismatch means requirements.txt lists no wheel for this platform: add it to e2e/python/lock.py and run 'python3 e2e/python/lock.py'."
"$venv/bin/python" -c 'import pulumi, pulumi_kubernetes' ||
  fail "the venv was built but cannot import pulumi and pulumi_kubernetes; its output is above."
touch "$venv/.complete"
trap - EXIT
echo "python build: done in $(elapsed "$start"), $(du -sm "$venv" | cut -f1) MiB" >&2
echo "$venv"
