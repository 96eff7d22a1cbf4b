#!/usr/bin/env bash
# Renders infra/coturn/turnserver.conf (a template) to OUT_FILE.
#
#   TURN_REALM=turn.example.fr TURN_SECRET=$(openssl rand -hex 32) \
#   LISTENING_IP=203.0.113.10 RELAY_IP=203.0.113.10 \
#   TLS_CERT=/etc/coturn/tls/fullchain.pem TLS_KEY=/etc/coturn/tls/privkey.pem \
#     bash infra/coturn/render.sh /etc/turnserver.conf
#
# Inputs (environment); lists are space-separated, one config line each:
#   TURN_REALM       required: realm (a host name)
#   TURN_SECRET      required: REST API secret, >= 43 characters of
#                    [A-Za-z0-9_-] (openssl rand -hex 32); signaling's TURN_SECRET
#   LISTENING_IP     required: list of addresses to listen on
#   RELAY_IP         required: list of addresses relayed traffic leaves from
#   EXTERNAL_IP      list, optional: public address, or public/private, when
#                    coturn is behind 1:1 NAT
#   ALLOWED_PEER_IP  list, optional: exceptions to the denied peer ranges
#   TLS_CERT, TLS_KEY  required: absolute paths (PEM) for TURN over TLS
#   TURN_PORT (3478), TURNS_PORT (5349), MIN_PORT (49152), MAX_PORT (65535)
#   USER_QUOTA (12), TOTAL_QUOTA (1200), MAX_BPS (1250000)
#   TURN_LOG_FILE    (/dev/null) a path, or "stdout" / "syslog"
#
# The output is written mode 0640 (it holds the secret); when run as root
# and the "turnserver" group exists (Debian's coturn package), it is given to
# that group so the service can read it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
die() { echo "coturn/render.sh: $*" >&2; exit 2; }

[ $# -eq 1 ] || die "usage: render.sh OUT_FILE"
out_file="$1"

: "${TURN_REALM:?TURN_REALM is required}"
: "${TURN_SECRET:?TURN_SECRET is required}"
: "${LISTENING_IP:?LISTENING_IP is required}"
: "${RELAY_IP:?RELAY_IP is required}"
: "${TLS_CERT:?TLS_CERT is required}"
: "${TLS_KEY:?TLS_KEY is required}"
EXTERNAL_IP="${EXTERNAL_IP:-}"
ALLOWED_PEER_IP="${ALLOWED_PEER_IP:-}"
TURN_PORT="${TURN_PORT:-3478}"
TURNS_PORT="${TURNS_PORT:-5349}"
MIN_PORT="${MIN_PORT:-49152}"
MAX_PORT="${MAX_PORT:-65535}"
USER_QUOTA="${USER_QUOTA:-12}"
TOTAL_QUOTA="${TOTAL_QUOTA:-1200}"
MAX_BPS="${MAX_BPS:-1250000}"
TURN_LOG_FILE="${TURN_LOG_FILE:-/dev/null}"

# Values land in "key=value" lines: refuse anything but plain characters.
name_re='^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$'
ip_re='^[0-9A-Fa-f:.]+$'
ext_re='^[0-9A-Fa-f:.]+(/[0-9A-Fa-f:.]+)?$'
path_re='^/[A-Za-z0-9._/+-]*$'
num_re='^[0-9]+$'
[[ "$TURN_REALM" =~ $name_re ]] || die "TURN_REALM: not a host name: $TURN_REALM"
[[ "$TURN_SECRET" =~ ^[A-Za-z0-9_-]{43,}$ ]] ||
  die "TURN_SECRET: needs >= 43 characters of [A-Za-z0-9_-] (openssl rand -hex 32)"
case "$TURN_SECRET" in *REPLACE*) die "TURN_SECRET: still the example placeholder" ;; esac
for a in $LISTENING_IP $RELAY_IP $ALLOWED_PEER_IP; do
  [[ "$a" =~ $ip_re ]] || die "not an IP address: $a"
done
for a in $EXTERNAL_IP; do
  [[ "$a" =~ $ext_re ]] || die "EXTERNAL_IP: not ip or public/private: $a"
done
for v in TLS_CERT TLS_KEY; do
  [[ "${!v}" =~ $path_re ]] || die "$v: not an absolute path of plain characters: ${!v}"
done
[[ "$TURN_LOG_FILE" =~ $path_re || "$TURN_LOG_FILE" = stdout || "$TURN_LOG_FILE" = syslog ]] ||
  die "TURN_LOG_FILE: an absolute path, stdout or syslog"
for v in TURN_PORT TURNS_PORT MIN_PORT MAX_PORT USER_QUOTA TOTAL_QUOTA MAX_BPS; do
  [[ "${!v}" =~ $num_re ]] || die "$v: not a number: ${!v}"
done
for v in TURN_PORT TURNS_PORT MIN_PORT MAX_PORT; do
  [ "${!v}" -ge 1 ] && [ "${!v}" -le 65535 ] || die "$v: not a port: ${!v}"
done
[ "$MIN_PORT" -le "$MAX_PORT" ] || die "MIN_PORT > MAX_PORT"

export TURN_REALM TURN_SECRET TURN_PORT TURNS_PORT MIN_PORT MAX_PORT USER_QUOTA TOTAL_QUOTA MAX_BPS \
  TURN_LOG_FILE TLS_CERT TLS_KEY

tmp="$out_file.tmp.$$"
trap 'rm -f "$tmp"' EXIT
(umask 027 && : >"$tmp")
# A line naming a list placeholder is repeated once per element (dropped when
# the list is empty); envsubst then fills the scalar placeholders.
awk -v listening="$LISTENING_IP" -v relay="$RELAY_IP" -v external="$EXTERNAL_IP" \
  -v allowed="$ALLOWED_PEER_IP" '
  function expand(name, list,   n, a, i, line) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) { line = $0; gsub("\\$\\{" name "\\}", a[i], line); print line }
  }
  index($0, "${LISTENING_IP}") { expand("LISTENING_IP", listening); next }
  index($0, "${RELAY_IP}") { expand("RELAY_IP", relay); next }
  index($0, "${EXTERNAL_IP}") && !/^#/ { expand("EXTERNAL_IP", external); next }
  index($0, "${ALLOWED_PEER_IP}") && !/^#/ { expand("ALLOWED_PEER_IP", allowed); next }
  { print }
' "$here/turnserver.conf" |
  envsubst '${TURN_REALM} ${TURN_SECRET} ${TURN_PORT} ${TURNS_PORT} ${MIN_PORT} ${MAX_PORT} ${USER_QUOTA} ${TOTAL_QUOTA} ${MAX_BPS} ${TURN_LOG_FILE} ${TLS_CERT} ${TLS_KEY}' \
    >"$tmp"
if grep -n '^[^#].*\${[A-Z_]*}' "$tmp" >&2; then
  die "placeholders left unfilled (above)"
fi
if [ "$(id -u)" -eq 0 ] && getent group turnserver >/dev/null 2>&1; then
  chgrp turnserver "$tmp" 2>/dev/null || true
fi
mv "$tmp" "$out_file"
trap - EXIT
echo "$out_file"
