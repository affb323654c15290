#!/usr/bin/env bash
# Installs missing dependencies, configures and builds Fairway into ./build (Release, -j2, ccache
# when present). Extra arguments go to the CMake configure step.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/tools/install-deps.sh"
# CMakeLists.txt uses ccache (with base_dir set to the tree) when it is installed.
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" "$@" >/dev/null
cmake --build "$root/build" -j "${JOBS:-2}"
