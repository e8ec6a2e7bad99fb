#!/usr/bin/env bash
# dns-lab answers every hostile.test name with the bytes bench/README.md ("Hostile DNS")
# promises, checked with dig (its parser's complaints included) and a raw socket client for
# the exact octets; its truth file has a row per name; it stops by PID and leaves nothing.
#   dns_lab_test.sh SMTP_LAB_BIN DNS_LAB_BIN DNS_LAB_SH
set -euo pipefail
lab_bin=$1 dns_lab_bin=$2 dns_lab_sh=$3
command -v dig >/dev/null || apt-get install -y dnsutils >/dev/null

net="127.$((100 + RANDOM % 100)).$((RANDOM % 256))"
port=$((10000 + RANDOM % 10000))
run=$(mktemp -d /tmp/dns-lab-test.XXXXXX)
cleanup() {
  "$dns_lab_sh" stop "$run" >/dev/null 2>&1 || true
  rm -rf "$run"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

printf '%s compliant\n%s misordered\n%s no_starttls\n' "$net.1" "$net.2" "$net.3" >"$run/assign.txt"
"$lab_bin" truth --assign "$run/assign.txt" --port 2525 --addresses "$net.1-$net.3" >"$run/truth.ndjson"
"$dns_lab_sh" start "$run" "$dns_lab_bin" --address "$net.53" --port "$port"
pid=$(cat "$run/dns-lab.started.pid")
C="mx-${net//./-}-1.lab.test." M="mx-${net//./-}-2.lab.test." N="mx-${net//./-}-3.lab.test."
D=(dig +time=1 +tries=1 "@$net.53" -p "$port")
q() { "${D[@]}" "$@" 2>&1 || true; }
expect() {  # expect NAME WHAT OUTPUT PATTERN
  grep -qE -- "$3" <<<"$2" || fail "$1: wanted /$3/ in: $(head -c 1500 <<<"$2")"
}

# Control names.
expect ok "$(q +short MX ok.hostile.test)" "^10 $C\$"
expect multi "$(q +short MX multi.hostile.test | sort | tr '\n' ' ')" "^10 $M 20 $C \$"
out=$(q MX implicit.hostile.test)
expect implicit-mx "$out" "status: NOERROR"
expect implicit-mx "$out" "ANSWER: 0,"
expect implicit-a "$(q +short A implicit.hostile.test)" "^$net\\.1\$"
expect nxdomain "$(q MX nxdomain.hostile.test)" "status: NXDOMAIN"
expect servfail "$(q MX servfail.hostile.test)" "status: SERVFAIL"
expect silent "$(q MX silent.hostile.test)" "timed out"
expect lab-a "$(q +short A "$N")" "^$net\\.3\$"
expect refused "$(q A example.com)" "status: REFUSED"

# Malformed answers: dig's parser rejects each.
expect ptr-loop "$(q MX ptr-loop.hostile.test)" "bad compression pointer"
expect ptr-cycle "$(q MX ptr-cycle.hostile.test)" "bad compression pointer"
expect long-name "$(q MX long-name.hostile.test)" "name too long"
expect long-name-ptr "$(q MX long-name-ptr.hostile.test)" "name too long"
expect ancount-lie "$(q MX ancount-lie.hostile.test)" "malformed message|ANSWER: 65535"
expect bad-host "$(q +short MX bad-host.hostile.test)" "^10 badaddr.hostile.test.\$"
expect badaddr "$(q A badaddr.hostile.test)" "bad compression pointer"

# Size and truncation: 1,000 MX only over TCP; tc's UDP part differs from its TCP answer.
expect mx1000-udp "$(q +notcp +ignore MX mx1000.hostile.test)" "flags: qr aa tc rd ra; QUERY: 1, ANSWER: 0"
out=$(q +tcp MX mx1000.hostile.test)
[[ $(grep -cE "^mx1000.hostile.test.+IN.MX" <<<"$out") == 1000 ]] || fail "mx1000 over TCP: $(grep -c MX <<<"$out") MX"
expect mx1000-last "$out" "IN.MX.1 mx-0999.mx1000.hostile.test."
expect mx1000-a "$(q +short A mx-0999.mx1000.hostile.test)" "^$net\\.1\$"
expect tc-udp "$(q +notcp +ignore MX tc.hostile.test)" "flags: qr aa tc rd ra.*"
expect tc-udp-part "$(q +notcp +ignore +short MX tc.hostile.test)" "^10 $N\$"
expect tc-tcp "$(q +short MX tc.hostile.test)" "^10 $C\$"

# CNAMEs: a chain of 20 delivered whole, one link per answer, a loop.
out=$(q MX cname-chain.hostile.test)
[[ $(grep -cE "IN.CNAME" <<<"$out") == 20 ]] || fail "cname-chain: $(grep -c CNAME <<<"$out") CNAMEs"
expect cname-chain-end "$out" "^c20.cname-chain.hostile.test.+MX.10 $C\$"
expect cname-chain-mid "$(q MX c19.cname-chain.hostile.test | grep -c CNAME)" "^1\$"
expect cname-hop "$(q +short MX cname-hop.hostile.test)" "^h1.cname-hop.hostile.test.\$"
expect cname-hop-end "$(q +short MX h20.cname-hop.hostile.test)" "^10 $C\$"
expect cname-loop "$(q +short MX cname-loop.hostile.test | tr '\n' ' ')" "^l1.cname-loop.hostile.test. cname-loop.hostile.test. \$"

# IP literals as exchanges.
expect mx-ip "$(q +short MX mx-ip.hostile.test)" "^10 192.0.2.1.\$"
expect mx-bracket "$(q +short MX mx-bracket.hostile.test)" "^10 \\[127.0.0.1\\].\$"

# Wrong question / wrong ID: alone they leave the query unanswered; followed by the right answer.
expect wrong-question "$(q MX wrong-question.hostile.test)" "Question section mismatch: got other.hostile.test/MX/IN"
expect wrong-question "$(q MX wrong-question.hostile.test)" "timed out"
out=$(q MX wrong-question-then-right.hostile.test)
expect wrong-question-then-right "$out" "mismatch"
expect wrong-question-then-right "$out" "IN.MX.10 $C\$"
expect wrong-id "$(q MX wrong-id.hostile.test)" "ID mismatch"
expect wrong-id "$(q MX wrong-id.hostile.test)" "timed out"
out=$(q MX wrong-id-then-right.hostile.test)
expect wrong-id-then-right "$out" "ID mismatch"
expect wrong-id-then-right "$out" "IN.MX.10 $C\$"

# Exact octets with a raw client: the self-pointer, the 270-octet name, FORMERR for a query
# with two questions, and the wrong ID being exactly ID+1 with the right question.
python3 - "$net.53" "$port" <<'PY' || fail "raw checks"
import socket, struct, sys
server = (sys.argv[1], int(sys.argv[2]))

def name(n):
    return b"".join(bytes([len(l)]) + l.encode() for l in n.split(".")) + b"\0"

def ask(qname, qtype=15, qid=0x1234, raw=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    msg = raw or struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + name(qname) + struct.pack(">HH", qtype, 1)
    s.sendto(msg, server)
    data = s.recv(65535)
    s.close()
    return data

# ptr-loop: one MX whose exchange is a pointer to its own offset.
q = name("ptr-loop.hostile.test")
a = ask("ptr-loop.hostile.test")
assert a[:2] == b"\x12\x34" and struct.unpack(">H", a[6:8])[0] == 1, a
rr = 12 + len(q) + 4
assert a[rr:rr + 2] == b"\xc0\x0c", a[rr:]
exchange = rr + 2 + 10 + 2
assert struct.unpack(">H", a[exchange:exchange + 2])[0] == 0xC000 | exchange, a[exchange:]
# long-name: the exchange is written out and is 270 octets.
q = name("long-name.hostile.test")
a = ask("long-name.hostile.test")
rr = 12 + len(q) + 4
rdlength = struct.unpack(">H", a[rr + 10:rr + 12])[0]
assert rdlength == 2 + 270, rdlength
# FORMERR for two questions; nothing for a response (QR set).
bad = struct.pack(">HHHHHH", 0x4242, 0x0100, 2, 0, 0, 0) + name("ok.hostile.test") + b"\0\x0f\0\x01" * 1
a = ask(None, raw=bad)
assert a[:2] == b"\x42\x42" and (a[3] & 0x0F) == 1, a
# wrong-id: ID + 1, the question as asked.
a = ask("wrong-id.hostile.test", qid=0x2000)
assert a[:2] == b"\x20\x01", a[:2]
assert name("wrong-id.hostile.test") in a[12:40]
print("raw ok")
PY

# Truth: one valid JSON row per name, every name answered by the zone.
python3 - "$run/hostile.ndjson" "$run/hostile-domains.txt" <<'PY' || fail "truth file"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
names = [l.strip() for l in open(sys.argv[2]) if l.strip()]
assert [r["domain"] for r in rows] == names, (len(rows), len(names))
for r in rows:
    assert r["verdict"] in ("compliant", "starttls_misordered", "no_starttls", "unreachable", "dns_error"), r
    assert r["dns"] and ("mx_kind" in r) and r["note"], r
by = {r["kind"]: r for r in rows}
assert len(by["mx1000"]["exchanges"]) == 32 and by["mx1000"]["exchanges"][0]["name"].startswith("mx-0999.")
assert by["tc"]["verdict"] == "compliant" and by["wrong-id"]["dns"] == "TIMEOUT"
assert by["mx-ip"]["verdict"] == "unreachable" and by["mx-ip"]["exchanges"][0]["addresses"] == []
print(len(rows), "truth rows")
PY

"$dns_lab_sh" stop "$run"
sleep 0.2
# Gone, or at most a zombie waiting for a reaper (the script that started it has exited).
[[ -r /proc/$pid/stat && $(awk '{print $3}' "/proc/$pid/stat") != Z ]] && fail "dns-lab $pid still running"
grep -q '"udp_queries":' "$run/dns-lab.out" || fail "no counters on exit"
echo PASS
