#!/usr/bin/env bash
# Issue 12 §1: an Internet-sized survey on this machine. One `smtp-lab --wildcard` serves HOSTS
# addresses with the `internet` mix (bench/README.md: shares and sources) and 100 ms per reply;
# one starttls-scan scans every one of them at CONCURRENCY sessions, --rate 0.
#
#   bench/survey/internet.sh [HOSTS=5800000] [CONCURRENCY=50000]
#
# Environment: STARTTLS=never (classification only, the default) or offered (STARTTLS + TLS on
# every offering host; targets then carry the MX name for SNI), SAMPLE=10000 (addresses checked
# against `smtp-lab truth`), THREADS=1 (scanner rings), RATE=0 (new connections/s, 0: no cap),
# LAB_PROCESSES=4 (a process may hold
# 20,000 descriptors here), PERF=1 (perf record -e cpu-clock -g of the scanner; report in the
# run dir), KEEP_RUN=1 (keep the run dir), BIN (default build/bin).
#
# Runs in a network namespace of its own (survey_lib.sh). Prints one JSON line of figures and
# exits non-zero if a check fails: every address exactly one record, 0 disagreements with the
# truth on the sample, no timeout on an address whose truth is not a timeout.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
source "$top/bench/survey/survey_lib.sh"
in_own_netns "$@"

hosts=${1:-5800000} concurrency=${2:-50000}
starttls=${STARTTLS:-never} sample=${SAMPLE:-10000} threads=${THREADS:-1} rate=${RATE:-0}
lab_processes=${LAB_PROCESSES:-4}
bin=${BIN:-$top/build/bin}
run=$(mktemp -d /tmp/starttls-survey-internet.XXXXXX)
cleanup() { "$top/scripts/lab/lab.sh" stop "$run/lab" || true; [[ -n ${KEEP_RUN:-} ]] || rm -rf "$run"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
port=2525 seed=$((RANDOM * 32768 + RANDOM))
lab_flags=(--wildcard --port "$port" --weights internet --latency-ms 100 --seed "$seed")

# HOSTS addresses from 127.64.0.1 on: 'ip' lines (ZMap's output), or 'ip,mx' when TLS is on so
# that SNI and the name match use the lab's MX name.
python3 - "$hosts" "$starttls" >"$run/targets" <<'PY'
import sys
n, tls = int(sys.argv[1]), sys.argv[2] != "never"
base = (127 << 24) | (64 << 16)
out = sys.stdout
for i in range(1, n + 1):
    v = base + i
    ip = f"{v >> 24}.{(v >> 16) & 255}.{(v >> 8) & 255}.{v & 255}"
    out.write(f"{ip},mx-{ip.replace('.', '-')}.lab.test\n" if tls else ip + "\n")
PY

"$top/scripts/lab/lab.sh" start "$run/lab" "$bin/smtp-lab" "${lab_flags[@]}" \
  --processes "$lab_processes" --no-truth
lab_pid=$(cat "$run/lab/lab.started.pid")
lab_cpu_before=$(lab_cpu_s "$lab_pid")

scan=("$bin/starttls-scan" --allow-reserved --port "$port" --starttls "$starttls"
      --max-per-ip 0 --max-per-prefix 0 --concurrency "$concurrency" --rate "$rate" -T "$threads"
      --ca-file "$run/lab/ca.pem" --seed 42 -f "$run/targets" -o "$run/records.ndjson"
      -m "$run/metadata.json" -u "$run/status.csv")
load_before=$(load_now)
echo "scan: ${scan[*]}  (load $load_before)" >&2
if [[ -n ${PERF:-} ]]; then
  command -v perf >/dev/null || apt-get install -y -q linux-perf >/dev/null || fail "perf: apt-get install linux-perf"
  perf record -e cpu-clock -g -o "$run/perf.data" -- \
    /usr/bin/time -v -o "$run/scan.time" "${scan[@]}" 2>"$run/scan.err" || fail "scan exited $?"
  { perf report -i "$run/perf.data" --no-children --sort dso,symbol --stdio -g none \
      --percent-limit 0.7 2>/dev/null || true; } | grep -E '^ +[0-9]' >"$run/perf.top" || true
else
  /usr/bin/time -v -o "$run/scan.time" "${scan[@]}" 2>"$run/scan.err" || fail "scan exited $?"
fi
load_after=$(load_now)
lab_cpu=$(python3 -c "print(round($(lab_cpu_s "$lab_pid") - $lab_cpu_before, 2))")
"$top/scripts/lab/lab.sh" stop "$run/lab"

# Every address exactly one record; statuses counted; the timed-out addresses kept for the
# truth check below.
python3 - "$run/records.ndjson" "$hosts" "$run/timed_out" "$run/counts.json" <<'PY' || fail "records"
import json, re, sys
path, hosts = sys.argv[1], int(sys.argv[2])
head = re.compile(rb'^\{"type":"host","schema":\d+,"ip":"([0-9.]+)","port":(\d+)')
status = re.compile(rb'"status":"([a-z-]+)"')
seen, counts, timed_out, records, other = set(), {}, [], 0, 0
with open(path, "rb") as f:
    for line in f:
        records += 1
        m = head.match(line)
        if not m:
            other += 1
            continue
        ip = m.group(1)
        key = int.from_bytes(bytes(int(p) for p in ip.split(b".")), "big")
        if key in seen:
            sys.exit(f"doubled record for {ip.decode()}")
        seen.add(key)
        st = status.search(line).group(1).decode()
        counts[st] = counts.get(st, 0) + 1
        if st.endswith("timeout"):
            timed_out.append(ip.decode())
if other or len(seen) != hosts:
    sys.exit(f"{records} records, {len(seen)} distinct addresses, {other} other lines; wanted {hosts}")
open(sys.argv[3], "w").write("\n".join(timed_out) + ("\n" if timed_out else ""))
json.dump({"records": records, "status": dict(sorted(counts.items()))}, open(sys.argv[4], "w"))
PY

# Truth for a random sample, and for every address that timed out: a timeout must be the truth.
shuf -n "$sample" --random-source=<(yes "$seed") "$run/targets" | cut -d, -f1 >"$run/sample"
truth() { xargs -a "$1" -n 5000 "$bin/smtp-lab" truth "${lab_flags[@]}" --run-dir "$run/lab"; }
truth "$run/sample" >"$run/sample_truth.ndjson"
python3 - "$run/sample" "$run/records.ndjson" >"$run/sample_records.ndjson" <<'PY'
import re, sys
want = {l.strip().encode() for l in open(sys.argv[1]) if l.strip()}
head = re.compile(rb'^\{"type":"host","schema":\d+,"ip":"([0-9.]+)"')
with open(sys.argv[2], "rb") as f:
    for line in f:
        m = head.match(line)
        if m and m.group(1) in want:
            sys.stdout.buffer.write(line)
PY
compare_flag=--starttls-never
[[ $starttls == never ]] || compare_flag=--tls
python3 "$top/tests/scan/compare_truth.py" "$run/sample_truth.ndjson" "$run/sample_records.ndjson" \
  "$compare_flag" >"$run/compare.txt" || true
tail -1 "$run/compare.txt" >&2
grep -q " 0 problems$" "$run/compare.txt" || { head -20 "$run/compare.txt" >&2; fail "sample disagrees with the truth"; }
wrong_timeouts=0
if [[ -s $run/timed_out ]]; then
  truth "$run/timed_out" >"$run/timeout_truth.ndjson"
  wrong_timeouts=$(grep -vc '"status":"[a-z-]*timeout"' "$run/timeout_truth.ndjson" || true)
fi
[[ $wrong_timeouts -eq 0 ]] || fail "$wrong_timeouts timeouts on addresses that answer"

python3 - "$run" "$hosts" "$concurrency" "$starttls" "$lab_cpu" "$load_before" "$load_after" \
  "$sample" "$threads" "$lab_processes" "$rate" <<'PY'
import json, sys
run, hosts, conc, starttls, lab_cpu, load0, load1, sample, threads, procs, rate = sys.argv[1:]
hosts = int(hosts)
t = {}
for line in open(f"{run}/scan.time"):
    k, _, v = line.strip().rpartition(": ")
    t[k] = v
def wall(s):
    parts = [float(p) for p in s.split(":")]
    return sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
cpu = float(t["User time (seconds)"]) + float(t["System time (seconds)"])
meta = json.load(open(f"{run}/metadata.json"))
counts = json.load(open(f"{run}/counts.json"))
lag = meta.get("loop_lag_ms", {})
print(json.dumps({
    "hosts": hosts, "concurrency": int(conc), "starttls": starttls, "threads": int(threads), "rate": int(rate),
    "lab_processes": int(procs),
    "wall_s": round(wall(t["Elapsed (wall clock) time (h:mm:ss or m:ss)"]), 1),
    "scanner_cpu_s": round(cpu, 1), "scanner_user_s": float(t["User time (seconds)"]),
    "scanner_sys_s": float(t["System time (seconds)"]),
    "scanner_cpu_us_per_session": round(cpu * 1e6 / hosts, 1),
    "scanner_peak_rss_mib": round(int(t["Maximum resident set size (kbytes)"]) / 1024, 1),
    "lab_cpu_s": float(lab_cpu), "lab_cpu_us_per_session": round(float(lab_cpu) * 1e6 / hosts, 1),
    "records": counts["records"], "status": counts["status"],
    "sample_checked": int(sample), "sample_problems": 0, "timeouts_on_answering_hosts": 0,
    "loop_lag_ms": {k: lag.get(k) for k in ("timer_max", "timer_p99", "pass_max", "pass_p99")},
    "load_before": float(load0), "load_after": float(load1),
}))
PY
