#!/usr/bin/env bash
# Scenario h: what Slurm 22.05's user commands print, for kubectl fairway's golden tests (issue
# #16): sbatch --test-only, sbatch's batch-script checks, scontrol hold on running and finished
# jobs, squeue/sacct --json, sacct --format/-S/-E/-j/--state, sshare -l.
# Writes tests/testdata/slurm/*.txt (each command after "$ ", then its stdout+stderr).
# ~2 min.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bash "$HERE/../setup.sh"
# shellcheck source=../lib.sh
source "$HERE/../lib.sh"
DATA=$(cd "$HERE/../../.." && pwd)/tests/testdata/slurm
mkdir -p "$DATA"
start() {
  OUT=$DATA/$1.txt
  { echo "# $(sinfo -V), tools/slurm-lab (scenarios/h_cli_outputs.sh), recorded $(date -u +%FT%TZ)"
    echo "# cluster: gpu[01-04], 8 CPUs + 4 GPUs each; partitions gpu (default), hi, short, closed"; } >"$OUT"
}
A=(--chdir=/tmp -o /dev/null -e /dev/null)
# No lab_reset: the lab may be shared with someone else's scenario; this one cancels only its own
# jobs at the end.
useradd -M labuser1 2>/dev/null || true
sacctmgr -i add account labacct >/dev/null 2>&1 || true
sacctmgr -i add user labuser1 account=labacct >/dev/null 2>&1 || true

start sbatch_test_only
R1=$(sbatch --parsable "${A[@]}" -J run1 -t 10 --gres=gpu:4 -N 2 --wrap='sleep 120')
R2=$(sbatch --parsable "${A[@]}" -J short1 -t 3 --gres=gpu:2 --wrap='sleep 20')
sleep 3
run squeue -o '%i %j %t %S %e %N'
note "--test-only prints on stderr only (stdout empty) and consumes a job id"
run sbatch --test-only "${A[@]}" -t 5 --gres=gpu:4 -N 3 --wrap='sleep 1'
run sbatch --test-only "${A[@]}" -t 5 --gres=gpu:1 --wrap='sleep 1'
run sbatch --test-only "${A[@]}" -t 5 -p hi,gpu --gres=gpu:1 --wrap='sleep 1'
run sbatch --test-only "${A[@]}" -t 5 --gres=gpu:1 --begin=now+1hour --wrap='sleep 1'
run sbatch --test-only "${A[@]}" -t 5 --gres=gpu:4 -N 5 --wrap='sleep 1'
run sbatch --test-only --parsable "${A[@]}" -t 5 --gres=gpu:4 -a 0-3 --wrap='sleep 1'
run sbatch --test-only "${A[@]}" -t 5 --gres=gpu:2 --mem-per-gpu=1000 --wrap='sleep 1'
run sbatch --test-only "${A[@]}" -t 5 --gpus-per-node=2 -N 2 --wrap='sleep 1'
run sbatch --test-only "${A[@]}" -t 5 --mem=100 --mem-per-gpu=1000 --gres=gpu:1 --wrap='sleep 1'

start sbatch_script_checks
cd /tmp
printf '#!/bin/sh\r\nsleep 1\r\n' >/tmp/h_dos.sh
printf '#!/bin/sh\nsleep 1\n\177ELF\002\001\001\377\376\n' >/tmp/h_binary.sh
printf 'echo hi\n' >/tmp/h_noshebang.sh
printf '#!/bin/sh\nsleep 1\n\177ELF\000\000\377\n' >/tmp/h_nul.sh
note "h_dos.sh: printf '#!/bin/sh\\r\\nsleep 1\\r\\n'"
run sbatch --test-only "${A[@]}" /tmp/h_dos.sh
note "h_binary.sh: printf '#!/bin/sh\\nsleep 1\\n\\177ELF\\002\\001\\001\\377\\376\\n' (not UTF-8, no NUL)"
run sbatch --test-only "${A[@]}" /tmp/h_binary.sh
note "h_noshebang.sh: printf 'echo hi\\n'"
run sbatch --test-only "${A[@]}" /tmp/h_noshebang.sh
note "h_nul.sh: printf '#!/bin/sh\\nsleep 1\\n\\177ELF\\000\\000\\377\\n'"
run sbatch --test-only "${A[@]}" /tmp/h_nul.sh

start scontrol_hold
U=$(runuser -u labuser1 -- sbatch --parsable "${A[@]}" -t 5 --wrap='sleep 15')
sleep 3
run squeue -j "$U" -o '%i %u %t'
note "hold on a RUNNING job succeeds silently: Priority=0, Reason=JobHeldUser, it keeps running"
run runuser -u labuser1 -- scontrol hold "$U"
run squeue -j "$U" -o '%i %u %t %Q %r'
run runuser -u labuser1 -- scontrol release "$U"
sleep 15
run squeue -j "$U" -h -t all -o '%i %t'
run runuser -u labuser1 -- scontrol hold "$U"
run runuser -u labuser1 -- scontrol release "$U"
run runuser -u labuser1 -- scontrol hold 999999

start squeue_json
P=$(sbatch --parsable "${A[@]}" -J pend -t 20 -N 4 --gres=gpu:4 --wrap='sleep 1')
sleep 6
run squeue --json
scancel "$P"

start sacct
sleep 100  # run1 ends
run sacct -a -X -S now-10minutes
run sacct -a -X -j "$R1,$R2" --format=JobID,JobName%20,State,ExitCode,Start,End,Elapsed,NNodes,NodeList,User,Timelimit
run sacct -a -X -j "$R1" -o jobid,jobname,partition,account,alloctres%40,elapsedraw,jobidraw,qos,submit,reason
run sacct -a -X -S now-10minutes -E now-9minutes -o JobID,State,Start,End
run sacct -a -X --state=CD -o JobID,State
run sacct -a -X -S now-10minutes --state=CD -o JobID,State
run sacct -a -X -S now-10minutes --state=R -o JobID,State
run sacct -a -X -S now-1days -o JobID,State --noheader
run sacct -a -X -S bogus
run sacct -a -X -o JobID,Frobnicate
run sacct -a -X -j "$R1" --json

start sshare_long
run sshare -a -l
run sshare -l -A labacct
run sshare -u labuser1
scancel "$R1" "$R2" "$U" 2>/dev/null || true
echo "recorded into $DATA"
