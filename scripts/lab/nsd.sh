#!/usr/bin/env bash
# Starts/stops a private NSD serving the lab's zone (RUNDIR/lab.test.zone, written by smtp-lab)
# on a loopback address and port. Own nsd.conf, pid file and logs in RUNDIR/nsd; no system
# config is read or touched. Stop uses the PID recorded at start, never a process name.
#   nsd.sh start RUNDIR ADDR PORT [--signed]
#   nsd.sh stop RUNDIR
# --signed serves RUNDIR/lab.test.zone.signed (made by sign-zone.sh) instead. When
# RUNDIR/insecure.lab.test.zone exists (smtp-lab --policy-address), that unsigned sub-zone is
# served too.
set -euo pipefail

usage() { echo "usage: $0 start RUNDIR ADDR PORT [--signed] | stop RUNDIR" >&2; exit 2; }
[[ $# -ge 2 ]] || usage
cmd=$1
rundir=$(cd "$2" && pwd)
dir="$rundir/nsd"
pidfile="$dir/nsd.pid"

case "$cmd" in
start)
  [[ $# -eq 4 || ( $# -eq 5 && $5 == --signed ) ]] || usage
  addr=$3 port=$4
  zonefile="$rundir/lab.test.zone"
  [[ $# -eq 5 ]] && zonefile="$rundir/lab.test.zone.signed"
  [[ $addr == 127.* ]] || { echo "nsd.sh: $addr is not a loopback address" >&2; exit 2; }
  if ! command -v nsd >/dev/null || ! command -v nsd-checkconf >/dev/null; then
    PATH=$PATH:/usr/sbin
    command -v nsd >/dev/null || { apt-get install -y nsd dnsutils >/dev/null; }
  fi
  [[ -f $zonefile ]] || { echo "nsd.sh: $zonefile missing" >&2; exit 1; }
  mkdir -p "$dir"
  cat >"$dir/nsd.conf" <<CONF
server:
  ip-address: $addr@$port
  port: $port
  do-ip6: no
  username: ""
  chroot: ""
  zonesdir: "$rundir"
  database: ""
  zonelistfile: "$dir/zone.list"
  xfrdfile: "$dir/xfrd.state"
  xfrdir: "$dir"
  pidfile: "$dir/nsd.internal.pid"
  logfile: "$dir/nsd.log"
  server-count: 1
  verbosity: 1
  hide-version: yes
  # Response rate limiting would drop the scanner's thousands of NODATA answers a second.
  rrl-ratelimit: 0
remote-control:
  control-enable: no
zone:
  name: lab.test
  zonefile: "$zonefile"
CONF
  if [[ -f $rundir/insecure.lab.test.zone ]]; then
    printf 'zone:\n  name: insecure.lab.test\n  zonefile: "%s"\n' "$rundir/insecure.lab.test.zone" >>"$dir/nsd.conf"
  fi
  nsd-checkconf "$dir/nsd.conf"
  # -d: stay in the foreground so $! is NSD's main process; it ends its children on SIGTERM.
  nsd -d -c "$dir/nsd.conf" >>"$dir/nsd.stdout" 2>&1 </dev/null &
  echo $! >"$pidfile"
  for _ in $(seq 1 100); do
    if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      echo "nsd.sh: nsd exited; log:" >&2; cat "$dir/nsd.log" "$dir/nsd.stdout" >&2 2>/dev/null || true
      rm -f "$pidfile"; exit 1
    fi
    if dig +time=1 +tries=1 +short "@$addr" -p "$port" SOA lab.test 2>/dev/null | grep -q hostmaster; then
      echo "nsd.sh: nsd pid $(cat "$pidfile") serving lab.test on $addr port $port"
      exit 0
    fi
    sleep 0.1
  done
  echo "nsd.sh: nsd did not answer within 10 s" >&2
  "$0" stop "$rundir" || true
  exit 1
  ;;
stop)
  [[ -f $pidfile ]] || { echo "nsd.sh: no $pidfile (not running)"; exit 0; }
  pid=$(cat "$pidfile")
  if kill -TERM "$pid" 2>/dev/null; then
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  # Reap the foreground NSD's children if any outlived it (recorded by NSD itself).
  if [[ -f $dir/nsd.internal.pid ]]; then
    ipid=$(cat "$dir/nsd.internal.pid" 2>/dev/null || true)
    [[ -n $ipid && $ipid != "$pid" ]] && kill -TERM "$ipid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
  echo "nsd.sh: stopped nsd pid $pid"
  ;;
*) usage ;;
esac
