# shellcheck shell=bash
# Sourced by mta.sh: a private Postfix instance in RUNDIR, listening only on ADDR:PORT.
#
# Everything lives in RUNDIR: etc/ (main.cf, master.cf), queue/, data/, maillog. The instance
# never relays or delivers: no local domains, every transport is `error`, and every RCPT is
# rejected. Only the services smtpd needs are in master.cf (no pickup, no smtp/lmtp clients),
# none chrooted, so nothing outside RUNDIR is read beyond Postfix's own binaries.

# Creates the queue tree with the owners and modes Postfix's postfix-files prescribes.
postfix_make_queue() {
  local queue=$1
  mkdir -p "$queue"
  chown root:root "$queue"
  chmod 755 "$queue"
  local sub
  for sub in active bounce corrupt defer deferred flush hold incoming private saved trace; do
    mkdir -p "$queue/$sub"
    chown postfix:root "$queue/$sub"
    chmod 700 "$queue/$sub"
  done
  mkdir -p "$queue/maildrop" "$queue/public" "$queue/pid"
  chown postfix:postdrop "$queue/maildrop" "$queue/public"
  chmod 730 "$queue/maildrop"
  chmod 710 "$queue/public"
  chown root:root "$queue/pid"
  chmod 755 "$queue/pid"
}

# postfix_configure RUNDIR ADDR PORT MODE HOST
postfix_configure() {
  local rundir=$1 addr=$2 port=$3 mode=$4 host=$5
  local etc="$rundir/etc" protocols=ipv4 listen="$addr:$port"
  if [[ $addr == *:* ]]; then
    protocols=ipv6
    listen="[$addr]:$port"
  fi
  mkdir -p "$etc"
  postfix_make_queue "$rundir/queue"
  mkdir -p "$rundir/data"
  chown postfix:postfix "$rundir/data"
  chmod 700 "$rundir/data"

  cat >"$etc/main.cf" <<EOF
# Test-only Postfix instance made by tests/mta/mta.sh; never relays or delivers.
compatibility_level = 3.6
queue_directory = $rundir/queue
data_directory = $rundir/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = $rundir/maillog
maillog_file_prefixes = $rundir
myhostname = $host
mydomain = ${host#*.}
myorigin = \$myhostname
inet_interfaces = loopback-only
inet_protocols = $protocols
mydestination =
relay_domains =
relayhost =
mynetworks = 127.0.0.1/32
local_recipient_maps =
alias_maps =
alias_database =
default_transport = error:outbound mail is disabled in this test instance
relay_transport = error:outbound mail is disabled in this test instance
local_transport = error:local delivery is disabled in this test instance
virtual_transport = error:virtual delivery is disabled in this test instance
smtpd_relay_restrictions = reject
smtpd_recipient_restrictions = reject
smtpd_peername_lookup = no
biff = no
append_dot_mydomain = no
EOF
  if [[ $mode == tls ]]; then
    cat >>"$etc/main.cf" <<EOF
smtpd_tls_security_level = may
smtpd_tls_cert_file = $rundir/cert.pem
smtpd_tls_key_file = $rundir/key.pem
smtpd_tls_session_cache_database =
smtpd_tls_loglevel = 1
EOF
  else
    echo "smtpd_tls_security_level = none" >>"$etc/main.cf"
  fi

  # service type private unpriv chroot wakeup maxproc command
  cat >"$etc/master.cf" <<EOF
$listen inet n - n - - smtpd
cleanup    unix n - n - 0 cleanup
qmgr       unix n - n 300 1 qmgr
tlsmgr     unix - - n 1000? 1 tlsmgr
rewrite    unix - - n - - trivial-rewrite
bounce     unix - - n - 0 bounce
defer      unix - - n - 0 bounce
trace      unix - - n - 0 bounce
verify     unix - - n - 1 verify
flush      unix n - n 1000? 0 flush
proxymap   unix - - n - - proxymap
proxywrite unix - - n - 1 proxymap
showq      unix n - n - - showq
error      unix - - n - - error
retry      unix - - n - - error
discard    unix - - n - - discard
anvil      unix - - n - 1 anvil
scache     unix - - n - 1 scache
postlog    unix-dgram n - n - 1 postlogd
EOF
  chmod 644 "$etc/main.cf" "$etc/master.cf"
  # postconf parses both files; a typo fails here rather than as a silent daemon death.
  postconf -c "$etc" -n >/dev/null || mta_die "postconf rejects $etc/main.cf"
}

# Starts master in the foreground (-d) in its own session; prints its PID.
postfix_launch() {
  local rundir=$1
  setsid "$POSTFIX_MASTER" -c "$rundir/etc" -d </dev/null >>"$rundir/server.log" 2>&1 &
  echo $!
}
