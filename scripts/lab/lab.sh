#!/usr/bin/env bash
# Starts and stops smtp-lab for scripts and shell tests, by the PID recorded at start.
#   lab.sh start RUNDIR SMTP_LAB_BIN [smtp-lab flags...]   (returns once the lab is ready)
#   lab.sh stop RUNDIR                                     (SIGTERM, waits; SIGKILL after 10 s)
# The lab's exit counters land in RUNDIR/stats.json.
set -euo pipefail

usage() { echo "usage: $0 start RUNDIR SMTP_LAB_BIN [flags...] | stop RUNDIR" >&2; exit 2; }
# Alive and not a zombie (an orphan's zombie may never be reaped where PID 1 does not).
alive() { [[ -r /proc/$1/stat ]] && [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) != Z ]]; }
[[ $# -ge 2 ]] || usage
cmd=$1 rundir=$2
shift 2

case "$cmd" in
start)
  [[ $# -ge 1 ]] || usage
  lab_bin=$1
  shift
  mkdir -p "$rundir"
  rm -f "$rundir/ready" "$rundir/stats.json"
  "$lab_bin" --run-dir "$rundir" --stats-file "$rundir/stats.json" "$@" \
    >"$rundir/lab.out" 2>"$rundir/lab.err" &
  echo $! >"$rundir/lab.started.pid"
  for _ in $(seq 1 600); do
    [[ -f $rundir/ready ]] && exit 0
    alive "$(cat "$rundir/lab.started.pid")" || break
    sleep 0.1
  done
  echo "lab.sh: smtp-lab did not become ready: $(tail -5 "$rundir/lab.err")" >&2
  "$0" stop "$rundir" || true
  exit 1
  ;;
stop)
  [[ -f $rundir/lab.started.pid ]] || exit 0
  pid=$(cat "$rundir/lab.started.pid")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do
    alive "$pid" || break
    sleep 0.1
  done
  if alive "$pid"; then
    kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do alive "$pid" || break; sleep 0.1; done
  fi
  rm -f "$rundir/lab.started.pid"
  ;;
*) usage ;;
esac
