#!/usr/bin/env bash
# Starts and stops one of the lab's helper programs (dns-lab, policy-lab) by the PID recorded
# at start, as lab.sh does for smtp-lab. The program writes RUNDIR/NAME.ready once it listens.
#   lab-daemon.sh NAME start RUNDIR BIN [flags...]   (returns once ready; --run-dir is added)
#   lab-daemon.sh NAME stop RUNDIR                   (SIGTERM, waits; SIGKILL after 10 s)
# Output: RUNDIR/NAME.out (counters on exit), RUNDIR/NAME.err; PID in RUNDIR/NAME.started.pid.
set -euo pipefail

usage() { echo "usage: $0 NAME start RUNDIR BIN [flags...] | NAME stop RUNDIR" >&2; exit 2; }
alive() { [[ -r /proc/$1/stat ]] && [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) != Z ]]; }
[[ $# -ge 3 ]] || usage
name=$1 cmd=$2 rundir=$3
shift 3
[[ $name =~ ^[a-z][a-z-]*$ ]] || usage
pidfile="$rundir/$name.started.pid"

case "$cmd" in
start)
  [[ $# -ge 1 ]] || usage
  bin=$1
  shift
  mkdir -p "$rundir"
  rm -f "$rundir/$name.ready"
  "$bin" --run-dir "$rundir" "$@" >"$rundir/$name.out" 2>"$rundir/$name.err" &
  echo $! >"$pidfile"
  for _ in $(seq 1 300); do
    [[ -f $rundir/$name.ready ]] && exit 0
    alive "$(cat "$pidfile")" || break
    sleep 0.1
  done
  echo "$name: did not become ready: $(tail -5 "$rundir/$name.err")" >&2
  "$0" "$name" stop "$rundir" || true
  exit 1
  ;;
stop)
  [[ -f $pidfile ]] || exit 0
  pid=$(cat "$pidfile")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do alive "$pid" || break; sleep 0.1; done
  if alive "$pid"; then
    kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do alive "$pid" || break; sleep 0.1; done
  fi
  rm -f "$pidfile"
  ;;
*) usage ;;
esac
