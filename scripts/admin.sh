#!/usr/bin/env bash
# Administers organiser accounts in the service's SQLite file, e.g.:
#   bash scripts/admin.sh create-account --email avocate@example.fr --name "Me Durand" --role admin
#   (asks the password at the terminal without showing it, or reads one line from a pipe;
#   prints the one-time-code secret and recovery codes)
#   bash scripts/admin.sh invite-account --email clerc@example.fr --name "M. Petit"
#   bash scripts/admin.sh list-accounts | disable-account --email E | reset-totp --email E
# DATABASE_PATH (default data/confidentiel.sqlite, as scripts/start.sh uses) selects the file.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [[ ! -x .tools/node-24.22.3/bin/node ]]; then
  bash scripts/setup.sh >&2
fi
# shellcheck source=/dev/null
source .tools/env.sh
export DATABASE_PATH="${DATABASE_PATH:-data/confidentiel.sqlite}"
exec node apps/signaling/src/cli/admin.ts "$@"
