#!/usr/bin/env bash
# The Grafana dashboard and the alert rules name only metrics the operator exports: a running
# `fairway operator` (against `fairway sandbox`, one job completed and one left pending) is
# scraped, and every fairway_* name in the dashboard queries (charts/fairway/dashboards/,
# deploy/monitoring/dashboards/) and in the PrometheusRule expressions (the chart's, rendered
# with helm when it is installed, and deploy/monitoring/prometheusrule.yaml) must be among the
# names /metrics exposes (a histogram's _bucket, _sum and _count included). Metrics of other
# sources are allowed only from an explicit list: `up` (Prometheus, per scrape target) and
# kube-apiserver's apiserver_admission_webhook_rejection_count.
# It also checks that the new series carry observations: cycle phases, create-to-bound, pending
# jobs by partition and reason, the oldest pending job.
# usage: monitoring_metrics_test.sh <fairway binary> <source root>
# Exit 77 (ctest SKIP_RETURN_CODE) when kubectl or curl is not installed.
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
  echo "--- operator log (tail)" >&2; tail -n 20 "$TMP"/operator.err >&2 2>/dev/null || true
  exit 1
}
step() { echo "== $*"; }

"$FAIRWAY" sandbox --port 0 --nodes 1 --gpus-per-node 8 --crds "$ROOT/crds" --start-delay-ms 100 \
  --kubeconfig-out "$TMP/kubeconfig" >"$TMP/sandbox.out" 2>"$TMP/sandbox.err" &
SB_PID=$!
wait_for_sandbox "$TMP/sandbox.out" "$SB_PID"
K=(kubectl --kubeconfig "$TMP/kubeconfig" --cache-dir "$TMP/cache" --request-timeout=10s)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
METRICS="127.0.0.1:$(free_port)"
"$FAIRWAY" operator --kubeconfig "$TMP/kubeconfig" --metrics-address "$METRICS" --no-webhook \
  --cycle-interval-ms 200 >"$TMP/operator.out" 2>"$TMP/operator.err" &
OP_PID=$!

"${K[@]}" apply -f - >/dev/null <<'YAML' || fail "kubectl apply"
apiVersion: fairway.dev/v1alpha1
kind: Partition
metadata: {name: gpu}
spec: {default: true}
---
apiVersion: fairway.dev/v1alpha1
kind: Account
metadata: {name: physics}
spec: {users: [alice]}
---
apiVersion: fairway.dev/v1alpha1
kind: Job
metadata:
  name: done
  annotations: {fairway.dev/sim-duration: "1"}
spec: {nodes: 1, resources: {gpus: 1}, user: alice, account: physics}
---
apiVersion: fairway.dev/v1alpha1
kind: Job
metadata: {name: waits}
spec: {nodes: 2, resources: {gpus: 8}, user: alice, account: physics}
YAML

step "a job completes, another stays pending"
"${K[@]}" wait --for=condition=Complete fjob/done --timeout=30s || fail "done never Complete"
scrape() { curl -sf "http://$METRICS/metrics" >"$TMP/metrics"; }
pending_seen() { scrape && grep -q '^fairway_oldest_pending_job_seconds{partition="gpu"} [1-9]' "$TMP/metrics"; }
wait_for 20 "the pending job in fairway_oldest_pending_job_seconds" pending_seen

step "the new series carry observations"
has() { grep -qE "$1" "$TMP/metrics" || fail "no line matching $1 in /metrics"; }
for phase in load snapshot schedule apply report; do
  has "^fairway_scheduler_cycle_phase_duration_seconds_count\{phase=\"$phase\"\} [1-9]"
done
has '^fairway_job_create_to_bound_seconds_count [1-9]'
has '^fairway_pending_jobs\{partition="gpu",reason="[A-Za-z]+"\} 1$'

step "every metric the dashboard and the alerts name is exported"
rules=("$ROOT/deploy/monitoring/prometheusrule.yaml")
if command -v helm >/dev/null 2>&1; then
  helm template fw "$ROOT/charts/fairway" --set metrics.prometheusRule.enabled=true \
    --show-only templates/prometheusrule.yaml >"$TMP/chart-rules.yaml" || fail "helm template"
  rules+=("$TMP/chart-rules.yaml")
else
  echo "helm not installed: checking deploy/monitoring's rules only"
fi
python3 - "$TMP/metrics" "$ROOT/charts/fairway/dashboards/fairway.json" \
  "$ROOT/deploy/monitoring/dashboards/fairway.json" "${rules[@]}" <<'PY' || fail "unknown metrics"
import json, re, sys, yaml
EXTERNAL = {"up", "apiserver_admission_webhook_rejection_count"}
exported = set()
for line in open(sys.argv[1]):
    m = re.match(r"# TYPE (\S+) (\S+)", line)
    if m:
        name, kind = m.groups()
        exported.add(name)
        if kind == "histogram":
            exported |= {name + "_bucket", name + "_sum", name + "_count"}
        if kind == "summary":
            exported |= {name + "_sum", name + "_count"}
def dashboard_exprs(path):
    d = json.load(open(path))
    for p in d["panels"]:
        for t in p.get("targets", []):
            yield p["title"], t["expr"]
    for v in d["templating"]["list"]:
        if v.get("type") == "query":
            yield "variable " + v["name"], v["definition"]
def rule_exprs(path):
    for doc in yaml.safe_load_all(open(path)):
        for g in (doc or {}).get("spec", {}).get("groups", []):
            for r in g["rules"]:
                yield r.get("alert") or r.get("record"), r["expr"]
problems, checked = [], 0
for path in sys.argv[2:]:
    exprs = dashboard_exprs(path) if path.endswith(".json") else rule_exprs(path)
    for where, expr in exprs:
        checked += 1
        names = set(re.findall(r"\bfairway_[a-z0-9_]+", expr))
        # Selectors of other sources: a name directly followed by "{" (label names never are).
        names |= {n for n in re.findall(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\{", expr)}
        for n in sorted(names - exported - EXTERNAL):
            problems.append(f"{path}: {where}: {n}")
if checked < 10:
    problems.append(f"only {checked} expressions found")
print(f"{checked} expressions checked against {len(exported)} exported names")
if problems:
    print("not exported by the operator:\n  " + "\n  ".join(problems))
    sys.exit(1)
PY

kill -0 "$OP_PID" 2>/dev/null || fail "operator exited"
echo PASS
