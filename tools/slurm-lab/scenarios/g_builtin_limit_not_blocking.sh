#!/usr/bin/env bash
# Scenario g (sched/builtin, i.e. main scheduler only): a higher-priority job that is held back
# by its own limit (association GrpJobs) or by a partition limit must not block lower-priority
# jobs of the same partition; a higher-priority job that waits for Resources must block them.
# The top jobs' priorities are pinned with `scontrol update job N Priority=...` right after
# submit (they cannot start anyway); the low jobs are submitted afterwards with their natural
# (much lower) priority. (--hold + Priority= does not work: the job stays held.)
set -uo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
source "$HERE/lib.sh"
LAB_SCHEDULER=sched/builtin "$HERE/setup.sh" >/dev/null 2>&1
start_results g_builtin_limit_not_blocking
lab_reset
ensure_user lgj
sacctmgr -i add account LGJ parent=root >/dev/null 2>&1
sacctmgr -i modify account where name=LGJ set GrpJobs=1 >/dev/null 2>&1
sacctmgr -i add user lgj account=LGJ >/dev/null 2>&1
config_dump

section "part 1: limit-blocked top job"
a=$(sub lgj LIM_RUNNING -t 5 --wrap 'sleep 60')
wait_state "$a" RUNNING 30
b=$(sub lgj LIM_BLOCKED_TOP -t 5 --wrap 'sleep 60')
run scontrol update jobid="$b" Priority=90000
note "a job over the partition MaxTime (PartitionTimeLimit), also pinned high"
c=$(sub root PARTLIMIT_TOP -p gpu -t 1-0 --wrap 'sleep 60')
run scontrol update jobid="$c" Priority=80000
d=$(sub root LOW_CPU_JOB -t 5 --wrap 'sleep 60')
sleep 8
snap "8 s later"

section "part 2: resource-blocked top job"
blk=$(sub root BLOCKER -N4 --gres=gpu:3 -t 5 --wrap 'sleep 60')
wait_state "$blk" RUNNING 30
e=$(sub root RES_BLOCKED_TOP -N1 --gres=gpu:2 -t 5 --wrap 'sleep 30')
run scontrol update jobid="$e" Priority=70000
f=$(sub root LOW_FITS_NOW -N1 --gres=gpu:1 -t 1 --wrap 'sleep 30')
sleep 8
snap "8 s later"
run squeue --start -o '%i %j %t %r %S'
lab_reset
"$HERE/setup.sh" >/dev/null 2>&1
echo "wrote $OUT"
