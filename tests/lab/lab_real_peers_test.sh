#!/usr/bin/env bash
# Real peers agree with the lab: `openssl s_client -starttls smtp` verifies a lab TLS host's
# leaf against the lab CA and the MX name; `dig` against a real NSD serving the lab's zone
# returns the zone's MX records. Everything started here is stopped by PID on exit, pass or fail.
#   lab_real_peers_test.sh SMTP_LAB_BIN NSD_SH
set -euo pipefail
lab_bin=$1
nsd_sh=$2
export PATH=$PATH:/usr/sbin
if ! command -v nsd >/dev/null || ! command -v dig >/dev/null || ! command -v openssl >/dev/null; then
  apt-get install -y nsd dnsutils openssl >/dev/null
fi

net="127.$((100 + RANDOM % 100)).$((RANDOM % 256))"
port=$((20000 + RANDOM % 12000))
dns_port=$((10000 + RANDOM % 10000))
run=$(mktemp -d /tmp/smtp-lab-peers.XXXXXX)
lab_pid=""
cleanup() {
  set +e
  "$nsd_sh" stop "$run" >/dev/null 2>&1
  if [[ -n $lab_pid ]]; then
    kill -TERM "$lab_pid" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$lab_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$lab_pid" 2>/dev/null
    wait "$lab_pid" 2>/dev/null
  fi
  rm -rf "$run"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cat >"$run/assign.txt" <<EOT
$net.1 compliant
$net.2 tls_rsa
$net.3 tls12_only
$net.4 tls_wrong_name
$net.5 misordered
EOT
"$lab_bin" --run-dir "$run" --port "$port" --addresses "$net.1-$net.40" --assign "$run/assign.txt" \
  --domains 60 --dns-address "$net.250" --stats-file "$run/stats.json" 2>"$run/lab.err" &
lab_pid=$!
for _ in $(seq 1 150); do [[ -f $run/ready ]] && break; sleep 0.1; done
[[ -f $run/ready ]] || fail "lab not ready: $(cat "$run/lab.err")"

# 1. openssl s_client verifies the valid leaves against the lab CA and the MX name.
for host in 1 2 3 5; do
  mx="mx-${net//./-}-$host.lab.test"
  out=$(echo QUIT | timeout 20 openssl s_client -starttls smtp -connect "$net.$host:$port" \
        -servername "$mx" -CAfile "$run/ca.pem" -verify_hostname "$mx" -verify_return_error 2>&1) \
    || fail "s_client to $net.$host: $out"
  grep -q "Verify return code: 0 (ok)" <<<"$out" || fail "no verification for $mx: $out"
  grep -q "Verification: OK" <<<"$out" || grep -q "Verify return code: 0" <<<"$out" || fail "$out"
done
out=$(echo QUIT | timeout 20 openssl s_client -starttls smtp -connect "$net.3:$port" -tls1_2 \
      -CAfile "$run/ca.pem" 2>&1) || true
grep -q "Protocol  *: TLSv1.2" <<<"$out" || fail "tls12_only did not negotiate TLS 1.2: $out"
# The wrong-name leaf must fail hostname verification.
mx="mx-${net//./-}-4.lab.test"
if echo QUIT | timeout 20 openssl s_client -starttls smtp -connect "$net.4:$port" -CAfile "$run/ca.pem" \
     -verify_hostname "$mx" -verify_return_error >/dev/null 2>&1; then
  fail "wrong-name leaf verified for $mx"
fi
echo "ok: openssl s_client verified lab leaves"

# 2. NSD serves the lab zone; dig sees the MX records the zone file and domain truth list.
"$nsd_sh" start "$run" "$net.250" "$dns_port" >/dev/null
multi=$(grep -o '"domain":"multi-[0-9]*.lab.test"' "$run/domains.ndjson" | head -1 | cut -d'"' -f4)
[[ -n $multi ]] || fail "no multi-MX domain in domain truth"
label=${multi%.lab.test}
want=$(awk -v l="$label" '$1==l && $3=="MX" {print $4" "$5}' "$run/lab.test.zone" | sort)
got=$(dig +short +time=2 +tries=1 @"$net.250" -p "$dns_port" MX "$multi" | sort)
[[ -n $got && $got == "$want" ]] || fail "dig MX $multi: got '$got', zone has '$want'"
# Each exchange's A record is the address the domain truth lists.
first_mx=$(head -1 <<<"$got" | awk '{print $2}')
addr=$(dig +short @"$net.250" -p "$dns_port" A "$first_mx")
grep -q "\"name\":\"${first_mx%.}\",\"preference\":[0-9]*,\"addresses\":\[\"$addr\"\]" "$run/domains.ndjson" \
  || fail "A of $first_mx ($addr) not in domain truth"
nx=$(grep -o '"domain":"nxdomain-[0-9]*.lab.test"' "$run/domains.ndjson" | head -1 | cut -d'"' -f4)
dig @"$net.250" -p "$dns_port" MX "$nx" | grep -q "status: NXDOMAIN" || fail "$nx is not NXDOMAIN"
null=$(grep -o '"domain":"nullmx-[0-9]*.lab.test"' "$run/domains.ndjson" | head -1 | cut -d'"' -f4)
[[ $(dig +short @"$net.250" -p "$dns_port" MX "$null") == "0 ." ]] || fail "$null is not a null MX"
lame=$(grep -o '"domain":"lame-[0-9]*.lab.test"' "$run/domains.ndjson" | head -1 | cut -d'"' -f4)
dig @"$net.250" -p "$dns_port" MX "$lame" | grep -A1 "AUTHORITY SECTION" | grep -q "IN.NS.ns.$lame" \
  || fail "$lame is not delegated"
echo "ok: dig against NSD returned the zone's records"

# 3. Stop both; nothing may be left running.
nsd_pid_file="$run/nsd/nsd.pid"
nsd_pid=$(cat "$nsd_pid_file")
"$nsd_sh" stop "$run" >/dev/null
kill -TERM "$lab_pid"
wait "$lab_pid" || fail "lab exited non-zero"
stopped_lab=$lab_pid
lab_pid=""
sleep 0.3
kill -0 "$nsd_pid" 2>/dev/null && fail "nsd $nsd_pid still running"
kill -0 "$stopped_lab" 2>/dev/null && fail "lab $stopped_lab still running"
pgrep -P "$nsd_pid" >/dev/null && fail "nsd children still running"
grep -q '"tls_handshakes":' "$run/stats.json" || fail "no stats written"
echo "PASS"
