#!/usr/bin/env bash
# The benchmarks' regression guard: runs the guarded sections (or reads a
# results file given with --results) and compares the figures that matter most
# with bench/baseline.json; fails when one worsens by more than its margin.
#
#   bash scripts/bench-check.sh
#   bash scripts/bench-check.sh --results bench/results/latest.json
#   bash scripts/bench-check.sh --results bench/results/latest.json --update   # new baseline
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
# shellcheck source=/dev/null
source .tools/env.sh
VITE_TEST_HOOKS=true npm run --silent build --workspace apps/web -- --outDir dist-test >&2
if [ "$(id -u)" -eq 0 ]; then
  netns=(unshare --net)
else
  netns=(unshare --user --map-root-user --net)
fi
exec "${netns[@]}" bash -c 'ip link set lo up && exec node bench/src/check.ts "$@"' bench-check "$@"
