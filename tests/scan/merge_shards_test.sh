#!/usr/bin/env bash
# Issue 12 §3 on the lab (smtp-lab's hosts, a real NSD serving its zone): one scan split into
# 3 shards with a seed (addresses of the first 140 hosts and all the lab's domains, whose MX
# hosts spread over all 200, so shards' domains share MX hosts), each shard run as the job
# scripts run it (--resume from nothing), then `starttls-scan merge`: every target exactly
# once, every host record agreeing with the lab's truth, every domain record with the
# domain truth, each endpoint once although several shards scanned some, the metadata's
# counts those of the merged records and valid against the schema.
#   merge_shards_test.sh TOP BIN_DIR
set -euo pipefail
top=$1 bin=$2
source "$top/tests/lab_fixture.sh"
lab_fixture merge-shards
"$top/scripts/lab/lab.sh" start "$run/lab" "$bin/smtp-lab" --addresses "$net.0.1-$net.0.200" \
  --port "$port" --domains 80 --dns-address "$net.250.1" --lame-ns "$net.250.53" \
  --weights compliant=4,no_starttls=2,misordered=2,starttls_lowercase=1,connection_refused=1
"$top/scripts/lab/nsd.sh" start "$run/lab" "$net.250.1" "$dns_port" >/dev/null
/usr/bin/python3 - "$run/lab" "$run/input" <<'PY'
import json, sys
lab, out = sys.argv[1], sys.argv[2]
truth = [json.loads(l) for l in open(f"{lab}/truth.ndjson")]
with open(out, "w") as f:
    for t in truth[:140]:
        f.write(f'{t["ip"]},{t["mx"]}\n')
    for line in open(f"{lab}/domains.ndjson"):
        f.write(json.loads(line)["domain"] + "\n")
PY
seed=$((RANDOM * 32768 + RANDOM))
start=$(date +%s)
for k in 0 1 2; do
  "$bin/starttls-scan" --resume --allow-reserved -q -p "$port" --mx-port "$port" --rate 0 \
    --max-per-prefix 0 --resolver "$net.250.1:$dns_port" --dns-timeout 1 --banner-timeout 5 \
    --starttls never -f "$run/input" -o "$run/shard-$k.ndjson" -m "$run/shard-$k.json" \
    --seed "$seed" --shards 3 --shard "$k" || fail "shard $k exited $?"
done
echo "3 shards scanned in $(($(date +%s) - start)) s"
"$top/scripts/lab/nsd.sh" stop "$run/lab" >/dev/null
"$top/scripts/lab/lab.sh" stop "$run/lab"

# Glob order (shard-0, shard-1, shard-2) is shard order here; merge sorts anyway.
"$bin/starttls-scan" merge -o "$run/all.ndjson" -m "$run/all.json" "$run"/shard-2.ndjson \
  "$run"/shard-0.ndjson "$run"/shard-1.ndjson || fail "merge exited $?"

/usr/bin/python3 - "$run" <<'PY' || fail "merged scan"
import collections, json, sys
run = sys.argv[1]
inputs = [l.strip() for l in open(f"{run}/input")]
addresses = {l.split(",")[0] for l in inputs if "," in l}
domains = {l for l in inputs if "," not in l}
records = [json.loads(l) for l in open(f"{run}/all.ndjson")]
hosts = [r for r in records if r["type"] == "host"]
endpoints = collections.Counter((r["ip"], r["port"]) for r in hosts)
assert set(endpoints.values()) == {1}, [k for k, n in endpoints.items() if n > 1][:5]
own = collections.Counter(r["ip"] for r in hosts if r["source"] == "input")
assert set(own) == addresses and set(own.values()) == {1}, (len(own), len(addresses))
seen = collections.Counter(r["domain"] for r in records if r["type"] == "domain")
assert set(seen) == domains and set(seen.values()) == {1}, (len(seen), len(domains))
# The parts had MX hosts that several shards scanned: merge kept each once.
part_endpoints = collections.Counter()
for k in range(3):
    for line in open(f"{run}/shard-{k}.ndjson"):
        r = json.loads(line)
        if r["type"] == "host":
            part_endpoints[(r["ip"], r["port"])] += 1
shared = [k for k, n in part_endpoints.items() if n > 1]
assert shared, "no endpoint was scanned by two shards: the test does not test sharing"
assert set(part_endpoints) == set(endpoints)
meta = json.load(open(f"{run}/all.json"))
assert meta["completed"] and meta["records"]["host"] == len(hosts), meta["records"]
assert meta["records"]["domain"] == len(domains)
assert meta["records"]["host_from_mx"] == sum(1 for r in hosts if r["source"] == "mx")
status = collections.Counter(r["status"] for r in hosts)
assert meta["counts"]["by_status"] == dict(status), (meta["counts"]["by_status"], status)
assert meta["counts"]["targets"]["done"] == len(addresses) + len(domains) == meta["counts"]["targets"]["total"]
# Every address the merged output has, with the truth of those addresses.
truth = [json.loads(l) for l in open(f"{run}/lab/truth.ndjson")]
with open(f"{run}/truth-scanned.ndjson", "w") as f:
    for t in truth:
        if (t["ip"], t["port"]) in endpoints:
            f.write(json.dumps(t) + "\n")
with open(f"{run}/hosts.ndjson", "w") as f:
    for r in hosts:
        f.write(json.dumps(r) + "\n")
print(f"{len(hosts)} host records ({len(shared)} endpoints scanned by several shards, kept once), "
      f"{len(seen)} domain records, each target once")
PY
/usr/bin/python3 "$top/tests/scan/compare_truth.py" "$run/truth-scanned.ndjson" "$run/hosts.ndjson" \
  | tail -5 | tee "$run/compare-hosts"
grep -q " 0 problems$" "$run/compare-hosts" || fail "host records disagree with the lab's truth"
/usr/bin/python3 "$top/tests/scan/compare_domains.py" "$run/lab/domains.ndjson" "$run/all.ndjson" direct \
  | tail -5 | tee "$run/compare-domains"
grep -q " 0 problems$" "$run/compare-domains" || fail "domain records disagree with the truth"
/usr/bin/python3 "$top/tests/output/validate_ndjson.py" "$top/output/schema/metadata.schema.json" \
  "$run/all.json" || fail "merged metadata does not validate"
/usr/bin/python3 "$top/tests/output/validate_ndjson.py" "$top/output/schema/starttls-scan.schema.json" \
  "$run/all.ndjson" || fail "merged records do not validate"
echo "ok"
