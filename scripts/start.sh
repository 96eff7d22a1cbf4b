#!/usr/bin/env bash
# Runs the service on this machine: signaling + SFU + web app on
# http://localhost:8080 (loopback only unless configured otherwise).
# Installs what it needs first (see scripts/setup.sh).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
# shellcheck source=/dev/null
source .tools/env.sh
echo "Confidentiel: http://localhost:${PORT:-8080}" >&2
exec node scripts/serve.ts
