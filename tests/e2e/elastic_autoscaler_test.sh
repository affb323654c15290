#!/usr/bin/env bash
# End-to-end (issue #14, elastic partitions): `fairway sandbox --autoscaler` + `fairway operator`,
# the real kubectl and the plugin. A job on a partition whose node pool has no nodes:
#  - waits with Resources while its demand-signal pod is unbound and PodScheduled=False/
#    Unschedulable, with the pool's nodeSelector;
#  - the simulated autoscaler adds a pool node, the job runs there and completes, its signal
#    pod is gone;
#  - the node is removed after the scale-down idle time.
# usage: elastic_autoscaler_test.sh <fairway binary> <kubectl-fairway binary> <source root>
# Exit 77 (ctest SKIP_RETURN_CODE) when kubectl is not installed.
set -euo pipefail

FAIRWAY=${1:?fairway binary}
PLUGIN=$(realpath "${2:?kubectl-fairway binary}")
ROOT=${3:?source root}

# shellcheck source=lib.sh
. "$ROOT/tests/e2e/lib.sh"
require_kubectl

use_scratch OP_PID SB_PID
fail() {
  echo "FAIL: $*" >&2
  kubectl fairway squeue -o "%i %j %t %r" >&2 2>/dev/null || true
  "${K[@]}" get nodes,pods -o wide >&2 2>/dev/null || true
  echo "--- sandbox log (tail)" >&2; tail -n 20 "$TMP"/sandbox.err >&2 2>/dev/null || true
  echo "--- operator log (tail)" >&2; tail -n 30 "$TMP"/operator.err >&2 2>/dev/null || true
  exit 1
}
step() { echo "== $*"; }

# The boot delay leaves time to see the signal before the node joins.
"$FAIRWAY" sandbox --port 0 --nodes 1 --gpus-per-node 8 --crds "$ROOT/crds" --start-delay-ms 100 \
  --autoscaler --boot-delay-s 3 --scaledown-idle-s 2 \
  --kubeconfig-out "$TMP/kubeconfig" >"$TMP/sandbox.out" 2>"$TMP/sandbox.err" &
SB_PID=$!
wait_for_sandbox "$TMP/sandbox.out" "$SB_PID"

use_sandbox_kubectl

"$FAIRWAY" operator --kubeconfig "$TMP/kubeconfig" --config "$ROOT/sim/settings/fairway.yaml" \
  --no-leader-elect --metrics-address "" --cycle-interval-ms 200 --webhook-port 0 \
  >"$TMP/operator.out" 2>"$TMP/operator.err" &
OP_PID=$!

step "apply an elastic partition (pool p4d, 0..2 nodes), an account and a job"
"${K[@]}" apply -f - >/dev/null <<'YAML' || fail "kubectl apply"
apiVersion: fairway.dev/v1alpha1
kind: Partition
metadata: {name: gpu}
spec: {default: true}
---
apiVersion: fairway.dev/v1alpha1
kind: Partition
metadata: {name: elastic}
spec:
  nodePools:
  - name: p4d
    nodeSelector: {node.kubernetes.io/instance-type: p4d.24xlarge}
    minNodes: 0
    maxNodes: 2
    gpusPerNode: 8
---
apiVersion: fairway.dev/v1alpha1
kind: Account
metadata: {name: research}
spec: {users: [alice]}
---
apiVersion: fairway.dev/v1alpha1
kind: Job
metadata: {name: train, namespace: default}
spec:
  user: alice
  account: research
  partition: elastic
  resources: {gpus: 8}
  template: {spec: {containers: [{name: c, image: busybox, command: [sh, -c, "sleep 2"]}]}}
YAML

signal_unschedulable() {
  local got
  got=$("${K[@]}" get pods -l fairway.dev/demand-signal=train \
    -o jsonpath='{range .items[*]}{.spec.nodeName}|{.spec.schedulerName}|{.spec.nodeSelector.node\.kubernetes\.io/instance-type}|{.status.conditions[0].reason}{"\n"}{end}' \
    2>/dev/null) || return 1
  [ "$got" = "|fairway|p4d.24xlarge|Unschedulable" ]
}
wait_for 20 "an unbound Unschedulable signal pod for train" signal_unschedulable
kubectl fairway squeue --noheader -o "%j|%t|%r" | grep -q '^train|PD|Resources$' ||
  fail "train is not pending with Resources while its node boots"

step "the autoscaler adds a pool node; the job runs there and completes"
completed() {
  [ "$("${K[@]}" get jobs.fairway.dev train -o jsonpath='{.status.state}' 2>/dev/null)" = COMPLETED ]
}
wait_for 30 "train to complete" completed
node=$("${K[@]}" get jobs.fairway.dev train -o jsonpath='{.status.nodeList}')
[ "$node" = "p4d-dy-0" ] || fail "train ran on '$node', not the added node p4d-dy-0"
[ -z "$("${K[@]}" get pods -l fairway.dev/demand-signal=train -o name)" ] ||
  fail "the signal pod outlived the job's start"

step "the idle node is removed after the scale-down time"
pool_empty() {
  [ -z "$("${K[@]}" get nodes -l node.kubernetes.io/instance-type=p4d.24xlarge -o name 2>/dev/null)" ]
}
wait_for 20 "the pool node to be removed" pool_empty
echo "PASS"
