#!/usr/bin/env bash
# Issue 4, acceptance 2: real MTAs from Debian, started here on loopback (tests/mta/mta.sh):
# Postfix or Exim with STARTTLS configured is `compliant`, without it `no_starttls`, and the
# record keeps the server's real banner.
#   mta_scan_test.sh TOP BIN_DIR postfix|exim
set -euo pipefail
top=$1 bin=$2 kind=$3
run=$(mktemp -d /tmp/starttls-mta-scan.XXXXXX)
chmod 755 "$run"  # the MTAs run as their own users and must reach their folders
cleanup() {
  for mode in tls plain; do "$top/tests/mta/mta.sh" stop "$run/$mode" >/dev/null 2>&1 || true; done
  rm -rf "$run"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

case $kind in
  postfix) banner_text="ESMTP Postfix" ;;
  exim) banner_text="ESMTP Exim" ;;
  *) fail "unknown MTA $kind" ;;
esac
net="127.$((100 + RANDOM % 100)).$((RANDOM % 256))"
for mode in tls plain; do
  addr="$net.$([[ $mode == tls ]] && echo 10 || echo 20)"
  port=$((20000 + RANDOM % 12000))
  mkdir -p "$run/$mode"
  "$top/tests/mta/mta.sh" start "$kind" "$mode" "$run/$mode" "$addr" "$port" >/dev/null
  source "$run/$mode/info"
  "$bin/starttls-scan" --allow-reserved --quiet --port "$port" --rate 0 "$addr,$MTA_HOST" \
    >"$run/$mode/records.ndjson" || fail "scan of $kind/$mode exited $?"
  "$top/tests/mta/mta.sh" stop "$run/$mode" >/dev/null
  want=$([[ $mode == tls ]] && echo compliant || echo no_starttls)
  python3 - "$run/$mode/records.ndjson" "$want" "$banner_text" "$MTA_HOST" <<'PY' \
    || fail "$kind/$mode: $(cat "$run/$mode/records.ndjson")"
import json, sys
records = [json.loads(line) for line in open(sys.argv[1])]
assert len(records) == 1, records
r = records[0]
assert r["status"] == "success", r
assert r["class"] == sys.argv[2], r["class"]
assert sys.argv[3] in r["banner"]["raw"], r["banner"]
assert r["ehlo"]["greeting"] == sys.argv[4], r["ehlo"]
assert r["names"] == [sys.argv[4]]
print(f"{sys.argv[4]}: {r['class']}, banner {r['banner']['raw'].strip()!r}")
PY
done
echo "ok"
