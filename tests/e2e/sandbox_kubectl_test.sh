#!/usr/bin/env bash
# End-to-end: the real kubectl against `fairway sandbox` (plain HTTP, then TLS).
# usage: sandbox_kubectl_test.sh <path to fairway binary> <source root>
# Exit 77 (ctest SKIP_RETURN_CODE) when kubectl is not installed.
set -euo pipefail

FAIRWAY=${1:?fairway binary}
ROOT=${2:?source root}
HERE="$ROOT/tests/e2e"

if ! command -v kubectl >/dev/null 2>&1; then
  echo "SKIP: kubectl not found on PATH; the sandbox e2e test needs the real kubectl"
  exit 77
fi

TMP=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; echo "--- sandbox stderr ---" >&2; cat "$TMP"/*.err >&2 2>/dev/null || true; exit 1; }
step() { echo "== $*"; }

# start_sandbox NAME [flags...]: starts a sandbox and waits for its kubeconfig.
start_sandbox() {
  local name=$1; shift
  "$FAIRWAY" sandbox --port 0 --kubeconfig-out "$TMP/$name.kubeconfig" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
  PIDS+=($!)
  for _ in $(seq 1 100); do
    grep -q "kubeconfig written" "$TMP/$name.out" 2>/dev/null && return 0
    sleep 0.1
  done
  fail "sandbox $name did not start"
}

CRD_FLAGS=()
REAL_CRDS=()
if compgen -G "$ROOT/crds/*.yaml" >/dev/null; then
  REAL_CRDS=("$ROOT"/crds/*.yaml)
fi

start_sandbox plain --nodes 3 --gpus-per-node 8 --gpu-type H100 --start-delay-ms 100
K=(kubectl --kubeconfig "$TMP/plain.kubeconfig" --cache-dir "$TMP/cache" --request-timeout=10s)

step "kubectl get nodes shows the simulated nodes"
"${K[@]}" get nodes | tee "$TMP/nodes.txt"
[ "$(grep -c '^gpu-node-.*Ready' "$TMP/nodes.txt")" -eq 3 ] || fail "expected 3 Ready nodes"
[ "$("${K[@]}" get node gpu-node-0 -o jsonpath='{.status.allocatable.nvidia\.com/gpu}')" = 8 ] || fail "allocatable GPUs"

step "kubectl apply the test CRD (default client validation, no flags)"
"${K[@]}" apply -f "$HERE/testdata/gpujob-crd.yaml"
"${K[@]}" get crd gpujobs.example.com -o jsonpath='{.status.conditions[?(@.type=="Established")].status}' | grep -q True \
  || fail "CRD not Established"
if [ ${#REAL_CRDS[@]} -gt 0 ]; then
  step "kubectl apply the Fairway CRDs from crds/"
  "${K[@]}" apply -f "$ROOT/crds/"
  for crd in $("${K[@]}" get crd -o name | grep fairway.dev); do
    "${K[@]}" get "${crd#*/}" -A >/dev/null || fail "listing ${crd#*/}"
  done
fi

step "field validation: --validate=strict rejects an unknown field, warn prunes it with a warning"
if "${K[@]}" create --validate=strict -f "$HERE/testdata/gpujob.yaml" 2>"$TMP/strict.txt"; then
  fail "strict create accepted an unknown field"
fi
grep -q 'strict decoding error: unknown field "spec.unknownField"' "$TMP/strict.txt" \
  || fail "strict message: $(cat "$TMP/strict.txt")"
"${K[@]}" create --validate=warn -f "$HERE/testdata/gpujob.yaml" 2>"$TMP/warn.txt"
grep -q 'Warning: unknown field "spec.unknownField"' "$TMP/warn.txt" || fail "warning: $(cat "$TMP/warn.txt")"
[ -z "$("${K[@]}" get gpujob train-1 -o jsonpath='{.spec.unknownField}')" ] || fail "unknown field not pruned"

step "create / get / patch / delete a custom resource"
[ "$("${K[@]}" get gj train-1 -o jsonpath='{.spec.gpus}')" = 4 ] || fail "spec.gpus"
[ "$("${K[@]}" get gpujobs.example.com train-1 -o jsonpath='{.spec.priority}')" = 0 ] || fail "default not applied"
"${K[@]}" get gj | tee "$TMP/gj.txt"
head -1 "$TMP/gj.txt" | grep -q "NAME *GPUS *READY *AGE" || fail "printer columns"
"${K[@]}" patch gj train-1 --type=merge -p '{"spec":{"gpus":2}}'
[ "$("${K[@]}" get gj train-1 -o jsonpath='{.metadata.generation}')" = 2 ] || fail "generation bump"
if "${K[@]}" patch gj train-1 --type=merge -p '{"spec":{"gpus":9}}' 2>"$TMP/invalid.txt"; then
  fail "invalid patch accepted"
fi
grep -q "spec.gpus in body should be less than or equal to 8" "$TMP/invalid.txt" || fail "validation message: $(cat "$TMP/invalid.txt")"
"${K[@]}" label gj train-1 team=ml
[ "$("${K[@]}" get gj -l team=ml -o name)" = "gpujob.example.com/train-1" ] || fail "label selector"

step "kubectl get -w receives a change"
"${K[@]}" get gj train-1 -w -o jsonpath='{.spec.gpus}{"\n"}' --request-timeout=0 >"$TMP/watch.txt" 2>&1 &
WATCH=$!
PIDS+=($WATCH)
for _ in $(seq 1 50); do grep -q '^2$' "$TMP/watch.txt" 2>/dev/null && break; sleep 0.1; done
"${K[@]}" patch gj train-1 --type=json -p '[{"op":"replace","path":"/spec/gpus","value":6}]'
for _ in $(seq 1 50); do grep -q '^6$' "$TMP/watch.txt" && break; sleep 0.1; done
kill "$WATCH" 2>/dev/null || true
grep -q '^6$' "$TMP/watch.txt" || fail "watch did not see the change: $(cat "$TMP/watch.txt")"

"${K[@]}" delete gj train-1
if "${K[@]}" get gj train-1 2>/dev/null; then fail "deleted CR still there"; fi

step "pods: create, bind, run on a simulated node"
"${K[@]}" create -f "$HERE/testdata/pod.yaml"
"${K[@]}" get pods | grep -q "sleeper .*Pending" || fail "pod not Pending"
"${K[@]}" create --raw /api/v1/namespaces/default/pods/sleeper/binding -f "$HERE/testdata/binding.json" >/dev/null
"${K[@]}" wait --for=jsonpath='{.status.phase}'=Succeeded pod/sleeper --timeout=15s
"${K[@]}" get pods -o wide
[ "$("${K[@]}" get pod sleeper -o jsonpath='{.spec.nodeName}')" = gpu-node-1 ] || fail "binding"
"${K[@]}" get all
"${K[@]}" delete pod sleeper

step "imperative kubectl create (protobuf request bodies)"
"${K[@]}" create namespace team-a
"${K[@]}" get namespace team-a -o json >"$TMP/ns.json"
jq_get() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); [d:=d[int(k)] if isinstance(d,list) else d[k] for k in sys.argv[2:]]; print(d if not isinstance(d,(dict,list,bool)) else json.dumps(d))' "$@"; }
[ "$(jq_get "$TMP/ns.json" status phase)" = Active ] || fail "namespace phase: $(cat "$TMP/ns.json")"
[ "$(jq_get "$TMP/ns.json" metadata labels kubernetes.io/metadata.name)" = team-a ] || fail "namespace label"

"${K[@]}" create configmap app-config -n team-a --from-literal=mode=fast --from-literal=level=3
"${K[@]}" get configmap app-config -n team-a -o json >"$TMP/cm.json"
[ "$(jq_get "$TMP/cm.json" data)" = '{"level": "3", "mode": "fast"}' ] || fail "configmap data: $(cat "$TMP/cm.json")"

"${K[@]}" create secret generic db-creds -n team-a --from-literal=user=admin --from-literal=password='s3cr=t'
"${K[@]}" get secret db-creds -n team-a -o json >"$TMP/secret.json"
[ "$(jq_get "$TMP/secret.json" type)" = Opaque ] || fail "secret type"
[ "$(jq_get "$TMP/secret.json" data password | base64 -d)" = 's3cr=t' ] || fail "secret data: $(cat "$TMP/secret.json")"
[ "$(jq_get "$TMP/secret.json" data user | base64 -d)" = admin ] || fail "secret user"

"${K[@]}" create serviceaccount builder -n team-a
"${K[@]}" get serviceaccount builder -n team-a -o json >"$TMP/sa.json"
[ "$(jq_get "$TMP/sa.json" metadata name)" = builder ] || fail "serviceaccount"

"${K[@]}" create deployment web -n team-a --image=nginx:1.27 --replicas=2 --port=80
"${K[@]}" get deployment web -n team-a -o json >"$TMP/deploy.json"
[ "$(jq_get "$TMP/deploy.json" spec replicas)" = 2 ] || fail "deployment replicas: $(cat "$TMP/deploy.json")"
[ "$(jq_get "$TMP/deploy.json" spec selector matchLabels app)" = web ] || fail "deployment selector"
[ "$(jq_get "$TMP/deploy.json" spec template metadata labels app)" = web ] || fail "template labels"
[ "$(jq_get "$TMP/deploy.json" spec template spec containers 0 image)" = nginx:1.27 ] || fail "container image"
[ "$(jq_get "$TMP/deploy.json" spec template spec containers 0 ports 0 containerPort)" = 80 ] || fail "container port"
[ -z "$(jq_get "$TMP/deploy.json" spec template metadata | grep creationTimestamp || true)" ] || fail "zero Time decoded as a timestamp"
"${K[@]}" create deployment sleeper -n team-a --image=busybox -- sleep 3600
[ "$("${K[@]}" get deployment sleeper -n team-a -o jsonpath='{.spec.template.spec.containers[0].command}')" = '["sleep","3600"]' ] \
  || fail "deployment command"

[ "$("${K[@]}" auth can-i create pods)" = yes ] || fail "auth can-i create pods"
[ "$("${K[@]}" auth can-i delete deployments -n team-a)" = yes ] || fail "auth can-i delete deployments"

"${K[@]}" create job once -n team-a --image=busybox -- echo hi
[ "$("${K[@]}" get job once -n team-a -o jsonpath='{.spec.template.spec.restartPolicy}')" = Never ] || fail "job"
"${K[@]}" create role reader -n team-a --verb=get,list --resource=pods
"${K[@]}" create rolebinding reader -n team-a --role=reader --serviceaccount=team-a:builder
[ "$("${K[@]}" get rolebinding reader -n team-a -o jsonpath='{.subjects[0].name}/{.roleRef.name}')" = builder/reader ] \
  || fail "rolebinding"

step "TLS: kubectl verifies the generated CA"
start_sandbox tls --tls --nodes 1
KT=(kubectl --kubeconfig "$TMP/tls.kubeconfig" --cache-dir "$TMP/cache-tls" --request-timeout=10s)
grep -q "certificate-authority-data" "$TMP/tls.kubeconfig" || fail "kubeconfig lacks CA"
"${KT[@]}" get nodes | grep -q "gpu-node-0 *Ready" || fail "TLS get nodes"
"${KT[@]}" apply -f "$HERE/testdata/gpujob-crd.yaml" >/dev/null
# --validate=ignore: fieldValidation=Ignore prunes spec.unknownField without a warning.
"${KT[@]}" create --validate=ignore -f "$HERE/testdata/gpujob.yaml" >/dev/null 2>"$TMP/ignore.txt"
[ ! -s "$TMP/ignore.txt" ] || fail "ignore printed: $(cat "$TMP/ignore.txt")"
"${KT[@]}" get gj train-1 >/dev/null || fail "TLS custom resource"

echo "PASS"
