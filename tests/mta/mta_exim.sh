# shellcheck shell=bash
# Sourced by mta.sh: a private Exim 4 daemon in RUNDIR, listening only on ADDR:PORT.
#
# The unpacked Debian binary runs as root with -C RUNDIR/exim.conf (root may use -C without
# losing privilege) and drops to the compiled-in user Debian-exim for each connection, so
# RUNDIR must be traversable by that user and spool/ and log/ owned by it. No routers, no
# transports, every RCPT denied and queue_only set: nothing is ever relayed or delivered.

# exim_configure RUNDIR ADDR PORT MODE HOST
exim_configure() {
  local rundir=$1 addr=$2 port=$3 mode=$4 host=$5
  mkdir -p "$rundir/spool" "$rundir/log"
  chown "$EXIM_USER:$EXIM_USER" "$rundir/spool" "$rundir/log"
  chmod 750 "$rundir/spool" "$rundir/log"
  local advertise=""
  [[ $mode == tls ]] && advertise="*"

  cat >"$rundir/exim.conf" <<EOF
# Test-only Exim instance made by tests/mta/mta.sh; never relays or delivers.
exim_user = $EXIM_USER
exim_group = $EXIM_USER
never_users = root
keep_environment =
primary_hostname = $host
qualify_domain = ${host#*.}
local_interfaces = <; $addr
daemon_smtp_ports = $port
spool_directory = $rundir/spool
log_file_path = $rundir/log/%slog
host_lookup =
rfc1413_hosts =
rfc1413_query_timeout = 0s
queue_only = true
acl_smtp_rcpt = acl_deny_rcpt
tls_advertise_hosts = $advertise
EOF
  if [[ $mode == tls ]]; then
    cat >>"$rundir/exim.conf" <<EOF
tls_certificate = $rundir/cert.pem
tls_privatekey = $rundir/key.pem
EOF
    # The per-connection process runs as Debian-exim and may (re)load the key itself.
    chgrp "$EXIM_USER" "$rundir/key.pem"
    chmod 640 "$rundir/key.pem"
  fi
  cat >>"$rundir/exim.conf" <<EOF

begin acl

acl_deny_rcpt:
  deny message = relaying and delivery are disabled in this test instance
EOF
  chmod 644 "$rundir/exim.conf"
  # -bV parses the whole config: a mistake fails here, not as a silent daemon death.
  "$(exim_binary)" -C "$rundir/exim.conf" -bV >"$rundir/exim-bV.txt" 2>&1 \
    || mta_die "exim rejects $rundir/exim.conf: $(cat "$rundir/exim-bV.txt")"
}

# exim_launch RUNDIR PORT: starts the daemon in the foreground (-bdf) in its own session and
# prints its PID. -oX without -oP writes no pid file: the caller records $! instead.
exim_launch() {
  local rundir=$1 port=$2
  setsid "$(exim_binary)" -C "$rundir/exim.conf" -bdf -oX "$port" \
    </dev/null >>"$rundir/server.log" 2>&1 &
  echo $!
}
