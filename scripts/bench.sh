#!/usr/bin/env bash
# Runs the benchmarks side by side with their peers (Janus, the service without
# E2EE, raw WebCrypto, one signaling node against two) and writes the results
# table (bench/results/latest.md and .json) and the plots (bench/results/plots).
# Not part of the test command: it takes ~30 min at the default 5 runs.
#
#   bash scripts/bench.sh                      # every section, 5 runs each
#   bash scripts/bench.sh --only media,e2ee    # some sections (others keep their last results)
#   bash scripts/bench.sh --quick              # shorter loads, 3 runs: to try it, not to quote
#
# Everything runs inside a private network namespace with only loopback: no
# packet leaves the machine. The system under test is pinned to core 0, the
# load generators (bots, Chromium) to the other core(s).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
# shellcheck source=/dev/null
source .tools/env.sh
# The browser sections serve the web app with its test hooks (as the browser tests do).
VITE_TEST_HOOKS=true npm run --silent build --workspace apps/web -- --outDir dist-test >&2
if [ "$(id -u)" -eq 0 ]; then
  netns=(unshare --net)
else
  netns=(unshare --user --map-root-user --net)
fi
exec "${netns[@]}" bash -c 'ip link set lo up && exec node bench/src/main.ts "$@"' bench "$@"
