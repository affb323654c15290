#!/usr/bin/env bash
# End-to-end with the real kubectl against `fairway sandbox`:
#   - server-side apply from two field managers: a conflict names the owner, --force-conflicts
#     takes the field, managedFields record both;
#   - built-in validation: a Deployment whose selector does not match its template is refused on
#     a server dry run, so is a batch/v1 Job with restartPolicy Always, and names/labels over
#     Kubernetes' limits are refused;
#   - --data-dir: objects and resourceVersions survive a restart.
# usage: sandbox_fidelity_test.sh <fairway binary> <source root>
# Exit 77 (ctest SKIP_RETURN_CODE) when kubectl is not installed.
set -euo pipefail

FAIRWAY=${1:?fairway binary}
ROOT=${2:?source root}

# shellcheck source=lib.sh
. "$ROOT/tests/e2e/lib.sh"
require_kubectl
use_scratch SB_PID
fail() { echo "FAIL: $*" >&2; echo "--- sandbox stderr" >&2; cat "$TMP/sandbox.err" >&2 || true; exit 1; }
step() { echo "== $*"; }

start_sandbox() {
  "$FAIRWAY" sandbox --port 0 --nodes 1 --crds "$ROOT/crds" --data-dir "$TMP/data" \
    --kubeconfig-out "$TMP/kubeconfig" >"$TMP/sandbox.out" 2>"$TMP/sandbox.err" &
  SB_PID=$!
  wait_for_sandbox "$TMP/sandbox.out" "$SB_PID"
}
start_sandbox
K=(kubectl --kubeconfig "$TMP/kubeconfig" --cache-dir "$TMP/cache" --request-timeout=10s)

cat >"$TMP/job-a.yaml" <<'EOF'
apiVersion: fairway.dev/v1alpha1
kind: Job
metadata:
  name: ssa
spec:
  account: astro
  user: alice
  timeLimit: "1:00:00"
  resources:
    gpus: 1
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: main
          image: busybox
EOF
sed 's/"1:00:00"/"2:00:00"/' "$TMP/job-a.yaml" >"$TMP/job-b.yaml"

step "server-side apply from manager-a, then a conflicting apply from manager-b"
"${K[@]}" apply --server-side --field-manager=manager-a -f "$TMP/job-a.yaml" >/dev/null
if "${K[@]}" apply --server-side --field-manager=manager-b -f "$TMP/job-b.yaml" 2>"$TMP/conflict.txt"; then
  fail "a conflicting apply succeeded"
fi
grep -q 'Apply failed with 1 conflict: conflict with "manager-a": .spec.timeLimit' "$TMP/conflict.txt" \
  || { cat "$TMP/conflict.txt"; fail "conflict message"; }
[ "$("${K[@]}" get jobs.fairway.dev ssa -o jsonpath='{.spec.timeLimit}')" = "1:00:00" ] || fail "timeLimit overwritten"

step "--force-conflicts takes the field"
"${K[@]}" apply --server-side --field-manager=manager-b --force-conflicts -f "$TMP/job-b.yaml" >/dev/null
[ "$("${K[@]}" get jobs.fairway.dev ssa -o jsonpath='{.spec.timeLimit}')" = "2:00:00" ] || fail "forced timeLimit"
"${K[@]}" get jobs.fairway.dev ssa --show-managed-fields -o json >"$TMP/managed.json"
python3 - "$TMP/managed.json" <<'EOF' || fail "managedFields"
import json, sys
entries = {e["manager"]: e for e in json.load(open(sys.argv[1]))["metadata"]["managedFields"]}
assert entries["manager-a"]["operation"] == "Apply", entries
assert "f:timeLimit" not in entries["manager-a"]["fieldsV1"]["f:spec"], entries["manager-a"]
assert "f:timeLimit" in entries["manager-b"]["fieldsV1"]["f:spec"], entries["manager-b"]
EOF

step "a Deployment whose selector does not match its template fails a server dry run"
cat >"$TMP/deploy.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
        - name: c
          image: nginx
EOF
if "${K[@]}" apply --dry-run=server -f "$TMP/deploy.yaml" 2>"$TMP/deploy.txt"; then
  fail "mismatched Deployment accepted"
fi
grep -q 'spec.template.metadata.labels: Invalid value: map\[string\]string{"app":"db"}: `selector` does not match template `labels`' \
  "$TMP/deploy.txt" || { cat "$TMP/deploy.txt"; fail "Deployment message"; }

step "a batch/v1 Job whose pods would restart for ever is refused; kubectl create job passes"
cat >"$TMP/job.yaml" <<'EOF'
apiVersion: batch/v1
kind: Job
metadata:
  name: pi
spec:
  template:
    spec:
      restartPolicy: Always
      containers:
        - name: c
          image: perl
EOF
if "${K[@]}" apply --dry-run=server -f "$TMP/job.yaml" 2>"$TMP/job.txt"; then
  fail "Job with restartPolicy Always accepted"
fi
grep -q 'spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"' \
  "$TMP/job.txt" || { cat "$TMP/job.txt"; fail "Job message"; }
"${K[@]}" create job pi --image=perl --dry-run=server -o name >/dev/null || fail "kubectl create job"

step "a label value over 63 characters is refused"
long=$(printf 'x%.0s' $(seq 1 64))
if "${K[@]}" run too-long --image=busybox --labels="job-name=$long" 2>"$TMP/label.txt"; then
  fail "64-character label value accepted"
fi
grep -q 'must be no more than 63 characters' "$TMP/label.txt" || { cat "$TMP/label.txt"; fail "label message"; }

step "restart with --data-dir keeps objects and resourceVersions"
"${K[@]}" create configmap survivor --from-literal=k=v >/dev/null
rv=$("${K[@]}" get configmap survivor -o jsonpath='{.metadata.resourceVersion}')
stop_process "$SB_PID"
start_sandbox
grep -q "state: $TMP/data (restored" "$TMP/sandbox.out" || fail "restore line: $(cat "$TMP/sandbox.out")"
[ "$("${K[@]}" get configmap survivor -o jsonpath='{.metadata.resourceVersion}')" = "$rv" ] || fail "resourceVersion after restart"
[ "$("${K[@]}" get jobs.fairway.dev ssa -o jsonpath='{.spec.timeLimit}')" = "2:00:00" ] || fail "Job after restart"
echo "PASS"
