#!/usr/bin/env bash
# Issue 13 on the lab: how a scan writes its records.
#   - --output-format csv: the same lab scan written as CSV and as NDJSON holds the same
#     values (every cell of every row against its NDJSON record by docs/datasets.md's rules,
#     the checker of tests/datasets/csv_round_trip_test.py; only times differ between two
#     scans), under the header `convert --to csv` writes; --output-fields picks the columns;
#   - refused before anything is sent (exit 2): an unknown field, --output-fields without
#     csv, --resume with csv, --resume of a .zst file that holds plain NDJSON, that was
#     compressed after the scan as one big frame, or whose frames split a record (all three
#     left untouched);
#   - --output-file x.ndjson.zst / .gz: compressed frames; a scan killed with SIGKILL
#     partway, a torn frame appended (as a kill mid-write leaves one), then --resume: every
#     target exactly once, and the file one valid stream (zstd -dc / gzip -dc read it whole).
#   output_formats_test.sh TOP BIN_DIR
set -euo pipefail
top=$1 bin=$2
scan=$bin/starttls-scan
run=$(mktemp -d /tmp/starttls-output-formats.XXXXXX)
cleanup() {
  "$top/scripts/lab/lab.sh" stop "$run/lab" || true
  [[ -n ${KEEP_RUN:-} ]] || rm -rf "$run"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

net="127.$((100 + RANDOM % 100)).$((RANDOM % 256))"
port=$((20000 + RANDOM % 12000))
for i in $(seq 101 220); do echo "$net.$i slow_greeting"; done >"$run/assign"
"$top/scripts/lab/lab.sh" start "$run/lab" "$bin/smtp-lab" --addresses "$net.1-$net.220" \
  --port "$port" --assign "$run/assign" --greeting-delay-ms 2000 \
  --weights compliant=4,no_starttls=2,misordered=2
common=(--allow-reserved --port "$port" --rate 0 --quiet --max-per-prefix 0 --seed 7
        --banner-timeout 10 --command-timeout 10 --ca-file "$run/lab/ca.pem")
{ seq -f "$net.%g" 1 60; echo "not a target!"; } >"$run/fast"
seq -f "$net.%g" 101 220 >"$run/slow"

echo "== --output-format csv holds the values of the NDJSON"
"$scan" "${common[@]}" -f "$run/fast" -o "$run/fast.ndjson" || fail "ndjson scan exited $?"
"$scan" "${common[@]}" -f "$run/fast" --output-format csv -o "$run/fast.csv" \
  || fail "csv scan exited $?"
fields="type,line,ip,port,status,class,anomalies,clients.postfix,banner.raw,ehlo.keywords.keyword,tls.version,tls.chain.sha256"
"$scan" "${common[@]}" -f "$run/fast" --output-format csv --output-fields "$fields" \
  -o "$run/named.csv" || fail "csv scan with --output-fields exited $?"
python3 - "$top" "$scan" "$run" "$fields" <<'PY' || fail "CSV and NDJSON scans disagree"
import json, subprocess, sys
top, scan, run, fields = sys.argv[1:5]
sys.path.insert(0, top + "/tests/datasets")
from csv_round_trip_test import check, keep_number_text

records = [json.loads(l, parse_float=keep_number_text, parse_int=keep_number_text)
           for l in open(run + "/fast.ndjson")]
hosts = [r for r in records if r["type"] == "host"]
assert len(hosts) == 60 and sum(r["type"] == "error" for r in records) == 1, len(records)
assert any(r.get("tls") and r["tls"].get("version") for r in hosts), "no TLS host to compare"
# Two scans of one lab: the same facts, other clocks.
volatile = lambda column: column == "timestamp" or column.startswith("timing_ms.")
written = open(run + "/fast.csv", "rb").read()
converted = subprocess.run([scan, "convert", "--to", "csv", run + "/fast.ndjson"],
                           capture_output=True, check=True).stdout
assert written.split(b"\r\n", 1)[0] == converted.split(b"\r\n", 1)[0], "header differs from convert's"
cells = check(written, records, "scan --output-format csv", skip=volatile)
columns = len(written.split(b"\r\n", 1)[0].split(b","))
print(f"default columns ({columns}): {cells} cells agree with the NDJSON scan")
named = open(run + "/named.csv", "rb").read()
assert named.split(b"\r\n", 1)[0].decode() == fields, "header is not --output-fields"
print(f"--output-fields: {check(named, records, 'named fields')} cells agree")
PY

echo "== refusals (exit 2, nothing sent)"
refused() {
  local want=$1
  shift
  set +e; "$scan" "${common[@]}" "$@" >/dev/null 2>"$run/err"; local code=$?; set -e
  [[ $code -eq 2 ]] || fail "$* exited $code, wanted 2"
  grep -q -- "$want" "$run/err" || fail "$*: stderr does not name $want: $(cat "$run/err")"
}
refused "tls.versoin" --output-format csv --output-fields ip,tls.versoin -o "$run/x.csv" "$net.1"
refused "--output-fields" --output-fields ip -o "$run/x.ndjson" "$net.1"
refused "--resume" --output-format csv --resume -o "$run/fast.csv" "$net.1"
cp "$run/fast.ndjson" "$run/plain.ndjson.zst"
refused "zstd" --resume -o "$run/plain.ndjson.zst" "$net.1"
cmp -s "$run/fast.ndjson" "$run/plain.ndjson.zst" || fail "a refused --resume changed the file"
# A scan compressed afterwards is one frame larger than any the scan writes: refused, not cut.
python3 -c 'import sys
line = open(sys.argv[1]).readline()
sys.stdout.write(line * (24 * 2**20 // len(line) + 1))' "$run/fast.ndjson" | zstd -q -c >"$run/whole.ndjson.zst"
cp "$run/whole.ndjson.zst" "$run/whole.copy"
refused "compressed after the scan" --resume -o "$run/whole.ndjson.zst" "$net.1"
cmp -s "$run/whole.copy" "$run/whole.ndjson.zst" || fail "a refused --resume cut a recompressed scan"
# Frames that split a record (as other compressors cut a stream) are not the scan's either.
{ head -c 100 "$run/fast.ndjson" | zstd -q -c; tail -c +101 "$run/fast.ndjson" | zstd -q -c; } \
  >"$run/split.ndjson.zst"
cp "$run/split.ndjson.zst" "$run/split.copy"
refused "not written by a scan" --resume -o "$run/split.ndjson.zst" "$net.1"
cmp -s "$run/split.copy" "$run/split.ndjson.zst" || fail "a refused --resume cut frames split mid-record"

decompress() {  # whole frames only; a torn end is left out
  case $1 in
    *.zst) zstd -dc "$1" 2>/dev/null || true ;;
    *.gz) gzip -dc "$1" 2>/dev/null || true ;;
  esac
}
for ext in zst gz; do
  echo "== .$ext: SIGKILL partway, a torn frame, --resume"
  out="$run/slow.ndjson.$ext"
  "$scan" "${common[@]}" -f "$run/slow" --concurrency 20 -o "$out" &
  scan_pid=$!
  # Killed once some whole frames are out (the scan flushes a frame a second), however slow
  # the machine (sanitizers, load): 120 targets at 20 at once with a 2 s greeting take > 12 s.
  for _ in $(seq 1 300); do
    (( $(decompress "$out" | grep -c '"type":"host"' || true) > 0 )) && break
    sleep 0.2
  done
  kill -KILL "$scan_pid"
  wait "$scan_pid" 2>/dev/null || true
  before=$(decompress "$out" | grep -c '"type":"host"' || true)
  (( before > 0 && before < 120 )) || fail ".$ext: $before records before the kill, wanted some"
  # Half a frame holding a record of a target not yet scanned: kept, it would double it.
  last=$(tail -1 "$run/slow")
  printf '{"type":"host","schema":1,"ip":"%s","port":%s,"status":"success"}\n' "$last" "$port" \
    | if [[ $ext == zst ]]; then zstd -q -c; else gzip -c; fi | head -c 12 >>"$out"
  "$scan" "${common[@]}" -f "$run/slow" --concurrency 200 -o "$out" --resume \
    || fail ".$ext: resumed scan exited $?"
  if [[ $ext == zst ]]; then zstd -t -q "$out"; else gzip -t "$out"; fi \
    || fail ".$ext: the resumed file is not one valid stream"
  decompress "$out" >"$run/slow.$ext.ndjson"
  python3 - "$run/slow.$ext.ndjson" "$run/slow" "$before" <<'PY' || fail ".$ext: resume lost or repeated targets"
import json, sys
recorded = [json.loads(l)["ip"] for l in open(sys.argv[1])]
targets = {l.strip() for l in open(sys.argv[2]) if l.strip()}
assert len(recorded) == len(set(recorded)), "a target recorded twice"
assert set(recorded) == targets, f"lost {len(targets - set(recorded))}"
print(f"{sys.argv[3]} records before the kill; after --resume {len(recorded)} for {len(targets)} targets")
PY
done

"$top/scripts/lab/lab.sh" stop "$run/lab"
echo "ok"
