#!/usr/bin/env bash
# End-to-end: `fairway sandbox` + `fairway operator`, and the real kubectl applies every manifest
# in examples/ (partitions, accounts, QoS, jobs). Every Job that can finish reaches COMPLETED; the
# held job waits with reason JobHeldUser until released; the begin-time job waits with reason
# BeginTime; `kubectl get fjob` prints the squeue-like columns.
# usage: operator_examples_test.sh <fairway binary> <source root>
# Exit 77 (ctest SKIP_RETURN_CODE) when kubectl is not installed.
set -euo pipefail

FAIRWAY=${1:?fairway binary}
ROOT=${2:?source root}

# shellcheck source=lib.sh
. "$ROOT/tests/e2e/lib.sh"
require_kubectl

use_scratch OP_PID SB_PID
fail() {
  echo "FAIL: $*" >&2
  { "${K[@]}" get fjob -o wide; "${K[@]}" get pods -o wide; } >&2 2>/dev/null || true
  echo "--- operator log (tail)" >&2; tail -n 40 "$TMP"/operator.err >&2 2>/dev/null || true
  echo "--- sandbox log (tail)" >&2; tail -n 20 "$TMP"/sandbox.err >&2 2>/dev/null || true
  exit 1
}
step() { echo "== $*"; }

# The commands of the README's "Running the examples in the sandbox": four nodes x 8 A100 GPUs
# from examples/sandbox-nodes.csv, named as examples/partitions.yaml expects (debug:
# gpu-node-01/02) and large enough for examples/job-multinode.yaml (96 CPUs, 900Gi per node).
"$FAIRWAY" sandbox --port 0 --node-list "$ROOT/examples/sandbox-nodes.csv" --crds "$ROOT/crds" \
  --start-delay-ms 100 --kubeconfig-out "$TMP/kubeconfig" >"$TMP/sandbox.out" 2>"$TMP/sandbox.err" &
SB_PID=$!
wait_for_sandbox "$TMP/sandbox.out" "$SB_PID"

export KUBECONFIG="$TMP/kubeconfig"
K=(kubectl --kubeconfig "$TMP/kubeconfig" --cache-dir "$TMP/cache" --request-timeout=10s)

# The partitions select nodes by label (fairway.dev/pool=gpu) and the multi-node job by
# constraint (fairway.dev/fabric=infiniband): label the simulated nodes like a real GPU pool.
step "label the simulated nodes"
"${K[@]}" label nodes --all fairway.dev/pool=gpu fairway.dev/fabric=infiniband >/dev/null
# The debug partition names nodes: they must be real ones.
for n in $(sed -n 's/^  nodes: \[\(.*\)\]$/\1/p' "$ROOT/examples/partitions.yaml" | tr -d ' ' | tr ',' ' '); do
  "${K[@]}" get node "$n" >/dev/null || fail "examples/partitions.yaml names node $n, which the sandbox lacks"
done

"$FAIRWAY" operator --kubeconfig "$TMP/kubeconfig" --config "$ROOT/sim/settings/fairway.yaml" \
  --no-leader-elect --metrics-address "" --cycle-interval-ms 200 --webhook-port 0 \
  >"$TMP/operator.out" 2>"$TMP/operator.err" &
OP_PID=$!

# Two adjustments to copies of the examples, each Job otherwise as written:
#  - the example pods run `python ...`, which the kubelet simulator cannot time: every Job gets a
#    short simulated run time (annotation fairway.dev/sim-duration, copied onto its pods);
#  - every Job names its user (spec.user, stamped by the admission webhook in a real cluster;
#    the sandbox has none, so the examples set it).
step "copy examples/ with a sim-duration annotation on every Job"
mkdir -p "$TMP/examples"
for f in "$ROOT"/examples/*.yaml; do
  sed -e '/^kind: Job$/,/^metadata:$/{s/^metadata:$/metadata:\n  annotations: {fairway.dev\/sim-duration: "1"}/}' \
    "$f" >"$TMP/examples/$(basename "$f")"
done
count() { cat "$TMP"/examples/job-*.yaml | grep -c "$1" || true; }
jobs_total=$(count '^kind: Job$')
[ "$(count 'fairway.dev/sim-duration')" -eq "$jobs_total" ] || fail "annotation not inserted into every Job"
[ "$(count '^  user: ')" -eq "$jobs_total" ] || fail "an example Job has no spec.user"

step "kubectl apply -f examples/"
"${K[@]}" apply -f "$TMP/examples/" || fail "kubectl apply"
for j in sweep nightly-report prep-data train-after-prep held-eval llm-pretrain single-gpu; do
  "${K[@]}" get fjob "$j" >/dev/null || fail "job $j not created"
done

state() { "${K[@]}" get fjob "$1" -o jsonpath='{.status.state}' 2>/dev/null || true; }
reason() { "${K[@]}" get fjob "$1" -o jsonpath='{.status.reason}' 2>/dev/null || true; }
is_state() { [ "$(state "$1")" = "$2" ]; }
pending_with() { [ "$(state "$1")" = PENDING ] && [ "$(reason "$1")" = "$2" ]; }

step "held job pends with JobHeldUser, begin-time job with BeginTime"
wait_for 30 "held-eval PENDING/JobHeldUser" pending_with held-eval JobHeldUser
wait_for 30 "nightly-report PENDING/BeginTime" pending_with nightly-report BeginTime

step "kubectl get fjob shows the squeue-like columns"
"${K[@]}" get fjob | tee "$TMP/get.txt"
head -1 "$TMP/get.txt" | grep -q 'JOBID' || fail "no JOBID column: $(head -1 "$TMP/get.txt")"
head -1 "$TMP/get.txt" | grep -qF 'NODELIST(REASON)' || fail "no NODELIST(REASON) column: $(head -1 "$TMP/get.txt")"

step "every runnable job completes"
all_done() {
  local j
  for j in single-gpu prep-data train-after-prep llm-pretrain sweep; do
    [ "$(state "$j")" = COMPLETED ] || return 1
  done
}
wait_for 90 "single-gpu, prep-data, train-after-prep, llm-pretrain, sweep COMPLETED" all_done
"${K[@]}" get fjob

step "the dependency chain ran in order"
prep_end=$("${K[@]}" get fjob prep-data -o jsonpath='{.status.endTime}')
train_start=$("${K[@]}" get fjob train-after-prep -o jsonpath='{.status.startTime}')
[ -n "$prep_end" ] && [ -n "$train_start" ] || fail "missing prep endTime ($prep_end) / train startTime ($train_start)"
[[ ! "$train_start" < "$prep_end" ]] || fail "train-after-prep started ($train_start) before prep-data ended ($prep_end)"

step "the array completed all 100 tasks"
completed=$("${K[@]}" get fjob sweep -o jsonpath='{.status.array.taskCounts.COMPLETED}')
[ "$completed" = 100 ] || fail "sweep: $completed tasks completed, want 100 ($("${K[@]}" get fjob sweep -o jsonpath='{.status.array}'))"

step "the multi-node job ran on 4 nodes"
nodelist=$("${K[@]}" get fjob llm-pretrain -o jsonpath='{.status.nodeList}')
[ "$(echo "$nodelist" | tr ',' '\n' | grep -c .)" -eq 4 ] || fail "llm-pretrain nodeList: $nodelist"

step "held and begin-time jobs still pending"
pending_with held-eval JobHeldUser || fail "held-eval: $(state held-eval)/$(reason held-eval)"
pending_with nightly-report BeginTime || fail "nightly-report: $(state nightly-report)/$(reason nightly-report)"

step "release the held job; it completes"
"${K[@]}" patch fjob held-eval --type merge -p '{"spec":{"hold":false}}' >/dev/null
wait_for 30 "held-eval COMPLETED" is_state held-eval COMPLETED
pending_with nightly-report BeginTime || fail "nightly-report: $(state nightly-report)/$(reason nightly-report)"

"${K[@]}" get fjob
kill -0 "$OP_PID" 2>/dev/null || fail "operator exited"
echo PASS
