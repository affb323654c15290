#!/usr/bin/env bash
# End-to-end leader fencing (DESIGN.md "a leader that cannot renew stops writing before anyone
# else can acquire the lease"): `fairway sandbox` and two `fairway operator` replicas with leader
# election on short timings (lease 3s, renew deadline 2s, retry 500ms) while Jobs arrive
# continuously. The leader A is paused with SIGSTOP for 8 s (longer than the lease), the standby
# B takes over, and A is resumed with SIGCONT. From the API server's records (the Lease history
# seen by a watch, pods, Jobs) and the operators' logs:
#   - A's lease expired at T_exp = A's last renewTime + leaseDurationSeconds, and B took over no
#     earlier than T_exp;
#   - A cannot write while stopped, so a write of A after T_exp would land after SIGCONT (T_cont):
#     every pod created or bound (PodScheduled lastTransitionTime) from T_cont on belongs to a
#     Job that B logged as started, and so does every Job whose startTime is after T_exp. (Pods
#     created in between are B's: it recreates the pods of a Job A marked RUNNING just before
#     the pause, without a "job started" line.) The one exception is what no client-side fence
#     can recall: a write A admitted before the pause whose reply came after its deadline; A
#     logs each one ("write was in flight when the lease deadline passed") and those pods are
#     excused, so a late write passes only if A itself declared it.
#   - from A's side: every write A tried after SIGCONT was refused by its own fence; a write
#     error that carries an HTTP method and path came from the server, i.e. the write was sent
#     (the same in-flight exception applies);
#   - A stops by itself after SIGCONT (exit status 1, "leadership lost"), and B keeps starting.
# API timestamps have whole seconds, truncated, so the pod check starts at floor(T_cont); B's
# recreations come >= 2 s before that. The whole test takes about 15 s.
# usage: leader_fencing_test.sh <fairway binary> <source root>
# Exit 77 (ctest SKIP_RETURN_CODE) when kubectl is not installed.
set -euo pipefail

FAIRWAY=${1:?fairway binary}
ROOT=${2:?source root}

# shellcheck source=lib.sh
. "$ROOT/tests/e2e/lib.sh"
require_kubectl

use_scratch SUBMIT_PID WATCH_PID A_PID B_PID SB_PID
fail() {
  echo "FAIL: $*" >&2
  echo "--- lease history (tail)" >&2; tail -n 10 "$TMP"/lease.txt >&2 2>/dev/null || true
  echo "--- operator A log (tail)" >&2; grep -v reflector "$TMP"/a.err 2>/dev/null | tail -n 25 >&2 || true
  echo "--- operator B log (tail)" >&2; grep -v reflector "$TMP"/b.err 2>/dev/null | tail -n 25 >&2 || true
  echo "--- sandbox log (tail)" >&2; tail -n 10 "$TMP"/sandbox.err >&2 2>/dev/null || true
  exit 1
}
step() { echo "== $*"; }
logged() { grep -q "$2" "$TMP/$1.err" 2>/dev/null; }
started_count() { grep -c 'msg="job started"' "$TMP/$1.err" 2>/dev/null || true; }
started_at_least() { [ "$(started_count "$1")" -ge "$2" ]; }

"$FAIRWAY" sandbox --port 0 --nodes 8 --gpus-per-node 8 --crds "$ROOT/crds" --start-delay-ms 100 \
  --kubeconfig-out "$TMP/kubeconfig" >"$TMP/sandbox.out" 2>"$TMP/sandbox.err" &
SB_PID=$!
wait_for 10 "the sandbox" grep -q "kubeconfig written" "$TMP/sandbox.out"
K=(kubectl --kubeconfig "$TMP/kubeconfig" --cache-dir "$TMP/cache" --request-timeout=10s)

"${K[@]}" apply -f - >/dev/null <<'YAML'
apiVersion: fairway.dev/v1alpha1
kind: Partition
metadata: {name: gpu}
spec: {default: true}
---
apiVersion: fairway.dev/v1alpha1
kind: Account
metadata: {name: physics}
spec: {users: [alice]}
YAML

operator() {  # operator NAME: starts a replica with short leader-election timings
  "$FAIRWAY" operator --kubeconfig "$TMP/kubeconfig" --metrics-address "" --webhook-port 0 \
    --cycle-interval-ms 200 --leader-elect-lease-duration 3s --leader-elect-renew-deadline 2s \
    --leader-elect-retry-period 500ms >"$TMP/$1.out" 2>"$TMP/$1.err" &
}
identity() { sed -n 's/.*msg="operator started".* identity=\([^ ]*\).*/\1/p' "$TMP/$1.err" | head -1; }

step "operator A leads, operator B stands by"
operator a
A_PID=$!
wait_for 15 "A to lead" logged a 'msg="became leader"'
operator b
B_PID=$!
wait_for 15 "B to start" logged b 'msg="operator started"'
A_ID=$(identity a)
B_ID=$(identity b)
[ -n "$A_ID" ] && [ -n "$B_ID" ] && [ "$A_ID" != "$B_ID" ] || fail "identities: A=$A_ID B=$B_ID"
echo "A=$A_ID B=$B_ID"

# Every version of the Lease, as the watch sees it: holder renewTime leaseDurationSeconds.
"${K[@]}" get lease fairway-operator -w \
  -o jsonpath='{.spec.holderIdentity}{" "}{.spec.renewTime}{" "}{.spec.leaseDurationSeconds}{"\n"}' \
  >"$TMP/lease.txt" 2>"$TMP/lease.err" &
WATCH_PID=$!

step "submit 1-GPU jobs continuously"
submit() {  # three Jobs per kubectl call, each running 2 simulated seconds
  local batch=0 n
  while :; do
    batch=$((batch + 1))
    for n in 1 2 3; do
      cat <<YAML
---
apiVersion: fairway.dev/v1alpha1
kind: Job
metadata:
  name: fence-$batch-$n
  annotations: {fairway.dev/sim-duration: "2"}
spec: {nodes: 1, resources: {gpus: 1}, user: alice, account: physics, timeLimit: "10"}
YAML
    done | "${K[@]}" create -f - >/dev/null 2>>"$TMP/submit.err" || true
    sleep 0.2
  done
}
submit &
SUBMIT_PID=$!
wait_for 30 "A to start 5 jobs" started_at_least a 5

# The pause lands in the middle of A's work: a burst of Jobs, and SIGSTOP as soon as A logs the
# first start of it, while it is still writing the statuses, pods and bindings of the others.
step "burst of 24 jobs; pause A (SIGSTOP) mid-burst, past its lease; B takes over"
burst() {  # burst NAME: 24 Jobs NAME-1..24
  local n
  for n in $(seq 1 24); do
    printf -- '---\napiVersion: fairway.dev/v1alpha1\nkind: Job\nmetadata:\n  name: %s-%d\n' "$1" "$n"
    printf '  annotations: {fairway.dev/sim-duration: "2"}\n'
    printf 'spec: {nodes: 1, resources: {gpus: 1}, user: alice, account: physics, timeLimit: "10"}\n'
  done
}
burst burst >"$TMP/burst.yaml"
burst wake >"$TMP/wake.yaml"
"${K[@]}" create -f "$TMP/burst.yaml" >/dev/null
burst_deadline=$((SECONDS + 30))
until grep -q 'msg="job started".*job=default/burst-' "$TMP/a.err"; do
  [ "$SECONDS" -lt "$burst_deadline" ] || fail "A started no burst job within 30s"
  sleep 0.005
done
kill -STOP "$A_PID"
paused_ns=$(date +%s%N)
echo "A paused after $(grep -c 'msg="job started".*job=default/burst-' "$TMP/a.err") burst starts"
wait_for 15 "B to lead" logged b 'msg="became leader"'
left_ms=$((8000 - ($(date +%s%N) - paused_ns) / 1000000))
[ "$left_ms" -le 0 ] || sleep "$((left_ms / 1000)).$(printf '%03d' $((left_ms % 1000)))"
b_before=$(started_count b)

step "resume A (SIGCONT): it must stop without writing"
T_CONT=$(date -u +%s.%N)
kill -CONT "$A_PID"
# More work arrives as A wakes up: an unfenced A would race B for it.
"${K[@]}" create -f "$TMP/wake.yaml" >/dev/null
a_exited() { ! kill -0 "$A_PID" 2>/dev/null; }
wait_for 15 "A to exit after SIGCONT" a_exited
a_rc=0
wait "$A_PID" || a_rc=$?
A_PID=""
[ "$a_rc" -eq 1 ] || fail "A exited with status $a_rc, want 1 (leadership lost)"
logged a 'msg="leadership lost' || fail "A did not log that it lost leadership"
wait_for 30 "B to start jobs" started_at_least b $((b_before + 3))

stop_process "$SUBMIT_PID"
SUBMIT_PID=""
sleep 1  # the last lease versions reach the watch
stop_process "$WATCH_PID"
WATCH_PID=""
"${K[@]}" get pods -o json >"$TMP/pods.json"
"${K[@]}" get fjob -o json >"$TMP/jobs.json"

step "check the records against A's lease expiry"
python3 - "$TMP" "$A_ID" "$B_ID" "$T_CONT" <<'PY' || fail "fencing violated (see above)"
import json, re, sys
from datetime import datetime, timedelta, timezone

tmp, a_id, b_id = sys.argv[1:4]
t_cont = datetime.fromtimestamp(int(float(sys.argv[4])), timezone.utc)  # floor: see the header

def ts(text):
    text = text.replace("Z", "+00:00")
    if "." in text:  # fromisoformat wants 3 or 6 fractional digits
        head, frac = text.split(".", 1)
        digits, zone = frac[:frac.index("+")], frac[frac.index("+"):]
        text = head + "." + (digits + "000000")[:6] + zone
    return datetime.fromisoformat(text)

lease = [l.split() for l in open(f"{tmp}/lease.txt") if len(l.split()) == 3]
a_renews = [ts(t) + timedelta(seconds=int(d)) for h, t, d in lease if h == a_id]
b_renews = [ts(t) for h, t, d in lease if h == b_id]
if not a_renews or not b_renews:
    sys.exit(f"lease history lacks A or B: {lease[-5:]}")
t_exp = max(a_renews)
print(f"A's lease expired at {t_exp.isoformat()}; B first renewed at {min(b_renews).isoformat()}")
errors = []
if min(b_renews) < t_exp:
    errors.append(f"B took over at {min(b_renews)} before A's lease expired at {t_exp}")

def starts(name):  # the Jobs an operator logged as started
    return {re.search(r"job=\S+/(\S+)", line).group(1)
            for line in open(f"{tmp}/{name}.err") if 'msg="job started"' in line}

a_starts, b_starts = starts("a"), starts("b")
print(f"A logged {len(a_starts)} starts, B {len(b_starts)}")
in_flight = set()  # objects (pods, Jobs) A declared in flight across its deadline
for line in open(f"{tmp}/a.err"):
    m = re.search(r'msg="write was in flight when the lease deadline passed" verb=(\S+) '
                  r'target="\S+ [^/"]+/([^"]+)"', line)
    if m:
        in_flight.add(m.group(2))
print(f"A declared {len(in_flight)} writes in flight across its deadline: {sorted(in_flight)}")

sent_late = 0  # A's write errors after SIGCONT that came back from the server
for line in open(f"{tmp}/a.err"):
    m = re.match(r"ts=(\S+) ", line)
    if not m or ts(m.group(1)) < t_cont or "logger=controllers" not in line:
        continue
    if re.search(r'error="[^"]*\b(POST|PUT|PATCH|DELETE) /', line):
        names = set(re.findall(r"default/([\w.-]+)", line))
        if not any(n in in_flight or f"{n}-0" in in_flight for n in names):
            sent_late += 1
            errors.append(f"A sent a write after SIGCONT: {line.strip()[:300]}")
print(f"A's write errors from the server after SIGCONT, undeclared: {sent_late}")

checked = excused = 0
for pod in json.load(open(f"{tmp}/pods.json"))["items"]:
    meta = pod["metadata"]
    job = meta.get("labels", {}).get("fairway.dev/job", "")
    writes = [("created", meta["creationTimestamp"])]
    for c in pod.get("status", {}).get("conditions", []):
        if c.get("type") == "PodScheduled" and c.get("status") == "True":
            writes.append(("bound", c["lastTransitionTime"]))
    for what, when in writes:
        checked += 1
        late = ts(when) >= t_cont and job not in b_starts
        if late and (meta["name"] in in_flight or job in in_flight):
            excused += 1
        elif late:
            errors.append(f"pod {meta['name']} {what} at {when}, after A resumed at {t_cont} "
                          f"(its lease expired at {t_exp}), and B never started job {job}")
for job in json.load(open(f"{tmp}/jobs.json"))["items"]:
    name, start = job["metadata"]["name"], job.get("status", {}).get("startTime")
    if start:
        checked += 1
        if ts(start) > t_exp and name not in b_starts:
            errors.append(f"job {name} started at {start} after A's lease expired, not by B")
print(f"checked {checked} pod/job timestamps; {excused} late pod writes were declared in flight")
for e in errors:
    print("VIOLATION:", e)
sys.exit(1 if errors else 0)
PY
echo PASS
