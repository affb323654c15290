#!/usr/bin/env bash
# End-to-end: `fairway sandbox` + `fairway operator`, with the real kubectl and curl:
#   - /healthz and /readyz answer on the metrics listener (what the chart's probes call);
#   - `kubectl wait --for=condition=...` works on Jobs: Complete, Held, Failed, Started;
#   - the TIME column of `kubectl get fjob` moves while a job runs (--elapsed-refresh 1s here);
#   - /metrics counts completions by final state and queue waits by partition.
# usage: operator_health_conditions_test.sh <fairway binary> <source root>
# Exit 77 (ctest SKIP_RETURN_CODE) when kubectl is not installed.
set -euo pipefail

FAIRWAY=${1:?fairway binary}
ROOT=${2:?source root}

# shellcheck source=lib.sh
. "$ROOT/tests/e2e/lib.sh"
require_kubectl
command -v curl >/dev/null 2>&1 || { echo "SKIP: curl not found"; exit 77; }

use_scratch OP_PID SB_PID
fail() {
  echo "FAIL: $*" >&2
  { "${K[@]}" get fjob -o wide; "${K[@]}" get fjob -o yaml | grep -A40 'conditions:'; } >&2 2>/dev/null || true
  echo "--- operator log (tail)" >&2; tail -n 30 "$TMP"/operator.err >&2 2>/dev/null || true
  echo "--- sandbox log (tail)" >&2; tail -n 10 "$TMP"/sandbox.err >&2 2>/dev/null || true
  exit 1
}
step() { echo "== $*"; }

"$FAIRWAY" sandbox --port 0 --nodes 2 --gpus-per-node 8 --crds "$ROOT/crds" --start-delay-ms 100 \
  --kubeconfig-out "$TMP/kubeconfig" >"$TMP/sandbox.out" 2>"$TMP/sandbox.err" &
SB_PID=$!
wait_for_sandbox "$TMP/sandbox.out" "$SB_PID"
K=(kubectl --kubeconfig "$TMP/kubeconfig" --cache-dir "$TMP/cache" --request-timeout=10s)

"${K[@]}" apply -f - >/dev/null <<'YAML'
apiVersion: fairway.dev/v1alpha1
kind: Partition
metadata: {name: gpu}
spec: {default: true}
---
apiVersion: fairway.dev/v1alpha1
kind: Account
metadata: {name: physics}
spec: {users: [alice]}
YAML

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
METRICS="127.0.0.1:$(free_port)"
"$FAIRWAY" operator --kubeconfig "$TMP/kubeconfig" --metrics-address "$METRICS" --webhook-port 0 \
  --cycle-interval-ms 200 --elapsed-refresh 1s >"$TMP/operator.out" 2>"$TMP/operator.err" &
OP_PID=$!

http_code() { curl -s -o "$TMP/body" -w '%{http_code}' "http://$METRICS$1" || true; }
answers() { [ "$(http_code "$1")" = "$2" ]; }

step "/healthz and /readyz on the metrics listener"
wait_for 15 "/healthz 200" answers /healthz 200
[ "$(cat "$TMP/body")" = ok ] || fail "/healthz body: $(cat "$TMP/body")"
wait_for 30 "/readyz 200 (informers synced, a cycle ran)" answers /readyz 200
answers /nothing 404 || fail "/nothing: $(http_code /nothing)"

job() {  # job NAME SIM_SECONDS [EXTRA SPEC YAML]: a 1-GPU Job
  cat <<YAML
---
apiVersion: fairway.dev/v1alpha1
kind: Job
metadata:
  name: $1
  annotations: {fairway.dev/sim-duration: "$2"}
spec:
  nodes: 1
  resources: {gpus: 1}
  user: alice
  account: physics
${3:-}
YAML
}
{
  job short 1
  job long 60
  job held 1 "  hold: true"
  job fails 0 "  template: {spec: {containers: [{name: main, image: busybox, command: [sh, -c, 'exit 3']}]}}"
} >"$TMP/jobs.yaml"
"${K[@]}" create -f "$TMP/jobs.yaml" >/dev/null || fail "kubectl create"

step "kubectl wait --for=condition=Complete"
"${K[@]}" wait --for=condition=Complete fjob/short --timeout=30s || fail "short never Complete"
[ "$("${K[@]}" get fjob short -o jsonpath='{.status.state}')" = COMPLETED ] || fail "short not COMPLETED"

step "kubectl wait --for=condition=Failed, with Slurm's reason"
"${K[@]}" wait --for=condition=Failed fjob/fails --timeout=30s || fail "fails never Failed"
reason=$("${K[@]}" get fjob fails -o jsonpath='{.status.conditions[?(@.type=="Failed")].reason}')
[ "$reason" = NonZeroExitCode ] || fail "Failed reason: $reason"

step "held: Held until released, then Complete"
"${K[@]}" wait --for=condition=Held fjob/held --timeout=30s || fail "held never Held"
"${K[@]}" patch fjob held --type merge -p '{"spec":{"hold":false}}' >/dev/null
"${K[@]}" wait --for=condition=Held=false fjob/held --timeout=30s || fail "held still Held"
"${K[@]}" wait --for=condition=Complete fjob/held --timeout=30s || fail "held never Complete"

step "the TIME column moves while a job runs"
"${K[@]}" wait --for=condition=Started fjob/long --timeout=30s || fail "long never Started"
time_column() {  # the TIME cell of `kubectl get fjob NAME`, found by its header
  "${K[@]}" get fjob "$1" | awk 'NR==1 { for (i = 1; i <= NF; i++) if ($i == "TIME") c = i }
                                 NR==2 { print $c }'
}
moved() { t=$(time_column long); [ -n "$t" ] && [ "$t" != "0:00" ]; }
wait_for 15 "TIME of long to move from 0:00" moved
first=$(time_column long)
sleep 2.5
second=$(time_column long)
[ "$first" != "$second" ] || fail "TIME of long stuck at $first"
echo "TIME: $first -> $second"
"${K[@]}" get fjob

step "/metrics: completions by final state, queue waits by partition"
answers /metrics 200 || fail "/metrics: $(http_code /metrics)"
grep -q '^fairway_jobs_completed_total{state="COMPLETED"} 2$' "$TMP/body" ||
  fail "completions: $(grep fairway_jobs_completed_total "$TMP/body")"
grep -q '^fairway_jobs_completed_total{state="FAILED"} 1$' "$TMP/body" ||
  fail "failures: $(grep fairway_jobs_completed_total "$TMP/body")"
grep -q '^fairway_job_queue_wait_seconds_count{partition="gpu"} 4$' "$TMP/body" ||
  fail "queue waits: $(grep fairway_job_queue_wait_seconds_count "$TMP/body")"

kill -0 "$OP_PID" 2>/dev/null || fail "operator exited"
echo PASS
