#!/usr/bin/env bash
# End-to-end: the operator's idle grace (settings interactive.idleGrace) ends an interactive
# session whose client went away, and a client asking for a longer grace (--idle-grace=600) does
# not extend it. `fairway sandbox --run-pods` + `fairway operator` with idleGrace 3, the real
# kubectl and the plugin; the client's terminal is a pseudo-terminal made by `script`.
#   - the session's pod carries FAIRWAY_IDLE_GRACE=3
#   - while the client is connected the session outlives the grace
#   - the client is killed (no shell exit, as when a laptop goes to sleep): the session ends
#     COMPLETED within seconds, and its log names the operator's 3 s
# usage: interactive_idle_test.sh <fairway binary> <kubectl-fairway binary> <source root>
# Exit 77 (ctest SKIP_RETURN_CODE) when kubectl or script is not installed.
set -euo pipefail

FAIRWAY=${1:?fairway binary}
PLUGIN=$(realpath "${2:?kubectl-fairway binary}")
ROOT=${3:?source root}

# shellcheck source=lib.sh
. "$ROOT/tests/e2e/lib.sh"
require_kubectl
command -v script >/dev/null 2>&1 || { echo "SKIP: script (util-linux) not found"; exit 77; }

use_scratch CLIENT_PID OP_PID SB_PID
fail() {
  echo "FAIL: $*" >&2
  { "${K[@]}" get fjob -o wide; "${K[@]}" get pods -o wide; } >&2 2>/dev/null || true
  [ -e "$TMP/term.out" ] && { echo "--- client terminal" >&2; cat -v "$TMP/term.out" >&2; }
  echo "--- operator log (tail)" >&2; tail -n 30 "$TMP"/operator.err >&2 2>/dev/null || true
  exit 1
}
step() { echo "== $*"; }

"$FAIRWAY" sandbox --port 0 --nodes 1 --gpus-per-node 8 --crds "$ROOT/crds" --start-delay-ms 100 \
  --run-pods --pods-dir "$TMP/pods" --kubeconfig-out "$TMP/kubeconfig" \
  >"$TMP/sandbox.out" 2>"$TMP/sandbox.err" &
SB_PID=$!
wait_for_sandbox "$TMP/sandbox.out" "$SB_PID"

use_sandbox_kubectl

# The shipped settings with the cluster's idle grace cut to 3 s.
sed 's/^  idleGrace: .*/  idleGrace: 3/' "$ROOT/sim/settings/fairway.yaml" >"$TMP/settings.yaml"
grep -q '^  idleGrace: 3$' "$TMP/settings.yaml" || fail "no interactive.idleGrace in the settings"
"$FAIRWAY" operator --kubeconfig "$TMP/kubeconfig" --config "$TMP/settings.yaml" \
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
term_has() { grep -q -- "$1" "$TMP/term.out" 2>/dev/null; }
# The client and every process under it (the plugin, kubectl exec), by pid.
client_pids() {
  local todo=("$1") pid
  while [ ${#todo[@]} -gt 0 ]; do
    pid=${todo[0]}
    todo=("${todo[@]:1}")
    echo "$pid"
    # shellcheck disable=SC2207
    todo+=($(ps -o pid= --ppid "$pid" 2>/dev/null || true))
  done
}

step "salloc --idle-grace=600 gets a shell; the pod carries the operator's grace"
mkfifo "$TMP/term.in"
script -q -f -e -c "kubectl fairway salloc -A lab -G 8 --idle-grace=600" /dev/null \
  <"$TMP/term.in" >"$TMP/term.out" 2>&1 &
CLIENT_PID=$!
exec 3>"$TMP/term.in"
wait_for 30 "salloc's grant" term_has "salloc: Granted job allocation"
JOBID=$(sed -n 's/.*salloc: Granted job allocation \([0-9]*\).*/\1/p' "$TMP/term.out" | head -1)
printf 'echo "ID=$SLURM_JOB_ID"\n' >&3
wait_for 15 "the shell to print SLURM_JOB_ID" term_has "ID=$JOBID"
SESSION=$("${K[@]}" get fjob -o jsonpath="{.items[?(@.status.jobID==$JOBID)].metadata.name}")
POD=$("${K[@]}" get pods -l "fairway.dev/job=$SESSION" -o jsonpath='{.items[0].metadata.name}')
GRACE=$("${K[@]}" get pod "$POD" \
  -o jsonpath='{.spec.containers[0].env[?(@.name=="FAIRWAY_IDLE_GRACE")].value}')
[ "$GRACE" = 3 ] || fail "FAIRWAY_IDLE_GRACE is '$GRACE', want 3"

step "a connected session outlives the grace"
sleep 5
state_is "$SESSION" RUNNING || fail "the connected session ended: $(job_field "$SESSION" state)"

step "the client goes away without ending its shell: the session ends after the operator's 3 s"
# shellcheck disable=SC2046
kill -KILL $(client_pids "$CLIENT_PID") 2>/dev/null || true
wait "$CLIENT_PID" 2>/dev/null || true
CLIENT_PID=""
exec 3>&-
GONE=$SECONDS
wait_for 30 "the abandoned session to complete" state_is "$SESSION" COMPLETED
[ $((SECONDS - GONE)) -lt 30 ] || fail "the session took $((SECONDS - GONE))s to end"
"${K[@]}" logs "$POD" | grep -q "no session for 3s, ending the allocation" ||
  fail "keeper log: $("${K[@]}" logs "$POD" 2>&1)"

rm -rf /tmp/fairway-session-"$SESSION"-*
echo "PASS"
