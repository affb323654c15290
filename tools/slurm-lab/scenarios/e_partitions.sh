#!/usr/bin/env bash
# Scenario e: partition limits and states with EnforcePartLimits=NO (lab default), then a
# short check with EnforcePartLimits=ALL (sed on /etc/slurm/slurm.conf + scontrol reconfigure,
# restored to NO at the end).
# Partitions: gpu (4 nodes, MaxTime 2h), short (gpu[01-02], MaxTime 5 min), closed (gpu04, DOWN).
set -uo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
source "$HERE/lib.sh"
"$HERE/setup.sh" >/dev/null 2>&1
start_results e_partitions
lab_reset
config_dump

section "EnforcePartLimits=NO: submissions"
note "1 --time above partition MaxTime (short: 5 min, job -t 10)"
first=$(sub root OVER_MAXTIME -p short -t 10 --wrap 'sleep 30')
note "2 DOWN partition"
sub root IN_DOWN_PART -p closed -t 5 --wrap 'sleep 30' >/dev/null
note "3 more nodes than the partition has (short has 2 nodes, job -N3)"
sub root TOO_MANY_NODES -p short -N3 -t 5 --wrap 'sleep 30' >/dev/null
note "4 more nodes than the cluster has (-N5)"
sub root N5 -p gpu -N5 -t 5 --wrap 'sleep 30' >/dev/null
note "5 more GPUs per node than any node has (gpu:5)"
sub root GPU5 -p gpu --gres=gpu:5 -t 5 --wrap 'sleep 30' >/dev/null
note "6 partition MaxNodes=1 (set with scontrol on short), job -N2"
run scontrol update partitionname=short MaxNodes=1
sub root OVER_MAXNODES -p short -N2 -t 5 --wrap 'sleep 30' >/dev/null
note "7 multi-partition job -p short,gpu with -t 10 (over short's MaxTime, fine in gpu)"
sub root MULTI_TIME -p short,gpu -t 10 --wrap 'sleep 30' >/dev/null
note "8 time limit formats: -t 90:30 (should round up to 91 min), -t 1-0 (over MaxTime 2h)"
sub root TFMT_9030 -p gpu -t 90:30 --begin=now+1hour --wrap 'sleep 30' >/dev/null
sub root TFMT_1DAY -p gpu -t 1-0 --wrap 'sleep 30' >/dev/null
sleep 12
section "EnforcePartLimits=NO: queue after 12 s"
sq
run squeue -o '%i %j %P %t %R %l'
note "all states (incl. failed at submit), jobs of this scenario only"
run bash -c "squeue -t all -o '%i %j %P %t %R %l' | awk -v f=$first 'NR==1 || \$1>=f'"

section "partition state changes on 'closed' (DOWN -> DRAIN -> INACTIVE -> UP)"
run scontrol update partitionname=closed State=DRAIN
sub root IN_DRAIN_PART -p closed -t 5 --wrap 'sleep 30' >/dev/null
run scontrol update partitionname=closed State=INACTIVE
sub root IN_INACTIVE_PART -p closed -t 5 --wrap 'sleep 30' >/dev/null
sleep 7
sq
run scontrol update partitionname=closed State=UP
sleep 8
section "after closed -> UP"
sq
run scontrol update partitionname=closed State=DOWN
run scontrol update partitionname=short MaxNodes=UNLIMITED
lab_reset

section "EnforcePartLimits=ALL (scontrol reconfigure with edited slurm.conf)"
sed -i 's/^EnforcePartLimits=NO/EnforcePartLimits=ALL/' /etc/slurm/slurm.conf
scontrol reconfigure; sleep 3
run scontrol show config
sed -n '/^EnforcePartLimits/p' /etc/slurm/slurm.conf >> "$OUT"
sub root ALL_OVER_MAXTIME -p short -t 10 --wrap 'sleep 30' >/dev/null
sub root ALL_TOO_MANY_NODES -p short -N3 -t 5 --wrap 'sleep 30' >/dev/null
sub root ALL_MULTI_TIME -p short,gpu -t 10 --wrap 'sleep 30' >/dev/null
sub root ALL_IN_DOWN_PART -p closed -t 5 --wrap 'sleep 30' >/dev/null
sleep 8
sq
lab_reset
sed -i 's/^EnforcePartLimits=ALL/EnforcePartLimits=NO/' /etc/slurm/slurm.conf
scontrol reconfigure; sleep 2
# scontrol show config is too long; keep only the line we need
sed -i '/^\$ scontrol show config$/,/^$ \[root\]/{/^\$ scontrol show config$/b;/^\$ \[root\]/b;/^EnforcePartLimits/!d}' "$OUT"
echo "wrote $OUT"
