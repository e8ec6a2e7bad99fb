#!/usr/bin/env bash
# Starts and stops REAL Debian 12 mail servers (Postfix, Exim 4) on loopback so tests can scan
# them. Each instance is private to RUNDIR, listens only on ADDR:PORT, never relays or
# delivers, and is stopped by its recorded PID (never by name).
#
#   mta.sh install postfix|exim
#   mta.sh start postfix|exim tls|plain RUNDIR ADDR PORT   -> prints the server's PID
#   mta.sh stop RUNDIR
#
# start writes into RUNDIR (created if missing):
#   pid         the daemon's PID (Postfix master / Exim daemon), one line
#   pid.start   its start time from /proc/PID/stat, so stop never signals a reused PID
#   info        shell-sourceable MTA_KIND MTA_MODE MTA_ADDR MTA_PORT MTA_HOST MTA_PID
#   banner.txt  the 220 banner line the server answered with
#   server.log  the daemon's stdout/stderr
#   tls only:   ca.pem (test CA, also ca-key.pem), cert.pem + key.pem (leaf for MTA_HOST with
#               SAN DNS:HOST and IP:ADDR, signed by ca.pem), fullchain.pem (cert + CA)
#   postfix:    etc/main.cf etc/master.cf queue/ data/ maillog
#   exim:       exim.conf spool/ log/mainlog (and paniclog, rejectlog)
# start returns once ADDR:PORT answers with a 220 banner; stop returns once the PID is gone
# and the port no longer accepts connections, then removes pid and pid.start (so a second
# stop is a no-op). Exit 0 on success, 1 on failure (message on stderr), 2 on bad usage.
# `mta.sh install KIND` only installs (start does it too): Postfix via apt, Exim unpacked into
# MTA_CACHE_DIR/exim/root plus its libraries via apt and the system user Debian-exim.
#
# Env: MTA_HOST (default mx-postfix.lab.test / mx-exim.lab.test), MTA_KEY (ec|rsa, default ec),
#      MTA_START_TIMEOUT (s, default 30), MTA_STOP_TIMEOUT (s, default 15),
#      MTA_CACHE_DIR (default /var/cache/starttls-scan-tests). Needs root.
set -euo pipefail
export PATH=$PATH:/usr/sbin:/sbin

MTA_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mta_die() { echo "mta: $*" >&2; exit 1; }
# shellcheck source=mta_install.sh
source "$MTA_DIR/mta_install.sh"
# shellcheck source=mta_postfix.sh
source "$MTA_DIR/mta_postfix.sh"
# shellcheck source=mta_exim.sh
source "$MTA_DIR/mta_exim.sh"

usage() {
  sed -n '6,8p' "${BASH_SOURCE[0]}" | sed 's/^#  *//' >&2
  exit 2
}

mta_python() {
  if [[ -x /usr/bin/python3 ]]; then echo /usr/bin/python3; else command -v python3; fi
}

# Prints field N (1-based, as in proc(5)) of /proc/PID/stat, or nothing if PID is gone.
proc_stat_field() {
  local pid=$1 field=$2 stat rest
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 0
  rest=${stat##*) }  # the command name may hold spaces and parentheses
  read -r -a fields <<<"$rest"
  echo "${fields[$((field - 3))]:-}"
}

# True while PID runs (a zombie counts as gone) and is the process started at START.
process_alive() {
  local pid=$1 start=$2 state
  state=$(proc_stat_field "$pid" 3)
  [[ -n $state && $state != Z ]] || return 1
  [[ -z $start || $(proc_stat_field "$pid" 22) == "$start" ]]
}

port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

# make_tls RUNDIR HOST ADDR: a throwaway CA and a leaf for HOST, made with the openssl CLI.
make_tls() {
  local rundir=$1 host=$2 addr=$3 key_args
  if [[ ${MTA_KEY:-ec} == rsa ]]; then
    key_args=(-newkey rsa:2048)
  else
    key_args=(-newkey ec -pkeyopt ec_paramgen_curve:P-256)
  fi
  local san="DNS:$host,IP:$addr"
  (
    cd "$rundir"
    umask 077
    openssl req -x509 "${key_args[@]}" -nodes -keyout ca-key.pem -out ca.pem -days 30 \
      -subj "/CN=starttls-scan MTA test CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
    openssl req -new "${key_args[@]}" -nodes -keyout key.pem -out leaf.csr -subj "/CN=$host"
    printf '%s\n' "subjectAltName=$san" "basicConstraints=critical,CA:FALSE" \
      "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" \
      >leaf.ext
    openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca-key.pem -set_serial "0x$(openssl rand -hex 8)" \
      -days 30 -extfile leaf.ext -out cert.pem
    cat cert.pem ca.pem >fullchain.pem
    chmod 644 ca.pem cert.pem fullchain.pem
    rm -f leaf.csr leaf.ext
  ) >>"$rundir/openssl.log" 2>&1 || mta_die "openssl failed: $(cat "$rundir/openssl.log")"
}

# Prints the last lines of the server's logs, for a failure message.
server_logs() {
  local rundir=$1 f
  for f in "$rundir/server.log" "$rundir/maillog" "$rundir/log/mainlog" "$rundir/log/paniclog"; do
    [[ -s $f ]] && { echo "--- $f"; tail -n 20 "$f"; }
  done
  return 0
}

cmd_install() {
  [[ $# == 1 ]] || usage
  case $1 in
    postfix) mta_install_postfix ;;
    exim) mta_install_exim ;;
    *) usage ;;
  esac
}

cmd_start() {
  [[ $# == 5 ]] || usage
  local kind=$1 mode=$2 rundir=$3 addr=$4 port=$5
  [[ $kind == postfix || $kind == exim ]] || usage
  [[ $mode == tls || $mode == plain ]] || usage
  [[ $port =~ ^[0-9]+$ && $port -gt 0 && $port -lt 65536 ]] || mta_die "bad port $port"
  [[ $addr =~ ^127\.[0-9.]+$ || $addr == ::1 ]] || mta_die "ADDR must be loopback, got $addr"
  [[ $(id -u) == 0 ]] || mta_die "needs root (private MTA instances drop to their own users)"
  mkdir -p "$rundir"
  rundir=$(cd "$rundir" && pwd)
  [[ $rundir != *[[:space:]]* ]] || mta_die "RUNDIR must not contain spaces"
  [[ -s $rundir/pid ]] && process_alive "$(cat "$rundir/pid")" "$(cat "$rundir/pid.start" 2>/dev/null)" \
    && mta_die "$rundir already has a running server (pid $(cat "$rundir/pid"))"
  port_open "$addr" "$port" && mta_die "$addr:$port already accepts connections"

  local host=${MTA_HOST:-mx-$kind.lab.test}
  [[ $host =~ ^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$ ]] \
    || mta_die "MTA_HOST '$host' is not a dotted host name"
  "mta_install_$kind"
  # The servers' unprivileged processes must reach their folders inside RUNDIR.
  chmod 755 "$rundir"
  local service_user=postfix
  [[ $kind == exim ]] && service_user=$EXIM_USER
  runuser -u "$service_user" -- test -x "$rundir" \
    || mta_die "$service_user cannot traverse $rundir (a parent folder is closed); use another RUNDIR"
  rm -f "$rundir/pid" "$rundir/pid.start" "$rundir/info" "$rundir/banner.txt"
  [[ $mode == tls ]] && make_tls "$rundir" "$host" "$addr"
  "${kind}_configure" "$rundir" "$addr" "$port" "$mode" "$host"

  local pid
  pid=$("${kind}_launch" "$rundir" "$port")
  echo "$pid" >"$rundir/pid"
  proc_stat_field "$pid" 22 >"$rundir/pid.start"
  local start
  start=$(cat "$rundir/pid.start")
  cat >"$rundir/info" <<EOF
MTA_KIND=$kind
MTA_MODE=$mode
MTA_ADDR=$addr
MTA_PORT=$port
MTA_HOST=$host
MTA_PID=$pid
EOF

  local python deadline=$((SECONDS + ${MTA_START_TIMEOUT:-30})) banner=""
  python=$(mta_python)
  while ((SECONDS < deadline)); do
    if ! process_alive "$pid" "$start"; then
      (cmd_stop "$rundir") >/dev/null 2>&1 || true  # children it may have left
      # Postfix reports fatal start-up errors only to syslog (/dev/log), before its maillog.
      mta_die "$kind exited while starting: $(server_logs "$rundir")"
    fi
    if banner=$("$python" "$MTA_DIR/smtp_probe.py" "$addr" "$port" --timeout 3 2>/dev/null); then
      break
    fi
    banner=""
    sleep 0.2
  done
  if [[ -z $banner ]]; then
    local logs
    logs=$(server_logs "$rundir")
    (cmd_stop "$rundir") >/dev/null 2>&1 || true
    mta_die "$kind gave no 220 banner on $addr:$port within ${MTA_START_TIMEOUT:-30}s: $logs"
  fi
  echo "${banner#banner: }" | head -n 1 >"$rundir/banner.txt"
  echo "$pid"
}

cmd_stop() {
  [[ $# == 1 ]] || usage
  local rundir=$1
  [[ -s $rundir/pid ]] || return 0  # nothing recorded: nothing to stop
  local pid start addr="" port=""
  pid=$(cat "$rundir/pid")
  [[ $pid =~ ^[0-9]+$ && $pid -gt 1 ]] || mta_die "bad pid file $rundir/pid"
  start=$(cat "$rundir/pid.start" 2>/dev/null || true)
  if [[ -s $rundir/info ]]; then
    addr=$(sed -n 's/^MTA_ADDR=//p' "$rundir/info")
    port=$(sed -n 's/^MTA_PORT=//p' "$rundir/info")
  fi
  local limit=$((SECONDS + ${MTA_STOP_TIMEOUT:-15}))
  if process_alive "$pid" "$start"; then
    kill -TERM "$pid" 2>/dev/null || true
    while process_alive "$pid" "$start" && ((SECONDS < limit)); do sleep 0.1; done
    if process_alive "$pid" "$start"; then
      echo "mta: pid $pid ignored SIGTERM; sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
      while process_alive "$pid" "$start" && ((SECONDS < limit + 5)); do sleep 0.1; done
    fi
  fi
  process_alive "$pid" "$start" && mta_die "pid $pid is still running"
  # Children (Postfix's smtpd, Exim's per-connection processes) share the daemon's process
  # group (setsid at start) and may hold the listening socket a moment longer.
  # The group is signalled only while PID is ours (maybe a zombie) or unused, as a PID in use
  # as a process group id is never handed to a new process.
  local group_ours=no
  if [[ ! -e /proc/$pid || -z $start || $(proc_stat_field "$pid" 22) == "$start" ]]; then
    group_ours=yes
  fi
  if [[ -n $addr && -n $port ]]; then
    local signal
    for signal in NONE TERM KILL; do
      if [[ $signal != NONE && $group_ours == yes ]]; then
        kill "-$signal" -- "-$pid" 2>/dev/null || true
      fi
      limit=$((SECONDS + 4))
      while port_open "$addr" "$port" && ((SECONDS < limit)); do sleep 0.1; done
      port_open "$addr" "$port" || break
    done
    port_open "$addr" "$port" && mta_die "$addr:$port still accepts connections after stop"
  fi
  rm -f "$rundir/pid" "$rundir/pid.start"
  return 0
}

[[ $# -ge 1 ]] || usage
command=$1
shift
case $command in
  install) cmd_install "$@" ;;
  start) cmd_start "$@" ;;
  stop) cmd_stop "$@" ;;
  *) usage ;;
esac
