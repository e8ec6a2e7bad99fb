#!/usr/bin/env bash
# The lab's domain policy (docs/rules.md §8) as real peers see it: smtp-lab --policy-address
# writes the policy domains; sign-zone.sh signs lab.test (one TLSA signature broken); NSD
# serves it beside the unsigned insecure.lab.test; a validating Unbound sets AD for signed
# names, not for the insecure sub-zone, and answers SERVFAIL for the bogus TLSA; the TLSA
# digests are those of what the SMTP hosts really serve (openssl s_client); policy-lab answers
# every MTA-STS site as designed (curl). Everything started here is stopped by PID on exit.
#   lab_policy_test.sh SMTP_LAB_BIN POLICY_LAB_BIN SCRIPTS_LAB_DIR
set -euo pipefail
lab_bin=$1 policy_bin=$2 scripts=$3
export PATH=$PATH:/usr/sbin
for tool in dig openssl curl nsd unbound ldns-signzone; do
  command -v $tool >/dev/null || { echo "SKIP: $tool not installed (scripts/install-deps.sh)"; exit 0; }
done

net="127.$((100 + RANDOM % 100)).$((RANDOM % 256))"
smtp_port=$((20000 + RANDOM % 12000))
dns_port=$((10000 + RANDOM % 10000))
https_port=$((dns_port + 1))
run=$(mktemp -d /tmp/lab-policy-test.XXXXXX)
cleanup() {
  "$scripts/policy-lab.sh" stop "$run" >/dev/null 2>&1 || true
  "$scripts/unbound.sh" stop "$run" >/dev/null 2>&1 || true
  "$scripts/nsd.sh" stop "$run" >/dev/null 2>&1 || true
  "$scripts/lab.sh" stop "$run" >/dev/null 2>&1 || true
  [[ -n ${KEEP_RUN:-} ]] || rm -rf "$run"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
gone() { [[ ! -r /proc/$1/stat || $(awk '{print $3}' "/proc/$1/stat") == Z ]]; }

# 8 compliant, 3 misordered and a tls_expired host for the policy cases; the rest seeded.
{
  for i in 1 2 3 4 5 6 7 8; do echo "$net.$i compliant"; done
  for i in 9 10 11; do echo "$net.$i misordered"; done
  echo "$net.12 tls_expired"
} >"$run/assign.txt"
"$scripts/lab.sh" start "$run" "$lab_bin" --addresses "$net.1-$net.30" --assign "$run/assign.txt" \
  --port "$smtp_port" --domains 40 --dns-address "$net.250" --policy-address "$net.251"
for f in lab.test.zone insecure.lab.test.zone mta-sts-sites.tsv dnssec-bogus.txt lab-pki.pem; do
  [[ -s $run/$f ]] || fail "smtp-lab wrote no $f"
done

# Role hosts and TLSA data, from the domain truth.
eval "$(python3 - "$run/domains.ndjson" <<'PY'
import json, sys
rows = {r["kind"]: r for r in map(json.loads, open(sys.argv[1]))}
def mx(kind, i=0): return rows[kind]["exchanges"][i]["name"]
def tlsa(kind): return rows[kind]["dane"]["hosts"][0]["tlsa"][0]["data"]
print(f"ee={mx('dane-ee')} ee_ip={rows['dane-ee']['exchanges'][0]['addresses'][0]} ee_data={tlsa('dane-ee')}")
print(f"ta={mx('dane-ta')} ta_ip={rows['dane-ta']['exchanges'][0]['addresses'][0]} ta_data={tlsa('dane-ta')}")
print(f"bogus={mx('dane-bogus')}")
for k in ("nopolicy", "dane-ee", "sts-enforce", "sts-all-misordered", "dane-bogus", "sts-404", "tlsrpt-bad"):
    assert k in rows, k
assert rows["sts-all-misordered"]["delivery"]["mta_sts"] == "defer"
assert rows["dane-bogus"]["delivery"]["dane"] == "defer"
assert rows["dane-insecure"]["dane"] == {"state": "none", "dnssec": "insecure"}
ordinary = [r for r in rows.values() if r["kind"] in ("single", "multi", "shared")]
reserved = {e["name"] for k in ("dane-ee", "dane-ta", "dane-bogus") for e in rows[k]["exchanges"]}
assert ordinary and all(e["name"] not in reserved for r in ordinary for e in r["exchanges"])
assert all(r["delivery"]["dane"] == "not_applicable" for r in ordinary)
PY
)"

# 1. The TLSA records name what the hosts serve: the leaf's SPKI (3 1 1), the CA sent after
#    the leaf (2 0 1).
spki=$(echo QUIT | timeout 20 openssl s_client -starttls smtp -connect "$ee_ip:$smtp_port" -servername "$ee" 2>/dev/null \
       | openssl x509 -pubkey -noout | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1)
[[ $spki == "$ee_data" ]] || fail "TLSA 3 1 1 of $ee is $ee_data, the served key is $spki"
echo QUIT | timeout 20 openssl s_client -starttls smtp -connect "$ta_ip:$smtp_port" -servername "$ta" -showcerts \
  2>/dev/null | awk '/BEGIN CERT/{n++} n==2{print} /END CERT/ && n==2{exit}' >"$run/chain2.pem"
ca_digest=$(openssl x509 -in "$run/chain2.pem" -outform DER | sha256sum | cut -d' ' -f1)
[[ $ca_digest == "$ta_data" && $ca_digest == $(openssl x509 -in "$run/ca.pem" -outform DER | sha256sum | cut -d' ' -f1) ]] \
  || fail "the second certificate of $ta's chain is not the CA of TLSA 2 0 1"
echo "ok: TLSA digests match the served leaf key and CA"

# 2. Signed zone, NSD, validating Unbound.
"$scripts/sign-zone.sh" "$run" >/dev/null
"$scripts/nsd.sh" start "$run" "$net.250" "$dns_port" --signed >/dev/null
"$scripts/unbound.sh" start "$run" "$net.249" "$dns_port" "$net.250" "$dns_port" --validate
D=(dig +dnssec +time=3 +tries=1 "@$net.249" -p "$dns_port")
S=(dig +short +time=3 +tries=1 "@$net.249" -p "$dns_port")  # values only
flags() { "${D[@]}" "$@" 2>&1 | grep -E '^;; flags:|status:' | tr '\n' ' '; }
for q in "MX dane-ee.lab.test" "TLSA _25._tcp.$ee" "TLSA _25._tcp.$ta" "TXT _mta-sts.sts-enforce.lab.test" \
         "A mta-sts.sts-enforce.lab.test" "TXT _smtp._tls.sts-enforce.lab.test" "MX nopolicy.lab.test"; do
  out=$(flags $q)
  [[ $out == *"status: NOERROR"* && $out =~ flags:[a-z\ ]*\ ad ]] || fail "$q: no AD: $out"
done
out=$(flags MX nxdomain-00007.lab.test)
[[ $out == *"status: NXDOMAIN"* && $out =~ flags:[a-z\ ]*\ ad ]] || fail "signed NXDOMAIN without AD: $out"
for q in "MX dane-insecure.insecure.lab.test" "TLSA _25._tcp.mx1.insecure.lab.test" "A mx1.insecure.lab.test"; do
  out=$(flags $q)
  [[ $out == *"status: NOERROR"* && ! $out =~ flags:[a-z\ ]*\ ad ]] || fail "$q: AD in the unsigned sub-zone: $out"
done
[[ $(flags TLSA "_25._tcp.$bogus") == *"status: SERVFAIL"* ]] || fail "bogus TLSA not SERVFAIL"
[[ $(flags +cd TLSA "_25._tcp.$bogus") == *"status: NOERROR"* ]] || fail "bogus TLSA missing with +cd"
[[ $("${S[@]}" TXT _mta-sts.sts-two-txt.lab.test | grep -c 'v=STSv1') == 2 ]] || fail "sts-two-txt"
[[ $("${S[@]}" TXT _smtp._tls.tlsrpt-bad.lab.test) == '"v=TLSRPTv1;"' ]] || fail "tlsrpt-bad"
[[ -z $("${S[@]}" A mta-sts.sts-no-site.lab.test) ]] || fail "sts-no-site has an address"
echo "ok: AD for signed names, none under insecure.lab.test, SERVFAIL for the bogus TLSA"

# 3. policy-lab answers each site as designed.
"$scripts/policy-lab.sh" start "$run" "$policy_bin" --address "$net.251" --port "$https_port" --drip-ms 500
fetch() {  # fetch DOMAIN [curl flags]: prints "EXIT CODE TYPE SIZE", body in $run/body, headers in $run/head
  local d=$1 addr
  shift
  addr=$("${S[@]}" A "mta-sts.$d")
  [[ $addr == "$net.251" ]] || fail "mta-sts.$d resolves to '$addr'"
  local rc=0 out
  out=$(curl -sS --max-time 3 --cacert "$run/ca.pem" --resolve "mta-sts.$d:$https_port:$addr" -D "$run/head" \
        -o "$run/body" -w '%{http_code} %{content_type} %{size_download}' "$@" \
        "https://mta-sts.$d:$https_port/.well-known/mta-sts.txt" 2>"$run/curl.err") || rc=$?
  echo "$rc $out"
}
expect() { [[ $2 =~ $3 ]] || fail "$1: got '$2', wanted /$3/ $(cat "$run/curl.err")"; }
expect enforce "$(fetch sts-enforce.lab.test)" "^0 200 text/plain [0-9]+$"
grep -qx "mode: enforce" "$run/body" && grep -qx "max_age: 86400" "$run/body" || fail "sts-enforce body: $(cat "$run/body")"
expect testing "$(fetch sts-testing.lab.test)" "^0 200 text/plain"
grep -qx "mode: testing" "$run/body" || fail "sts-testing body"
expect wildcard "$(fetch sts-wildcard.lab.test)" "^0 200 text/plain"
grep -q $'^mx: \*\.lab\.test\r$' "$run/body" || fail "sts-wildcard: no CRLF policy line"
expect chunked "$(fetch sts-chunked.lab.test)" "^0 200 text/plain"
grep -qi "^transfer-encoding: chunked" "$run/head" || fail "sts-chunked is not chunked"
grep -qx "version: STSv1" "$run/body" || fail "sts-chunked body"
expect 404 "$(fetch sts-404.lab.test)" "^0 404 "
expect redirect "$(fetch sts-redirect.lab.test)" "^0 301 "
grep -qi "^location: https://mta-sts.sts-enforce.lab.test/.well-known/mta-sts.txt" "$run/head" || fail "no Location"
expect bad-type "$(fetch sts-bad-type.lab.test)" "^0 200 text/html"
expect too-large "$(fetch sts-too-large.lab.test)" "^0 200 text/plain (6[6-9][0-9]{3}|[7-9][0-9]{4})$"
expect cert-expired "$(fetch sts-cert-expired.lab.test)" "^60 "
grep -qi "expired" "$run/curl.err" || fail "sts-cert-expired: $(cat "$run/curl.err")"
expect cert-expired-k "$(fetch sts-cert-expired.lab.test -k)" "^0 200 text/plain"
expect cert-wrong-name "$(fetch sts-cert-wrong-name.lab.test)" "^60 "
grep -qi "name" "$run/curl.err" || fail "sts-cert-wrong-name: $(cat "$run/curl.err")"
expect slow "$(fetch sts-slow.lab.test)" "^28 200 text/plain [0-9]$"
expect bad-policy "$(fetch sts-bad-policy.lab.test)" "^0 200 text/plain"
grep -qx "mode: strict" "$run/body" || fail "sts-bad-policy body"
rc=0
curl -sS --max-time 3 -k --resolve "mta-sts.unknown.lab.test:$https_port:$net.251" \
  "https://mta-sts.unknown.lab.test:$https_port/.well-known/mta-sts.txt" >/dev/null 2>&1 || rc=$?
[[ $rc == 35 ]] || fail "an unknown SNI got a handshake (curl exit $rc)"
echo "ok: policy-lab answered every site as designed"

# 4. Stop everything by PID; nothing may be left.
pids=("$(cat "$run/policy-lab.started.pid")" "$(cat "$run/unbound/started.pid")" "$(cat "$run/nsd/nsd.pid")"
      "$(cat "$run/lab.started.pid")")
"$scripts/policy-lab.sh" stop "$run"
"$scripts/unbound.sh" stop "$run"
"$scripts/nsd.sh" stop "$run" >/dev/null
"$scripts/lab.sh" stop "$run"
sleep 0.3
for pid in "${pids[@]}"; do gone "$pid" || fail "process $pid still running"; done
grep -q '"status_404":1' "$run/policy-lab.out" || fail "policy-lab counters: $(cat "$run/policy-lab.out")"
echo PASS
