#!/usr/bin/env bash
# Sanitizer builds with clang, each in its own build directory (ccache shared with ./build):
#   tools/sanitize.sh asan   AddressSanitizer + UndefinedBehaviorSanitizer in ./build-asan; the
#                            unit and integration tests (not `slow`)
#   tools/sanitize.sh tsan   ThreadSanitizer in ./build-tsan; the concurrency-heavy tests: the
#                            kube client, informers and leader election, the controllers and the
#                            sandbox server
# Only the test binaries are built (no benchmarks, no fuzzers). Any report fails the run.
set -euo pipefail
mode=${1:?usage: tools/sanitize.sh asan|tsan}
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

case "$mode" in
  asan)
    targets=(common_unit_tests core_unit_tests api_unit_tests config_unit_tests sim_unit_tests
             sandbox_unit_tests controllers_unit_tests kube_unit_tests webhook_unit_tests
             metrics_unit_tests cli_unit_tests deploy_unit_tests sandbox_integration_tests
             controllers_integration_tests kube_integration_tests webhook_integration_tests
             metrics_integration_tests cli_integration_tests)
    select=(-L 'unit|integration' -LE 'slow|e2e')
    ;;
  tsan)
    targets=(kube_unit_tests kube_integration_tests controllers_unit_tests
             controllers_integration_tests sandbox_integration_tests)
    select=(-R '^(kube|controllers|sandbox\.integration)\.' -LE 'slow|e2e')
    ;;
  *)
    echo "usage: tools/sanitize.sh asan|tsan" >&2
    exit 2
    ;;
esac

build="$root/build-$mode"
"$root/tools/install-deps.sh" >/dev/null
# -O1 with line tables only: symbolized reports at a fraction of full debug info's build time.
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFAIRWAY_SANITIZE="$mode" \
      -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DFAIRWAY_BUILD_BENCH=OFF \
      -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
      -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" >/dev/null
cmake --build "$build" -j "${JOBS:-2}" --target "${targets[@]}"

# halt_on_error: the first report fails the test that triggered it. ASan also reports leaks.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
cd "$build"
ctest --output-on-failure -j "${JOBS:-2}" "${select[@]}"
