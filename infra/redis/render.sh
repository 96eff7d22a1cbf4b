#!/usr/bin/env bash
# Renders infra/redis/redis.conf (a template) to OUT_FILE.
#
#   REDIS_PASSWORD=$(openssl rand -hex 32) bash infra/redis/render.sh /etc/redis/redis.conf
#
# Inputs (environment):
#   REDIS_PASSWORD   required: >= 32 characters of [A-Za-z0-9_-]
#   REDIS_BIND       listen addresses, space-separated ("127.0.0.1 -::1")
#   REDIS_PORT       (6379)
#   REDIS_DIR        (/var/lib/redis)
#   REDIS_MAXMEMORY  (256mb)
#
# The output is written mode 0640; as root, and when the "redis" group exists
# (Debian's redis-server package), it is given to that group.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
die() { echo "redis/render.sh: $*" >&2; exit 2; }

[ $# -eq 1 ] || die "usage: render.sh OUT_FILE"
out_file="$1"

: "${REDIS_PASSWORD:?REDIS_PASSWORD is required}"
REDIS_BIND="${REDIS_BIND:-127.0.0.1 -::1}"
REDIS_PORT="${REDIS_PORT:-6379}"
REDIS_DIR="${REDIS_DIR:-/var/lib/redis}"
REDIS_MAXMEMORY="${REDIS_MAXMEMORY:-256mb}"

[[ "$REDIS_PASSWORD" =~ ^[A-Za-z0-9_-]{32,}$ ]] ||
  die "REDIS_PASSWORD: needs >= 32 characters of [A-Za-z0-9_-] (openssl rand -hex 32)"
case "$REDIS_PASSWORD" in *REPLACE*) die "REDIS_PASSWORD: still the example placeholder" ;; esac
for a in $REDIS_BIND; do
  [[ "$a" =~ ^-?[0-9A-Fa-f:.]+$ ]] || die "REDIS_BIND: not an IP address: $a"
done
[[ "$REDIS_PORT" =~ ^[0-9]+$ ]] && [ "$REDIS_PORT" -ge 1 ] && [ "$REDIS_PORT" -le 65535 ] ||
  die "REDIS_PORT: not a port: $REDIS_PORT"
[[ "$REDIS_DIR" =~ ^/[A-Za-z0-9._/+-]*$ ]] || die "REDIS_DIR: not an absolute path of plain characters"
[[ "$REDIS_MAXMEMORY" =~ ^[0-9]+(kb|mb|gb)?$ ]] || die "REDIS_MAXMEMORY: like 256mb"

export REDIS_PASSWORD REDIS_BIND REDIS_PORT REDIS_DIR REDIS_MAXMEMORY
tmp="$out_file.tmp.$$"
trap 'rm -f "$tmp"' EXIT
(umask 027 && : >"$tmp")
envsubst '${REDIS_PASSWORD} ${REDIS_BIND} ${REDIS_PORT} ${REDIS_DIR} ${REDIS_MAXMEMORY}' \
  <"$here/redis.conf" >"$tmp"
if grep -n '^[^#].*\${[A-Z_]*}' "$tmp" >&2; then
  die "placeholders left unfilled (above)"
fi
if [ "$(id -u)" -eq 0 ] && getent group redis >/dev/null 2>&1; then
  chgrp redis "$tmp" 2>/dev/null || true
fi
mv "$tmp" "$out_file"
trap - EXIT
echo "$out_file"
