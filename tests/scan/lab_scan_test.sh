#!/usr/bin/env bash
# Issue 4, acceptance 1: the scanner against a lab of many hosts with every behaviour of the
# lab mixed in and 50-300 ms of latency (WEIGHTS 'benign': every behaviour but the hostile_*
# ones, which issue 16's run takes with WEIGHTS 'hostile': each hostile behaviour's record).
# The scanner runs with its default deadlines and caps, which the lab's truth rows assume. Every record must agree with the lab's truth
# (status, class, anomalies), there must be exactly one record per target, the lab must have
# seen no forbidden command, and records and metadata must validate against the schemas.
#   lab_scan_test.sh TOP BIN_DIR HOSTS CONCURRENCY [benign|hostile|all]
set -euo pipefail
top=$1 bin=$2 hosts=${3:-10000} concurrency=${4:-10000} mix=${5:-benign}
run=$(mktemp -d /tmp/starttls-lab-scan.XXXXXX)
cleanup() { "$top/scripts/lab/lab.sh" stop "$run" || true; [[ -n ${KEEP_RUN:-} ]] || rm -rf "$run"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

net="127.$((100 + RANDOM % 100))"
port=$((20000 + RANDOM % 12000))
last=$((hosts - 1))
range="$net.0.1-$net.$((last / 256)).$((last % 256 + 1))"
case $mix in
  benign) weights="others=1" ;;  # every behaviour weight 1 but the hostile ones
  hostile|all) weights=$mix ;;
  *) fail "unknown mix $mix" ;;
esac
"$top/scripts/lab/lab.sh" start "$run" "$bin/smtp-lab" --addresses "$range" --port "$port" \
  --weights "$weights" --latency-ms 50-300 --processes 2 --seed "$RANDOM"
truth_rows=$(wc -l <"$run/truth.ndjson")
[[ $truth_rows -eq $hosts ]] || fail "lab truth has $truth_rows rows, wanted $hosts"

if [[ $mix == hostile ]]; then  # every hostile behaviour must be in the population
  missing=$(comm -23 <(grep -o 'hostile_[a-z0-9_]*' "$top/bench/lab/behaviour_table.cc" | sort -u) \
    <(grep -o '"behaviour":"hostile_[a-z0-9_]*' "$run/truth.ndjson" | cut -d'"' -f4 | sort -u))
  [[ -z $missing ]] || fail "hostile behaviours missing from the lab population: $missing"
fi

# Targets as 'ip,name' lines, so records carry the MX name (and TLS sends it as SNI).
python3 -c '
import json, sys
for line in open(sys.argv[1]):
    t = json.loads(line)
    print(t["ip"] + "," + t["mx"])' "$run/truth.ndjson" >"$run/targets"

# hostile_one_byte_segments sends its TLS flight one byte per lab loop pass: a sanitizer-built
# lab on a busy 2-core machine can need more than the default 10 s TLS deadline for it. The
# rows whose truth is a TLS timeout still time out, 20 s later.
tls_deadline=()
[[ $mix == hostile ]] && tls_deadline=(--tls-timeout 30s)

start=$(date +%s)
"$bin/starttls-scan" --allow-reserved --port "$port" --max-per-prefix 0 --input-file "$run/targets" \
  --output-file "$run/records.ndjson" --metadata-file "$run/metadata.json" "${tls_deadline[@]}" \
  --concurrency "$concurrency" --rate 0 --ca-file "$run/ca.pem" --quiet --seed 42 \
  || fail "starttls-scan exited $?"
echo "scanned $hosts lab hosts in $(($(date +%s) - start)) s"
"$top/scripts/lab/lab.sh" stop "$run"

python3 "$top/tests/scan/compare_truth.py" "$run/truth.ndjson" "$run/records.ndjson" --tls \
  | tail -25 | tee "$run/compare.txt"
grep -q " 0 problems$" "$run/compare.txt" || fail "records disagree with the lab's truth"

python3 - "$run/stats.json" <<'PY' || fail "the lab saw forbidden commands or no traffic"
import json, sys
stats = json.load(open(sys.argv[1]))
print("lab counters:", {k: stats[k] for k in ("connections", "forbidden_total", "tls_handshakes")})
assert stats["forbidden_total"] == 0, stats["forbidden"]
assert stats["connections"] > 0
PY

/usr/bin/python3 "$top/tests/output/validate_ndjson.py" "$top/output/schema/starttls-scan.schema.json" \
  "$run/records.ndjson" || fail "records do not validate against the JSON Schema"
/usr/bin/python3 "$top/tests/output/validate_ndjson.py" "$top/output/schema/metadata.schema.json" \
  "$run/metadata.json" || fail "metadata does not validate against its JSON Schema"
python3 - "$run/metadata.json" "$hosts" <<'PY' || fail "metadata counts are wrong"
import json, sys
meta = json.load(open(sys.argv[1]))
targets = meta["counts"]["targets"]
assert meta["completed"] is True, meta
assert targets["total"] == int(sys.argv[2]) == targets["done"], targets
assert targets["not_started"] == 0 and meta["not_started"] == [], targets
PY
echo "ok"
