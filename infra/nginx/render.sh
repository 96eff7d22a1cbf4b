#!/usr/bin/env bash
# Renders infra/nginx/confidentiel.conf (a template) into OUT_DIR.
#
#   SERVER_NAME=meet.example.fr TLS_CERT=/etc/ssl/... TLS_KEY=/etc/ssl/... \
#     bash infra/nginx/render.sh OUT_DIR                # OUT_DIR/confidentiel.conf
#   ... bash infra/nginx/render.sh --standalone OUT_DIR # also OUT_DIR/nginx.conf
#
# Inputs (environment):
#   SERVER_NAME   required: public host name (letters, digits, dots, dashes)
#   TLS_CERT      required: certificate chain, absolute path (PEM)
#   TLS_KEY       required: its private key, absolute path (PEM)
#   UPSTREAM      signaling's host:port                  (127.0.0.1:8080)
#   SIGNALING_UPSTREAMS
#                 several signaling nodes, space-separated host:port list
#                 ("127.0.0.1:8081 127.0.0.1:8082"), instead of UPSTREAM:
#                 round robin over them, a node that failed left out for
#                 UPSTREAM_FAIL_TIMEOUT, a request a node did not take sent to the
#                 next (see the #@cluster blocks of confidentiel.conf). Unset:
#                 one upstream, output unchanged.
#   UPSTREAM_MAX_FAILS     with SIGNALING_UPSTREAMS: failed attempts that take
#                          a node out (1)
#   UPSTREAM_FAIL_TIMEOUT  with SIGNALING_UPSTREAMS: for how long, and the
#                          window those attempts are counted in (2s)
#   LISTEN_HTTPS  HTTPS listen addresses, space-separated ("443 [::]:443")
#   LISTEN_HTTP   HTTP listen addresses, space-separated  ("80 [::]:80")
#   HTTPS_ORIGIN  where HTTP redirects to (https://SERVER_NAME, plus
#                 :port when the first HTTPS port is not 443)
#   ACME_WEBROOT  ACME http-01 challenge directory        (/var/www/acme)
#   ERROR_LOG     nginx error log of this site (/var/log/nginx/confidentiel-error.log;
#                 OUT_DIR/error.log with --standalone)
#   CATCH_ALL     1: add default servers that refuse other names (1); set 0
#                 when clients connect by IP address (no SNI is sent then).
#
# --standalone also writes OUT_DIR/nginx.conf, a complete main configuration
# whose pid file, logs and temporary directories are all under OUT_DIR, for
# running nginx outside /etc/nginx (tests):
#   nginx -e stderr -p OUT_DIR -c OUT_DIR/nginx.conf -t
#   nginx -e stderr -p OUT_DIR -c OUT_DIR/nginx.conf -g 'daemon off;'
# Started as root, nginx's workers run as "nobody": OUT_DIR is made
# traversable (0755) for them; the key is read by the master process only.
#
# Prints the path of the configuration to give nginx (-c) on stdout.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
die() { echo "nginx/render.sh: $*" >&2; exit 2; }

standalone=0
if [ "${1:-}" = "--standalone" ]; then
  standalone=1
  shift
fi
[ $# -eq 1 ] || die "usage: render.sh [--standalone] OUT_DIR"
mkdir -p "$1"
out="$(cd "$1" && pwd)"

: "${SERVER_NAME:?SERVER_NAME is required}"
: "${TLS_CERT:?TLS_CERT is required}"
: "${TLS_KEY:?TLS_KEY is required}"
if [ -n "${SIGNALING_UPSTREAMS:-}" ] && [ -n "${UPSTREAM:-}" ]; then
  die "set UPSTREAM (one signaling node) or SIGNALING_UPSTREAMS (several), not both"
fi
cluster=0
[ -n "${SIGNALING_UPSTREAMS:-}" ] && cluster=1
UPSTREAM="${UPSTREAM:-127.0.0.1:8080}"
UPSTREAM_MAX_FAILS="${UPSTREAM_MAX_FAILS:-1}"
UPSTREAM_FAIL_TIMEOUT="${UPSTREAM_FAIL_TIMEOUT:-2s}"
LISTEN_HTTPS="${LISTEN_HTTPS:-443 [::]:443}"
LISTEN_HTTP="${LISTEN_HTTP:-80 [::]:80}"
ACME_WEBROOT="${ACME_WEBROOT:-/var/www/acme}"
CATCH_ALL="${CATCH_ALL:-1}"
if [ "$standalone" -eq 1 ]; then
  ERROR_LOG="${ERROR_LOG:-$out/error.log}"
else
  ERROR_LOG="${ERROR_LOG:-/var/log/nginx/confidentiel-error.log}"
fi

# Every value lands inside nginx syntax: refuse anything that could end a
# directive or open a block (;, {, }, quotes, spaces, $).
name_re='^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$'
path_re='^/[A-Za-z0-9._/+-]*$'
listen_re='^([A-Za-z0-9.-]+:|\[[0-9A-Fa-f:.]+\]:)?[0-9]{1,5}$'
[[ "$SERVER_NAME" =~ $name_re ]] || die "SERVER_NAME: not a host name: $SERVER_NAME"
for v in TLS_CERT TLS_KEY ACME_WEBROOT ERROR_LOG; do
  [[ "${!v}" =~ $path_re ]] || die "$v: not an absolute path of plain characters: ${!v}"
done
[[ "$UPSTREAM" =~ $listen_re ]] || die "UPSTREAM: not host:port: $UPSTREAM"
if [ "$cluster" -eq 1 ]; then
  upstream_re='^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):[0-9]{1,5}$'
  seen=" "
  for u in $SIGNALING_UPSTREAMS; do
    [[ "$u" =~ $upstream_re ]] || die "SIGNALING_UPSTREAMS: not host:port: $u"
    [[ "$seen" != *" $u "* ]] || die "SIGNALING_UPSTREAMS: $u listed twice"
    seen="$seen$u "
  done
  [[ "$UPSTREAM_MAX_FAILS" =~ ^[0-9]{1,3}$ ]] || die "UPSTREAM_MAX_FAILS: not a number: $UPSTREAM_MAX_FAILS"
  # nginx takes whole seconds here (no ms).
  [[ "$UPSTREAM_FAIL_TIMEOUT" =~ ^[0-9]{1,4}[sm]?$ ]] ||
    die "UPSTREAM_FAIL_TIMEOUT: not an nginx time in seconds or minutes (2s, 1m): $UPSTREAM_FAIL_TIMEOUT"
fi
for v in LISTEN_HTTPS LISTEN_HTTP; do
  [ -n "${!v// /}" ] || die "$v: empty"
  for a in ${!v}; do
    [[ "$a" =~ $listen_re ]] || die "$v: not [address:]port: $a"
  done
done
[[ "$CATCH_ALL" =~ ^[01]$ ]] || die "CATCH_ALL: 0 or 1"
for f in "$TLS_CERT" "$TLS_KEY"; do
  [ -e "$f" ] || echo "nginx/render.sh: warning: $f does not exist (yet)" >&2
done

first_https="${LISTEN_HTTPS%% *}"
https_port="${first_https##*:}"
if [ -z "${HTTPS_ORIGIN:-}" ]; then
  HTTPS_ORIGIN="https://$SERVER_NAME"
  [ "$https_port" = "443" ] || HTTPS_ORIGIN="$HTTPS_ORIGIN:$https_port"
fi
[[ "$HTTPS_ORIGIN" =~ ^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?$ ]] || die "HTTPS_ORIGIN: not https://host[:port]: $HTTPS_ORIGIN"

export SERVER_NAME TLS_CERT TLS_KEY UPSTREAM ACME_WEBROOT ERROR_LOG HTTPS_ORIGIN

# A line naming ${LISTEN_HTTPS} or ${LISTEN_HTTP} is repeated once per address;
# the catch-all servers are dropped when CATCH_ALL=0; the #@cluster blocks are
# kept only with SIGNALING_UPSTREAMS, which also turns the upstream's server
# line into one line per node; then envsubst fills the scalar placeholders,
# and only those (nginx's own $variables stay).
awk -v https="$LISTEN_HTTPS" -v http="$LISTEN_HTTP" -v catch_all="$CATCH_ALL" \
  -v cluster="$cluster" -v nodes="${SIGNALING_UPSTREAMS:-}" \
  -v node_params="max_fails=$UPSTREAM_MAX_FAILS fail_timeout=$UPSTREAM_FAIL_TIMEOUT" '
  /#@catch-all-begin/ { skipping = (catch_all == "0"); next }
  /#@catch-all-end/ { skipping = 0; next }
  /#@cluster-begin/ { skipping = (cluster == "0"); next }
  /#@cluster-end/ { skipping = 0; next }
  skipping { next }
  cluster == "1" && index($0, "server ${UPSTREAM};") {
    n = split(nodes, a, " ")
    for (i = 1; i <= n; i++) { line = $0; sub(/\$\{UPSTREAM\}/, a[i] " " node_params, line); print line }
    next
  }
  index($0, "${LISTEN_HTTPS}") {
    n = split(https, a, " ")
    for (i = 1; i <= n; i++) { line = $0; gsub(/\$\{LISTEN_HTTPS\}/, a[i], line); print line }
    next
  }
  index($0, "${LISTEN_HTTP}") {
    n = split(http, a, " ")
    for (i = 1; i <= n; i++) { line = $0; gsub(/\$\{LISTEN_HTTP\}/, a[i], line); print line }
    next
  }
  { print }
' "$here/confidentiel.conf" |
  envsubst '${SERVER_NAME} ${TLS_CERT} ${TLS_KEY} ${UPSTREAM} ${ACME_WEBROOT} ${ERROR_LOG} ${HTTPS_ORIGIN}' >"$out/confidentiel.conf.tmp"

if grep -n '\${[A-Z_]*}' "$out/confidentiel.conf.tmp" >&2; then
  rm -f "$out/confidentiel.conf.tmp"
  die "placeholders left unfilled (above)"
fi
mv "$out/confidentiel.conf.tmp" "$out/confidentiel.conf"

if [ "$standalone" -eq 0 ]; then
  echo "$out/confidentiel.conf"
  exit 0
fi

chmod 0755 "$out"
mkdir -p "$out/tmp"
cat >"$out/nginx.conf" <<CONF
# Standalone main configuration made by infra/nginx/render.sh --standalone:
# everything nginx writes stays under $out.
# Run: nginx -e stderr -p $out -c $out/nginx.conf -g 'daemon off;'
worker_processes 1;
pid $out/nginx.pid;
error_log $out/error.log warn;

events {
    worker_connections 256;
}

http {
    default_type application/octet-stream;
    client_body_temp_path $out/tmp/client_body;
    proxy_temp_path $out/tmp/proxy;
    fastcgi_temp_path $out/tmp/fastcgi;
    uwsgi_temp_path $out/tmp/uwsgi;
    scgi_temp_path $out/tmp/scgi;
    access_log off;

    include $out/confidentiel.conf;
}
CONF
echo "$out/nginx.conf"
