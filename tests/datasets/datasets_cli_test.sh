#!/usr/bin/env bash
# The dataset subcommands as users run them, on the checked-in lab scan and ZGrab2 examples:
# --help everywhere, errors naming the flag or file, the same figures from plain, gzip and zstd
# input (by content, whatever the name), the metadata beside the scan, re-judged ZGrab2 scans
# as a trend, diff of a scan with itself, change records converted to CSV, records valid
# against the schema.
#   datasets_cli_test.sh TOP STARTTLS_SCAN
set -euo pipefail
top=$1 scan=$2
data=$top/tests/datasets/data
work=$(mktemp -d /tmp/starttls-datasets-cli.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
validate() { /usr/bin/python3 "$top/tests/output/validate_ndjson.py" "$top/output/schema/starttls-scan.schema.json" "$1" >/dev/null; }

# Help texts are captured first: grep -q stops reading early, which pipefail would count.
top_help=$("$scan" --help)
for command in convert report diff; do
  grep -q "^  $command " <<<"$top_help" || fail "top-level --help does not list $command"
  help=$("$scan" "$command" --help)
  grep -q -- "--help" <<<"$help" || fail "$command --help lists no flags"
  err=$("$scan" "$command" --bogus 2>&1) && fail "$command accepted --bogus"
  echo "$err" | grep -q -- "--bogus" || fail "$command: error does not name the flag: $err"
done
help=$("$scan" classify --help)
grep -q -- "--input-format" <<<"$help" || fail "classify --help lacks --input-format"
help=$("$scan" report --help)
grep -q -- "-o, --output FILE" <<<"$help" || fail "report --help lacks -o"
err=$("$scan" report "$work/missing.ndjson" 2>&1) && fail "report of a missing file succeeded"
echo "$err" | grep -q "missing.ndjson" || fail "error does not name the file: $err"
err=$("$scan" diff "$data/lab-scan.ndjson" 2>&1) && fail "diff with one scan succeeded"
err=$("$scan" convert "$data/lab-scan.ndjson" 2>&1) && fail "convert without --to succeeded"

# Plain, gzip and zstd, with names that do not say which: the same figures.
cp "$data/lab-scan.ndjson" "$work/plain.ndjson"
gzip -c "$data/lab-scan.ndjson" >"$work/gzip.ndjson"
zstd -q -c "$data/lab-scan.ndjson" >"$work/zstd.ndjson.gz"
for name in plain.ndjson gzip.ndjson zstd.ndjson.gz; do
  "$scan" report --format json -o "$work/$name.json" "$work/$name" || fail "report $name exited $?"
done
python3 - "$work" <<'PY' || fail "figures differ between plain, gzip and zstd input"
import json, sys
def figures(name):
    report = json.load(open("%s/%s.json" % (sys.argv[1], name)))
    for key in ("files", "metadata_file"):
        report.pop(key)
    return report
plain = figures("plain.ndjson")
assert figures("gzip.ndjson") == plain and figures("zstd.ndjson.gz") == plain
assert plain["hosts"]["total"] > 50 and plain["domains"]["total"] == 90, plain["hosts"]["total"]
PY

# The metadata beside the scan (x.ndjson -> x.json) gives the scan's own figures.
"$scan" report --format json -o "$work/meta.json" "$data/lab-scan.ndjson"
python3 - "$work/meta.json" "$data/lab-scan.json" <<'PY' || fail "metadata not used"
import json, sys
report, meta = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert report["scan"]["times_from"] == "metadata" and report["scan"]["start"] == meta["start"], report["scan"]
assert report["scan"]["targets"] == meta["counts"]["targets"]["total"]
assert report["scan"]["input_errors"] == 1  # the lab scan's one bad input line
PY
"$scan" report -o "$work/page.html" "$work/gzip.ndjson" || fail "report html exited $?"
grep -q "<svg" "$work/page.html" && ! grep -qi "<script" "$work/page.html" || fail "page has no chart or has a script"

# ZGrab2 scans re-judged, then a trend of the two; their records validate.
for year in 2019 2024; do
  "$scan" classify --input-format zgrab2 "$data/zgrab2-$year.jsonl" >"$work/zgrab2-$year.ndjson"
  validate "$work/zgrab2-$year.ndjson" || fail "re-judged $year records do not validate"
done
"$scan" classify --input-format zgrab2 <"$top/tests/vectors/zgrab2-smtp.jsonl" >"$work/vectors.ndjson"
validate "$work/vectors.ndjson" || fail "re-judged vector records do not validate"
"$scan" report --format json -o "$work/trend.json" "$work/zgrab2-2024.ndjson" "$work/zgrab2-2019.ndjson"
python3 - "$work/trend.json" <<'PY' || fail "ZGrab2 trend is wrong"
import json, sys
report = json.load(open(sys.argv[1]))
starts = [s["scan"]["start"] for s in report["scans"]]
assert starts == ["2019-06-01T16:00:00.000Z", "2024-06-01T12:00:00.123Z"], starts
assert report["hosts"]["by_class"]["starttls_misordered"] == 3  # the newest scan on top
assert report["scans"][0]["hosts"]["by_class"]["starttls_misordered"] == 2
assert report["diff"]["changes_by_what"] == {"appeared": 1, "class": 2, "disappeared": 1}
PY

# diff of a scan with itself: nothing; diff of the ZGrab2 years: change records, also as CSV.
"$scan" diff --quiet "$data/lab-scan.ndjson" "$work/zstd.ndjson.gz" >"$work/none.ndjson"
[[ ! -s $work/none.ndjson ]] || fail "a scan differs from itself: $(head -2 "$work/none.ndjson")"
"$scan" diff --quiet -o "$work/changes.ndjson" "$work/zgrab2-2019.ndjson" "$work/zgrab2-2024.ndjson"
validate "$work/changes.ndjson" || fail "change records do not validate"
[[ $(wc -l <"$work/changes.ndjson") -eq 4 ]] || fail "want 4 changes: $(cat "$work/changes.ndjson")"
"$scan" convert --to csv -o "$work/changes.csv" "$work/changes.ndjson" 2>/dev/null
head -1 "$work/changes.csv" | grep -q "^type,schema,kind,key,what,old.status" || fail "change CSV header: $(head -1 "$work/changes.csv")"
[[ $(wc -l <"$work/changes.csv") -eq 5 ]] || fail "change CSV rows"
echo "ok"
