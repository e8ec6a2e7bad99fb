#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, and runs the main job on
# the built-in demo population, ending with a per-class summary table.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

"$top/scripts/install-deps.sh"
"$top/scripts/build.sh" "$top/build"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
transcripts=("$top/tests/classify/extra_vectors.jsonl")
[ -f "$top/../shared/vectors/ehlo.jsonl" ] && transcripts+=("$top/../shared/vectors/ehlo.jsonl")
echo "== classifying $(cat "${transcripts[@]}" | wc -l) bundled transcripts"
cat "${transcripts[@]}" | "$top/build/bin/starttls-scan" classify > "$out/results.ndjson"
echo "== the Cisco ESA example, explained"
printf '250-STARTTLS\r\n250-mail.domain1.com\r\n250-8BITMIME\r\n250-PIPELINING\r\n250 SIZE 30000000\r\n' \
  | "$top/build/bin/starttls-scan" classify --raw
python3 "$top/scripts/summarize.py" < "$out/results.ndjson"
