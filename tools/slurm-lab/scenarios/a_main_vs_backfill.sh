#!/usr/bin/env bash
# Scenario a: main scheduler vs backfill. 4 nodes x 4 GPUs. Two running jobs hold GPUs; a
# 16-GPU job (4 nodes x gpu:4) waits behind them; smaller jobs arrive later. Run once with
# sched/backfill and once with sched/builtin (slurmctld is restarted in between by setup.sh).
set -uo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
source "$HERE/lib.sh"
start_results a_main_vs_backfill

one_run() {
  local mode=$1
  LAB_SCHEDULER=$mode "$HERE/setup.sh" >/dev/null 2>&1 || { note "setup failed for $mode"; return; }
  lab_reset
  section "MODE $mode"
  config_dump
  note "R1: 1 node x gpu:4, -t 2 (runs 100 s); R2: 1 node x gpu:2, -t 4 (runs 150 s)"
  local r1 r2 big sl ss nogpu ss2
  r1=$(sub root R1 -N1 --gres=gpu:4 -t 2 --wrap 'sleep 100')
  r2=$(sub root R2 -N1 --gres=gpu:2 -t 4 --wrap 'sleep 150')
  wait_state "$r1" RUNNING 30; wait_state "$r2" RUNNING 30
  note "BIG: 4 nodes x gpu:4 (all 16 GPUs), -t 5"
  big=$(sub root BIG -N4 --gres=gpu:4 -t 5 --wrap 'sleep 60')
  sleep 2
  note "later small jobs: SMALL_LONG gpu:1 -t 30; SMALL_SHORT gpu:1 -t 1; SMALL_SHORT2 gpu:2 -t 1; NOGPU (1 cpu, no gpu) -t 1; NOTIME gpu:1 (partition DefaultTime=30)"
  sl=$(sub root SMALL_LONG -N1 --gres=gpu:1 -t 30 --wrap 'sleep 60')
  ss=$(sub root SMALL_SHORT -N1 --gres=gpu:1 -t 1 --wrap 'sleep 40')
  ss2=$(sub root SMALL_SHORT2 -N1 --gres=gpu:2 -t 1 --wrap 'sleep 40')
  nogpu=$(sub root NOGPU -N1 -n1 -t 1 --wrap 'sleep 40')
  sub root NOTIME -N1 --gres=gpu:1 --wrap 'sleep 40' >/dev/null
  sleep 1
  snap "$mode: 1 s after the small submits"
  sleep 12
  snap "$mode: +13 s (>= 2 sched_interval / bf_interval cycles)"
  run squeue --start -o '%i %j %t %r %S %Y'
  run scontrol show job "$big"
  section "$mode: which scheduler started / evaluated the small jobs"
  for j in $ss $ss2 $nogpu $sl; do
    scontrol show job "$j" | grep -E 'JobId=|JobState=|StartTime=|Scheduler=' >> "$OUT"
  done
  sleep 20
  snap "$mode: +33 s"
  # wait for R1 to end
  for _ in $(seq 1 120); do [ -z "$(squeue -h -j "$r1" -t R,CG -o %i 2>/dev/null)" ] && break; sleep 1; done
  sleep 3
  snap "$mode: R1 finished"
  run squeue --start -o '%i %j %t %r %S %Y'
  for _ in $(seq 1 120); do [ "$(squeue -h -j "$big" -o %t 2>/dev/null)" = R ] && break; sleep 1; done
  sleep 2
  snap "$mode: BIG started (or gave up waiting)"
  run sacct -X -n -P -o JobID,JobName,Submit,Eligible,Start,End,State,AllocTRES -S now-15minutes --name=R1,R2,BIG,SMALL_LONG,SMALL_SHORT,SMALL_SHORT2,NOGPU,NOTIME
  lab_reset
}

one_run sched/backfill
one_run sched/builtin
# back to the default lab config
"$HERE/setup.sh" >/dev/null 2>&1
echo "wrote $OUT"
