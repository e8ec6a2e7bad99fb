#!/usr/bin/env bash
# The report page in a real browser: a lab scan of domains (smtp-lab behind a real NSD, every
# behaviour mixed in), `report` as HTML and as JSON; the JSON's main figures recomputed here
# from the records; then headless Debian Chromium through ChromeDriver (report_page_check.py):
# the DOM's numbers equal the JSON's, no network request, nothing on the console, a screenshot
# kept in ARTIFACT_DIR. A second page (two re-judged ZGrab2 scans) covers trends and diff.
#   report_page_test.sh TOP BIN_DIR ARTIFACT_DIR
set -euo pipefail
top=$1 bin=$2 artifacts=$3
run=$(mktemp -d /tmp/starttls-report-page.XXXXXX)
driver_pid=
cleanup() {
  if [[ -n $driver_pid ]]; then
    kill -TERM -- "-$driver_pid" 2>/dev/null || true  # chromedriver's own process group
    wait "$driver_pid" 2>/dev/null || true
  fi
  "$top/scripts/lab/nsd.sh" stop "$run/lab" >/dev/null 2>&1 || true
  "$top/scripts/lab/lab.sh" stop "$run/lab" || true
  [[ -n ${KEEP_RUN:-} ]] || rm -rf "$run"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v chromedriver >/dev/null && [[ -x /usr/bin/chromium ]] ||
  fail "chromium and chromium-driver are needed (scripts/install-deps.sh installs them)"

net="127.$((100 + RANDOM % 100))"
port=$((20000 + RANDOM % 12000))
dns_port=$((10000 + RANDOM % 10000))
"$top/scripts/lab/lab.sh" start "$run/lab" "$bin/smtp-lab" --addresses "$net.0.1-$net.0.150" --port "$port" \
  --domains 300 --dns-address "$net.250.1" --lame-ns "$net.250.53" --weights all --latency-ms 1-20
"$top/scripts/lab/nsd.sh" start "$run/lab" "$net.250.1" "$dns_port" >/dev/null
python3 -c '
import json, sys
for line in open(sys.argv[1]):
    print(json.loads(line)["domain"])' "$run/lab/domains.ndjson" >"$run/domains"
"$bin/starttls-scan" --allow-reserved --quiet --mx-port "$port" --rate 0 --concurrency 2000 \
  --resolver "$net.250.1:$dns_port" --dns-timeout 1 --dns-tries 2 --banner-timeout 3 --command-timeout 3 \
  --session-timeout 15 --ca-file "$run/lab/ca.pem" --input-file "$run/domains" \
  --output-file "$run/scan.ndjson" --metadata-file "$run/scan.json" || fail "starttls-scan exited $?"
"$top/scripts/lab/nsd.sh" stop "$run/lab" >/dev/null
"$top/scripts/lab/lab.sh" stop "$run/lab"

"$bin/starttls-scan" report -o "$run/report.html" "$run/scan.ndjson" || fail "report (html) exited $?"
"$bin/starttls-scan" report --format json -o "$run/report.json" "$run/scan.ndjson" || fail "report (json) exited $?"

# The figures the brief names, counted again here from the records.
python3 - "$run/scan.ndjson" "$run/report.json" <<'PY' || fail "report JSON disagrees with the records"
import collections, json, sys
hosts = domains = 0
status, cls, anomaly, verdict, clear = (collections.Counter() for _ in range(5))
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["type"] == "host":
        hosts += 1
        status[r["status"]] += 1
        if r.get("class"):
            cls[r["class"]] += 1
        anomaly.update(r.get("anomalies", []))
        for client, sees in r.get("clients", {}).items():
            clear[client] += 0 if sees else 1
    elif r["type"] == "domain":
        domains += 1
        verdict[r["verdict"]] += 1
report = json.load(open(sys.argv[2]))
assert report["hosts"]["total"] == hosts, (report["hosts"]["total"], hosts)
assert report["hosts"]["by_status"] == status, (report["hosts"]["by_status"], status)
assert report["hosts"]["by_class"] == cls
assert report["hosts"]["by_anomaly"] == anomaly
assert report["domains"]["total"] == domains and report["domains"]["by_verdict"] == verdict
for client, count in clear.items():
    assert report["clients"][client]["clear"] == count, client
assert report["metadata_file"].endswith("scan.json") and report["scan"]["times_from"] == "metadata"
assert len(report["clients"]) == 14 and hosts > 100 and domains == 300
print("report JSON: %d hosts, %d domains, figures agree with the records" % (hosts, domains))
PY

for year in 2019 2024; do
  "$bin/starttls-scan" classify --input-format zgrab2 "$top/tests/datasets/data/zgrab2-$year.jsonl" >"$run/zgrab2-$year.ndjson"
done
"$bin/starttls-scan" report -o "$run/trend.html" "$run/zgrab2-2024.ndjson" "$run/zgrab2-2019.ndjson"
"$bin/starttls-scan" report --format json -o "$run/trend.json" "$run/zgrab2-2024.ndjson" "$run/zgrab2-2019.ndjson"

# ChromeDriver's first start on a fresh, loaded machine can take many seconds: wait up to 90 s
# for its /status, and start it again on another port if it exited (a port taken meanwhile).
driver_up() {
  python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$1/status', timeout=2)" 2>/dev/null
}
driver_port=
for attempt in 1 2 3; do
  port_try=$((32000 + RANDOM % 700))  # below the ephemeral range (32768+): no client socket holds it
  setsid chromedriver --port="$port_try" --allowed-ips=127.0.0.1 >>"$run/chromedriver.log" 2>&1 &
  driver_pid=$!
  for _ in $(seq 1 300); do
    if driver_up "$port_try"; then driver_port=$port_try; break; fi
    kill -0 "$driver_pid" 2>/dev/null || break
    sleep 0.3
  done
  [[ -n $driver_port ]] && break
  kill -TERM -- "-$driver_pid" 2>/dev/null || true
  wait "$driver_pid" 2>/dev/null || true
  driver_pid=
done
[[ -n $driver_port ]] || { cat "$run/chromedriver.log" >&2; fail "chromedriver did not answer on loopback"; }
mkdir -p "$artifacts" "$run/profile"
python3 "$top/tests/datasets/report_page_check.py" "$driver_port" "$artifacts" "$run/profile" \
  "$run/report.html" "$run/report.json" "$run/trend.html" "$run/trend.json" || fail "the page check failed"
cp "$run/report.html" "$artifacts/report.html"
echo "ok"
