#!/usr/bin/env bash
# End-to-end check of the MTA harness against a real server:
#   mta_test.sh postfix|exim tls|plain
# Starts the server through mta.sh on a random 127.x.y.z address and free port, checks its real
# banner, that EHLO lists STARTTLS after line 1 exactly in tls mode, that it listens on ADDR
# only, that (tls) `openssl s_client -starttls smtp` verifies the served leaf against ca.pem and
# it is the configured cert.pem; restarts it on the same port, then stops it and checks the PID
# and every process of its group are gone and the port is closed. A trap stops it on any failure.
set -euo pipefail
kind=$1
mode=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mta="$here/mta.sh"
python=/usr/bin/python3
[[ -x $python ]] || python=$(command -v python3)

fail() { echo "FAIL [$kind $mode]: $*" >&2; exit 1; }
port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }
# Live (non-zombie) processes whose process group is $1.
group_members() { ps -e -o pgid=,stat=,pid= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ {print $3}'; }
pid_alive() {
  local state
  state=$(awk '{sub(/.*\) /, ""); print $1}' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n $state && $state != Z ]]
}

rundir=$(mktemp -d /tmp/mta-test.XXXXXX)
cleanup() {
  local rc=$?
  set +e
  "$mta" stop "$rundir" >/dev/null 2>&1 || echo "cleanup: stop failed for $rundir" >&2
  if ((rc != 0)); then
    for f in "$rundir/server.log" "$rundir/maillog" "$rundir/log/mainlog" "$rundir/log/paniclog"; do
      [[ -s $f ]] && { echo "--- $f" >&2; tail -n 30 "$f" >&2; }
    done
  fi
  rm -rf "$rundir"
}
trap cleanup EXIT

# A random address in 127/8 (not 127.0.0.1) and a port nobody listens on there.
addr="127.$((100 + RANDOM % 100)).$((RANDOM % 256)).$((1 + RANDOM % 254))"
port=""
for _ in $(seq 1 50); do
  candidate=$((20000 + RANDOM % 12000))
  if ! port_open "$addr" "$candidate" && ! port_open 127.0.0.1 "$candidate"; then
    port=$candidate
    break
  fi
done
[[ -n $port ]] || fail "no free port found"
host="mx-$kind.lab.test"
echo "$kind $mode on $addr:$port in $rundir"

pid=$(MTA_HOST=$host "$mta" start "$kind" "$mode" "$rundir" "$addr" "$port") || fail "start failed"
[[ $pid =~ ^[0-9]+$ ]] || fail "start printed no PID: '$pid'"
[[ $(cat "$rundir/pid") == "$pid" ]] || fail "RUNDIR/pid differs from the printed PID"
pid_alive "$pid" || fail "PID $pid is not running"
grep -qx "MTA_HOST=$host" "$rundir/info" || fail "info lacks MTA_HOST: $(cat "$rundir/info")"

# The real server's banner and EHLO reply, read by the test's own client.
reply=$("$python" "$here/smtp_probe.py" "$addr" "$port" --ehlo test.example --timeout 15) \
  || fail "SMTP dialogue failed: $reply"
echo "$reply"
banner=$(sed -n 's/^banner: //p' <<<"$reply" | head -n 1)
case $kind in
  postfix) banner_re="^220 $host ESMTP Postfix" ;;
  exim) banner_re="^220 $host ESMTP Exim 4\.[0-9]+ " ;;
esac
[[ $banner =~ $banner_re ]] || fail "banner '$banner' does not match '$banner_re'"
[[ $(cat "$rundir/banner.txt") =~ $banner_re ]] || fail "banner.txt: $(cat "$rundir/banner.txt")"
ehlo_lines=$(sed -n 's/^ehlo: //p' <<<"$reply")
[[ $(head -n 1 <<<"$ehlo_lines") =~ ^250[-\ ]$host ]] || fail "EHLO line 1 does not greet as $host"
(($(wc -l <<<"$ehlo_lines") >= 3)) || fail "EHLO reply too short: $ehlo_lines"
if tail -n +2 <<<"$ehlo_lines" | grep -Eq '^250[- ]STARTTLS$'; then has_starttls=yes; else has_starttls=no; fi
if [[ $mode == tls ]]; then
  [[ $has_starttls == yes ]] || fail "tls mode but EHLO lists no STARTTLS"
else
  [[ $has_starttls == no ]] || fail "plain mode but EHLO lists STARTTLS"
fi
grep -q '^quit: 221' <<<"$reply" || fail "QUIT was not answered with 221"

# It listens on ADDR only: the same port on 127.0.0.1 is closed.
port_open 127.0.0.1 "$port" && fail "server also listens on 127.0.0.1:$port"

if [[ $mode == tls ]]; then
  for f in ca.pem cert.pem key.pem; do [[ -s $rundir/$f ]] || fail "tls mode wrote no $f"; done
  out=$(echo QUIT | timeout 20 openssl s_client -starttls smtp -connect "$addr:$port" \
        -servername "$host" -CAfile "$rundir/ca.pem" -verify_hostname "$host" \
        -verify_return_error 2>&1) || fail "s_client failed: $out"
  grep -q "Verify return code: 0 (ok)" <<<"$out" || fail "handshake not verified: $out"
  grep -Eq "^(New|Reused), TLSv1\.[23]" <<<"$out" || fail "no TLS 1.2/1.3 session: $out"
  served=$(sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p' <<<"$out" \
           | openssl x509 -noout -fingerprint -sha256) || fail "s_client showed no certificate"
  configured=$(openssl x509 -in "$rundir/cert.pem" -noout -fingerprint -sha256)
  echo "served:     $served"
  echo "configured: $configured"
  [[ $served == "$configured" ]] || fail "served cert differs from RUNDIR/cert.pem"
fi

# Restart on the same RUNDIR and port: stop must have released the port cleanly.
"$mta" stop "$rundir" || fail "first stop failed"
pid_alive "$pid" && fail "PID $pid still running after stop"
pid=$(MTA_HOST=$host "$mta" start "$kind" "$mode" "$rundir" "$addr" "$port") || fail "restart failed"
"$python" "$here/smtp_probe.py" "$addr" "$port" --timeout 15 >/dev/null || fail "no banner after restart"

"$mta" stop "$rundir" || fail "stop failed"
pid_alive "$pid" && fail "PID $pid still running after stop"
members=$(group_members "$pid")
[[ -z $members ]] || fail "processes of group $pid left after stop: $members"
port_open "$addr" "$port" && fail "$addr:$port still open after stop"
[[ ! -e $rundir/pid ]] || fail "RUNDIR/pid left after stop"
"$mta" stop "$rundir" || fail "a second stop is not a no-op"
echo "PASS [$kind $mode]"
