# Shared helpers of the e2e scripts (sourced, not run). Each script sets TMP, defines fail(), and
# then uses:
#   require_kubectl                  exit 77 (ctest SKIP_RETURN_CODE) without the real kubectl
#   stop_process PID                 SIGCONT (it may be paused), SIGTERM, then SIGKILL if it has
#                                    not exited within 5 s
#   wait_for SECS WHAT CMD...        polls CMD every 0.2 s until it succeeds, else fail()s
#   wait_for_sandbox OUT PID         until `fairway sandbox` (stdout in OUT) wrote its kubeconfig
#   use_scratch VAR...               TMP=$(mktemp -d) and the named PID variables set empty; on
#                                    exit, stop_process on each of them in that order, then
#                                    remove TMP

require_kubectl() {
  if ! command -v kubectl >/dev/null 2>&1; then
    echo "SKIP: kubectl not found on PATH; this test needs the real kubectl"
    exit 77
  fi
}

stop_process() {
  local pid=$1
  [ -n "$pid" ] || return 0
  kill -CONT "$pid" 2>/dev/null || true
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

wait_for() {
  local secs=$1 what=$2
  shift 2
  local deadline=$((SECONDS + secs))
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || fail "timed out after ${secs}s waiting for $what"
    sleep 0.2
  done
}

wait_for_sandbox() {
  local out=$1 pid=$2
  for _ in $(seq 1 100); do
    grep -q "kubeconfig written" "$out" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  fail "sandbox did not start"
}

# Points kubectl at the sandbox's kubeconfig in $TMP, puts the plugin ($PLUGIN) on PATH as
# kubectl-fairway, and sets K, the kubectl command line the tests run.
use_sandbox_kubectl() {
  mkdir -p "$TMP/bin"
  ln -s "$PLUGIN" "$TMP/bin/kubectl-fairway"
  export PATH="$TMP/bin:$PATH"
  export KUBECONFIG="$TMP/kubeconfig"
  K=(kubectl --cache-dir "$TMP/cache" --request-timeout=10s)
}

use_scratch() {
  TMP=$(mktemp -d)
  SCRATCH_PID_VARS=("$@")
  local v
  for v in "$@"; do printf -v "$v" '%s' ""; done
  trap scratch_cleanup EXIT
}

scratch_cleanup() {
  local v
  for v in "${SCRATCH_PID_VARS[@]}"; do stop_process "${!v}"; done
  rm -rf "$TMP"
}
