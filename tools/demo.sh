#!/usr/bin/env bash
# The main job: installs dependencies, builds, and runs Fairway's scheduling core on the built-in
# GPU scenario (two accounts competing on 16 nodes x 8 GPUs) through `fairway sim`, printing the
# schedule summary. Extra arguments go to `fairway sim` (try --help).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/tools/build.sh" >/dev/null
exec "$root/build/operator/fairway" sim --settings "$root/sim/settings/fairway.yaml" "$@"
