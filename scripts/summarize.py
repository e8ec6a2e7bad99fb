#!/usr/bin/env python3
"""Prints a per-class and per-status summary table of starttls-scan NDJSON on stdin."""
import collections
import json
import sys


def main() -> int:
    classes = collections.Counter()
    statuses = collections.Counter()
    anomalies = collections.Counter()
    records = 0
    for number, line in enumerate(sys.stdin, 1):
        line = line.strip()
        if not line:
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            print(f"summarize: line {number}: not JSON: {error}", file=sys.stderr)
            return 1
        if record.get("type") not in ("host", "classify", "domain"):
            statuses[record.get("type", "?")] += 1
            records += 1
            continue
        records += 1
        if record.get("type") == "domain":
            classes["domain verdict: " + str(record.get("verdict"))] += 1
            continue
        statuses[record.get("status", "?")] += 1
        classes[record.get("class") or "(no class)"] += 1
        for name in record.get("anomalies", []):
            anomalies[name] += 1

    def table(title, counter):
        print(f"\n{title:<32} {'count':>8} {'share':>7}")
        print("-" * 49)
        for key, count in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])):
            print(f"{key:<32} {count:>8} {100.0 * count / max(records, 1):>6.1f}%")

    print(f"records: {records}")
    table("class", classes)
    table("status", statuses)
    if anomalies:
        table("anomaly", anomalies)
    return 0


if __name__ == "__main__":
    sys.exit(main())
