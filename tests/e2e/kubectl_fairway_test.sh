#!/usr/bin/env bash
# End-to-end: the real kubectl runs the plugin (`kubectl fairway ...`) against `fairway sandbox`.
# usage: kubectl_fairway_test.sh <fairway binary> <kubectl-fairway binary> <source root>
# Exit 77 (ctest SKIP_RETURN_CODE) when kubectl is not installed.
set -euo pipefail

FAIRWAY=${1:?fairway binary}
PLUGIN=$(realpath "${2:?kubectl-fairway binary}")
ROOT=${3:?source root}

if ! command -v kubectl >/dev/null 2>&1; then
  echo "SKIP: kubectl not found on PATH; this test needs the real kubectl"
  exit 77
fi

TMP=$(mktemp -d)
PID=""
cleanup() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; cat "$TMP"/sandbox.err >&2 2>/dev/null || true; exit 1; }
step() { echo "== $*"; }

"$FAIRWAY" sandbox --port 0 --nodes 2 --gpus-per-node 8 --gpu-type A100 --crds "$ROOT/crds" \
  --kubeconfig-out "$TMP/kubeconfig" >"$TMP/sandbox.out" 2>"$TMP/sandbox.err" &
PID=$!
for _ in $(seq 1 100); do
  grep -q "kubeconfig written" "$TMP/sandbox.out" 2>/dev/null && break
  sleep 0.1
done
grep -q "kubeconfig written" "$TMP/sandbox.out" || fail "sandbox did not start"

# kubectl finds plugins on PATH by their file name.
mkdir -p "$TMP/bin"
ln -s "$PLUGIN" "$TMP/bin/kubectl-fairway"
export PATH="$TMP/bin:$PATH"
export KUBECONFIG="$TMP/kubeconfig"
K=(kubectl --cache-dir "$TMP/cache" --request-timeout=10s)

step "kubectl plugin list finds kubectl-fairway"
{ kubectl plugin list 2>/dev/null || true; } >"$TMP/plugins.txt"
grep -q "kubectl-fairway" "$TMP/plugins.txt" || fail "plugin not listed: $(cat "$TMP/plugins.txt")"

step "a Partition and Jobs with a status written directly"
cat >"$TMP/objs.yaml" <<'YAML'
apiVersion: fairway.dev/v1alpha1
kind: Partition
metadata: {name: gpu}
spec: {default: true, maxTime: "1-00:00:00"}
---
apiVersion: fairway.dev/v1alpha1
kind: Job
metadata: {name: train, namespace: default}
spec:
  partition: gpu
  user: alice
  resources: {gpus: 8}
  template: {spec: {containers: [{name: c, image: busybox}]}}
YAML
"${K[@]}" apply -f "$TMP/objs.yaml" >/dev/null
"${K[@]}" patch fjob train --subresource=status --type=merge \
  -p '{"status":{"jobID":7,"state":"PENDING","reason":"Resources","priority":100}}' >/dev/null

step "kubectl fairway squeue"
kubectl fairway squeue | tee "$TMP/squeue.txt"
head -1 "$TMP/squeue.txt" | grep -q '^ *JOBID PARTITION     NAME     USER ST       TIME  NODES NODELIST(REASON)$' \
  || fail "squeue header"
grep -q '^                 7       gpu    train    alice PD       0:00      1 (Resources)$' "$TMP/squeue.txt" \
  || fail "squeue row"

step "kubectl fairway sinfo"
kubectl fairway sinfo | tee "$TMP/sinfo.txt"
grep -q '^gpu\* *up 1-00:00:00 *2 *idle gpu-node-\[0-1\]$' "$TMP/sinfo.txt" || fail "sinfo row"

step "kubectl fairway hold/scancel write what the controller reads"
kubectl fairway hold 7
[ "$("${K[@]}" get fjob train -o jsonpath='{.spec.hold}')" = true ] || fail "hold"
kubectl fairway scancel train
"${K[@]}" get fjob train -o jsonpath='{.metadata.annotations}' | grep -q 'fairway.dev/cancel' || fail "cancel"

step "kubectl fairway sbatch rejects a bad directive"
printf '#!/bin/sh\n#SBATCH --time=nope\necho\n' >"$TMP/bad.sh"
if kubectl fairway sbatch "$TMP/bad.sh" 2>"$TMP/sbatch.err"; then fail "bad script accepted"; fi
grep -q '^sbatch: error: Invalid --time specification' "$TMP/sbatch.err" || fail "sbatch message: $(cat "$TMP/sbatch.err")"

step "sbatch: Slurm's short options win over kubectl's (-n is --ntasks, -A --account, -o --output)"
kubectl fairway sbatch -n 4 -N 2 -A physics -p gpu -t 10 -J shortopts -o out.log \
  --gpus-per-node=2 --mem-per-gpu=2G --mail-type=END --wrap "sleep 1" >"$TMP/sb.out" 2>"$TMP/sb.err" ||
  fail "sbatch: $(cat "$TMP/sb.err")"
got=$("${K[@]}" get fjob shortopts -n default \
  -o jsonpath='{.spec.account} {.spec.nodes} {.spec.resources.cpu} {.spec.resources.gpus} {.spec.resources.memory} {.spec.timeLimit}')
[ "$got" = "physics 2 2 2 4Gi 10" ] || fail "sbatch short options: $got"
grep -q '^sbatch: ignoring --output=out.log (output goes to the pod log: kubectl logs)$' "$TMP/sb.err" ||
  fail "output note: $(cat "$TMP/sb.err")"
grep -q '^sbatch: ignoring --mail-type=END (Fairway sends no mail' "$TMP/sb.err" || fail "mail note"
if grep -q 'mail.*kubectl logs' "$TMP/sb.err"; then fail "the mail note mentions kubectl logs"; fi

step "squeue -o json and sacct --json are Slurm's documents; sacct --format"
kubectl fairway squeue -o json >"$TMP/sq.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); j=[x for x in d["jobs"] if x["job_id"]==7][0]; assert j["job_state"]=="PENDING" and j["user_name"]=="alice", j' \
  "$TMP/sq.json" || fail "squeue json: $(cat "$TMP/sq.json")"
kubectl fairway sacct -j 7 --json >"$TMP/sa.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [j["state"]["current"] for j in d["jobs"]]==["PENDING"], d' \
  "$TMP/sa.json" || fail "sacct json: $(cat "$TMP/sa.json")"
[ "$(kubectl fairway sacct -j 7 -P --format=JobID,JobName,User,State)" = "$(printf 'JobID|JobName|User|State\n7|train|alice|PENDING')" ] ||
  fail "sacct -P: $(kubectl fairway sacct -j 7 -P --format=JobID,JobName,User,State)"

step "sbatch --test-only prints the plan on stderr and submits nothing"
"${K[@]}" apply -f - >/dev/null <<'YAML'
apiVersion: fairway.dev/v1alpha1
kind: Account
metadata: {name: lab}
spec: {users: [fairway-sandbox-admin]}
YAML
before=$("${K[@]}" get fjob -A -o name | wc -l)
kubectl fairway sbatch --test-only -A lab -t 5 --gpus-per-node=2 --wrap "sleep 1" \
  >"$TMP/to.out" 2>"$TMP/to.err" || fail "test-only: $(cat "$TMP/to.err")"
[ ! -s "$TMP/to.out" ] || fail "test-only wrote on stdout: $(cat "$TMP/to.out")"
grep -Eq '^sbatch: Job 8 to start at [0-9-]+T[0-9:]+ using 1 processors on nodes gpu-node-[01] in partition gpu$' \
  "$TMP/to.err" || fail "test-only: $(cat "$TMP/to.err")"
[ "$("${K[@]}" get fjob -A -o name | wc -l)" = "$before" ] || fail "test-only submitted a Job"
echo PASS
