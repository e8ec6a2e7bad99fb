#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, and runs the main job on the
# built-in demo population, like a real survey: a list of mail domains, resolved through a
# validating resolver (Unbound, trusting the lab's key) in front of a real DNS server (NSD
# serving the lab's DNSSEC-signed zone), whose MX hosts are smtp-lab's 10,000 simulated mail
# servers on loopback (a realistic mix of behaviours, 50-300 ms latency), plus the lab's
# domain-policy cases (DANE, MTA-STS sites served by policy-lab over HTTPS, TLS-RPT).
# Ends by writing the report (one HTML page, `starttls-scan report`), printing a few of its
# figures and its path; stops everything it started.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

# DEMO_BIN: run on programs already built (the demo's own test); otherwise install and build.
if [[ -n ${DEMO_BIN:-} ]]; then
  bin=$DEMO_BIN
else
  "$top/scripts/install-deps.sh"
  "$top/scripts/build.sh" "$top/build"
  bin=$top/build/bin
fi

run=$(mktemp -d /tmp/starttls-demo.XXXXXX)
cleanup() {
  "$top/scripts/lab/policy-lab.sh" stop "$run/lab" >/dev/null 2>&1 || true
  "$top/scripts/lab/unbound.sh" stop "$run/lab" >/dev/null 2>&1 || true
  "$top/scripts/lab/nsd.sh" stop "$run/lab" >/dev/null 2>&1 || true
  "$top/scripts/lab/lab.sh" stop "$run/lab" || true
}
trap cleanup EXIT
hosts=${DEMO_HOSTS:-10000}
domains=${DEMO_DOMAINS:-20000}
last=$((hosts - 1))
echo "== smtp-lab: $hosts mail servers on 127.77.0.1+, 50-300 ms latency; a zone of $domains domains"
"$top/scripts/lab/lab.sh" start "$run/lab" "$bin/smtp-lab" \
  --addresses "127.77.0.1-127.77.$((last / 256)).$((last % 256 + 1))" --port 2525 \
  --latency-ms 50-300 --processes 2 --domains "$domains" --dns-address 127.77.250.1 \
  --lame-ns 127.77.250.53 --policy-address 127.77.250.2
echo "== DNSSEC: the lab zone signed, NSD on 127.77.250.1, validating Unbound on 127.77.250.3;"
echo "   policy-lab serves the MTA-STS sites on 127.77.250.2:8443"
"$top/scripts/lab/sign-zone.sh" "$run/lab" >/dev/null
"$top/scripts/lab/nsd.sh" start "$run/lab" 127.77.250.1 5353 --signed >/dev/null
"$top/scripts/lab/unbound.sh" start "$run/lab" 127.77.250.3 5353 127.77.250.1 5353 --validate >/dev/null
"$top/scripts/lab/policy-lab.sh" start "$run/lab" "$bin/policy-lab" --address 127.77.250.2 --port 8443 >/dev/null
python3 -c '
import json, sys
for line in open(sys.argv[1]):
    print(json.loads(line)["domain"])' "$run/lab/domains.ndjson" >"$run/domains.txt"

echo "== scanning $domains domains (--allow-reserved: the lab lives on loopback, which the"
echo "   built-in blocklist refuses by default; --mx-port: the lab's MX hosts listen on 2525;"
echo "   --max-per-prefix 64: the lab packs 256 hosts into each /24, a real survey keeps 8)"
"$bin/starttls-scan" --allow-reserved --mx-port 2525 --max-per-prefix 64 --input-file "$run/domains.txt" \
  --resolver 127.77.250.3:5353 --mta-sts-port 8443 --dns-timeout 3 --dns-tries 3 --dns-queries-in-flight 200 \
  --ca-file "$run/lab/ca.pem" \
  --output-file "$run/results.ndjson" --metadata-file "$run/results.json" \
  --concurrency 10000 --rate 5000 --seed 1
cleanup

echo
# The agreement lines report; a disagreement is printed, it does not stop the demo.
{ python3 "$top/tests/scan/compare_domains.py" "$run/lab/domains.ndjson" "$run/results.ndjson" unbound || true; } \
  | tail -1 | sed 's/^/agreement with the lab'"'"'s domain truth: /'
{ python3 "$top/tests/scan/compare_policy.py" "$run/lab/domains.ndjson" "$run/results.ndjson" || true; } \
  | tail -1 | sed 's/^/agreement with the lab'"'"'s policy truth (DANE, MTA-STS, TLS-RPT, delivery): /'
# The report reads the metadata beside the records (results.ndjson -> results.json).
"$bin/starttls-scan" report -o "$run/report.html" "$run/results.ndjson"
"$bin/starttls-scan" report --format json "$run/results.ndjson" | python3 "$top/scripts/demo_summary.py"
echo "records: $run/results.ndjson   metadata: $run/results.json"
echo "report: $run/report.html"
