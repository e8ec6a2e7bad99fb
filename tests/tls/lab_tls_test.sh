#!/usr/bin/env bash
# Issue 5, acceptance 1: STARTTLS and TLS against smtp-lab's TLS behaviours. The lab is
# started here on a random 127.x.y.0/24 range and port and stopped by its PID in a trap; the
# scan gets 'ip,mx' lines (the truth's "mx" is the SNI and the name checked) and the lab CA as
# --ca-file; every record must agree with the truth (tests/scan/compare_truth.py --tls) and validate
# against the JSON Schema.
#   lab_tls_test.sh TOP BIN_DIR [COPIES]
set -euo pipefail
top=$1 bin=$2 copies=${3:-4}
run=$(mktemp -d /tmp/starttls-tls-lab.XXXXXX)
lab_pid=
alive() { [[ -r /proc/$1/stat ]] && [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) != Z ]]; }
stop_lab() {
  [[ -n $lab_pid ]] || return 0
  kill -TERM "$lab_pid" 2>/dev/null || true
  for _ in $(seq 1 100); do alive "$lab_pid" || break; sleep 0.1; done
  alive "$lab_pid" && kill -KILL "$lab_pid" 2>/dev/null || true
  wait "$lab_pid" 2>/dev/null || true
  lab_pid=
}
cleanup() { stop_lab; [[ -n ${KEEP_RUN:-} ]] || rm -rf "$run"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

behaviours=(compliant misordered starttls_only no_starttls tls_rsa tls_expired tls_wrong_name
  tls_self_signed starttls_454 tls_garbage starttls_readvertised tls12_only tls13_only
  starttls_both starttls_last starttls_lowercase asa_masked ehlo_rejected bare_lf
  greeting_keyword multiline_banner drip)
net="127.$((100 + RANDOM % 100)).$((RANDOM % 256))"
port=$((20000 + RANDOM % 12000))
n=0
for ((copy = 0; copy < copies; copy++)); do
  for b in "${behaviours[@]}"; do
    n=$((n + 1))
    echo "$net.$n $b" >>"$run/assign.txt"
  done
done
[[ $n -le 254 ]] || fail "too many hosts for one /24"

"$bin/smtp-lab" --addresses "$net.1-$net.$n" --assign "$run/assign.txt" --port "$port" \
  --run-dir "$run" --stats-file "$run/stats.json" --seed "$RANDOM" --latency-ms 0-20 \
  >"$run/lab.out" 2>"$run/lab.err" &
lab_pid=$!
for _ in $(seq 1 300); do
  [[ -f $run/ready ]] && break
  alive "$lab_pid" || fail "smtp-lab exited: $(tail -3 "$run/lab.err")"
  sleep 0.1
done
[[ -f $run/ready ]] || fail "smtp-lab did not become ready"
[[ $(wc -l <"$run/truth.ndjson") -eq $n ]] || fail "truth has $(wc -l <"$run/truth.ndjson") rows, wanted $n"

python3 -c '
import json, sys
for line in open(sys.argv[1]):
    t = json.loads(line)
    print(t["ip"] + "," + t["mx"])' "$run/truth.ndjson" >"$run/targets"

"$bin/starttls-scan" --allow-reserved --port "$port" --max-per-prefix 0 --input-file "$run/targets" \
  --output-file "$run/records.ndjson" --ca-file "$run/ca.pem" --tls-chain leaf \
  --concurrency 64 --rate 0 --banner-timeout 10 --command-timeout 10 --tls-timeout 10 \
  --session-timeout 30 --quiet --seed 7 || fail "starttls-scan exited $?"
stop_lab

python3 "$top/tests/scan/compare_truth.py" "$run/truth.ndjson" "$run/records.ndjson" --tls \
  | tail -40 | tee "$run/compare.txt"
grep -q " 0 problems$" "$run/compare.txt" || fail "records disagree with the lab's truth"

python3 - "$run/records.ndjson" "$run/stats.json" <<'PY' || fail "TLS record details are wrong"
import json, sys
records = [json.loads(l) for l in open(sys.argv[1])]
ok = [r for r in records if (r.get("tls") or {}).get("outcome") == "ok"]
assert ok, "no completed handshake"
for r in ok:
    leaf = r["tls"]["chain"][0]
    assert leaf.get("der"), "--tls-chain leaf: the leaf's DER is missing"
    assert all("der" not in c for c in r["tls"]["chain"][1:]), "DER beyond the leaf"
    assert r["timing_ms"].get("tls") is not None
probes = [r for r in records if (r.get("starttls") or {}).get("reason") == "probe"]
assert probes and all(r["tls"]["outcome"] == "ok" for r in probes), "misordered hosts: no completed probe"
garbage = [r for r in records if (r.get("starttls") or {}).get("trailing")]
print(f"{len(ok)} handshakes ok, {len(probes)} probes, {len(garbage)} with plaintext after 220")
stats = json.load(open(sys.argv[2]))
print("lab counters:", {k: stats.get(k) for k in ("connections", "forbidden_total", "tls_handshakes")})
assert stats["forbidden_total"] == 0, stats
PY
/usr/bin/python3 "$top/tests/output/validate_ndjson.py" "$top/output/schema/starttls-scan.schema.json" \
  "$run/records.ndjson" || fail "records do not validate against the JSON Schema"
echo "ok"
