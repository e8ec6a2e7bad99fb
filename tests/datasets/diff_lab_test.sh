#!/usr/bin/env bash
# `diff` on two lab scans of the same addresses whose behaviours differ in a known set of hosts
# (smtp-lab --assign): exactly the expected change records, with the expected fields changed
# and both sides' values, nothing for the hosts that stayed the same, the class transition
# matrix, and `report OLD NEW` showing the same transitions. The lab makes new keys each
# time it starts, so every host with a certificate in both scans also changes fingerprint.
#   diff_lab_test.sh TOP BIN_DIR
set -euo pipefail
top=$1 bin=$2
run=$(mktemp -d /tmp/starttls-diff-lab.XXXXXX)
cleanup() {
  "$top/scripts/lab/lab.sh" stop "$run/lab-old" || true
  "$top/scripts/lab/lab.sh" stop "$run/lab-new" || true
  [[ -n ${KEEP_RUN:-} ]] || rm -rf "$run"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

net="127.$((100 + RANDOM % 100)).$((RANDOM % 200))"
port=$((20000 + RANDOM % 12000))
# address suffix -> behaviour, old and new ('-' = not a target in that scan).
cat >"$run/plan" <<'PLAN'
1 compliant compliant
2 compliant compliant
3 compliant compliant
4 compliant compliant
5 compliant compliant
6 compliant compliant
7 compliant compliant
8 compliant compliant
9 compliant compliant
10 compliant compliant
11 compliant misordered
12 misordered compliant
13 compliant no_starttls
14 compliant tls_expired
15 compliant tls12_only
16 compliant connection_refused
17 compliant -
18 - compliant
19 no_starttls no_starttls
20 no_starttls no_starttls
21 connection_refused connection_refused
PLAN

scan() {  # scan NAME COLUMN
  local name=$1 column=$2
  awk -v net="$net" -v c="$column" '$c != "-" { print net "." $1 " " $c }' "$run/plan" >"$run/assign-$name"
  awk -v net="$net" -v c="$column" '$c != "-" { n = net "." $1; m = n; gsub(/\./, "-", m); print n ",mx-" m ".lab.test" }' \
    "$run/plan" >"$run/targets-$name"
  "$top/scripts/lab/lab.sh" start "$run/lab-$name" "$bin/smtp-lab" --addresses "$net.1-$net.21" --port "$port" \
    --assign "$run/assign-$name" --latency-ms 1-10
  "$bin/starttls-scan" --allow-reserved --quiet --port "$port" --rate 0 --input-file "$run/targets-$name" \
    --ca-file "$run/lab-$name/ca.pem" --banner-timeout 5 --command-timeout 5 --session-timeout 20 \
    --output-file "$run/$name.ndjson" --metadata-file "$run/$name.json" || fail "scan $name exited $?"
  "$top/scripts/lab/lab.sh" stop "$run/lab-$name"
}
scan old 2
scan new 3

"$bin/starttls-scan" diff -o "$run/changes.ndjson" "$run/old.ndjson" "$run/new.ndjson" 2>"$run/summary.txt" ||
  fail "diff exited $?"
cat "$run/summary.txt"
"$bin/starttls-scan" diff --format json --quiet -o "$run/diff.json" "$run/old.ndjson" "$run/new.ndjson"
"$bin/starttls-scan" report --format json -o "$run/report.json" "$run/old.ndjson" "$run/new.ndjson"
/usr/bin/python3 "$top/tests/output/validate_ndjson.py" "$top/output/schema/starttls-scan.schema.json" \
  "$run/changes.ndjson" >/dev/null || fail "change records do not validate against the schema"

python3 - "$run/changes.ndjson" "$run/diff.json" "$run/report.json" "$net" "$port" <<'PY' || fail "diff is not what the lab changed"
import json, sys
changes = {}
for line in open(sys.argv[1]):
    c = json.loads(line)
    assert c["kind"] == "host", c
    changes[c["key"]] = c
net, port = sys.argv[4], sys.argv[5]
key = lambda n: "%s.%d:%s" % (net, n, port)
fp = "fingerprint"
expected = {n: [fp] for n in range(1, 11)}
expected.update({11: ["class", fp], 12: ["class", fp], 13: ["class", "tls_version", "trusted", fp],
                 14: ["trusted", fp], 15: ["tls_version", fp], 16: ["status", "class", "tls_version", "trusted", fp],
                 17: ["disappeared"], 18: ["appeared"]})
problems = []
for n, what in expected.items():
    got = changes.get(key(n))
    if got is None or got["what"] != what:
        problems.append("%s: want %s, got %s" % (key(n), what, got and got["what"]))
for n in (19, 20, 21):
    if key(n) in changes:
        problems.append("%s did not change but has %s" % (key(n), changes[key(n)]["what"]))
if len(changes) != len(expected):
    problems.append("%d change records, want %d" % (len(changes), len(expected)))
assert not problems, "\n".join(problems)
c = changes
assert (c[key(11)]["old"]["class"], c[key(11)]["new"]["class"]) == ("compliant", "starttls_misordered")
assert (c[key(14)]["old"]["trusted"], c[key(14)]["new"]["trusted"]) == (True, False)
assert (c[key(15)]["old"]["tls_version"], c[key(15)]["new"]["tls_version"]) == ("TLSv1.3", "TLSv1.2")
assert c[key(16)]["new"]["status"] == "connection-refused" and c[key(16)]["new"]["class"] is None
assert c[key(17)]["new"] is None and c[key(18)]["old"] is None
assert c[key(1)]["old"][fp] != c[key(1)]["new"][fp] and len(c[key(1)]["new"][fp]) == 64

matrix = json.load(open(sys.argv[2]))["transitions"]["class"]
want = {"compliant": {"compliant": 12, "starttls_misordered": 1, "no_starttls": 1, "none": 1, "absent": 1},
        "starttls_misordered": {"compliant": 1}, "absent": {"compliant": 1},
        "no_starttls": {"no_starttls": 2}, "none": {"none": 1}}
assert matrix == want, matrix
report = json.load(open(sys.argv[3]))
assert report["diff"]["transitions"] == json.load(open(sys.argv[2]))["transitions"]
assert [s["files"][0].rsplit("/", 1)[1] for s in report["scans"]] == ["old.ndjson", "new.ndjson"]
print("diff: %d change records as the lab changed them; transitions agree with report" % len(changes))
PY
grep -q "host class (rows: old, columns: new)" "$run/summary.txt" || fail "no transition matrix on stderr"
echo "ok"
