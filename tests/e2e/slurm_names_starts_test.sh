#!/usr/bin/env bash
# End-to-end (issue #16): `fairway sandbox` + `fairway operator`, the real kubectl and the plugin.
#  - spec.jobName is the squeue NAME, and --dependency=singleton groups by it and the user: of two
#    differently named objects with the same jobName, the second waits with reason Dependency;
#  - a job waiting for its begin time shows that time in `squeue --start`;
#  - spec.userLimits binds one user of an account (AssocMaxJobsLimit), not the others, and the
#    held-back job expects to start when the user's running job reaches its time limit.
# usage: slurm_names_starts_test.sh <fairway binary> <kubectl-fairway binary> <source root>
# Exit 77 (ctest SKIP_RETURN_CODE) when kubectl is not installed.
set -euo pipefail

FAIRWAY=${1:?fairway binary}
PLUGIN=$(realpath "${2:?kubectl-fairway binary}")
ROOT=${3:?source root}

# shellcheck source=lib.sh
. "$ROOT/tests/e2e/lib.sh"
require_kubectl

use_scratch OP_PID SB_PID
export TZ=UTC  # squeue prints local times; the begin time below is written in UTC
fail() {
  echo "FAIL: $*" >&2
  kubectl fairway squeue -o "%i %j %u %t %r %S" >&2 2>/dev/null || true
  cat "$TMP/start.txt" >&2 2>/dev/null || true
  echo "--- operator log (tail)" >&2; tail -n 30 "$TMP"/operator.err >&2 2>/dev/null || true
  exit 1
}
step() { echo "== $*"; }

"$FAIRWAY" sandbox --port 0 --nodes 2 --gpus-per-node 8 --crds "$ROOT/crds" --start-delay-ms 100 \
  --kubeconfig-out "$TMP/kubeconfig" >"$TMP/sandbox.out" 2>"$TMP/sandbox.err" &
SB_PID=$!
wait_for_sandbox "$TMP/sandbox.out" "$SB_PID"

use_sandbox_kubectl

"$FAIRWAY" operator --kubeconfig "$TMP/kubeconfig" --config "$ROOT/sim/settings/fairway.yaml" \
  --no-leader-elect --metrics-address "" --cycle-interval-ms 200 --webhook-port 0 \
  >"$TMP/operator.out" 2>"$TMP/operator.err" &
OP_PID=$!

# The sandbox has no admission webhook, so each Job names its user (the webhook stamps it in a
# cluster). Jobs run 120 s in the kubelet simulator (sleep), under a 10-minute limit.
begin=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%S)
job() {  # job OBJECT USER [extra spec lines...]
  local name=$1 user=$2
  shift 2
  printf -- '---\napiVersion: fairway.dev/v1alpha1\nkind: Job\nmetadata: {name: %s, namespace: default}\n' "$name"
  printf 'spec:\n  user: %s\n  account: research\n  timeLimit: "10"\n  resources: {gpus: 1}\n' "$user"
  local line
  for line in "$@"; do printf '  %s\n' "$line"; done
  printf '  template: {spec: {containers: [{name: c, image: busybox, command: [sh, -c, "sleep 120"]}]}}\n'
}
{
  cat <<'YAML'
apiVersion: fairway.dev/v1alpha1
kind: Partition
metadata: {name: gpu}
spec: {default: true, maxTime: "1-00:00:00"}
---
apiVersion: fairway.dev/v1alpha1
kind: Account
metadata: {name: research}
spec:
  users: [alice, bob, carol]
  userLimits: {bob: {maxJobs: 1}}
YAML
  job train-a alice 'jobName: "train run"' 'dependency: singleton'
  job train-b alice 'jobName: "train run"' 'dependency: singleton'
  job other-name alice 'jobName: "eval run"' 'dependency: singleton'
  job later alice "begin: \"$begin\""
  job bob-1 bob
  job bob-2 bob
  job carol-1 carol
  job carol-2 carol
} >"$TMP/objs.yaml"

step "apply a partition, an account with a per-user limit, and the jobs"
"${K[@]}" apply -f "$TMP/objs.yaml" >/dev/null || fail "kubectl apply"

settled() {
  local rows
  rows=$(kubectl fairway squeue --noheader -o "%j|%u|%t|%r" 2>/dev/null) || return 1
  [ "$(grep -c '|R|' <<<"$rows")" -eq 5 ] && [ "$(grep -c '|PD|' <<<"$rows")" -eq 3 ]
}
wait_for 60 "5 running and 3 pending jobs" settled

step "squeue NAME is spec.jobName; singleton groups by it and the user"
kubectl fairway squeue -o "%i %j %u %t %r" >"$TMP/squeue.txt"
cat "$TMP/squeue.txt"
[ "$(grep -c 'train run' "$TMP/squeue.txt")" -eq 2 ] || fail "NAME column: $(cat "$TMP/squeue.txt")"
waiting=$("${K[@]}" get fjob train-a train-b -o jsonpath='{range .items[*]}{.status.state}/{.status.reason} {end}')
case "$waiting" in
  "RUNNING/None PENDING/Dependency " | "PENDING/Dependency RUNNING/None " | "RUNNING/ PENDING/Dependency " | "PENDING/Dependency RUNNING/ ") ;;
  *) fail "singleton pair: $waiting" ;;
esac
[ "$("${K[@]}" get fjob other-name -o jsonpath='{.status.state}')" = RUNNING ] || fail "other-name not running"

step "squeue --start: the begin time, and the end of bob's running job"
bob_start=$("${K[@]}" get fjob bob-1 bob-2 -o jsonpath='{range .items[*]}{.status.startTime}{end}')
[ -n "$bob_start" ] || fail "no bob job started"
expected=$(date -u -d "@$(($(date -u -d "$bob_start" +%s) + 600))" +%Y-%m-%dT%H:%M:%S)
starts_shown() {
  kubectl fairway squeue --start -o "%j %r %S" >"$TMP/start.txt" 2>/dev/null || return 1
  grep -q "^later BeginTime $begin\$" "$TMP/start.txt" &&
    grep -q "AssocMaxJobsLimit $expected\$" "$TMP/start.txt"
}
wait_for 20 "begin time $begin and bob's limit release $expected in squeue --start" starts_shown
cat "$TMP/start.txt"
[ "$("${K[@]}" get fjob carol-1 carol-2 -o jsonpath='{range .items[*]}{.status.state} {end}')" = "RUNNING RUNNING " ] ||
  fail "carol is limited too"
echo "PASS"
