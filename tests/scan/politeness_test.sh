#!/usr/bin/env bash
# Issue 11 §5 on the lab, measured by the lab itself:
#   - 120 hosts in one /24 answering each command after 200 ms, scanned with --concurrency 1000 and
#     --max-per-prefix 8: the lab's own counter of sessions open at once per /24 must be 8 at
#     most (and reach 8: the cap is what held the scanner back, not something else);
#     the same with --max-per-prefix 0 opens far more at once;
#   - banner_421_once hosts (421 to the first connection, 220 after) end `success` with
#     `attempts: 2`, and every record agrees with the lab's truth.
#   politeness_test.sh TOP BIN_DIR
set -euo pipefail
top=$1 bin=$2
run=$(mktemp -d /tmp/starttls-politeness.XXXXXX)
cleanup() {
  "$top/scripts/lab/lab.sh" stop "$run/capped" >/dev/null 2>&1 || true
  "$top/scripts/lab/lab.sh" stop "$run/open" >/dev/null 2>&1 || true
  rm -rf "$run"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

net="127.$((100 + RANDOM % 100)).$((RANDOM % 256))"
port=$((20000 + RANDOM % 12000))
{
  for i in $(seq 1 20); do echo "$net.$i banner_421_once"; done
} >"$run/assign.txt"

# lab_run NAME MAX_PER_PREFIX: a fresh lab (fresh 421-once memory), one scan, the lab stopped
# so its counters are written.
lab_run() {
  local name=$1 cap=$2
  "$top/scripts/lab/lab.sh" start "$run/$name" "$bin/smtp-lab" --addresses "$net.1-$net.120" \
    --port "$port" --assign "$run/assign.txt" --weights compliant=1 --latency-ms 200 \
    --seed 7 >/dev/null
  python3 -c 'import json,sys
for l in open(sys.argv[1]): t = json.loads(l); print(t["ip"] + "," + t["mx"])' \
    "$run/$name/truth.ndjson" >"$run/$name/targets"
  "$bin/starttls-scan" --allow-reserved -q -p "$port" --rate 0 --concurrency 1000 \
    --max-per-prefix "$cap" --backoff 1s --starttls never -e 1 \
    -f "$run/$name/targets" -o "$run/$name/records.ndjson" -m "$run/$name/meta.json" \
    || fail "$name: starttls-scan exited $?"
  "$top/scripts/lab/lab.sh" stop "$run/$name" >/dev/null
}

lab_run capped 8
lab_run open 0

python3 - "$run" <<'PY' || fail "politeness"
import json, sys
run = sys.argv[1]
capped = json.load(open(f"{run}/capped/stats.json"))
opened = json.load(open(f"{run}/open/stats.json"))
print("lab's most sessions at once in the /24: --max-per-prefix 8:",
      capped["max_concurrent_per_24"], " --max-per-prefix 0:", opened["max_concurrent_per_24"])
assert capped["max_concurrent_per_24"] == 8, capped["max_concurrent_per_24"]
assert opened["max_concurrent_per_24"] > 60, opened["max_concurrent_per_24"]
assert capped["max_concurrent_per_ip"] == 1 and opened["max_concurrent_per_ip"] == 1
for name in ("capped", "open"):
    assert json.load(open(f"{run}/{name}/stats.json"))["forbidden_total"] == 0
    truth = {t["ip"]: t for t in map(json.loads, open(f"{run}/{name}/truth.ndjson"))}
    records = [json.loads(l) for l in open(f"{run}/{name}/records.ndjson")]
    assert len(records) == len(truth) == len({r["ip"] for r in records}), (len(records), len(truth))
    retried = 0
    for r in records:
        t = truth[r["ip"]]
        assert r["status"] == t["status"] and r.get("class") == t.get("class"), (r, t)
        assert r["attempts"] == t["attempts"], (r["ip"], t["behaviour"], r["attempts"], t["attempts"])
        if t["behaviour"] == "banner_421_once":
            assert r["status"] == "success" and r["attempts"] == 2, r
            retried += 1
    assert retried == 20, retried
    print(f"{name}: {len(records)} records agree with the truth; 20 hosts answered 421, then 220:"
          " success, attempts 2")
PY
echo "ok"
