#!/usr/bin/env bash
# Engine benchmarks of issue 4, against a wildcard smtp-lab (one listener per worker stands in
# for every 127/8 address). Prints JSON lines; stops everything it starts by PID.
#
#   engine_bench.sh cpu  [SESSIONS=100000] [CONCURRENCY=1000] [ROUNDS=3]
#     Scanner CPU (user+sys) per session on a zero-latency lab, beside the kernel's floor
#     measured in the same run by uring-floor: issue 4's (connect, recv, send, recv, close)
#     and --quit's (the same, then QUIT and its 221: the exchanges every scanner session
#     makes). Rounds alternate floors and scan; the medians are reported.
#   engine_bench.sh hold [SESSIONS=50000]
#     Every host delays its greeting 20 s: the scanner holds all sessions open at once in one
#     process. Reports peak open sessions, peak RSS, RSS per session above a one-session base,
#     and checks every record against the lab's truth.
#   engine_bench.sh tls [SESSIONS=20000] [CONCURRENCY=500] [ROUNDS=3]
#     Issues 5 and 16: scanner CPU per TLS session (STARTTLS, TLS 1.3 handshake, validation,
#     EHLO over TLS, QUIT) on a zero-latency lab, beside the floor measured in the same run:
#     uring-floor's plain session plus a bare BoringSSL client handshake over memory BIOs
#     with the same kind of chains that checks the CertificateVerify signature but builds no
#     chain (tls-bench). The lab serves PKI=intermediates (default; or flat: ECDSA leaves under
#     the CA): every host a distinct leaf, RSA-2048 for RSA_PERCENT (default 80) of them and
#     ECDSA P-256 otherwise, under four intermediates. Rounds alternate floor and scan; the
#     median ratio is reported.
#   engine_bench.sh dns [DOMAINS=200000] [ROUNDS=3]
#     Issue 6: MX+A resolutions/s through the scanner (NSD on loopback; every exchange's address
#     is in TEST-NET-1, refused by the built-in blocklist, so no connection is made and only
#     resolution is measured), beside a minimal raw c-ares loop's rate (resolver-bench, the
#     floor, window 1000). The headline run asks MX and A like the floor (--address-families
#     ipv4); the default (A and AAAA, three queries a domain) is reported as families_both.
#     Also peak RSS. Rounds alternate scans and floor; the median ratio is the headline.
#   engine_bench.sh tls-hold [SESSIONS=10000]
#     Issue 5: SESSIONS TLS handshakes in progress at once (50-300 ms latency) beside as many
#     plain sessions held open (30 s greeting delay): RSS sampled every 0.2 s; the peak, and
#     the level once the TLS phase is over while the plain sessions are still held, beside the
#     same scan with --starttls never.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${BIN:-$top/build/bin}
mode=${1:-cpu}
run=$(mktemp -d /tmp/starttls-engine-bench.XXXXXX)
cleanup() { "$top/scripts/lab/lab.sh" stop "$run/lab" || true; rm -rf "$run"; }
trap cleanup EXIT
port=$((20000 + RANDOM % 12000))

# N addresses from 127.64.0.0 on, as 'ip' lines.
targets() {
  python3 -c '
import sys
n = int(sys.argv[1])
for i in range(n):
    v = (127 << 24) | (64 << 16) | (i + 1)
    print(f"{v >> 24}.{(v >> 16) & 255}.{(v >> 8) & 255}.{v & 255}")' "$1"
}

# Runs a command under /usr/bin/time; prints "wall user sys maxrss_kb".
timed() { /usr/bin/time -f "%e %U %S %M" -o "$run/time" "$@"; cat "$run/time"; }

case $mode in
cpu)
  sessions=${2:-100000} concurrency=${3:-1000} rounds=${4:-3}
  "$top/scripts/lab/lab.sh" start "$run/lab" "$bin/smtp-lab" --wildcard --port "$port" \
    --addresses 127.64.0.0/14 --weights no_starttls=1 --processes 2 --no-truth
  targets "$sessions" >"$run/targets"
  # Two floors: issue 4's (banner, EHLO, close) and the same exchanges as the scanner's
  # session, which always ends with QUIT (SPEC.md §1): QUIT sent and its 221 received.
  # Rounds alternate floors and scan; medians are the headline (one run swings by 15%).
  : >"$run/rounds"
  for _ in $(seq 1 "$rounds"); do
    floor=$("$bin/uring-floor" --targets "$run/targets" --port "$port" --concurrency "$concurrency")
    floor_quit=$("$bin/uring-floor" --targets "$run/targets" --port "$port" \
      --concurrency "$concurrency" --quit)
    echo "$floor" >&2
    echo "$floor_quit" >&2
    read -r wall user sys rss < <(timed "$bin/starttls-scan" --allow-reserved --quiet --rate 0 \
      --port "$port" --concurrency "$concurrency" --max-per-ip 0 --max-per-prefix 0 --input-file "$run/targets" \
      --output-file "$run/records.ndjson" --starttls never)
    records=$(wc -l <"$run/records.ndjson")
    success=$(grep -c '"status":"success"' "$run/records.ndjson" || true)
    echo "$floor|$floor_quit|$wall|$user|$sys|$rss|$records|$success" >>"$run/rounds"
  done
  python3 - "$run/rounds" <<'PY'
import json, statistics, sys
rounds = []
for line in open(sys.argv[1]):
    floor, floor_quit, wall, user, sys_s, rss, records, success = line.strip().split("|")
    floor, floor_quit = json.loads(floor), json.loads(floor_quit)
    records = int(records)
    cpu_us = (float(user) + float(sys_s)) * 1e6 / records
    rounds.append({"program": "starttls-scan", "sessions": records, "success": int(success),
                   "wall_s": float(wall), "cpu_us_per_session": round(cpu_us, 2),
                   "user_us": round(float(user) * 1e6 / records, 2),
                   "sys_us": round(float(sys_s) * 1e6 / records, 2),
                   "floor_us": floor["cpu_us_per_session"],
                   "floor_quit_us": floor_quit["cpu_us_per_session"],
                   "sessions_per_s": round(records / float(wall)), "peak_rss_kb": int(float(rss)),
                   "ratio_to_floor": round(cpu_us / floor["cpu_us_per_session"], 3),
                   "ratio_to_floor_quit": round(cpu_us / floor_quit["cpu_us_per_session"], 3)})
    print(json.dumps(rounds[-1]))
med = lambda key: statistics.median(r[key] for r in rounds)
print(json.dumps({"program": "starttls-scan --starttls never", "sessions": rounds[0]["sessions"],
                  "rounds": len(rounds),
                  "all_success": all(r["success"] == r["sessions"] for r in rounds),
                  "median_cpu_us_per_session": med("cpu_us_per_session"),
                  "median_floor_us": med("floor_us"), "median_floor_quit_us": med("floor_quit_us"),
                  "median_ratio_to_floor": med("ratio_to_floor"),
                  "median_ratio_to_floor_quit": med("ratio_to_floor_quit"),
                  "ratios_to_floor_quit": [r["ratio_to_floor_quit"] for r in rounds]}))
PY
  ;;
hold)
  sessions=${2:-50000}
  "$top/scripts/lab/lab.sh" start "$run/lab" "$bin/smtp-lab" --wildcard --port "$port" \
    --addresses 127.64.0.0/14 --weights slow_greeting=1 --greeting-delay-ms 20000 \
    --processes 4 --no-truth --seed 3
  targets "$sessions" >"$run/targets"
  head -1 "$run/targets" >"$run/one-target"
  read -r _ _ _ base_rss < <(timed "$bin/starttls-scan" --allow-reserved --quiet --rate 0 \
    --port "$port" --input-file "$run/one-target" --output-file /dev/null --starttls never)
  timed "$bin/starttls-scan" --allow-reserved --rate 0 \
    --port "$port" --concurrency "$sessions" --max-per-ip 0 --max-per-prefix 0 --input-file "$run/targets" \
    --output-file "$run/records.ndjson" --starttls never 2>"$run/status" >"$run/timed" &
  timer_pid=$!
  # RSS while every session waits for its greeting (sampled 12 s in; greetings come at 20 s).
  sleep 12
  scan_pid=$(pgrep -n -x starttls-scan || true)
  waiting_rss=$(awk '/VmRSS/ {print $2}' "/proc/$scan_pid/status" 2>/dev/null || echo 0)
  wait "$timer_pid"
  read -r wall user sys rss <"$run/timed"
  peak_open=$(grep -o 'open [0-9]*' "$run/status" | awk '{print $2}' | sort -n | tail -1)
  xargs "$bin/smtp-lab" truth --wildcard --port "$port" --weights slow_greeting=1 --seed 3 \
    <"$run/targets" >"$run/truth.ndjson"
  python3 "$top/tests/scan/compare_truth.py" "$run/truth.ndjson" "$run/records.ndjson" \
    | tail -3 >"$run/compare"
  python3 - "$sessions" "$peak_open" "$wall" "$user" "$sys" "$rss" "$base_rss" "$(tail -1 "$run/compare")" "$waiting_rss" <<'PY'
import json, sys
n, peak_open = int(sys.argv[1]), int(sys.argv[2] or 0)
wall, user, sys_s, rss, base = map(float, sys.argv[3:8])
waiting = float(sys.argv[9])
print(json.dumps({"program": "starttls-scan", "sessions": n, "peak_open_sessions": peak_open,
                  "wall_s": wall, "cpu_s": round(user + sys_s, 2), "peak_rss_kb": int(rss),
                  "base_rss_kb": int(base),
                  "waiting_rss_kb": int(waiting),
                  "rss_bytes_per_waiting_session": round((waiting - base) * 1024 / max(peak_open, 1)),
                  "peak_rss_bytes_per_session": round((rss - base) * 1024 / max(peak_open, 1)),
                  "truth_check": sys.argv[8]}))
PY
  ;;
tls)
  sessions=${2:-20000} concurrency=${3:-500} rounds=${4:-3}
  pki=${PKI:-intermediates} rsa_percent=${RSA_PERCENT:-80}
  "$top/scripts/lab/lab.sh" start "$run/lab" "$bin/smtp-lab" --wildcard --port "$port" \
    --addresses 127.64.0.0/14 --weights compliant=1 --processes 2 --no-truth \
    --pki "$pki" --rsa-percent "$rsa_percent"
  targets "$sessions" >"$run/targets"
  # On a shared 2-core machine one run of each swings by 15%: floor and scan alternate for
  # several rounds, and the median of the rounds' ratios is the headline.
  : >"$run/rounds"
  for _ in $(seq 1 "$rounds"); do
    floor=$("$bin/uring-floor" --targets "$run/targets" --port "$port" --concurrency "$concurrency")
    handshake_us=$("$bin/tls-bench" --handshakes 2000 --pki "$pki" --rsa-percent "$rsa_percent" \
      | awk '/client CPU per handshake/ {print $5; exit}')
    read -r wall user sys rss < <(timed "$bin/starttls-scan" --allow-reserved --quiet --rate 0 \
      --port "$port" --concurrency "$concurrency" --max-per-ip 0 --max-per-prefix 0 --input-file "$run/targets" \
      --output-file "$run/records.ndjson" --ca-file "$run/lab/ca.pem")
    ok=$(grep -c '"outcome":"ok"' "$run/records.ndjson" || true)
    echo "$floor|$handshake_us|$wall|$user|$sys|$rss|$ok" >>"$run/rounds"
  done
  python3 - "$sessions" "$run/rounds" "$pki" "$rsa_percent" <<'PY'
import json, statistics, sys
n = int(sys.argv[1])
rounds = []
for line in open(sys.argv[2]):
    floor, handshake_us, wall, user, sys_s, rss, ok = line.strip().split("|")
    plain_us = json.loads(floor)["cpu_us_per_session"]
    cpu_us = (float(user) + float(sys_s)) * 1e6 / n
    floor_us = plain_us + float(handshake_us)
    rounds.append({"cpu_us_per_session": round(cpu_us, 1), "user_us": round(float(user) * 1e6 / n, 1),
                   "sys_us": round(float(sys_s) * 1e6 / n, 1),
                   "floor_us": {"plain_session": plain_us, "client_handshake": float(handshake_us),
                                "total": round(floor_us, 1)},
                   "ratio_to_floor": round(cpu_us / floor_us, 3), "tls_ok": int(ok),
                   "handshakes_per_s": round(int(ok) / float(wall)), "peak_rss_kb": int(rss)})
    print(json.dumps(rounds[-1]))
ratios = [r["ratio_to_floor"] for r in rounds]
print(json.dumps({"program": "starttls-scan --starttls offered", "sessions": n,
                  "pki": sys.argv[3], "rsa_percent": int(sys.argv[4]),
                  "rounds": len(rounds), "tls_ok_every_round": all(r["tls_ok"] == n for r in rounds),
                  "median_cpu_us_per_session": statistics.median(r["cpu_us_per_session"] for r in rounds),
                  "median_floor_us": statistics.median(r["floor_us"]["total"] for r in rounds),
                  "median_ratio_to_floor": statistics.median(ratios),
                  "best_ratio": min(ratios), "worst_ratio": max(ratios),
                  "median_handshakes_per_s": statistics.median(r["handshakes_per_s"] for r in rounds)}))
PY
  ;;
tls-hold)
  sessions=${2:-10000}
  # Half the hosts answer at once (50-300 ms a reply) and go through STARTTLS and TLS; the
  # other half hold their greeting 30 s, so plain sessions stay open after that TLS phase
  # ends (their own TLS comes after 30 s). The same scan with --starttls never is the
  # plain-session level the TLS run must come back to.
  "$top/scripts/lab/lab.sh" start "$run/lab" "$bin/smtp-lab" --wildcard --port "$port" \
    --addresses 127.64.0.0/14 --weights compliant=1,slow_greeting=1 --greeting-delay-ms 30000 \
    --latency-ms 50-300 --processes 2 --no-truth --seed 5
  targets $((2 * sessions)) >"$run/targets"
  for starttls in never offered; do
    start_ns=$(date +%s%N)
    "$bin/starttls-scan" --allow-reserved --quiet --rate 0 --port "$port" \
      --concurrency $((2 * sessions)) --max-per-ip 0 --max-per-prefix 0 --input-file "$run/targets" \
      --output-file "$run/records-$starttls.ndjson" --starttls "$starttls" \
      --ca-file "$run/lab/ca.pem" --banner-timeout 45 --tls-timeout 30 --session-timeout 90 &
    scan_pid=$!
    : >"$run/rss-$starttls"
    while kill -0 "$scan_pid" 2>/dev/null; do
      rss=$(awk '/VmRSS/ {print $2}' "/proc/$scan_pid/status" 2>/dev/null || true)
      done_records=$(wc -l 2>/dev/null <"$run/records-$starttls.ndjson" || echo 0)
      [[ -n $rss ]] && echo "$((($(date +%s%N) - start_ns) / 1000000)) $rss $done_records" >>"$run/rss-$starttls"
      sleep 0.2
    done
    wait "$scan_pid"
  done
  python3 - "$run/rss-never" "$run/rss-offered" "$run/records-offered.ndjson" "$sessions" <<'PY'
import collections, json, statistics, sys
def samples(path):
    return [tuple(map(int, line.split())) for line in open(path) if line.strip()]
plain, tls = samples(sys.argv[1]), samples(sys.argv[2])
# The first TLS phase is over once the fast half's records are all out: the count then
# stays put until the held greetings come due at 30 s.
before_greetings = [(ms, rss, done) for ms, rss, done in tls if ms < 29500]
fast_hosts = before_greetings[-1][2]
after = [rss for ms, rss, done in before_greetings if done == fast_hosts][1:]
plain_late = [rss for ms, rss, done in plain if 15000 <= ms < 29500]
print("tls run, every second (ms rss_kb records):", " | ".join(f"{ms} {rss} {done}" for ms, rss, done in tls[::5]))
print(json.dumps({"program": "starttls-scan", "fast_tls_hosts": fast_hosts,
                  "held_plain_sessions": 2 * int(sys.argv[4]) - fast_hosts,
                  "tls_outcomes": dict(collections.Counter(
                      ((json.loads(line).get("tls") or {}).get("outcome") or "none") + " " +
                      ((json.loads(line).get("tls") or {}).get("error") or "")[:60]
                      for line in open(sys.argv[3]))),
                  "plain_run_peak_rss_kb": max(r for _, r, _ in plain),
                  "plain_run_rss_while_holding_kb": int(statistics.median(plain_late)) if plain_late else None,
                  "tls_run_peak_rss_kb": max(r for _, r, _ in tls),
                  "tls_run_rss_after_tls_phase_kb": int(statistics.median(after)) if after else None,
                  "tls_extra_bytes_per_handshake_at_peak":
                      round((max(r for _, r, _ in tls) - max(r for _, r, _ in plain)) * 1024 / max(fast_hosts, 1))}))
PY
  ;;
dns)
  domains=${2:-200000} rounds=${3:-3}
  mkdir -p "$run/dns"
  python3 - "$domains" "$run/dns/lab.test.zone" "$run/domains" <<'PY'
import sys
n = int(sys.argv[1])
with open(sys.argv[2], "w") as zone, open(sys.argv[3], "w") as names:
    zone.write("$ORIGIN lab.test.\n$TTL 300\n@ IN SOA ns.lab.test. hostmaster.lab.test. 1 3600 600 86400 300\n"
               "@ IN NS ns.lab.test.\nns IN A 127.0.0.1\n")
    for i in range(n):
        zone.write(f"d{i} IN MX 10 mx{i}\nmx{i} IN A 192.0.2.{i % 250 + 1}\n")
        names.write(f"d{i}.lab.test\n")
PY
  dns_port=$((10000 + RANDOM % 10000))
  "$top/scripts/lab/nsd.sh" start "$run/dns" 127.53.0.1 "$dns_port" >/dev/null
  # On a shared 2-core machine one run of each swings by 30%: the scans and the floor
  # alternate for several rounds, and the median of the rounds' ratios is the headline.
  # The headline run asks what the floor asks, MX then A (--address-families ipv4); the
  # default run (A and AAAA: three queries per domain) is reported beside it.
  : >"$run/rounds"
  for _ in $(seq 1 "$rounds"); do
    read -r wall user sys rss < <(timed "$bin/starttls-scan" --quiet \
      --resolver "127.53.0.1:$dns_port" --input-file "$run/domains" \
      --output-file "$run/records.ndjson" --dns-timeout 2 --address-families ipv4)
    read -r both_wall both_user both_sys _ < <(timed "$bin/starttls-scan" --quiet \
      --resolver "127.53.0.1:$dns_port" --input-file "$run/domains" \
      --output-file "$run/records-both.ndjson" --dns-timeout 2)
    floor=$("$bin/resolver-bench" --benchmark_filter='BM_RawCares/1000' --benchmark_format=json \
            2>/dev/null | python3 -c 'import json,sys; b=json.load(sys.stdin)["benchmarks"][0]; print(b.get("domains/s", b.get("domains_per_second", 0)))')
    records=$(grep -c '"type":"domain"' "$run/records.ndjson" || true)
    noerror=$(grep -c '"dns":"NOERROR"' "$run/records.ndjson" || true)
    both_noerror=$(grep -c '"dns":"NOERROR"' "$run/records-both.ndjson" || true)
    echo "$wall|$user|$sys|$rss|$records|$noerror|$floor|$both_wall|$both_user|$both_sys|$both_noerror" \
      >>"$run/rounds"
  done
  "$top/scripts/lab/nsd.sh" stop "$run/dns" >/dev/null
  python3 - "$domains" "$run/rounds" <<'PY'
import json, statistics, sys
n = int(sys.argv[1])
rounds = []
for line in open(sys.argv[2]):
    f = line.strip().split("|")
    wall, user, sys_s, rss = map(float, f[0:4])
    records, noerror, floor = int(f[4]), int(f[5]), float(f[6] or 0)
    both_wall, both_user, both_sys = map(float, f[7:10])
    both_noerror = int(f[10])
    rate = n / wall
    rounds.append({"wall_s": wall, "domains_per_s": round(rate),
                   "cpu_us_per_domain": round((user + sys_s) * 1e6 / n, 1),
                   "user_us": round(user * 1e6 / n, 1), "sys_us": round(sys_s * 1e6 / n, 1),
                   "peak_rss_kb": int(rss), "domain_records": records, "noerror": noerror,
                   "floor_raw_cares_domains_per_s": round(floor),
                   "ratio_to_floor": round(rate / floor, 3) if floor else None,
                   "families_both": {"noerror": both_noerror, "wall_s": both_wall,
                                     "domains_per_s": round(n / both_wall),
                                     "cpu_us_per_domain": round((both_user + both_sys) * 1e6 / n, 1),
                                     "ratio_to_floor": round(n / both_wall / floor, 3) if floor else None}})
    print(json.dumps(rounds[-1]))
def median(values, digits=None):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), digits) if values else None
ratios = [r["ratio_to_floor"] for r in rounds if r["ratio_to_floor"] is not None]
print(json.dumps({"program": "starttls-scan (domains, no connections)", "domains": n,
                  "rounds": len(rounds),
                  "every_round_complete": all(r["domain_records"] == n and r["noerror"] == n and
                                              r["families_both"]["noerror"] == n for r in rounds),
                  "domains_per_s": median(r["domains_per_s"] for r in rounds),
                  "mx_plus_a_lookups_per_s": median(2 * r["domains_per_s"] for r in rounds),
                  "cpu_us_per_domain": median((r["cpu_us_per_domain"] for r in rounds), 1),
                  "peak_rss_kb": max(r["peak_rss_kb"] for r in rounds),
                  "floor_raw_cares_domains_per_s": median(r["floor_raw_cares_domains_per_s"] for r in rounds),
                  "ratio_to_floor": median(ratios, 3),
                  "best_ratio": max(ratios) if ratios else None,
                  "worst_ratio": min(ratios) if ratios else None,
                  "families_both": {
                      "domains_per_s": median(r["families_both"]["domains_per_s"] for r in rounds),
                      "cpu_us_per_domain": median((r["families_both"]["cpu_us_per_domain"] for r in rounds), 1),
                      "ratio_to_floor": median((r["families_both"]["ratio_to_floor"] for r in rounds), 3)}}))
PY
  ;;
*) echo "usage: $0 cpu [SESSIONS] [CONCURRENCY] | hold [SESSIONS] | tls [SESSIONS] [CONCURRENCY] [ROUNDS] | dns [DOMAINS] [ROUNDS] | tls-hold [SESSIONS]" >&2; exit 2 ;;
esac
