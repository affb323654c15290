#!/usr/bin/env bash
# End-to-end: interactive sessions through the queue. `fairway sandbox --run-pods` (pods run as
# local processes) + `fairway operator`, the real kubectl and the plugin; terminals are
# pseudo-terminals made by `script`, typed into through a FIFO.
#   - kubectl logs (-f, --tail) of a running batch job; kubectl exec returns the remote exit code
#   - salloc waits behind a running job (Pending / queued lines), then gets a shell where
#     `echo $SLURM_JOB_ID` prints the jobID; `exit` completes the job and frees its GPUs
#   - srun hostname prints the pod's node name; srun returns the command's exit code
#   - Ctrl-C while salloc is pending cancels the job
# usage: interactive_test.sh <fairway binary> <kubectl-fairway binary> <source root>
# Exit 77 (ctest SKIP_RETURN_CODE) when kubectl or script is not installed.
set -euo pipefail

FAIRWAY=${1:?fairway binary}
PLUGIN=$(realpath "${2:?kubectl-fairway binary}")
ROOT=${3:?source root}

# shellcheck source=lib.sh
. "$ROOT/tests/e2e/lib.sh"
require_kubectl
command -v script >/dev/null 2>&1 || { echo "SKIP: script (util-linux) not found"; exit 77; }

use_scratch SALLOC_PID OP_PID SB_PID
fail() {
  echo "FAIL: $*" >&2
  { "${K[@]}" get fjob -o wide; "${K[@]}" get pods -o wide; } >&2 2>/dev/null || true
  for f in "$TMP"/term*.out; do [ -e "$f" ] && { echo "--- $f" >&2; cat -v "$f" >&2; }; done
  echo "--- operator log (tail)" >&2; tail -n 30 "$TMP"/operator.err >&2 2>/dev/null || true
  echo "--- sandbox log (tail)" >&2; tail -n 30 "$TMP"/sandbox.err >&2 2>/dev/null || true
  exit 1
}
step() { echo "== $*"; }

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

# No admission webhook here stamps users and default accounts: jobs name the account (-A lab),
# whose empty user list admits anyone.
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
---
apiVersion: fairway.dev/v1alpha1
kind: QoS
metadata: {name: interactive}
spec: {priority: 50}
YAML

job_field() { "${K[@]}" get fjob "$1" -o jsonpath="{.status.$2}" 2>/dev/null; }
state_is() { [ "$(job_field "$1" state)" = "$2" ]; }
pod_of() { "${K[@]}" get pods -l "fairway.dev/job=$1" -o jsonpath='{.items[0].metadata.name}'; }
pod_running() { [ "$("${K[@]}" get pods -l "fairway.dev/job=$1" -o jsonpath='{.items[0].status.phase}' 2>/dev/null)" = Running ]; }

# A terminal N: `script` runs CMD on a pseudo-terminal, output in term-N.out, typed into through
# the FIFO on fd 3 (kept open so the terminal does not see EOF).
open_terminal() {
  local n=$1 cmd=$2
  mkfifo "$TMP/term-$n.in"
  script -q -f -e -c "$cmd" /dev/null <"$TMP/term-$n.in" >"$TMP/term-$n.out" 2>&1 &
  SALLOC_PID=$!
  exec 3>"$TMP/term-$n.in"
}
close_terminal() { exec 3>&-; wait "$SALLOC_PID"; local rc=$?; SALLOC_PID=""; return $rc; }
term_has() { grep -q -- "$2" "$TMP/term-$1.out" 2>/dev/null; }

step "a batch job runs as a process: kubectl logs -f streams it, --tail, exec exit codes"
kubectl fairway sbatch -A lab -J stream -G 8 \
  --wrap 'echo "job $SLURM_JOB_ID on $SLURMD_NODENAME"; for i in 1 2 3; do echo line$i; sleep 1; done' >/dev/null
wait_for 20 "the batch job's pod to run" pod_running stream
POD=$(pod_of stream)
"${K[@]}" exec "$POD" -- sh -c 'exit 4' && fail "exec should exit 4" || rc=$?
[ "${rc:-0}" -eq 4 ] || fail "kubectl exec returned $rc, want 4"
[ "$("${K[@]}" exec "$POD" -- sh -c 'echo $SLURM_JOB_NAME')" = stream ] || fail "exec env"
timeout 20 "${K[@]}" logs -f "$POD" >"$TMP/follow.txt" || fail "kubectl logs -f did not end with the job"
grep -q '^job [0-9]* on gpu-node-0$' "$TMP/follow.txt" || fail "logs -f: $(cat "$TMP/follow.txt")"
grep -q '^line3$' "$TMP/follow.txt" || fail "logs -f missed line3: $(cat "$TMP/follow.txt")"
[ "$("${K[@]}" logs "$POD" --tail=1)" = line3 ] || fail "logs --tail=1"
wait_for 20 "the batch job to complete" state_is stream COMPLETED

step "salloc waits behind a running job, then a shell with SLURM_JOB_ID; exit completes it"
kubectl fairway sbatch -A lab -J blocker -G 8 --wrap 'sleep 4' >/dev/null
wait_for 20 "the blocker to run" state_is blocker RUNNING
open_terminal 1 "kubectl fairway salloc -A lab -G 8 --idle-grace=30"
wait_for 20 "salloc's pending line" term_has 1 "salloc: Pending job allocation"
wait_for 10 "salloc's queued line" term_has 1 "queued and waiting for resources"
JOBID=$(sed -n 's/.*salloc: Pending job allocation \([0-9]*\).*/\1/p' "$TMP/term-1.out" | head -1)
wait_for 30 "salloc's grant" term_has 1 "salloc: Granted job allocation $JOBID"
sleep 1
printf 'echo "ID=$SLURM_JOB_ID"\n' >&3
wait_for 10 "the shell to print SLURM_JOB_ID" term_has 1 "ID=$JOBID"
printf 'exit\n' >&3
close_terminal || fail "salloc exited $?"
term_has 1 "salloc: Relinquishing job allocation $JOBID" || fail "no relinquish line"
SESSION=$("${K[@]}" get fjob -o jsonpath="{.items[?(@.status.jobID==$JOBID)].metadata.name}")
[ "$("${K[@]}" get fjob "$SESSION" -o jsonpath='{.spec.interactive}')" = true ] || fail "spec.interactive"
[ "$("${K[@]}" get fjob "$SESSION" -o jsonpath='{.spec.qos}')" = interactive ] || fail "QoS interactive"
wait_for 20 "the session job to complete" state_is "$SESSION" COMPLETED

step "srun hostname prints the pod's node; srun returns the command's exit code"
OUT=$(kubectl fairway srun -A lab -G 1 hostname)
[ "$OUT" = gpu-node-0 ] || fail "srun hostname printed '$OUT'"
kubectl fairway srun -A lab -G 1 sh -c 'echo out; exit 3' >"$TMP/srun.txt" && fail "srun should exit 3" || rc=$?
[ "$rc" -eq 3 ] || fail "srun returned $rc, want 3"
grep -qx out "$TMP/srun.txt" || fail "srun output: $(cat "$TMP/srun.txt")"

step "Ctrl-C while salloc is pending cancels the job"
kubectl fairway sbatch -A lab -J blocker2 -G 8 --wrap 'sleep 30' >/dev/null
wait_for 20 "blocker2 to run" state_is blocker2 RUNNING
open_terminal 2 "kubectl fairway salloc -A lab -G 8"
wait_for 20 "salloc's queued line" term_has 2 "queued and waiting for resources"
JOBID=$(sed -n 's/.*salloc: Pending job allocation \([0-9]*\).*/\1/p' "$TMP/term-2.out" | head -1)
printf '\003' >&3
wait_for 10 "the revoked line" term_has 2 "salloc: Job allocation $JOBID has been revoked."
close_terminal && fail "salloc should fail after Ctrl-C" || true
SESSION=$("${K[@]}" get fjob -o jsonpath="{.items[?(@.status.jobID==$JOBID)].metadata.name}")
wait_for 10 "the pending session to be CANCELLED" state_is "$SESSION" CANCELLED
kubectl fairway scancel blocker2 >/dev/null

# With --run-pods the sessions' marker directories (session_script.h) are in the host's /tmp.
for name in $("${K[@]}" get fjob -o jsonpath='{.items[?(@.spec.interactive==true)].metadata.name}'); do
  rm -rf /tmp/fairway-session-"$name"-*
done

echo "PASS"
