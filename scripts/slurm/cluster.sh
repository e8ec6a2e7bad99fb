#!/usr/bin/env bash
# A private single-node Slurm cluster for tests and demos: Debian's slurm-wlm and munge,
# every daemon on 127.0.0.1 only, all state, sockets, keys and logs under DIR, started
# directly (no systemd) and stopped by the PIDs recorded at start.
#   cluster.sh start DIR     installs what is missing; waits until the node is idle;
#                            prints the SLURM_CONF to export
#   cluster.sh stop DIR      cancels jobs, stops slurmd, slurmctld, munged (by PID)
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[[ $# -eq 2 ]] || usage
cmd=$1
mkdir -p "$2"
dir=$(cd "$2" && pwd)
alive() { [[ -r /proc/$1/stat ]] && [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) != Z ]]; }
# Stops the daemon of PIDFILE and returns once it is gone (SIGKILL after 10 s), so that its
# ports, sockets and state directory are free when `stop` returns.
stop_pid() {  # PIDFILE
  [[ -f $1 ]] || return 0
  local pid
  pid=$(cat "$1")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do alive "$pid" || break; sleep 0.1; done
  if alive "$pid"; then
    kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do alive "$pid" || break; sleep 0.1; done
  fi
  alive "$pid" && echo "cluster.sh: process $pid ($1) does not go away" >&2
  rm -f "$1"
}

install_missing() {
  local missing=()
  for package in slurm-wlm munge; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$package")
  done
  ((${#missing[@]} == 0)) && return 0
  # The packages would start system-wide daemons: keep apt from starting anything.
  local policy=/usr/sbin/policy-rc.d created=false
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod +x "$policy"
    created=true
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    >"$dir/apt.log" 2>&1 || { DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1;
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
      >"$dir/apt.log" 2>&1; }
  # (an `if`: a bare `$created && ...` would end the function, and the script, with status 1)
  if $created; then rm -f "$policy"; fi
}

case "$cmd" in
start)
  install_missing
  PATH=$PATH:/usr/sbin
  host=$(hostname -s)
  mkdir -p "$dir/munge" "$dir/slurm/state" "$dir/slurm/spool"
  chmod 700 "$dir/munge"
  dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
  chmod 400 "$dir/munge/munge.key"
  munged --force --foreground --socket="$dir/munge/munge.socket" \
    --key-file="$dir/munge/munge.key" --log-file="$dir/munge/munged.log" \
    --pid-file="$dir/munge/munged.internal.pid" --seed-file="$dir/munge/munged.seed" \
    >"$dir/munge/stdout.log" 2>&1 &
  echo $! >"$dir/munge/munged.pid"
  for _ in $(seq 1 50); do [[ -S $dir/munge/munge.socket ]] && break; sleep 0.1; done
  munge -n -S "$dir/munge/munge.socket" | unmunge -S "$dir/munge/munge.socket" >/dev/null \
    || { echo "cluster.sh: munge does not work: $(cat "$dir/munge/munged.log")" >&2; exit 1; }
  memory=$(awk '/MemTotal/ {print int($2 / 1024 / 2)}' /proc/meminfo)
  cat >"$dir/slurm/slurm.conf" <<CONF
ClusterName=starttls
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=${SLURMCTLD_PORT:-6817}
SlurmdPort=${SLURMD_PORT:-6818}
# Loopback only: without this slurmctld and slurmd bind 0.0.0.0.
CommunicationParameters=NoInAddrAny,NoCtldInAddrAny
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/slurm/state
SlurmdSpoolDir=$dir/slurm/spool
SlurmctldPidFile=$dir/slurm/slurmctld.internal.pid
SlurmdPidFile=$dir/slurm/slurmd.internal.pid
SlurmctldLogFile=$dir/slurm/slurmctld.log
SlurmdLogFile=$dir/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
SwitchType=switch/none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
MinJobAge=300
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=$memory State=UNKNOWN
PartitionName=scan Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF=$dir/slurm/slurm.conf
  slurmctld -D -f "$SLURM_CONF" >"$dir/slurm/slurmctld.stdout" 2>&1 &
  echo $! >"$dir/slurm/slurmctld.pid"
  slurmd -D -f "$SLURM_CONF" >"$dir/slurm/slurmd.stdout" 2>&1 &
  echo $! >"$dir/slurm/slurmd.pid"
  for _ in $(seq 1 300); do
    if sinfo -h -o '%t' 2>/dev/null | grep -q '^idle'; then
      echo "$SLURM_CONF"
      exit 0
    fi
    sleep 0.1
  done
  echo "cluster.sh: the node did not become idle: $(tail -5 "$dir/slurm/slurmctld.log" "$dir/slurm/slurmd.log" 2>&1)" >&2
  "$0" stop "$dir" || true
  exit 1
  ;;
stop)
  PATH=$PATH:/usr/sbin
  if [[ -f $dir/slurm/slurm.conf ]]; then
    # Cancel every job and wait (10 s at most) until none is left, so no slurmstepd outlives
    # the slurmd that started it.
    export SLURM_CONF=$dir/slurm/slurm.conf
    if alive "$(cat "$dir/slurm/slurmctld.pid" 2>/dev/null || echo 0)"; then
      scancel --user=root 2>/dev/null || true
      for _ in $(seq 1 100); do
        [[ -z $(squeue -h -o %i 2>/dev/null) ]] && break
        sleep 0.1
      done
    fi
  fi
  stop_pid "$dir/slurm/slurmd.pid"
  stop_pid "$dir/slurm/slurmctld.pid"
  stop_pid "$dir/munge/munged.pid"
  ;;
*) usage ;;
esac
