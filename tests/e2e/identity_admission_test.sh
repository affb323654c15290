#!/usr/bin/env bash
# End-to-end identity and admission (issue "the submitter is who the API server says"): the
# sandbox authenticates static tokens and enforces RBAC, the operator serves the admission
# webhook installed by deploy/base/webhook.yaml, and the real kubectl acts as four identities:
# alice (account physics), bob (account biology), carol (no account) and admin (fairway:admins).
# Every abuse case asserts its exact outcome: the exit status, the message, and what is (not)
# stored.
# usage: identity_admission_test.sh <fairway binary> <kubectl-fairway binary> <source root>
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
  echo "--- operator log (tail)" >&2; tail -n 40 "$TMP"/operator.err >&2 2>/dev/null || true
  echo "--- sandbox log (tail)" >&2; tail -n 20 "$TMP"/sandbox.err >&2 2>/dev/null || true
  exit 1
}
CASES=0
step() { echo "== $*"; }
case_() { CASES=$((CASES + 1)); echo "-- case $CASES: $*"; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
WEBHOOK_PORT=$(free_port)

# Identities (kube-apiserver's --token-auth-file format: token,user,uid,"groups").
cat >"$TMP/tokens.csv" <<'CSV'
# token,user,uid,groups
alice-token,alice,uid-alice,"physics-lab"
bob-token,bob,uid-bob,"bio-lab"
carol-token,carol,uid-carol
admin-token,admin,uid-admin,"fairway:admins,system:masters"
operator-token,system:serviceaccount:fairway-system:fairway-operator,uid-operator,"system:serviceaccounts,system:serviceaccounts:fairway-system"
CSV

# TLS: kubectl sends bearer tokens only over HTTPS.
"$FAIRWAY" sandbox --port 0 --tls --nodes 2 --gpus-per-node 8 --crds "$ROOT/crds" --start-delay-ms 100 \
  --token-auth-file "$TMP/tokens.csv" \
  --webhook-service-address "fairway-system/fairway-webhook=127.0.0.1:$WEBHOOK_PORT" \
  --kubeconfig-out "$TMP/sandbox.kubeconfig" >"$TMP/sandbox.out" 2>"$TMP/sandbox.err" &
SB_PID=$!
wait_for_sandbox "$TMP/sandbox.out" "$SB_PID"

# One context per identity; the user entries are named *-cred so that nothing can mistake a
# kubeconfig label for an identity.
SERVER=$(kubectl config view --kubeconfig "$TMP/sandbox.kubeconfig" -o jsonpath='{.clusters[0].cluster.server}')
kubectl config view --kubeconfig "$TMP/sandbox.kubeconfig" --raw \
  -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' | base64 -d >"$TMP/ca.crt"
KC="$TMP/kubeconfig"
kubectl config --kubeconfig "$KC" set-cluster sandbox --server "$SERVER" \
  --certificate-authority "$TMP/ca.crt" --embed-certs >/dev/null
for who in alice bob carol admin operator; do
  kubectl config --kubeconfig "$KC" set-credentials "$who-cred" --token "$who-token" >/dev/null
  kubectl config --kubeconfig "$KC" set-context "$who" --cluster sandbox --user "$who-cred" \
    --namespace default >/dev/null
done
kubectl config --kubeconfig "$KC" use-context admin >/dev/null
export KUBECONFIG="$KC"
export PATH="$(dirname "$PLUGIN"):$PATH"
K() { local who=$1; shift; kubectl --context "$who" --cache-dir "$TMP/cache-$who" --request-timeout=15s "$@"; }

# expect_denied WHO MESSAGE ARGS...: the command fails and its error output contains MESSAGE.
expect_denied() {
  local who=$1 msg=$2
  shift 2
  if K "$who" "$@" >"$TMP/out" 2>"$TMP/err"; then
    fail "$who: kubectl $* succeeded; expected a refusal containing: $msg"
  fi
  grep -qF -- "$msg" "$TMP/err" || fail "$who: kubectl $*: want '$msg', got: $(cat "$TMP/err")"
}
# expect_plugin_denied WHO MESSAGE ARGS...: the same for `kubectl fairway`.
expect_plugin_denied() {
  local who=$1 msg=$2
  shift 2
  if kubectl fairway --context "$who" "$@" >"$TMP/out" 2>"$TMP/err"; then
    fail "$who: kubectl fairway $* succeeded; expected: $msg"
  fi
  grep -qF -- "$msg" "$TMP/err" || fail "$who: kubectl fairway $*: want '$msg', got: $(cat "$TMP/err")"
}
jp() { K admin get "$1" "$2" -o jsonpath="$3"; }
absent() { ! K admin get fjob "$1" >/dev/null 2>&1 || fail "job $1 exists but must not"; }

# job NAME [SPEC-YAML-LINES...]: a Job manifest (2-space-indented spec lines).
job() {
  local name=$1
  shift
  printf 'apiVersion: fairway.dev/v1alpha1\nkind: Job\nmetadata:\n  name: %s\n  namespace: default\n  annotations: {fairway.dev/sim-duration: "600"}\nspec:\n' "$name"
  local have_template=0
  for line in "$@"; do
    printf '  %s\n' "$line"
    case $line in template:*) have_template=1 ;; esac
  done
  if [ "$have_template" = 0 ]; then
    printf '  template:\n    spec:\n      containers:\n      - name: main\n        image: busybox\n        command: [sleep, "600"]\n'
  fi
}

step "install: namespace, operator RBAC, user roles, webhook configurations (deploy/base)"
for f in namespace rbac user-roles webhook; do
  K admin apply -f "$ROOT/deploy/base/$f.yaml" >/dev/null || fail "apply deploy/base/$f.yaml"
done
K admin create rolebinding people-edit --clusterrole=edit --user=alice --user=bob --user=carol \
  -n default >/dev/null

step "operator (service-account token, deploy/base RBAC) serving the webhook on :$WEBHOOK_PORT"
"$FAIRWAY" operator --context operator --namespace fairway-system --no-leader-elect \
  --metrics-address "" --cycle-interval-ms 200 --webhook-port "$WEBHOOK_PORT" \
  --webhook-address 127.0.0.1 >"$TMP/operator.out" 2>"$TMP/operator.err" &
OP_PID=$!
ca_injected() {
  [ -n "$(jp validatingwebhookconfiguration fairway.dev '{.webhooks[0].clientConfig.caBundle}')" ] &&
    [ -n "$(jp mutatingwebhookconfiguration fairway.dev '{.webhooks[0].clientConfig.caBundle}')" ]
}
for _ in $(seq 1 100); do ca_injected && break; kill -0 "$OP_PID" 2>/dev/null || break; sleep 0.2; done
ca_injected || fail "the operator did not write the caBundle"

step "cluster objects (as admin)"
K admin apply -f - >/dev/null <<'YAML' || fail "cluster objects"
apiVersion: fairway.dev/v1alpha1
kind: QoS
metadata: {name: normal}
spec: {priority: 0}
---
apiVersion: fairway.dev/v1alpha1
kind: QoS
metadata: {name: high}
spec: {priority: 100}
---
apiVersion: fairway.dev/v1alpha1
kind: Account
metadata: {name: physics}
spec: {users: [alice], defaultFor: [alice], defaultQos: normal, allowedQos: [normal]}
---
apiVersion: fairway.dev/v1alpha1
kind: Account
metadata: {name: biology}
spec: {users: [bob], defaultQos: normal}
---
apiVersion: fairway.dev/v1alpha1
kind: Partition
metadata: {name: gpu}
spec: {default: true, maxTime: "2:00:00", defaultTime: "30:00"}
---
apiVersion: fairway.dev/v1alpha1
kind: Partition
metadata: {name: bio-only}
spec: {allowAccounts: [biology]}
YAML

step "identity"
case_ "kubectl auth whoami is the token's user"
[ "$(K alice auth whoami -o jsonpath='{.status.userInfo.username}')" = alice ] || fail "whoami alice"
case_ "a user may not create a Partition (RBAC)"
expect_denied alice 'cannot create resource "partitions"' create -f - <<'YAML'
apiVersion: fairway.dev/v1alpha1
kind: Partition
metadata: {name: mine}
spec: {}
YAML

case_ "spoofed spec.user and spec.groups are replaced by the authenticated identity"
job spoof "user: dave" "groups: [system:masters, fairway:admins]" | K alice apply -f - >/dev/null ||
  fail "alice could not submit"
[ "$(jp fjob spoof '{.spec.user}')" = alice ] || fail "spec.user: $(jp fjob spoof '{.spec.user}')"
[ "$(jp fjob spoof '{.spec.groups}')" = '["physics-lab","system:authenticated"]' ] ||
  fail "spec.groups: $(jp fjob spoof '{.spec.groups}')"
case_ "defaults: account from defaultFor, partition, QoS, time limit"
[ "$(jp fjob spoof '{.spec.account}/{.spec.partition}/{.spec.qos}/{.spec.timeLimit}')" = "physics/gpu/normal/30:00" ] ||
  fail "defaults: $(jp fjob spoof '{.spec.account}/{.spec.partition}/{.spec.qos}/{.spec.timeLimit}')"
case_ "GPUs are filled into the template from spec.resources"
job filled "resources: {gpus: 2}" | K alice apply -f - >/dev/null || fail "filled"
[ "$(jp fjob filled '{.spec.template.spec.containers[0].resources.limits.nvidia\.com/gpu}')" = 2 ] ||
  fail "template GPUs: $(jp fjob filled '{.spec.template.spec.containers[0].resources}')"

case_ "an account the user is not in"
job wrong-acct "account: biology" | expect_denied alice \
  "Invalid account or account/partition combination specified" apply -f -
absent wrong-acct
case_ "a user in no account"
job no-acct | expect_denied carol "Invalid account or account/partition combination specified" apply -f -
absent no-acct
case_ "a partition that does not allow the account"
job wrong-part "partition: bio-only" | expect_denied alice \
  "Invalid account or account/partition combination specified" apply -f -
case_ "a QoS the account does not allow"
job wrong-qos "qos: high" | expect_denied alice "Invalid qos specification" apply -f -
case_ "negative nice"
job nice "nice: -100" | expect_denied alice "nice" apply -f -
absent nice
case_ "GPUs hidden in the pod template"
job hidden "resources: {gpus: 0}" "template:" "  spec:" "    containers:" "    - name: main" \
  "      image: busybox" "      resources: {limits: {nvidia.com/gpu: 8}}" |
  expect_denied alice "nvidia.com/gpu" apply -f -
absent hidden

step "invalid values are refused at submission with Slurm's words"
case_ "huge timeLimit"
job huge "timeLimit: 99999-00:00:00" | expect_denied alice \
  "Requested time limit is invalid (missing or exceeds some limit)" apply -f -
case_ "array 0-100000000"
job arr1 "array: 0-100000000" | expect_denied alice "Invalid job array specification" apply -f -
case_ "array throttle %0"
job arr2 'array: "0-9%0"' | expect_denied alice "Invalid job array specification" apply -f -
case_ "array 5-1"
job arr3 'array: "5-1"' | expect_denied alice "Invalid job array specification" apply -f -
case_ "garbage begin"
job beg "begin: not-a-time" | expect_denied alice "spec.begin" apply -f -
case_ "garbage dependency"
job dep1 'dependency: "afterok:"' | expect_denied alice "Job dependency problem" apply -f -
case_ "dependency on a job that does not exist"
job dep2 "dependency: afterok:no-such-job" | expect_denied alice "Job dependency problem" apply -f -
case_ "self dependency"
job dep3 "dependency: afterok:dep3" | expect_denied alice "Job dependency problem" apply -f -
case_ "gres together with gpus"
job gres "resources: {gpus: 1, gres: 'gpu:2'}" | expect_denied alice "gres" apply -f -
case_ "a template that is not an object"
job tmpl "template: [1, 2]" | expect_denied alice "spec.template" apply -f -
case_ "a 253-character name"
long=$(printf 'a%.0s' $(seq 1 253))
job "$long" | expect_denied alice "63" apply -f -
case_ "circular dependency through an update"
job cyc-a | K alice apply -f - >/dev/null || fail "cyc-a"
job cyc-b "dependency: afterok:cyc-a" | K alice apply -f - >/dev/null || fail "cyc-b"
expect_denied alice "Job dependency problem" patch fjob cyc-a --type merge \
  -p '{"spec":{"dependency":"afterok:cyc-b"}}'

step "nobody acts on another user's job"
wait_running() {
  for _ in $(seq 1 100); do
    [ "$(jp fjob "$1" '{.status.state}')" = RUNNING ] && return 0
    sleep 0.2
  done
  fail "$1 did not start: $(jp fjob "$1" '{.status.state}/{.status.reason}')"
}
wait_running spoof
ID=$(jp fjob spoof '{.status.jobID}')
case_ "bob cannot hold alice's job"
expect_plugin_denied bob "Access/permission denied" hold "$ID"
[ "$(jp fjob spoof '{.spec.hold}')" != true ] || fail "hold applied"
case_ "bob cannot cancel alice's job"
expect_plugin_denied bob "Kill job error on job id $ID: Access/permission denied" scancel "$ID"
[ -z "$(jp fjob spoof '{.metadata.annotations.fairway\.dev/cancel}')" ] || fail "cancel annotation written"
case_ "bob cannot requeue alice's job"
expect_plugin_denied bob "Access/permission denied" requeue "$ID"
case_ "bob cannot release alice's job (patch spec.hold)"
expect_denied bob "Access/permission denied" patch fjob spoof --type merge -p '{"spec":{"hold":false}}'
case_ "bob cannot change the nice of alice's job"
expect_denied bob "Access/permission denied" patch fjob spoof --type merge -p '{"spec":{"nice":1000}}'
case_ "bob cannot delete alice's job"
expect_denied bob "Access/permission denied" delete fjob spoof
K admin get fjob spoof >/dev/null || fail "alice's job was deleted"
case_ "alice cannot change the account of her running job"
expect_denied alice "running" patch fjob spoof --type merge -p '{"spec":{"account":"biology"}}'
case_ "alice cannot raise her time limit, but may lower it"
expect_denied alice "Requested time limit is invalid" patch fjob spoof --type merge -p '{"spec":{"timeLimit":"1:00:00"}}'
K alice patch fjob spoof --type merge -p '{"spec":{"timeLimit":"20:00"}}' >/dev/null || fail "lower timeLimit"
case_ "alice cannot lower her nice below 0; raising it is allowed"
K alice patch fjob spoof --type merge -p '{"spec":{"nice":10}}' >/dev/null || fail "raise nice"
expect_denied alice "nice" patch fjob spoof --type merge -p '{"spec":{"nice":0}}'
case_ "the owner may hold and release her pending job, and cancel it"
job mine "resources: {gpus: 8}" "hold: true" | K alice apply -f - >/dev/null || fail "mine"
for _ in $(seq 1 50); do [ -n "$(jp fjob mine '{.status.jobID}')" ] && break; sleep 0.2; done
MINE=$(jp fjob mine '{.status.jobID}')
kubectl fairway --context alice release "$MINE" || fail "owner release"
kubectl fairway --context alice scancel "$MINE" || fail "owner scancel"

step "admins act for users"
case_ "an admin submits on behalf of bob; the job is bob's"
job onbehalf "user: bob" "account: biology" | K admin apply -f - >/dev/null || fail "admin submit"
[ "$(jp fjob onbehalf '{.spec.user}')" = bob ] || fail "on-behalf user: $(jp fjob onbehalf '{.spec.user}')"
case_ "an admin may hold another user's job"
kubectl fairway --context admin hold "$ID" || fail "admin hold"

step "sbatch through the plugin never writes a user; the webhook stamps it"
case_ "kubectl fairway sbatch as bob"
printf '#!/bin/sh\n#SBATCH -J plugin-job\n#SBATCH -A biology\nsleep 1\n' >"$TMP/job.sh"
kubectl fairway --context bob sbatch "$TMP/job.sh" >"$TMP/out" 2>"$TMP/err" || fail "sbatch: $(cat "$TMP/err")"
[ "$(jp fjob plugin-job '{.spec.user}')" = bob ] || fail "sbatch user: $(jp fjob plugin-job '{.spec.user}')"
case_ "sbatch with an account the user is not in prints Slurm's error"
printf '#!/bin/sh\n#SBATCH -J plugin-bad\n#SBATCH -A physics\nsleep 1\n' >"$TMP/bad.sh"
expect_plugin_denied bob \
  "sbatch: error: Batch job submission failed: Invalid account or account/partition combination specified" \
  sbatch "$TMP/bad.sh"

step "dry run, a wrong caBundle, and the webhook down"
case_ "a server dry run creates nothing"
job dry | K alice create --dry-run=server -f - >/dev/null || fail "dry run"
absent dry
case_ "a caBundle from another CA is refused"
good_ca=$(jp mutatingwebhookconfiguration fairway.dev '{.webhooks[0].clientConfig.caBundle}')
other_ca=$(openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null \
  -subj /CN=other -days 1 2>/dev/null | base64 -w0)
K admin patch mutatingwebhookconfiguration fairway.dev --type json \
  -p "[{\"op\":\"replace\",\"path\":\"/webhooks/0/clientConfig/caBundle\",\"value\":\"$other_ca\"}]" >/dev/null
job badca | expect_denied alice 'failed calling webhook "mutate.jobs.fairway.dev"' apply -f -
absent badca
K admin patch mutatingwebhookconfiguration fairway.dev --type json \
  -p "[{\"op\":\"replace\",\"path\":\"/webhooks/0/clientConfig/caBundle\",\"value\":\"$good_ca\"}]" >/dev/null
case_ "webhook down with failurePolicy Fail: a clear error, nothing created"
stop_process "$OP_PID"
OP_PID=""
job down | expect_denied alice 'failed calling webhook' apply -f -
absent down

echo "PASS: $CASES cases"
