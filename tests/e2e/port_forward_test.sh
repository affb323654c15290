#!/usr/bin/env bash
# End-to-end: port-forwarding to pods of `fairway sandbox --run-pods` with the real kubectl, and
# `kubectl fairway jupyter` through the queue. A Python http.server stands for the notebook
# (Jupyter is not installed here).
#   - kubectl port-forward over WebSocket (SPDY/3.1+portforward.k8s.io, kubectl 1.31+'s default)
#     and over plain SPDY/3.1 (KUBECTL_PORT_FORWARD_WEBSOCKETS=false) reaches the pod's server
#   - a port nothing listens on: kubectl reports the kubelet's "error forwarding port" message
#   - kubectl fairway jupyter prints a URL with its token through which the session's server
#     answers (the server got the same token); Ctrl-C ends the session and its job
#   - an interactive session ends at its time limit: TIMEOUT, its command killed, srun fails
#     (started first and checked last: the operator enforces limits by the minute)
# usage: port_forward_test.sh <fairway binary> <kubectl-fairway binary> <source root>
# Exit 77 (ctest SKIP_RETURN_CODE) when kubectl, curl or python3 is not installed.
set -euo pipefail

FAIRWAY=${1:?fairway binary}
PLUGIN=$(realpath "${2:?kubectl-fairway binary}")
ROOT=${3:?source root}

# shellcheck source=lib.sh
. "$ROOT/tests/e2e/lib.sh"
require_kubectl
for tool in curl python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool not found"; exit 77; }
done

use_scratch PF_PID NB_PID TIMED_PID OP_PID SB_PID
fail() {
  echo "FAIL: $*" >&2
  { "${K[@]}" get fjob -o wide; "${K[@]}" get pods -o wide; } >&2 2>/dev/null || true
  for f in "$TMP"/*.log; do [ -e "$f" ] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }; done
  echo "--- sandbox log (tail)" >&2; tail -n 30 "$TMP"/sandbox.err >&2 2>/dev/null || true
  exit 1
}
step() { echo "== $*"; }
# A TCP port free on this host now (pods run on the host: their ports are the host's).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

"$FAIRWAY" sandbox --port 0 --nodes 1 --gpus-per-node 8 --crds "$ROOT/crds" --start-delay-ms 100 \
  --run-pods --pods-dir "$TMP/pods" --kubeconfig-out "$TMP/kubeconfig" \
  >"$TMP/sandbox.out" 2>"$TMP/sandbox.err" &
SB_PID=$!
wait_for_sandbox "$TMP/sandbox.out" "$SB_PID"

use_sandbox_kubectl

"$FAIRWAY" operator --kubeconfig "$TMP/kubeconfig" --config "$ROOT/sim/settings/fairway.yaml" \
  --no-leader-elect --metrics-address "" --cycle-interval-ms 200 --webhook-port 0 \
  >"$TMP/operator.out" 2>"$TMP/operator.err" &
OP_PID=$!

"${K[@]}" apply -f - >/dev/null <<'YAML'
apiVersion: fairway.dev/v1alpha1
kind: Partition
metadata: {name: gpu}
spec: {default: true, maxTime: "1-00:00:00"}
---
apiVersion: fairway.dev/v1alpha1
kind: Account
metadata: {name: lab}
spec: {shares: 1}
YAML

job_field() { "${K[@]}" get fjob "$1" -o jsonpath="{.status.$2}" 2>/dev/null; }
state_is() { [ "$(job_field "$1" state)" = "$2" ]; }
pod_of() { "${K[@]}" get pods -l "fairway.dev/job=$1" -o jsonpath='{.items[0].metadata.name}'; }
pod_running() { [ "$("${K[@]}" get pods -l "fairway.dev/job=$1" -o jsonpath='{.items[0].status.phase}' 2>/dev/null)" = Running ]; }
log_has() { grep -q -- "$2" "$TMP/$1" 2>/dev/null; }
fetch() { curl -sf --max-time 5 "$@"; }

step "an interactive session with a 3-second time limit starts"
rm -rf /tmp/fairway-session-timed-*  # a marker left by an earlier run would end it at once
kubectl fairway srun -A lab -G 1 -J timed -t 0:03 sleep 300 >"$TMP/srun-timed.log" 2>&1 &
TIMED_PID=$!
TIMED_START=$SECONDS

step "a batch job serves HTTP from its pod"
WEB_PORT=$(free_port)
kubectl fairway sbatch -A lab -J web -G 1 \
  --wrap "echo hello-from-pod > marker.txt; exec python3 -m http.server $WEB_PORT --bind 127.0.0.1" >/dev/null
wait_for 20 "the web pod to run" pod_running web
POD=$(pod_of web)

# kubectl ends a port-forward whose forwarded connection failed (the server not listening yet),
# so each try gets a fresh one until the server answers. -v=6 logs the upgrade request: GET for
# the WebSocket tunnel, POST for SPDY.
forward_and_fetch() {  # LABEL, then env assignments for kubectl
  local label=$1 lport
  shift
  lport=$(free_port)
  env "$@" "${K[@]}" -v=6 port-forward "pod/$POD" "$lport:$WEB_PORT" >"$TMP/$label.log" 2>&1 &
  PF_PID=$!
  wait_for 10 "$label to listen" log_has "$label.log" "Forwarding from 127.0.0.1:$lport"
  if OUT=$(fetch "http://127.0.0.1:$lport/marker.txt"); then
    stop_process "$PF_PID"
    PF_PID=""
    return 0
  fi
  stop_process "$PF_PID"
  PF_PID=""
  return 1
}

step "kubectl port-forward over WebSocket (SPDY/3.1+portforward.k8s.io)"
wait_for 30 "the server through a WebSocket port-forward" forward_and_fetch pf-ws KUBECTL_PORT_FORWARD_WEBSOCKETS=true
[ "$OUT" = hello-from-pod ] || fail "WebSocket port-forward fetched '$OUT'"
log_has pf-ws.log "GET https\?://.*/pods/$POD/portforward.* 101 Switching Protocols" ||
  fail "kubectl did not port-forward over WebSocket"

step "kubectl port-forward over plain SPDY/3.1"
wait_for 30 "the server through a SPDY port-forward" forward_and_fetch pf-spdy KUBECTL_PORT_FORWARD_WEBSOCKETS=false
[ "$OUT" = hello-from-pod ] || fail "SPDY port-forward fetched '$OUT'"
log_has pf-spdy.log "POST https\?://.*/pods/$POD/portforward.* 101 Switching Protocols" ||
  fail "kubectl did not port-forward over SPDY"

step "a port nothing listens on: kubectl prints the kubelet's error"
DEAD_PORT=$(free_port)
LPORT=$(free_port)
"${K[@]}" port-forward "pod/$POD" "$LPORT:$DEAD_PORT" >"$TMP/pf-dead.log" 2>&1 &
PF_PID=$!
wait_for 10 "the dead-port forward to listen" log_has pf-dead.log "Forwarding from 127.0.0.1:$LPORT"
fetch "http://127.0.0.1:$LPORT/" >/dev/null && fail "a fetch through a dead port succeeded"
wait_for 10 "kubectl's forwarding error" log_has pf-dead.log \
  "error forwarding port $DEAD_PORT to pod $POD, uid .*: dial tcp4 127.0.0.1:$DEAD_PORT: connect: connection refused"
stop_process "$PF_PID"
PF_PID=""
kubectl fairway scancel web >/dev/null

step "kubectl fairway jupyter: the printed URL with its token reaches the session's server"
NB_PORT=$(free_port)
# The stand-in serves lab/index.html holding the token it was given: /lab?token=T answers T.
kubectl fairway jupyter -A lab -G 1 --port "$NB_PORT" \
  --command 'mkdir -p lab && echo "token={token}" > lab/index.html && exec python3 -m http.server {port} --bind 127.0.0.1' \
  >"$TMP/jupyter.out" 2>"$TMP/jupyter.log" &
NB_PID=$!
wait_for 60 "jupyter's URL" log_has jupyter.out "^http://127.0.0.1:[0-9]*/lab?token=[0-9a-f]\{32\}$"
URL=$(head -1 "$TMP/jupyter.out")
TOKEN=${URL##*token=}
log_has jupyter.log "jupyter: Granted job allocation" || fail "no grant line"
PAGE=$(curl -sfL --max-time 5 "$URL") || fail "the URL $URL did not answer"
[ "$PAGE" = "token=$TOKEN" ] || fail "the server answered '$PAGE', want token=$TOKEN"
JOBID=$(sed -n 's/^jupyter: Pending job allocation \([0-9]*\)$/\1/p' "$TMP/jupyter.log" | head -1)
SESSION=$("${K[@]}" get fjob -o jsonpath="{.items[?(@.status.jobID==$JOBID)].metadata.name}")
[ -n "$SESSION" ] || fail "no job with the jobID jupyter printed ($JOBID)"
[ "$("${K[@]}" get fjob "$SESSION" -o jsonpath='{.spec.interactive}')" = true ] || fail "spec.interactive"
kill -INT "$NB_PID"
wait "$NB_PID" || fail "jupyter exited $? after Ctrl-C"
NB_PID=""
log_has jupyter.log "jupyter: Relinquishing job allocation" || fail "no relinquish line"
wait_for 20 "the jupyter session to end" state_is "$SESSION" CANCELLED
fetch "$URL" >/dev/null && fail "the server still answers after the session ended"

step "the timed session ended at its time limit"
wait_for 100 "the timed session to time out" state_is timed TIMEOUT
wait "$TIMED_PID" && fail "srun past its time limit should fail" || true
TIMED_PID=""
[ $((SECONDS - TIMED_START)) -lt 120 ] || fail "srun outlived its time limit by minutes"
[ "$("${K[@]}" get fjob timed -o jsonpath='{.spec.interactive}')" = true ] || fail "timed: spec.interactive"

rm -rf /tmp/fairway-session-"$SESSION"-* /tmp/fairway-session-timed-*
echo "PASS"
