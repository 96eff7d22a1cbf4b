#!/usr/bin/env bash
# Runs every test: lint, type-check, unit and integration tests (vitest, real
# mediasoup workers), and browser tests (Playwright driving Debian's Chromium
# with a fake camera and microphone, inside a private network namespace that
# has only loopback). Installs what it needs first (see scripts/setup.sh).
# Ends with one line "N passed, N failed".
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh || { echo "0 passed, 1 failed"; exit 1; }
# shellcheck source=/dev/null
source .tools/env.sh
reports=".tools/reports"
rm -rf "$reports" && mkdir -p "$reports"
status=0
failed_checks=0
step() { echo "== $*" >&2; }
check() {
  step "$1"
  shift
  "$@" || { status=1; failed_checks=$((failed_checks + 1)); echo "== FAILED: $*" >&2; }
}

check "lint" npm run --silent lint
check "format" npm run --silent format:check
check "typecheck" npm run --silent typecheck
check "infra configuration" bash scripts/check-infra.sh

step "unit and integration tests (vitest)"
npx vitest run --reporter=default --reporter=json --outputFile.json="$reports/vitest.json" || status=1

# The browser tests read the page through test hooks (window.__meeting): a build of its own,
# apps/web/dist-test; the production build (apps/web/dist, served by scripts/start.sh) has none.
check "web app with test hooks" env VITE_TEST_HOOKS=true npm run --silent build --workspace apps/web -- --outDir dist-test

step "browser tests (Playwright, Chromium, private loopback-only network namespace)"
# The namespace has only `lo`: no packet can leave this machine.
if [ "$(id -u)" -eq 0 ]; then
  netns=(unshare --net)
else
  netns=(unshare --user --map-root-user --net)
fi
"${netns[@]}" bash -c 'ip link set lo up && cd tests && npx playwright test' || status=1

node scripts/test-summary.ts "$reports" "$failed_checks" || status=1
exit "$status"
