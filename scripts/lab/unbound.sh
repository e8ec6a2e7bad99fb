#!/usr/bin/env bash
# Starts/stops a private recursive resolver (Unbound) on a loopback address and port that
# resolves lab.test through the lab's NSD (a stub zone), as a real survey's resolver would:
# referrals are followed, so the lab's lame delegation ends in SERVFAIL. Own config, pid file
# and logs in RUNDIR/unbound; nothing system-wide is read or touched. Stop uses the PID.
#   unbound.sh start RUNDIR ADDR PORT NSD_ADDR NSD_PORT [--validate]
#   unbound.sh stop RUNDIR
# --validate: a validating resolver (module-config "validator iterator") whose trust anchor is
# the lab's key (RUNDIR/lab.test.anchor, from sign-zone.sh): answers for signed names carry AD,
# a broken signature gives SERVFAIL, insecure.lab.test (delegated without DS) is insecure.
# Without it, as before: no validation, lab.test declared insecure. When
# RUNDIR/insecure.lab.test.zone exists, that sub-zone gets a stub too (its delegation's glue
# has no port, and NSD listens on NSD_PORT).
set -euo pipefail

usage() { echo "usage: $0 start RUNDIR ADDR PORT NSD_ADDR NSD_PORT [--validate] | stop RUNDIR" >&2; exit 2; }
alive() { [[ -r /proc/$1/stat ]] && [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) != Z ]]; }
[[ $# -ge 2 ]] || usage
cmd=$1
dir="$(cd "$2" && pwd)/unbound"

case "$cmd" in
start)
  [[ $# -eq 6 || ( $# -eq 7 && $7 == --validate ) ]] || usage
  addr=$3 port=$4 nsd_addr=$5 nsd_port=$6
  rundir=$(cd "$2" && pwd)
  modules='module-config: "iterator"'
  trust='domain-insecure: "lab.test"'
  if [[ $# -eq 7 ]]; then
    [[ -f $rundir/lab.test.anchor ]] || { echo "unbound.sh: $rundir/lab.test.anchor missing (sign-zone.sh)" >&2; exit 1; }
    modules='module-config: "validator iterator"'
    # No root anchor: only lab.test is signed; names outside it are insecure.
    trust="trust-anchor-file: \"$rundir/lab.test.anchor\""
  fi
  [[ $addr == 127.* && $nsd_addr == 127.* ]] || { echo "unbound.sh: loopback only" >&2; exit 2; }
  command -v unbound >/dev/null || PATH=$PATH:/usr/sbin
  command -v unbound >/dev/null || apt-get install -y unbound >/dev/null
  mkdir -p "$dir"
  cat >"$dir/unbound.conf" <<CONF
server:
  interface: $addr@$port
  port: $port
  access-control: 127.0.0.0/8 allow
  do-not-query-localhost: no
  do-ip6: no
  username: ""
  chroot: ""
  directory: "$dir"
  pidfile: "$dir/unbound.pid"
  logfile: "$dir/unbound.log"
  use-syslog: no
  $modules
  $trust
  # Unbound answers the special-use name test. itself (RFC 6761); the lab lives under it.
  local-zone: "test." nodefault
  num-threads: 1
  # Thousands of queries in flight from one scanner: room for all of them.
  num-queries-per-thread: 4096
  outgoing-range: 8192
  jostle-timeout: 10000
  so-rcvbuf: 4m
  # A lame server must fail fast, not after minutes of back-off.
  infra-host-ttl: 5
  max-udp-size: 1232
stub-zone:
  name: "lab.test"
  stub-addr: $nsd_addr@$nsd_port
CONF
  if [[ -f $rundir/insecure.lab.test.zone ]]; then
    printf 'stub-zone:\n  name: "insecure.lab.test"\n  stub-addr: %s@%s\n' "$nsd_addr" "$nsd_port" >>"$dir/unbound.conf"
  fi
  unbound -d -c "$dir/unbound.conf" >"$dir/stdout.log" 2>&1 &
  echo $! >"$dir/started.pid"
  for _ in $(seq 1 100); do
    if dig +short +time=1 +tries=1 @"$addr" -p "$port" SOA lab.test >/dev/null 2>&1; then
      exit 0
    fi
    alive "$(cat "$dir/started.pid")" || break
    sleep 0.1
  done
  echo "unbound.sh: unbound did not answer: $(tail -5 "$dir/unbound.log" "$dir/stdout.log" 2>/dev/null)" >&2
  "$0" stop "$2" || true
  exit 1
  ;;
stop)
  [[ -f $dir/started.pid ]] || exit 0
  pid=$(cat "$dir/started.pid")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do alive "$pid" || break; sleep 0.1; done
  alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
  rm -f "$dir/started.pid"
  ;;
*) usage ;;
esac
