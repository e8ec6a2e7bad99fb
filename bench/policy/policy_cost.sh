#!/usr/bin/env bash
# What domain policy (docs/rules.md §8) costs per domain: the demo population (DOMAINS mail
# domains on HOSTS lab servers, 50-300 ms latency) plus the lab's policy cases, in a signed
# zone served by NSD behind a validating Unbound, with policy-lab serving the MTA-STS sites.
# The same scan runs with --policy all and --policy none, alternating, ROUNDS times each,
# after one untimed warm-up of each (so Unbound's cache is equally warm for both); the
# figures are the medians: scanner CPU (user + sys), wall time, peak RSS, DNS queries and
# MTA-STS fetches (from the metadata), per domain.
#   bench/policy/policy_cost.sh [DOMAINS] [HOSTS] [ROUNDS]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${BIN:-$top/build/bin}
domains=${1:-20000} hosts=${2:-2000} rounds=${3:-3}
scripts=$top/scripts/lab
export PATH=$PATH:/usr/sbin
for tool in nsd unbound ldns-signzone; do
  command -v $tool >/dev/null || "$top/scripts/install-deps.sh" >/dev/null
done
net="127.$((100 + RANDOM % 100))"
smtp_port=$((20000 + RANDOM % 12000))
dns_port=$((10000 + RANDOM % 10000))
https_port=$((dns_port + 1))
run=$(mktemp -d /tmp/starttls-policy-cost.XXXXXX)
cleanup() {
  "$scripts/policy-lab.sh" stop "$run" >/dev/null 2>&1 || true
  "$scripts/unbound.sh" stop "$run" >/dev/null 2>&1 || true
  "$scripts/nsd.sh" stop "$run" >/dev/null 2>&1 || true
  "$scripts/lab.sh" stop "$run" >/dev/null 2>&1 || true
  rm -rf "$run"
}
trap cleanup EXIT

last=$((hosts - 1))
"$scripts/lab.sh" start "$run" "$bin/smtp-lab" \
  --addresses "$net.0.1-$net.$((last / 256)).$((last % 256 + 1))" --port "$smtp_port" \
  --latency-ms 50-300 --processes 2 --domains "$domains" --dns-address "$net.250.1" \
  --policy-address "$net.250.2" >/dev/null
"$scripts/sign-zone.sh" "$run" >/dev/null
"$scripts/nsd.sh" start "$run" "$net.250.1" "$dns_port" --signed >/dev/null
"$scripts/unbound.sh" start "$run" "$net.250.3" "$dns_port" "$net.250.1" "$dns_port" --validate >/dev/null
"$scripts/policy-lab.sh" start "$run" "$bin/policy-lab" --address "$net.250.2" --port "$https_port" >/dev/null
python3 -c 'import json,sys
for l in open(sys.argv[1]): print(json.loads(l)["domain"])' "$run/domains.ndjson" >"$run/domains"
total=$(wc -l <"$run/domains")

scan() {  # scan POLICY TAG: one run; /usr/bin/time's figures in $run/TAG.time
  /usr/bin/time -f "%U %S %e %M" -o "$run/$2.time" \
    "$bin/starttls-scan" --allow-reserved -q --rate 0 --concurrency 5000 --max-per-prefix 0 \
    --mx-port "$smtp_port" --mta-sts-port "$https_port" --resolver "$net.250.3:$dns_port" \
    --ca-file "$run/ca.pem" --policy "$1" -f "$run/domains" -o /dev/null -m "$run/$2.json"
}
echo "warm-up: $total domains ($domains + the lab's policy cases) on $hosts hosts, each way once"
scan all warm-all
scan none warm-none
for ((i = 1; i <= rounds; i++)); do
  scan all "all-$i"
  scan none "none-$i"
done

python3 - "$run" "$rounds" "$total" <<'PY'
import json, statistics, sys
run, rounds, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def figures(tag):
    user, sys_, wall, rss_kb = open(f"{run}/{tag}.time").read().split()
    meta = json.load(open(f"{run}/{tag}.json"))
    dns = meta.get("dns", {})
    return {"cpu_us": (float(user) + float(sys_)) * 1e6 / total, "wall_s": float(wall),
            "rss_mib": int(rss_kb) / 1024, "queries": dns.get("queries", 0) / total,
            "fetches": dns.get("policy_fetches", 0) / total,
            "ad": meta.get("dnssec", {}).get("ad_seen", 0)}
med = {}
for policy in ("all", "none"):
    runs = [figures(f"{policy}-{i}") for i in range(1, rounds + 1)]
    med[policy] = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
print(f"{total} domains, median of {rounds} runs each")
print(f"{'':28}{'--policy all':>14}{'--policy none':>15}{'extra':>10}")
for key, label, fmt in (("cpu_us", "scanner CPU per domain (µs)", "{:.1f}"),
                        ("queries", "DNS queries per domain", "{:.2f}"),
                        ("fetches", "MTA-STS fetches per domain", "{:.4f}"),
                        ("wall_s", "wall time (s)", "{:.1f}"),
                        ("rss_mib", "peak RSS (MiB)", "{:.0f}")):
    a, n = med["all"][key], med["none"][key]
    print(f"{label:28}{fmt.format(a):>14}{fmt.format(n):>15}{fmt.format(a - n):>10}")
print(f"answers with AD (--policy all): {med['all']['ad']:.0f}")
PY
