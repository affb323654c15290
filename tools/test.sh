#!/usr/bin/env bash
# Installs dependencies, builds everything, and runs the whole test suite with ctest (what CI
# runs). Opt-in extras, each a separate build: FAIRWAY_SANITIZERS="asan tsan" runs the sanitizer
# builds (tools/sanitize.sh), FAIRWAY_FUZZ_SMOKE=1 a short run of every fuzz target
# (bench/fuzz.sh --smoke). They are off by default: from a cold compiler cache each takes more
# than 30 minutes on a 2-core machine, and CI's budget is the whole suite in well under 30.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/tools/build.sh"
(cd "$root/build" && ctest --output-on-failure -j "${JOBS:-2}")
for mode in ${FAIRWAY_SANITIZERS:-}; do
  "$root/tools/sanitize.sh" "$mode"
done
if [ "${FAIRWAY_FUZZ_SMOKE:-0}" != 0 ]; then
  "$root/bench/fuzz.sh" --smoke
fi
