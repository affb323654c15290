#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ (clang, ./build-fuzz, ccache) and runs each one:
#   bench/fuzz.sh N         N minutes per target; new inputs that reach new code are added to
#                           its corpus fuzz/corpus/<name> (minimised with -merge=1), so commit
#                           them
#   bench/fuzz.sh --smoke   a few seconds per target on the checked-in corpus, which is left as
#                           it is (what CI runs)
# A crash leaves its reproducer (crash-*, leak-*, timeout-*) in ./build-fuzz/artifacts and fails
# the run; replay it with ./build-fuzz/fuzz/<name>_fuzz <file>.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
arg=${1:?usage: bench/fuzz.sh MINUTES | --smoke}
if [ "$arg" = "--smoke" ]; then
  seconds=${FUZZ_SMOKE_SECONDS:-5}
  keep=0
elif [[ "$arg" =~ ^[0-9]+$ ]] && [ "$arg" -gt 0 ]; then
  seconds=$((arg * 60))
  keep=1
else
  echo "usage: bench/fuzz.sh MINUTES | --smoke" >&2
  exit 2
fi

build="$root/build-fuzz"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
      -DCMAKE_CXX_COMPILER=clang++ -DFAIRWAY_BUILD_FUZZ=ON -DFAIRWAY_BUILD_TESTS=OFF \
      -DFAIRWAY_BUILD_BENCH=OFF -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
      -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" >/dev/null
targets=()
for src in "$root"/fuzz/*_fuzz.cc; do targets+=("$(basename "$src" .cc)"); done
cmake --build "$build" -j "${JOBS:-2}" --target "${targets[@]}"

artifacts="$build/artifacts"
mkdir -p "$artifacts"
for target in "${targets[@]}"; do
  name=${target%_fuzz}
  corpus="$root/fuzz/corpus/$name"
  [ -d "$corpus" ] || { echo "fuzz: $target has no corpus $corpus" >&2; exit 1; }
  flags=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
         -artifact_prefix="$artifacts/$name-")
  [ -f "$root/fuzz/$name.dict" ] && flags+=(-dict="$root/fuzz/$name.dict")
  # New inputs go to the first directory: a scratch one, merged into the corpus afterwards.
  scratch=$(mktemp -d)
  echo "== $target: ${seconds}s"
  "$build/fuzz/$target" "${flags[@]}" "$scratch" "$corpus" 2>"$build/$name.log" \
    || { tail -40 "$build/$name.log" >&2; rm -rf "$scratch"; exit 1; }
  grep -E "stat::number_of_executed_units|stat::new_units_added" "$build/$name.log" || true
  if [ "$keep" -eq 1 ]; then
    before=$(find "$corpus" -type f | wc -l)
    "$build/fuzz/$target" -merge=1 "$corpus" "$scratch" >/dev/null 2>&1
    echo "corpus $name: $before -> $(find "$corpus" -type f | wc -l) inputs"
  fi
  rm -rf "$scratch"
done
