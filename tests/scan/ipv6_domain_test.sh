#!/usr/bin/env bash
# Issue 6, acceptance 3: a domain whose MX resolves to AAAA only is scanned over IPv6. The lab
# serves [::1]:PORT; the zone gets an MX whose exchange has only an AAAA record (::1).
#   ipv6_domain_test.sh TOP BIN_DIR
set -euo pipefail
top=$1 bin=$2
run=$(mktemp -d /tmp/starttls-ipv6.XXXXXX)
cleanup() {
  "$top/scripts/lab/nsd.sh" stop "$run/lab" >/dev/null 2>&1 || true
  "$top/scripts/lab/lab.sh" stop "$run/lab" || true
  rm -rf "$run"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

net="127.$((100 + RANDOM % 100)).$((RANDOM % 256))"
port=$((20000 + RANDOM % 12000))
dns_port=$((10000 + RANDOM % 10000))
"$top/scripts/lab/lab.sh" start "$run/lab" "$bin/smtp-lab" --addresses "$net.1-$net.4" \
  --port "$port" --ipv6 compliant --domains 10 --dns-address "$net.250"
cat >>"$run/lab/lab.test.zone" <<'ZONE'
v6only IN MX 10 mx-v6only.lab.test.
mx-v6only IN AAAA ::1
ZONE
"$top/scripts/lab/nsd.sh" start "$run/lab" "$net.250" "$dns_port" >/dev/null

for families in both ipv6 ipv4; do
  "$bin/starttls-scan" --allow-reserved --quiet --mx-port "$port" --rate 0 \
    --resolver "$net.250:$dns_port" --address-families "$families" \
    --ca-file "$run/lab/ca.pem" v6only.lab.test >"$run/records-$families.ndjson" \
    || fail "scan exited $?"
done
python3 - "$run" <<'PY' || fail "AAAA-only domain not scanned over IPv6"
import json, sys
run = sys.argv[1]
for families in ("both", "ipv6"):
    records = [json.loads(l) for l in open(f"{run}/records-{families}.ndjson")]
    hosts = [r for r in records if r["type"] == "host"]
    domains = [r for r in records if r["type"] == "domain"]
    assert len(hosts) == 1 and len(domains) == 1, records
    host, domain = hosts[0], domains[0]
    assert host["ip"] == "::1" and host["status"] == "success", host
    assert host["class"] == "compliant" and host["names"] == ["mx-v6only.lab.test"], host
    assert host["tls"]["outcome"] == "ok", host["tls"]
    assert domain["exchanges"][0]["addresses"] == ["::1"], domain
    assert domain["verdict"] == "compliant", domain
# Asked for IPv4 only, the exchange has no address to scan.
records = [json.loads(l) for l in open(f"{run}/records-ipv4.ndjson")]
assert [r["type"] for r in records] == ["domain"], records
assert records[0]["verdict"] == "unreachable", records[0]
print("ok: [::1] scanned, verdict compliant; ipv4-only: unreachable")
PY
