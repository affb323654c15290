#!/usr/bin/env bash
# Scenario f: does backfill protect only the top job (EASY) or every job it plans
# (conservative)? And what reason does a job get whose nodes are shared with a blocked
# higher-priority job of another partition?
#
# Part 1 (sched/backfill). Nodes gpu[01-04], 4 GPUs each, every job takes whole nodes' GPUs:
#   R1 gpu01        -t 3   (running)
#   R2 gpu[02-03]   -t 10  (running)          free now: gpu04
#   P1 -N4 gpu:4 -t 5   highest priority  -> earliest start when R2 ends (T+10)
#   P2 -N2 gpu:4 -t 5   second            -> fits at T+3 on gpu01+gpu04, ends T+8 < T+10
#   L  -N1 gpu:4 -t 6   lowest            -> could start now on gpu04 and end T+6: does not
#                                            delay P1 (T+10) but does delay P2 (T+3).
# EASY (only P1 protected) would start L now; conservative (P2 protected too) keeps it pending.
# Part 2: partition overlap reason (job in partition hi while partition gpu is blocked).
set -uo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
source "$HERE/lib.sh"
"$HERE/setup.sh" >/dev/null 2>&1
start_results f_backfill_reservations
lab_reset
config_dump

section "part 1: EASY vs conservative"
r1=$(sub root R1 -N1 --gres=gpu:4 -t 3 -w gpu01 --wrap 'sleep 170')
r2=$(sub root R2 -N2 --gres=gpu:4 -t 10 -w gpu02,gpu03 --wrap 'sleep 170')
wait_state "$r1" RUNNING 30; wait_state "$r2" RUNNING 30
p1=$(sub root P1 -N4 --gres=gpu:4 -t 5 --wrap 'sleep 30')
sleep 1
p2=$(sub root P2 -N2 --gres=gpu:4 -t 5 --wrap 'sleep 30')
sleep 1
l=$(sub root L -N1 --gres=gpu:4 -t 6 --wrap 'sleep 30')
sleep 15
snap "15 s later (3 backfill cycles)"
run squeue --start -o '%i %j %t %r %S %e %Y'
for j in $p1 $p2 $l; do
  scontrol show job "$j" | grep -E 'JobId=|Reason=|StartTime=|SchedNodeList|LastSchedEval' >> "$OUT"
done
lab_reset

section "part 2: reason of a job in an overlapping partition while a higher-priority job is blocked"
blk=$(sub root BLOCKER -N4 --gres=gpu:4 -t 10 --wrap 'sleep 120')
wait_state "$blk" RUNNING 30
top=$(sub root TOP_GPU_PART -N4 -n32 --gres=gpu:1 -t 10 -p gpu --wrap 'sleep 10')
lo=$(sub root LOW_HI_PART -N1 --gres=gpu:1 -t 10 -p hi --wrap 'sleep 10')
lo2=$(sub root LOW_GPU_PART -N1 --gres=gpu:1 -t 10 -p gpu --wrap 'sleep 10')
sleep 12
snap "12 s later"
for j in $top $lo $lo2; do
  scontrol show job "$j" | grep -E 'JobId=|Priority=|Reason=' >> "$OUT"
done
run squeue -o '%i %j %P %t %r' 
run sacct -X -n -P -o JobID,JobName,Partition,State,Reason -j "$top,$lo,$lo2"
lab_reset
echo "wrote $OUT"
