#!/usr/bin/env bash
# Scenario b: multifactor priority breakdown. A blocker job holds all 16 GPUs so that every
# test job (all ask for >= 1 GPU) stays pending; we record sprio -l over ~2.5 minutes.
# Weights (setup.sh): Age 3600 (MaxAge 1h => 1 point per second waited), FairShare 10000,
# JobSize 10000, Partition 10000, QOS 10000, TRES GRES/gpu=1600 (=> 100 per GPU of 16).
set -uo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
source "$HERE/lib.sh"
"$HERE/setup.sh" >/dev/null 2>&1
start_results b_priority
lab_reset

sacctmgr -i add qos qlow  Priority=10  >/dev/null 2>&1
sacctmgr -i add qos qhigh Priority=100 >/dev/null 2>&1
sacctmgr -i modify qos qlow  set Priority=10  >/dev/null 2>&1
sacctmgr -i modify qos qhigh set Priority=100 >/dev/null 2>&1
sacctmgr -i modify user root set qos+=qlow,qhigh >/dev/null 2>&1
config_dump
run sacctmgr -P show qos format=Name,Priority
run sacctmgr -P show assoc where user=root format=Account,User,Fairshare,QOS
note "cluster totals: 4 nodes, 32 CPUs, 16 GPUs; partitions gpu (PriorityJobFactor=1, 4 nodes), hi (PJF=10, 4 nodes), short (PJF=1, 2 nodes/16 CPUs/8 GPUs)"

blk=$(sub root BLOCKER -N4 --gres=gpu:4 -t 10 --wrap 'sleep 400')
wait_state "$blk" RUNNING 30
T0=$(date +%s)
sub root BASE      -N1 -n1 --gres=gpu:1 -t 10 --wrap 'sleep 30' >/dev/null
sub root NICE500   -N1 -n1 --gres=gpu:1 -t 10 --nice=500  --wrap 'sleep 30' >/dev/null
sub root NICE_NEG  -N1 -n1 --gres=gpu:1 -t 10 --nice=-300 --wrap 'sleep 30' >/dev/null
sub root QLOW      -N1 -n1 --gres=gpu:1 -t 10 --qos=qlow  --wrap 'sleep 30' >/dev/null
sub root QHIGH     -N1 -n1 --gres=gpu:1 -t 10 --qos=qhigh --wrap 'sleep 30' >/dev/null
sub root PART_HI   -N1 -n1 --gres=gpu:1 -t 10 -p hi       --wrap 'sleep 30' >/dev/null
sub root PART_SHORT -N1 -n1 --gres=gpu:1 -t 5 -p short    --wrap 'sleep 30' >/dev/null
sub root MULTI_PART -N1 -n1 --gres=gpu:1 -t 10 -p gpu,hi  --wrap 'sleep 30' >/dev/null
sub root N1_C4     -N1 -n4 --gres=gpu:1 -t 10 --wrap 'sleep 30' >/dev/null
sub root N1_C8     -N1 -n8 --gres=gpu:1 -t 10 --wrap 'sleep 30' >/dev/null
sub root N1_EXCL   -N1 --exclusive --gres=gpu:1 -t 10 --wrap 'sleep 30' >/dev/null
sub root N2_C2     -N2 -n2 --gres=gpu:1 -t 10 --wrap 'sleep 30' >/dev/null
sub root N2_C16    -N2 -n16 --gres=gpu:1 -t 10 --wrap 'sleep 30' >/dev/null
sub root N4_C32    -N4 -n32 --gres=gpu:1 -t 10 --wrap 'sleep 30' >/dev/null
sub root N2_4_RANGE -N2-4 -n2 --gres=gpu:1 -t 10 --wrap 'sleep 30' >/dev/null
sub root GPU4      -N1 -n1 --gres=gpu:4 -t 10 --wrap 'sleep 30' >/dev/null
sub root GPUS_TOT6 -N2 -n2 --gpus=6 -t 10 --wrap 'sleep 30' >/dev/null
sub root BEGIN60   -N1 -n1 --gres=gpu:1 -t 10 --begin=now+60 --wrap 'sleep 30' >/dev/null
hold=$(sub root HELD -N1 -n1 --gres=gpu:1 -t 10 -H --wrap 'sleep 30')
sleep 2
snap "t0+$(( $(date +%s) - T0 ))s: all submitted"
run scontrol show job "$hold"
sleep 30
run scontrol release "$hold"
note "released HELD at t0+$(( $(date +%s) - T0 ))s"
sleep 40
snap "t0+$(( $(date +%s) - T0 ))s"
sleep 45
snap "t0+$(( $(date +%s) - T0 ))s"
sleep 30
snap "t0+$(( $(date +%s) - T0 ))s"
section "submit / eligible / accrue times of all pending jobs"
for j in $(squeue -h -t PD -o %i); do
  scontrol show job "$j" | awk -v j="$j" '/JobName=/{n=$2} /SubmitTime=/{s=$1" "$2} /AccrueTime=/{a=$1} /Priority=/{p=$1" "$2} END{print "JobId="j, n, p, s, a}' >> "$OUT"
done
run sprio -l -n
run sprio -o '%.6i %.10r %.9Y %.10A %.10F %.10J %.10P %.10Q %.6N %T'
lab_reset
echo "wrote $OUT"
