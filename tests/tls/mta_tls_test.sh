#!/usr/bin/env bash
# Issue 5, acceptance 2: the scanner's TLS against a real Postfix or Exim (tests/mta/mta.sh,
# tls mode). The handshake must be ok; version and cipher must equal what
# `openssl s_client -starttls smtp` reports for the same server when s_client offers what the
# scanner's BoringSSL client offers (same TLS 1.3 suites in the same order, same groups; a
# server that honours the client's order then picks the same); the leaf's SHA-256 must equal
# `openssl x509 -fingerprint -sha256` of the configured cert.pem, the chain must validate
# against the harness's ca.pem with the MX name matching. The server is stopped by PID in a trap.
#   mta_tls_test.sh TOP BIN_DIR postfix|exim
set -euo pipefail
top=$1 bin=$2 kind=$3
mta="$top/tests/mta/mta.sh"
rundir=$(mktemp -d /tmp/starttls-tls-mta.XXXXXX)
cleanup() { "$mta" stop "$rundir" >/dev/null 2>&1 || true; rm -rf "$rundir"; }
trap cleanup EXIT
fail() { echo "FAIL [$kind]: $*" >&2; exit 1; }

addr="127.$((100 + RANDOM % 100)).$((RANDOM % 256)).$((1 + RANDOM % 250))"
port=$((20000 + RANDOM % 12000))
"$mta" start "$kind" tls "$rundir" "$addr" "$port" >/dev/null || fail "the MTA did not start"
# shellcheck disable=SC1091
source "$rundir/info"

echo "$addr,$MTA_HOST" >"$rundir/targets"
"$bin/starttls-scan" --allow-reserved --port "$port" --max-per-prefix 0 --input-file "$rundir/targets" \
  --output-file "$rundir/records.ndjson" --ca-file "$rundir/ca.pem" --tls-chain full \
  --banner-timeout 20 --command-timeout 20 --quiet || fail "starttls-scan exited $?"

# s_client offering what BoringSSL offers (on AES-NI hardware): AES-128-GCM first.
timeout 20 openssl s_client -connect "$addr:$port" -starttls smtp -servername "$MTA_HOST" \
  -CAfile "$rundir/ca.pem" -ciphersuites \
  TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256 \
  -groups X25519:P-256:P-384 </dev/null >"$rundir/s_client.txt" 2>&1 || true
openssl x509 -in "$rundir/cert.pem" -noout -fingerprint -sha256 >"$rundir/fingerprint.txt"

python3 - "$rundir/records.ndjson" "$rundir/s_client.txt" "$rundir/fingerprint.txt" "$MTA_HOST" <<'PY'
import json, re, sys
record = json.loads(open(sys.argv[1]).readline())
s_client = open(sys.argv[2], errors="replace").read()
fingerprint = open(sys.argv[3]).read().strip().split("=", 1)[1].replace(":", "").lower()
host = sys.argv[4]
tls = record.get("tls") or {}
print("record:", {k: tls.get(k) for k in ("outcome", "version", "cipher", "group", "sni", "error")})
assert record["status"] == "success", record
assert record["starttls"]["sent"] and record["starttls"]["code"] == 220, record["starttls"]
assert tls.get("outcome") == "ok", tls
m = re.search(r"New, (TLSv[0-9.]+), Cipher is (\S+)", s_client)
assert m, "s_client printed no session line:\n" + s_client[-2000:]
print("s_client:", m.group(1), m.group(2))
assert tls["version"] == m.group(1), (tls["version"], m.group(1))
assert tls["cipher"] == m.group(2), (tls["cipher"], m.group(2))
leaf = tls["chain"][0]
print("leaf sha256:", leaf["sha256"], "configured:", fingerprint)
assert leaf["sha256"] == fingerprint
assert leaf.get("der"), "--tls-chain full: DER missing"
v = tls["validation"]
assert v["trusted"] is True and v["hostname_match"] is True, v
assert v["expired"] is False and v["self_signed"] is False, v
assert tls["sni"] == host, tls["sni"]
assert (tls.get("ehlo") or {}).get("code") == 250, tls.get("ehlo")
assert "starttls_readvertised" not in record["anomalies"], record["anomalies"]
PY
echo "ok"
