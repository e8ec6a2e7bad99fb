#!/usr/bin/env bash
# `starttls-scan merge` as users run it, on real parts: a 3-shard scan of loopback addresses
# where nothing listens (every host connection-refused at once: no lab needed), each shard
# run with --resume from nothing (it must start as part 1), then:
#   - the merge: every record of the parts byte for byte in shard order, each target once,
#     metadata sums, merged_from, valid against the schema; gzip and zstd parts the same;
#   - an MX host two shards' domains shared (added to two parts, their metadata adjusted):
#     kept once, counted once;
#   - each refusal (exit 1, the part or shard named, nothing written): missing shard,
#     duplicated shard, incomplete part (-n), foreign seed, foreign input, foreign flags,
#     missing metadata, a part shorter than its metadata says; --allow-partial merges the
#     rest and lists missing_shards; usage errors exit 2.
#   merge_cli_test.sh TOP STARTTLS_SCAN
set -euo pipefail
top=$1 scan_bin=$2
run=$(mktemp -d /tmp/starttls-merge-cli.XXXXXX)
trap '[[ -n ${KEEP_RUN:-} ]] || rm -rf "$run"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

net="127.$((100 + RANDOM % 100)).$((RANDOM % 250))"
port=$((40000 + RANDOM % 20000))
seed=$((RANDOM * 32768 + RANDOM))
{
  echo "# 40 addresses, a duplicate and two bad lines"
  echo "$net.0/27"
  for i in $(seq 32 39); do echo "$net.$i"; done
  echo "$net.3"
  echo "not a target"
  echo "300.1.2.3"
} >"$run/input"
scan=("$scan_bin" --allow-reserved -q -p "$port" --rate 0 --max-per-prefix 0 --connect-timeout 2)
# shard DIR K [flags...]: one shard of the scan into DIR, as the job scripts run it.
shard() {
  local dir=$1 k=$2
  shift 2
  mkdir -p "$dir"
  "${scan[@]}" --resume -f "$run/input" -o "$dir/shard-$k.ndjson" -m "$dir/shard-$k.json" \
    --seed "$seed" --shards 3 --shard "$k" "$@"
}
for k in 0 1 2; do shard "$run/parts" "$k" || fail "shard $k exited $?"; done
# A merge that must be refused: exit 1, stderr matching $2, no output written.
refused() {
  local name=$1 pattern=$2
  shift 2
  local out=$run/refused-$name
  if "$scan_bin" merge -o "$out.ndjson" -m "$out.json" "$@" 2>"$out.err"; then
    fail "$name: merge accepted"
  else
    local code=$?
    [[ $code -eq 1 ]] || fail "$name: exit $code, wanted 1: $(cat "$out.err")"
  fi
  grep -qE -- "$pattern" "$out.err" || fail "$name: stderr does not say /$pattern/: $(cat "$out.err")"
  [[ ! -e $out.ndjson && ! -e $out.json ]] || fail "$name: something was written"
  echo "refused ($name): $(head -1 "$out.err")"
}
# copy NAME: a copy of the good parts to alter.
copy() { rm -rf "$run/$1"; cp -r "$run/parts" "$run/$1"; }

echo "== merge"
"$scan_bin" merge -o "$run/all.ndjson" -m "$run/all.json" "$run"/parts/shard-*.ndjson \
  2>"$run/merge.err" || fail "merge exited $?: $(cat "$run/merge.err")"
cat "$run/merge.err"
/usr/bin/python3 - "$run" <<'PY' || fail "merged output"
import json, sys
run = sys.argv[1]
parts = [json.load(open(f"{run}/parts/shard-{k}.json")) for k in range(3)]
for k, meta in enumerate(parts):
    assert meta["parts"] == 1, ("--resume with no output must be part 1", k, meta["parts"])
    assert meta["completed"] and len(meta["input"]["sha256"]) == 64, meta
expected = b"".join(open(f"{run}/parts/shard-{k}.ndjson", "rb").read() for k in range(3))
merged = open(f"{run}/all.ndjson", "rb").read()
assert merged == expected, "records are not the parts' bytes in shard order"
records = [json.loads(l) for l in merged.splitlines()]
hosts = [r for r in records if r["type"] == "host"]
keys = [(r["ip"], r["port"]) for r in hosts]
assert len(keys) == len(set(keys)) == 40, len(keys)
assert all(r["status"] == "connection-refused" for r in hosts)
errors = sorted(r["line"] for r in records if r["type"] == "error")
assert errors == [12, 13], errors
meta = json.load(open(f"{run}/all.json"))
assert meta["merged_from"] == [f"{run}/parts/shard-{k}.ndjson" for k in range(3)], meta["merged_from"]
assert "shard" not in meta and "missing_shards" not in meta and meta["completed"], meta
assert meta["seed"] == parts[0]["seed"] and meta["shards"] == 3
assert meta["input"]["sha256"] == parts[0]["input"]["sha256"]
assert meta["input"]["other_shards"] == 0 and meta["input"]["targets"] == 40, meta["input"]
assert meta["parts"] == 3
for key in ("host", "host_from_mx", "domain", "error"):
    assert meta["records"][key] == sum(p["records"][key] for p in parts), key
for group in ("by_status", "by_class", "by_anomaly"):
    want = {}
    for p in parts:
        for name, n in p["counts"][group].items():
            want[name] = want.get(name, 0) + n
    assert meta["counts"][group] == want, (group, meta["counts"][group], want)
t = meta["counts"]["targets"]
assert t["total"] == 40 and t["done"] == 40 and t["not_started"] == 0, t
assert "--resume" not in json.dumps(meta["flags"]) and "output-file" not in meta["flags"], meta["flags"]
print(f"merged {len(records)} records of 3 parts, sums agree")
PY

echo "== gzip and zstd parts"
copy packed
gzip "$run/packed/shard-1.ndjson"
zstd -q --rm "$run/packed/shard-2.ndjson"
"$scan_bin" merge -q -o "$run/packed.ndjson" -m "$run/packed.json" "$run/packed/shard-0.ndjson" \
  "$run/packed/shard-1.ndjson.gz" "$run/packed/shard-2.ndjson.zst" || fail "packed merge exited $?"
cmp -s "$run/packed.ndjson" "$run/all.ndjson" || fail "compressed parts merge differently"

echo "== an MX host two shards' domains shared"
copy shared
/usr/bin/python3 - "$run/shared" <<'PY'
import json, sys
run = sys.argv[1]
mx = ('{"type":"host","schema":1,"ip":"192.0.2.77","port":25,"source":"mx","names":["mx.example"],'
      '"status":"success","class":"compliant","anomalies":["bare_lf"],"attempts":1}\n')
for k in (0, 2):
    with open(f"{run}/shard-{k}.ndjson", "a") as f:
        f.write(mx)
    meta = json.load(open(f"{run}/shard-{k}.json"))
    meta["records"]["host"] += 1
    meta["records"]["host_from_mx"] += 1
    for group, name in (("by_status", "success"), ("by_class", "compliant"), ("by_anomaly", "bare_lf")):
        meta["counts"][group][name] = meta["counts"][group].get(name, 0) + 1
    json.dump(meta, open(f"{run}/shard-{k}.json", "w"))
PY
"$scan_bin" merge -o "$run/shared.ndjson" -m "$run/shared-all.json" "$run"/shared/shard-*.ndjson \
  2>"$run/shared.err" || fail "shared merge exited $?"
grep -q "1 host records of MX hosts shared between shards kept once" "$run/shared.err" \
  || fail "the shared MX host was not dropped once: $(cat "$run/shared.err")"
/usr/bin/python3 - "$run" <<'PY' || fail "shared endpoint"
import json, sys
run = sys.argv[1]
lines = open(f"{run}/shared.ndjson", "rb").read().splitlines()
mx = [l for l in lines if b'"192.0.2.77"' in l]
assert len(mx) == 1, len(mx)
# The first seen (shard 0's, the last line of its part) is kept in place.
part0 = open(f"{run}/shared/shard-0.ndjson", "rb").read().splitlines()
assert lines[:len(part0)] == part0
meta = json.load(open(f"{run}/shared-all.json"))
assert meta["records"]["host"] == 41 and meta["records"]["host_from_mx"] == 1, meta["records"]
assert meta["counts"]["by_status"] == {"connection-refused": 40, "success": 1}, meta["counts"]
assert meta["counts"]["by_class"] == {"compliant": 1} and meta["counts"]["by_anomaly"] == {"bare_lf": 1}
assert meta["counts"]["targets"]["done"] == 40
print("shared MX host kept once; counts are the sums less the dropped record")
PY

echo "== refusals"
refused missing "shard 2 of 3 is missing" "$run/parts/shard-0.ndjson" "$run/parts/shard-1.ndjson"
copy dup
cp "$run/dup/shard-1.ndjson" "$run/dup/zz-copy.ndjson"
cp "$run/dup/shard-1.json" "$run/dup/zz-copy.json"
refused duplicated "zz-copy.ndjson: shard 1 again \(also .*/dup/shard-1.ndjson\)" "$run"/dup/*.ndjson
copy incomplete
rm "$run/incomplete/shard-1.ndjson"
shard "$run/incomplete" 1 -n 3 || fail "bounded shard exited $?"
refused incomplete "incomplete/shard-1.ndjson: shard 1 is incomplete \(--max-targets reached" \
  "$run"/incomplete/shard-*.ndjson
copy seed
"${scan[@]}" -f "$run/input" -o "$run/seed/shard-1.ndjson" -m "$run/seed/shard-1.json" \
  --seed "$((seed + 1))" --shards 3 --shard 1 || fail "foreign-seed shard exited $?"
refused foreign-seed "seed/shard-1.ndjson: not a part of the same scan: seed $((seed + 1)) differs" \
  "$run"/seed/shard-*.ndjson
copy digest
echo "$net.40" >>"$run/input.other"
cat "$run/input" >>"$run/input.other"
"${scan[@]}" -f "$run/input.other" -o "$run/digest/shard-2.ndjson" -m "$run/digest/shard-2.json" \
  --seed "$seed" --shards 3 --shard 2 || fail "foreign-input shard exited $?"
refused foreign-digest "digest/shard-2.ndjson: not a part of the same scan: input digest [0-9a-f]{64} differs" \
  "$run"/digest/shard-*.ndjson
copy flags
rm "$run/flags/shard-0.ndjson"
shard "$run/flags" 0 --starttls never --rate 5000 || fail "foreign-flags shard exited $?"
refused foreign-flags "flags/shard-0.ndjson: not a part of the same scan: flags .*--starttls=never" \
  "$run"/flags/shard-*.ndjson
# Pacing and paths may differ between machines: not foreign.
copy pacing
rm "$run/pacing/shard-0.ndjson"
"${scan[@]}" --rate 5000 --concurrency 77 -f "$run/input" -o "$run/pacing/shard-0.ndjson" \
  -m "$run/pacing/shard-0.json" -l "$run/pacing/log" --seed "$seed" --shards 3 --shard 0 \
  || fail "pacing shard exited $?"
"$scan_bin" merge -q -o "$run/pacing.ndjson" -m "$run/pacing.json" "$run"/pacing/shard-*.ndjson \
  || fail "parts differing only in pacing and paths were refused"
copy nometa
rm "$run/nometa/shard-2.json"
refused no-metadata "nometa/shard-2.ndjson: no usable metadata beside it \(.*nometa/shard-2.json" \
  "$run"/nometa/shard-*.ndjson
copy short
sed -i '$d' "$run/short/shard-0.ndjson"
refused damaged "short/shard-0.ndjson: shard 0 is damaged: holds [0-9]+ host" "$run"/short/shard-*.ndjson

echo "== --allow-partial"
"$scan_bin" merge --allow-partial -o "$run/partial.ndjson" -m "$run/partial.json" \
  "$run"/incomplete/shard-*.ndjson 2>"$run/partial.err" || fail "--allow-partial exited $?"
cat "$run/partial.err"
grep -q "missing shards 1 of 3" "$run/partial.err" || fail "--allow-partial does not say what is missing"
grep -q "left out: .*incomplete/shard-1.ndjson: shard 1 is incomplete" "$run/partial.err" \
  || fail "--allow-partial does not name the incomplete part"
/usr/bin/python3 - "$run" <<'PY' || fail "partial merge"
import json, sys
run = sys.argv[1]
meta = json.load(open(f"{run}/partial.json"))
assert meta["missing_shards"] == [1] and meta["completed"] is False, meta
expected = b"".join(open(f"{run}/incomplete/shard-{k}.ndjson", "rb").read() for k in (0, 2))
assert open(f"{run}/partial.ndjson", "rb").read() == expected
s1 = json.load(open(f"{run}/parts/shard-1.json"))
assert meta["input"]["other_shards"] == s1["counts"]["targets"]["total"], meta["input"]
print("partial merge: shards 0 and 2, missing_shards [1]")
PY
"$scan_bin" merge --allow-partial -o "$run/p2.ndjson" -m "$run/p2.json" "$run/parts/shard-1.ndjson" \
  2>/dev/null || fail "--allow-partial with one shard exited $?"
/usr/bin/python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); assert m["missing_shards"] == [0, 2], m' \
  "$run/p2.json" || fail "missing_shards of a one-shard merge"

# Every metadata file above (one line each) against the schema, in one run of the validator:
# the parts' (written at the end; a killed part's start file is checked by the unit test),
# the merges', the partial merges'.
cat "$run/all.json" "$run"/parts/shard-*.json "$run/shared-all.json" "$run/partial.json" \
  "$run/p2.json" "$run/incomplete/shard-1.json" >"$run/metadata.ndjson"
/usr/bin/python3 "$top/tests/output/validate_ndjson.py" "$top/output/schema/metadata.schema.json" \
  "$run/metadata.ndjson" || fail "metadata does not validate against metadata.schema.json"

echo "== usage"
for args in "" "-o $run/x.ndjson $run/parts/shard-0.ndjson" "--bogus"; do
  # shellcheck disable=SC2086
  if "$scan_bin" merge $args 2>/dev/null; then fail "merge $args accepted"; else
    code=$?; [[ $code -eq 2 ]] || fail "merge $args: exit $code, wanted 2"; fi
done
"$scan_bin" merge --help | grep -q "allow-partial" || fail "merge --help"
echo "ok"
