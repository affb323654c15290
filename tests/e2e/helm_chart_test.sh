#!/usr/bin/env bash
# The Helm chart and deploy/ with the real helm and kubectl:
#   - `helm lint`; `helm template` for several values sets: the image reference (tag or digest),
#     operator.logLevel as --log-level, the scrape annotations following metrics.port, the
#     ServiceMonitor, PrometheusRule and Grafana dashboard ConfigMap; values.schema.json refusing
#     bad values; every leaf of values.yaml used by a template;
#   - `helm install`, `upgrade`, `rollback` and `uninstall` against `fairway sandbox` (helm
#     writes its release Secrets as protobuf, and uninstall deletes them with protobuf
#     DeleteOptions), leaving nothing behind;
#   - `kubectl apply -k deploy/` and `kubectl delete -k deploy/` the same way.
# usage: helm_chart_test.sh <fairway binary> <source root>
# Exit 77 (ctest SKIP_RETURN_CODE) without kubectl or helm (tools/install-deps.sh installs helm).
set -euo pipefail

FAIRWAY=${1:?fairway binary}
ROOT=${2:?source root}
CHART="$ROOT/charts/fairway"

# shellcheck source=lib.sh
. "$ROOT/tests/e2e/lib.sh"
require_kubectl
command -v helm >/dev/null 2>&1 || { echo "SKIP: helm not found (tools/install-deps.sh)"; exit 77; }

use_scratch SB_PID
fail() {
  echo "FAIL: $*" >&2
  echo "--- sandbox log (tail)" >&2; tail -n 10 "$TMP"/sandbox.err >&2 2>/dev/null || true
  exit 1
}
step() { echo "== $*"; }
render() { helm template fw "$CHART" --namespace ops "$@" 2>&1; }
expect_in() { grep -qF -- "$2" <<<"$1" || fail "$3: expected '$2' in the output"; }

step "helm lint"
helm lint --strict "$CHART" >"$TMP/lint" 2>&1 || { cat "$TMP/lint"; fail "helm lint"; }

step "helm template: defaults"
out=$(render) || fail "template with defaults: $out"
expect_in "$out" 'image: "ghcr.io/fairway-dev/fairway:0.1.0"' "default image (appVersion)"
expect_in "$out" 'prometheus.io/port: "8080"' "default scrape port"
grep -q -- '--log-level' <<<"$out" && fail "--log-level without operator.logLevel"
grep -q 'kind: PrometheusRule\|kind: ServiceMonitor\|fw-fairway-dashboard' <<<"$out" &&
  fail "monitoring objects rendered while disabled"

step "helm template: digest, log level, metrics port 9090, monitoring on"
digest="sha256:$(printf '%064d' 7)"
out=$(render --set image.digest="$digest" --set operator.logLevel=debug --set metrics.port=9090 \
  --set metrics.serviceMonitor.enabled=true --set metrics.prometheusRule.enabled=true \
  --set metrics.grafanaDashboard.enabled=true --set metrics.prometheusRule.cycleBudgetSeconds=2) ||
  fail "template with monitoring: $out"
expect_in "$out" "image: \"ghcr.io/fairway-dev/fairway@$digest\"" "digest wins over the tag"
expect_in "$out" '- --log-level=debug' "operator.logLevel"
expect_in "$out" '- --metrics-address=0.0.0.0:9090' "metrics.port in the args"
[ "$(grep -c 'prometheus.io/port: "9090"' <<<"$out")" = 2 ] ||
  fail "the Service and the pods must both announce prometheus.io/port 9090"
grep -q 'prometheus.io/port: "8080"' <<<"$out" && fail "a scrape annotation still says 8080"
expect_in "$out" 'kind: ServiceMonitor' "ServiceMonitor"
expect_in "$out" 'kind: PrometheusRule' "PrometheusRule"
expect_in "$out" '> 2' "cycleBudgetSeconds in the slow-cycle alert"
expect_in "$out" 'grafana_dashboard: "1"' "dashboard ConfigMap label"
expect_in "$out" '"uid": "fairway-overview"' "dashboard JSON in the ConfigMap"

step "helm template: one replica without leader election or webhook; cert-manager"
out=$(render --set replicaCount=1 --set leaderElection.enabled=false --set webhook.enabled=false) ||
  fail "template without webhook: $out"
expect_in "$out" '- --no-leader-elect' "leaderElection.enabled=false"
expect_in "$out" '- --no-webhook' "webhook.enabled=false"
grep -q 'kind: ValidatingWebhookConfiguration' <<<"$out" && fail "webhook objects while disabled"
out=$(render --set webhook.certManager.enabled=true) || fail "template with cert-manager: $out"
expect_in "$out" 'kind: Certificate' "cert-manager Certificate"

step "values.schema.json refuses bad values"
for bad in operator.logLevel=loud replicaCount=0 image.pullPolicy=Sometimes metrics.port=70000 \
  image.digest=latest webhook.failurePolicy=Maybe; do
  out=$(render --set "$bad") && fail "--set $bad was accepted"
  grep -q 'values don.t meet the specifications of the schema\|schema' <<<"$out" ||
    fail "--set $bad: not refused by the schema: $out"
done
out=$(render --set replicaCount=2 --set leaderElection.enabled=false) &&
  fail "two replicas without leader election were accepted"

step "every value in values.yaml is used by a template"
python3 - "$CHART" <<'PY' || fail "unused values"
import pathlib, re, sys, yaml
chart = pathlib.Path(sys.argv[1])
values = yaml.safe_load((chart / "values.yaml").read_text())
templates = "".join(p.read_text() for p in (chart / "templates").glob("*"))
used = set(re.findall(r"\.Values((?:\.[A-Za-z0-9_]+)+)", templates))
def leaves(v, path):
    if isinstance(v, dict) and v:
        for k, sub in v.items():
            yield from leaves(sub, f"{path}.{k}")
    else:
        yield path
# A leaf counts as used when it or a map holding it is read (toYaml of a whole map).
unused = [l for l in leaves(values, "") if not any(l == u or l.startswith(u + ".") for u in used)]
if unused:
    print("values.yaml keys no template reads:", ", ".join(unused))
    sys.exit(1)
PY

step "helm install, upgrade, uninstall against the sandbox"
"$FAIRWAY" sandbox --port 0 --nodes 1 --gpus-per-node 8 --crds "$ROOT/crds" \
  --kubeconfig-out "$TMP/kubeconfig" >"$TMP/sandbox.out" 2>"$TMP/sandbox.err" &
SB_PID=$!
wait_for_sandbox "$TMP/sandbox.out" "$SB_PID"
export KUBECONFIG="$TMP/kubeconfig" HELM_CACHE_HOME="$TMP/helm/cache"
export HELM_CONFIG_HOME="$TMP/helm/config" HELM_DATA_HOME="$TMP/helm/data"
K=(kubectl --cache-dir "$TMP/cache" --request-timeout=10s)
H=(helm --namespace ops --kube-context "$(kubectl config current-context)")

"${H[@]}" install fw "$CHART" --create-namespace >"$TMP/helm.out" 2>&1 ||
  { cat "$TMP/helm.out"; fail "helm install"; }
[ "$("${H[@]}" status fw -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["info"]["status"])')" = deployed ] ||
  fail "release not deployed after install"
"${K[@]}" -n ops get deployment fw-fairway >/dev/null || fail "no Deployment after install"
[ "$("${K[@]}" -n ops get svc fw-fairway-metrics -o jsonpath='{.metadata.annotations.prometheus\.io/port}')" = 8080 ] ||
  fail "metrics Service annotation after install"

"${H[@]}" upgrade fw "$CHART" --set metrics.port=9090 --set operator.logLevel=warn \
  >"$TMP/helm.out" 2>&1 || { cat "$TMP/helm.out"; fail "helm upgrade"; }
[ "$("${K[@]}" -n ops get svc fw-fairway-metrics -o jsonpath='{.metadata.annotations.prometheus\.io/port}')" = 9090 ] ||
  fail "the Service's prometheus.io/port did not follow metrics.port on upgrade"
"${K[@]}" -n ops get deployment fw-fairway -o jsonpath='{.spec.template.spec.containers[0].args}' |
  grep -q -- '--log-level=warn' || fail "--log-level=warn not in the upgraded Deployment"
[ "$("${K[@]}" -n ops get secrets -l owner=helm,name=fw -o name | wc -l)" = 2 ] ||
  fail "expected two release revisions"
"${H[@]}" rollback fw 1 >"$TMP/helm.out" 2>&1 || { cat "$TMP/helm.out"; fail "helm rollback"; }
[ "$("${K[@]}" -n ops get svc fw-fairway-metrics -o jsonpath='{.metadata.annotations.prometheus\.io/port}')" = 8080 ] ||
  fail "rollback to revision 1 did not restore prometheus.io/port 8080"

"${H[@]}" uninstall fw >"$TMP/helm.out" 2>&1 || { cat "$TMP/helm.out"; fail "helm uninstall"; }
[ -z "$("${K[@]}" -n ops get secrets -l owner=helm -o name)" ] || fail "release Secrets left behind"
"${K[@]}" -n ops get deployment fw-fairway >/dev/null 2>&1 && fail "Deployment left behind"
"${K[@]}" get clusterrole fw-fairway >/dev/null 2>&1 && fail "ClusterRole left behind"
[ -z "$("${H[@]}" list -q --uninstalling --pending --failed --deployed)" ] ||
  fail "release still listed after uninstall (the issue's symptom: left 'uninstalling')"

step "kubectl apply -k deploy/, then delete -k"
"${K[@]}" apply -k "$ROOT/deploy" >"$TMP/apply.out" 2>&1 || { cat "$TMP/apply.out"; fail "apply -k"; }
"${K[@]}" -n fairway-system get deployment fairway-operator >/dev/null || fail "no operator Deployment"
"${K[@]}" get validatingwebhookconfiguration fairway.dev >/dev/null || fail "no webhook configuration"
"${K[@]}" apply -k "$ROOT/deploy" >"$TMP/apply.out" 2>&1 || { cat "$TMP/apply.out"; fail "apply -k again"; }
# The sandbox empties a deleted namespace at once (a cluster finalizes it in the background), so
# the namespaced objects after it may be gone already.
"${K[@]}" delete -k "$ROOT/deploy" --wait=false --ignore-not-found >"$TMP/delete.out" 2>&1 ||
  { cat "$TMP/delete.out"; fail "delete -k"; }
"${K[@]}" get clusterrole fairway-operator >/dev/null 2>&1 && fail "ClusterRole left behind by delete -k"
"${K[@]}" get namespace fairway-system >/dev/null 2>&1 && fail "namespace left behind by delete -k"

echo "PASS: helm lint/template/install/upgrade/uninstall and kubectl apply/delete -k"
