#!/usr/bin/env bash
# Issue 14: domain policy (docs/rules.md §8) end to end on the lab. The lab's zone is signed
# (one TLSA signature broken, one insecure sub-zone), served by NSD behind a validating
# Unbound; policy-lab serves the MTA-STS sites; the scanner resolves every lab domain through
# Unbound with --policy all, fetches the policies in its ring, and every domain record's
# dane / mta_sts / tls_rpt / delivery must equal the lab's truth (compare_policy.py), besides
# the verdicts (compare_domains.py). Also: --policy none leaves the fields out; the metadata
# counts the answers that carried AD.
#   policy_scan_test.sh TOP BIN_DIR
set -euo pipefail
top=$1 bin=$2
scripts=$top/scripts/lab
export PATH=$PATH:/usr/sbin
for tool in nsd unbound ldns-signzone; do
  command -v $tool >/dev/null || "$top/scripts/install-deps.sh" >/dev/null
done
net="127.$((100 + RANDOM % 100)).$((RANDOM % 256))"
smtp_port=$((20000 + RANDOM % 12000))
dns_port=$((10000 + RANDOM % 10000))
https_port=$((dns_port + 1))
run=$(mktemp -d /tmp/starttls-policy-scan.XXXXXX)
cleanup() {
  "$scripts/policy-lab.sh" stop "$run" >/dev/null 2>&1 || true
  "$scripts/unbound.sh" stop "$run" >/dev/null 2>&1 || true
  "$scripts/nsd.sh" stop "$run" >/dev/null 2>&1 || true
  "$scripts/lab.sh" stop "$run" >/dev/null 2>&1 || true
  [[ -n ${KEEP_RUN:-} ]] || rm -rf "$run"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

{
  for i in 1 2 3 4 5 6 7 8; do echo "$net.$i compliant"; done
  for i in 9 10 11; do echo "$net.$i misordered"; done
  echo "$net.12 tls_expired"
} >"$run/assign.txt"
"$scripts/lab.sh" start "$run" "$bin/smtp-lab" --addresses "$net.1-$net.30" --assign "$run/assign.txt" \
  --port "$smtp_port" --domains 40 --dns-address "$net.250" --policy-address "$net.251" \
  --greeting-delay-ms 2000
"$scripts/sign-zone.sh" "$run" >/dev/null
"$scripts/nsd.sh" start "$run" "$net.250" "$dns_port" --signed >/dev/null
"$scripts/unbound.sh" start "$run" "$net.249" "$dns_port" "$net.250" "$dns_port" --validate
"$scripts/policy-lab.sh" start "$run" "$bin/policy-lab" --address "$net.251" --port "$https_port" --drip-ms 500
python3 -c 'import json,sys
for l in open(sys.argv[1]): print(json.loads(l)["domain"])' "$run/domains.ndjson" >"$run/domains"

scan=("$bin/starttls-scan" --allow-reserved -q --rate 0 --max-per-prefix 0 --mx-port "$smtp_port"
      --mta-sts-port "$https_port" --resolver "$net.249:$dns_port" --dns-timeout 2
      --ca-file "$run/ca.pem" --command-timeout 3s --banner-timeout 10s -f "$run/domains")
"${scan[@]}" -o "$run/records.ndjson" -m "$run/meta.json" || fail "scan exited $?"
python3 "$top/tests/scan/compare_policy.py" "$run/domains.ndjson" "$run/records.ndjson" \
  | tee "$run/compare-policy" | tail -30
grep -q " 0 problems$" "$run/compare-policy" || fail "policy fields disagree with the truth"
python3 "$top/tests/scan/compare_domains.py" "$run/domains.ndjson" "$run/records.ndjson" unbound \
  | tee "$run/compare-domains" | tail -5
grep -q " 0 problems$" "$run/compare-domains" || fail "domain records disagree with the truth"
python3 - "$run/meta.json" <<'PY' || fail "metadata dnssec"
import json, sys
meta = json.load(open(sys.argv[1]))
assert meta["dnssec"]["ad_seen"] > 0, meta.get("dnssec")
print("answers with AD:", meta["dnssec"]["ad_seen"])
PY
/usr/bin/python3 "$top/tests/output/validate_ndjson.py" "$top/output/schema/starttls-scan.schema.json" \
  "$run/records.ndjson" || fail "records do not validate"

"${scan[@]}" --policy none -o "$run/none.ndjson" || fail "--policy none exited $?"
! grep -q '"dane":' "$run/none.ndjson" || fail "--policy none still wrote policy fields"
echo "ok"
