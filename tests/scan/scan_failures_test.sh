#!/usr/bin/env bash
# Issue 4, acceptance 3: what a careful user relies on when things go wrong.
#   - a blocklisted target gets a `blocklisted` record and the lab sees no connection;
#   - bad input lines become error records naming the line; every line yields one record;
#   - an endless EHLO reply hits the caps and memory stays flat;
#   - SIGTERM mid-scan: valid NDJSON, metadata present, every target either recorded or
#     listed as not started; --resume then finishes without losing or repeating a target;
#   - a second signal cuts open sessions short, each with a record.
#   scan_failures_test.sh TOP BIN_DIR
set -euo pipefail
top=$1 bin=$2
scan=$bin/starttls-scan
run=$(mktemp -d /tmp/starttls-scan-failures.XXXXXX)
cleanup() {
  "$top/scripts/lab/lab.sh" stop "$run/lab" || true
  "$top/scripts/lab/lab.sh" stop "$run/blocked-lab" || true
  rm -rf "$run"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
records_of() { grep -c '"type":"host"' "$1" || true; }

net="127.$((100 + RANDOM % 100)).$((RANDOM % 256))"
port=$((20000 + RANDOM % 12000))
{
  for i in $(seq 1 40); do echo "$net.$i endless_ehlo"; done
  for i in $(seq 41 240); do echo "$net.$i slow_greeting"; done
} >"$run/assign"
"$top/scripts/lab/lab.sh" start "$run/lab" "$bin/smtp-lab" --addresses "$net.1-$net.240" \
  --port "$port" --assign "$run/assign" --greeting-delay-ms 2000
# The lab packs every host into one /24: lift the per-prefix cap of a real survey.
common=(--port "$port" --rate 0 --quiet --banner-timeout 10 --command-timeout 10 --max-per-prefix 0)

echo "== blocklisted targets: records, and no packet"
# A lab of its own, so its connection counter shows whether any packet reached it.
blocked_port=$((port + 1))
"$top/scripts/lab/lab.sh" start "$run/blocked-lab" "$bin/smtp-lab" --addresses "$net.41-$net.43" \
  --port "$blocked_port" --weights compliant=1
printf '%s\n' "$net.41" "$net.42" >"$run/blocked-targets"
"$scan" "${common[@]}" --port "$blocked_port" --input-file "$run/blocked-targets" \
  --output-file "$run/blocked.ndjson" || fail "scan of blocklisted targets exited $?"
[[ $(grep -c '"status":"blocklisted"' "$run/blocked.ndjson") -eq 2 ]] || fail "not 2 blocklisted records"
echo "$net.43/32" >"$run/blocklist"
"$scan" "${common[@]}" --port "$blocked_port" --allow-reserved --blocklist-file "$run/blocklist" \
  "$net.43" >"$run/blocked2.ndjson" || fail "scan with --blocklist-file exited $?"
grep -q '"status":"blocklisted"' "$run/blocked2.ndjson" || fail "--blocklist-file not applied"
"$top/scripts/lab/lab.sh" stop "$run/blocked-lab"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["connections"]==0, s' \
  "$run/blocked-lab/stats.json" || fail "a blocklisted target was connected to"

echo "== bad input lines"
printf '%s\n' "# a comment" "$net.44" "not a target!" "" "1.2.3.4/33" "$net.44" \
  "$(head -c 3000 /dev/zero | tr '\0' x)" >"$run/mixed-targets"
"$scan" "${common[@]}" --allow-reserved --input-file "$run/mixed-targets" \
  --output-file "$run/mixed.ndjson" || fail "scan of mixed input exited $?"
[[ $(records_of "$run/mixed.ndjson") -eq 1 ]] || fail "duplicate target not scanned exactly once"
for line in 3 5 7; do
  grep -q "\"type\":\"error\",\"schema\":1,\"line\":$line," "$run/mixed.ndjson" \
    || fail "no error record for bad line $line: $(cat "$run/mixed.ndjson")"
done
[[ $(wc -l <"$run/mixed.ndjson") -eq 4 ]] || fail "mixed input: not one record per target"
err=$("$scan" --rate nope 2>&1) && fail "bad flag accepted"
grep -q -- "--rate" <<<"$err" || fail "bad flag error does not name the flag: $err"
err=$("$scan" --input-file "$run/does-not-exist" 2>&1) && fail "missing input file accepted"
grep -q "does-not-exist" <<<"$err" || fail "missing input error does not name the file: $err"

echo "== endless EHLO replies: caps hit, memory flat"
for i in $(seq 1 40); do echo "$net.$i"; done >"$run/endless-targets"
/usr/bin/time -f "%M" -o "$run/endless.rss" "$scan" "${common[@]}" --allow-reserved \
  --input-file "$run/endless-targets" --output-file "$run/endless.ndjson" --concurrency 40 \
  || fail "endless scan exited $?"
[[ $(grep -c '"reply_truncated"' "$run/endless.ndjson") -eq 40 ]] || fail "caps not hit on every host"
rss_kb=$(cat "$run/endless.rss")
echo "peak RSS with 40 endless replies at once: ${rss_kb} KiB"
# 40 replies of at most 64 KiB each, plus the program: far below what unbounded growth gives.
(( rss_kb < 80 * 1024 )) || fail "peak RSS ${rss_kb} KiB: memory is not bounded"

echo "== SIGTERM mid-scan, then --resume"
for i in $(seq 41 240); do echo "$net.$i"; done >"$run/slow-targets"
"$scan" "${common[@]}" --allow-reserved --input-file "$run/slow-targets" --concurrency 20 \
  --output-file "$run/slow.ndjson" --metadata-file "$run/slow-meta.json" --seed 5 &
scan_pid=$!
sleep 3
kill -TERM "$scan_pid"
set +e; wait "$scan_pid"; code=$?; set -e
[[ $code -eq 1 ]] || fail "interrupted scan exited $code, wanted 1"
python3 - "$run/slow.ndjson" "$run/slow-meta.json" "$run/slow-targets" <<'PY' || fail "SIGTERM accounting"
import json, sys
records = [json.loads(l) for l in open(sys.argv[1])]          # every line is whole JSON
meta = json.load(open(sys.argv[2]))
targets = {l.strip() for l in open(sys.argv[3]) if l.strip()}
recorded = [r["ip"] for r in records]
assert len(recorded) == len(set(recorded)), "a target recorded twice"
assert all(r["status"] == "success" for r in records), "open sessions were not allowed to finish"
not_started = {e.rsplit(":", 1)[0] for e in meta["not_started"]}
unread = len(targets) - len(recorded) - len(not_started)
print(f"recorded {len(recorded)}, listed not started {len(not_started)}, unread {unread}, "
      f"input lines handled {meta['input_lines_read']}")
assert meta["completed"] is False and meta["stop_reason"]
assert not (set(recorded) & not_started)
# Lines past input_lines_read were never read; everything before is recorded or listed.
handled = list(open(sys.argv[3]))[: meta["input_lines_read"]]
assert {l.strip() for l in handled} <= set(recorded) | not_started
assert len(recorded) < len(targets)
PY
"$scan" "${common[@]}" --allow-reserved --input-file "$run/slow-targets" --concurrency 200 \
  --output-file "$run/slow.ndjson" --metadata-file "$run/slow-meta.json" --seed 5 --resume \
  || fail "resumed scan exited $?"
python3 - "$run/slow.ndjson" "$run/slow-targets" <<'PY' || fail "resume lost or repeated targets"
import json, sys
recorded = [json.loads(l)["ip"] for l in open(sys.argv[1])]
targets = {l.strip() for l in open(sys.argv[2]) if l.strip()}
assert len(recorded) == len(set(recorded)), "repeated"
assert set(recorded) == targets, f"lost {len(targets - set(recorded))}"
print(f"after --resume: {len(recorded)} records for {len(targets)} targets")
PY

echo "== a second signal cuts open sessions short, each with a record"
"$scan" "${common[@]}" --allow-reserved --input-file "$run/slow-targets" --concurrency 50 \
  --output-file "$run/cut.ndjson" &
scan_pid=$!
sleep 1  # mid-greeting: the lab greets 2 s after accepting
kill -TERM "$scan_pid"; sleep 0.3; kill -TERM "$scan_pid"
set +e; wait "$scan_pid"; code=$?; set -e
[[ $code -eq 1 ]] || fail "twice-interrupted scan exited $code"
cut=$(grep -c 'the scan was interrupted' "$run/cut.ndjson" || true)
[[ $cut -ge 1 ]] || fail "no session was recorded as cut short"
echo "cut short with a record: $cut"

"$top/scripts/lab/lab.sh" stop "$run/lab"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["forbidden_total"]==0, s' \
  "$run/lab/stats.json" || fail "forbidden commands reached the lab"
echo "ok"
