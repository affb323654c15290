#!/usr/bin/env bash
# Installs dependencies, builds everything, and runs the whole test suite with ctest; then the
# sanitizer builds (tools/sanitize.sh) and a short run of every fuzz target (bench/fuzz.sh).
# FAIRWAY_SANITIZERS="" and FAIRWAY_FUZZ_SMOKE=0 skip those.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/tools/build.sh"
(cd "$root/build" && ctest --output-on-failure -j "${JOBS:-2}")
for mode in ${FAIRWAY_SANITIZERS-asan tsan}; do
  "$root/tools/sanitize.sh" "$mode"
done
if [ "${FAIRWAY_FUZZ_SMOKE:-1}" != 0 ]; then
  "$root/bench/fuzz.sh" --smoke
fi
