#!/usr/bin/env bash
# Stop the Slurm lab started by setup.sh (via pid files only). --purge also removes lab state
# (/var/lib/slurm-lab) and the slurm_acct_db database.
set -uo pipefail
LAB=/var/lib/slurm-lab
log() { printf '[slurm-lab] %s\n' "$*" >&2; }

stop_pidfile() { # pidfile name
  local pf=$1 name=$2 pid
  [ -s "$pf" ] || return 0
  pid=$(cat "$pf")
  if kill -0 "$pid" 2>/dev/null; then
    log "stopping $name ($pid)"
    kill "$pid"
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  fi
  rm -f "$pf"
}

for pf in "$LAB"/run/slurmd.*.pid; do
  [ -e "$pf" ] && stop_pidfile "$pf" "slurmd $(basename "$pf" .pid | sed 's/^slurmd\.//')"
done
stop_pidfile "$LAB/run/slurmctld.pid" slurmctld
stop_pidfile "$LAB/run/slurmdbd.pid" slurmdbd

if [ "${1:-}" = --purge ] && mysqladmin ping >/dev/null 2>&1; then
  log "dropping slurm_acct_db"
  mysql -u root -e 'DROP DATABASE IF EXISTS slurm_acct_db;' || true
fi
if mysqladmin ping >/dev/null 2>&1; then
  log "stopping mariadb"
  mysqladmin shutdown || true
fi
stop_pidfile /run/munge/munged.pid munged

if [ "${1:-}" = --purge ]; then
  log "removing $LAB"
  rm -rf "$LAB"
fi
log "stopped"
