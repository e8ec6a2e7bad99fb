#!/usr/bin/env bash
# The dataset tools at survey scale: two synthetic scans of RECORDS records each (default
# 5,800,000; build/bin/synthetic-scan, "this quarter" and "the next" with a known share of
# changed hosts), then wall time and peak RSS (GNU time) of
#   report --format json (and html) of one scan        target: < 60 s, < 1 GiB
#   report of its gzip and zstd copies
#   diff of the two scans                              target: < 2 min, < 2 GiB
#   convert --to csv of one scan
# Report outputs are named report-*.json: never x.json beside x.ndjson, which is where report
# looks for a scan's metadata.
# CPU heavy (minutes on two cores) and disk hungry (~15 GB at the default size): run it alone.
#   bench/datasets/datasets_bench.sh [RECORDS] [WORKDIR]   (binaries from build/bin)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
records=${1:-5800000}
work=${2:-$(mktemp -d /tmp/starttls-datasets-bench.XXXXXX)}
bin=$top/build/bin
mkdir -p "$work"
for program in starttls-scan synthetic-scan; do
  [[ -x $bin/$program ]] || { echo "build $program first (cmake --build build --target $program)" >&2; exit 2; }
done
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)" >&2; exit 2; }

measure() {  # measure LABEL COMMAND...: one line "label  seconds  peak RSS"
  local label=$1
  shift
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >/dev/null 2>"$work/stderr.txt" ||
    { echo "$label failed:"; cat "$work/stderr.txt"; exit 1; }
  read -r seconds kb <"$work/time.txt"
  printf "%-44s %8.1f s %9.0f MiB\n" "$label" "$seconds" "$((kb / 1024))"
}

old=$work/q1.ndjson new=$work/q2.ndjson
if [[ ! -s $old || ! -s $new ]]; then
  echo "generating two scans of $records records in $work"
  measure "generate q1 (synthetic-scan)" sh -c "'$bin/synthetic-scan' --records $records > '$old'"
  measure "generate q2 (--generation 2)" sh -c "'$bin/synthetic-scan' --records $records --generation 2 > '$new'"
fi
[[ -s $old.gz ]] || measure "gzip -1 q1 (for the input test)" sh -c "gzip -1 -c '$old' > '$old.gz'"
[[ -s $old.zst ]] || measure "zstd -3 -T2 q1 (for the input test)" zstd -q -f -3 -T2 "$old" -o "$old.zst"
ls -l "$old" "$new" "$old.gz" "$old.zst" | awk '{printf "  %-40s %7.2f GB\n", $NF, $5 / 1e9}'
printf "  %s records in q1, %s in q2\n" "$(wc -l <"$old")" "$(wc -l <"$new")"

echo "tool                                          wall      peak RSS"
measure "report --format json q1" "$bin/starttls-scan" report --format json -o "$work/report-plain.json" "$old"
measure "report (html) q1" "$bin/starttls-scan" report -o "$work/report.html" "$old"
measure "report --format json q1.ndjson.gz" "$bin/starttls-scan" report --format json -o "$work/report-gz.json" "$old.gz"
measure "report --format json q1.ndjson.zst" "$bin/starttls-scan" report --format json -o "$work/report-zst.json" "$old.zst"
measure "diff q1 q2 (change records)" "$bin/starttls-scan" diff -o "$work/changes.ndjson" "$old" "$new"
measure "convert --to csv q1" "$bin/starttls-scan" convert --to csv -o "$work/q1.csv" "$old"
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
plain = json.load(open(work + "/report-plain.json"))
for name in ("report-gz.json", "report-zst.json"):
    other = json.load(open(work + "/" + name))
    for key in ("files", "metadata_file"):
        other.pop(key); plain.pop(key, None)
    assert other == plain, name + " differs from the plain scan's figures"
print("  gzip and zstd figures equal the plain file's; %d hosts, %d domains" % (plain["hosts"]["total"], plain["domains"]["total"]))
PY
printf "  %s change records\n" "$(wc -l <"$work/changes.ndjson")"
echo "work files in $work (remove when done)"
