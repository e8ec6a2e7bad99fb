#!/usr/bin/env python3
"""Compares domain records' policy fields (docs/rules.md §8: dane, mta_sts, tls_rpt, delivery)
with the lab's domain truth. A truth row names only the fields its case determines; each of
those must equal the record's (objects compared key by key, lists element by element).
  compare_policy.py TRUTH.ndjson RECORDS.ndjson"""
import json
import sys


def subset_problems(path, want, got):
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return [f"{path}: {got!r} is not an object"]
        problems = []
        for key, value in want.items():
            if key not in got:
                problems.append(f"{path}.{key}: missing (wanted {value!r})")
            else:
                problems += subset_problems(f"{path}.{key}", value, got[key])
        return problems
    if isinstance(want, list) and want and isinstance(want[0], dict):
        if not isinstance(got, list) or len(got) != len(want):
            return [f"{path}: {got!r} != {want!r}"]
        problems = []
        for i, (w, g) in enumerate(zip(want, got)):
            problems += subset_problems(f"{path}[{i}]", w, g)
        return problems
    return [] if want == got else [f"{path}: {got!r} != {want!r}"]


def main():
    truth = [json.loads(line) for line in open(sys.argv[1])]
    records = {}
    for line in open(sys.argv[2]):
        record = json.loads(line)
        if record.get("type") == "domain":
            records[record["domain"]] = record
    problems = []
    checked = 0
    for row in truth:
        fields = [f for f in ("dane", "mta_sts", "tls_rpt", "delivery") if f in row]
        if not fields:
            continue
        record = records.get(row["domain"])
        if record is None:
            problems.append(f"{row['domain']}: no domain record")
            continue
        checked += 1
        for field in fields:
            for p in subset_problems(field, row[field], record.get(field)):
                problems.append(f"{row['domain']} ({row.get('kind')}): {p}")
    for p in problems:
        print(p)
    print(f"{checked} domains with policy truth, {len(problems)} problems")


if __name__ == "__main__":
    main()
