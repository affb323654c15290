#!/usr/bin/env bash
# The main job: installs dependencies, builds, and runs `fairway demo`: the sandbox API server
# with simulated GPU nodes, the operator against it over real HTTP, and a mixed workload shown
# as a refreshing squeue-like view until it finishes (about a minute). Extra arguments go to
# `fairway demo` (try --help; --keep keeps the sandbox serving for kubectl afterwards).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/tools/build.sh" >/dev/null
cd "$root"
exec "$root/build/operator/fairway" demo "$@"
