#!/usr/bin/env bash
# Issue 11 §5, --retries: a session answered 421 is tried again after --backoff, one whose
# connect timed out is tried again later; the record keeps the last attempt and says how
# many there were. Small servers of the test's own make each case exact:
#   - 421 on the first connection, 220 after: success, attempts 2 (and the backoff waited);
#   - 421 always: rate-limited, attempts 1 + --retries; with --retries 0, attempts 1;
#   - a listener whose accept queue is full drops the first SYNs (connect timeout), then
#     accepts: success, attempts 2.
#   retry_test.sh TOP BIN_DIR
set -euo pipefail
top=$1 bin=$2
scan=$bin/starttls-scan
run=$(mktemp -d /tmp/starttls-retry.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$run"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

net="127.$((100 + RANDOM % 100)).$((RANDOM % 256))"

# MODE: 421-once | 421-always | full-queue SECONDS. Logs "connect <monotonic time>" per
# accepted connection; exits on its own after 60 s should the trap never run.
cp "$top/tests/scan/tiny_smtp.py" "$run/"
cat >"$run/server.py" <<'PY'
import socket, sys, threading, time
import tiny_smtp
address, port_file, log_file, mode = sys.argv[1:5]
hold = float(sys.argv[5]) if len(sys.argv) > 5 else 0
listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.bind((address, 0))
listener.listen(0 if mode == "full-queue" else 64)
fillers = []
if mode == "full-queue":
    # Fill the accept queue: until we accept, further SYNs are dropped (connect timeout).
    for _ in range(4):
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.setblocking(False)
        try:
            c.connect(listener.getsockname())
        except BlockingIOError:
            pass
        fillers.append(c)
with open(port_file + ".tmp", "w") as f:
    f.write(str(listener.getsockname()[1]))
import os
os.rename(port_file + ".tmp", port_file)
start = time.monotonic()
connections = 0

def serve(conn, greeting):
    tiny_smtp.serve(conn, greeting, b"250-t\r\n250 STARTTLS\r\n")

if mode == "full-queue":
    time.sleep(hold)
listener.settimeout(1.0)
while time.monotonic() - start < 60:
    try:
        conn, peer = listener.accept()
    except socket.timeout:
        continue
    if peer[0] == address and peer[1] in [f.getsockname()[1] for f in fillers]:
        conn.close()
        continue
    connections += 1
    with open(log_file, "a") as f:
        f.write(f"connect {time.monotonic() - start:.3f}\n")
    greeting = b"220 t ESMTP\r\n"
    if mode == "421-always" or (mode == "421-once" and connections == 1):
        greeting = b"421 4.7.0 t Too many connections, try again later\r\n"
    threading.Thread(target=serve, args=(conn, greeting), daemon=True).start()
PY

start_server() {  # NAME IP MODE [SECONDS]
  local name=$1 ip=$2
  shift 2
  python3 "$run/server.py" "$ip" "$run/$name.port" "$run/$name.log" "$@" &
  pids+=($!)
  for _ in $(seq 1 100); do [[ -s $run/$name.port ]] && break; sleep 0.05; done
  [[ -s $run/$name.port ]] || fail "server $name did not start"
}

record() {  # FILE -> the one host record as JSON on one line
  grep '"type":"host"' "$1"
}
check() {  # FILE PYTHON-EXPRESSION-ON-r
  python3 -c 'import json,sys; r=json.loads(sys.stdin.read()); assert '"$2"', r' <"$1" \
    || fail "record $(cat "$1"): wanted $2"
}

common=(--allow-reserved -q --rate 0 --starttls never --backoff 1s --connect-timeout 2s)

echo "== 421, then 220: success after a retry"
start_server once "$net.1" 421-once
start=$(date +%s.%N)
"$scan" "${common[@]}" -p "$(cat "$run/once.port")" "$net.1" | record /dev/stdin >"$run/once.json"
elapsed=$(python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$start" "$(date +%s.%N)")
check "$run/once.json" 'r["status"] == "success" and r["attempts"] == 2 and r["class"] == "compliant"'
[[ $(grep -c connect "$run/once.log") -eq 2 ]] || fail "server saw $(cat "$run/once.log")"
python3 -c 'import sys; assert float(sys.argv[1]) >= 1.0, sys.argv[1]' "$elapsed" \
  || fail "the retry did not wait for --backoff (scan took $elapsed s)"

echo "== 421 always: rate-limited after 1 + --retries attempts"
start_server always "$net.2" 421-always
"$scan" "${common[@]}" -p "$(cat "$run/always.port")" --retries 2 "$net.2" \
  | record /dev/stdin >"$run/always.json"
check "$run/always.json" 'r["status"] == "rate-limited" and r["attempts"] == 3'
"$scan" "${common[@]}" -p "$(cat "$run/always.port")" --retries 0 "$net.2" \
  | record /dev/stdin >"$run/never.json"
check "$run/never.json" 'r["status"] == "rate-limited" and r["attempts"] == 1'

echo "== connect timeout, then an accepting server: success after a retry"
start_server queue "$net.3" full-queue 3
"$scan" "${common[@]}" -p "$(cat "$run/queue.port")" "$net.3" | record /dev/stdin >"$run/queue.json"
check "$run/queue.json" 'r["status"] == "success" and r["attempts"] == 2'
echo "ok"
