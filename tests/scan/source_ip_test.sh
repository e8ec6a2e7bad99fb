#!/usr/bin/env bash
# --source-ip: the scanner's connections leave from the given local address.
#   - a tiny SMTP server on a random 127.x.y.z records each peer address: it sees the
#     --source-ip address, and the record says success;
#   - a source this host does not have (192.0.2.1): the record is connection-refused with
#     the bind error, and the server sees no connection (a failed bind sends nothing);
#   - a value that is not an IP address is rejected with a flag error.
#   source_ip_test.sh TOP BIN_DIR
set -euo pipefail
top=$1 bin=$2
scan=$bin/starttls-scan
run=$(mktemp -d /tmp/starttls-scan-source-ip.XXXXXX)
server_pid=
cleanup() {
  if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$run"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

net="127.$((100 + RANDOM % 100)).$((RANDOM % 256))"
server_ip="$net.$((1 + RANDOM % 50))"
source_ip="$net.77"

# Accepts, greets, answers EHLO/HELO with 250 and QUIT with 221, logs each peer address;
# exits on its own after 60 s should the trap never run.
cp "$top/tests/scan/tiny_smtp.py" "$run/"
cat >"$run/server.py" <<'PY'
import socket, sys, threading, time
import tiny_smtp
address, port_file, peers_file = sys.argv[1], sys.argv[2], sys.argv[3]
listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.bind((address, 0))
listener.listen(64)
listener.settimeout(1.0)
lock = threading.Lock()

def serve(conn):
    tiny_smtp.serve(conn, b"220 t ESMTP\r\n", b"250 t\r\n")

with open(port_file + ".tmp", "w") as f:
    f.write(str(listener.getsockname()[1]))
import os
os.rename(port_file + ".tmp", port_file)
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    try:
        conn, peer = listener.accept()
    except socket.timeout:
        continue
    with lock, open(peers_file, "a") as f:
        f.write(peer[0] + "\n")
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
PY
: >"$run/peers"
python3 "$run/server.py" "$server_ip" "$run/port" "$run/peers" &
server_pid=$!
for _ in $(seq 1 100); do [[ -s $run/port ]] && break; sleep 0.05; done
[[ -s $run/port ]] || fail "test server did not start"
port=$(cat "$run/port")
common=(--allow-reserved --quiet --rate 0 --starttls never --port "$port")

echo "== connections leave from --source-ip"
"$scan" "${common[@]}" --source-ip "$source_ip" "$server_ip" >"$run/bound.ndjson" \
  || fail "scan with --source-ip exited $?"
python3 - "$run/bound.ndjson" "$server_ip" <<'PY' || fail "record: $(cat "$run/bound.ndjson")"
import json, sys
records = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
hosts = [r for r in records if r.get("type") == "host"]
assert len(hosts) == 1, records
assert hosts[0]["ip"] == sys.argv[2], hosts[0]
assert hosts[0]["status"] == "success", hosts[0]
PY
[[ $(sort -u "$run/peers") == "$source_ip" ]] || fail "server saw peers '$(cat "$run/peers")', not $source_ip"

echo "== a source this host does not have: a usage error (exit 2), nothing sent"
# A local fault must not be filed as every server's "connection-refused".
: >"$run/peers"
set +e
"$scan" "${common[@]}" --source-ip 192.0.2.1 "$server_ip" >"$run/bogus.ndjson" 2>"$run/err"
code=$?
set -e
[[ $code -eq 2 ]] || fail "scan with a bogus --source-ip exited $code, wanted 2"
[[ ! -s $run/bogus.ndjson ]] || fail "records written: $(cat "$run/bogus.ndjson")"
grep -q -- "--source-ip: 192.0.2.1" "$run/err" || fail "error does not name it: $(cat "$run/err")"
sleep 0.2
[[ ! -s $run/peers ]] || fail "a failed bind still reached the server: $(cat "$run/peers")"

echo "== an IPv6 source leaves IPv4 connections alone"
"$scan" "${common[@]}" --source-ip ::1 "$server_ip" >"$run/v6.ndjson" \
  || fail "scan with an IPv6 --source-ip exited $?"
grep -q '"status":"success"' "$run/v6.ndjson" || fail "record: $(cat "$run/v6.ndjson")"

echo "== bad values are flag errors"
if "$scan" "${common[@]}" --source-ip not-an-ip "$server_ip" >/dev/null 2>"$run/err"; then
  fail "--source-ip not-an-ip accepted"
fi
grep -q -- "--source-ip" "$run/err" || fail "error does not name the flag: $(cat "$run/err")"
if "$scan" "${common[@]}" --source-ip 127.0.0.9 --source-ip 127.0.0.10 "$server_ip" \
    >/dev/null 2>"$run/err"; then
  fail "two IPv4 sources accepted"
fi
echo "PASS"
