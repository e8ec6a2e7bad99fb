#!/usr/bin/env bash
# Issue 16 §1: the scanner against a DNS server written to hurt it (dns-lab: compression
# loops, 255+ octet names, 1,000 MX over TCP after a truncated UDP answer, CNAME chains and
# loops, IP-literal exchanges, answers for the wrong question or ID). Every hostile.test
# domain gets exactly one record that agrees with dns-lab's truth (compare_domains.py), the
# hosts behind the good answers are scanned, and nothing crashes.
#   hostile_dns_test.sh TOP BIN_DIR
set -euo pipefail
top=$1 bin=$2
run=$(mktemp -d /tmp/starttls-hostile-dns.XXXXXX)
cleanup() {
  "$top/scripts/lab/dns-lab.sh" stop "$run/lab" >/dev/null 2>&1 || true
  "$top/scripts/lab/lab.sh" stop "$run/lab" || true
  [[ -n ${KEEP_RUN:-} ]] || rm -rf "$run"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

net="127.$((100 + RANDOM % 100)).$((RANDOM % 256))"
port=$((20000 + RANDOM % 12000))
dns_port=$((10000 + RANDOM % 10000))
mkdir -p "$run/lab"
printf '%s compliant\n%s misordered\n%s no_starttls\n' "$net.1" "$net.2" "$net.3" >"$run/assign"
"$top/scripts/lab/lab.sh" start "$run/lab" "$bin/smtp-lab" --addresses "$net.1-$net.3" \
  --assign "$run/assign" --port "$port"
"$top/scripts/lab/dns-lab.sh" start "$run/lab" "$bin/dns-lab" --address "$net.53" --port "$dns_port"
[[ -s $run/lab/hostile-domains.txt ]] || fail "dns-lab wrote no domain list"

/usr/bin/time -f "%M" -o "$run/rss" "$bin/starttls-scan" --allow-reserved -q --rate 0 \
  --mx-port "$port" --max-per-prefix 0 --resolver "$net.53:$dns_port" --dns-timeout 1 \
  --dns-tries 2 --ca-file "$run/lab/ca.pem" -f "$run/lab/hostile-domains.txt" \
  -o "$run/records.ndjson" -m "$run/meta.json" || fail "scan exited $?"
echo "peak RSS $(cat "$run/rss") KiB"

python3 "$top/tests/scan/compare_domains.py" "$run/lab/hostile.ndjson" "$run/records.ndjson" direct \
  | tee "$run/compare" | tail -15
grep -q " 0 problems$" "$run/compare" || fail "domain records disagree with dns-lab's truth"
python3 - "$run/records.ndjson" "$run/lab/hostile-domains.txt" "$run/meta.json" <<'PY' || fail "accounting"
import json, sys
records = [json.loads(l) for l in open(sys.argv[1])]
domains = [l.strip() for l in open(sys.argv[2]) if l.strip()]
got = [r["domain"] for r in records if r["type"] == "domain"]
assert sorted(got) == sorted(domains), set(domains) ^ set(got)
meta = json.load(open(sys.argv[3]))
assert meta["completed"] is True, meta
big = next(r for r in records if r["type"] == "domain" and r["domain"].startswith("mx1000."))
prefs = sorted(e["preference"] for e in big["exchanges"])
assert prefs == list(range(1, len(prefs) + 1)), prefs   # the most preferred, not the first read
print(f"{len(got)} domain records for {len(domains)} domains; mx1000 kept preferences {prefs[0]}-{prefs[-1]}")
PY
/usr/bin/python3 "$top/tests/output/validate_ndjson.py" "$top/output/schema/starttls-scan.schema.json" \
  "$run/records.ndjson" || fail "records do not validate"
echo "ok"
