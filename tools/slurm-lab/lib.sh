# shellcheck shell=bash
# Helpers shared by tools/slurm-lab/scenarios/*.sh (source it; needs the lab from setup.sh).
LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RESULTS_DIR=$LAB_DIR/results
mkdir -p "$RESULTS_DIR"
SQ_FMT='%i %P %j %u %a %q %t %r %Q %S %l %D %C %b'

# start_results NAME  -> sets OUT and writes a header
start_results() {
  OUT=$RESULTS_DIR/$1.txt
  {
    echo "# Slurm lab scenario: $1"
    echo "# recorded $(date -u +%FT%TZ) with $(sinfo -V)"
    echo "# squeue format: $SQ_FMT  (JOBID PARTITION NAME USER ACCOUNT QOS ST REASON PRIORITY START TIMELIMIT NODES CPUS TRES_PER_NODE)"
  } > "$OUT"
}
note() { printf '\n# %s\n' "$*" >> "$OUT"; }
section() { printf '\n=== %s  [t=%s]\n' "$*" "$(date +%T)" >> "$OUT"; }
# run CMD... : echo the command and its output (stdout+stderr, exit code if non-zero) to OUT
run() {
  local rc=0
  printf '$ %s\n' "$*" >> "$OUT"
  "$@" >> "$OUT" 2>&1 || rc=$?
  [ $rc = 0 ] || echo "(exit $rc)" >> "$OUT"
  return 0
}
sq() { run squeue -o "$SQ_FMT" "$@"; }
snap() { section "$1"; sq; run sprio -l; }

# sub USER NAME SBATCH-ARGS... : submit as USER (root or a Unix user), echo job id (or empty)
# The exact command and sbatch's answer are logged to OUT.
sub() {
  local user=$1 name=$2; shift 2
  local cmd=(sbatch --parsable -J "$name" --chdir=/tmp -o /dev/null -e /dev/null "$@")
  local out rc=0
  if [ "$user" = root ]; then
    out=$("${cmd[@]}" 2>&1) || rc=$?
  else
    out=$(runuser -u "$user" -- "${cmd[@]}" 2>&1) || rc=$?
  fi
  printf '$ [%s] %s\n%s\n' "$user" "${cmd[*]}" "$out" >> "$OUT"
  [ $rc = 0 ] && echo "${out##*$'\n'}" | cut -d';' -f1
  return 0
}

# cancel everything and wait until the queue (incl. COMPLETING) is empty
lab_reset() {
  local ids
  ids=$(squeue -h -o %i)
  [ -n "$ids" ] && scancel $ids 2>/dev/null
  for _ in $(seq 1 60); do
    [ -z "$(squeue -h -t all -o %i -t PD,R,CG,S)" ] && break
    sleep 1
  done
  # make sure no node is left drained by a killed job
  for n in $(sinfo -h -N -o '%N %t' | awk '$2 ~ /drain|down/ {print $1}' | sort -u); do
    scontrol update nodename="$n" state=resume 2>/dev/null || true
  done
}

# ensure_user NAME : local Unix user (no home)
ensure_user() { id "$1" >/dev/null 2>&1 || useradd -M -s /bin/bash "$1"; }

# wait until job $1 is in state $2 (squeue %T, e.g. RUNNING), max $3 seconds (default 60)
wait_state() {
  local id=$1 st=$2 max=${3:-60}
  for _ in $(seq 1 "$max"); do
    [ "$(squeue -h -j "$id" -o %T 2>/dev/null)" = "$st" ] && return 0
    sleep 1
  done
  return 1
}

config_dump() {
  section "relevant config"
  scontrol show config | grep -E '^(Priority|SchedulerType|SchedulerParameters|SelectType|EnforcePartLimits|AccountingStorageEnforce|AccountingStorageTRES)' >> "$OUT"
  run sprio -w
  run sinfo -o '%P %a %l %L %D %t %N %G'
}
