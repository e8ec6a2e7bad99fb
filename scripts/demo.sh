#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, and runs the main job on the
# built-in demo population — smtp-lab serving 10,000 simulated mail servers on loopback with
# a realistic mix of behaviours and 50-300 ms of latency — then prints a per-class summary
# table and stops the lab.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

"$top/scripts/install-deps.sh"
"$top/scripts/build.sh" "$top/build"
bin=$top/build/bin

run=$(mktemp -d /tmp/starttls-demo.XXXXXX)
cleanup() { "$top/scripts/lab/lab.sh" stop "$run/lab" || true; }
trap cleanup EXIT
hosts=${DEMO_HOSTS:-10000}
last=$((hosts - 1))
echo "== starting smtp-lab: $hosts hosts on 127.77.0.1+, 50-300 ms latency"
"$top/scripts/lab/lab.sh" start "$run/lab" "$bin/smtp-lab" \
  --addresses "127.77.0.1-127.77.$((last / 256)).$((last % 256 + 1))" --port 2525 \
  --latency-ms 50-300 --processes 2
python3 -c '
import json, sys
for line in open(sys.argv[1]):
    t = json.loads(line)
    print(t["ip"] + "," + t["mx"])' "$run/lab/truth.ndjson" >"$run/targets"

echo "== scanning (the lab stands in for the Internet; --allow-reserved lifts the loopback block)"
"$bin/starttls-scan" --allow-reserved --port 2525 --input-file "$run/targets" \
  --output-file "$run/results.ndjson" --metadata-file "$run/metadata.json" \
  --concurrency 10000 --rate 5000 --banner-timeout 30 --ca-file "$run/lab/ca.pem" --seed 1
"$top/scripts/lab/lab.sh" stop "$run/lab"

python3 "$top/scripts/summarize.py" <"$run/results.ndjson"
python3 "$top/tests/scan/compare_truth.py" "$run/lab/truth.ndjson" "$run/results.ndjson" --tls | tail -1
echo
echo "records: $run/results.ndjson   metadata: $run/metadata.json"
