#!/usr/bin/env bash
# Scenario h (issue #16): expected start times that do not come from a backfill reservation
# (--begin, requeue delay, an association GrpTRES limit), the requeue delay and submit time,
# per-user association limits inside one account, and --dependency=singleton by job name.
# Unlike the other scenarios it cancels only its own jobs (job names start with H_), so it can
# run while someone else uses the lab.
set -uo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
source "$HERE/lib.sh"
"$HERE/setup.sh" >/dev/null 2>&1
start_results h_starts_names_user_limits

sa() { sacctmgr -i "$@" >/dev/null 2>&1; }
own_reset() {
  local ids
  ids=$(squeue -h -o '%i %j' | awk '$2 ~ /^H_/ {print $1}')
  [ -n "$ids" ] && scancel $ids 2>/dev/null
  sleep 2
}
own_reset
SQS='%i %j %u %t %r %V %S'  # JOBID NAME USER ST REASON SUBMIT_TIME START_TIME

sa add account hgg parent=root Fairshare=1
sa modify account where name=hgg set GrpTRES=gres/gpu=2
ensure_user hgg1; sa add user hgg1 account=hgg
sa add account hu parent=root Fairshare=1
for u in hu1 hu2 hu3; do ensure_user "$u"; sa add user "$u" account=hu; done
sa modify user hu1 set MaxJobs=1
sa modify user hu3 set GrpTRES=gres/gpu=1
ensure_user hs1; ensure_user hs2
sa add user hs1 account=hu; sa add user hs2 account=hu

config_dump
run sacctmgr -P show assoc where account=hgg,hu format=Account,User,GrpTRES,MaxJobs,MaxSubmit

section "1 --begin: expected start = begin time"
b=$(sub root H_BEGIN --begin=now+300 -t 5 --gres=gpu:1 --wrap 'sleep 60')
sleep 12
run squeue --start -j "$b" -o "$SQS"
run scontrol show job -o "$b"

section "2 requeue: delay and submit time"
rq=$(sub root H_REQUEUE -t 5 --gres=gpu:1 --wrap 'sleep 600')
wait_state "$rq" RUNNING 30
run date -u +%FT%T
run scontrol requeue "$rq"
sleep 12
run squeue --start -j "$rq" -o "$SQS"
run scontrol show job -o "$rq"

section "3 association GrpTRES=gres/gpu=2: expected start of the blocked job"
g1=$(sub hgg1 H_GRP_1 -t 5 --gres=gpu:2 --wrap 'sleep 600')
wait_state "$g1" RUNNING 30
sub hgg1 H_GRP_2 -t 5 --gres=gpu:2 --wrap 'sleep 60' >/dev/null
sleep 25
run squeue --start -u hgg1 -o "$SQS"
run squeue -u hgg1 -o '%i %j %t %r %S %e'
note "again after a PriorityCalcPeriod pass (1 min) and several backfill cycles"
sleep 50
run squeue --start -u hgg1 -o "$SQS"
run scontrol show job -o "$((g1 + 1))"

section "4 per-user limits in one account (hu1 MaxJobs=1, hu3 GrpTRES=gres/gpu=1, hu2 none)"
for n in 1 2; do sub hu1 H_U1_$n -t 5 --wrap 'sleep 120' >/dev/null; done
for n in 1 2; do sub hu2 H_U2_$n -t 5 --wrap 'sleep 120' >/dev/null; done
sub hu3 H_U3_1 -t 5 --gres=gpu:1 --wrap 'sleep 120' >/dev/null
sub hu3 H_U3_2 -t 5 --gres=gpu:1 --wrap 'sleep 120' >/dev/null
sleep 25
run squeue -A hu -o '%i %j %u %t %r'
run squeue --start -A hu -t PD -o "$SQS"

section "5 singleton by name and user"
for n in 1 2; do sub hs1 H_SINGLE -t 5 --dependency=singleton --wrap 'sleep 120' >/dev/null; done
sub hs1 H_OTHER -t 5 --dependency=singleton --wrap 'sleep 120' >/dev/null
sub hs2 H_SINGLE -t 5 --dependency=singleton --wrap 'sleep 120' >/dev/null
sleep 12
run squeue -u hs1,hs2 -o '%i %j %u %t %r'

own_reset
echo "done: $OUT"
