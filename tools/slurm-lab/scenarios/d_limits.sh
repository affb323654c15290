#!/usr/bin/env bash
# Scenario d: association and QOS limits -> exact pending Reason strings / rejection messages.
# Each test uses its own Unix user (and mostly its own account) so the limits do not interact.
# Plenty of free resources: every pending job below is held back by a limit only.
set -uo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
source "$HERE/lib.sh"
"$HERE/setup.sh" >/dev/null 2>&1
start_results d_limits
lab_reset

sa() { sacctmgr -i "$@" >/dev/null 2>&1; }
acct() { # acct NAME [PARENT] [limit settings...]
  local a=$1 p=$2; shift 2
  sa add account "$a" parent="$p" Fairshare=1
  sa modify account where name="$a" set GrpTRES=gres/gpu=-1,cpu=-1 GrpJobs=-1
  [ $# -gt 0 ] && sa modify account where name="$a" set "$@"
}
user() { ensure_user "$1"; sa add user "$1" account="$2"; sa modify user "$1" set MaxJobs=-1 MaxSubmitJobs=-1 MaxTRES=gres/gpu=-1; }
qos() { # qos NAME settings...
  local q=$1; shift
  sa add qos "$q"
  sa modify qos "$q" set MaxTRESPerUser=gres/gpu=-1 GrpJobs=-1 MaxJobsPerUser=-1 MaxTRESPerJob=gres/gpu=-1 MaxWall=-1 Flags=-1 "$@"
}

acct LGG root GrpTRES=gres/gpu=2;  user lgg LGG
acct LGC root GrpTRES=cpu=2;       user lgc LGC
acct LGJ root GrpJobs=1;           user lgj LGJ
acct LMJ root;                     user lmj LMJ; sa modify user lmj set MaxJobs=1
acct LMS root;                     user lms LMS; sa modify user lms set MaxSubmitJobs=1
acct LMT root;                     user lmt LMT; sa modify user lmt set MaxTRES=gres/gpu=1
acct LP  root GrpTRES=gres/gpu=2;  acct LPC LP;  user lpc LPC
qos q_gpu_user MaxTRESPerUser=gres/gpu=2
qos q_grpjobs  GrpJobs=1
qos q_jobs_user MaxJobsPerUser=1
qos q_pjob     MaxTRESPerJob=gres/gpu=1
qos q_wall     MaxWall=00:02:00
qos q_deny     MaxTRESPerJob=gres/gpu=1 Flags=DenyOnLimit
acct LQ root; sa modify account where name=LQ set QOS=normal,q_gpu_user,q_grpjobs,q_jobs_user,q_pjob,q_wall,q_deny
for u in lqu lqg1 lqg2 lqj lqt lqw lqd; do user "$u" LQ; done

config_dump
run sacctmgr -P show assoc where account=LGG,LGC,LGJ,LMJ,LMS,LMT,LP,LPC,LQ format=Account,ParentName,User,GrpTRES,GrpJobs,MaxJobs,MaxSubmit,MaxTRES,QOS
run sacctmgr -P show qos format=Name,Priority,GrpJobs,MaxJobsPU,MaxTRESPU,MaxTRES,MaxWall,Flags

section "submissions (first job of each pair should run, the second should pend)"
note "1 account GrpTRES=gres/gpu=2"
sub lgg GRP_GPU_1 --gres=gpu:2 -t 5 --wrap 'sleep 120' >/dev/null
sub lgg GRP_GPU_2 --gres=gpu:1 -t 5 --wrap 'sleep 120' >/dev/null
note "2 account GrpTRES=cpu=2"
sub lgc GRP_CPU_1 -n2 -t 5 --wrap 'sleep 120' >/dev/null
sub lgc GRP_CPU_2 -n1 -t 5 --wrap 'sleep 120' >/dev/null
note "3 account GrpJobs=1"
sub lgj GRP_JOBS_1 -t 5 --wrap 'sleep 120' >/dev/null
sub lgj GRP_JOBS_2 -t 5 --wrap 'sleep 120' >/dev/null
note "4 user association MaxJobs=1"
sub lmj MAXJOBS_1 -t 5 --wrap 'sleep 120' >/dev/null
sub lmj MAXJOBS_2 -t 5 --wrap 'sleep 120' >/dev/null
note "5 user association MaxSubmitJobs=1 (second submit)"
sub lms MAXSUBMIT_1 -t 5 --wrap 'sleep 120' >/dev/null
sub lms MAXSUBMIT_2 -t 5 --wrap 'sleep 120' >/dev/null
note "6 user association MaxTRES=gres/gpu=1 (per job), job asks gpu:2"
sub lmt ASSOC_MAXTRES --gres=gpu:2 -t 5 --wrap 'sleep 120' >/dev/null
note "7 parent account LP GrpTRES=gres/gpu=2, user in child account LPC"
sub lpc PARENT_GRP_1 --gres=gpu:2 -t 5 --wrap 'sleep 120' >/dev/null
sub lpc PARENT_GRP_2 --gres=gpu:1 -t 5 --wrap 'sleep 120' >/dev/null
note "8 QOS MaxTRESPerUser=gres/gpu=2"
sub lqu QOS_PU_GPU_1 --qos=q_gpu_user --gres=gpu:2 -t 5 --wrap 'sleep 120' >/dev/null
sub lqu QOS_PU_GPU_2 --qos=q_gpu_user --gres=gpu:1 -t 5 --wrap 'sleep 120' >/dev/null
note "9 QOS GrpJobs=1 (two different users)"
sub lqg1 QOS_GRPJOBS_1 --qos=q_grpjobs -t 5 --wrap 'sleep 120' >/dev/null
sub lqg2 QOS_GRPJOBS_2 --qos=q_grpjobs -t 5 --wrap 'sleep 120' >/dev/null
note "10 QOS MaxJobsPerUser=1"
sub lqj QOS_JOBS_PU_1 --qos=q_jobs_user -t 5 --wrap 'sleep 120' >/dev/null
sub lqj QOS_JOBS_PU_2 --qos=q_jobs_user -t 5 --wrap 'sleep 120' >/dev/null
note "11 QOS MaxTRESPerJob=gres/gpu=1, job asks gpu:2"
sub lqt QOS_PJOB --qos=q_pjob --gres=gpu:2 -t 5 --wrap 'sleep 120' >/dev/null
note "12 QOS MaxWall=2 min, job -t 5"
sub lqw QOS_WALL --qos=q_wall -t 5 --wrap 'sleep 120' >/dev/null
note "12b QOS MaxWall=2 min, job without -t (partition DefaultTime=30)"
sub lqw QOS_WALL_DEF --qos=q_wall --wrap 'sleep 120' >/dev/null
note "13 QOS MaxTRESPerJob=gres/gpu=1 + Flags=DenyOnLimit, job asks gpu:2"
sub lqd QOS_DENY --qos=q_deny --gres=gpu:2 -t 5 --wrap 'sleep 120' >/dev/null
note "14 QOS not in the association's QOS list"
sub lqd QOS_NOT_ALLOWED --qos=qhigh -t 5 --wrap 'sleep 120' >/dev/null
note "15 unknown account / account the user is not in"
sub lqd BAD_ACCOUNT -A nosuchacct -t 5 --wrap 'sleep 120' >/dev/null
sub lqd OTHER_ACCOUNT -A LGG -t 5 --wrap 'sleep 120' >/dev/null
sleep 2
section "t+2s"
sq
sleep 12
section "t+14s (several scheduler cycles)"
sq
run squeue -o '%i %j %u %t %R'
run squeue --start -o '%i %j %t %r %S'
section "scontrol view of two limited jobs"
for n in GRP_GPU_2 QOS_PU_GPU_2; do
  j=$(squeue -h -n "$n" -o %i)
  [ -n "$j" ] && scontrol show job "$j" | grep -E 'JobId|Reason|Priority|AccrueTime|StartTime' >> "$OUT"
done
lab_reset
echo "wrote $OUT"
