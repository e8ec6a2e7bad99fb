#!/usr/bin/env bash
# Issue 11 on the lab (a real NSD serving the lab's zone, smtp-lab's hosts):
#   - N in {1, 2, 3, 7} shards over a CIDR plus domains (with comments, garbage and
#     duplicates in the input) scan every target exactly once, shard sizes within one,
#     each invalid line recorded once, and every shard's accounting reconciles;
#   - --dryrun prints exactly a shard's targets, the same bytes twice; the seed round-trips;
#   - a domain that reaches an endpoint under another MX name gets its own name judged;
#   - standard input streams (a slow producer is scanned before it ends), ZMap CSV is read;
#   - -n stops at N targets (exit 0, --resume finishes), -u writes the status CSV, -l takes
#     the diagnostics, --metadata-file - writes to stderr.
#   survey_ops_test.sh TOP BIN_DIR
set -euo pipefail
top=$1 bin=$2
source "$top/tests/lab_fixture.sh"
lab_fixture survey-ops
# Two names for one host: its certificate is for mx-<address>, not for other-name. The host is
# pinned to compliant: the seeded pick depends on the address, and $net is random.
host_ip="$net.0.7"
echo "$host_ip compliant" >"$run/assign.txt"
"$top/scripts/lab/lab.sh" start "$run/lab" "$bin/smtp-lab" --addresses "$net.0.1-$net.1.44" \
  --port "$port" --domains 60 --dns-address "$net.250.1" --lame-ns "$net.250.53" \
  --weights compliant=4,no_starttls=2,misordered=2 --assign "$run/assign.txt"
host_mx="mx-${host_ip//./-}.lab.test"
cat >>"$run/lab/lab.test.zone" <<ZONE
own-name IN MX 10 $host_mx.
other-name IN MX 10 other.lab.test.
other IN A $host_ip
ZONE
"$top/scripts/lab/nsd.sh" start "$run/lab" "$net.250.1" "$dns_port" >/dev/null
scan=("$bin/starttls-scan" --allow-reserved -q -p "$port" --mx-port "$port" --rate 0
      --max-per-prefix 0 --resolver "$net.250.1:$dns_port" --dns-timeout 1 --banner-timeout 5
      --ca-file "$run/lab/ca.pem")

{
  echo "# a survey input: a /24, domains, duplicates, garbage"
  echo "$net.0.0/24"
  python3 -c 'import json,sys
for l in open(sys.argv[1]): print(json.loads(l)["domain"])' "$run/lab/domains.ndjson"
  echo ""
  echo "$net.0.9"
  echo "not a target at all!"
  echo "own-name.lab.test"
  echo "other-name.lab.test"
  echo "OWN-NAME.lab.test."
  echo "1.2.3.4/99"
  echo "$net.1.0/30"
} >"$run/input"
seed=18446744073709551615

echo "== shards"
for shards in 1 2 3 7; do
  for ((shard = 0; shard < shards; shard++)); do
    "${scan[@]}" --starttls never -f "$run/input" -o "$run/s$shards-$shard.ndjson" \
      -m "$run/s$shards-$shard.json" --seed "$seed" --shards "$shards" --shard "$shard" \
      || fail "shard $shard of $shards exited $?"
  done
done
python3 - "$run" <<'PY' || fail "shards do not cover the targets exactly once"
import json, sys, collections
run = sys.argv[1]
for shards in (1, 2, 3, 7):
    seen = collections.Counter()
    errors = collections.Counter()
    sizes = []
    inputs = []
    for shard in range(shards):
        meta = json.load(open(f"{run}/s{shards}-{shard}.json"))
        records = [json.loads(l) for l in open(f"{run}/s{shards}-{shard}.ndjson")]
        i = meta["input"]
        assert meta["seed"] == "18446744073709551615", meta["seed"]
        assert meta["completed"] is True and meta["running"] is False, meta
        assert i["lines"] + i["expanded"] == i["skipped"] + i["invalid"] + i["duplicates"] + i["targets"], i
        mine = [r for r in records if r["type"] == "domain" or
                (r["type"] == "host" and r["source"] == "input")]
        assert len(mine) == i["targets"] - i["other_shards"], (len(mine), i)
        assert meta["counts"]["targets"]["done"] == len(mine), meta["counts"]["targets"]
        for r in mine:
            seen[r["domain"] if r["type"] == "domain" else f'{r["ip"]}:{r["port"]}'] += 1
        for r in records:
            if r["type"] == "error":
                errors[r["line"]] += 1
        # MX hosts of this shard's domains that are not its input targets: source mx, no line.
        for r in records:
            if r["type"] == "host" and r["source"] == "mx":
                assert "line" not in r, r
        sizes.append(len(mine))
        inputs.append({k: v for k, v in i.items() if k != "other_shards"})
    total = inputs[0]["targets"]
    assert all(x == inputs[0] for x in inputs), inputs
    assert len(seen) == total and set(seen.values()) == {1}, (shards, len(seen), total)
    assert set(errors.values()) == {1} and len(errors) == inputs[0]["invalid"], errors
    assert max(sizes) - min(sizes) <= 1, (shards, sizes)
    print(f"{shards} shards: {total} targets, sizes {sizes}, {len(errors)} invalid lines once each")
PY

echo "== --dryrun: the shard's targets, in a fixed order"
"${scan[@]}" -f "$run/input" --seed "$seed" --shards 3 --shard 1 -d >"$run/dry1"
"${scan[@]}" -f "$run/input" --seed "$seed" --shards 3 --shard 1 -d >"$run/dry2"
cmp -s "$run/dry1" "$run/dry2" || fail "two dry runs differ"
python3 - "$run/dry1" "$run/s3-1.ndjson" "$port" <<'PY' || fail "dry run is not the shard's targets"
import json, sys
dry = [l.strip() for l in open(sys.argv[1])]
records = [json.loads(l) for l in open(sys.argv[2])]
scanned = {r["domain"] if r["type"] == "domain" else r["ip"] for r in records
           if r["type"] == "domain" or (r["type"] == "host" and r["source"] == "input")}
assert len(dry) == len(set(dry)) and set(dry) == scanned, (len(dry), len(scanned))
print(f"dry run: {len(dry)} targets, the same as shard 1 of 3 scanned")
PY

echo "== every MX name judged by the name its domain uses"
python3 - "$run/s1-0.ndjson" "$host_ip" <<'PY' || fail "per-domain name match"
import json, sys
domains = {r["domain"]: r for r in map(json.loads, open(sys.argv[1])) if r["type"] == "domain"}
ip = sys.argv[2]
own = [e for e in domains["own-name.lab.test"]["endpoints"] if e["ip"] == ip]
other = [e for e in domains["other-name.lab.test"]["endpoints"] if e["ip"] == ip]
assert own and other, (own, other)
# --starttls never: no TLS facts yet; the TLS run below checks the match.
assert own[0]["tls"] is None and own[0]["mx"].startswith("mx-"), own
PY
"${scan[@]}" own-name.lab.test other-name.lab.test >"$run/names.ndjson" || fail "names scan exited $?"
python3 - "$run/names.ndjson" "$host_ip" <<'PY' || fail "per-domain name match"
import json, sys
records = [json.loads(l) for l in open(sys.argv[1])]
hosts = [r for r in records if r["type"] == "host"]
assert len(hosts) == 1 and hosts[0]["attempts"] == 1, hosts  # one session for both names
domains = {r["domain"]: r for r in records if r["type"] == "domain"}
own = domains["own-name.lab.test"]["endpoints"][0]
other = domains["other-name.lab.test"]["endpoints"][0]
assert hosts[0]["status"] == "success", (hosts[0]["status"], hosts[0].get("error"))
assert own["tls"]["hostname_match"] is True and own["tls"]["handshake"] is True, own
assert other["mx"] == "other.lab.test" and other["tls"]["hostname_match"] is False, other
print("one session; own-name matches, other-name does not")
PY

echo "== standard input streams; ZMap CSV"
fifo="$run/fifo"
mkfifo "$fifo"
"${scan[@]}" --starttls never -f - -o "$run/stream.ndjson" <"$fifo" &
scan_pid=$!
exec 7>"$fifo"
echo "$net.0.21" >&7
echo "$net.0.22" >&7
# The two records must come while the producer is paused (the pipe stays open): wait for
# them up to 15 s (a slow, sanitized build), never for the end of the input.
early=0
for _ in $(seq 1 75); do
  early=$(grep -c '"type":"host"' "$run/stream.ndjson" 2>/dev/null || true)
  [[ $early -ge 2 ]] && break
  sleep 0.2
done
echo "$net.0.23" >&7
exec 7>&-
wait "$scan_pid" || fail "streaming scan exited $?"
[[ $early -eq 2 ]] || fail "a paused producer's lines waited for its end ($early records after 15 s)"
[[ $(grep -c '"type":"host"' "$run/stream.ndjson") -eq 3 ]] || fail "streamed records"
printf 'saddr,sport\n%s,%s\n%s,%s\n' "$net.0.31" "$port" "$net.0.32" "$port" \
  | "$bin/starttls-scan" --allow-reserved -q --rate 0 --starttls never -f - -o "$run/zmap.ndjson" \
  || fail "ZMap CSV scan exited $?"
python3 - "$run/zmap.ndjson" "$port" <<'PY' || fail "ZMap CSV rows"
import json, sys
hosts = [json.loads(l) for l in open(sys.argv[1])]
assert sorted(h["ip"].rsplit(".", 1)[1] for h in hosts) == ["31", "32"], hosts
assert all(h["port"] == int(sys.argv[2]) and h["status"] == "success" for h in hosts), hosts
PY

echo "== -n stops at N targets; --resume finishes; -u, -l, --metadata-file -"
for i in $(seq 40 79); do echo "$net.0.$i"; done >"$run/forty"
"${scan[@]}" --starttls never -f "$run/forty" -o "$run/bounded.ndjson" -m "$run/bounded.json" \
  -n 10 -u "$run/status.csv" -l "$run/log.txt" --seed 3 2>"$run/stderr" \
  || fail "-n 10 exited $?, wanted 0"
[[ $(wc -l <"$run/bounded.ndjson") -eq 10 ]] || fail "-n 10 wrote $(wc -l <"$run/bounded.ndjson") records"
grep -q "scan incomplete: --max-targets reached" "$run/log.txt" || fail "log: $(cat "$run/log.txt")"
[[ ! -s $run/stderr ]] || fail "diagnostics went to stderr with -l: $(cat "$run/stderr")"
head -1 "$run/status.csv" | grep -q "^real-time,time-elapsed," || fail "status CSV header"
"${scan[@]}" --starttls never -f "$run/forty" -o "$run/bounded.ndjson" -m "$run/bounded.json" \
  --seed 3 --resume || fail "resume exited $?"
python3 - "$run/bounded.ndjson" "$run/bounded.json" <<'PY' || fail "resume after -n"
import json, sys, collections
records = [json.loads(l) for l in open(sys.argv[1])]
meta = json.load(open(sys.argv[2]))
assert len(records) == 40 and len({r["ip"] for r in records}) == 40, len(records)
assert meta["parts"] == 2 and meta["completed"] is True, meta
by_status = collections.Counter(r["status"] for r in records)
assert meta["counts"]["by_status"] == dict(by_status), (meta["counts"]["by_status"], by_status)
assert meta["records"]["host"] == 40 and meta["counts"]["targets"]["done"] == 40, meta["records"]
print("resumed to 40 records over 2 parts; counts cover both")
PY
"${scan[@]}" --starttls never "$net.0.50" -m - >/dev/null 2>"$run/meta-stderr" || fail "-m - exited $?"
python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); assert m["type"]=="metadata", m' \
  "$run/meta-stderr" || fail "--metadata-file - did not write the metadata to stderr"

"$top/scripts/lab/nsd.sh" stop "$run/lab" >/dev/null
"$top/scripts/lab/lab.sh" stop "$run/lab"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["forbidden_total"]==0, s' \
  "$run/lab/stats.json" || fail "forbidden commands reached the lab"
/usr/bin/python3 "$top/tests/output/validate_ndjson.py" "$top/output/schema/starttls-scan.schema.json" \
  "$run/s3-0.ndjson" || fail "records do not validate"
/usr/bin/python3 "$top/tests/output/validate_ndjson.py" "$top/output/schema/metadata.schema.json" \
  "$run/s3-0.json" || fail "metadata does not validate"
echo "ok"
