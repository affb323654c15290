#!/usr/bin/env bash
# Operator memory with a large queue, as separate processes (what a cluster runs): a sandbox
# with NODES x 8 GPUs, JOBS queued 1-GPU Jobs created before the operator starts, then
# `fairway operator` with the shipped defaults; prints the operator's RSS every 10 s for SECS
# seconds, its peak, and when its first pod was bound.
#
#   bench/operator_memory.sh [JOBS=100000] [NODES=1000] [SECS=120]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fairway="$root/build/operator/fairway"
jobs=${1:-100000} nodes=${2:-1000} secs=${3:-120}
dir=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
"$fairway" sandbox --nodes "$nodes" --crds "$root/crds" --kubeconfig-out "$dir/kc" \
  --start-delay-ms 100 >"$dir/sandbox.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q server "$dir/kc" 2>/dev/null && break; sleep 0.1; done
port=$(grep -o '127.0.0.1:[0-9]*' "$dir/kc" | head -1 | cut -d: -f2)
python3 - "$port" "$jobs" <<'PY'
import http.client, json, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
conn = http.client.HTTPConnection("127.0.0.1", port)
def post(path, body):
    conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
    r = conn.getresponse(); data = r.read()
    if r.status >= 300: sys.exit("create failed: %d %s" % (r.status, data[:200]))
api = "/apis/fairway.dev/v1alpha1"
post(api + "/partitions", {"apiVersion": "fairway.dev/v1alpha1", "kind": "Partition",
                           "metadata": {"name": "gpu"}, "spec": {"default": True}})
post(api + "/accounts", {"apiVersion": "fairway.dev/v1alpha1", "kind": "Account",
                         "metadata": {"name": "physics"}, "spec": {"users": ["alice"]}})
for i in range(n):
    post(api + "/namespaces/default/jobs", {
        "apiVersion": "fairway.dev/v1alpha1", "kind": "Job",
        "metadata": {"name": "job-%06d" % i, "namespace": "default",
                     "annotations": {"fairway.dev/sim-duration": "86000"}},
        "spec": {"nodes": 1, "resources": {"gpus": 1}, "user": "alice",
                 "account": "physics", "timeLimit": "1-00:00:00"}})
PY
echo "queued $jobs jobs on $nodes nodes x 8 GPUs"
"$fairway" operator --kubeconfig "$dir/kc" --no-leader-elect --no-webhook --metrics-address "" \
  --namespace default >"$dir/operator.log" 2>&1 &
op=$!
pids+=("$op")
peak=0
for t in $(seq "$secs"); do
  sleep 1
  rss=$(awk '/VmRSS/{print $2}' "/proc/$op/status")
  ((rss > peak)) && peak=$rss
  ((t % 10 == 0)) && echo "t=${t}s rss=$((rss / 1024)) MiB"
done
echo "peak rss=$((peak / 1024)) MiB"
start=$(grep -m1 '"operator started"' "$dir/operator.log" | sed 's/^ts=\([^ ]*\).*/\1/')
first=$(grep -m1 '"job started"' "$dir/operator.log" | sed 's/^ts=\([^ ]*\).*/\1/')
echo "operator started $start, first start decided $first"
