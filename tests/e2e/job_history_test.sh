#!/usr/bin/env bash
# End-to-end job history (sacct after the Job is gone): the operator, with deploy/base's RBAC,
# writes a JobRecord when a Job ends; after the Jobs are deleted the real kubectl runs
# `kubectl fairway sacct` as alice, who may edit namespace team-a only (deploy/base's user roles):
# she sees team-a's history, not team-b's, and cannot delete a record.
# usage: job_history_test.sh <fairway binary> <kubectl-fairway binary> <source root>
# Exit 77 (ctest SKIP_RETURN_CODE) when kubectl is not installed.
set -euo pipefail

FAIRWAY=${1:?fairway binary}
PLUGIN=${2:?kubectl-fairway binary}
ROOT=${3:?source root}

# shellcheck source=lib.sh
. "$ROOT/tests/e2e/lib.sh"
require_kubectl

use_scratch OP_PID SB_PID
fail() {
  echo "FAIL: $*" >&2
  kubectl --kubeconfig "$TMP/kubeconfig" --context admin get fjob,jobrecords -A >&2 2>/dev/null || true
  echo "--- operator log (tail)" >&2; tail -n 30 "$TMP"/operator.err >&2 2>/dev/null || true
  exit 1
}
step() { echo "== $*"; }

cat >"$TMP/tokens.csv" <<'CSV'
alice-token,alice,uid-alice
admin-token,admin,uid-admin,"fairway:admins,system:masters"
operator-token,system:serviceaccount:fairway-system:fairway-operator,uid-operator,"system:serviceaccounts,system:serviceaccounts:fairway-system"
CSV
"$FAIRWAY" sandbox --port 0 --tls --nodes 2 --gpus-per-node 8 --crds "$ROOT/crds" --start-delay-ms 50 \
  --token-auth-file "$TMP/tokens.csv" \
  --kubeconfig-out "$TMP/sandbox.kubeconfig" >"$TMP/sandbox.out" 2>"$TMP/sandbox.err" &
SB_PID=$!
wait_for_sandbox "$TMP/sandbox.out" "$SB_PID"

SERVER=$(kubectl config view --kubeconfig "$TMP/sandbox.kubeconfig" -o jsonpath='{.clusters[0].cluster.server}')
kubectl config view --kubeconfig "$TMP/sandbox.kubeconfig" --raw \
  -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' | base64 -d >"$TMP/ca.crt"
KC="$TMP/kubeconfig"
kubectl config --kubeconfig "$KC" set-cluster sandbox --server "$SERVER" \
  --certificate-authority "$TMP/ca.crt" --embed-certs >/dev/null
for who in alice admin operator; do
  kubectl config --kubeconfig "$KC" set-credentials "$who-cred" --token "$who-token" >/dev/null
  kubectl config --kubeconfig "$KC" set-context "$who" --cluster sandbox --user "$who-cred" \
    --namespace team-a >/dev/null
done
export KUBECONFIG="$KC"
mkdir -p "$TMP/bin"
ln -s "$(realpath "$PLUGIN")" "$TMP/bin/kubectl-fairway"
export PATH="$TMP/bin:$PATH"
K() { local who=$1; shift; kubectl --context "$who" --cache-dir "$TMP/cache-$who" --request-timeout=15s "$@"; }

step "install: namespace, operator RBAC and user roles (deploy/base); alice edits team-a"
for f in namespace rbac user-roles; do
  K admin apply -f "$ROOT/deploy/base/$f.yaml" >/dev/null || fail "apply deploy/base/$f.yaml"
done
K admin create namespace team-a >/dev/null
K admin create namespace team-b >/dev/null
K admin create rolebinding people-edit --clusterrole=edit --user=alice -n team-a >/dev/null

"$FAIRWAY" operator --context operator --namespace fairway-system --no-leader-elect --no-webhook \
  --metrics-address "" --cycle-interval-ms 200 --job-history-days 7 \
  >"$TMP/operator.out" 2>"$TMP/operator.err" &
OP_PID=$!

K admin apply -f - >/dev/null <<'YAML' || fail "partition"
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

step "one short job in each namespace runs to the end"
for ns in team-a team-b; do
  K admin apply -f - >/dev/null <<YAML || fail "submit in $ns"
apiVersion: fairway.dev/v1alpha1
kind: Job
metadata: {name: short, namespace: $ns, annotations: {fairway.dev/sim-duration: "1"}}
spec:
  user: alice
  account: physics
  resources: {gpus: 2}
  template: {spec: {containers: [{name: main, image: busybox, command: [sleep, "1"]}]}}
YAML
done
completed() { [ "$(K admin get fjob short -n "$1" -o jsonpath='{.status.state}')" = COMPLETED ]; }
wait_for 30 "team-a's job to complete" completed team-a
wait_for 30 "team-b's job to complete" completed team-b
recorded() { [ "$(K admin get jobrecords -n "$1" -o name | wc -l)" = 1 ]; }
wait_for 10 "team-a's record" recorded team-a
wait_for 10 "team-b's record" recorded team-b
ID=$(K admin get fjob short -n team-a -o jsonpath='{.status.jobID}')
K admin delete fjob short -n team-a >/dev/null
K admin delete fjob short -n team-b >/dev/null

step "alice's sacct shows team-a's deleted job from its record"
kubectl fairway sacct --context alice -S now-1days -o JobID,JobName,State,AllocGPUS -n \
  >"$TMP/sacct.txt" 2>"$TMP/sacct.err" || fail "sacct: $(cat "$TMP/sacct.err")"
cat "$TMP/sacct.txt"
grep -Eq "^$ID +short +COMPLETED +2 $" "$TMP/sacct.txt" || fail "sacct row: $(cat "$TMP/sacct.txt")"
[ ! -s "$TMP/sacct.err" ] || fail "sacct warned: $(cat "$TMP/sacct.err")"

step "alice may not read team-b's history, nor delete a record"
if kubectl fairway sacct --context alice --namespace team-b -S now-1days >"$TMP/out" 2>"$TMP/err"; then
  fail "alice read team-b: $(cat "$TMP/out")"
fi
grep -q "forbidden\|denied" "$TMP/err" || fail "team-b refusal: $(cat "$TMP/err")"
if K alice delete jobrecords --all -n team-a >"$TMP/out" 2>"$TMP/err"; then fail "alice deleted a record"; fi
grep -q 'cannot delete resource "jobrecords"' "$TMP/err" || fail "delete refusal: $(cat "$TMP/err")"
echo PASS
