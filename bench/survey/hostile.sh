#!/usr/bin/env bash
# Issue 16 §1-2: the scanner on a hostile Internet at survey concurrency. HOSTS hosts of the lab's
# `hostile` mix (one `smtp-lab --wildcard`, 100 ms per reply) and DOMAINS domains of hostile DNS
# (dns-lab, its names copied DOMAINS/23 times: compression loops, 1,000 MX over TCP, CNAME
# loops, wrong IDs, ...) in one scan at CONCURRENCY sessions, STARTTLS + TLS on, the scanner's
# default deadlines and caps (the truth rows assume them). The same run with a benign mix of
# the same size first (every benign behaviour weight 1; dns-lab's ok/multi/implicit names only)
# gives the RSS the hostile run is measured against.
#
#   bench/survey/hostile.sh [HOSTS=200000] [DOMAINS=20000] [CONCURRENCY=50000]
#
# Environment: MIXES="benign hostile" (which runs), LAB_PROCESSES=4, KEEP_RUN=1, BIN,
# SCANNER_NICE (default 0; -5, as root, runs the scanner above the lab: see run_mix).
# Checks, per run: every target exactly one record; every host record's status (class,
# anomalies, STARTTLS and TLS outcome) equal to the lab's truth, every domain record equal to
# dns-lab's (compare_truth.py --tls, compare_domains.py); no session longer than
# --session-timeout plus one timer tick (timing_ms.total); 0 forbidden commands (the lab's
# counter); 0 crashes (scanner exit 0, lab and dns-lab alive to the end). Prints one JSON line
# per run and one comparing them; exits non-zero if a check fails.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
source "$top/bench/survey/survey_lib.sh"
in_own_netns "$@"

hosts=${1:-200000} domains=${2:-20000} concurrency=${3:-50000}
mixes=${MIXES:-benign hostile} lab_processes=${LAB_PROCESSES:-4}
scanner_nice=${SCANNER_NICE:-0}
bin=${BIN:-$top/build/bin}
root=$(mktemp -d /tmp/starttls-survey-hostile.XXXXXX)
labs=()
cleanup() {
  for lab in "${labs[@]}"; do
    "$top/scripts/lab/dns-lab.sh" stop "$lab" >/dev/null 2>&1 || true
    "$top/scripts/lab/lab.sh" stop "$lab" || true
  done
  [[ -n ${KEEP_RUN:-} ]] || rm -rf "$root"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
port=2525 dns_port=5353 session_timeout_ms=120000 tick_ms=1
names_per_copy=23  # dns-lab's names (bench/README.md, "Hostile DNS")

run_mix() {
  local mix=$1 run="$root/$1" weights names copies
  mkdir -p "$run"
  case $mix in
    benign) weights="others=1" names='^(ok|multi|implicit)\.' copies=$(((domains + 2) / 3)) ;;
    hostile) weights=hostile names='.' copies=$(((domains + names_per_copy - 1) / names_per_copy)) ;;
    *) fail "unknown mix $mix" ;;
  esac
  local v=$(((64 << 16) + hosts))
  local range="127.64.0.1-127.$((v >> 16)).$(((v >> 8) & 255)).$((v & 255))"
  # The control hosts dns-lab's answers lead to come first, so every run has them.
  printf '127.64.0.1 compliant\n127.64.0.2 misordered\n127.64.0.3 no_starttls\n' >"$run/assign"
  labs+=("$run/lab")
  "$top/scripts/lab/lab.sh" start "$run/lab" "$bin/smtp-lab" --wildcard --port "$port" \
    --addresses "$range" --assign "$run/assign" --weights "$weights" --latency-ms 100 \
    --processes "$lab_processes" --seed 7
  "$top/scripts/lab/dns-lab.sh" start "$run/lab" "$bin/dns-lab" --address 127.0.53.1 \
    --port "$dns_port" --copies "$copies"
  local lab_pid dns_pid
  lab_pid=$(cat "$run/lab/lab.started.pid")
  dns_pid=$(cat "$run/lab/dns-lab.pid")

  # Targets: every host as 'ip,mx' (SNI and name match use the MX name), then the domains.
  python3 - "$run/lab/truth.ndjson" "$run/lab/hostile-domains.txt" "$run/lab/hostile.ndjson" \
    "$names" "$domains" "$run/targets" "$run/domain_truth.ndjson" <<'PY'
import json, re, sys
truth, names, dtruth, pattern, want, targets, dtruth_out = sys.argv[1:]
pattern, want = re.compile(pattern), int(want)
chosen = [l.strip() for l in open(names) if pattern.search(l.strip())][:want]
with open(targets, "w") as out:
    for line in open(truth):
        t = json.loads(line)
        out.write(t["ip"] + "," + t["mx"] + "\n")
    out.writelines(d + "\n" for d in chosen)
keep = set(chosen)
with open(dtruth_out, "w") as out:
    out.writelines(l for l in open(dtruth) if json.loads(l)["domain"] in keep)
assert len(keep) == want, (len(keep), want)
PY

  local load_before lab_cpu_before rc=0
  lab_cpu_before=$(lab_cpu_s "$lab_pid")
  load_before=$(load_now)
  local scan=("$bin/starttls-scan" --allow-reserved --port "$port" --mx-port "$port"
    --max-per-prefix 0 --concurrency "$concurrency" --rate 0 --ca-file "$run/lab/ca.pem"
    --resolver "127.0.53.1:$dns_port" --dns-timeout 1 --dns-tries 2 --seed 42
    -f "$run/targets" -o "$run/records.ndjson" -m "$run/metadata.json" -u "$run/status.csv")
  echo "$mix scan: ${scan[*]}  (load $load_before)" >&2
  # SCANNER_NICE=-5 puts the scanner above the lab it shares two cores with, as on a survey
  # machine where its loop has the CPU to itself: loop_lag_ms then measures the loop, not
  # the lab's processes preempting it (5-80 ms at a time at equal priority). The price: the
  # lab falls behind its own timers at the peaks, and the truth comparison with it.
  /usr/bin/time -v -o "$run/scan.time" nice -n "$scanner_nice" "${scan[@]}" 2>"$run/scan.err" || rc=$?
  local load_after lab_cpu
  load_after=$(load_now)
  lab_cpu=$(python3 -c "print(round($(lab_cpu_s "$lab_pid") - $lab_cpu_before, 2))")
  grep -q "Exit status: 0" "$run/scan.time" && [[ $rc -eq 0 ]] ||
    fail "$mix: scanner exited $rc: $(grep -E 'Exit status|signal' "$run/scan.time")"
  kill -0 "$lab_pid" && kill -0 "$dns_pid" || fail "$mix: the lab or dns-lab died"
  "$top/scripts/lab/dns-lab.sh" stop "$run/lab" >/dev/null
  "$top/scripts/lab/lab.sh" stop "$run/lab"

  grep '^{"type":"host"' "$run/records.ndjson" >"$run/hosts.ndjson" || true
  python3 "$top/tests/scan/compare_truth.py" "$run/lab/truth.ndjson" "$run/hosts.ndjson" --tls \
    >"$run/compare_hosts.txt" || true
  python3 "$top/tests/scan/compare_domains.py" "$run/domain_truth.ndjson" "$run/records.ndjson" \
    direct >"$run/compare_domains.txt" || true
  python3 - "$run" "$mix" "$hosts" "$domains" "$concurrency" "$lab_cpu" "$load_before" \
    "$load_after" "$session_timeout_ms" "$tick_ms" <<'PY' | tee "$run/result.json"
import collections, json, re, sys
run, mix, hosts, domains, conc, lab_cpu, load0, load1, limit_ms, tick_ms = sys.argv[1:]
hosts, domains = int(hosts), int(domains)
t = {}
for line in open(f"{run}/scan.time"):
    k, _, v = line.strip().rpartition(": ")
    t[k] = v
parts = [float(p) for p in t["Elapsed (wall clock) time (h:mm:ss or m:ss)"].split(":")]
wall = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
cpu = float(t["User time (seconds)"]) + float(t["System time (seconds)"])
kinds, longest, longest_ip, domain_names, errors = {}, 0.0, None, [], 0
for line in open(f"{run}/records.ndjson"):
    r = json.loads(line)
    kinds[r["type"]] = kinds.get(r["type"], 0) + 1
    if r["type"] == "host":
        total = (r.get("timing_ms") or {}).get("total") or 0.0
        if total > longest:
            longest, longest_ip = total, r["ip"]
    elif r["type"] == "domain":
        domain_names.append(r["domain"])
host_targets = hosts
wanted_domains = {l.strip() for l in open(f"{run}/targets") if l.strip() and "," not in l}
stats = json.load(open(f"{run}/lab/stats.json"))
meta = json.load(open(f"{run}/metadata.json"))
lag = meta.get("loop_lag_ms", {})
cmp_hosts = open(f"{run}/compare_hosts.txt").read().strip().splitlines()
cmp_domains = open(f"{run}/compare_domains.txt").read().strip().splitlines()
# Which behaviours the disagreeing hosts have (lines "('ip', port) (behaviour): ...").
hosts_by_behaviour = collections.defaultdict(set)
for line in cmp_hosts[:-1]:
    m = re.match(r"^\('([^']+)', \d+\) \(([^)]+)\)", line)
    if m:
        hosts_by_behaviour[m.group(2)].add(m.group(1))
by_behaviour = dict(sorted(((b, len(v)) for b, v in hosts_by_behaviour.items()),
                           key=lambda kv: -kv[1]))
problems = []
if kinds.get("host", 0) != host_targets:
    problems.append(f"{kinds.get('host', 0)} host records for {host_targets} hosts")
if sorted(domain_names) != sorted(wanted_domains):
    problems.append(f"{len(domain_names)} domain records ({len(set(domain_names))} distinct) for {len(wanted_domains)} domains")
if not cmp_hosts[-1].endswith(" 0 problems"):
    problems.append("hosts vs truth: " + cmp_hosts[-1] + " | " + " | ".join(cmp_hosts[:5]))
if not cmp_domains[-1].endswith(" 0 problems"):
    problems.append("domains vs truth: " + cmp_domains[-1] + " | " + " | ".join(cmp_domains[:5]))
if longest > float(limit_ms) + float(tick_ms):
    problems.append(f"session of {longest} ms ({longest_ip}) over the session deadline")
if stats["forbidden_total"] != 0:
    problems.append(f"forbidden commands: {stats['forbidden']}")
sessions = hosts + domains
print(json.dumps({
    "mix": mix, "hosts": hosts, "domains": domains, "concurrency": int(conc),
    "wall_s": round(wall, 1), "scanner_cpu_s": round(cpu, 1),
    "scanner_cpu_us_per_target": round(cpu * 1e6 / sessions, 1),
    "scanner_peak_rss_mib": round(int(t["Maximum resident set size (kbytes)"]) / 1024, 1),
    "lab_cpu_s": float(lab_cpu), "records": kinds,
    "hosts_vs_truth": cmp_hosts[-1], "domains_vs_truth": cmp_domains[-1],
    "longest_session_ms": longest, "longest_session_ip": longest_ip,
    "session_limit_ms": float(limit_ms) + float(tick_ms),
    "forbidden_total": stats["forbidden_total"], "lab_connections": stats["connections"],
    "lab_timer_late_max_ms": stats.get("timer_late_max_ms"),
    "lab_timers_late_over_1s": stats.get("timers_late_over_1s"),
    "disagreeing_hosts_by_behaviour": by_behaviour,
    "crashes": 0, "loop_lag_ms": {k: lag.get(k) for k in ("timer_max", "timer_p99", "pass_max", "pass_p99")},
    "load_before": float(load0), "load_after": float(load1), "problems": problems,
}))
sys.exit(1 if problems else 0)
PY
}

failed=0
for mix in $mixes; do run_mix "$mix" || failed=1; done
if [[ -f $root/benign/result.json && -f $root/hostile/result.json ]]; then
  python3 - "$root/benign/result.json" "$root/hostile/result.json" <<'PY'
import json, sys
b, h = (json.load(open(p)) for p in sys.argv[1:])
print(json.dumps({"rss_hostile_over_benign": round(h["scanner_peak_rss_mib"] / b["scanner_peak_rss_mib"], 2),
                  "cpu_hostile_over_benign": round(h["scanner_cpu_s"] / b["scanner_cpu_s"], 2)}))
PY
fi
exit "$failed"
