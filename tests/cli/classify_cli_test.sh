#!/usr/bin/env bash
# The classify subcommand as a user runs it: exit codes, one record per input line,
# errors naming lines and flags, --help for every level.
set -euo pipefail
scan=$1
vectors=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
fail() { echo "FAIL: $*"; exit 1; }

help=$("$scan" --help)
grep -q classify <<<"$help" || fail "top-level --help does not list classify"
grep -q -- "--input-file" <<<"$help" || fail "top-level --help does not show the scan's flags"
help=$("$scan" classify --help)
grep -q -- "--raw" <<<"$help" || fail "classify --help does not document --raw"

out=$("$scan" classify < "$vectors")
[ "$(echo "$out" | wc -l)" -eq "$(grep -c . "$vectors")" ] || fail "not one record per line"
records=$(mktemp); trap 'rm -f "$records"' EXIT
echo "$out" > "$records"
/usr/bin/python3 "$top/tests/output/validate_ndjson.py" "$top/output/schema/starttls-scan.schema.json" \
  "$records" || fail "classify output does not validate against the JSON Schema"

err=$("$scan" classify --bogus 2>&1 </dev/null) && fail "unknown flag accepted"
echo "$err" | grep -q -- "--bogus" || fail "error does not name the flag: $err"

out=$(printf 'garbage\n' | "$scan" classify)
echo "$out" | grep -q '"line 1: ' || fail "error record does not name the line: $out"

out=$(printf '250-STARTTLS\r\n250-mx.example.com\r\n250 SIZE 1\r\n' | "$scan" classify --raw)
echo "$out" | grep -q "starttls_misordered" || fail "--raw verdict missing: $out"
echo "ok"
