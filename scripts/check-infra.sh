#!/usr/bin/env bash
# Checks the deployment configurations in infra/ for real, on this machine:
#   systemd  units pass systemd-analyze verify (and a broken copy does not),
#            their exposure score, the example environment file documents
#            every setting of README.md
#   nginx    the rendered proxy passes nginx -t (a broken copy fails); then,
#            running in front of the real signaling: TLS 1.2/1.3 only, other
#            names refused, headers once each and equal to the app's, HSTS,
#            HTTP -> HTTPS redirect, WebSocket upgrade, every spelling of
#            /metrics answered 404 by nginx itself (metrics only on
#            signaling's loopback listener), body size cap
#   coturn   starts from the rendered file, listens (UDP, TCP, TLS), relays
#            with REST credentials, refuses denied peers (private ranges,
#            loopback, 169.254.169.254), honours allowed-peer-ip, refuses a
#            wrong secret and an expired credential, TLS 1.2+ only; a CIDR
#            denied range (ignored by coturn) and a bad option are caught
#   redis    answers PONG with the password only, FLUSHALL/CONFIG/DEBUG are
#            gone, loopback only, nothing written to disk; a bad file does
#            not start
#   compose  docker compose config when the plugin exists; its shape otherwise
#
# Every daemon runs in the foreground inside a private network, PID and mount
# namespace (unshare --net --pid --fork --kill-child): it only has loopback,
# so nothing is reachable from outside and no packet leaves the machine, and
# when the namespace's first process ends the kernel ends every process in
# it, so no daemon can outlive this script. Each section has a time limit.
#
# Prints one line per check ("ok", "FAIL", "skip") and exits non-zero when a
# check failed.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

SECTION_TIMEOUT="${CHECK_INFRA_SECTION_TIMEOUT:-90}"

ok() { echo "ok    $*"; }
fail() { echo "FAIL  $*"; }
skip() { echo "skip  $*"; }
have() { command -v "$1" >/dev/null 2>&1; }

# Waits (up to $2 tenths of a second) until the command in $3... succeeds.
wait_for() {
  local tries="$1"
  shift
  while [ "$tries" -gt 0 ]; do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
    tries=$((tries - 1))
  done
  return 1
}

# Stops a process started by this script: TERM, then KILL after 5 s.
stop_pid() {
  local pid="$1" i
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 0
}

# Succeeds when a TLS handshake completes: openssl s_client prints a session
# block (with the protocol it tried) even after a refusal, so look for the
# negotiated cipher.
tls_ok() { # HOST:PORT s_client-args...
  local target="$1"
  shift
  echo | timeout 3 openssl s_client -connect "$target" "$@" 2>&1 |
    grep -q '^New, TLSv1\.[0-9], Cipher is [A-Z0-9]'
}

tcp_listening() { [ -n "$(ss -Hltn "sport = :$1")" ]; }

self_signed() { # DIR NAME: DIR/cert.pem and DIR/key.pem for NAME, valid one day
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
    -subj "/CN=$2" -addext "subjectAltName=DNS:$2" \
    -keyout "$1/key.pem" -out "$1/cert.pem" >/dev/null 2>&1
}

# --------------------------------------------------------------------------
# systemd (no daemon: static checks)
# --------------------------------------------------------------------------
section_systemd() {
  local tmp="$1/systemd" env=infra/systemd/confidentiel.env
  mkdir -p "$tmp"

  # Every setting of README's configuration table, plus those the units need.
  local names missing=()
  names="$(sed -n '/^## Configuration/,/^## /p' README.md | grep -o '^| `[A-Z_]*`\( / `[A-Z_]*`\)\?' |
    grep -o '[A-Z_][A-Z_]*')"
  if [ -z "$names" ]; then
    fail "systemd: no setting found in README.md's configuration table"
  else
    for n in $names MEDIASOUP_WORKER_BIN TURN_URLS TURN_SECRET TURN_CREDENTIAL_TTL; do
      grep -Eq "^#?$n=" "$env" || missing+=("$n")
    done
    if [ "${#missing[@]}" -eq 0 ]; then
      ok "systemd: confidentiel.env documents all $(echo "$names" | wc -w) README settings + worker + TURN_*"
    else
      fail "systemd: confidentiel.env lacks ${missing[*]}"
    fi
  fi
  # The example secrets must be refused by the services (>= 43 characters).
  local bad=0
  for n in TOKEN_SECRET SFU_CONTROL_SECRET; do
    v="$(sed -n "s/^$n=//p" "$env")"
    [ "${#v}" -lt 43 ] || bad=1
  done
  [ "$bad" -eq 0 ] && ok "systemd: example secrets are placeholders the services refuse" ||
    fail "systemd: an example secret in confidentiel.env would be accepted"

  # The hardening each unit must keep, whatever systemd-analyze says.
  local unit setting absent=() required=0
  for unit in infra/systemd/*.service; do
    required=0
    for setting in User=confidentiel EnvironmentFile=/etc/confidentiel/confidentiel.env \
      Restart=on-failure NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
      PrivateDevices=yes ProtectKernelTunables=yes ProtectKernelModules=yes ProtectKernelLogs=yes \
      ProtectControlGroups=yes 'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' RestrictNamespaces=yes \
      LockPersonality=yes MemoryDenyWriteExecute=no SystemCallArchitectures=native \
      CapabilityBoundingSet= ReadWritePaths=/var/lib/confidentiel LimitNOFILE=65536 \
      ExecStart=/opt/confidentiel/.tools/node-24.22.3/bin/node; do
      required=$((required + 1))
      grep -q "^$setting\( \|$\)" "$unit" || absent+=("$(basename "$unit"): $setting")
    done
  done
  if [ "${#absent[@]}" -eq 0 ]; then
    ok "systemd: both units keep the $required required settings (user, environment file, node path, hardening, limits)"
  else
    fail "systemd: missing: ${absent[*]}"
  fi

  if ! have systemd-analyze; then
    skip "systemd: systemd-analyze not installed"
    return
  fi
  # Can systemd-analyze verify run in this container at all?
  mkdir -p "$tmp/probe"
  printf '[Service]\nExecStart=/bin/true\n' >"$tmp/probe/probe.service"
  if ! timeout 30 systemd-analyze verify "$tmp/probe/probe.service" >"$tmp/probe.out" 2>&1 ||
    [ -s "$tmp/probe.out" ]; then
    skip "systemd: systemd-analyze verify cannot run here ($(head -n 1 "$tmp/probe.out"))"
    return
  fi
  # The units, with /opt/confidentiel moved into the temp dir so that
  # ExecStart names an executable that exists here.
  local units="$tmp/units" opt="$tmp/opt/confidentiel"
  mkdir -p "$units" "$opt/.tools/node-24.22.3/bin"
  printf '#!/bin/sh\n' >"$opt/.tools/node-24.22.3/bin/node"
  chmod +x "$opt/.tools/node-24.22.3/bin/node"
  for u in infra/systemd/*.service; do
    sed "s#/opt/confidentiel#$opt#g" "$u" >"$units/$(basename "$u")"
  done
  if timeout 30 systemd-analyze verify "$units"/*.service >"$tmp/verify.out" 2>&1 && [ ! -s "$tmp/verify.out" ]; then
    ok "systemd: systemd-analyze verify $(cd infra/systemd && echo *.service): clean"
  else
    fail "systemd: systemd-analyze verify: $(tr '\n' ' ' <"$tmp/verify.out")"
  fi
  # Negative control: a misspelt hardening setting must be reported.
  mkdir -p "$tmp/broken"
  sed 's/^ProtectSystem=strict/ProtectSystem=stricter/; s/^NoNewPrivileges=yes/NoNewPrivilege=yes/' \
    "$units/confidentiel-sfu.service" >"$tmp/broken/confidentiel-sfu.service"
  timeout 30 systemd-analyze verify "$tmp/broken/confidentiel-sfu.service" >"$tmp/broken.out" 2>&1
  if grep -q "NoNewPrivilege" "$tmp/broken.out" && grep -qi "protect" "$tmp/broken.out"; then
    ok "systemd: negative control: a misspelt setting and a bad value are reported"
  else
    fail "systemd: negative control: a broken unit passed verify"
  fi
  # Exposure score (0 = locked down, 10 = unprotected); must stay <= 2.5.
  local scores="" u name score rc
  for u in "$units"/*.service; do
    name="$(basename "$u")"
    timeout 30 systemd-analyze security --offline=yes --threshold=25 "$u" >"$tmp/security.out" 2>&1
    rc=$?
    score="$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' "$tmp/security.out")"
    if [ -z "$score" ]; then
      fail "systemd: security exposure of $name not measured: $(tail -n 1 "$tmp/security.out")"
      return
    elif [ "$rc" -ne 0 ]; then
      fail "systemd: security exposure of $name is $score, above 2.5"
      return
    fi
    scores="$scores $name=$score"
  done
  ok "systemd: exposure (systemd-analyze security, <= 2.5):$scores"
}

# --------------------------------------------------------------------------
# nginx (inside the namespace)
# --------------------------------------------------------------------------
NGX_HTTPS=18443
NGX_HTTP=18081
APP_PORT=18080
METRICS_PORT_T=19464
# Ways of writing /metrics that a server or a proxy might fold into it (case,
# trailing slash, query, parameters, %-encoding, dot segments, double slash).
METRICS_SPELLINGS=(/metrics /metrics/ /METRICS /Metrics /mEtRiCs '/metrics?x' '/metrics/?x=1' /%6detrics
  /%6D%65%74%72%69%63%73 '/metrics;' '/metrics;x=1' //metrics /./metrics /api/../metrics /metrics%2f /metrics.)

# Run without real root (a user namespace mapping only uid 0), nginx cannot
# switch its workers to "nobody": they stay uid 0 of the namespace.
nginx_user() {
  if [ "${CHECK_INFRA_REAL_ROOT:-1}" = 1 ]; then echo ''; else echo 'user root root;'; fi
}

nginx_t() { # CONF: nginx -t, output in CONF.t
  timeout 20 nginx -e stderr -p "$(dirname "$1")" -c "$1" -g "$(nginx_user)" -t >"$1.t" 2>&1
}

section_nginx() {
  local tmp="$1/nginx" out="$1/nginx/out"
  mkdir -p "$tmp"
  chmod 0755 "$tmp"
  if ! self_signed "$tmp" localhost; then
    fail "nginx: could not make a self-signed certificate"
    return
  fi
  local listen_https="127.0.0.1:$NGX_HTTPS"
  if ip -6 addr show dev lo 2>/dev/null | grep -q '::1/128'; then
    listen_https="$listen_https [::1]:$NGX_HTTPS"
  fi
  local conf
  if ! conf="$(SERVER_NAME=localhost TLS_CERT="$tmp/cert.pem" TLS_KEY="$tmp/key.pem" \
    UPSTREAM="127.0.0.1:$APP_PORT" LISTEN_HTTPS="$listen_https" LISTEN_HTTP="127.0.0.1:$NGX_HTTP" \
    bash infra/nginx/render.sh --standalone "$out" 2>"$tmp/render.err")"; then
    fail "nginx: render.sh failed: $(tr '\n' ' ' <"$tmp/render.err")"
    return
  fi
  ok "nginx: rendered (self-signed certificate for localhost, loopback ports $NGX_HTTPS/$NGX_HTTP)"
  if SERVER_NAME='x; include /etc/passwd' TLS_CERT="$tmp/cert.pem" TLS_KEY="$tmp/key.pem" \
    bash infra/nginx/render.sh "$tmp/injected" >/dev/null 2>&1; then
    fail "nginx: render.sh accepted a server name with nginx syntax in it"
  else
    ok "nginx: render.sh refuses a value that would inject nginx syntax"
  fi

  # TLS versions as written (what the running proxy does is probed below).
  if grep -E '^\s*ssl_protocols' "$out/confidentiel.conf" | grep -qv 'ssl_protocols TLSv1.2 TLSv1.3;$'; then
    fail "nginx: an ssl_protocols line allows more than TLS 1.2 and 1.3"
  fi
  if nginx_t "$conf"; then
    ok "nginx: nginx -t accepts the rendered configuration"
  else
    fail "nginx: nginx -t: $(grep -v 'syntax is ok\|test is successful' "$conf.t" | tr '\n' ' ')"
    return
  fi
  # Negative control: a copy with a bad value must fail nginx -t.
  mkdir -p "$tmp/broken"
  sed "s#$out#$tmp/broken#g" "$conf" >"$tmp/broken/nginx.conf"
  sed 's/ssl_session_tickets off;/ssl_session_tickets maybe;/' "$out/confidentiel.conf" >"$tmp/broken/confidentiel.conf"
  mkdir -p "$tmp/broken/tmp"
  if nginx_t "$tmp/broken/nginx.conf"; then
    fail "nginx: negative control: a broken copy passed nginx -t"
  else
    ok "nginx: negative control: a broken copy fails nginx -t ($(grep -o 'invalid value "maybe"' "$tmp/broken/nginx.conf.t" | head -n 1))"
  fi

  # Live: the real signaling behind the rendered proxy.
  if ! have node || [ ! -d node_modules/express ]; then
    skip "nginx: live checks need node and the npm packages (scripts/setup.sh)"
    return
  fi
  HOST=127.0.0.1 PORT=$APP_PORT METRICS_PORT=$METRICS_PORT_T SFU_URL=http://127.0.0.1:9 LOG_LEVEL=warn \
    SFU_CONTROL_SECRET="$(openssl rand -hex 32)" ALLOWED_ORIGINS="https://localhost:$NGX_HTTPS" \
    DATABASE_PATH=:memory: WEB_DIST="$root/apps/web/dist" node apps/signaling/src/main.ts >"$tmp/signaling.log" 2>&1 &
  local app=$!
  nginx -e stderr -p "$out" -c "$conf" -g "daemon off; $(nginx_user)" >"$tmp/nginx.log" 2>&1 &
  local ngx=$!
  local direct="http://127.0.0.1:$APP_PORT"
  local https="https://localhost:$NGX_HTTPS"
  local c=(curl -sS --max-time 5 --cacert "$tmp/cert.pem" --resolve "localhost:$NGX_HTTPS:127.0.0.1")
  if ! wait_for 300 curl -sf --max-time 2 "$direct/healthz"; then
    fail "nginx: signaling did not start: $(tail -n 5 "$tmp/signaling.log" | tr '\n' ' ')"
    stop_pid "$ngx"
    stop_pid "$app"
    return
  fi
  if wait_for 100 "${c[@]}" -f -o /dev/null "$https/healthz"; then
    ok "nginx: proxies HTTPS to signaling (GET /healthz: 200 through the proxy)"
  else
    fail "nginx: no answer through the proxy: $(tail -n 5 "$tmp/nginx.log" "$out/error.log" 2>/dev/null | tr '\n' ' ')"
    stop_pid "$ngx"
    stop_pid "$app"
    return
  fi

  # Security headers: once each, equal to the app's own; HSTS added.
  curl -sS --max-time 5 -D "$tmp/direct.h" -o /dev/null "$direct/healthz"
  "${c[@]}" -D "$tmp/proxy.h" -o /dev/null "$https/healthz"
  "${c[@]}" -D "$tmp/proxy404.h" -o /dev/null "$https/metrics"
  local h bad=() app_value proxy_value n
  for h in Content-Security-Policy X-Content-Type-Options Referrer-Policy X-Frame-Options \
    Cross-Origin-Opener-Policy Permissions-Policy; do
    app_value="$(grep -i "^$h:" "$tmp/direct.h" | cut -d: -f2- | tr -d '\r' | sed 's/^ *//')"
    for f in proxy.h proxy404.h; do
      n="$(grep -ci "^$h:" "$tmp/$f")"
      proxy_value="$(grep -i "^$h:" "$tmp/$f" | cut -d: -f2- | tr -d '\r' | sed 's/^ *//')"
      if [ -z "$app_value" ] || [ "$n" != 1 ] || [ "$proxy_value" != "$app_value" ]; then
        bad+=("$h($f: ${n}x)")
      fi
    done
  done
  for f in proxy.h proxy404.h; do
    [ "$(grep -ci '^Strict-Transport-Security: max-age=63072000; includeSubDomains' "$tmp/$f")" = 1 ] ||
      bad+=("HSTS($f)")
  done
  if [ "${#bad[@]}" -eq 0 ]; then
    ok "nginx: CSP and 5 other security headers once each, equal to signaling's; HSTS 2 years (also on errors)"
  else
    fail "nginx: headers differ from signaling's or repeat: ${bad[*]}"
  fi
  if grep -qi "script-src[^;]*unsafe-inline" "$tmp/proxy.h"; then
    fail "nginx: the Content-Security-Policy allows inline scripts"
  fi
  if grep -qi '^Server: nginx/' "$tmp/proxy.h"; then
    fail "nginx: the Server header names nginx's version"
  fi

  # Plain HTTP redirects to the configured HTTPS origin, path and query kept.
  local loc
  loc="$(curl -sS --max-time 5 -o /dev/null -w '%{http_code} %{redirect_url}' \
    -H "Host: localhost:$NGX_HTTP" "http://127.0.0.1:$NGX_HTTP/m/abc?x=1")"
  if [ "$loc" = "301 https://localhost:$NGX_HTTPS/m/abc?x=1" ]; then
    ok "nginx: HTTP redirects to HTTPS (301 $https/m/abc?x=1)"
  else
    fail "nginx: HTTP redirect: got '$loc'"
  fi
  loc="$(curl -sS --max-time 5 -o /dev/null -w '%{http_code} %{redirect_url}' \
    -H "Host: evil.example" "http://127.0.0.1:$NGX_HTTP/")"
  case "$loc" in
    *evil.example*) fail "nginx: HTTP redirects to the Host the client sent ($loc)" ;;
  esac

  # WebSocket upgrade for Socket.IO (engine.io answers 101 before any auth);
  # a forged Origin is refused by signaling, so the proxy passes it intact.
  local ws=(--http1.1 -o /dev/null -w '%{http_code}' --max-time 2
    -H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13'
    -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==')
  local code_ok code_evil
  code_ok="$("${c[@]}" "${ws[@]}" -H "Origin: $https" "$https/socket.io/?EIO=4&transport=websocket" 2>/dev/null)"
  code_evil="$("${c[@]}" "${ws[@]}" -H "Origin: https://evil.example" "$https/socket.io/?EIO=4&transport=websocket" 2>/dev/null)"
  if [ "$code_ok" = 101 ] && [ "$code_evil" != 101 ]; then
    ok "nginx: WebSocket upgrade on /socket.io/ (101); a forged Origin still refused ($code_evil)"
  else
    fail "nginx: WebSocket upgrade: own origin $code_ok, forged origin $code_evil"
  fi

  # TLS versions (the TLS 1.1 probe is first shown able to succeed, against
  # openssl s_server), and other names.
  openssl s_server -accept 127.0.0.1:18999 -cert "$tmp/cert.pem" -key "$tmp/key.pem" -tls1_1 \
    -cipher 'DEFAULT:@SECLEVEL=0' -quiet >/dev/null 2>&1 &
  local srv=$! probe11=no v11=no v12=no v13=no other
  wait_for 50 tcp_listening 18999
  tls_ok 127.0.0.1:18999 -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' && probe11=yes
  stop_pid "$srv"
  tls_ok "127.0.0.1:$NGX_HTTPS" -servername localhost -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' && v11=yes
  tls_ok "127.0.0.1:$NGX_HTTPS" -servername localhost -tls1_2 -CAfile "$tmp/cert.pem" -verify_return_error && v12=yes
  tls_ok "127.0.0.1:$NGX_HTTPS" -servername localhost -tls1_3 -CAfile "$tmp/cert.pem" -verify_return_error && v13=yes
  if [ "$probe11" = yes ] && [ "$v11" = no ] && [ "$v12" = yes ] && [ "$v13" = yes ]; then
    ok "nginx: TLS 1.2 and 1.3 accepted, TLS 1.1 refused (the same probe succeeds against a TLS 1.1 server)"
  else
    fail "nginx: TLS versions: 1.1 accepted=$v11 (probe works: $probe11), 1.2 ok=$v12, 1.3 ok=$v13"
  fi
  other="$(echo | timeout 5 openssl s_client -connect "127.0.0.1:$NGX_HTTPS" -servername other.example \
    2>&1 | grep -c 'BEGIN CERTIFICATE\|^subject=')"
  if [ "$other" = 0 ]; then
    ok "nginx: another server name gets no certificate (handshake refused)"
  else
    fail "nginx: a request for another name got a certificate"
  fi

  # Metrics: every spelling of the path answered 404 by nginx itself (an HTML
  # page, not signaling's JSON: the request never reached signaling), with no
  # Prometheus text; signaling's public port has none either; its metrics
  # listener (loopback) serves them (positive control).
  local path code type leaked=() m_direct m_listener
  for path in "${METRICS_SPELLINGS[@]}"; do
    read -r code type < <("${c[@]}" --path-as-is -o "$tmp/metrics.body" -w '%{http_code} %{content_type}\n' \
      "$https$path" 2>/dev/null || echo "000 -")
    if [ "$code" != 404 ] || [[ "$type" != text/html* ]] || grep -q '# HELP\|# TYPE\|confidentiel_' "$tmp/metrics.body"; then
      leaked+=("$path=$code($type)")
    fi
  done
  m_direct="$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' "$direct/metrics")"
  m_listener="$(curl -sS --max-time 5 "http://127.0.0.1:$METRICS_PORT_T/metrics" 2>/dev/null | grep -c '^# HELP confidentiel_')"
  if [ "${#leaked[@]}" -eq 0 ] && [ "$m_direct" = 404 ] && [ "$m_listener" -gt 0 ]; then
    ok "nginx: ${#METRICS_SPELLINGS[@]} spellings of /metrics answered 404 by nginx itself, no Prometheus text; signaling's public port 404, its loopback listener $METRICS_PORT_T serves them"
  else
    fail "nginx: metrics: via proxy ${leaked[*]:-all 404}; public port $m_direct; listener lines $m_listener"
  fi
  # Bodies over the cap refused.
  local big
  head -c 100000 /dev/zero | tr '\0' 'a' >"$tmp/big.json"
  big="$("${c[@]}" -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary "@$tmp/big.json" "$https/api/meetings")"
  if [ "$big" = 413 ]; then
    ok "nginx: 100 kB body refused (413)"
  else
    fail "nginx: 100 kB body: $big"
  fi

  # Negative control: with an exact-match block (location = /metrics), /METRICS
  # goes through to signaling (its JSON 404), and the check above tells.
  stop_pid "$ngx"
  sed -i 's|^\( *\)location ~\* ^/metrics {|\1location = /metrics {|' "$out/confidentiel.conf"
  nginx -e stderr -p "$out" -c "$conf" -g "daemon off; $(nginx_user)" >"$tmp/nginx-exact.log" 2>&1 &
  ngx=$!
  wait_for 100 "${c[@]}" -f -o /dev/null "$https/healthz"
  read -r code type < <("${c[@]}" --path-as-is -o /dev/null -w '%{http_code} %{content_type}\n' \
    "$https/METRICS" 2>/dev/null || echo "000 -")
  if grep -q 'location = /metrics {' "$out/confidentiel.conf" && [[ "$type" == application/json* ]]; then
    ok "nginx: negative control: with an exact-match block /METRICS reaches signaling ($code $type), which the check reports"
  else
    fail "nginx: negative control: exact-match block, /METRICS gave $code $type"
  fi

  stop_pid "$ngx"
  stop_pid "$app"
}

# --------------------------------------------------------------------------
# coturn (inside the namespace)
# --------------------------------------------------------------------------
TURN_PORT_T=13478
TURNS_PORT_T=15349
RELAY_ADDR=192.0.2.1         # coturn's relay address (TEST-NET-1, on lo here)
PUBLIC_PEER=192.0.2.2        # stands for a public address: relaying allowed
ALLOWED_PEER=10.99.0.2       # private, but listed in allowed-peer-ip
DENIED_PEER=10.99.0.3        # private: denied
METADATA_PEER=169.254.169.254

turn_render() { # OUT_FILE DIR [extra env...]
  local out="$1" dir="$2"
  shift 2
  env TURN_REALM=turn.localhost TURN_SECRET="$TURN_TEST_SECRET" LISTENING_IP=127.0.0.1 \
    RELAY_IP="$RELAY_ADDR" ALLOWED_PEER_IP="$ALLOWED_PEER" TLS_CERT="$dir/cert.pem" TLS_KEY="$dir/key.pem" \
    TURN_PORT=$TURN_PORT_T TURNS_PORT=$TURNS_PORT_T MIN_PORT=30000 MAX_PORT=30200 \
    TURN_LOG_FILE="$out.log" "$@" bash infra/coturn/render.sh "$out" >/dev/null &&
    # Test only: coturn's user database and pid file in the temp dir too.
    printf 'userdb=%s\npidfile=%s\n' "$out.db" "$out.pid" >>"$out"
}

turn_listening() {
  [ -n "$(ss -Hlun "sport = :$TURN_PORT_T")" ] &&
    [ -n "$(ss -Hltn "sport = :$TURN_PORT_T")" ] &&
    [ -n "$(ss -Hltn "sport = :$TURNS_PORT_T")" ]
}

# Relays one message to PEER:3480 through coturn; prints relayed, denied,
# refused (allocation refused: credentials) or unknown.
turn_probe() { # RAW_FILE PEER uclient-args...
  local raw="$1" peer="$2" attempt
  shift 2
  for attempt in 1 2; do
    timeout 10 turnutils_uclient -n 1 -m 1 -c -e "$peer" -r 3480 "$@" 127.0.0.1 >"$raw" 2>&1
    if grep -q '403 (Forbidden IP)' "$raw"; then
      echo denied
      return
    elif grep -q 'tot_recv_msgs=[1-9]' "$raw"; then
      echo relayed
      return
    elif grep -q 'Cannot complete Allocation\|error 401\|error 438' "$raw"; then
      echo refused
      return
    fi
  done
  echo unknown
}

# TURN over TLS: prints allocated once an allocation over TLS succeeds.
# turnutils_uclient's TLS client often stalls in a later SSL_connect of its
# own (seen with coturn 4.6.1 while openssl s_client never stalls), so only
# the allocation is awaited, with short retries; relaying itself is the same
# path as over TCP.
turn_probe_tls() { # RAW_FILE PEER uclient-args...
  local raw="$1" peer="$2" attempt
  shift 2
  for attempt in 1 2 3 4 5 6; do
    timeout 6 turnutils_uclient -v -n 1 -m 1 -c -e "$peer" -r 3480 -t -S "$@" 127.0.0.1 >"$raw" 2>&1
    if grep -q 'Received relay addr' "$raw"; then
      echo allocated
      return
    fi
  done
  echo unknown
}

rest_credential() { # SECRET OFFSET: "username password" valid until now+OFFSET
  local user="$(($(date +%s) + $2)):check"
  echo "$user $(printf %s "$user" | openssl dgst -sha1 -hmac "$1" -binary | base64)"
}

section_coturn() {
  local tmp="$1/coturn"
  mkdir -p "$tmp"
  if ! have turnserver || ! have turnutils_uclient || ! have turnutils_peer; then
    fail "coturn: turnserver / turnutils_* not installed (apt package coturn)"
    return
  fi
  self_signed "$tmp" turn.localhost
  TURN_TEST_SECRET="$(openssl rand -hex 32)"
  for a in $RELAY_ADDR $PUBLIC_PEER $ALLOWED_PEER $DENIED_PEER $METADATA_PEER; do
    ip addr add "$a/32" dev lo
  done
  local p peers=()
  for a in $PUBLIC_PEER $ALLOWED_PEER $DENIED_PEER $METADATA_PEER 127.0.0.1; do
    turnutils_peer -L "$a" -p 3480 >/dev/null 2>&1 &
    peers+=($!)
  done

  if ! turn_render "$tmp/turn.conf" "$tmp"; then
    fail "coturn: render.sh failed"
    return
  fi
  if turn_render "$tmp/weak.conf" "$tmp" TURN_SECRET=short 2>/dev/null; then
    fail "coturn: render.sh accepted a short secret"
  else
    ok "coturn: rendered; render.sh refuses a short secret"
  fi
  turnserver -c "$tmp/turn.conf" >"$tmp/turn.stdout" 2>&1 &
  local ts=$!
  if wait_for 100 turn_listening && kill -0 "$ts" 2>/dev/null; then
    ok "coturn: turnserver started from the rendered file, listening on UDP+TCP $TURN_PORT_T and TLS $TURNS_PORT_T"
  else
    fail "coturn: turnserver did not come up: $(tail -n 5 "$tmp/turn.conf.log" "$tmp/turn.stdout" 2>/dev/null | tr '\n' ' ')"
    stop_pid "$ts"
    for p in "${peers[@]}"; do stop_pid "$p"; done
    return
  fi
  if grep -E 'Bad configuration format|Wrong address format|CONFIG ERROR|CONFIGURATION ALERT' "$tmp/turn.conf.log" >"$tmp/conf-errors"; then
    fail "coturn: configuration errors in the log: $(tr '\n' ' ' <"$tmp/conf-errors")"
  else
    ok "coturn: no configuration error in its log"
  fi

  # Probes in parallel (each takes a few seconds when the relay works).
  local s="$TURN_TEST_SECRET" fresh expired
  read -r -a fresh <<<"$(rest_credential "$s" 600)"
  read -r -a expired <<<"$(rest_credential "$s" -60)"
  # One username per probe: the per-user quota must not couple them.
  local -A probe=(
    [udp_public]="$PUBLIC_PEER -p $TURN_PORT_T -u udp -W $s"
    [tcp_public]="$PUBLIC_PEER -t -p $TURN_PORT_T -u tcp -W $s"
    [manual_cred]="$PUBLIC_PEER -p $TURN_PORT_T -u ${fresh[0]} -w ${fresh[1]}"
    [allowed]="$ALLOWED_PEER -p $TURN_PORT_T -u allowed -W $s"
    [private]="$DENIED_PEER -p $TURN_PORT_T -u private -W $s"
    [metadata]="$METADATA_PEER -p $TURN_PORT_T -u metadata -W $s"
    [loopback]="127.0.0.1 -p $TURN_PORT_T -u loopback -W $s"
    [wrong_secret]="$PUBLIC_PEER -p $TURN_PORT_T -u wrong -W $(openssl rand -hex 32)"
    [expired]="$PUBLIC_PEER -p $TURN_PORT_T -u ${expired[0]} -w ${expired[1]}"
  )
  local k pids=()
  for k in "${!probe[@]}"; do
    # shellcheck disable=SC2086
    turn_probe "$tmp/raw.$k" ${probe[$k]} >"$tmp/probe.$k" &
    pids+=($!)
  done
  turn_probe_tls "$tmp/raw.tls" "$PUBLIC_PEER" -p $TURNS_PORT_T -u tls -W "$s" >"$tmp/probe.tls" &
  pids+=($!)
  wait "${pids[@]}"
  local r=()
  for k in "${!probe[@]}" tls; do r+=("$k=$(cat "$tmp/probe.$k")"); done
  got() { [ "$(cat "$tmp/probe.$1")" = "$2" ]; }
  if got udp_public relayed && got tcp_public relayed && got manual_cred relayed && got tls allocated; then
    ok "coturn: REST credentials relay over UDP and TCP (also a username/password made as signaling does), allocate over TLS"
  else
    fail "coturn: relaying with valid credentials: ${r[*]}"
  fi
  if got private denied && got metadata denied && got loopback denied; then
    ok "coturn: relaying refused to $DENIED_PEER, $METADATA_PEER and 127.0.0.1 (403 Forbidden IP)"
  else
    fail "coturn: denied peers: private=$(cat "$tmp/probe.private") metadata=$(cat "$tmp/probe.metadata") loopback=$(cat "$tmp/probe.loopback")"
  fi
  if got allowed relayed; then
    ok "coturn: allowed-peer-ip $ALLOWED_PEER relayed despite its denied range"
  else
    fail "coturn: allowed-peer-ip: $(cat "$tmp/probe.allowed")"
  fi
  if got wrong_secret refused && got expired refused; then
    ok "coturn: a wrong secret and an expired credential are refused"
  else
    fail "coturn: wrong secret=$(cat "$tmp/probe.wrong_secret"), expired=$(cat "$tmp/probe.expired")"
  fi
  local v11=no v12=no
  tls_ok "127.0.0.1:$TURNS_PORT_T" -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' && v11=yes
  tls_ok "127.0.0.1:$TURNS_PORT_T" -tls1_2 -CAfile "$tmp/cert.pem" -verify_return_error && v12=yes
  if [ "$v11" = no ] && [ "$v12" = yes ]; then
    ok "coturn: TURN over TLS: TLS 1.2 accepted, TLS 1.1 refused"
  else
    fail "coturn: TLS versions: 1.1 accepted=$v11, 1.2 ok=$v12"
  fi
  stop_pid "$ts"

  # Negative controls: the mistakes coturn only logs must still be caught.
  mkdir -p "$tmp/cidr" "$tmp/bogus"
  turn_render "$tmp/cidr/turn.conf" "$tmp"
  sed -i 's/^denied-peer-ip=10.0.0.0-10.255.255.255$/denied-peer-ip=10.0.0.0\/8/' "$tmp/cidr/turn.conf"
  turnserver -c "$tmp/cidr/turn.conf" >/dev/null 2>&1 &
  ts=$!
  local leak=""
  if wait_for 100 turn_listening; then
    leak="$(turn_probe "$tmp/cidr/raw" "$DENIED_PEER" -p $TURN_PORT_T -u cidr -W "$s")"
  fi
  stop_pid "$ts"
  if [ "$leak" = relayed ] && grep -q 'Wrong address format' "$tmp/cidr/turn.conf.log"; then
    ok "coturn: negative control: a CIDR denied range (ignored by coturn) is caught: $DENIED_PEER relayed + log error"
  else
    fail "coturn: negative control: CIDR copy not caught (probe: ${leak:-none})"
  fi
  turn_render "$tmp/bogus/turn.conf" "$tmp"
  echo 'denied-peer-ips=10.0.0.0-10.255.255.255' >>"$tmp/bogus/turn.conf"
  turnserver -c "$tmp/bogus/turn.conf" >/dev/null 2>&1 &
  ts=$!
  wait_for 100 turn_listening
  stop_pid "$ts"
  if grep -q 'Bad configuration format' "$tmp/bogus/turn.conf.log"; then
    ok "coturn: negative control: a misspelt option is caught (log: Bad configuration format)"
  else
    fail "coturn: negative control: a misspelt option went unnoticed"
  fi
  for p in "${peers[@]}"; do stop_pid "$p"; done
}

# --------------------------------------------------------------------------
# redis (inside the namespace)
# --------------------------------------------------------------------------
REDIS_PORT_T=16379

section_redis() {
  local tmp="$1/redis"
  mkdir -p "$tmp/data"
  if ! have redis-server || ! have redis-cli; then
    fail "redis: redis-server / redis-cli not installed (apt package redis-server)"
    return
  fi
  local pass
  pass="$(openssl rand -hex 32)"
  if ! REDIS_PASSWORD="$pass" REDIS_PORT=$REDIS_PORT_T REDIS_DIR="$tmp/data" \
    bash infra/redis/render.sh "$tmp/redis.conf" >/dev/null; then
    fail "redis: render.sh failed"
    return
  fi
  redis-server "$tmp/redis.conf" >"$tmp/redis.log" 2>&1 &
  local rs=$!
  # REDISCLI_AUTH keeps the password off the command line.
  rcli() { timeout 5 redis-cli -p $REDIS_PORT_T "$@" 2>&1; }
  if ! wait_for 100 env REDISCLI_AUTH="$pass" redis-cli -p $REDIS_PORT_T ping; then
    fail "redis: did not start: $(tail -n 3 "$tmp/redis.log" | tr '\n' ' ')"
    stop_pid "$rs"
    return
  fi
  local pong noauth wrong
  pong="$(REDISCLI_AUTH="$pass" rcli ping)"
  noauth="$(rcli ping)"
  wrong="$(REDISCLI_AUTH=wrong rcli ping)"
  if [ "$pong" = PONG ] && [[ "$noauth" == *NOAUTH* ]] && [[ "$wrong" == *WRONGPASS* || "$wrong" == *NOAUTH* ]]; then
    ok "redis: PONG with the password; refused without it or with a wrong one"
  else
    fail "redis: auth: with=$pong without=$noauth wrong=$wrong"
  fi
  local cmd refused=()
  REDISCLI_AUTH="$pass" rcli set confidentiel:check 1 >/dev/null
  for cmd in FLUSHALL FLUSHDB "CONFIG GET dir" "DEBUG SLEEP 0" "MODULE LIST" "ACL LIST"; do
    # shellcheck disable=SC2086
    [[ "$(REDISCLI_AUTH="$pass" rcli $cmd)" == *"unknown command"* ]] || refused+=("$cmd")
  done
  if [ "${#refused[@]}" -eq 0 ] && [ "$(REDISCLI_AUTH="$pass" rcli get confidentiel:check)" = 1 ]; then
    ok "redis: FLUSHALL, FLUSHDB, CONFIG, DEBUG, MODULE, ACL are unknown commands; data untouched"
  else
    fail "redis: still available: ${refused[*]}"
  fi
  local addrs
  addrs="$(ss -Hltn "sport = :$REDIS_PORT_T" | awk '{print $4}' | sed 's/:[0-9]*$//' | sort -u | tr '\n' ' ')"
  if [ -n "$addrs" ] && ! grep -qv '^127.0.0.1$\|^\[::1\]$' <<<"$(tr ' ' '\n' <<<"$addrs" | grep .)"; then
    ok "redis: listens on loopback only ($addrs)"
  else
    fail "redis: listens on: $addrs"
  fi
  stop_pid "$rs"
  if [ -z "$(ls -A "$tmp/data")" ]; then
    ok "redis: nothing written to its directory after shutdown (no RDB, no AOF)"
  else
    fail "redis: wrote $(ls "$tmp/data" | tr '\n' ' ')"
  fi

  # Negative controls: a bad directive stops it; without the rename lines the
  # FLUSHALL probe above would have failed.
  echo 'requirepas oops' >>"$tmp/redis.conf"
  if timeout 10 redis-server "$tmp/redis.conf" >"$tmp/bad.log" 2>&1; then
    fail "redis: negative control: a bad directive did not stop redis-server"
  elif grep -q 'Bad directive' "$tmp/bad.log"; then
    ok "redis: negative control: a misspelt directive stops redis-server (Bad directive)"
  else
    fail "redis: negative control: unexpected: $(tr '\n' ' ' <"$tmp/bad.log" | cut -c1-200)"
  fi
  grep -v '^rename-command FLUSHALL' "$tmp/redis.conf" | grep -v '^requirepas oops' >"$tmp/open.conf"
  redis-server "$tmp/open.conf" >/dev/null 2>&1 &
  rs=$!
  wait_for 100 env REDISCLI_AUTH="$pass" redis-cli -p $REDIS_PORT_T ping
  if [ "$(REDISCLI_AUTH="$pass" rcli FLUSHALL)" = OK ]; then
    ok "redis: negative control: without its rename-command line FLUSHALL runs, so the probe can fail"
  else
    fail "redis: negative control: FLUSHALL probe cannot tell"
  fi
  stop_pid "$rs"
}

# --------------------------------------------------------------------------
# compose (static)
# --------------------------------------------------------------------------
section_compose() {
  local tmp="$1/compose"
  mkdir -p "$tmp"
  if have docker && timeout 10 docker compose version >/dev/null 2>&1; then
    cp -r infra/compose "$tmp/"
    cp infra/systemd/confidentiel.env "$tmp/compose/confidentiel.env"
    if timeout 30 docker compose -f "$tmp/compose/compose.yaml" config -q >"$tmp/config.out" 2>&1; then
      ok "compose: docker compose config accepts compose.yaml"
    else
      fail "compose: docker compose config: $(tr '\n' ' ' <"$tmp/config.out")"
    fi
  else
    skip "compose: docker compose plugin not installed: 'docker compose config' not run"
  fi
  local py=""
  for p in /usr/bin/python3 python3; do
    if have "$p" && "$p" -c 'import yaml' 2>/dev/null; then
      py="$p"
      break
    fi
  done
  if [ -z "$py" ]; then
    skip "compose: no python3 with PyYAML: shape of compose.yaml not checked"
    return
  fi
  local msg
  if msg="$("$py" - infra/compose/compose.yaml <<'PY' 2>&1
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
services = doc["services"]
problems = []
expected = {"signaling", "sfu", "nginx", "coturn", "redis"}
if set(services) != expected:
    problems.append(f"services {sorted(services)} != {sorted(expected)}")
for name, svc in services.items():
    build = svc.get("build") or {}
    if build.get("dockerfile") != "infra/compose/Dockerfile":
        problems.append(f"{name}: not built from infra/compose/Dockerfile")
    image = svc.get("image", "")
    if image and not image.startswith("confidentiel/"):
        problems.append(f"{name}: image {image} from elsewhere")
    if svc.get("network_mode") != "host":
        problems.append(f"{name}: network_mode is not host")
    if "ports" in svc:
        problems.append(f"{name}: publishes ports")
    if "privileged" in svc:
        problems.append(f"{name}: privileged")
    if "no-new-privileges:true" not in (svc.get("security_opt") or []):
        problems.append(f"{name}: no-new-privileges missing")
for name in ("signaling", "sfu"):
    if services[name].get("env_file") != "./confidentiel.env":
        problems.append(f"{name}: env_file")
print("; ".join(problems) if problems else "5 services, built here, host network, no-new-privileges")
sys.exit(1 if problems else 0)
PY
  )"; then
    ok "compose: $msg"
  else
    fail "compose: $msg"
  fi
  # Every image's base is Debian's; nothing else is pulled.
  if grep -E '^FROM ' infra/compose/Dockerfile | grep -qv 'FROM debian:bookworm-slim AS'; then
    fail "compose: Dockerfile uses a base image other than debian:bookworm-slim"
  else
    ok "compose: Dockerfile builds from debian:bookworm-slim only"
  fi
}

# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------
if [ "${1:-}" = "--section" ]; then
  # Inside the namespace: only loopback, which starts down.
  ip link set lo up
  "section_$2" "$3"
  exit 0
fi
if [ "${1:-}" = "--section-outside" ]; then
  "section_$2" "$3"
  exit 0
fi

started="$(date +%s)"
tmp="$(mktemp -d /tmp/confidentiel-check-infra.XXXXXX)"
chmod 0755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
results="$tmp/results"
: >"$results"

missing=()
for c in nginx turnserver turnutils_uclient turnutils_peer redis-server redis-cli openssl envsubst \
  unshare ip ss curl timeout; do
  have "$c" || missing+=("$c")
done
if [ "${#missing[@]}" -gt 0 ]; then
  fail "prerequisites: missing ${missing[*]} (scripts/setup.sh installs them)" | tee -a "$results"
fi

if [ "$(id -u)" -eq 0 ]; then
  netns=(unshare --net --pid --fork --kill-child --mount-proc)
else
  netns=(unshare --user --map-root-user --net --pid --fork --kill-child --mount-proc)
  export CHECK_INFRA_REAL_ROOT=0
fi

run_section() { # NAME in-namespace(0/1)
  local name="$1" rc t0
  t0="$(date +%s)"
  if [ "$2" = 1 ]; then
    timeout -k 5 "$SECTION_TIMEOUT" "${netns[@]}" bash "$0" --section "$name" "$tmp" 2>"$tmp/$name.err" |
      tee -a "$results"
    rc="${PIPESTATUS[0]}"
  else
    timeout -k 5 "$SECTION_TIMEOUT" bash "$0" --section-outside "$name" "$tmp" 2>"$tmp/$name.err" |
      tee -a "$results"
    rc="${PIPESTATUS[0]}"
  fi
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    fail "$name: section timed out after ${SECTION_TIMEOUT}s" | tee -a "$results"
  elif [ "$rc" -ne 0 ]; then
    fail "$name: section ended with status $rc: $(tail -n 3 "$tmp/$name.err" | tr '\n' ' ')" |
      tee -a "$results"
  fi
  timings="$timings $name $(($(date +%s) - t0))s"
}
timings=""

# (stderr of the shell itself: its "Killed" notice when a section times out)
{
  run_section systemd 0
  run_section nginx 1
  run_section coturn 1
  run_section redis 1
  run_section compose 0
} 2>/dev/null

passed="$(grep -c '^ok' "$results")"
failed="$(grep -c '^FAIL' "$results")"
skipped="$(grep -c '^skip' "$results")"
echo "check-infra: $passed ok, $failed failed, $skipped skipped in $(($(date +%s) - started)) s ($timings )"
[ "$failed" -eq 0 ]
