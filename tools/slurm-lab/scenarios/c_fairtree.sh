#!/usr/bin/env bash
# Scenario c: Fair Tree (default PriorityFlags). Tree:
#   root ─ user root
#        ├ A (Fairshare=1): fa1, fa2, fa3
#        ├ B (Fairshare=1): fb1, fb2
#        ├ C (Fairshare=1): fc1            (never runs anything)
#        └ D (Fairshare=1): fd1            (never runs anything)
# Phase 1: all usage zeroed -> everything ties (LevelFS=inf). Phase 2: fa1 runs 8 CPUs and
# fb1 runs 2 CPUs for ~70 s -> usage; then record sshare and the fairshare part of sprio.
set -uo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
source "$HERE/lib.sh"
"$HERE/setup.sh" >/dev/null 2>&1
start_results c_fairtree
lab_reset

for u in fa1 fa2 fa3 fb1 fb2 fc1 fd1; do ensure_user "$u"; done
for a in A B C D; do sacctmgr -i add account "$a" parent=root Fairshare=1 >/dev/null 2>&1; done
for u in fa1 fa2 fa3; do sacctmgr -i add user "$u" account=A >/dev/null 2>&1; done
for u in fb1 fb2; do sacctmgr -i add user "$u" account=B >/dev/null 2>&1; done
sacctmgr -i add user fc1 account=C >/dev/null 2>&1
sacctmgr -i add user fd1 account=D >/dev/null 2>&1
# usage of jobs that lab_reset just cancelled is charged at the next decay pass: wait for it
sleep 65
# zero all usage so the scenario is repeatable (RawUsage can only be set to 0)
sacctmgr -i modify account where name=root,A,B,C,D set RawUsage=0 >/dev/null 2>&1
for u in root fa1 fa2 fa3 fb1 fb2 fc1 fd1; do
  sacctmgr -i modify user "$u" set RawUsage=0 >/dev/null 2>&1
done
config_dump
run sacctmgr -P show assoc format=Account,ParentName,User,Fairshare tree
note "waiting 65 s for a PriorityCalcPeriod pass so new associations and zeroed usage are computed"
sleep 65
section "phase 1: no usage anywhere (every LevelFS = inf)"
run sshare -a -l
note "the ordering Slurm used: FairShare factor per user (higher = better); second pass a minute later to check it is stable"
sleep 60
run sshare -a -l

section "phase 2: create usage"
j1=$(sub fa1 USE_A1 -N1 -n8 -t 5 --wrap 'sleep 70')
j2=$(sub fb1 USE_B1 -N1 -n2 -t 5 --wrap 'sleep 70')
sleep 5
sq
run sshare -a -l
note "waiting for the jobs to finish and for one more PriorityCalcPeriod (1 min) decay pass"
for _ in $(seq 1 150); do [ -z "$(squeue -h -j "$j1,$j2" -o %i 2>/dev/null)" ] && break; sleep 1; done
sleep 65
section "phase 2 result"
run sshare -a -l
run sshare -a -l -o Account,User,RawShares,NormShares,RawUsage,NormUsage,EffectvUsage,LevelFS,FairShare

section "phase 3: FairShare factor seen by jobs (sprio) -- hold all GPUs, submit one job per user"
blk=$(sub root BLOCKER -N4 --gres=gpu:4 -t 10 --wrap 'sleep 300')
wait_state "$blk" RUNNING 30
for u in fa1 fa2 fa3 fb1 fb2 fc1 fd1; do sub "$u" "FS_$u" -N1 -n1 --gres=gpu:1 -t 5 --wrap 'sleep 10' >/dev/null; done
sub root FS_root -N1 -n1 --gres=gpu:1 -t 5 --wrap 'sleep 10' >/dev/null
sleep 3
run sprio -o '%.6i %.8u %.10Y %.10F %.10J %.10P %.10T'
run sprio -l
run sshare -a -l
lab_reset
echo "wrote $OUT"
