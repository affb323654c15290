#!/usr/bin/env bash
# End-to-end submit limits (issue #16): token-authenticated users, the operator serving the
# admission webhook from deploy/base, the real kubectl and the plugin.
#  - alice over her own maxSubmitJobs (spec.userLimits) is refused at submission with Slurm
#    22.05's two lines (tools/slurm-lab/results/d_limits.txt, case 5), and nothing is stored;
#  - the limit is hers: bob in the same account still submits;
#  - a limit lowered after admission keeps the job already admitted, pending with Slurm's reason;
#  - sbatch --test-only, which plans over the whole cluster, tells a plain user what it needs.
# usage: submit_limits_test.sh <fairway binary> <kubectl-fairway binary> <source root>
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
  kubectl --kubeconfig "$TMP/kubeconfig" --context admin get fjob -A -o wide >&2 2>/dev/null || true
  echo "--- operator log (tail)" >&2; tail -n 30 "$TMP"/operator.err >&2 2>/dev/null || true
  exit 1
}
step() { echo "== $*"; }

WEBHOOK_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$TMP/tokens.csv" <<'CSV'
alice-token,alice,uid-alice
bob-token,bob,uid-bob
admin-token,admin,uid-admin,"fairway:admins,system:masters"
operator-token,system:serviceaccount:fairway-system:fairway-operator,uid-operator,"system:serviceaccounts,system:serviceaccounts:fairway-system"
CSV
"$FAIRWAY" sandbox --port 0 --tls --nodes 2 --gpus-per-node 8 --crds "$ROOT/crds" --start-delay-ms 50 \
  --token-auth-file "$TMP/tokens.csv" \
  --webhook-service-address "fairway-system/fairway-webhook=127.0.0.1:$WEBHOOK_PORT" \
  --kubeconfig-out "$TMP/sandbox.kubeconfig" >"$TMP/sandbox.out" 2>"$TMP/sandbox.err" &
SB_PID=$!
wait_for_sandbox "$TMP/sandbox.out" "$SB_PID"

SERVER=$(kubectl config view --kubeconfig "$TMP/sandbox.kubeconfig" -o jsonpath='{.clusters[0].cluster.server}')
kubectl config view --kubeconfig "$TMP/sandbox.kubeconfig" --raw \
  -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' | base64 -d >"$TMP/ca.crt"
KC="$TMP/kubeconfig"
kubectl config --kubeconfig "$KC" set-cluster sandbox --server "$SERVER" \
  --certificate-authority "$TMP/ca.crt" --embed-certs >/dev/null
for who in alice bob admin operator; do
  kubectl config --kubeconfig "$KC" set-credentials "$who-cred" --token "$who-token" >/dev/null
  kubectl config --kubeconfig "$KC" set-context "$who" --cluster sandbox --user "$who-cred" \
    --namespace default >/dev/null
done
export KUBECONFIG="$KC"
mkdir -p "$TMP/bin"
ln -s "$(realpath "$PLUGIN")" "$TMP/bin/kubectl-fairway"
export PATH="$TMP/bin:$PATH"
K() { local who=$1; shift; kubectl --context "$who" --cache-dir "$TMP/cache-$who" --request-timeout=15s "$@"; }
sbatch() { local who=$1; shift; kubectl fairway --context "$who" sbatch "$@"; }

step "install deploy/base (RBAC, user roles, webhooks); the operator serves the webhook"
for f in namespace rbac user-roles webhook; do
  K admin apply -f "$ROOT/deploy/base/$f.yaml" >/dev/null || fail "apply deploy/base/$f.yaml"
done
K admin create rolebinding people-edit --clusterrole=edit --user=alice --user=bob -n default >/dev/null
"$FAIRWAY" operator --context operator --namespace fairway-system --no-leader-elect \
  --metrics-address "" --cycle-interval-ms 200 --webhook-port "$WEBHOOK_PORT" \
  --webhook-address 127.0.0.1 >"$TMP/operator.out" 2>"$TMP/operator.err" &
OP_PID=$!
ca_injected() {
  [ -n "$(K admin get validatingwebhookconfiguration fairway.dev -o jsonpath='{.webhooks[0].clientConfig.caBundle}')" ]
}
wait_for 20 "the webhook's caBundle" ca_injected

K admin apply -f - >/dev/null <<'YAML' || fail "cluster objects"
apiVersion: fairway.dev/v1alpha1
kind: Partition
metadata: {name: gpu}
spec: {default: true, maxTime: "2:00:00", defaultTime: "30:00"}
---
apiVersion: fairway.dev/v1alpha1
kind: Account
metadata: {name: physics}
spec:
  users: [alice, bob]
  defaultFor: [alice, bob]
  userLimits: {alice: {maxSubmitJobs: 2}}
YAML

step "alice submits two jobs: the whole cluster, then one GPU (pending: Resources)"
sbatch alice -J big -N 2 --gpus-per-node 8 --wrap "sleep 600" >"$TMP/out" 2>"$TMP/err" ||
  fail "big: $(cat "$TMP/err")"
sbatch alice -J small -G 1 --wrap "sleep 600" >"$TMP/out" 2>"$TMP/err" || fail "small: $(cat "$TMP/err")"

step "a third is refused as Slurm refuses it; bob may still submit"
if sbatch alice -J third -G 1 --wrap "sleep 600" >"$TMP/out" 2>"$TMP/err"; then
  fail "third job admitted: $(cat "$TMP/out")"
fi
cat "$TMP/err"
[ "$(sed -n 1p "$TMP/err")" = "sbatch: error: AssocMaxSubmitJobLimit" ] || fail "first line: $(cat "$TMP/err")"
sed -n 2p "$TMP/err" | grep -qF "sbatch: error: Batch job submission failed: Job violates accounting/QOS policy (job submit limit, user's size and/or time limits) (AssocMaxSubmitJobLimit: user \"alice\" in account \"physics\" has 2 jobs pending or running, this adds 1;" ||
  fail "second line: $(cat "$TMP/err")"
[ "$(K admin get fjob -o name | wc -l)" = 2 ] || fail "jobs stored: $(K admin get fjob -o name)"
sbatch bob -J bobs -G 1 --wrap "sleep 600" >"$TMP/out" 2>"$TMP/err" || fail "bob: $(cat "$TMP/err")"

step "a limit lowered after admission keeps the admitted job pending with Slurm's reason"
K admin patch account physics --type merge -p '{"spec":{"userLimits":{"alice":{"maxSubmitJobs":1}}}}' \
  >/dev/null || fail "lowering the limit"
reason_is() {
  [ "$(K admin get fjob small -o jsonpath='{.status.state}/{.status.reason}')" = "PENDING/AssocMaxSubmitJobLimit" ]
}
wait_for 20 "alice's second job pending with AssocMaxSubmitJobLimit" reason_is

step "sbatch --test-only as a plain user: the listing it needs, in its words"
if sbatch bob --test-only -G 1 --wrap "sleep 1" >"$TMP/out" 2>"$TMP/err"; then
  fail "bob listed the whole cluster: $(cat "$TMP/err")"
fi
grep -qF "sbatch: error: --test-only plans on this machine over the whole cluster: it needs to list nodes, pods and fairway.dev Jobs in all namespaces" "$TMP/err" ||
  fail "test-only refusal: $(cat "$TMP/err")"
echo PASS
