#!/usr/bin/env bash
# Installs everything the service and its tests need, idempotently, on a fresh
# Debian 12 machine that reaches only Debian's archive and the npm registry:
# Debian packages, Node 24, npm packages, the mediasoup worker (built from
# source, cached outside the repository) and the web app build.
#
#   source <(bash scripts/setup.sh --print-env)   # or just: bash scripts/setup.sh
#
# Writes .tools/env.sh (PATH with Node 24 first, MEDIASOUP_WORKER_BIN) for the
# other scripts to source. Set SETUP_SKIP_BROWSER=1 to skip Chromium.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
log() { echo "setup: $*" >&2; }

# 1. Debian packages: runtime libraries of the worker and what tests drive (poppler-utils:
#    pdftotext reads the procès-verbal PDF back).
packages=(ca-certificates openssl iproute2 util-linux libuv1 libssl3 libsrtp2-1 libflatbuffers2
  nginx coturn redis-server postgresql curl gettext-base janus poppler-utils)
# Daemons installed only so that tests can start their own copies (in the
# foreground, on loopback, in a private namespace): the packaged services must
# never run (Debian would start nginx on port 80 of every interface).
daemon_packages=(nginx coturn redis-server postgresql janus)
if [ -z "${SETUP_SKIP_BROWSER:-}" ]; then
  # Chromium drives most browser tests; Firefox ESR (what French administrations deploy) the
  # rest, headed on a virtual display (Xvfb) where it shares its screen.
  packages+=(chromium firefox-esr xvfb)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "missing Debian packages (${missing[*]}); run as root or install them"
    exit 1
  fi
  log "installing Debian packages: ${missing[*]}"
  apt-get update -qq >&2
  # policy-rc.d exit 101 keeps the packages' services from starting at
  # install (honoured by invoke-rc.d and deb-systemd-invoke); one already
  # in place is left alone.
  own_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# confidentiel scripts/setup.sh, during apt-get install only\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
    own_policy=1
  fi
  install_status=0
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 ||
    install_status=$?
  [ -z "$own_policy" ] || rm -f /usr/sbin/policy-rc.d
  [ "$install_status" -eq 0 ] || exit "$install_status"
  # Then stopped (in case) and disabled, with or without systemd running.
  for p in "${daemon_packages[@]}"; do
    [[ " ${missing[*]} " == *" $p "* ]] || continue
    if command -v systemctl >/dev/null 2>&1; then
      if [ -d /run/systemd/system ]; then
        systemctl stop "$p" >/dev/null 2>&1 || true
      fi
      systemctl disable "$p" >/dev/null 2>&1 || true
    fi
    if [ -x "/etc/init.d/$p" ]; then
      "/etc/init.d/$p" stop >/dev/null 2>&1 || true
      update-rc.d "$p" disable >/dev/null 2>&1 || true
    fi
    log "$p installed for the tests; its packaged service is stopped and disabled"
  done
fi

# 2. Node 24 first on PATH for every later command, npm's own scripts included.
node_bin="$(bash scripts/ensure-node.sh)"
export PATH="$node_bin:$PATH"
log "node $(node -v)"

# 3. npm packages, reinstalled only when the lock file changed.
lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
stamp="node_modules/.confidentiel-lock-hash"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  log "npm ci"
  # MEDIASOUP_WORKER_BIN set: mediasoup's postinstall (if run) skips its download.
  MEDIASOUP_WORKER_BIN=/nonexistent npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$lock_hash" > "$stamp"
fi

# 4. The mediasoup worker, built offline and cached (minutes the first time).
worker_bin="$(bash scripts/build-mediasoup-worker.sh | tail -n 1)"
if [ ! -x "$worker_bin" ]; then
  log "mediasoup worker build failed"
  exit 1
fi
export MEDIASOUP_WORKER_BIN="$worker_bin"

# 5. The web app.
log "building the web app"
npm run build --workspace apps/web --silent >&2

mkdir -p .tools
cat > .tools/env.sh <<ENV
export PATH="$node_bin:\$PATH"
export MEDIASOUP_WORKER_BIN="$worker_bin"
ENV
log "ready"
