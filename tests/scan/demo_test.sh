#!/usr/bin/env bash
# The README's first command at a small size, on the programs already built: the demo must run
# to its end (rc 0), agree with the lab's truth, print its closing figures and write the report.
# Usage: demo_test.sh SOURCE_DIR BIN_DIR
set -euo pipefail
top=$1 bin=$2
log=$(mktemp /tmp/starttls-demo-test.XXXXXX)
run=""
cleanup() {
  [[ -n $run && -d $run ]] && rm -rf "$run"
  rm -f "$log"
}
trap cleanup EXIT
status=0
DEMO_BIN=$bin DEMO_HOSTS=300 DEMO_DOMAINS=600 "$top/scripts/demo.sh" >"$log" 2>&1 || status=$?
run=$(sed -n 's/^records: \(.*\)\/results.ndjson .*/\1/p' "$log")
fail() { tail -40 "$log" >&2; echo "demo_test: $*" >&2; exit 1; }
((status == 0)) || fail "demo.sh exited $status"
for line in "agreement with the lab's domain truth: " "agreement with the lab's policy truth" \
  "domains (" "hosts (" "hosts where a client sends in clear text: " "domain policy (" \
  "report: "; do
  grep -qF "$line" "$log" || fail "no line starting '$line'"
done
grep -q "domain truth: .* 0 problems" "$log" || fail "domain records disagree with the truth"
report=$(sed -n 's/^report: //p' "$log")
[[ -s $report ]] || fail "no report at '$report'"
grep -q '<html' "$report" || fail "report is not HTML"
echo "demo_test: demo ran to its end, 0 disagreements, report $(stat -c %s "$report") bytes"
