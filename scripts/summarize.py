#!/usr/bin/env python3
"""Summary tables of starttls-scan NDJSON on stdin: domain verdicts, host classes, statuses,
anomalies and TLS outcomes, each with counts and shares."""
import collections
import json
import sys


def table(title, counter, total):
    if not counter:
        return
    print(f"\n{title:<34} {'count':>8} {'share':>7}")
    print("-" * 51)
    for key, count in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"{key:<34} {count:>8} {100.0 * count / max(total, 1):>6.1f}%")


def main() -> int:
    verdicts, classes, statuses = collections.Counter(), collections.Counter(), collections.Counter()
    anomalies, tls = collections.Counter(), collections.Counter()
    hosts = domains = errors = 0
    for number, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            print(f"summarize: line {number}: not JSON: {error}", file=sys.stderr)
            return 1
        kind = record.get("type")
        if kind == "domain":
            domains += 1
            verdicts[record.get("verdict", "?")] += 1
        elif kind in ("host", "classify"):
            hosts += 1
            statuses[record.get("status", "?")] += 1
            classes[record.get("class") or "(no class)"] += 1
            for name in record.get("anomalies", []):
                anomalies[name] += 1
            if record.get("tls"):
                tls[record["tls"].get("outcome", "?")] += 1
        else:
            errors += 1
    print(f"records: {domains} domains, {hosts} hosts, {errors} input errors")
    table("domain verdict", verdicts, domains)
    table("host class", classes, hosts)
    table("host status", statuses, hosts)
    table("TLS outcome (hosts that tried)", tls, hosts)
    table("anomaly (hosts with it)", anomalies, hosts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
