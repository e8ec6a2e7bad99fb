#!/usr/bin/env python3
"""Compares starttls-scan host records with smtp-lab's truth file.

usage: compare_truth.py TRUTH.ndjson RECORDS.ndjson [--tls]

Checks: exactly one record per truth address (none missing, none doubled, none extra), and
for each its status, class and anomaly list equal the truth's. With --tls, the starttls/tls
expectations of the truth are compared too. Prints every mismatch; exit 1 if any.
"""
import json
import sys


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    check_tls = "--tls" in sys.argv
    truth = {(t["ip"], t["port"]): t for t in load(args[0])}
    records = {}
    problems = []
    for record in load(args[1]):
        if record.get("type") != "host":
            problems.append(f"unexpected record: {record}")
            continue
        key = (record["ip"], record["port"])
        if key in records:
            problems.append(f"{key}: doubled")
        records[key] = record
    for key, expected in truth.items():
        record = records.get(key)
        if record is None:
            problems.append(f"{key} ({expected['behaviour']}): missing")
            continue
        for field in ("status", "class", "anomalies"):
            if record.get(field) != expected.get(field):
                problems.append(f"{key} ({expected['behaviour']}): {field} {record.get(field)!r}"
                                f" != truth {expected.get(field)!r}; error={record.get('error')!r}")
        if check_tls and expected.get("tls"):
            tls = record.get("tls") or {}
            if tls.get("outcome") != expected["tls"].get("outcome"):
                problems.append(f"{key} ({expected['behaviour']}): tls outcome {tls.get('outcome')!r}"
                                f" != truth {expected['tls'].get('outcome')!r}")
    for key in records.keys() - truth.keys():
        problems.append(f"{key}: record for an address the lab does not serve")
    for problem in problems:
        print(problem)
    print(f"{len(truth)} truth rows, {len(records)} records, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
