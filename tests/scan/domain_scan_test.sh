#!/usr/bin/env bash
# Issue 6, acceptance 1-2: domains in, per-domain verdicts out, against a real NSD serving the
# lab's zone behind a real recursive resolver (Unbound). Every domain record must agree with
# the lab's domain truth (MX sets, preferences, implicit MX, null MX, CNAME'd MX, MX without
# address, NXDOMAIN, lame delegation); every host record with the host truth; each endpoint
# is scanned once however many domains share it (one record each, and the lab counted exactly
# that many connections).
#   domain_scan_test.sh TOP BIN_DIR [HOSTS] [DOMAINS] [unbound|direct]
# `direct` asks NSD itself (an authoritative server): at 100,000 domains a single-threaded
# Unbound stuck on the lame delegations drops other queries, which is Unbound's limit, not
# the scanner's. A lame delegation then shows as a referral: no answer (NOERROR), dns_error.
set -euo pipefail
top=$1 bin=$2 hosts=${3:-500} domains=${4:-2000} mode=${5:-unbound}
source "$top/tests/lab_fixture.sh"
lab_fixture domain-scan
last=$((hosts - 1))
"$top/scripts/lab/lab.sh" start "$run/lab" "$bin/smtp-lab" \
  --addresses "$net.0.1-$net.$((last / 256)).$((last % 256 + 1))" --port "$port" \
  --domains "$domains" --dns-address "$net.250.1" --lame-ns "$net.250.53" \
  --weights compliant=4,no_starttls=2,misordered=2,starttls_lowercase=1,no_banner=1,connection_refused=1
"$top/scripts/lab/nsd.sh" start "$run/lab" "$net.250.1" "$dns_port" >/dev/null
resolver="$net.250.1:$dns_port"
if [[ $mode == unbound ]]; then
  "$top/scripts/lab/unbound.sh" start "$run/lab" "$net.250.2" "$dns_port" "$net.250.1" "$dns_port"
  resolver="$net.250.2:$dns_port"
fi

python3 -c '
import json, sys
for line in open(sys.argv[1]):
    print(json.loads(line)["domain"])' "$run/lab/domains.ndjson" >"$run/domains"

start=$(date +%s)
"$bin/starttls-scan" --allow-reserved --quiet --mx-port "$port" --max-per-prefix 0 --rate 0 --concurrency 2000 \
  --resolver "$resolver" --dns-timeout 2 --dns-tries 2 --banner-timeout 5 \
  --ca-file "$run/lab/ca.pem" --input-file "$run/domains" --output-file "$run/records.ndjson" \
  --metadata-file "$run/metadata.json" || fail "starttls-scan exited $?"
echo "scanned $(wc -l <"$run/domains") domains in $(($(date +%s) - start)) s"
"$top/scripts/lab/unbound.sh" stop "$run/lab"
"$top/scripts/lab/nsd.sh" stop "$run/lab" >/dev/null
"$top/scripts/lab/lab.sh" stop "$run/lab"

python3 "$top/tests/scan/compare_domains.py" "$run/lab/domains.ndjson" "$run/records.ndjson" "$mode" \
  | tee "$run/compare-domains" | tail -20
grep -q " 0 problems$" "$run/compare-domains" || fail "domain records disagree with the truth"

# Host records: only endpoints some domain leads to, each once, each as the host truth says.
python3 - "$run/lab/truth.ndjson" "$run/lab/domains.ndjson" "$run/truth-reached.ndjson" <<'PY'
import json, sys
reached = set()
for line in open(sys.argv[2]):
    for exchange in json.loads(line)["exchanges"]:
        reached.update(exchange["addresses"])
with open(sys.argv[3], "w") as out:
    for line in open(sys.argv[1]):
        if json.loads(line)["ip"] in reached:
            out.write(line)
PY
grep '"type":"host"' "$run/records.ndjson" >"$run/hosts.ndjson" || true
python3 "$top/tests/scan/compare_truth.py" "$run/truth-reached.ndjson" "$run/hosts.ndjson" \
  | tail -10 | tee "$run/compare-hosts"
grep -q " 0 problems$" "$run/compare-hosts" || fail "host records disagree with the truth"
python3 - "$run/lab/stats.json" "$run/hosts.ndjson" <<'PY' || fail "an endpoint was connected to more than once"
import json, sys
stats = json.load(open(sys.argv[1]))
hosts = [json.loads(l) for l in open(sys.argv[2])]
connected = [h for h in hosts if h["status"] != "connection-refused"]
print(f"lab connections {stats['connections']}, host records {len(hosts)}, "
      f"distinct {len({(h['ip'], h['port']) for h in hosts})}")
assert stats["connections"] == len(connected), (stats["connections"], len(connected))
assert stats["forbidden_total"] == 0
PY
/usr/bin/python3 "$top/tests/output/validate_ndjson.py" "$top/output/schema/starttls-scan.schema.json" \
  "$run/records.ndjson" || fail "records do not validate against the JSON Schema"
echo "ok"
